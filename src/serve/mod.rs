//! `devoops serve`: build the book into memory, serve it over HTTP, rebuild what a change
//! affects, and tell open tabs to reload, or show the build error, over Server-Sent Events.
//!
//! Serving sits outside the pipeline: it calls `book` and `render` and is never called by
//! them. Threads: tiny_http's accept and per-connection threads, the HTTP workers
//! (`http`), one live-reload broadcaster (`livereload`), the watcher's debouncer thread
//! (`watch`), and the caller's thread, which runs every rebuild (`rebuild`) one after
//! another, so rebuilds never race each other.

mod http;
mod inject;
mod live_site;
mod livereload;
mod rebuild;
mod request_path;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::error::{Error, Result};
use live_site::LiveSite;
use livereload::Broadcaster;
use rebuild::Builder;
use watch::Watcher;

pub struct ServeOptions {
    /// The book's folder (holding `book.toml`).
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the default browser once it is up.
    pub open: bool,
    /// Poll the file system instead of relying on native change events.
    pub poll: bool,
}

/// Where `serve` tells the user what it is doing; the CLI decides colours and verbosity.
pub trait Reporter {
    /// The address the site is served at (always shown, even when quiet).
    fn serving(&self, url: &str);
    fn info(&self, text: &str);
    fn warning(&self, text: &str);
    fn error(&self, error: &Error);
}

/// Serves the book until the process is stopped. Returns early only if it cannot start.
pub fn serve(options: &ServeOptions, reporter: &dyn Reporter) -> Result<()> {
    let root = std::fs::canonicalize(&options.root)
        .map_err(|e| Error::io(&options.root, &e).help("pass the folder that holds book.toml"))?;
    // Watch before the first build, so an edit made while it runs is not missed.
    let mut watcher = Watcher::start(options.poll)?;
    let mut builder = Builder::new(root.clone());
    watch_sources(&mut watcher, &builder, &root, reporter);

    let live = Arc::new(LiveSite::default());
    let reload = Broadcaster::start();
    let session = Session {
        live: &live,
        reload: &reload,
        reporter,
    };
    // Listen before the first build, so a busy port is reported at once; requests that
    // arrive while it runs get a page that reloads when the book is ready.
    let addr = http::start(
        SocketAddr::new(options.bind, options.port),
        live.clone(),
        reload.clone(),
    )?;
    session.full_rebuild(&mut builder);
    if !options.bind.is_loopback() {
        reporter.warning(&format!(
            "serving on {addr}: anyone who can reach this machine on the network can read the book; leave out --bind to serve to this machine only"
        ));
    }
    let url = format!("http://{addr}/");
    reporter.serving(&url);
    if options.open {
        open_browser(&browser_url(addr), reporter);
    }

    while let Some(batch) = watcher.next_batch() {
        for error in &batch.errors {
            reporter.warning(&format!("file watcher: {error}"));
        }
        let plan = builder.plan(&batch.paths);
        if plan.is_empty() {
            continue;
        }
        if plan.full {
            // Watch folders that just appeared (a new `theme/`) before building from them,
            // and again after, as book.toml may have moved the sources or the theme.
            watch_sources(&mut watcher, &builder, &root, reporter);
            session.full_rebuild(&mut builder);
            watch_sources(&mut watcher, &builder, &root, reporter);
        } else {
            session.partial_rebuild(&mut builder, &plan);
        }
    }
    Err(Error::new("the file watcher stopped unexpectedly"))
}

/// Watches the book root's own entries and every source tree that exists. A folder that
/// cannot be watched is reported and skipped: the rest of the book still live-reloads.
fn watch_sources(
    watcher: &mut Watcher,
    builder: &Builder,
    root: &std::path::Path,
    reporter: &dyn Reporter,
) {
    let shallow = watcher.watch_shallow(root);
    let trees = builder
        .watched_trees()
        .into_iter()
        .map(|t| watcher.watch_tree(&t));
    for result in std::iter::once(shallow).chain(trees.collect::<Vec<_>>()) {
        if let Err(e) = result {
            reporter.warning(&e.to_string());
        }
    }
}

/// What a rebuild updates and whom it tells.
struct Session<'a> {
    live: &'a LiveSite,
    reload: &'a Broadcaster,
    reporter: &'a dyn Reporter,
}

impl Session<'_> {
    fn full_rebuild(&self, builder: &mut Builder) {
        let started = Instant::now();
        match builder.full() {
            Ok(build) => {
                for warning in &build.warnings {
                    self.reporter.warning(warning);
                }
                let recovered = self.live.failure().is_some();
                self.live.replace_site(build.site);
                self.live.set_failure(None);
                let generation = self.live.next_generation();
                self.reload.reload(generation, &["*".to_string()]);
                self.reporter.info(&format!(
                    "Built {} pages in {:.2?}{}",
                    build.pages,
                    started.elapsed(),
                    if recovered {
                        " (the error is fixed)"
                    } else {
                        ""
                    }
                ));
            }
            Err(error) => self.failed(&error),
        }
    }

    fn partial_rebuild(&self, builder: &mut Builder, plan: &rebuild::Plan) {
        let started = Instant::now();
        let Some(site) = self.live.site() else {
            return;
        };
        // Each group of pages with the time it was in place: "a.html in 9ms, print.html in …".
        let mut changed = Vec::new();
        let mut written = |paths: Vec<String>| {
            if !paths.is_empty() {
                let generation = self.live.next_generation();
                self.reload.reload(generation, &paths);
                changed.push(format!("{} in {:.2?}", paths.join(", "), started.elapsed()));
            }
        };
        let result = builder
            .rebuild_chapters(&plan.chapters, &site, &mut written)
            .and_then(|()| builder.copy_static_files(&plan.static_files, &site))
            .map(&mut written);
        match result {
            Ok(()) => self
                .reporter
                .info(&format!("Rebuilt {}", changed.join(", then "))),
            Err(error) => self.failed(&error),
        }
    }

    /// Keeps serving the last good build, with the error on top of every page.
    fn failed(&self, error: &Error) {
        self.reporter.error(error);
        let message = error.to_string();
        self.live.set_failure(Some(message.clone()));
        self.live.next_generation();
        self.reload.build_error(&message);
    }
}

/// The address to open locally: a wildcard bind is reachable on loopback.
fn browser_url(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::from([127, 0, 0, 1]),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

fn open_browser(url: &str, reporter: &dyn Reporter) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    match command.arg(url).spawn() {
        // Reap the opener in the background; the browser outlives it.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(e) => reporter.warning(&format!("cannot open a browser ({e}); open {url} yourself")),
    }
}
