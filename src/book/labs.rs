//! The labs as pages of the book: each `labs/NN-name/` with a `lab.toml` becomes a chapter at
//! `labs/NN-name.md` in site space, under a "Labs" part placed after the numbered chapters.
//! The page text (README + what lab.toml says) comes from the check engine, which owns lab.toml.

use std::path::{Path, PathBuf};

use super::{Book, Chapter, FrontMatter, NavEntry, Parsed};
use crate::error::{Error, Result};
use crate::kit;
use crate::kit::checkers::Checkers;
use crate::kit::downloads::Download;

/// Lab folders under `labs_dir` (those holding a `lab.toml`), in name order.
pub fn lab_dirs(labs_dir: &Path) -> Result<Vec<PathBuf>> {
    if !labs_dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(labs_dir).map_err(|e| Error::io(labs_dir, &e))?;
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("lab.toml").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// A lab's page, ending with its "Get the lab" box, and the files that box offers.
fn lab_chapter(
    dir: &Path,
    slide_heading_level: u8,
    checkers: &Checkers,
    guide: bool,
) -> Result<(Chapter, Vec<Download>)> {
    let mut page = labkit::page::lab_page(dir).map_err(|e| {
        Error::new(e.message.clone())
            .at(&e.file, e.line, None)
            .help("fix the lab's lab.toml or README.md (see labs/README.md for the format)")
    })?;
    let downloads = kit::downloads::lab_downloads(dir, &page.id, checkers)?;
    page.markdown
        .push_str(&kit::downloads::download_box(&page.id, &downloads, guide));
    let origin = dir.join("README.md");
    let parsed = Parsed::parse(&page.markdown, &origin, 1, slide_heading_level)?;
    let chapter = Chapter {
        title: lab_title(&page.id, &page.title),
        number: None,
        depth: 0,
        source_path: PathBuf::from(format!("labs/{}.md", page.id)),
        origin,
        first_line: 1,
        verbatim: false,
        front: FrontMatter::default(),
        title_override: None,
        dependencies: vec![dir.join("lab.toml")],
        index: 0,
        parsed,
        warnings: Vec::new(),
    };
    Ok((chapter, downloads))
}

/// "Lab 1: Here's a tarball" from id `01-tarball`: the number people say in the room.
fn lab_title(id: &str, title: &str) -> String {
    match id.split('-').next().and_then(|n| n.parse::<u32>().ok()) {
        Some(n) => format!("Lab {n}: {title}"),
        None => format!("Lab: {title}"),
    }
}

impl Book {
    /// Adds the lab pages, if the book has a labs folder. Each ends with its "Get the lab"
    /// box, offering the checkers found in `checkers` (a folder per platform; see
    /// `kit::checkers`).
    pub(super) fn add_labs(&mut self, checkers: Option<&Path>) -> Result<()> {
        let dirs = lab_dirs(&self.root.join(&self.config.devoops.labs))?;
        if dirs.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = dirs
            .iter()
            .filter_map(|d| Some(d.file_name()?.to_string_lossy().into_owned()))
            .collect();
        let found = checkers
            .map(|dir| Checkers::find(dir, &ids))
            .unwrap_or_default();
        self.warnings.extend(found.warnings.iter().cloned());
        let guide = self
            .src_dir
            .join(kit::downloads::BEFORE_THE_WORKSHOP)
            .is_file();
        let mut labs = Vec::with_capacity(dirs.len());
        for dir in &dirs {
            let level = self.config.devoops.slide_heading_level;
            let (chapter, downloads) = lab_chapter(dir, level, &found, guide)?;
            self.downloads.extend(downloads);
            labs.push(chapter);
        }
        // After the last numbered chapter (before suffix chapters such as "About"), or at the end.
        let nav_pos = self
            .nav
            .iter()
            .rposition(|e| match e {
                NavEntry::Chapter(i) => self.chapters[*i].number.is_some(),
                NavEntry::Draft { number, .. } => number.is_some(),
                _ => false,
            })
            .map_or(self.nav.len(), |p| p + 1);
        let chapter_pos = self.nav[..nav_pos]
            .iter()
            .filter(|e| matches!(e, NavEntry::Chapter(_)))
            .count();
        let count = labs.len();
        for entry in &mut self.nav {
            if let NavEntry::Chapter(i) = entry
                && *i >= chapter_pos
            {
                *i += count;
            }
        }
        let mut entries = vec![NavEntry::Part("Labs".to_string())];
        entries.extend((0..count).map(|k| NavEntry::Chapter(chapter_pos + k)));
        self.nav.splice(nav_pos..nav_pos, entries);
        self.chapters.splice(chapter_pos..chapter_pos, labs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_titles_use_the_number() {
        assert_eq!(
            lab_title("01-tarball", "Here's a tarball"),
            "Lab 1: Here's a tarball"
        );
        assert_eq!(lab_title("x", "T"), "Lab: T");
    }
}
