//! How a process worker starts, as in Python's `multiprocessing`.

use serde::{Deserialize, Serialize};

/// How process workers start, as in Python's `multiprocessing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartMethod {
    /// A copy of mptutor made by `fork()`, running the task at once.
    Fork,
    /// `fork()` then `exec()` of the mptutor binary as a fresh worker.
    Spawn,
    /// Forked on request by a server process that was itself forked once,
    /// early, from a single-threaded mptutor.
    #[serde(rename = "forkserver")]
    ForkServer,
}

impl StartMethod {
    /// Every method, in the order lessons present them.
    pub const ALL: [StartMethod; 3] = [
        StartMethod::Fork,
        StartMethod::Spawn,
        StartMethod::ForkServer,
    ];

    /// The name Python gives it: `fork`, `spawn`, `forkserver`.
    pub fn name(self) -> &'static str {
        match self {
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
            StartMethod::ForkServer => "forkserver",
        }
    }

    pub fn from_name(name: &str) -> Option<StartMethod> {
        StartMethod::ALL
            .into_iter()
            .find(|method| method.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The prefix of Python's process names: `ForkProcess-1`,
    /// `SpawnPoolWorker-2`, `ForkServerProcess-3`.
    pub fn python_prefix(self) -> &'static str {
        match self {
            StartMethod::Fork => "Fork",
            StartMethod::Spawn => "Spawn",
            StartMethod::ForkServer => "ForkServer",
        }
    }
}
