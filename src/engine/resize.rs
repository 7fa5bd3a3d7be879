//! The terminal resized while a demo runs.
//!
//! A student who zooms the font in front of a class changes the terminal's
//! width in the middle of a run. While a live view is on screen, SIGWINCH
//! sets a flag (an atomic store, nothing else: mptutor stays
//! single-threaded, so workers can still be forked) and the view reads the
//! new width before it prints its next line. Nothing is watched unless the
//! front end follows the terminal's size: with `--width N`, or when output
//! is not a terminal, the width stays what it was.
use std::sync::atomic::{AtomicBool, Ordering};

use super::sys::signal::{PreviousSigwinch, catch_sigwinch, restore_sigwinch};

static RESIZED: AtomicBool = AtomicBool::new(false);
static FOLLOW: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigwinch(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    RESIZED.store(true, Ordering::SeqCst);
}

/// Says once, at start-up, whether output follows the terminal's width
/// (output is a terminal and no `--width` was given).
pub fn follow_terminal(on: bool) {
    FOLLOW.store(on, Ordering::SeqCst);
}

/// Whether output follows the terminal's width.
pub fn following() -> bool {
    FOLLOW.load(Ordering::SeqCst)
}

/// True once for every resize since the last call (several resizes in a
/// row count as one: only the last size matters).
pub fn take() -> bool {
    RESIZED.swap(false, Ordering::SeqCst)
}

/// Catches SIGWINCH while alive; restores the previous disposition on drop.
pub struct ResizeGuard {
    previous: Option<PreviousSigwinch>,
}

impl ResizeGuard {
    /// Starts catching SIGWINCH when output follows the terminal; `None`
    /// when it does not, and nothing changes.
    pub fn install() -> Option<Self> {
        if !following() {
            return None;
        }
        RESIZED.store(false, Ordering::SeqCst);
        Some(ResizeGuard {
            previous: catch_sigwinch(on_sigwinch),
        })
    }
}

impl Drop for ResizeGuard {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            restore_sigwinch(previous);
        }
    }
}
