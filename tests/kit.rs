//! `devoops kit` end to end: the real CLI packs a real book, the archive is unpacked the way a
//! participant would, and the kit's own checkers run with nothing else on PATH.

mod support;

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::devoops;

const TRIPLE: &str = "x86_64-unknown-linux-gnu";

/// Unpacks a zip into `dest` the way `unzip` does on Linux: folders, files, Unix modes.
fn unpack(zip_path: &Path, dest: &Path) -> Vec<String> {
    let file = std::fs::File::open(zip_path).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_string();
        let target = dest.join(entry.enclosed_name().expect("paths stay inside the kit"));
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        std::fs::write(&target, bytes).unwrap();
        if let Some(mode) = entry.unix_mode() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode & 0o777))
                .unwrap();
        }
        names.push(name);
    }
    names
}

/// The repository's workshop, packed with the real dist checkers and unpacked into an empty
/// folder: (the folder, the kit's entry names). Built once per test binary.
fn real_kit() -> &'static (tempfile::TempDir, Vec<String>) {
    static KIT: OnceLock<(tempfile::TempDir, Vec<String>)> = OnceLock::new();
    KIT.get_or_init(|| {
        let checkers = support::dist::checkers_dir();
        let out = tempfile::tempdir().unwrap();
        let zip = out.path().join("workshop-kit.zip");
        devoops()
            .args(["kit", "-q", env!("CARGO_MANIFEST_DIR"), "--checkers"])
            .arg(checkers)
            .arg("-o")
            .arg(&zip)
            .assert()
            .success();
        let unpacked = tempfile::tempdir().unwrap();
        let names = unpack(&zip, unpacked.path());
        (unpacked, names)
    })
}

/// A command as a participant runs it: only the kit's bin/ besides /usr/bin and /bin, an
/// empty HOME, nothing else from this machine's environment.
fn participant(kit: &Path, home: &Path, program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", kit.join("bin").join(TRIPLE).display()),
        )
        .env("HOME", home)
        .env("NO_COLOR", "1");
    cmd
}

/// (check name, verdict) from a checker's `--format json` report.
fn verdicts(json: &[u8]) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(json)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(json)));
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The checks of a lab that the scenario fails: those without `passes_in_scenario = true`.
fn expected_failures(lab_toml: &Path) -> Vec<String> {
    let lab: toml::Value = toml::from_str(&support::read(lab_toml)).unwrap();
    lab["check"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c.get("passes_in_scenario").and_then(|v| v.as_bool()) != Some(true))
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_participant_with_only_the_kit_fails_the_scenario_then_passes_with_the_solution() {
    let (kit, names) = real_kit();
    let kit = kit.path();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = tempfile::tempdir().unwrap();
    let lab = kit.join("labs/01-tarball");
    let scenario = lab.join("scenario");

    let run = participant(kit, home.path(), "lab-01-check")
        .args(["--format", "json"])
        .current_dir(&scenario)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let failed: Vec<String> = verdicts(&run.stdout)
        .into_iter()
        // A check that needs a failed one is skipped ("needs …"): it is not passed either.
        .filter(|(_, v)| v != "pass")
        .map(|(name, _)| name)
        .collect();
    assert_eq!(failed, expected_failures(&lab.join("lab.toml")));

    // The repository's solution, copied in as a participant would write it (into a copy of
    // the lab: other tests use the same unpacked kit).
    let work = tempfile::tempdir().unwrap();
    let scenario = work.path().join("labs/01-tarball/scenario");
    support::copy_tree(&lab, &work.path().join("labs/01-tarball"));
    std::fs::remove_dir_all(&scenario).unwrap();
    std::fs::create_dir_all(&scenario).unwrap();
    support::copy_tree(&repo.join("labs/01-tarball/solution"), &scenario);
    let run = participant(kit, home.path(), "lab-01-check")
        .current_dir(&scenario)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(text.contains("8/8 checks pass"), "{text}");

    // The kit holds no solution: no such folder, and no file with a solution's bytes.
    assert!(
        names.iter().all(|n| !n
            .split('/')
            .any(|p| ["solution", "fixtures", ".git"].contains(&p))),
        "{names:?}"
    );
    for lab_dir in std::fs::read_dir(repo.join("labs")).unwrap().flatten() {
        let solution = lab_dir.path().join("solution");
        if !solution.is_dir() {
            continue;
        }
        for file in support::list_files(&solution) {
            let answer = std::fs::read(solution.join(&file)).unwrap();
            let given = std::fs::read(lab_dir.path().join("scenario").join(&file)).ok();
            if given.as_ref() == Some(&answer) || answer.len() < 64 {
                continue;
            }
            for name in names.iter().filter(|n| !n.ends_with('/')) {
                assert_ne!(
                    std::fs::read(kit.join(name)).unwrap(),
                    answer,
                    "{name} is the solution's {file}"
                );
            }
        }
    }
    // The three steps are there.
    let readme = support::read(&kit.join("README.txt"));
    assert!(readme.contains(&format!("bin/{TRIPLE}/")), "{readme}");
    assert!(kit.join("START.html").is_file() && kit.join("site/index.html").is_file());
}

/// A chunk of text a participant is told to run: a line of a `sh` block, or inline code.
#[derive(Debug)]
struct Told {
    lab: String,
    line: String,
    /// From a `sh` block: runs from the kit's folder, after the block's `cd` lines.
    in_block: bool,
}

/// Every command of the kit (`lab-NN-check`, `demo-service`) or of the repository
/// (`devoops`) that a lab page (README, hints, download box) tells a participant to run.
fn told_to_run() -> Vec<Told> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let is_command = |text: &str| {
        let first = text.split_whitespace().next().unwrap_or("");
        first == "demo-service"
            || first == "devoops"
            || (first.starts_with("lab-") && first.ends_with("-check"))
    };
    let mut told = Vec::new();
    for dir in devoops::book::labs::lab_dirs(&repo.join("labs")).unwrap() {
        // The page as the site shows it: README, hints, and the "Get the lab" box.
        let page = labkit::page::lab_page(&dir).unwrap();
        let lab = page.id.clone();
        let markdown = page.markdown + &devoops::kit::downloads::download_box(&lab, &[], true);
        let mut in_sh = false;
        for line in markdown.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                in_sh = !in_sh && trimmed == "```sh";
                continue;
            }
            if in_sh {
                let command = trimmed.split(" #").next().unwrap().trim();
                if !command.is_empty() {
                    told.push(Told {
                        lab: lab.clone(),
                        line: command.to_string(),
                        in_block: true,
                    });
                }
                continue;
            }
            for (i, span) in line.split('`').enumerate() {
                // Odd pieces are inside backticks; a bare program name only names it.
                if i % 2 == 1 && is_command(span) && span.trim().contains(' ') {
                    told.push(Told {
                        lab: lab.clone(),
                        line: span.trim().to_string(),
                        in_block: false,
                    });
                }
            }
        }
    }
    told
}

#[test]
fn every_command_a_lab_page_names_works_with_only_the_kit() {
    let (kit, _) = real_kit();
    let kit = kit.path();
    let home = tempfile::tempdir().unwrap();
    let told = told_to_run();
    assert!(
        told.iter().any(|t| t.line == "demo-service --help"),
        "{told:?}"
    );
    assert!(
        told.iter().any(|t| t.line == "lab-06-check --watch"),
        "{told:?}"
    );
    let mut cwd: Option<(String, PathBuf)> = None;
    for t in &told {
        let first = t.line.split_whitespace().next().unwrap();
        assert_ne!(
            first, "devoops",
            "{}: the kit has no devoops: `{}`",
            t.lab, t.line
        );
        let dir = if t.in_block {
            if let Some(target) = t.line.strip_prefix("cd ") {
                cwd = Some((t.lab.clone(), kit.join(target)));
                assert!(kit.join(target).is_dir(), "{}: `{}`", t.lab, t.line);
                continue;
            }
            match &cwd {
                Some((lab, dir)) if *lab == t.lab => dir.clone(),
                _ => kit.join("labs").join(&t.lab).join("scenario"),
            }
        } else {
            kit.join("labs").join(&t.lab).join("scenario")
        };
        let watch = t.line.contains("--watch");
        let stdout_log = tempfile::NamedTempFile::new().unwrap();
        let mut child = participant(kit, home.path(), "/bin/sh")
            .arg("-c")
            .arg(&t.line)
            .current_dir(&dir)
            // A group of its own, so a timeout stops the command and not only the shell.
            .process_group(0)
            .stdin(Stdio::null())
            // Into a file, so a --watch run can be read while it keeps running.
            .stdout(Stdio::from(stdout_log.reopen().unwrap()))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A --watch run never ends by itself: it is stopped once its first run has printed
        // its summary (a lab's first run may take seconds on a loaded machine).
        let limit = if watch {
            Duration::from_secs(60)
        } else {
            Duration::from_secs(90)
        };
        let started = Instant::now();
        let first_run_done =
            || std::fs::read_to_string(stdout_log.path()).is_ok_and(|o| o.contains("checks pass"));
        while child.try_wait().unwrap().is_none()
            && started.elapsed() < limit
            && !(watch && first_run_done())
        {
            std::thread::sleep(Duration::from_millis(50));
        }
        let timed_out = child.try_wait().unwrap().is_none();
        if timed_out {
            Command::new("/bin/kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status()
                .unwrap();
        }
        let output = child.wait_with_output().unwrap();
        let out = std::fs::read_to_string(stdout_log.path()).unwrap_or_default();
        let err = String::from_utf8_lossy(&output.stderr);
        let context = format!("{}: `{}` in {}\n{out}\n{err}", t.lab, t.line, dir.display());
        assert!(
            !err.contains("not found") && !matches!(output.status.code(), Some(126 | 127)),
            "{context}"
        );
        if watch {
            assert!(
                timed_out && out.contains("checks pass"),
                "--watch keeps running: {context}"
            );
        } else {
            assert!(!timed_out, "finishes: {context}");
            if t.line.ends_with("--help") || t.line.ends_with("--version") {
                assert!(output.status.success(), "{context}");
            }
        }
    }
}

#[test]
fn the_kit_bin_folder_offers_the_demo_service() {
    let (kit, _) = real_kit();
    let home = tempfile::tempdir().unwrap();
    for program in ["demo-service", "lab-03-check"] {
        let mut cmd = participant(kit.path(), home.path(), program);
        if program != "demo-service" {
            cmd.arg("demo-service");
        }
        let out = cmd.arg("--help").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("DATA_DIR"),
            "{program}: {text}"
        );
    }
    // `--install-tools DIR` makes a `demo-service` command for the participant's own shell.
    let tools = home.path().join("bin");
    let out = participant(kit.path(), home.path(), "lab-01-check")
        .arg("--install-tools")
        .arg(&tools)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("export PATH="));
    let out = Command::new(tools.join("demo-service"))
        .arg("--help")
        .env_clear()
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("DATA_DIR"));
}

fn kit_cmd(book: &Path, output: &Path) -> assert_cmd::Command {
    let mut cmd = devoops();
    cmd.arg("kit")
        .arg(book.join("book"))
        .arg("--checkers")
        .arg(book.join("checkers"))
        .arg("-o")
        .arg(output);
    cmd
}

#[test]
fn the_same_book_gives_the_same_kit_byte_for_byte() {
    let book = support::kit_book();
    let out = tempfile::tempdir().unwrap();
    let (first, second) = (out.path().join("a.zip"), out.path().join("b.zip"));
    let run = kit_cmd(book.path(), &first)
        .args(["--room", "http://10.1.2.3:4000"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        stderr.contains("macOS (Apple silicon) (aarch64-apple-darwin)"),
        "{stderr}"
    );
    kit_cmd(book.path(), &second)
        .args(["--room", "http://10.1.2.3:4000"])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );

    let mut zip = zip::ZipArchive::new(std::fs::File::open(&first).unwrap()).unwrap();
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.name_for_index(i).unwrap().to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries are sorted");
    for wanted in [
        "README.txt",
        "START.html",
        "room.toml",
        "labs/01-demo/scenario/start.sh",
        "bin/x86_64-unknown-linux-gnu/lab-01-check",
        "bin/x86_64-unknown-linux-gnu/demo-service",
        "site/index.html",
        "site/labs/01-demo.html",
        "site/downloads/01-demo/01-demo.zip",
    ] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
    assert!(
        names
            .iter()
            .all(|n| !n.contains("solution") && !n.contains("fixtures")),
        "{names:?}"
    );
    for i in 0..zip.len() {
        let entry = zip.by_index(i).unwrap();
        let time = entry.last_modified().unwrap();
        assert_eq!(
            (time.year(), time.month(), time.day()),
            (1980, 1, 1),
            "{}",
            entry.name()
        );
    }
    let mode = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        zip.by_name(name).unwrap().unix_mode().unwrap() & 0o777
    };
    assert_eq!(mode(&mut zip, "labs/01-demo/scenario/start.sh"), 0o755);
    assert_eq!(mode(&mut zip, "labs/01-demo/scenario/notes.txt"), 0o644);
    let mut room = String::new();
    zip.by_name("room.toml")
        .unwrap()
        .read_to_string(&mut room)
        .unwrap();
    assert!(room.contains("url = \"http://10.1.2.3:4000\""), "{room}");
}

/// Nothing but the folder's own files: no kit, no half-written temporary file.
fn assert_nothing_left(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("kit"))
        .collect();
    assert!(
        left.is_empty(),
        "left behind in {}: {left:?}",
        dir.display()
    );
}

/// Runs `devoops kit` into `output` with `extra` arguments, expecting it to fail: its stderr.
fn kit_error(book: &Path, output: &Path, extra: &[&str]) -> String {
    let run = kit_cmd(book, output).args(extra).assert().failure();
    String::from_utf8_lossy(&run.get_output().stderr).into_owned()
}

#[test]
fn bad_output_paths_are_clear_errors_and_leave_nothing_behind() {
    let book = support::kit_book();
    let inside = book.path().join("book/kit.zip");
    let err = kit_error(book.path(), &inside, &[]);
    assert!(
        err.contains("inside the book") && err.contains("-o ../workshop-kit.zip"),
        "{err}"
    );
    assert!(!inside.exists());

    let err = kit_error(book.path(), Path::new("/proc/kit.zip"), &[]);
    assert!(
        err.contains("/proc") && err.contains("cannot write the kit here"),
        "{err}"
    );

    let out = tempfile::tempdir().unwrap();
    let err = kit_error(book.path(), &out.path().join("missing/kit.zip"), &[]);
    assert!(err.contains("does not exist"), "{err}");

    let err = kit_error(
        book.path(),
        &out.path().join("kit.zip"),
        &["--room", "ftp://x"],
    );
    assert!(err.contains("not an http:// or https:// address"), "{err}");

    // A scenario the kit cannot hold is an error naming the file: still no zip.
    std::os::unix::fs::symlink(
        "/etc/passwd",
        book.path().join("book/labs/01-demo/scenario/link"),
    )
    .unwrap();
    let err = kit_error(book.path(), &out.path().join("kit.zip"), &[]);
    assert!(
        err.contains("scenario/link") && err.contains("not a regular file"),
        "{err}"
    );
    assert_nothing_left(out.path());
}

#[test]
fn the_static_checker_runs_in_a_chroot_holding_only_itself_and_the_lab() {
    if !running_as_root() {
        println!("skipped: chroot needs root");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = tempfile::tempdir().unwrap();
    std::fs::copy(
        support::dist::checker("01"),
        root.path().join("lab-01-check"),
    )
    .unwrap();
    std::fs::create_dir(root.path().join("work")).unwrap();
    support::copy_tree(
        &repo.join("labs/01-tarball/scenario"),
        &root.path().join("work"),
    );
    let chroot = |args: &[&str]| {
        Command::new("chroot")
            .arg(root.path())
            .arg("/lab-01-check")
            .args(args)
            .env_clear()
            // Where Debian keeps chroot(8); inside, the checker needs no PATH at all.
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .output()
            .expect("chroot runs")
    };
    let version = chroot(&["--version"]);
    assert!(
        version.status.success(),
        "{}",
        String::from_utf8_lossy(&version.stderr)
    );
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("labkit "));

    let run = chroot(&["--dir", "/work", "--format", "json"]);
    let got = verdicts(&run.stdout);
    let verdict = |name: &str| got.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    // The file checks judge the scenario as they do anywhere.
    assert_eq!(
        verdict("The start script is in the tarball"),
        Some("pass"),
        "{got:?}"
    );
    assert_eq!(verdict("start.sh can be executed"), Some("fail"), "{got:?}");
    assert_eq!(
        verdict("Configuration is declared in .env.example"),
        Some("fail"),
        "{got:?}"
    );
    assert_eq!(
        verdict("Nothing points into a home directory"),
        Some("fail"),
        "{got:?}"
    );
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn a_site_built_without_checkers_builds_and_says_where_they_come_from() {
    let book = support::kit_book();
    let site = book.path().join("site");
    let run = devoops()
        .args(["build", "-d"])
        .arg(&site)
        .arg(book.path().join("book"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        !stderr.contains("checker"),
        "no checkers asked for, none missed: {stderr}"
    );
    let page = support::read(&site.join("labs/01-demo.html"));
    assert!(page.contains("Get the lab"), "{page}");
    assert!(page.contains("built without checker binaries"), "{page}");
    assert!(page.contains("cargo dist-build"), "{page}");
    assert!(!page.contains("downloads/checkers/"), "{page}");
    let zip = std::fs::read(site.join("downloads/01-demo/01-demo.zip")).unwrap();
    let shown: String =
        sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&zip))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    assert!(page.contains(&shown), "the page shows the zip's SHA-256");
}
