//! Adds the live-reload script to HTML pages as they are served. The built site never
//! contains it: `devoops build` output stays exactly what a reader gets from a web server.

const SCRIPT: &str = include_str!("livereload.js");

/// `html` with the live-reload script before its last `</body>` (or at the end).
/// `generation` and `failure` are the server's state when the page was served.
pub fn with_live_reload(html: &[u8], generation: u64, failure: Option<&str>) -> Vec<u8> {
    let state = serde_json::json!({ "generation": generation, "error": failure });
    // `</` inside a JSON string would end the inline script early.
    let state = state.to_string().replace("</", "<\\/");
    let tag =
        format!("<script>window.__devoopsServe = {state};</script>\n<script>\n{SCRIPT}</script>\n");
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// A stand-in page for when no build has succeeded yet: it says the book is building (or
/// shows why it failed) and reloads by itself once the book is there.
pub fn placeholder_page(generation: u64, failure: Option<&str>) -> Vec<u8> {
    let (title, text) = match failure {
        None => (
            "Building",
            "The book is building; this page reloads when it is ready.",
        ),
        Some(_) => (
            "Build failed",
            "The book has not built yet. Fix the error shown above; this page reloads by itself.",
        ),
    };
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    );
    with_live_reload(page.as_bytes(), generation, failure)
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_closing_body_tag() {
        let html = with_live_reload(b"<html><body><p>x</p></body></html>", 7, None);
        let html = String::from_utf8(html).unwrap();
        assert!(html.ends_with("</script>\n</body></html>"));
        assert!(html.contains(r#"{"error":null,"generation":7}"#));
    }

    #[test]
    fn error_text_cannot_close_the_script() {
        let html = with_live_reload(b"<body></body>", 1, Some("bad </script><b>"));
        let html = String::from_utf8(html).unwrap();
        assert_eq!(html.matches("</script>").count(), 2);
        assert!(html.contains(r#"bad <\/script><b>"#));
    }
}
