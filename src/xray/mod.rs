//! The X-ray of a student's Python run: every process, thread and pool
//! task of the real program, with its CPU use over time and its zombies,
//! with no change to the program.
//!
//! - [`wire`]: what the run's `sitecustomize.py` reports about each Python
//!   process, over a datagram socket that is neither stdout nor stderr;
//! - [`collect`]: what watches a run while it goes on, and builds its X-ray;
//! - [`model`]: the typed result, [`model::Xray`], that the live view, the
//!   summary, the findings and `--json` all read.
//!
//! The Python side only says what it alone knows (names, roles, start
//! methods, threads, pool tasks, which parent reaped which child); mptutor
//! itself watches each pid through a pidfd for its exact exit time,
//! samples every thread's CPU time from `/proc`, sees zombies there, and
//! at the end kills and reaps whatever is left.

pub mod collect;
pub mod model;
pub mod wire;
