//! The clean room: a place to run the participant's commands the way a fresh server would.
//!
//! - a **copy** of the checked directory (`app/`), so nothing a command does can change the
//!   participant's files;
//! - a fresh, empty working directory (`work/`) as the current directory;
//! - a different, empty `HOME` (`home/`) and `TMPDIR` (`tmp/`);
//! - an environment that is empty except for what the participant declares (their env file)
//!   and what the lab passes explicitly, plus `PATH` pointing at a `bin/` directory holding
//!   only a POSIX baseline of tools, `demo-service`, and any tool the lab declares;
//! - a free TCP port in `PORT`.
//!
//! Dropping the sandbox kills anything still marked with its [`process::SANDBOX_MARKER`]
//! and removes the directory.

use std::collections::BTreeMap;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cleanroom::confine;
use crate::cleanroom::process::{self, SANDBOX_MARKER};
use crate::engine::rule::{CheckCtx, Outcome};
use formats::dotenv;

/// Tools every clean room offers: what a minimal server image or a fresh laptop has.
pub const BASELINE_TOOLS: &[&str] = &[
    "sh", "bash", "env", "cat", "cp", "mv", "rm", "mkdir", "rmdir", "ls", "ln", "chmod", "touch",
    "dirname", "basename", "realpath", "readlink", "sleep", "kill", "test", "[", "printf", "echo",
    "grep", "sed", "awk", "tr", "head", "tail", "wc", "cut", "sort", "uniq", "date", "id", "true",
    "false", "tee", "mktemp", "ps", "printenv", "nohup", "uname", "hostname", "tar", "gzip",
    "find", "xargs", "stat", "cmp", "diff",
];

/// A loopback address other than the usual 127.0.0.1 where the system routes one (Linux
/// routes all of 127/8): a service told `BIND={loopback}` that listens on 127.0.0.1 anyway
/// ignores its configuration, and the clean room can tell.
#[cfg(target_os = "linux")]
pub const LOOPBACK: &str = "127.0.0.2";
#[cfg(not(target_os = "linux"))]
pub const LOOPBACK: &str = "127.0.0.1";

/// A prepared clean room. See the module docs.
pub struct Sandbox {
    // Kept first so it is dropped last, after `kill_marked` in Drop has run.
    root: tempfile::TempDir,
    pub app: PathBuf,
    pub work: PathBuf,
    pub home: PathBuf,
    pub tmp: PathBuf,
    pub bin: PathBuf,
    logs: PathBuf,
    marker: String,
    /// The checker binary that runs each command as its keeper, if one is at hand.
    keeper: Option<PathBuf>,
    /// The environment every command in this sandbox gets.
    pub env: BTreeMap<String, String>,
    pub port: u16,
    /// Things a failure message should mention (e.g. a missing env file).
    pub notes: Vec<String>,
    /// Files of the checked directory the copy left out (too big, not regular files),
    /// relative to it.
    pub not_copied: Vec<PathBuf>,
}

fn wrote_outside(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    format!(
        "wrote outside DATA_DIR: {} (a server's other folders are not the service's: logs go to stdout/stderr, pid files are the supervisor's job, data and temporary files belong under DATA_DIR and TMPDIR; where the kernel allows it, the clean room refuses writes anywhere else)",
        shown.join(", ")
    )
}

/// A port nothing listens on right now. (Another program could take it before the child
/// binds it; the window is milliseconds and a failed start says which port it was given.)
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn unique_marker() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Find `name` on the checker's own PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

pub fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && crate::platform::mode(&m) & 0o111 != 0)
        .unwrap_or(false)
}

/// The most the clean room copies of the checked directory: a lab folder is kilobytes, so
/// anything near these limits is not what the lab is about (a sparse 3 GiB file would
/// otherwise become 3 GiB of real disk in /tmp).
const MAX_COPY_FILE: u64 = 32 << 20;
const MAX_COPY_TOTAL: u64 = 128 << 20;
const MAX_COPY_ENTRIES: usize = 10_000;

/// What [`copy_tree`] left out: a line each for a failure message, and the paths.
#[derive(Debug, Default)]
pub struct Skipped(pub Vec<String>, pub Vec<PathBuf>);

/// Copy a directory tree, keeping permission bits and symlinks as symlinks. Special files
/// (FIFOs, sockets, devices) are not copied, nor files beyond the size limits; they are
/// listed in the returned [`Skipped`].
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<Skipped> {
    let mut skipped = Skipped::default();
    let mut budget = (MAX_COPY_TOTAL, MAX_COPY_ENTRIES);
    copy_into(from, from, to, &mut budget, &mut skipped)?;
    Ok(skipped)
}

fn copy_into(
    root: &Path,
    from: &Path,
    to: &Path,
    budget: &mut (u64, usize),
    skipped: &mut Skipped,
) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        let rel = entry
            .path()
            .strip_prefix(root)
            .unwrap_or(&entry.path())
            .display()
            .to_string();
        if budget.1 == 0 {
            skipped.0.push(format!(
                "{rel} and the rest (more than {MAX_COPY_ENTRIES} files)"
            ));
            return Ok(());
        }
        budget.1 -= 1;
        if kind.is_symlink() {
            crate::platform::symlink(&std::fs::read_link(entry.path())?, &target)?;
        } else if kind.is_dir() {
            copy_into(root, &entry.path(), &target, budget, skipped)?;
        } else if kind.is_file() {
            let len = entry.metadata()?.len();
            if len > MAX_COPY_FILE || len > budget.0 {
                skipped.0.push(format!("{rel} ({} MB)", len / 1_000_000));
                skipped.1.push(PathBuf::from(&rel));
                continue;
            }
            budget.0 -= len;
            std::fs::copy(entry.path(), &target)?;
        } else {
            skipped.0.push(format!("{rel} (not a regular file)"));
            skipped.1.push(PathBuf::from(&rel));
        }
    }
    Ok(())
}

impl Sandbox {
    /// Prepare a clean room for `ctx.dir`, offering the baseline tools plus `extra_tools`.
    pub fn new(ctx: &CheckCtx, extra_tools: &[&str]) -> Result<Sandbox, Outcome> {
        let broken = |e: io::Error| Outcome::fail(format!("cannot prepare the clean room: {e}"));
        let root = tempfile::Builder::new()
            .prefix("devoops-cleanroom-")
            .tempdir()
            .map_err(broken)?;
        let dir = |name: &str| -> Result<PathBuf, Outcome> {
            let path = root.path().join(name);
            std::fs::create_dir_all(&path).map_err(broken)?;
            Ok(path)
        };
        let (work, home, tmp, bin, logs) = (
            dir("work")?,
            dir("home")?,
            dir("tmp")?,
            dir("bin")?,
            dir("logs")?,
        );
        let app = root.path().join("app");
        let skipped = copy_tree(ctx.dir, &app).map_err(broken)?;
        for tool in BASELINE_TOOLS.iter().chain(extra_tools) {
            if let Some(found) = which(tool) {
                crate::platform::symlink(&found, &bin.join(tool)).map_err(broken)?;
            }
        }
        let demo = ctx
            .toolbox
            .demo_service
            .clone()
            .or_else(crate::cleanroom::toolbox::find_demo_service);
        if let Some(demo) = &demo {
            crate::platform::symlink(demo, &bin.join("demo-service")).map_err(broken)?;
        }
        let port = free_port().map_err(broken)?;
        let marker = unique_marker();
        crate::cleanroom::interrupt::track_marker(&marker);
        let mut env = BTreeMap::new();
        env.insert("PATH".to_string(), bin.display().to_string());
        env.insert("HOME".to_string(), home.display().to_string());
        env.insert("TMPDIR".to_string(), tmp.display().to_string());
        env.insert(SANDBOX_MARKER.to_string(), marker.clone());
        env.insert("PORT".to_string(), port.to_string());
        Ok(Sandbox {
            root,
            app,
            work,
            home,
            tmp,
            bin,
            logs,
            marker,
            keeper: crate::cleanroom::keeper::executable(demo.as_deref()),
            env,
            port,
            not_copied: skipped.1.clone(),
            notes: if skipped.0.is_empty() {
                Vec::new()
            } else {
                vec![format!(
                    "not copied into the clean room: {}",
                    skipped.0.join(", ")
                )]
            },
        })
    }

    /// Add the variables the participant declares in `env_file` (relative to the checked
    /// directory). Variables the clean room itself provides (PATH, HOME, TMPDIR, PORT) win:
    /// that is the point of the clean room.
    pub fn declare_env_file(&mut self, ctx: &CheckCtx, env_file: &str) -> Result<(), Outcome> {
        let text = ctx.read_text(env_file)?;
        let vars =
            dotenv::parse(&text).map_err(|e| Outcome::fail(e.message).at(env_file, e.line))?;
        for var in vars {
            if !matches!(var.key.as_str(), "PATH" | "HOME" | "TMPDIR" | "PORT") {
                self.env.insert(var.key, var.value);
            }
        }
        Ok(())
    }

    /// Replace `{port}`, `{home}`, `{work}`, `{app}`, `{tmp}` and `{loopback}` in a lab-given
    /// value.
    pub fn expand(&self, value: &str) -> String {
        value
            .replace("{loopback}", LOOPBACK)
            .replace("{port}", &self.port.to_string())
            .replace("{home}", &self.home.display().to_string())
            .replace("{work}", &self.work.display().to_string())
            .replace("{app}", &self.app.display().to_string())
            .replace("{tmp}", &self.tmp.display().to_string())
    }

    /// Add the `env` table from the check's parameters (values may use placeholders).
    pub fn declare_lab_env(&mut self, env: &BTreeMap<String, String>) {
        for (key, value) in env {
            let expanded = self.expand(value);
            self.env.insert(key.clone(), expanded);
        }
    }

    /// A command for `command_line` (a program relative to the checked directory, then
    /// arguments separated by spaces), with the clean environment and `work/` as its
    /// current directory.
    pub fn command(&self, command_line: &str, extra_args: &[&str]) -> Result<Command, Outcome> {
        let mut words = command_line.split_whitespace();
        let program = words
            .next()
            .ok_or_else(|| Outcome::fail("lab.toml: empty command"))?;
        let rel = program.trim_start_matches("./");
        let path = self.app.join(rel);
        if !path.exists() {
            return Err(Outcome::fail(format!("`{rel}` does not exist")).at(rel, None));
        }
        if !is_executable(&path) {
            return Err(Outcome::fail(format!(
                "`{rel}` is not executable: `chmod +x {rel}` (and keep the mode in git and tarballs)"
            ))
            .at(rel, None));
        }
        let args: Vec<&str> = words.chain(extra_args.iter().copied()).collect();
        Ok(self.program(&path, &args))
    }

    /// A command running `program` in the clean room: under its keeper (see
    /// [`crate::cleanroom::keeper`]) where one is at hand, with the clean room's environment, working
    /// directory and walls (it may write only under the clean room's own folders, see
    /// [`confine`]).
    pub fn program(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = match &self.keeper {
            Some(keeper) => {
                static COMMANDS: AtomicU64 = AtomicU64::new(0);
                let status = self.logs.join(format!(
                    "command{}.status",
                    COMMANDS.fetch_add(1, Ordering::Relaxed)
                ));
                let mut cmd = Command::new(keeper);
                crate::platform::arg0(&mut cmd, crate::cleanroom::keeper::NAME)
                    .arg(status)
                    .arg(program);
                cmd
            }
            None => Command::new(program),
        };
        cmd.args(args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.work);
        confine::confine(&mut cmd, self.root.path());
        cmd
    }

    /// "wrote outside DATA_DIR: PATH" when `output` (a command's error output) shows a
    /// write outside the clean room that its walls refused.
    pub fn outside_writes(&self, output: &str) -> Option<String> {
        let denied = confine::denied_writes(output, self.root.path());
        (!denied.is_empty()).then(|| wrote_outside(&denied))
    }

    /// The same for files that processes of this clean room hold open for writing outside
    /// it (where the kernel could not refuse the write).
    pub fn open_outside(&self, pids: &[i32]) -> Option<String> {
        let open = confine::open_for_writing_outside(pids, self.root.path());
        (!open.is_empty()).then(|| wrote_outside(&open))
    }

    /// "wrote outside DATA_DIR: PATH" for a write to a literal path outside the clean room
    /// in `script` (relative to the checked directory), at its line: the writes a script
    /// silences (`2>/dev/null || true`), which leave no refusal in its output. See
    /// [`confine::script_write_targets`] for what this catches and what it cannot.
    pub fn scripted_outside(&self, script: &str) -> Option<Outcome> {
        let path = self.app.join(script);
        // A script is kilobytes; anything big is not read (and was judged elsewhere).
        let small = std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() < 1 << 20);
        let text = std::fs::read(&path).ok().filter(|_| small)?;
        let found = confine::script_write_targets(&String::from_utf8_lossy(&text));
        let (_, line) = found.first()?;
        let paths: Vec<PathBuf> = found.iter().map(|(p, _)| p.clone()).collect();
        Some(Outcome::fail(wrote_outside(&paths)).at(script, Some(*line)))
    }

    /// SIGKILL every process of this clean room that left its process group.
    pub fn kill_strays(&self) {
        process::kill_marked(&self.marker);
    }

    /// The address a started service is asked to listen on: `BIND` when it names a
    /// loopback address, 127.0.0.1 otherwise.
    pub fn host(&self) -> std::net::Ipv4Addr {
        self.env
            .get("BIND")
            .and_then(|b| b.parse::<std::net::Ipv4Addr>().ok())
            .filter(std::net::Ipv4Addr::is_loopback)
            .unwrap_or(std::net::Ipv4Addr::LOCALHOST)
    }

    /// The notes as a sentence to append to a message (empty when there are none).
    pub fn notes_suffix(&self) -> String {
        if self.notes.is_empty() {
            String::new()
        } else {
            format!(" (note: {})", self.notes.join("; "))
        }
    }

    /// Make a child's output read as if it ran in the participant's directory: paths into
    /// the copy become relative, other clean-room paths start with `<clean room>`.
    pub fn tidy(&self, text: &str) -> String {
        text.replace(&format!("{}/", self.app.display()), "")
            .replace(&self.root.path().display().to_string(), "<clean room>")
    }

    /// Where a child's output goes: `logs/<name>.out` and `.err`.
    pub fn log_prefix(&self, name: &str) -> PathBuf {
        self.logs.join(name)
    }

    /// The root of the sandbox (for diagnostics).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Resolve a path the way the child would: relative to its working directory.
    pub fn child_path(&self, value: &str) -> PathBuf {
        let path = Path::new(value);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.work.join(path)
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        process::kill_marked(&self.marker);
        crate::cleanroom::interrupt::untrack_marker(&self.marker);
    }
}
