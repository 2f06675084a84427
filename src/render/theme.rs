//! The theme: Tera templates plus static assets (CSS, JS, images), in layers.
//!
//! Layer 1 is `themes/default/` compiled into the binary, so devoops builds any book anywhere.
//! Layer 2 is `themes/default/` on disk next to `book.toml` when there is one (this repository),
//! so editing the theme shows up in `serve` without recompiling. Layer 3 is the book's own
//! `theme/` folder (or `[output.html] theme`), mdBook's way to override a file by giving one of
//! the same name. Templates are the `.html` files at a layer's top; everything in its
//! sub-folders is an asset copied to the site.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use tera::{ErrorKind, Tera};

use crate::error::{Error, Result};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// Where a theme file came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Disk(PathBuf),
}

#[derive(Debug, Clone)]
pub struct ThemeFile {
    pub bytes: Vec<u8>,
    pub origin: Origin,
}

pub struct Theme {
    pub tera: Tera,
    /// Assets by site path (`css/main.css`), later layers winning.
    pub assets: BTreeMap<String, ThemeFile>,
    templates: BTreeMap<String, ThemeFile>,
    pub warnings: Vec<String>,
}

impl Theme {
    /// Loads the embedded theme, then the given folders on top, in order (missing ones skipped).
    pub fn load(overrides: &[PathBuf]) -> Result<Theme> {
        let mut files: BTreeMap<String, ThemeFile> = BTreeMap::new();
        collect_embedded(&EMBEDDED, &mut files);
        let mut warnings = Vec::new();
        for dir in overrides.iter().filter(|d| d.is_dir()) {
            collect_disk(dir, &mut files, &mut warnings)?;
        }
        let (templates, assets): (BTreeMap<_, _>, BTreeMap<_, _>) = files
            .into_iter()
            .partition(|(name, _)| !name.contains('/') && name.ends_with(".html"));
        let mut tera = Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        let mut sources = Vec::new();
        for (name, file) in &templates {
            let text = std::str::from_utf8(&file.bytes).map_err(|_| {
                Error::in_file(origin_path(name, &file.origin), "template is not UTF-8")
                    .help("save it as UTF-8")
            })?;
            sources.push((name.clone(), text.to_string()));
        }
        let theme_for_errors = Theme {
            tera: Tera::new(),
            assets: BTreeMap::new(),
            templates: templates.clone(),
            warnings: Vec::new(),
        };
        tera.add_raw_templates(sources)
            .map_err(|e| theme_for_errors.template_error(&e))?;
        Ok(Theme {
            tera,
            assets,
            templates,
            warnings,
        })
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.templates.contains_key(name)
    }

    /// Renders a template, turning Tera's error into one naming the template file and line.
    pub fn render(&self, name: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(name, context)
            .map_err(|e| self.template_error(&e))
    }

    fn template_error(&self, err: &tera::Error) -> Error {
        let report = match err.kind() {
            ErrorKind::SyntaxError(r) | ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        match report {
            Some(r) => {
                let file = self
                    .templates
                    .get(r.filename())
                    .map(|f| origin_path(r.filename(), &f.origin))
                    .unwrap_or_else(|| PathBuf::from(r.filename()));
                let span = r.span();
                Error::new(r.message().to_string())
                    .at(file, Some(span.start_line), Some(span.start_col + 1))
                    .help("fix the template at that spot (Tera syntax: https://keats.github.io/tera/docs/)")
            }
            None => {
                let mut message = err.to_string();
                let mut source = std::error::Error::source(err);
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                Error::new(format!("template error: {message}")).help("check the theme's templates")
            }
        }
    }
}

fn origin_path(name: &str, origin: &Origin) -> PathBuf {
    match origin {
        Origin::Disk(path) => path.clone(),
        Origin::Embedded => Path::new("themes/default").join(name),
    }
}

fn collect_embedded(dir: &Dir<'static>, files: &mut BTreeMap<String, ThemeFile>) {
    for file in dir.files() {
        files.insert(
            file.path().to_string_lossy().replace('\\', "/"),
            ThemeFile {
                bytes: file.contents().to_vec(),
                origin: Origin::Embedded,
            },
        );
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

/// Why a file of mdBook's theme layout does nothing on devoops' pages, if it does not. (It is
/// still copied: a page may link it itself.)
fn not_for_this_page(name: &str) -> Option<&'static str> {
    match name {
        "css/variables.css" | "css/general.css" | "css/chrome.css" | "css/print.css" => Some(
            "this stylesheet is written for mdBook's own page layout and is not loaded by \
             devoops; put the rules you need in a file listed in `output.html.additional-css`",
        ),
        "highlight.css" => Some(
            "highlight.js colours (`.hljs-…` classes) do not apply: devoops highlights code when \
             it builds, with `hl-…` classes styled by css/highlight.css",
        ),
        _ => None,
    }
}

fn collect_disk(
    dir: &Path,
    files: &mut BTreeMap<String, ThemeFile>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry =
            entry.map_err(|e| Error::in_file(dir, format!("cannot read theme folder: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir stays under its root");
        let name = rel.to_string_lossy().replace('\\', "/");
        if name.ends_with(".hbs") {
            warnings.push(format!(
                "{}: Handlebars templates are mdBook's; devoops uses Tera templates (themes/default/*.html) and ignores this file",
                entry.path().display()
            ));
            continue;
        }
        if let Some(why) = not_for_this_page(&name) {
            warnings.push(format!("{}: {why}", entry.path().display()));
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), &e))?;
        files.insert(
            name,
            ThemeFile {
                bytes,
                origin: Origin::Disk(entry.path().to_path_buf()),
            },
        );
    }
    Ok(())
}
