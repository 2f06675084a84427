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
    /// The environment every command in this sandbox gets.
    pub env: BTreeMap<String, String>,
    pub port: u16,
    /// Things a failure message should mention (e.g. a missing env file).
    pub notes: Vec<String>,
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
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Copy a directory tree, keeping permission bits and symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &target)?;
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
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
        copy_tree(ctx.dir, &app).map_err(broken)?;
        for tool in BASELINE_TOOLS.iter().chain(extra_tools) {
            if let Some(found) = which(tool) {
                std::os::unix::fs::symlink(found, bin.join(tool)).map_err(broken)?;
            }
        }
        let demo = ctx
            .toolbox
            .demo_service
            .clone()
            .or_else(crate::cleanroom::toolbox::find_demo_service);
        if let Some(demo) = &demo {
            std::os::unix::fs::symlink(demo, bin.join("demo-service")).map_err(broken)?;
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
            env,
            port,
            notes: Vec::new(),
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

    /// Replace `{port}`, `{home}`, `{work}`, `{app}` and `{tmp}` in a lab-given value.
    pub fn expand(&self, value: &str) -> String {
        value
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
        let mut cmd = Command::new(&path);
        cmd.args(words)
            .args(extra_args)
            .env_clear()
            .envs(&self.env)
            .current_dir(&self.work);
        Ok(cmd)
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
