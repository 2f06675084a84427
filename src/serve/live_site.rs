//! What the HTTP workers serve and the rebuild loop updates: the last good site, the current
//! build error (if any), and a generation counter that open tabs compare to know whether they
//! missed a reload while connecting.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::site::MemoryOutput;

#[derive(Default)]
pub struct LiveSite {
    site: RwLock<Option<MemoryOutput>>,
    failure: RwLock<Option<String>>,
    generation: AtomicU64,
}

impl LiveSite {
    /// The last good build, or `None` before the first build succeeded.
    pub fn site(&self) -> Option<MemoryOutput> {
        self.site.read().expect("live site lock poisoned").clone()
    }

    /// Swaps in a complete new build.
    pub fn replace_site(&self, site: MemoryOutput) {
        *self.site.write().expect("live site lock poisoned") = Some(site);
    }

    /// The error of the latest build attempt, rendered as text for the browser overlay.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .read()
            .expect("live site lock poisoned")
            .clone()
    }

    pub fn set_failure(&self, failure: Option<String>) {
        *self.failure.write().expect("live site lock poisoned") = failure;
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Called after changed files are in place, before tabs are told, so a tab that loads a
    /// page and connects in between sees a newer generation and reloads once more.
    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }
}
