//! The "Get the lab" box of every lab page and the files it links to: the scenario as `.zip`
//! and `.tar.gz` (modes kept), the lab's checker for each platform the build was given, and a
//! SHA-256 next to each. The files live under `downloads/` in the site.

use std::fmt::Write as _;
use std::path::Path;

use super::archive::{self, Content, Entry};
use super::checkers::{Checkers, checker_name};
use crate::error::{Error, Result};
use crate::site::Output;

/// The chapter (in the book's source folder) that explains downloading and checking files.
pub const BEFORE_THE_WORKSHOP: &str = "before-the-workshop.md";

/// One file offered for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// Where it is in the site, e.g. `downloads/01-tarball/01-tarball.zip`.
    pub site_path: String,
    /// Who it is for, as the box says it.
    pub what: String,
    pub sha256: String,
    pub size: u64,
    source: Source,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Bytes(Vec<u8>),
    File(std::path::PathBuf),
}

impl Download {
    fn file_name(&self) -> &str {
        self.site_path.rsplit('/').next().unwrap_or(&self.site_path)
    }
}

/// What a participant gets of a lab: README, lab.toml and scenario/, under `labs/<id>/` so
/// unpacking anywhere gives the paths the lab page names. Never solution/ or fixtures/.
pub fn lab_entries(lab_dir: &Path, id: &str) -> Result<Vec<Entry>> {
    let prefix = format!("labs/{id}");
    let mut entries =
        archive::files_under(&lab_dir.join("scenario"), &format!("{prefix}/scenario"))?;
    for name in ["README.md", "lab.toml"] {
        let file = lab_dir.join(name);
        if file.is_file() {
            entries.push(Entry::file(format!("{prefix}/{name}"), &file)?);
        }
    }
    Ok(entries)
}

/// The downloads of one lab.
pub fn lab_downloads(lab_dir: &Path, id: &str, checkers: &Checkers) -> Result<Vec<Download>> {
    let entries = lab_entries(lab_dir, id)?;
    let mut downloads = Vec::new();
    for (ext, bytes, what) in [
        (
            "zip",
            archive::zip_bytes(entries.clone())?,
            "the scenario (any system)",
        ),
        (
            "tar.gz",
            archive::tar_gz_bytes(entries)?,
            "the scenario (Linux, macOS)",
        ),
    ] {
        downloads.push(Download {
            site_path: format!("downloads/{id}/{id}.{ext}"),
            what: what.to_string(),
            sha256: archive::sha256_hex(&bytes),
            size: bytes.len() as u64,
            source: Source::Bytes(bytes),
        });
    }
    for platform in &checkers.platforms {
        let Some(binary) = checkers.get(platform, id) else {
            continue;
        };
        let size = std::fs::metadata(binary)
            .map_err(|e| Error::io(binary, &e))?
            .len();
        downloads.push(Download {
            site_path: format!(
                "downloads/checkers/{}/{}",
                platform.triple,
                platform.checker_file(id)
            ),
            what: format!("the checker for {}", platform.label),
            sha256: archive::sha256_file(binary)?,
            size,
            source: Source::File(binary.to_path_buf()),
        });
    }
    Ok(downloads)
}

/// The Markdown of the box, for a page at `labs/<id>.md`. `guide` says whether the book has
/// the "Before the workshop" chapter to point to.
pub fn download_box(id: &str, downloads: &[Download], guide: bool) -> String {
    let mut md = String::from("\n\n## Get the lab\n\n");
    md.push_str("Unpack the scenario anywhere: it holds `labs/");
    let _ = write!(
        md,
        "{id}/scenario/`, the folder the commands on this page start from. "
    );
    if guide {
        let _ = write!(
            md,
            "[Before the workshop](../{BEFORE_THE_WORKSHOP}) shows how to verify a checksum and put the checker on your `PATH`."
        );
    }
    md.push_str("\n\n| Download | What | Size | SHA-256 |\n|---|---|---|---|\n");
    for d in downloads {
        let _ = writeln!(
            md,
            // `download`: a browser saves the file instead of showing a script or binary.
            "| <a href=\"../{}\" download>{}</a> | {} | {} | <code class=\"sha256\">{}</code> |",
            d.site_path,
            d.file_name(),
            d.what,
            human_size(d.size),
            d.sha256
        );
    }
    if !downloads
        .iter()
        .any(|d| d.site_path.starts_with("downloads/checkers/"))
    {
        let _ = write!(
            md,
            "\nThis copy of the site was built without checker binaries. Take `{checker}` from \
             the `bin/` folder of the workshop kit your instructor hands out, from the \
             project's release page (built for Linux, macOS and Windows), or build it from the \
             repository with `cargo dist-build`.\n",
            checker = checker_name(id)
        );
    }
    md
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// Writes every download into the site.
pub fn write(downloads: &[Download], out: &dyn Output) -> Result<()> {
    for d in downloads {
        match &d.source {
            Source::Bytes(bytes) => out.write(&d.site_path, bytes)?,
            Source::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
                out.write(&d.site_path, &bytes)?;
            }
        }
    }
    Ok(())
}

/// An archive entry for a download, for the kit's copy of the site.
pub fn as_entry(d: &Download, prefix: &str, executable: bool) -> Entry {
    let content = match &d.source {
        Source::Bytes(b) => Content::Bytes(b.clone()),
        Source::File(p) => Content::File(p.clone()),
    };
    Entry {
        path: format!("{prefix}/{}", d.site_path),
        executable,
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("labs/01-tarball")
    }

    #[test]
    fn the_scenario_downloads_hold_the_scenario_and_never_the_solution() {
        let downloads = lab_downloads(&lab(), "01-tarball", &Checkers::default()).unwrap();
        assert_eq!(downloads.len(), 2);
        let Source::Bytes(zip) = &downloads[0].source else {
            panic!("a zip is made in memory")
        };
        let zip = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).unwrap();
        let names: Vec<&str> = zip.file_names().collect();
        assert!(
            names.contains(&"labs/01-tarball/scenario/start.sh"),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .all(|n| !n.contains("solution") && !n.contains("fixtures"))
        );
        assert_eq!(
            downloads[0].sha256,
            archive::sha256_hex(&zip.into_inner().into_inner())
        );
    }

    #[test]
    fn without_checkers_the_box_says_where_they_come_from() {
        let downloads = lab_downloads(&lab(), "01-tarball", &Checkers::default()).unwrap();
        let md = download_box("01-tarball", &downloads, true);
        assert!(
            md.contains(
                "<a href=\"../downloads/01-tarball/01-tarball.zip\" download>01-tarball.zip</a>"
            ),
            "{md}"
        );
        assert!(md.contains(&downloads[1].sha256));
        assert!(
            md.contains("built without checker binaries. Take `lab-01-check`"),
            "{md}"
        );
        assert!(md.contains("(../before-the-workshop.md)"));
        assert!(!download_box("01-tarball", &downloads, false).contains("before-the-workshop"));
    }
}
