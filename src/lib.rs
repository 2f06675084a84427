//! devoops: one pipeline from a Markdown book to a static site.
//!
//! `Book::load(dir)` (book.toml, SUMMARY.md, chapters) → `render::Renderer` (Markdown, highlighting,
//! templates) → a `site::Output` (a folder swapped in atomically, or memory for `serve`).
//! `build::build_with` strings the steps together for the CLI.

pub mod book;
pub mod build;
pub mod config;
pub mod error;
pub mod links;
pub mod page;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
