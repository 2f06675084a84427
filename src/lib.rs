//! devoops: one pipeline from a Markdown book to a static site.
//!
//! 1. **load** — [`book::Book::load`] reads `book.toml`, `SUMMARY.md` and every chapter, and
//!    scans each chapter once into its pieces ([`book::Parsed`]: Markdown, notes, handbook-
//!    and slide-only blocks, slide breaks; slide count; links);
//!    authoring mistakes stop here with the file and line.
//! 2. **render** — [`render::chapter`] turns one chapter into its page and its slides
//!    ([`render::RenderedChapter`]) with what every page shares ([`render::Frame`]: templates,
//!    sidebar, settings). It is pure: it reads and writes nothing. [`render::page`] renders
//!    the page alone and leaves the slides for when the assembly first asks for them.
//! 3. **assemble** — [`site::Assembly`] owns the list of every file of the site and writes
//!    them from rendered chapters: pages, decks and presenter pages as each chapter arrives,
//!    then the pages made of every chapter (print page, whole-talk deck, index, 404, sitemap,
//!    search index) streamed from spools, so memory holds the chapters in flight, not the book.
//!    The result, [`site::Site`], is what [`links`] checks; [`search`] indexes the pages'
//!    [`page::PageSummary`] values and knows nothing of rendering.
//! 4. **write** — into a [`site::Output`]: a staging folder swapped in atomically (`build`),
//!    memory (`serve`), or nowhere (`check-links`).
//!
//! [`build`] strings the steps together for `devoops build` and `devoops check-links`;
//! [`serve`] keeps the frame and the rendered chapters, re-renders the chapter that changed,
//! and runs the same assembly again.

pub mod book;
pub mod build;
pub mod config;
pub mod error;
pub mod http_server;
pub mod kit;
pub mod links;
pub mod page;
pub mod render;
pub mod room;
pub mod search;
pub mod serve;
pub mod site;
pub mod site_path;
