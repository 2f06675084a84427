//! A lab's page for the site, in site space at `labs/<id>.md`: the README, framed by what
//! lab.toml knows (goal, time, chapter, checks) and the scenario's file tree. Hints are
//! folded away in `<details>`. The solution is never shown.

use std::fmt::Write;
use std::path::Path;

use crate::lab::{Check, Lab, LabError};
use crate::registry;

/// What the site builder needs to place and render a lab page.
#[derive(Debug, Clone)]
pub struct LabPage {
    pub id: String,
    pub title: String,
    /// The content/ chapter the lab practises, e.g. "tarball.md".
    pub chapter: String,
    /// Markdown for `labs/<id>.md`; links are relative to that location.
    pub markdown: String,
}

/// Build the page for the lab in `lab_dir`.
pub fn lab_page(lab_dir: &Path) -> Result<LabPage, LabError> {
    let lab = Lab::load(lab_dir)?;
    let readme_path = lab_dir.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).map_err(|e| LabError {
        file: readme_path.display().to_string(),
        line: None,
        message: format!("cannot read: {e}"),
    })?;
    let mut md = String::new();
    let _ = writeln!(md, "# Lab {}: {}\n", lab.id, lab.title);
    let _ = writeln!(md, "**Goal:** {}\n", lab.goal);
    let _ = writeln!(
        md,
        "**Time:** {} minutes · **Chapter:** [{}](../{})\n",
        lab.minutes,
        chapter_label(&lab.chapter),
        lab.chapter
    );
    md.push_str(&site_readme(&readme));
    md.push_str("\n\n## What you get\n\n```text\nscenario/\n");
    md.push_str(&file_tree(&lab_dir.join("scenario")));
    md.push_str("```\n\n## What the checker looks at\n\n");
    md.push_str(&checks_table(&lab.checks));
    md.push_str(&hints(&lab.checks));
    md.push_str(&run_section(&lab));
    Ok(LabPage {
        id: lab.id,
        title: lab.title,
        chapter: lab.chapter,
        markdown: md,
    })
}

/// "dev-vs-prod.md" → "dev vs prod".
fn chapter_label(chapter: &str) -> String {
    chapter.trim_end_matches(".md").replace('-', " ")
}

/// The README without its own top heading (the page has one), with links rewritten from
/// repository space (`../../content/x.md`) to site space (`../x.md`).
fn site_readme(readme: &str) -> String {
    let mut lines = readme.lines().peekable();
    while lines.peek().is_some_and(|l| l.trim().is_empty()) {
        lines.next();
    }
    if lines.peek().is_some_and(|l| l.starts_with("# ")) {
        lines.next();
    }
    let body: Vec<&str> = lines.collect();
    body.join("\n")
        .replace("](../../content/", "](../")
        .trim()
        .to_string()
}

/// An ASCII tree of a directory (like `tree`), directories first, hidden files included.
fn file_tree(dir: &Path) -> String {
    let mut out = String::new();
    tree_into(dir, "", &mut out);
    out
}

fn tree_into(dir: &Path, prefix: &str, out: &mut String) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| (!e.path().is_dir(), e.file_name()));
    let count = entries.len();
    for (i, entry) in entries.into_iter().enumerate() {
        let last = i + 1 == count;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.path().is_dir();
        let _ = writeln!(
            out,
            "{prefix}{}{name}{}",
            if last { "└── " } else { "├── " },
            if is_dir { "/" } else { "" }
        );
        if is_dir {
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            tree_into(&entry.path(), &deeper, out);
        }
    }
}

/// What a check looks at, from its parameters: files, and whether it runs something.
fn looks_at(check: &Check) -> String {
    let mut things: Vec<String> = Vec::new();
    for key in ["file", "path", "env_file"] {
        if let Some(v) = check.params.get(key).and_then(|v| v.as_str()) {
            things.push(format!("`{v}`"));
        }
    }
    if let Some(files) = check.params.get("files") {
        match files {
            toml::Value::String(s) => things.push(format!("`{s}`")),
            toml::Value::Array(items) => things.extend(
                items
                    .iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| format!("`{s}`")),
            ),
            _ => {}
        }
    }
    if let Some(command) = check.params.get("command").and_then(|v| v.as_str()) {
        things.insert(0, format!("runs `{command}` in a clean room"));
    }
    things.join(", ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn checks_table(checks: &[Check]) -> String {
    let mut md = String::from("| # | Check | Looks at | Rule |\n|---|---|---|---|\n");
    for (i, check) in checks.iter().enumerate() {
        let meaning = registry::find(&check.rule)
            .map(|r| r.meaning())
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "| {} | {} | {} | <abbr title=\"{}\">{}</abbr> |",
            i + 1,
            cell(&check.name),
            cell(&looks_at(check)),
            cell(&meaning.replace('"', "&quot;")),
            check.rule
        );
    }
    md
}

fn hints(checks: &[Check]) -> String {
    let with_hints: Vec<&Check> = checks.iter().filter(|c| c.hint.is_some()).collect();
    if with_hints.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n<details>\n<summary>Hints (try without them first)</summary>\n\n");
    for check in with_hints {
        let _ = writeln!(
            md,
            "- **{}**: {}",
            check.name,
            check.hint.as_deref().unwrap_or_default()
        );
    }
    md.push_str("\n</details>\n");
    md
}

fn run_section(lab: &Lab) -> String {
    format!(
        "\n## Check your work\n\n```sh\ncd labs/{id}/scenario\n{bin}            # or: devoops check {id}\n{bin} --hints    # more help per failed check\n{bin} --watch    # re-run on every save\n```\n\n\
The checker prints ✔ or ✘ per check, then a summary such as `3/5 checks pass`; it exits 0 only when all pass. \
It never changes your files: anything it runs, it runs on a copy. \
`--format json`, `--format junit` and `--format tap` serve CI.\n",
        id = lab.id,
        bin = lab.checker_name()
    )
}
