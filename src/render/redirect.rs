//! The extra files mdBook writes from book.toml: a page for each `[output.html.redirect]`
//! entry (old URL → new), and `CNAME` for `cname`.

use crate::config::HtmlConfig;

use super::highlight::escape_html;

/// `(site path, contents)` of every file, and a warning for each entry that cannot be one.
pub fn files(
    html: &HtmlConfig,
    book_toml: &std::path::Path,
) -> (Vec<(String, String)>, Vec<String>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for (from, to) in &html.redirect {
        // `/old.html` and `./old.html` both name a file from the site root, as in mdBook.
        let parts: Vec<&str> = from
            .split(['/', '\\'])
            .filter(|part| !matches!(*part, "" | "."))
            .collect();
        let path = parts.join("/");
        let inside = !parts.is_empty() && !from.ends_with('/') && !parts.contains(&"..");
        if !inside {
            warnings.push(format!(
                "{}: redirect `{from}` is not a file path inside the site; it is skipped \
                 (write it like `\"/old/page.html\" = \"../new/page.html\"`)",
                book_toml.display()
            ));
            continue;
        }
        files.push((path, redirect_page(to)));
    }
    if let Some(domain) = html
        .cname
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        files.push(("CNAME".to_string(), format!("{domain}\n")));
    }
    (files, warnings)
}

/// A page that sends the reader on to `to` (relative to the page, as in mdBook), keeping the
/// `#fragment` they came with when scripts run.
fn redirect_page(to: &str) -> String {
    let url = escape_html(to);
    let js_url = serde_json::to_string(to).unwrap_or_else(|_| "\"\"".into());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Redirecting…</title>\n\
         <meta http-equiv=\"refresh\" content=\"0; URL={url}\">\n\
         <link rel=\"canonical\" href=\"{url}\">\n\
         <script>window.location.replace({js_url} + window.location.hash);</script>\n\
         </head>\n<body>\n<p>This page has moved to <a href=\"{url}\">{url}</a>.</p>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_redirect_and_a_cname() {
        let mut html = HtmlConfig::default();
        html.redirect.insert(
            "/format/config.html".into(),
            "configuration/index.html".into(),
        );
        html.redirect
            .insert("/../escape.html".into(), "x.html".into());
        html.redirect
            .insert("./vec.html".into(), "./vec/vec.html".into());
        html.cname = Some("book.example.org".into());
        let (mut files, warnings) = files(&html, std::path::Path::new("book.toml"));
        files.sort();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["CNAME", "format/config.html", "vec.html"],
            "`./` is the site root"
        );
        assert_eq!(files[0].1, "book.example.org\n");
        let page = &files[1].1;
        assert!(page.contains("content=\"0; URL=configuration/index.html\""));
        assert!(page.contains(
            "window.location.replace(\"configuration/index.html\" + window.location.hash)"
        ));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("/../escape.html"));
    }
}
