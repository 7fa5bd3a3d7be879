//! Pipes and descriptors.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use nix::fcntl::OFlag;

/// A pipe whose both ends close on exec, so no program started later
/// inherits it by accident.
pub fn pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(OFlag::O_CLOEXEC)
}

/// Takes ownership of descriptor `fd`, which this process was given (a
/// pool worker's request and result pipes, set up by `fork_worker`).
///
/// # Safety
/// Nothing else in the process may own or close `fd`.
pub unsafe fn take_fd(fd: RawFd) -> OwnedFd {
    // SAFETY: the caller promises `fd` is open and owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Whether this process has taken its pool channel already.
static CHANNEL_TAKEN: AtomicBool = AtomicBool::new(false);

/// A pool worker's request and result pipes, which the engine puts on
/// descriptors `request` and `result` of the child before it runs (see
/// `fork_worker`'s `extra`). Given out once per process: `None` after that,
/// so no two owners can close the same descriptor.
pub fn take_pool_channel(request: RawFd, result: RawFd) -> Option<(std::fs::File, std::fs::File)> {
    if CHANNEL_TAKEN.swap(true, Ordering::SeqCst) {
        return None;
    }
    // SAFETY: the engine set up these descriptors for this worker alone,
    // and the flag above hands them out once.
    let (request, result) = unsafe { (take_fd(request), take_fd(result)) };
    Some((request.into(), result.into()))
}
