//! Pages made of every chapter (the print page, the whole-talk deck and its presenter page)
//! without holding every chapter in memory.
//!
//! While chapters render in parallel, each piece of HTML such a page needs is appended to an
//! anonymous temp file (the spool). At the end the page's template is rendered with a short
//! marker in place of each piece, and the page is streamed out: template text, then pieces read
//! back from the spool one at a time. On a 1,000-page book each of these pages is ~50 MB of
//! HTML; holding them (plus Tera's copies) dominated the build's peak memory.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// Stands for piece `i` in a rendered template.
const MARK_OPEN: &str = "@@DEVOOPS_PIECE_";
const MARK_CLOSE: &str = "@@";

pub fn marker(index: usize) -> String {
    format!("{MARK_OPEN}{index}{MARK_CLOSE}")
}

/// Pieces of HTML waiting for their page, stored on disk in the order they finished.
pub struct Spool {
    file: Mutex<File>,
    /// `(offset, length)` in the file per piece.
    spans: Mutex<Vec<Option<(u64, usize)>>>,
}

fn spool_error(e: std::io::Error) -> Error {
    Error::new(format!(
        "cannot use a temporary file for a page of the whole book: {e}"
    ))
    .help("check free space in the temporary folder (TMPDIR)")
}

impl Spool {
    pub fn new(pieces: usize) -> Result<Spool> {
        Ok(Spool {
            file: Mutex::new(tempfile::tempfile().map_err(spool_error)?),
            spans: Mutex::new(vec![None; pieces]),
        })
    }

    /// Stores piece `index`; called from the rendering threads.
    pub fn add(&self, index: usize, content: &str) -> Result<()> {
        let offset = {
            let mut file = self.file.lock().expect("spool lock poisoned");
            let offset = file.seek(SeekFrom::End(0)).map_err(spool_error)?;
            file.write_all(content.as_bytes()).map_err(spool_error)?;
            offset
        };
        self.spans.lock().expect("spool lock poisoned")[index] = Some((offset, content.len()));
        Ok(())
    }

    /// Piece `index` as stored (empty if it was never added).
    fn read(&self, index: usize) -> Result<Vec<u8>> {
        let span = self
            .spans
            .lock()
            .expect("spool lock poisoned")
            .get(index)
            .copied()
            .flatten();
        let Some((offset, len)) = span else {
            return Ok(Vec::new());
        };
        let mut file = self.file.lock().expect("spool lock poisoned");
        file.seek(SeekFrom::Start(offset)).map_err(spool_error)?;
        let mut bytes = vec![0; len];
        file.read_exact(&mut bytes).map_err(spool_error)?;
        Ok(bytes)
    }

    /// Splits the rendered template at the markers and yields template text and pieces in
    /// order, reading each piece from the spool only when it is needed.
    pub fn pieces<'a>(&'a self, rendered: &'a str) -> impl Iterator<Item = Result<Vec<u8>>> + 'a {
        self.pieces_mapped(rendered, |_, piece| piece)
    }

    /// [`Spool::pieces`], with each piece passed through `map` (with its index) on the way.
    pub fn pieces_mapped<'a>(
        &'a self,
        rendered: &'a str,
        map: impl Fn(usize, Vec<u8>) -> Vec<u8> + 'a,
    ) -> impl Iterator<Item = Result<Vec<u8>>> + 'a {
        let mut rest = rendered;
        let mut pending: Option<usize> = None;
        std::iter::from_fn(move || {
            if let Some(index) = pending.take() {
                return Some(self.read(index).map(|piece| map(index, piece)));
            }
            if rest.is_empty() {
                return None;
            }
            let Some((start, index, end)) = next_marker(rest) else {
                let text = std::mem::take(&mut rest);
                return Some(Ok(text.as_bytes().to_vec()));
            };
            let text = &rest[..start];
            rest = &rest[end..];
            pending = Some(index);
            Some(Ok(text.as_bytes().to_vec()))
        })
    }
}

/// The first marker in `text`: its start, the piece's index, and the end.
fn next_marker(text: &str) -> Option<(usize, usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find(MARK_OPEN) {
        let start = from + found;
        let digits_at = start + MARK_OPEN.len();
        let digits = text[digits_at..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let close = digits_at + digits;
        if digits > 0 && text[close..].starts_with(MARK_CLOSE) {
            let index = text[digits_at..close].parse().ok()?;
            return Some((start, index, close + MARK_CLOSE.len()));
        }
        from = digits_at;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_come_back_in_template_order() {
        let spool = Spool::new(3).unwrap();
        spool.add(2, "<p>third</p>").unwrap();
        spool.add(0, "<p>first</p>").unwrap();
        spool.add(1, "").unwrap();
        let page = format!(
            "<main>{}|{}|{}</main>@@DEVOOPS_PIECE_x@@",
            marker(0),
            marker(1),
            marker(2)
        );
        let joined: Vec<u8> = spool
            .pieces(&page)
            .collect::<Result<Vec<_>>>()
            .unwrap()
            .concat();
        assert_eq!(
            String::from_utf8(joined).unwrap(),
            "<main><p>first</p>||<p>third</p></main>@@DEVOOPS_PIECE_x@@"
        );
    }
}
