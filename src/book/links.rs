//! Every link and image target in a chapter's Markdown, with the line and column it starts
//! on, found when the chapter is parsed; and the rules for reading a link target.

use pulldown_cmark::{Event, LinkType, Parser, Tag};

use super::blocks::markdown_options as options;
use crate::error::line_col;

/// One link as the author wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLink {
    pub url: String,
    pub line: usize,
    pub column: usize,
}

/// The links of `text` (the file as it is on disk, so lines match what the author sees).
/// Links in code are not links; pulldown-cmark already knows that.
pub fn links(text: &str) -> Vec<SourceLink> {
    let mut found = Vec::new();
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        let url = match event {
            // `<user@host>` is an e-mail address, not a file.
            Event::Start(Tag::Link {
                link_type: LinkType::Email,
                ..
            }) => continue,
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url,
            _ => continue,
        };
        let (line, column) = line_col(text, range.start);
        found.push(SourceLink {
            url: url.to_string(),
            line,
            column,
        });
    }
    found
}

/// True for URLs that leave the book (`https:`, `mailto:`, `//host`).
pub fn is_external(url: &str) -> bool {
    if url.starts_with("//") {
        return true;
    }
    match url.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                // `C:` would be a Windows drive, never a scheme of a link in a book.
                && scheme.len() > 1
        }
        None => false,
    }
}

pub use crate::site_path::resolve;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn finds_links_and_images_with_their_lines_but_not_code() {
        let text = "# T\n\nSee [a](a.md#x) and ![i](img/p.svg).\n\n```\n[no](no.md)\n```\n\n[ref]: r.md\n\nUse [ref].\n";
        let got: Vec<(String, usize, usize)> = links(text)
            .into_iter()
            .map(|l| (l.url, l.line, l.column))
            .collect();
        assert_eq!(
            got,
            [
                ("a.md#x".to_string(), 3, 5),
                ("img/p.svg".to_string(), 3, 21),
                ("r.md".to_string(), 11, 5)
            ]
        );
    }

    #[test]
    fn schemes_and_paths() {
        assert!(is_external("https://example.org"));
        assert!(is_external("mailto:x@y.z"));
        assert!(is_external("//cdn.example.org/x.js"));
        assert!(!is_external("a.md"));
        assert!(!is_external("#top"));
        assert_eq!(
            resolve(Path::new("labs"), "../intro.md"),
            Some("intro.md".into())
        );
        assert_eq!(resolve(Path::new(""), "./a/b.md"), Some("a/b.md".into()));
        assert_eq!(resolve(Path::new(""), "../x.md"), None);
    }
}
