//! Ctrl-C during a demo.
//!
//! While a demo runs, SIGINT sets a flag instead of killing mptutor; the
//! engine's poll loop sees it within one poll interval, stops every worker
//! with `killpg` and returns to the prompt. The previous handler comes back
//! when the guard is dropped. Workers are in their own process group, so the
//! terminal's Ctrl-C reaches only mptutor, which decides what to stop.
//!
//! Guards nest: the interactive REPL holds one for the whole session, so a
//! Ctrl-C that lands outside the line editor (just after Enter, or while a
//! finished demo is still printing) cannot kill mptutor. A press caught by
//! that outer guard before a demo starts stops the demo at once, which is
//! why [`InterruptGuard::install`] keeps the flag and the REPL calls
//! [`clear`] when it reads a new command.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};

static REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    REQUESTED.store(true, Ordering::SeqCst);
}

/// True once Ctrl-C was pressed while a guard was installed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Forgets an earlier Ctrl-C: the next one counts from now.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// Catches SIGINT while alive; restores the previous disposition on drop.
pub struct InterruptGuard {
    previous: Option<SigAction>,
}

impl InterruptGuard {
    /// Starts catching SIGINT. A press already caught by an enclosing
    /// guard still counts (see the module docs).
    pub fn install() -> Self {
        // No SA_RESTART: a blocked poll returns EINTR at once.
        let action = SigAction::new(
            SigHandler::Handler(on_sigint),
            SaFlags::empty(),
            SigSet::empty(),
        );
        // SAFETY: the handler only performs an atomic store.
        let previous = unsafe { sigaction(Signal::SIGINT, &action) }.ok();
        InterruptGuard { previous }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            // SAFETY: restores the disposition that was in place before.
            let _ = unsafe { sigaction(Signal::SIGINT, previous) };
        }
        REQUESTED.store(false, Ordering::SeqCst);
    }
}
