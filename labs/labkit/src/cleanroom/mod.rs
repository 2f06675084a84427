//! The clean room: a participant's service started the way a fresh server would start it
//! ([`sandbox`], [`service`]), as child processes in their own groups ([`process`]), with a
//! snapshot of what it wrote ([`snapshot`]) and the programs it may use ([`toolbox`]). Every
//! command runs under a keeper ([`keeper`]) inside walls ([`confine`]).
//!
//! Two process-wide guards keep nothing behind: the interrupt handler kills every child
//! group on Ctrl-C, and on Linux the reaper reaps orphans the services leave. Both are
//! private; a front end calls [`guard_processes`] once before it runs checks.

pub mod confine;
mod interrupt;
pub mod keeper;
pub mod process;
mod reaper;
pub mod sandbox;
pub mod service;
pub mod snapshot;
pub mod toolbox;

/// Install the interrupt handler and the orphan reaper (once per process; idempotent).
pub fn guard_processes() {
    interrupt::install();
    reaper::install();
}
