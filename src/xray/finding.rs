//! One thing an X-ray found, with the figures it rests on; its sentence is
//! written from those figures alone, so a sentence can never say what its
//! numbers contradict.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::model::ProcessExit;
use super::overlap::Phase;
use crate::findings::{Finding, Verdict};

/// A process, as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub pid: i32,
    pub name: String,
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (pid {})", self.name, self.pid)
    }
}

/// How a child that exited was never joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreaped {
    /// Nothing had reaped it when the run ended.
    NotByTheEnd,
    /// It was reaped only after its parent had exited, by mptutor, which
    /// adopts the run's orphans.
    AfterItsParentExited,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotJoined {
    pub process: Named,
    pub how: Unreaped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zombie {
    pub process: Named,
    pub zombie_us: u64,
    /// Whether its parent reaped it in the end (rather than mptutor).
    pub reaped_by_parent: bool,
}

/// Which pool a worker belonged to, by the name `multiprocessing` gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    /// `ForkPoolWorker-N`, `SpawnPoolWorker-N`: a `multiprocessing.Pool`.
    Pool,
    /// `SpawnProcess-N`, `ForkProcess-N` running tasks: a
    /// `concurrent.futures.ProcessPoolExecutor`.
    Executor,
    /// A name that tells neither.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KilledWorker {
    pub process: Named,
    pub signal: String,
}

/// An exception a worker raised: in one or more pool tasks, or ending a
/// `Process`'s `run()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerError {
    pub process: Named,
    /// The task's function; `None` for an exception that ended `run()`.
    pub function: Option<String>,
    /// Its first line, `ValueError: bad input`.
    pub error: String,
    /// Tasks that raised it (1 for a `Process`).
    pub times: u64,
    /// How the process ended, for an exception that ended `run()`.
    pub exit: Option<ProcessExit>,
}

/// What the X-ray of a run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum XrayFinding {
    /// How many of the main program's children ran at the same time, and
    /// in what phases.
    Concurrency {
        children: usize,
        max_at_once: usize,
        phases: Vec<Phase>,
        /// Each child was reaped (joined) before the next one started.
        joined_in_turn: bool,
    },
    /// The CPU the children had while the most of them ran together.
    ProcessesCpu {
        processes: usize,
        together_us: u64,
        cpu_us: u64,
        cores_used: f64,
        machine_cores: usize,
        verdict: Option<Verdict>,
    },
    /// The CPU a process's threads had while they all ran together.
    ThreadsCpu {
        process: Named,
        threads: usize,
        together_us: u64,
        cpu_us: u64,
        cores_used: f64,
        /// Whether every thread's CPU was sampled over time (else each
        /// one's CPU time is taken as spread evenly over its life).
        sampled: bool,
        verdict: Option<Verdict>,
    },
    NeverJoined {
        processes: Vec<NotJoined>,
    },
    Zombies {
        zombies: Vec<Zombie>,
    },
    PoolWorkerKilled {
        pool: PoolKind,
        workers: Vec<KilledWorker>,
        timed_out: bool,
    },
    WorkerExceptions {
        errors: Vec<WorkerError>,
    },
    KilledAtEnd {
        processes: Vec<Named>,
        timed_out: bool,
    },
}

/// The claims the CPU findings judge.
pub const THREADS_CLAIM: &str = "threads of one process take turns on the GIL";
pub const PROCESSES_CLAIM: &str = "processes run in parallel, a core each";

impl XrayFinding {
    /// The sentence a student reads (Markdown), from the figures.
    pub fn text(&self) -> String {
        super::sentence::text(self)
    }

    /// The kind, as `--json` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            XrayFinding::Concurrency { .. } => "concurrency",
            XrayFinding::ProcessesCpu { .. } => "processes_cpu",
            XrayFinding::ThreadsCpu { .. } => "threads_cpu",
            XrayFinding::NeverJoined { .. } => "never_joined",
            XrayFinding::Zombies { .. } => "zombies",
            XrayFinding::PoolWorkerKilled { .. } => "pool_worker_killed",
            XrayFinding::WorkerExceptions { .. } => "worker_exceptions",
            XrayFinding::KilledAtEnd { .. } => "killed_at_end",
        }
    }

    /// The verdict on the claim it judges, if it judges one.
    pub fn verdict(&self) -> Option<&Verdict> {
        match self {
            XrayFinding::ProcessesCpu { verdict, .. } | XrayFinding::ThreadsCpu { verdict, .. } => {
                verdict.as_ref()
            }
            _ => None,
        }
    }

    /// As the findings every demo shows: the claim, its verdict, the text.
    pub fn finding(&self) -> Finding {
        let claim = match self {
            XrayFinding::ProcessesCpu { .. } => PROCESSES_CLAIM,
            XrayFinding::ThreadsCpu { .. } => THREADS_CLAIM,
            _ => return Finding::fact(self.text()),
        };
        match self.verdict() {
            Some(verdict) => Finding::judged(claim, verdict.clone(), self.text()),
            None => Finding::fact(self.text()),
        }
    }
}

impl fmt::Display for XrayFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}
