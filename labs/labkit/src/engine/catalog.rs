//! The labs this build knows: every labs/*/lab.toml, embedded at build time (see build.rs),
//! and the on-disk labs of a repository checkout.

use std::path::{Path, PathBuf};

use crate::engine::lab::{Lab, LabError};

include!(concat!(env!("OUT_DIR"), "/embedded_labs.rs"));

/// The ids of the embedded labs, in order.
pub fn embedded_ids() -> Vec<&'static str> {
    EMBEDDED_LABS.iter().map(|(id, _)| *id).collect()
}

/// The names at the top of an embedded lab's `scenario/` (empty for an unknown lab).
pub fn scenario_names(id: &str) -> &'static [&'static str] {
    EMBEDDED_SCENARIO_NAMES
        .iter()
        .find(|(lab, _)| *lab == id)
        .map_or(&[], |(_, names)| names)
}

/// The embedded lab after `id`, in order, and its title.
pub fn next_after(id: &str) -> Option<Lab> {
    let at = EMBEDDED_LABS.iter().position(|(lab, _)| *lab == id)?;
    let (next, _) = EMBEDDED_LABS.get(at + 1)?;
    embedded(next)?.ok()
}

/// The checker binary of a lab: `03-state` → `lab-03-check`.
pub fn checker_name(id: &str) -> String {
    format!("lab-{}-check", id.split('-').next().unwrap_or(id))
}

/// An embedded lab by id (`03-state`) or number (`03`, `3`).
pub fn embedded(name: &str) -> Option<Result<Lab, LabError>> {
    let wanted = name.trim_start_matches("lab-").trim_end_matches("-check");
    let number = |text: &str| text.split('-').next().and_then(|n| n.parse::<u32>().ok());
    EMBEDDED_LABS
        .iter()
        .find(|(id, _)| {
            *id == wanted || (wanted.parse::<u32>().is_ok() && number(id) == number(wanted))
        })
        .map(|(id, text)| Lab::parse(text, &format!("labs/{id}/lab.toml (built in)")))
}

/// The lab a directory belongs to: the nearest lab.toml in it or above it (a participant
/// inside `labs/03-state/scenario/` is doing lab 03). Returns the lab's directory.
pub fn lab_dir_above(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start
        .ancestors()
        .find(|dir| dir.join("lab.toml").is_file())
        .map(Path::to_path_buf)
}

/// The `labs/` directory of a repository checkout containing `start`, if any.
pub fn labs_root_above(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    start.ancestors().find_map(|dir| {
        let labs = dir.join("labs");
        labs.join("labkit").is_dir().then_some(labs)
    })
}

/// Every lab directory under a `labs/` root (directories holding a lab.toml), sorted.
pub fn lab_dirs(labs_root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(labs_root)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join("lab.toml").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labs_are_found_by_id_number_or_checker_name() {
        for name in ["01-tarball", "1", "01", "lab-01-check"] {
            let lab = embedded(name).expect(name).expect("valid lab.toml");
            assert_eq!(lab.id, "01-tarball");
        }
        assert!(embedded("tarball").is_none());
        assert!(embedded("99").is_none());
    }
}
