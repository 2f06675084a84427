//! A lab's page for the site, in site space at `labs/<id>.md`: the README, framed by what
//! lab.toml knows (goal, time, chapter, checks) and the scenario's file tree. Hints are
//! folded away in `<details>`. The solution is never shown.

use std::fmt::Write;
use std::path::Path;

use crate::engine::lab::{Check, Lab, LabError};
use crate::engine::registry;

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
    let _ = writeln!(md, "# {}\n", heading(&lab));
    let _ = writeln!(md, "**Goal:** {}\n", lab.goal);
    let _ = writeln!(
        md,
        "**Time:** {} minutes · **Chapter:** [{}](../{})\n",
        lab.minutes,
        chapter_label(&readme, &lab.chapter),
        lab.chapter
    );
    md.push_str(&site_readme(&readme));
    // The reference part stays out of the lab's slides: a README's own `::: slides` blocks
    // say what a room needs to see (the gap, the task, the command, what passing means).
    md.push_str("\n\n::: handbook\n\n## What you get\n\n```text\nscenario/\n");
    md.push_str(&file_tree(&lab_dir.join("scenario")));
    md.push_str("```\n\n## What the checker looks at\n\n");
    md.push_str(CHECKER_NOTE);
    md.push_str(&checks_table(&lab.checks));
    md.push_str(&hints(&lab.checks));
    // The README usually shows the commands already; add them when it does not.
    if !readme.contains(&lab.checker_name()) {
        md.push_str(&run_section(&lab));
    }
    md.push_str("\n:::\n");
    Ok(LabPage {
        id: lab.id,
        title: lab.title,
        chapter: lab.chapter,
        markdown: md,
    })
}

const CHECKER_NOTE: &str = "The checker prints ✔ or ✘ per check, then a summary such as `3/5 checks pass`; \
it exits 0 only when all pass. It never changes your files: anything it runs, it runs on a copy. \
`--format json`, `--format junit` and `--format tap` serve CI.\n\n";

/// "Lab 1: Here's a tarball": the number people say in the room.
fn heading(lab: &Lab) -> String {
    match lab.id.split('-').next().and_then(|n| n.parse::<u32>().ok()) {
        Some(n) => format!("Lab {n}: {}", lab.title),
        None => format!("Lab: {}", lab.title),
    }
}

/// The chapter's name as the README's link to it says it, else from the file name
/// ("dev-vs-prod.md" → "dev vs prod").
fn chapter_label(readme: &str, chapter: &str) -> String {
    let target = format!("](../../content/{chapter})");
    readme
        .find(&target)
        .and_then(|end| {
            readme[..end]
                .rfind('[')
                .map(|start| &readme[start + 1..end])
        })
        .filter(|text| !text.contains(['[', ']', '\n']))
        .map(str::to_string)
        .unwrap_or_else(|| chapter.trim_end_matches(".md").replace('-', " "))
}

/// The README without its own top heading and its time-budget line (the page states both),
/// with links rewritten from repository space (`../../content/x.md`) to site space (`../x.md`).
fn site_readme(readme: &str) -> String {
    let mut lines = readme.lines().peekable();
    let skip_blank = |lines: &mut std::iter::Peekable<std::str::Lines>| {
        while lines.peek().is_some_and(|l| l.trim().is_empty()) {
            lines.next();
        }
    };
    skip_blank(&mut lines);
    if lines.peek().is_some_and(|l| l.starts_with("# ")) {
        lines.next();
    }
    skip_blank(&mut lines);
    if lines.peek().is_some_and(|l| l.starts_with("*Time budget")) {
        while lines.peek().is_some_and(|l| !l.trim().is_empty()) {
            lines.next();
        }
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
    let mut md = String::from(
        "\n<details>\n<summary>Hints per check (try without them first)</summary>\n\n",
    );
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
        "\n## Check your work\n\n```sh\ncd labs/{id}/scenario\n{bin}            # check by check: what is still broken\n{bin} --hints    # more help per failed check\n{bin} --watch    # re-run on every save\n```\n",
        id = lab.id,
        bin = lab.checker_name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../01-tarball")
    }

    #[test]
    fn a_lab_page_frames_the_readme_with_what_lab_toml_knows() {
        let page = lab_page(&lab_dir()).unwrap();
        assert_eq!(
            (page.id.as_str(), page.chapter.as_str()),
            ("01-tarball", "tarball.md")
        );
        let md = &page.markdown;
        assert!(md.starts_with("# Lab 1: Here's a tarball\n"), "{md}");
        assert!(
            md.contains("**Time:** 20 minutes · **Chapter:** [Here's a tarball](../tarball.md)")
        );
        // Repository links become site links; the README's own heading and budget line go.
        assert!(!md.contains("../../content/"));
        assert!(!md.contains("*Time budget"));
        assert_eq!(md.matches("\n# ").count(), 0, "one top heading only");
        // The scenario's tree, never the solution.
        assert!(md.contains("scenario/\n├── HOWTO.txt\n├── settings.json\n└── start.sh\n"));
        assert!(!md.contains("solution/"));
        // Checks with what they look at; hints folded away.
        assert!(md.contains("| 7 | Starts in a clean room and answers /healthz | runs `./start.sh` in a clean room, `.env.example` |"));
        let details = md.find("<details>\n<summary>Hints per check").unwrap();
        assert!(md[details..].contains("**start.sh can be executed**: Tarballs"));
        // The reference sections are for the handbook only, closed before the page ends.
        let reference = md.find("::: handbook\n\n## What you get").unwrap();
        assert!(md[reference..].trim_end().ends_with("\n:::"), "{md}");
    }

    #[test]
    fn the_chapter_label_falls_back_to_the_file_name() {
        assert_eq!(
            chapter_label("no link here", "dev-vs-prod.md"),
            "dev vs prod"
        );
        assert_eq!(
            chapter_label(
                "see [Dev vs. prod](../../content/dev-vs-prod.md)",
                "dev-vs-prod.md"
            ),
            "Dev vs. prod"
        );
    }

    #[test]
    fn a_missing_readme_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(lab_dir().join("lab.toml"), dir.path().join("lab.toml")).unwrap();
        let err = lab_page(dir.path()).unwrap_err();
        assert!(err.file.ends_with("README.md"), "{err}");
    }
}
