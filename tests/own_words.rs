//! The workshop retells the talk in its own words: the talk's facts carry over, its sentences
//! do not. This test counts the seven-word runs of the talk's slide text (`../shared/seed/`,
//! beside the repository) that appear in `content/` and the labs' READMEs, prints them, and
//! allows at most a handful: short attributed quotes. Without the slide text it says so and
//! checks nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const RUN: usize = 7;
const MAX_SHARED_RUNS: usize = 15;

/// Lower-case words, with punctuation and Markdown marks dropped (`it's` stays one word).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\'').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

fn runs(text: &str) -> BTreeSet<Vec<String>> {
    words(text).windows(RUN).map(<[String]>::to_vec).collect()
}

fn text_files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The workshop's own text: the chapters and each lab's README.
fn workshop_text(root: &Path) -> Vec<(PathBuf, String)> {
    let mut files = text_files(&root.join("content"), "md");
    files.extend(
        text_files(&root.join("labs"), "md")
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "README.md")),
    );
    files.into_iter().map(|p| (p.clone(), read(&p))).collect()
}

#[test]
fn the_words_counter_ignores_case_punctuation_and_markup() {
    assert_eq!(
        words("**It's** a `tarball`, put it LIVE!"),
        ["it's", "a", "tarball", "put", "it", "live"]
    );
    let talk = runs("one two three four five six seven eight");
    let ours = runs("One, two: three *four* five six seven. Nine");
    assert_eq!(talk.intersection(&ours).count(), 1);
}

#[test]
fn content_retells_the_talk_in_its_own_words() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = root.join("../shared/seed");
    let talk_files = text_files(&seed, "txt");
    if talk_files.is_empty() {
        println!(
            "skipped: the talk's slide text is not at {} (CI puts shared/ beside the clone)",
            seed.display()
        );
        return;
    }
    let talk: BTreeSet<Vec<String>> = talk_files.iter().flat_map(|p| runs(&read(p))).collect();

    let mut shared: Vec<(String, String)> = Vec::new();
    let mut seen = BTreeSet::new();
    for (path, text) in workshop_text(root) {
        for run in runs(&text).intersection(&talk) {
            if seen.insert(run.clone()) {
                let rel = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                shared.push((rel, run.join(" ")));
            }
        }
    }
    println!(
        "{} seven-word runs of the talk's slide text appear in content/ and labs/*/README.md (at most {MAX_SHARED_RUNS}):",
        shared.len()
    );
    for (file, run) in &shared {
        println!("  {file}: {run}");
    }
    assert!(
        shared.len() <= MAX_SHARED_RUNS,
        "{} runs shared with the talk's slide text; rewrite these in the workshop's own words (keep only short, attributed quotes)",
        shared.len()
    );
}
