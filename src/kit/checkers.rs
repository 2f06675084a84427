//! Which checker binaries a build was given, per platform. A checkers folder holds one
//! subfolder per Rust target triple, either as cargo leaves it (`<triple>/dist/`, from
//! `cargo dist-build`) or as a release is unpacked (`<triple>/`), each with `lab-NN-check`
//! (`lab-NN-check.exe` on Windows).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A system participants bring to the workshop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Platform {
    /// The Rust target triple, which is also the folder name in checkers folders and kits.
    pub triple: &'static str,
    /// What participants call it.
    pub label: &'static str,
    pub exe_suffix: &'static str,
    /// Unix systems get a `demo-service` script next to the checkers.
    pub unix: bool,
}

/// Every platform the release workflow builds, in the order download boxes list them.
pub const PLATFORMS: &[Platform] = &[
    Platform {
        triple: "x86_64-unknown-linux-gnu",
        label: "Linux (x86_64), also Windows through WSL",
        exe_suffix: "",
        unix: true,
    },
    Platform {
        triple: "aarch64-unknown-linux-gnu",
        label: "Linux (ARM64)",
        exe_suffix: "",
        unix: true,
    },
    Platform {
        triple: "aarch64-apple-darwin",
        label: "macOS (Apple silicon)",
        exe_suffix: "",
        unix: true,
    },
    Platform {
        triple: "x86_64-apple-darwin",
        label: "macOS (Intel)",
        exe_suffix: "",
        unix: true,
    },
    Platform {
        triple: "x86_64-pc-windows-msvc",
        label: "Windows (x86_64), file checks only",
        exe_suffix: ".exe",
        unix: false,
    },
];

impl Platform {
    /// `lab-01-check` (or `lab-01-check.exe`) for lab `01-tarball`.
    pub fn checker_file(&self, lab_id: &str) -> String {
        format!("{}{}", checker_name(lab_id), self.exe_suffix)
    }
}

/// The checker binary's name for a lab id: `01-tarball` → `lab-01-check`.
pub fn checker_name(lab_id: &str) -> String {
    let number = lab_id.split('-').next().unwrap_or(lab_id);
    format!("lab-{number}-check")
}

/// The checkers found for a set of labs.
#[derive(Debug, Clone, Default)]
pub struct Checkers {
    /// (platform, lab id) → the binary.
    pub found: BTreeMap<(Platform, String), PathBuf>,
    /// The platforms that have a folder at all, in [`PLATFORMS`] order.
    pub platforms: Vec<Platform>,
    /// One line per platform that lacks a lab's checker.
    pub warnings: Vec<String>,
}

impl Checkers {
    /// Looks for every lab's checker under `dir` (which may not exist: then there are none).
    pub fn find(dir: &Path, lab_ids: &[String]) -> Checkers {
        let mut checkers = Checkers::default();
        for platform in PLATFORMS {
            let base = dir.join(platform.triple);
            let Some(folder) = [base.join("dist"), base.clone()].into_iter().find(|d| {
                lab_ids
                    .iter()
                    .any(|id| d.join(platform.checker_file(id)).is_file())
            }) else {
                if base.is_dir() {
                    checkers.warnings.push(format!(
                        "no checker for {} ({}) in {}: its downloads are left out",
                        platform.label,
                        platform.triple,
                        base.display()
                    ));
                }
                continue;
            };
            checkers.platforms.push(*platform);
            for id in lab_ids {
                let binary = folder.join(platform.checker_file(id));
                if binary.is_file() {
                    checkers.found.insert((*platform, id.clone()), binary);
                } else {
                    checkers.warnings.push(format!(
                        "no {} for {} ({}) in {}: the lab page leaves that download out",
                        platform.checker_file(id),
                        platform.label,
                        platform.triple,
                        folder.display()
                    ));
                }
            }
        }
        checkers
    }

    pub fn get(&self, platform: &Platform, lab_id: &str) -> Option<&Path> {
        self.found
            .get(&(*platform, lab_id.to_string()))
            .map(PathBuf::as_path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checker_names_follow_the_lab_number() {
        assert_eq!(checker_name("01-tarball"), "lab-01-check");
        assert_eq!(PLATFORMS[4].checker_file("06-linux-ha"), "lab-06-check.exe");
    }

    #[test]
    fn a_platform_missing_one_checker_is_a_warning_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let linux = dir.path().join("x86_64-unknown-linux-gnu/dist");
        std::fs::create_dir_all(&linux).unwrap();
        std::fs::write(linux.join("lab-01-check"), "bin").unwrap();
        std::fs::create_dir_all(dir.path().join("aarch64-apple-darwin")).unwrap();
        let ids = vec!["01-tarball".to_string(), "02-dockerfile".to_string()];
        let found = Checkers::find(dir.path(), &ids);
        assert_eq!(found.platforms.len(), 1);
        assert!(found.get(&PLATFORMS[0], "01-tarball").is_some());
        assert!(found.get(&PLATFORMS[0], "02-dockerfile").is_none());
        let all = found.warnings.join("\n");
        assert!(all.contains("no lab-02-check for Linux (x86_64)"), "{all}");
        assert!(
            all.contains("macOS (Apple silicon) (aarch64-apple-darwin)"),
            "{all}"
        );
    }

    #[test]
    fn no_folder_means_no_checkers_and_no_warnings() {
        let found = Checkers::find(Path::new("/nonexistent/checkers"), &["01-x".into()]);
        assert!(found.platforms.is_empty() && found.warnings.is_empty());
    }
}
