//! `devoops serve`: build the book into memory, serve it over HTTP, rebuild what a change
//! affects, and tell open tabs to reload, or show the build error, over Server-Sent Events.
//!
//! Serving sits outside the pipeline: it calls `book`, `render` and `site` and is never
//! called by them. It keeps the frame and every rendered chapter; after a save it re-parses
//! and re-renders only that chapter and runs the same `site` assembly as `build`. Threads: the
//! HTTP server's accept thread and one thread per open connection (`crate::http_server`,
//! answering through `http`), one live-reload broadcaster (`livereload`), the watcher's debouncer thread
//! (`watch`), the caller's thread, which runs every rebuild (`rebuild`) one after another so
//! they never race each other, and one thread catching up the print page and slide decks
//! after a chapter changed (`derived`).

pub mod derived;
mod http;
mod inject;
mod live_site;
mod livereload;
pub mod rebuild;
mod request_path;
mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
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
/// Called from the watching thread and from the thread rebuilding the print page and decks.
pub trait Reporter: Sync {
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
    // Listen before the first build, so a busy port is reported at once; requests that
    // arrive while it runs get a page that reloads when the book is ready.
    let addr = http::start(
        SocketAddr::new(options.bind, options.port),
        live.clone(),
        reload.clone(),
    )?;
    let tell = Tell {
        live: &live,
        reload: &reload,
        reporter,
    };
    let derived_failed = builder.derived_failure_flag();
    std::thread::scope(|scope| {
        let derived = derived::Worker::start(scope, |result, elapsed| match result {
            Ok(paths) => tell.pages_written(&paths, &format!("in {elapsed:.2?} since the save")),
            Err(error) => {
                derived_failed.store(true, Ordering::SeqCst);
                tell.failed(&error);
            }
        });
        let session = Session {
            tell: &tell,
            derived: &derived,
        };
        session.full_rebuild(&mut builder);
        if !options.bind.is_loopback() {
            reporter.warning(&format!(
                "serving on {addr}: anyone who can reach this machine on the network can read the book; leave out --bind to serve to this machine only"
            ));
        }
        reporter.serving(&format!("http://{addr}/"));
        if options.open {
            open_browser(&browser_url(addr), reporter);
        }

        while let Some(batch) = watcher.next_batch() {
            for error in &batch.errors {
                reporter.warning(&format!("file watcher: {error}"));
            }
            let mut plan = builder.plan(&batch.paths);
            plan.full |= batch.folders_replaced;
            if plan.is_empty() {
                continue;
            }
            if plan.full {
                // Watch folders that just appeared (a new `theme/`) before building from
                // them, and again after, as book.toml may have moved the sources or theme.
                watch_sources(&mut watcher, &builder, &root, reporter);
                session.full_rebuild(&mut builder);
                watch_sources(&mut watcher, &builder, &root, reporter);
            } else {
                session.partial_rebuild(&mut builder, &plan);
            }
        }
        Err(Error::new("the file watcher stopped unexpectedly"))
    })
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

/// Whom a rebuild tells: the served site's state, open tabs, and the terminal.
struct Tell<'a> {
    live: &'a LiveSite,
    reload: &'a Broadcaster,
    reporter: &'a dyn Reporter,
}

impl Tell<'_> {
    /// `paths` are in place in the served site: reload the tabs showing them.
    fn pages_written(&self, paths: &[String], when: &str) {
        if paths.is_empty() {
            return;
        }
        let generation = self.live.next_generation();
        self.reload.reload(generation, paths);
        self.reporter
            .info(&format!("Rebuilt {} {when}", paths.join(", ")));
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

/// The rebuilds, run one after another on the watching thread.
struct Session<'a> {
    tell: &'a Tell<'a>,
    derived: &'a derived::Worker,
}

impl Session<'_> {
    fn full_rebuild(&self, builder: &mut Builder) {
        let started = Instant::now();
        let tell = self.tell;
        match builder.full() {
            Ok(build) => {
                for warning in &build.warnings {
                    tell.reporter.warning(warning);
                }
                let recovered = tell.live.failure().is_some();
                tell.live.replace_site(build.site);
                tell.live.set_failure(None);
                let generation = tell.live.next_generation();
                tell.reload.reload(generation, &["*".to_string()]);
                tell.reporter.info(&format!(
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
            Err(error) => tell.failed(&error),
        }
    }

    /// Changed chapters and static files, then (in the background) the pages made of
    /// every chapter.
    fn partial_rebuild(&self, builder: &mut Builder, plan: &rebuild::Plan) {
        let started = Instant::now();
        let Some(site) = self.tell.live.site() else {
            return;
        };
        let mut written = |paths: Vec<String>| {
            self.tell
                .pages_written(&paths, &format!("in {:.2?}", started.elapsed()));
        };
        let result = builder
            .rebuild_chapters(&plan.chapters, &site, &mut written)
            .and_then(|()| builder.copy_static_files(&plan.static_files, &site))
            .map(&mut written);
        match result {
            Ok(()) if !plan.chapters.is_empty() => {
                if let Some(job) = builder.derived_job(&site, started) {
                    self.derived.submit(job);
                }
            }
            Ok(()) => {}
            Err(error) => self.tell.failed(&error),
        }
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
