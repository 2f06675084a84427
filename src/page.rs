//! What a rendered page tells the rest of the site: its path, title, the text of its sections
//! (for search) and its anchors (for links). `render` makes these, `site` gathers them, and
//! `search` and `links` read them without knowing how a page is rendered.

use serde::Serialize;

/// A page's summary, without its HTML.
#[derive(Debug, Clone, Serialize)]
pub struct PageSummary {
    pub path: String,
    pub title: String,
    pub sections: Vec<Section>,
    /// Every `id` in the page body (headings, footnotes, raw HTML): what `#anchor` links may name.
    pub anchors: Vec<String>,
}

/// The text under one heading (or before the first), for search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Anchor of the heading; `None` for the text before the first heading.
    pub id: Option<String>,
    pub heading: String,
    pub text: String,
}

/// mdBook-compatible slug: lowercase, alphanumerics, `-` and `_` kept, spaces become `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() {
            slug.push('-');
        }
    }
    slug
}
