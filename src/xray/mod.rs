//! The X-ray of a student's Python run: every process, thread and pool
//! task of the real program, with its CPU use over time and its zombies,
//! with no change to the program.
//!
//! - [`wire`]: what the run's `sitecustomize.py` reports about each Python
//!   process, over a datagram socket that is neither stdout nor stderr;
//! - [`collect`]: what watches a run while it goes on, and builds its X-ray;
//! - [`model`]: the typed result, [`model::Xray`], that the live view, the
//!   summary, the findings and `--json` all read;
//! - [`findings`]: what the run shows, [`findings::summarize`], as typed
//!   [`finding::XrayFinding`]s whose sentences (written in `sentence`)
//!   follow from their figures, judged against how busy the machine was;
//!   [`overlap`] says which processes and threads ran at the same time,
//!   and on how much CPU; [`failures`], what went wrong in the workers;
//! - [`result`]: the closing `--json` object of an X-rayed run.
//!
//! The Python side only says what it alone knows (names, roles, start
//! methods, threads, pool tasks, which parent reaped which child); mptutor
//! itself watches each pid through a pidfd for its exact exit time,
//! samples every thread's CPU time from `/proc`, sees zombies there, and
//! at the end kills and reaps whatever is left.

pub mod collect;
pub mod failures;
pub mod finding;
pub mod findings;
pub mod model;
pub mod overlap;
pub mod result;
mod sentence;
#[cfg(test)]
mod tests;
pub mod wire;
