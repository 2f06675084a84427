//! Server-side syntax highlighting with syntect (two-face adds TOML, Dockerfile, INI, …).
//!
//! Output is class-based (`hl-…` classes), so one stylesheet per colour scheme styles every page
//! and switching light/dark needs no re-render. The syntax set is loaded once per process.

use std::sync::OnceLock;

use syntect::highlighting::ThemeSet;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };
const LIGHT_THEME: &str = "InspiredGitHub";
const DARK_THEME: &str = "base16-ocean.dark";

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(two_face::syntax::extra_newlines)
}

/// Names authors write after the fence that syntect knows by another name.
fn canonical_token(lang: &str) -> &str {
    match lang {
        "sh" | "shell" | "console" | "zsh" => "bash",
        "yml" => "yaml",
        "docker" | "containerfile" => "dockerfile",
        "js" => "javascript",
        "ts" => "typescript",
        "py" => "python",
        "conf" | "cfg" => "ini",
        "jsonc" => "json",
        "prom" | "promql" => "text",
        other => other,
    }
}

fn find_syntax(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.to_ascii_lowercase();
    let token = canonical_token(&lang);
    let set = syntaxes();
    set.find_syntax_by_token(token).or_else(|| {
        set.syntaxes()
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(token))
    })
}

/// The language from a fence's info string: `rust,ignore` and `toml {.x}` give `rust`, `toml`.
pub fn fence_language(info: &str) -> &str {
    info.split([',', ' ', '{', '\t'])
        .next()
        .unwrap_or("")
        .trim()
}

/// A highlighted `<pre><code>` block. Unknown or empty languages give plain escaped code.
pub fn highlight_block(code: &str, info: &str) -> String {
    let lang = fence_language(info);
    let body = find_syntax(lang)
        .filter(|_| !lang.is_empty())
        .and_then(|syntax| highlight_lines(code, syntax))
        .unwrap_or_else(|| escape_html(code));
    let lang_class = if lang.is_empty() {
        String::new()
    } else {
        format!(" class=\"language-{}\"", escape_html(lang))
    };
    format!("<pre class=\"hl-code\"><code{lang_class}>{body}</code></pre>\n")
}

fn highlight_lines(code: &str, syntax: &SyntaxReference) -> Option<String> {
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes(), CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The stylesheet for highlighted code: the light scheme by default, the dark one under
/// `[data-theme=dark]` (set on `<html>` by the theme toggle).
pub fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let css = |name: &str| {
        themes
            .themes
            .get(name)
            .and_then(|t| css_for_theme_with_class_style(t, CLASS_STYLE).ok())
            .unwrap_or_default()
    };
    format!(
        "{}\n{}",
        css(LIGHT_THEME),
        scope_css(&css(DARK_THEME), "[data-theme=dark]")
    )
}

/// Prefixes every selector of a flat stylesheet (no @-rules) with `scope`.
fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let selectors = strip_comments(&rest[..open]);
        let scoped: Vec<String> = selectors
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("{scope} {s}"))
            .collect();
        out.push_str(&scoped.join(", "));
        out.push(' ');
        out.push_str(&rest[open..open + close + 1]);
        out.push('\n');
        rest = &rest[open + close + 1..];
    }
    out
}

fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start..].find("*/") {
            Some(end) => rest = &rest[start + end + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_the_workshop_uses_get_classes() {
        let cases = [
            ("rust", "fn main() { let x = 1; }\n", "hl-rust"),
            ("yaml", "key: value\nlist:\n  - a\n", "hl-yaml"),
            ("toml", "[book]\ntitle = \"x\"\n", "hl-toml"),
            (
                "dockerfile",
                "FROM debian:12\nRUN apt-get update\n",
                "hl-dockerfile",
            ),
            ("bash", "echo \"$HOME\" | grep x\n", "hl-shell"),
            ("sh", "ls -la\n", "hl-shell"),
            ("ini", "[section]\nkey=value\n", "hl-ini"),
        ];
        for (lang, code, class) in cases {
            let html = highlight_block(code, lang);
            assert!(
                html.contains(class),
                "{lang}: expected class {class} in {html}"
            );
            assert!(
                html.contains("<span class=\"hl-"),
                "{lang}: no spans in {html}"
            );
        }
    }

    #[test]
    fn unknown_language_is_plain_escaped_code() {
        let html = highlight_block("<b>x</b> & y\n", "no-such-lang");
        assert_eq!(
            html,
            "<pre class=\"hl-code\"><code class=\"language-no-such-lang\">&lt;b&gt;x&lt;/b&gt; &amp; y\n</code></pre>\n"
        );
        let plain = highlight_block("a<b\n", "");
        assert!(plain.contains("a&lt;b"));
    }

    #[test]
    fn info_string_attributes_are_ignored() {
        assert_eq!(fence_language("rust,ignore"), "rust");
        assert_eq!(fence_language("toml {.numbered}"), "toml");
        assert!(highlight_block("let x = 1;\n", "rust,editable").contains("hl-rust"));
    }

    #[test]
    fn stylesheet_has_light_and_scoped_dark_rules() {
        let css = stylesheet();
        assert!(css.contains(".hl-code {"));
        assert!(css.contains("[data-theme=dark] .hl-code {"));
        // Every dark rule is scoped: no dark selector leaks out unprefixed.
        let dark = &css[css.find("[data-theme=dark]").unwrap()..];
        for rule in dark.split('}').filter(|r| r.contains('{')) {
            for sel in rule[..rule.find('{').unwrap()].split(',') {
                assert!(
                    sel.trim().starts_with("[data-theme=dark]"),
                    "unscoped: {sel}"
                );
            }
        }
    }
}
