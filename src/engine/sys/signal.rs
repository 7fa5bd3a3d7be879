//! Catching SIGINT and SIGWINCH, and dying of SIGSEGV on purpose.

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

/// The disposition SIGINT had before [`catch_sigint`].
pub struct PreviousSigint(SigAction);

/// Calls `handler` on SIGINT, without SA_RESTART so that a blocked `poll`
/// returns EINTR at once. `handler` must be async-signal-safe.
pub fn catch_sigint(handler: extern "C" fn(libc::c_int)) -> Option<PreviousSigint> {
    let action = SigAction::new(
        SigHandler::Handler(handler),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the caller's handler is async-signal-safe (documented above;
    // mptutor's only performs an atomic store).
    unsafe { sigaction(Signal::SIGINT, &action) }
        .ok()
        .map(PreviousSigint)
}

/// Puts back the disposition SIGINT had before.
pub fn restore_sigint(previous: &PreviousSigint) {
    // SAFETY: restores a disposition that was in place before.
    let _ = unsafe { sigaction(Signal::SIGINT, &previous.0) };
}

/// The disposition SIGWINCH had before [`catch_sigwinch`].
pub struct PreviousSigwinch(SigAction);

/// Calls `handler` when the terminal is resized (SIGWINCH). With
/// SA_RESTART, so a resize never fails a read or a wait that would
/// otherwise go on; `poll` still returns EINTR, which every poll loop of
/// the engine already takes as "look again". `handler` must be
/// async-signal-safe.
pub fn catch_sigwinch(handler: extern "C" fn(libc::c_int)) -> Option<PreviousSigwinch> {
    let action = SigAction::new(
        SigHandler::Handler(handler),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the caller's handler is async-signal-safe (documented above;
    // mptutor's only performs an atomic store).
    unsafe { sigaction(Signal::SIGWINCH, &action) }
        .ok()
        .map(PreviousSigwinch)
}

/// Puts back the disposition SIGWINCH had before.
pub fn restore_sigwinch(previous: &PreviousSigwinch) {
    // SAFETY: restores a disposition that was in place before.
    let _ = unsafe { sigaction(Signal::SIGWINCH, &previous.0) };
}

/// Writes to an address no process may touch: the kernel answers with a
/// real SIGSEGV. Called only in a worker meant to die that way, after its
/// output is flushed.
pub fn segfault() -> ! {
    let unmapped = std::ptr::without_provenance_mut::<u8>(16);
    // SAFETY: not sound, on purpose: this is how the failure demos get a
    // genuine segmentation fault. It runs only in a disposable child.
    unsafe { unmapped.write_volatile(1) };
    std::process::abort()
}

/// Ignores the signals that ask a process to stop (SIGHUP, SIGINT,
/// SIGTERM, SIGQUIT), so that only SIGKILL ends it: a run's keeper, whose
/// job when mptutor goes is to outlive it long enough to kill what the run
/// started. Programs it executes get their default actions back (see
/// `child_setup::RESET_FOR_EXEC`).
pub fn ignore_stop_signals() {
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    for signal in [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGQUIT,
    ] {
        // SAFETY: SIG_IGN runs no code in this process.
        let _ = unsafe { sigaction(signal, &ignore) };
    }
}
