//! Ctrl-C during a demo.
//!
//! While a demo runs, SIGINT sets a flag instead of killing mptutor; the
//! engine's poll loop sees it within one poll interval, stops every worker
//! with `killpg` and returns to the prompt. The previous handler comes back
//! when the guard is dropped. Workers are in their own process group, so the
//! terminal's Ctrl-C reaches only mptutor, which decides what to stop.
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

/// Catches SIGINT while alive; restores the previous disposition on drop.
pub struct InterruptGuard {
    previous: Option<SigAction>,
}

impl InterruptGuard {
    pub fn install() -> Self {
        REQUESTED.store(false, Ordering::SeqCst);
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
