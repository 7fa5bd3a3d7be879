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

/// The signal [`EndingSignals`] caught, 0 for none.
static ENDING_CAUGHT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

extern "C" fn note_ending(signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    ENDING_CAUGHT.store(signal, std::sync::atomic::Ordering::SeqCst);
}

/// SIGTERM and SIGHUP (the terminal closed), held back while something
/// must be finished before mptutor may end: a zombie held on purpose is
/// reaped first. While alive, either signal only sets a flag (and
/// interrupts a blocked `poll`); when dropped, the dispositions from
/// before come back and a signal that was caught is raised again, so it
/// ends mptutor as it would have, the REPL's handler restoring the
/// terminal first.
pub struct EndingSignals {
    previous: Vec<(Signal, SigAction)>,
}

impl EndingSignals {
    const HELD: [Signal; 2] = [Signal::SIGTERM, Signal::SIGHUP];

    pub fn hold() -> EndingSignals {
        ENDING_CAUGHT.store(0, std::sync::atomic::Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(note_ending),
            SaFlags::empty(),
            SigSet::empty(),
        );
        let mut previous = Vec::with_capacity(Self::HELD.len());
        for signal in Self::HELD {
            // SAFETY: the handler only performs an atomic store.
            if let Ok(old) = unsafe { sigaction(signal, &action) } {
                previous.push((signal, old));
            }
        }
        EndingSignals { previous }
    }

    /// The signal caught so far, if any: `SIGTERM`, `SIGHUP`.
    pub fn caught(&self) -> Option<Signal> {
        let caught = ENDING_CAUGHT.load(std::sync::atomic::Ordering::SeqCst);
        (caught != 0)
            .then(|| Signal::try_from(caught).ok())
            .flatten()
    }
}

impl Drop for EndingSignals {
    fn drop(&mut self) {
        for (signal, old) in &self.previous {
            // SAFETY: puts back a disposition that was in place before.
            let _ = unsafe { sigaction(*signal, old) };
        }
        if let Some(signal) = self.caught() {
            let _ = nix::sys::signal::raise(signal);
        }
    }
}
