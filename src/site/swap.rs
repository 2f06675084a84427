//! Putting a staged folder in place of the destination.
//!
//! Where the platform can (Linux `renameat2(RENAME_EXCHANGE)`, macOS `renamex_np(RENAME_SWAP)`)
//! the two folders trade places in one step, so the destination always holds a complete site.
//! Elsewhere, or on file systems that refuse the exchange, the old site is renamed aside first
//! and moved back if the second rename fails; a build killed between the two renames leaves
//! the old site in its backup folder, which the next build puts back (see `folder`).

use std::io;
use std::path::Path;

use super::fault;

/// Swaps `staged` into `dest`, which exists. Afterwards the old site is at `staged`, or, when
/// no exchange was possible, at `backup`; the returned path says which.
pub fn replace<'a>(staged: &'a Path, dest: &Path, backup: &'a Path) -> io::Result<&'a Path> {
    if !fault::forces_fallback() {
        match exchange(staged, dest) {
            Ok(()) => return Ok(staged),
            Err(e) if !exchange_unsupported(&e) => return Err(e),
            Err(_) => {}
        }
    }
    std::fs::rename(dest, backup)?;
    fault::point(fault::Moment::MidSwap);
    if let Err(e) = std::fs::rename(staged, dest) {
        let _ = std::fs::rename(backup, dest);
        return Err(e);
    }
    Ok(backup)
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The errors meaning "this kernel or file system cannot exchange", not "this swap failed".
fn exchange_unsupported(e: &io::Error) -> bool {
    #[cfg(unix)]
    let refused = matches!(e.raw_os_error(), Some(code) if code == rustix::io::Errno::INVAL.raw_os_error() || code == rustix::io::Errno::NOSYS.raw_os_error() || code == rustix::io::Errno::NOTSUP.raw_os_error());
    // Elsewhere `exchange` answers only `Unsupported`.
    #[cfg(not(unix))]
    let refused = false;
    e.kind() == io::ErrorKind::Unsupported || refused
}
