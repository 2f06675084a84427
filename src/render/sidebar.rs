//! The sidebar of a large book, shared by every page through one `toc.js`.
//!
//! A chapter list inlined into each page costs O(pages²) bytes: at 1,000 chapters the list is
//! ~250 KB, so 1,000 pages carried 250 MB of copies of it, and writing them was a large part of
//! the build. Past a budget the pages instead carry a `<script src="toc.js">` that inserts the
//! list and marks the current page (the way mdBook does it), plus a `<noscript>` link to a plain
//! `toc.html`. Small books (the workshop itself) keep the inline list, which needs no script.

use super::ROOT_MARK;

/// Inline copies of the sidebar allowed across the whole site before it moves to `toc.js`.
const INLINE_BUDGET_BYTES: usize = 8 << 20;

pub fn should_share(sidebar_len: usize, pages: usize) -> bool {
    sidebar_len.saturating_mul(pages) > INLINE_BUDGET_BYTES
}

/// What a page carries in place of the sidebar when the sidebar is shared.
pub fn loader(path_to_root: &str) -> String {
    let root = super::highlight::escape_html(path_to_root);
    format!(
        "<script src=\"{root}toc.js\"></script>\n<noscript><a href=\"{root}toc.html\">All chapters</a></noscript>"
    )
}

/// `toc.js` (the list, made relative to the page at load time) and `toc.html`.
pub fn shared_files(sidebar: &str, book_title: &str) -> [(&'static str, String); 2] {
    let list = serde_json::to_string(sidebar).expect("a string always serialises");
    let script = format!(
        r##"// The chapter list, shared by every page of this book.
(function () {{
  "use strict";
  var script = document.currentScript;
  var root = script.src.replace(/toc\.js([?#].*)?$/, "");
  script.insertAdjacentHTML("afterend", {list}.split({mark}).join(root));
  var here = location.href.split("#")[0].replace(/\/$/, "/index.html");
  var links = script.parentNode.querySelectorAll("a[data-path]");
  for (var i = 0; i < links.length; i++) {{
    if (links[i].href === here) {{ links[i].setAttribute("aria-current", "page"); break; }}
  }}
}})();
"##,
        mark = serde_json::to_string(ROOT_MARK).expect("a string always serialises"),
    );
    let title = super::highlight::escape_html(book_title);
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Chapters - {title}</title><link rel=\"stylesheet\" href=\"css/main.css\"></head><body><nav class=\"sidebar\" aria-label=\"Chapters\">{}</nav></body></html>\n",
        sidebar.replace(ROOT_MARK, "")
    );
    [("toc.js", script), ("toc.html", page)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_books_share_the_sidebar() {
        assert!(!should_share(6_000, 30));
        assert!(should_share(250_000, 1_000));
    }
}
