//! One error type for the whole pipeline.
//!
//! Every error a user can cause names the file (and line, when known), says what is wrong in one
//! line, and says how to fix it. The CLI prints it as `path:line:col: message` followed by a
//! `help:` line, the shape compilers and linters use, so editors can jump to the spot.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in a source file something went wrong (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub location: Option<Location>,
    pub message: String,
    pub help: Option<String>,
    pub kind: ErrorKind,
}

/// What kind of failure an error is, for the exit code (as ripgrep does it: 1 when the work
/// failed, 2 when it could not start).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ErrorKind {
    /// The build or check ran and failed: a broken chapter, template or link (exit code 1).
    #[default]
    Failed,
    /// The command could not run as asked: a wrong folder, a bad `book.toml`, a destination
    /// that would overwrite the sources (exit code 2).
    Usage,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            location: None,
            message: message.into(),
            help: None,
            kind: ErrorKind::Failed,
        }
    }

    /// Marks the error as a usage or configuration error (exit code 2).
    pub fn usage(mut self) -> Self {
        self.kind = ErrorKind::Usage;
        self
    }

    /// An error about a whole file (no line known).
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::new(message).at(file, None, None)
    }

    pub fn at(
        mut self,
        file: impl Into<PathBuf>,
        line: Option<usize>,
        column: Option<usize>,
    ) -> Self {
        self.location = Some(Location {
            file: file.into(),
            line,
            column,
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An I/O failure on a path, phrased for the user.
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        let what = match err.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => err.to_string(),
        };
        Error::in_file(path, what)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{}", loc.file.display())?;
            if let Some(line) = loc.line {
                write!(f, ":{line}")?;
                if let Some(col) = loc.column {
                    write!(f, ":{col}")?;
                }
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// 1-based line and column of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Reads a UTF-8 text file, turning every failure into a user-facing error.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    text_from_bytes(path, bytes)
}

/// `bytes` read from `path` as UTF-8 text; invalid UTF-8 is an error at its line and column.
pub fn text_from_bytes(path: &Path, bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(
            &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
            usize::MAX,
        );
        Error::new("the file is not valid UTF-8 text")
            .at(path, Some(line), Some(col))
            .help("save the file as UTF-8")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 8), (3, 1));
        // Inside a multi-byte character: no panic, the character's own column.
        assert_eq!(line_col(text, 6), (2, 3));
    }

    #[test]
    fn display_names_file_line_and_help() {
        let e = Error::new("bad thing")
            .at("book.toml", Some(3), Some(7))
            .help("do the other thing");
        assert_eq!(
            e.to_string(),
            "book.toml:3:7: bad thing\n  help: do the other thing"
        );
    }
}
