//! Highlighting on a time budget.
//!
//! syntect's parser can loop forever inside one line: two contexts of a syntax that `set` each
//! other without consuming text spin at the same byte (syntect#706; the older JavaScript
//! syntax does it on `1 /* c */`). A looping `parse_line` cannot be interrupted, so a block is
//! parsed on a worker thread that counts the lines it has finished, while the calling thread
//! waits. When one line takes longer than [`LINE_BUDGET`], or the block longer than
//! [`BLOCK_BUDGET`], the caller stops waiting, leaves that worker behind and shows the block as
//! plain text. A syntax that got stuck once is not tried again in this process, so at most one
//! thread per broken syntax is ever lost, whatever the book holds.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use syntect::parsing::SyntaxReference;

/// Longest one line may take. Real lines take microseconds (a long minified line a few
/// milliseconds); only a parser loop gets near this, even on a loaded machine.
pub const LINE_BUDGET: Duration = Duration::from_secs(3);
/// Longest a whole block may take.
pub const BLOCK_BUDGET: Duration = Duration::from_secs(30);

/// What became of one block.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Highlighted HTML, or `None` when syntect reported an error (the block is shown plain).
    Done(Option<String>),
    /// The worker stopped making progress on this 1-based line of the block.
    Stuck { line: usize },
    /// Not tried: this syntax got stuck on an earlier block.
    Broken,
}

/// The work a worker does for one block: highlight `code` (with its hidden-line flags),
/// calling `line_done` after each line.
pub type Work = fn(&str, &[bool], &'static SyntaxReference, &dyn Fn(usize)) -> Option<String>;

struct Job {
    code: String,
    hidden: Vec<bool>,
    syntax: &'static SyntaxReference,
}

struct Worker {
    jobs: mpsc::Sender<Job>,
    results: mpsc::Receiver<Option<String>>,
    lines_done: Arc<AtomicUsize>,
}

impl Worker {
    fn spawn(work: Work) -> Option<Worker> {
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (result_tx, results) = mpsc::channel();
        let lines_done = Arc::new(AtomicUsize::new(0));
        let progress = lines_done.clone();
        std::thread::Builder::new()
            .name("highlight".into())
            .spawn(move || {
                for job in job_rx {
                    let html = work(&job.code, &job.hidden, job.syntax, &|n| {
                        progress.store(n, Ordering::Relaxed)
                    });
                    if result_tx.send(html).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Worker {
            jobs,
            results,
            lines_done,
        })
    }
}

thread_local! {
    /// Each thread that highlights has its own worker, so rayon's threads never queue.
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Names of the syntaxes that got stuck in this process.
static BROKEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn is_broken(syntax: &SyntaxReference) -> bool {
    BROKEN
        .lock()
        .map(|names| names.contains(&syntax.name))
        .unwrap_or(false)
}

fn mark_broken(syntax: &SyntaxReference) {
    if let Ok(mut names) = BROKEN.lock() {
        names.push(syntax.name.clone());
    }
}

/// Runs `work` on `code` on this thread's worker, within the budgets.
pub fn run(code: &str, hidden: &[bool], syntax: &'static SyntaxReference, work: Work) -> Outcome {
    run_within(code, hidden, syntax, work, LINE_BUDGET, BLOCK_BUDGET)
}

fn run_within(
    code: &str,
    hidden: &[bool],
    syntax: &'static SyntaxReference,
    work: Work,
    line_budget: Duration,
    block_budget: Duration,
) -> Outcome {
    if is_broken(syntax) {
        return Outcome::Broken;
    }
    WORKER.with_borrow_mut(|slot| {
        if slot.is_none() {
            *slot = Worker::spawn(work);
        }
        let Some(worker) = slot.as_ref() else {
            // No thread to be had: highlight here, unguarded, rather than not at all.
            return Outcome::Done(work(code, hidden, syntax, &|_| {}));
        };
        worker.lines_done.store(0, Ordering::Relaxed);
        let job = Job {
            code: code.to_string(),
            hidden: hidden.to_vec(),
            syntax,
        };
        if worker.jobs.send(job).is_err() {
            *slot = None;
            return Outcome::Done(None);
        }
        let started = Instant::now();
        let mut seen = 0;
        loop {
            match worker.results.recv_timeout(line_budget) {
                Ok(html) => return Outcome::Done(html),
                Err(RecvTimeoutError::Timeout) => {
                    let done = worker.lines_done.load(Ordering::Relaxed);
                    if done == seen || started.elapsed() > block_budget {
                        // The worker is stuck inside syntect; it is left to spin alone.
                        *slot = None;
                        mark_broken(syntax);
                        return Outcome::Stuck { line: done + 1 };
                    }
                    seen = done;
                }
                // The worker panicked: this block is shown plain, the next gets a new worker.
                Err(RecvTimeoutError::Disconnected) => {
                    *slot = None;
                    return Outcome::Done(None);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(name: &str) -> &'static SyntaxReference {
        super::super::syntaxes().find_syntax_by_name(name).unwrap()
    }

    /// Reports each line done after `pause(line index)`.
    fn walk_lines(code: &str, line_done: &dyn Fn(usize), pause: impl Fn(usize) -> u64) {
        for (n, _) in code.lines().enumerate() {
            std::thread::sleep(Duration::from_millis(pause(n)));
            line_done(n + 1);
        }
    }

    fn count_lines(
        code: &str,
        _: &[bool],
        _: &'static SyntaxReference,
        line_done: &dyn Fn(usize),
    ) -> Option<String> {
        walk_lines(code, line_done, |_| 5);
        Some(format!("{} lines", code.lines().count()))
    }

    fn stall_on_third_line(
        code: &str,
        _: &[bool],
        _: &'static SyntaxReference,
        line_done: &dyn Fn(usize),
    ) -> Option<String> {
        walk_lines(code, line_done, |n| if n == 2 { 2_000 } else { 0 });
        Some(String::new())
    }

    #[test]
    fn a_block_that_keeps_progressing_finishes() {
        let code = "a\n".repeat(40);
        let outcome = run_within(
            &code,
            &[],
            syntax("Rust"),
            count_lines,
            Duration::from_millis(100),
            Duration::from_secs(30),
        );
        assert_eq!(outcome, Outcome::Done(Some("40 lines".into())));
    }

    #[test]
    fn a_stalled_line_is_named_and_its_syntax_not_tried_again() {
        let outcome = run_within(
            "one\ntwo\nthree\nfour\n",
            &[],
            syntax("Erlang"),
            stall_on_third_line,
            Duration::from_millis(200),
            Duration::from_secs(30),
        );
        assert_eq!(outcome, Outcome::Stuck { line: 3 });
        assert_eq!(
            run("x\n", &[], syntax("Erlang"), count_lines),
            Outcome::Broken
        );
    }
}
