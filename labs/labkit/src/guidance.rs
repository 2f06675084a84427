//! The lines around a report that tell a participant where they are: a run in a folder that
//! holds none of the lab's files says so once (instead of a screen of "missing"), and a run
//! where everything passes names the next lab. Written to stderr, so `--format json` and
//! the other machine formats on stdout stay clean.

use std::path::Path;

use crate::engine::catalog;
use crate::engine::lab::Lab;

/// Why `dir` looks like the wrong folder for `lab`, if it does: it is another lab's
/// folder, or it holds none of the names at the top of the lab's scenario.
pub fn wrong_folder(lab: &Lab, dir: &Path) -> Option<String> {
    let here = dir.display();
    let checker = catalog::checker_name(&lab.id);
    if let Some(other) = catalog::lab_dir_above(dir)
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|other| *other != lab.id && catalog::embedded(other).is_some())
    {
        return Some(format!(
            "note: {here} belongs to lab {other}, not lab {}: run {} there, or go to lab {}'s scenario folder and run {checker}",
            lab.id,
            catalog::checker_name(&other),
            lab.id
        ));
    }
    let names = catalog::scenario_names(&lab.id);
    if names.is_empty() || names.iter().any(|name| dir.join(name).exists()) {
        return None;
    }
    Some(format!(
        "note: {here} holds none of lab {}'s files ({}): run {checker} inside your copy of the lab's scenario folder (labs/{}/scenario in the kit), or name the folder with --dir",
        lab.id,
        names.join(", "),
        lab.id
    ))
}

/// What to do after a full pass: the next lab, or the end of the workshop.
pub fn after_full_pass(lab: &Lab) -> String {
    match catalog::next_after(&lab.id) {
        Some(next) => format!(
            "Lab {} is done. Next: lab {}, \"{}\": go to labs/{}/scenario and run {}",
            lab.id,
            next.id,
            next.title,
            next.id,
            catalog::checker_name(&next.id)
        ),
        None => format!(
            "Lab {} is done, and with it every lab of the workshop.",
            lab.id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(id: &str) -> Lab {
        catalog::embedded(id).unwrap().unwrap()
    }

    #[test]
    fn an_empty_folder_is_named_once_with_the_lab_files() {
        let empty = tempfile::tempdir().unwrap();
        let note = wrong_folder(&lab("01-tarball"), empty.path()).unwrap();
        assert!(
            note.contains("holds none of lab 01-tarball's files"),
            "{note}"
        );
        assert!(note.contains("start.sh"), "{note}");
        std::fs::write(empty.path().join("start.sh"), "").unwrap();
        assert_eq!(wrong_folder(&lab("01-tarball"), empty.path()), None);
    }

    #[test]
    fn another_labs_folder_names_its_checker() {
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../02-dockerfile/scenario");
        let note = wrong_folder(&lab("01-tarball"), &scenario).unwrap();
        assert!(note.contains("belongs to lab 02-dockerfile"), "{note}");
        assert!(note.contains("run lab-02-check there"), "{note}");
        assert_eq!(wrong_folder(&lab("02-dockerfile"), &scenario), None);
    }

    #[test]
    fn a_full_pass_points_to_the_next_lab_and_the_last_to_the_end() {
        let text = after_full_pass(&lab("01-tarball"));
        assert!(text.contains("Next: lab 02-dockerfile"), "{text}");
        assert!(text.contains("run lab-02-check"), "{text}");
        let last = catalog::embedded_ids().last().unwrap().to_string();
        assert!(after_full_pass(&lab(&last)).contains("every lab of the workshop"));
    }
}
