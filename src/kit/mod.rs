//! `devoops kit`: one offline archive with everything a participant needs, for a USB stick
//! or a file share.
//!
//! ```text
//! START.html, README.txt   the three steps
//! room.toml                the room's address (only with --room)
//! site/                    the handbook and slides, opened from file://
//! labs/NN-name/            README, lab.toml and scenario/ (never solution/ or fixtures/)
//! bin/<target-triple>/     the checkers, and on Unix a `demo-service` command
//! ```
//!
//! The archive is deterministic (see [`archive`]) and written atomically: a temporary file
//! beside the output, renamed over it once complete.

pub mod archive;
pub mod checkers;
pub mod downloads;

use std::io::Write;
use std::path::{Path, PathBuf};

use archive::Entry;
use checkers::{Checkers, Platform};

use crate::book::Book;
use crate::error::{Error, Result};

/// What `devoops kit` was asked for.
#[derive(Debug, Clone)]
pub struct KitOptions {
    /// The book's folder.
    pub root: PathBuf,
    /// The zip to write.
    pub output: PathBuf,
    /// The checkers folder (one subfolder per target triple); default `<root>/target`, where
    /// `cargo dist-build` leaves them.
    pub checkers: Option<PathBuf>,
    /// The address of the instructor's `devoops room`, recorded in `room.toml`.
    pub room: Option<String>,
}

/// What a finished kit holds.
#[derive(Debug)]
pub struct KitReport {
    pub output: PathBuf,
    pub files: usize,
    pub bytes: u64,
    pub sha256: String,
    pub platforms: Vec<Platform>,
    pub warnings: Vec<String>,
}

/// Path components a kit never holds, wherever they appear.
const NEVER: &[&str] = &["solution", "fixtures", ".git"];

/// The name of the kit file that records the room's address.
pub const ROOM_FILE: &str = "room.toml";

/// Builds the kit. `progress(done, total)` is called as files go into the archive.
pub fn build_kit(options: &KitOptions, progress: &dyn Fn(usize, usize)) -> Result<KitReport> {
    let root = &options.root;
    let output = absolute(&options.output);
    if output.starts_with(absolute(root)) {
        return Err(
            Error::in_file(&options.output, "the kit would be written inside the book")
                .help("write it outside the book's folder, e.g. `-o ../workshop-kit.zip`"),
        );
    }
    if output.extension().is_none_or(|e| e != "zip") {
        return Err(Error::in_file(&options.output, "the kit is a zip file")
            .help("name the output FILE.zip"));
    }
    if let Some(url) = &options.room {
        check_room_url(url)?;
    }
    let checkers_dir = options
        .checkers
        .clone()
        .unwrap_or_else(|| root.join("target"));
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::in_file(parent, "the kit's folder does not exist")
            .help("create it first, or choose another path with -o"));
    }
    // Fail on an unwritable folder before the slow part.
    let mut staged = tempfile::Builder::new()
        .prefix(".devoops-kit-")
        .suffix(".zip.part")
        .tempfile_in(parent)
        .map_err(|e| {
            Error::in_file(parent, format!("cannot write the kit here: {e}"))
                .help("choose a writable folder with -o")
        })?;

    let site_dir = tempfile::tempdir().map_err(|e| Error::new(format!("no temp folder: {e}")))?;
    let site = site_dir.path().join("site");
    let build = crate::build::build_with(
        root,
        Some(&site),
        &|_, _| {},
        crate::build::BuildOptions {
            strict: false,
            checkers: Some(checkers_dir.clone()),
        },
    )?;
    let book = Book::load_with_checkers(root, Some(&checkers_dir))?;
    let lab_dirs = crate::book::labs::lab_dirs(&root.join(&book.config.devoops.labs))?;
    let ids: Vec<String> = lab_dirs.iter().map(|d| lab_id(d)).collect();
    let found = Checkers::find(&checkers_dir, &ids);
    if found.platforms.is_empty() && !ids.is_empty() {
        return Err(Error::in_file(&checkers_dir, "no checker binaries here")
            .help("build them with `cargo dist-build`, or pass --checkers DIR (one folder per target triple)"));
    }

    let mut entries = archive::files_under(&site, "site")?;
    for (dir, id) in lab_dirs.iter().zip(&ids) {
        entries.extend(downloads::lab_entries(dir, id)?);
    }
    for platform in &found.platforms {
        entries.extend(bin_entries(platform, &ids, &found));
    }
    entries.push(Entry::bytes("README.txt", false, readme_txt(&found, &ids)));
    entries.push(Entry::bytes(
        "START.html",
        false,
        start_html(&book, &found, &ids),
    ));
    if let Some(url) = &options.room {
        entries.push(Entry::bytes(ROOM_FILE, false, room_toml(url)));
    }
    if let Some(bad) = entries
        .iter()
        .find(|e| e.path.split('/').any(|part| NEVER.contains(&part)))
    {
        return Err(Error::new(format!("the kit would hold {}", bad.path))
            .help("solution/, fixtures/ and .git never go into a kit; rename the folder"));
    }
    let files = entries.len();
    let file = staged.as_file_mut();
    let mut writer = std::io::BufWriter::new(file);
    archive::write_zip(entries, &mut writer, progress)?;
    writer
        .flush()
        .map_err(|e| Error::in_file(&options.output, format!("cannot write the kit: {e}")))?;
    drop(writer);
    staged
        .as_file()
        .sync_all()
        .map_err(|e| Error::in_file(&options.output, format!("cannot write the kit: {e}")))?;
    let sha256 = archive::sha256_file(staged.path())?;
    let bytes = std::fs::metadata(staged.path())
        .map(|m| m.len())
        .unwrap_or(0);
    staged.persist(&output).map_err(|e| {
        Error::in_file(
            &options.output,
            format!("cannot write the kit: {}", e.error),
        )
        .help("choose a writable path with -o")
    })?;
    let mut warnings = build.warnings;
    warnings.extend(found.warnings.iter().cloned());
    warnings.dedup();
    Ok(KitReport {
        output: options.output.clone(),
        files,
        bytes,
        sha256,
        platforms: found.platforms.clone(),
        warnings,
    })
}

fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // Resolve links in the existing part, so `-o` through a link into the book is caught.
    match (
        abs.parent().and_then(|p| p.canonicalize().ok()),
        abs.file_name(),
    ) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => abs.canonicalize().unwrap_or(abs),
    }
}

fn lab_id(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn check_room_url(url: &str) -> Result<()> {
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() <= 2048
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"');
    if ok {
        Ok(())
    } else {
        Err(Error::new(format!(
            "--room {url:?} is not an http:// or https:// address"
        ))
        .help("give the `join:` address `devoops room` prints, e.g. --room http://192.168.1.20:3400/r/k7m2x9pq"))
    }
}

fn room_toml(url: &str) -> String {
    format!("# The instructor's board (`devoops room`) for this workshop.\nurl = \"{url}\"\n")
}

/// The checkers of one platform, and on Unix a `demo-service` script beside them.
fn bin_entries(platform: &Platform, ids: &[String], found: &Checkers) -> Vec<Entry> {
    let dir = format!("bin/{}", platform.triple);
    let mut entries: Vec<Entry> = ids
        .iter()
        .filter_map(|id| {
            let binary = found.get(platform, id)?;
            Some(Entry {
                path: format!("{dir}/{}", platform.checker_file(id)),
                executable: true,
                content: archive::Content::File(binary.to_path_buf()),
            })
        })
        .collect();
    if let Some(first) = ids.iter().find(|id| found.get(platform, id).is_some())
        && platform.unix
    {
        // Every checker carries the service; a zip cannot hold a symbolic link portably.
        let script = format!(
            "#!/bin/sh\n# The labs' demo service, carried by every checker.\nexec \"$(dirname \"$0\")/{}\" demo-service \"$@\"\n",
            platform.checker_file(first)
        );
        entries.push(Entry::bytes(format!("{dir}/demo-service"), true, script));
    }
    entries
}

/// The three steps, as plain text.
fn readme_txt(found: &Checkers, ids: &[String]) -> String {
    let mut text = String::from(
        "The workshop kit: everything for the labs, offline.\n\n\
         1. Unpack this zip into a folder of your own (keep the folder structure).\n\
         2. Put the checkers on your PATH: the folder under bin/ for your system.\n",
    );
    for platform in &found.platforms {
        text.push_str(&format!(
            "     bin/{}/   {}\n",
            platform.triple, platform.label
        ));
    }
    text.push_str(
        "   Linux, macOS, WSL:  export PATH=\"$PWD/bin/<your system>:$PATH\"\n\
         \x20  macOS only, once:   xattr -d com.apple.quarantine bin/*/lab-*-check\n\
         3. Open site/index.html in your browser, go to a lab, and work in its folder:\n",
    );
    if let Some(first) = ids.first() {
        text.push_str(&format!(
            "     cd labs/{first}/scenario\n     {}          # check by check: what is still broken\n",
            checkers::checker_name(first)
        ));
    }
    text.push_str(
        "\nThe checkers carry the labs' demo service: `lab-01-check demo-service --help`\n\
         (on Linux and macOS, bin/<your system>/demo-service does the same).\n\
         Windows: run the Linux checkers inside WSL; the Windows checker runs the file checks only.\n",
    );
    text
}

/// The three steps, as the page a participant opens first.
fn start_html(book: &Book, found: &Checkers, ids: &[String]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let platforms: String = found
        .platforms
        .iter()
        .map(|p| {
            format!(
                "<li><code>bin/{}/</code>: {}</li>\n",
                p.triple,
                esc(p.label)
            )
        })
        .collect();
    let first = ids.first().map(String::as_str).unwrap_or("01-lab");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Start here: {title}</title>
<style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}}code,pre{{background:#f3f3f3;padding:.1em .3em}}pre{{padding:.6em;overflow-x:auto}}</style>
</head>
<body>
<h1>Start here</h1>
<p>This kit holds everything for the labs of <em>{title}</em>. It needs no network, no
Rust toolchain and no container engine.</p>
<ol>
<li><p><strong>Unpack</strong> the zip into a folder of your own, keeping its folders.</p></li>
<li><p><strong>Put the checkers on your <code>PATH</code></strong>: the folder under
<code>bin/</code> for your system.</p>
<ul>
{platforms}</ul>
<pre>export PATH="$PWD/bin/x86_64-unknown-linux-gnu:$PATH"   # from the kit's folder</pre>
<p>macOS marks downloaded programs as quarantined; once: <code>xattr -d com.apple.quarantine bin/*/lab-*-check</code>.
Windows: open a WSL terminal and use the Linux checkers there.</p></li>
<li><p><strong>Open the <a href="site/index.html">handbook</a></strong>, pick a lab and work in its folder:</p>
<pre>cd labs/{first}/scenario
{checker}</pre></li>
</ol>
<p>The checkers carry the labs' demo service: <code>{checker} demo-service --help</code>.</p>
</body>
</html>
"#,
        title = esc(book.title()),
        checker = checkers::checker_name(first),
    )
}
