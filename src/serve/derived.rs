//! Pages made of every chapter: the print page, the slide decks and the search index, and
//! the slides of a saved chapter, which its page does not wait for. On a big book they take
//! far longer than one chapter's page (seconds at 1,000 pages, against milliseconds), so
//! they are rebuilt on a worker thread of their own: the page of the next save never waits
//! behind them. When saves come faster than the worker, it skips straight to the newest
//! state. It renders on a small thread pool of its own so the chapter renders of the main
//! loop always find a free core.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::book::Book;
use crate::error::{Error, Result};
use crate::render::{Frame, RenderedChapter};
use crate::site::{self, MemoryOutput, Output};

/// Everything the derived pages are made of, as of one rebuild.
pub struct Job {
    pub book: Book,
    pub frame: Arc<Frame>,
    /// Every chapter as rendered, in book order.
    pub chapters: Vec<Arc<RenderedChapter>>,
    /// The site being served, where the pages go.
    pub site: MemoryOutput,
    pub started: Instant,
}

pub struct Worker {
    jobs: Sender<Job>,
}

impl Worker {
    /// Starts the worker thread inside `scope`; it ends when the `Worker` is dropped. `done`
    /// gets each job's result (the site paths whose bytes changed) and its time since the save.
    pub fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        done: impl Fn(Result<Vec<String>>, Duration) + Send + 'scope,
    ) -> Worker {
        let (jobs, queue) = channel();
        std::thread::Builder::new()
            .name("derived-pages".into())
            .spawn_scoped(scope, move || run(queue, done))
            .expect("cannot start the derived-pages thread");
        Worker { jobs }
    }

    pub fn submit(&self, job: Job) {
        let _ = self.jobs.send(job);
    }
}

fn run(queue: Receiver<Job>, done: impl Fn(Result<Vec<String>>, Duration)) {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads((cores - 1).max(1))
        .thread_name(|n| format!("derived-pages-{n}"))
        .build();
    let Ok(pool) = pool else {
        return done(
            Err(Error::new(
                "cannot start threads for the print page and decks",
            )),
            Duration::ZERO,
        );
    };
    while let Ok(mut job) = queue.recv() {
        // Only the newest state matters.
        while let Ok(newer) = queue.try_recv() {
            job = newer;
        }
        let result = pool.install(|| assemble_again(&job));
        done(result, job.started.elapsed());
    }
}

/// Assembles the site again from the kept chapters, as a full build would: every file whose
/// bytes changed (print page, decks whose slide numbers moved, search index) is replaced.
pub fn assemble_again(job: &Job) -> Result<Vec<String>> {
    let out = ChangedOnly::new(&job.site);
    let chapters = job.chapters.par_iter().map(|c| Ok(&**c));
    site::assemble(&job.book, &job.frame, chapters, &out)?;
    Ok(out.into_changed())
}

/// Writes through to the served site, skipping files whose bytes did not change and
/// remembering the paths of those that did, so only tabs showing those reload.
pub struct ChangedOnly<'a> {
    site: &'a MemoryOutput,
    changed: Mutex<Vec<String>>,
}

impl<'a> ChangedOnly<'a> {
    pub fn new(site: &'a MemoryOutput) -> ChangedOnly<'a> {
        ChangedOnly {
            site,
            changed: Mutex::default(),
        }
    }

    /// The paths whose bytes changed, sorted.
    pub fn into_changed(self) -> Vec<String> {
        let mut changed = self
            .changed
            .into_inner()
            .expect("change list lock poisoned");
        changed.sort();
        changed
    }
}

impl Output for ChangedOnly<'_> {
    fn write(&self, path: &str, bytes: &[u8]) -> Result<()> {
        if self
            .site
            .get(path)
            .is_some_and(|old| old.as_slice() == bytes)
        {
            return Ok(());
        }
        self.site.write(path, bytes)?;
        self.changed
            .lock()
            .expect("change list lock poisoned")
            .push(path.to_string());
        Ok(())
    }
}

/// Shared between the worker's report and the rebuild planner: a failed derived build
/// means the next change rebuilds everything.
pub type FailureFlag = Arc<std::sync::atomic::AtomicBool>;
