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
use std::sync::atomic::{AtomicBool, Ordering};

use super::sys::signal::{PreviousSigint, catch_sigint, restore_sigint};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Set by every Ctrl-C a guard caught and never cleared: a one-shot
/// command stopped by Ctrl-C exits with 130 however it ended.
static CAUGHT: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    // Only atomic stores: async-signal-safe.
    REQUESTED.store(true, Ordering::SeqCst);
    CAUGHT.store(true, Ordering::SeqCst);
}

/// True once Ctrl-C was pressed while a guard was installed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// True once any guard caught Ctrl-C in this process, even after the
/// guard was dropped or [`clear`] called.
pub fn caught_since_start() -> bool {
    CAUGHT.load(Ordering::SeqCst)
}

/// Forgets an earlier Ctrl-C: the next one counts from now.
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// Catches SIGINT while alive; restores the previous disposition on drop.
pub struct InterruptGuard {
    previous: Option<PreviousSigint>,
}

impl InterruptGuard {
    /// Starts catching SIGINT. A press already caught by an enclosing
    /// guard still counts (see the module docs).
    pub fn install() -> Self {
        // A blocked poll returns EINTR at once (see `catch_sigint`).
        InterruptGuard {
            previous: catch_sigint(on_sigint),
        }
    }
}

impl Drop for InterruptGuard {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            restore_sigint(previous);
        }
        REQUESTED.store(false, Ordering::SeqCst);
    }
}
