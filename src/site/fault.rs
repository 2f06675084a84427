//! Fault injection for the crash tests of `devoops build`: with `DEVOOPS_TEST_KILL_AT` set to
//! one of the [`Moment`] names, the process kills itself with SIGKILL when it gets there, as a
//! power cut or `kill -9` would. Nothing sets this variable but `tests/build_crash.rs`; when
//! it is unset (always, for users) every check here is one cached environment look-up.

use std::sync::OnceLock;

/// The variable naming the moment to die at.
pub const VARIABLE: &str = "DEVOOPS_TEST_KILL_AT";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// Every page is staged; the swap has not begun.
    Staged,
    /// The old site is renamed aside and the new one not yet in (forces the two-rename swap).
    MidSwap,
    /// The new site is in place; the old one not yet removed.
    Swapped,
    /// The old site is partly removed.
    Removing,
}

impl Moment {
    fn name(self) -> &'static str {
        match self {
            Moment::Staged => "staged",
            Moment::MidSwap => "mid-swap",
            Moment::Swapped => "swapped",
            Moment::Removing => "removing",
        }
    }
}

fn chosen() -> Option<&'static str> {
    static CHOSEN: OnceLock<Option<String>> = OnceLock::new();
    CHOSEN
        .get_or_init(|| std::env::var(VARIABLE).ok())
        .as_deref()
}

/// Dies here if the tests asked for this moment.
pub fn point(moment: Moment) {
    if chosen() == Some(moment.name()) {
        #[cfg(unix)]
        let _ =
            rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

/// The two-rename swap is the only one with a moment between renames.
pub fn forces_fallback() -> bool {
    chosen() == Some(Moment::MidSwap.name())
}
