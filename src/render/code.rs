//! A fenced code block as mdBook shows it: the fence's attributes (`rust,ignore`,
//! `rust edition2021`, `hidelines=~`) become classes on `<code>`, and hidden lines (`# ` in
//! Rust, a configured prefix in other languages) are marked for the page's show/hide toggle.

use std::collections::BTreeMap;

use super::highlight;

/// The parts of a fence's info string.
#[derive(Debug, PartialEq, Eq)]
struct Fence<'a> {
    language: &'a str,
    /// The other words, kept as classes.
    classes: Vec<&'a str>,
    /// A `hidelines=PREFIX` attribute.
    hide_prefix: Option<&'a str>,
}

fn parse_fence(info: &str) -> Fence<'_> {
    let mut words = info
        .split([',', ' ', '\t'])
        .map(|w| w.trim_matches(['{', '}']))
        .filter(|w| !w.is_empty());
    let language = words.next().unwrap_or("");
    let mut fence = Fence {
        language,
        classes: Vec::new(),
        hide_prefix: None,
    };
    for word in words {
        match word.strip_prefix("hidelines=") {
            Some(prefix) => fence.hide_prefix = Some(prefix),
            None => fence.classes.push(word.trim_start_matches('.')),
        }
    }
    fence
}

/// How a block's lines are hidden.
enum Hiding<'a> {
    /// `# hidden`, `#` alone, and `##` for a line that really starts with `#`.
    Rust,
    Prefix(&'a str),
}

/// The code as the reader sees it (markers removed) and which of its lines are hidden.
fn hide_lines(code: &str, hiding: &Hiding) -> (String, Vec<bool>) {
    let mut shown = String::with_capacity(code.len());
    let mut hidden = Vec::new();
    for line in code.split_inclusive('\n') {
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = &line[..line.len() - rest.len()];
        let (text, is_hidden) = match hiding {
            Hiding::Rust if rest.starts_with("##") => (&rest[1..], false),
            Hiding::Rust if rest.starts_with("# ") => (&rest[2..], true),
            Hiding::Rust if rest.trim_end() == "#" => (&rest[1..], true),
            Hiding::Prefix(prefix) if !prefix.is_empty() => match rest.strip_prefix(prefix) {
                Some(after) => (after, true),
                None => (rest, false),
            },
            _ => (rest, false),
        };
        shown.push_str(indent);
        shown.push_str(text);
        hidden.push(is_hidden);
    }
    (shown, hidden)
}

/// The HTML of one fenced block; `hidelines` is `[output.html.code.hidelines]`.
pub fn block(code: &str, info: &str, hidelines: &BTreeMap<String, String>) -> String {
    let fence = parse_fence(info);
    let language = fence.language.to_ascii_lowercase();
    let hiding = match fence.hide_prefix {
        Some(prefix) => Some(Hiding::Prefix(prefix)),
        None => match hidelines.get(&language) {
            Some(prefix) => Some(Hiding::Prefix(prefix)),
            None => (language == "rust").then_some(Hiding::Rust),
        },
    };
    match hiding {
        Some(hiding) => {
            let (shown, hidden) = hide_lines(code, &hiding);
            highlight::code_block(&shown, fence.language, &fence.classes, &hidden)
        }
        None => highlight::code_block(code, fence.language, &fence.classes, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_become_classes() {
        let fence = parse_fence("rust,ignore edition2021 {.wide} hidelines=~");
        assert_eq!(fence.language, "rust");
        assert_eq!(fence.classes, ["ignore", "edition2021", "wide"]);
        assert_eq!(fence.hide_prefix, Some("~"));
        let html = block("fn f() {}\n", "rust,no_run,should_panic", &BTreeMap::new());
        assert!(
            html.contains("<code class=\"language-rust no_run should_panic\">"),
            "{html}"
        );
    }

    #[test]
    fn rust_hides_hash_space_lines_and_unescapes_double_hash() {
        let code = "# fn main() {\n#\nlet x = 1;\n    ## not hidden\n#[derive(Debug)]\n# }\n";
        let (shown, hidden) = hide_lines(code, &Hiding::Rust);
        assert_eq!(
            shown,
            "fn main() {\n\nlet x = 1;\n    # not hidden\n#[derive(Debug)]\n}\n"
        );
        assert_eq!(hidden, [true, true, false, false, false, true]);
    }

    #[test]
    fn other_languages_hide_their_configured_prefix() {
        let hidelines = BTreeMap::from([("python".to_string(), "~".to_string())]);
        let html = block("~import os\nprint(1)\n", "python", &hidelines);
        assert!(html.contains("hide-boring"), "{html}");
        assert!(!html.contains('~'), "{html}");
        let untouched = block("# comment\n", "python", &BTreeMap::new());
        assert!(!untouched.contains("boring"), "{untouched}");
        let by_attribute = block("!x\ny\n", "text,hidelines=!", &BTreeMap::new());
        assert!(
            by_attribute.contains("<span class=\"boring\">x\n</span>y"),
            "{by_attribute}"
        );
    }
}
