//! `book.toml`: mdBook's configuration format, plus a `[devoops]` table of our own.
//!
//! The file is read twice on purpose: once into typed structs (so a wrong type is an error with
//! the exact line) and once as a plain table, to warn about keys we do not act on. Unknown keys,
//! preprocessors and renderers are warnings, never errors, so a real mdBook book builds unchanged.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result, line_col};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct Config {
    pub book: BookSection,
    pub build: BuildSection,
    pub output: OutputSection,
    pub devoops: DevoopsSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BookSection {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub description: Option<String>,
    pub language: String,
    /// Folder of the Markdown sources, relative to the book root (mdBook's default: `src`).
    pub src: PathBuf,
}

impl Default for BookSection {
    fn default() -> Self {
        BookSection {
            title: None,
            authors: Vec::new(),
            description: None,
            language: "en".into(),
            src: PathBuf::from("src"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct BuildSection {
    pub build_dir: PathBuf,
}

impl Default for BuildSection {
    fn default() -> Self {
        BuildSection {
            build_dir: PathBuf::from("book"),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OutputSection {
    pub html: HtmlConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct HtmlConfig {
    /// Where the site is published, e.g. `/workshop/` or `https://example.org/workshop/`. Pages
    /// use relative links everywhere, so this only matters for the 404 page (served from any
    /// path) and `sitemap.xml` (written only when this is an absolute URL).
    pub site_url: Option<String>,
    /// `light`, `dark` or (anything else) follow the reader's system preference.
    pub default_theme: Option<String>,
    pub git_repository_url: Option<String>,
    /// A URL with `{path}` standing for the chapter's source path, for "suggest an edit" links.
    pub edit_url_template: Option<String>,
    pub additional_css: Vec<PathBuf>,
    pub additional_js: Vec<PathBuf>,
    /// The book's own theme folder (mdBook's `theme`), overriding the default theme file by file.
    pub theme: Option<PathBuf>,
    pub no_section_label: bool,
    pub print: PrintConfig,
    pub search: SearchConfig,
    /// mdBook 0.5's default is on; mdBook 0.4 called it `curly-quotes`.
    pub smart_punctuation: Option<bool>,
    pub curly_quotes: Option<bool>,
    pub code: CodeConfig,
    /// Old page path (from the site root) → where it moved, relative to the old page.
    pub redirect: std::collections::BTreeMap<String, String>,
    /// Written to a `CNAME` file at the site root (GitHub Pages' custom domain).
    pub cname: Option<String>,
    /// The Markdown file (in the source folder) the 404 page is made from; `404.md` if unset.
    pub input_404: Option<String>,
    /// Formulas typeset by MathJax, which is then written into the site.
    pub mathjax_support: bool,
    pub fold: FoldConfig,
}

/// `[output.html.fold]`: sidebar sections deeper than `level` start folded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FoldConfig {
    pub enable: bool,
    pub level: usize,
}

/// `[output.html.code]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CodeConfig {
    /// Fence language → the line prefix that hides a line (`python = "~"`). Rust's `# ` rule
    /// applies without being listed.
    pub hidelines: std::collections::BTreeMap<String, String>,
}

impl Default for HtmlConfig {
    fn default() -> Self {
        HtmlConfig {
            site_url: None,
            default_theme: None,
            git_repository_url: None,
            edit_url_template: None,
            additional_css: Vec::new(),
            additional_js: Vec::new(),
            theme: None,
            no_section_label: false,
            print: PrintConfig { enable: true },
            search: SearchConfig { enable: true },
            smart_punctuation: None,
            curly_quotes: None,
            code: CodeConfig::default(),
            redirect: Default::default(),
            cname: None,
            input_404: None,
            mathjax_support: false,
            fold: FoldConfig::default(),
        }
    }
}

/// `[output.html.search]`: the client-side search index and box (on unless disabled).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SearchConfig {
    pub enable: bool,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig { enable: true }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PrintConfig {
    pub enable: bool,
}

impl Default for PrintConfig {
    fn default() -> Self {
        PrintConfig { enable: true }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "kebab-case")]
pub struct DevoopsSection {
    /// Whether book.toml has a `[devoops]` table: a book that does gets a slide deck for
    /// every chapter; one that does not, only for chapters whose front matter sets `minutes`.
    #[serde(skip)]
    pub present: bool,
    /// Folder of the labs, relative to the book root. Skipped when it does not exist.
    pub labs: PathBuf,
    /// Headings at this level or above start a new slide.
    pub slide_heading_level: u8,
    /// Folder of checker binaries for the lab pages' downloads, relative to the book root:
    /// one subfolder per target triple (see `kit::checkers`). Unset: no checker downloads.
    pub checkers: Option<PathBuf>,
}

impl Default for DevoopsSection {
    fn default() -> Self {
        DevoopsSection {
            present: false,
            labs: PathBuf::from("labs"),
            slide_heading_level: 2,
            checkers: None,
        }
    }
}

/// Keys we read, per table; anything else gets a warning.
const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "book",
        &[
            "title",
            "authors",
            "description",
            "language",
            "src",
            "multilingual",
            "text-direction",
        ],
    ),
    (
        "build",
        &[
            "build-dir",
            "create-missing",
            "use-default-preprocessors",
            "extra-watch-dirs",
        ],
    ),
    ("devoops", &["labs", "slide-heading-level", "checkers"]),
];

/// `[output.html]` keys devoops acts on; for tables, the keys inside it that it acts on.
/// Anything else in `[output.html]` gets a warning naming it.
const KNOWN_HTML_KEYS: &[(&str, &[&str])] = &[
    ("site-url", &[]),
    ("default-theme", &[]),
    ("git-repository-url", &[]),
    ("edit-url-template", &[]),
    ("additional-css", &[]),
    ("additional-js", &[]),
    ("theme", &[]),
    ("no-section-label", &[]),
    ("print", &["enable"]),
    ("search", &["enable"]),
    ("code", &["hidelines"]),
    ("redirect", &["*"]),
    ("cname", &[]),
    ("input-404", &[]),
    ("mathjax-support", &[]),
    ("fold", &["enable", "level"]),
    ("smart-punctuation", &[]),
    ("curly-quotes", &[]),
];

impl Config {
    /// Reads `book.toml`. A missing file is fine (all defaults), as in mdBook.
    pub fn load(path: &Path) -> Result<(Config, Vec<String>)> {
        if !path.exists() {
            return Ok((Config::default(), Vec::new()));
        }
        let text = crate::error::read_text(path)?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<(Config, Vec<String>)> {
        let config: Config = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
        let mut config = config;
        let table: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
        config.devoops.present = table.contains_key("devoops");
        let mut warnings = unknown_key_warnings(&table, path);
        let html = &config.output.html;
        if html.smart_punctuation.or(html.curly_quotes) == Some(false) {
            warnings.push(format!(
                "{}: `output.html.smart-punctuation = false` is not supported: devoops always \
                 turns `--`, `...` and straight quotes into typographic ones, as mdBook does by default",
                path.display()
            ));
        }
        Ok((config, warnings))
    }
}

impl HtmlConfig {
    /// `site-url` when it is an absolute `http(s)://host/…` URL, ending in `/`: the sitemap
    /// format allows only absolute `<loc>` values.
    pub fn absolute_site_url(&self) -> Option<String> {
        let url = self.site_url.as_deref()?.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        if host.is_empty() || host.starts_with('/') || url.contains(char::is_whitespace) {
            return None;
        }
        Some(if url.ends_with('/') {
            url.to_string()
        } else {
            format!("{url}/")
        })
    }

    /// Why no `sitemap.xml` is written, when none is: `book_toml` names the file to fix.
    pub fn sitemap_warning(&self, book_toml: &Path) -> Option<String> {
        if self.absolute_site_url().is_some() {
            return None;
        }
        let why = match &self.site_url {
            None => "`[output.html] site-url` is not set".to_string(),
            Some(url) => format!("`[output.html] site-url` ({url:?}) is not an absolute URL"),
        };
        Some(format!(
            "{}: no sitemap.xml, because {why} and a sitemap lists absolute URLs; set it to where the site is published, e.g. site-url = \"https://example.org/workshop/\"",
            book_toml.display()
        ))
    }
}

/// A TOML error as `book.toml:LINE:COL: message` with a hint.
pub fn toml_error(text: &str, path: &Path, err: &toml::de::Error) -> Error {
    let (line, col) = err.span().map(|s| line_col(text, s.start)).unzip();
    Error::new(err.message().trim().to_string())
        .at(path, line, col)
        .help("fix the TOML at that spot (see https://toml.io for the syntax)")
}

fn unknown_key_warnings(table: &toml::Table, path: &Path) -> Vec<String> {
    let file = path.display();
    let mut warnings = Vec::new();
    for (key, value) in table {
        match key.as_str() {
            "preprocessor" => {
                for name in value.as_table().into_iter().flat_map(|t| t.keys()) {
                    if !matches!(name.as_str(), "links" | "index") {
                        warnings.push(format!(
                            "{file}: preprocessor `{name}` is not run by devoops; its markup stays as written"
                        ));
                    }
                }
            }
            "output" => {
                for (name, renderer) in value.as_table().into_iter().flatten() {
                    if name == "html" {
                        for (html_key, value) in renderer.as_table().into_iter().flatten() {
                            // `false` is what devoops does anyway (`mathjax-support = false`).
                            if value.as_bool() == Some(false) {
                                continue;
                            }
                            let Some((_, inner)) =
                                KNOWN_HTML_KEYS.iter().find(|(k, _)| k == html_key)
                            else {
                                warnings.push(format!(
                                    "{file}: `output.html.{html_key}` is not used by devoops"
                                ));
                                continue;
                            };
                            let unused = value
                                .as_table()
                                .into_iter()
                                .flat_map(|t| t.keys())
                                .filter(|k| !inner.contains(&k.as_str()) && inner != &["*"]);
                            for sub in unused {
                                warnings.push(format!(
                                    "{file}: `output.html.{html_key}.{sub}` is not used by devoops"
                                ));
                            }
                        }
                    } else {
                        warnings.push(format!(
                            "{file}: renderer `output.{name}` is not supported; devoops renders html only"
                        ));
                    }
                }
            }
            section => match KNOWN_KEYS.iter().find(|(name, _)| *name == section) {
                Some((_, keys)) => {
                    for sub in value.as_table().into_iter().flat_map(|t| t.keys()) {
                        if !keys.contains(&sub.as_str()) {
                            warnings
                                .push(format!("{file}: `{section}.{sub}` is not used by devoops"));
                        }
                    }
                }
                None => warnings.push(format!("{file}: table `{section}` is not used by devoops")),
            },
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mdbook_keys() {
        let text = r#"
[book]
title = "T"
authors = ["A"]
src = "content"
[build]
build-dir = "out"
[output.html]
site-url = "/workshop/"
"#;
        let (c, w) = Config::parse(text, Path::new("book.toml")).unwrap();
        assert_eq!(c.book.title.as_deref(), Some("T"));
        assert_eq!(c.book.src, PathBuf::from("content"));
        assert_eq!(c.build.build_dir, PathBuf::from("out"));
        assert_eq!(c.output.html.site_url.as_deref(), Some("/workshop/"));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn only_an_absolute_site_url_gives_a_sitemap() {
        let html = |url: Option<&str>| HtmlConfig {
            site_url: url.map(str::to_string),
            ..HtmlConfig::default()
        };
        assert_eq!(
            html(Some("https://example.org/ws"))
                .absolute_site_url()
                .as_deref(),
            Some("https://example.org/ws/")
        );
        assert_eq!(
            html(Some("http://localhost:3000/"))
                .absolute_site_url()
                .as_deref(),
            Some("http://localhost:3000/")
        );
        for relative in [
            None,
            Some("/"),
            Some("/workshop/"),
            Some("example.org/"),
            Some("https:///x"),
        ] {
            let config = html(relative);
            assert_eq!(config.absolute_site_url(), None, "{relative:?}");
            let warning = config.sitemap_warning(Path::new("book.toml")).unwrap();
            assert!(
                warning.starts_with("book.toml: no sitemap.xml"),
                "{warning}"
            );
            assert!(warning.contains("site-url = \"https://"), "{warning}");
        }
        assert_eq!(
            html(Some("https://example.org/")).sitemap_warning(Path::new("book.toml")),
            None
        );
    }

    #[test]
    fn unknown_things_are_warnings() {
        let text = "[book]\ntitle='x'\nfoo=1\n[preprocessor.mermaid]\ncommand='m'\n[output.pdf]\n";
        let (_, w) = Config::parse(text, Path::new("book.toml")).unwrap();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w.iter().any(|m| m.contains("mermaid")));
        assert!(w.iter().any(|m| m.contains("output.pdf")));
    }

    #[test]
    fn every_html_setting_not_acted_on_is_named() {
        let text = "[output.html]\nhash-files = true\nsidebar-header-nav = true\nsmart-punctuation = true\n\
                    [output.html.search]\nenable = true\nlimit-results = 20\n\
                    [output.html.code.hidelines]\npython = \"~\"\n\
                    [output.html.redirect]\n\"/old.html\" = \"new.html\"\n\
                    [output.html.playground]\neditable = true\n";
        let (c, w) = Config::parse(text, Path::new("book.toml")).unwrap();
        let named: Vec<&str> = w.iter().map(|m| m.split('`').nth(1).unwrap_or(m)).collect();
        assert_eq!(
            named,
            [
                "output.html.hash-files",
                "output.html.playground",
                "output.html.search.limit-results",
                "output.html.sidebar-header-nav",
            ],
            "{w:?}"
        );
        assert_eq!(c.output.html.code.hidelines["python"], "~");
        assert_eq!(c.output.html.redirect["/old.html"], "new.html");
        assert!(!c.devoops.present);
        let (own, _) = Config::parse("[devoops]\n", Path::new("book.toml")).unwrap();
        assert!(own.devoops.present);
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = Config::parse("[book]\ntitle = \n", Path::new("book.toml")).unwrap_err();
        let loc = err.location.unwrap();
        assert_eq!(loc.line, Some(2));
        assert!(loc.column.is_some());
    }

    #[test]
    fn wrong_type_has_line() {
        let err = Config::parse("[book]\n\ntitle = 3\n", Path::new("book.toml")).unwrap_err();
        assert_eq!(err.location.unwrap().line, Some(3));
    }
}
