//! Tests that judge a speed-up, apart from the rest.
//!
//! Cargo runs one test binary at a time, so while this one runs no other
//! test of mptutor's competes for the cores; inside it, [`one_at_a_time`]
//! keeps its tests from competing with each other. What else runs on the
//! machine (another build, a CPU hog) is measured by mptutor itself: each
//! test accepts "couldn't tell" only when the result carries the figures
//! that show the machine was busy, so a loaded machine can never fail it,
//! and never make it pass by saying nothing.

mod compare;
#[path = "../integration/support.rs"]
#[allow(dead_code)]
mod support;

mod demos;
mod python_claim;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Taken by every test here, for its whole run.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Holds the machine for one speed-judging test.
pub fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}
