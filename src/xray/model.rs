//! The X-ray of one Python run, as facts: what ran, when, for how long,
//! on how much CPU, and how it ended. Times are microseconds from the
//! start of the run, as in the engine's events. Built by the collector
//! while the run goes on; read by the live view, the summary, the
//! findings and `--json`, so all of them show the same run.

use serde::{Deserialize, Serialize};

pub use super::wire::Role;

/// How a process ended, as `--json` writes it: `{"code": 0}` or
/// `{"signal": "SIGKILL"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessExit {
    Code(i32),
    Signal(String),
}

/// One process of the run: the interpreter, and everything it started
/// (Python or not) that mptutor saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XrayProcess {
    pub pid: i32,
    pub ppid: i32,
    /// `current_process().name` (`Process-1`, `ForkPoolWorker-2`); for a
    /// process that runs no Python, its command name from `/proc`.
    pub name: String,
    pub role: Role,
    /// `fork`, `spawn` or `forkserver`, for a process `multiprocessing`
    /// started.
    pub start_method: Option<String>,
    /// Whether the run's `sitecustomize` reported it (a Python process),
    /// rather than mptutor finding it in `/proc` alone.
    pub python: bool,
    pub start_us: u64,
    /// When it exited (its pidfd said so); `None`: still running when the
    /// run ended, and killed by mptutor then.
    pub end_us: Option<u64>,
    /// When its parent (or, for an orphan, mptutor's keeper) reaped it.
    /// From `end_us` until then it was a zombie.
    pub reaped_us: Option<u64>,
    pub exit: Option<ProcessExit>,
    /// User plus system CPU time, the last time it was sampled.
    pub cpu_us: u64,
    /// Peak resident memory (`VmHWM`), the last time it was sampled.
    pub peak_rss_kb: u64,
    /// How long it was a zombie: from its exit to its reaping, or to the
    /// end of the run when nothing reaped it.
    pub zombie_us: Option<u64>,
    /// Still running when the run ended (timeout, or left behind by the
    /// program), so mptutor killed it.
    pub killed_at_end: bool,
    /// The exception that ended its `run()`, when one did.
    pub exception: Option<String>,
}

/// One thread of a process of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XrayThread {
    pub pid: i32,
    /// The kernel's thread id (`threading.get_native_id()`); the main
    /// thread's is the pid.
    pub tid: i32,
    /// `MainThread`, `Thread-1 (work)`; a thread Python did not start
    /// (one of a C library's) has its `/proc` comm name.
    pub name: String,
    pub start_us: u64,
    pub end_us: Option<u64>,
    pub cpu_us: u64,
}

/// One pool task: a chunk of a `map` (or one `apply_async` call) as the
/// worker that ran it saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XrayTask {
    /// The worker process.
    pub pid: i32,
    pub function: String,
    pub items: u64,
    pub start_us: u64,
    pub end_us: u64,
    pub ok: bool,
    pub error: Option<String>,
}

/// A thread's CPU time, sampled from `/proc/<pid>/task/<tid>/stat` (or
/// `schedstat`, which counts in nanoseconds) while the run went on:
/// cumulative, so the use between two samples is their difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuSeries {
    pub pid: i32,
    pub tid: i32,
    /// `(t_us, cpu_us)` pairs, in time order.
    pub points: Vec<(u64, u64)>,
}

/// Everything the X-ray saw of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Xray {
    /// In order of appearance; the interpreter first.
    pub processes: Vec<XrayProcess>,
    pub threads: Vec<XrayThread>,
    pub tasks: Vec<XrayTask>,
    pub cpu: Vec<CpuSeries>,
    /// From the interpreter's start until it and everything it left were
    /// gone.
    pub wall_us: u64,
    pub timed_out: bool,
    /// Samples taken per second of the run, on average.
    pub samples_per_s: f64,
    /// What the X-ray could not see, in words: a hook switched off on this
    /// Python, records that could not be read.
    pub notes: Vec<String>,
}

impl Xray {
    pub fn process(&self, pid: i32) -> Option<&XrayProcess> {
        self.processes.iter().find(|process| process.pid == pid)
    }

    /// The interpreter mptutor started.
    pub fn main(&self) -> Option<&XrayProcess> {
        self.processes
            .iter()
            .find(|process| process.role == Role::Main)
            .or_else(|| self.processes.first())
    }
}
