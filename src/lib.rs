//! devoops: one pipeline from a Markdown book to a static site.
//!
//! `Book::load(dir)` (book.toml, SUMMARY.md, chapters) → `render::Renderer` (Markdown, highlighting,
//! templates) → an `site::Output` (a directory swapped in atomically, or memory for `serve`).

pub mod book;
pub mod config;
pub mod error;
