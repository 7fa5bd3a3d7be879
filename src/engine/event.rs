//! The one stream of events every demo produces.
//!
//! Workers are processes or threads; what they do reaches the caller as
//! [`Event`]s in the order they happened, with times relative to the start
//! of the run. The REPL's live display, `mptutor run --json` and the tests
//! all read the same events, so what a student sees is what the tests check.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Which worker an event is about: its index in the demo, from 0.
pub type WorkerIndex = usize;

/// What a worker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerKind {
    Process,
    Thread,
}

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a worker ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitStatus {
    /// It exited with this code.
    Code(i32),
    /// A signal ended it; the name, e.g. `SIGSEGV`.
    Signal(String),
}

impl ExitStatus {
    pub fn success(&self) -> bool {
        *self == ExitStatus::Code(0)
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exit {code}"),
            ExitStatus::Signal(name) => f.write_str(name),
        }
    }
}

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A worker began running.
    Started {
        worker: WorkerIndex,
        /// Short label used in tags: `P1`, `P2` for processes, `T1` for threads.
        label: Cow<'static, str>,
        /// The name a Python programmer would see: `Process-1`, `Thread-1`.
        name: Cow<'static, str>,
        kind: WorkerKind,
        /// Process id; for a thread, its kernel thread id.
        pid: i32,
        /// The parent's process id (for a thread, the process it lives in).
        ppid: i32,
        t_us: u64,
    },
    /// A worker printed a line (without its newline).
    Line {
        worker: WorkerIndex,
        pid: i32,
        stream: Stream,
        text: String,
        t_us: u64,
    },
    /// A worker ended and, for a process, was reaped.
    Exited {
        worker: WorkerIndex,
        pid: i32,
        status: ExitStatus,
        /// User plus system CPU time.
        cpu_us: u64,
        /// Peak resident memory in KiB (for a thread: of the whole process).
        max_rss_kb: u64,
        t_us: u64,
    },
    /// The demo itself speaking: a phase starting, a finding.
    Note { text: String, t_us: u64 },
    /// How far a long demo has come: `done` of `total` units of work.
    Progress { done: u64, total: u64, t_us: u64 },
}

impl Event {
    /// Microseconds since the demo started.
    pub fn t_us(&self) -> u64 {
        match self {
            Event::Started { t_us, .. }
            | Event::Line { t_us, .. }
            | Event::Exited { t_us, .. }
            | Event::Note { t_us, .. }
            | Event::Progress { t_us, .. } => *t_us,
        }
    }

    /// The worker the event is about, if any.
    pub fn worker(&self) -> Option<WorkerIndex> {
        match self {
            Event::Started { worker, .. }
            | Event::Line { worker, .. }
            | Event::Exited { worker, .. } => Some(*worker),
            Event::Note { .. } | Event::Progress { .. } => None,
        }
    }
}

/// Where a running demo sends its events. The sink also tells the demo
/// when to stop early (Ctrl-C).
pub trait EventSink {
    fn event(&mut self, event: &Event);

    /// The run's timeout falls at `deadline`. A sink that waits of its own
    /// accord stops waiting then: while it waits, the run cannot stop its
    /// workers. (A paced view does not wait in the run: it is replayed
    /// afterwards, see `crate::replay`.)
    fn run_ends_by(&mut self, _deadline: std::time::Instant) {}

    /// True once the user asked to stop; the demo then stops every worker
    /// and returns [`super::EngineError::Interrupted`].
    fn interrupted(&self) -> bool {
        false
    }

    /// Whether the sink shows a Python run's X-ray while the run goes on
    /// (a live view on a terminal does); the run then sends it
    /// [`EventSink::xray_so_far`] a few times a second.
    fn wants_xray(&self) -> bool {
        false
    }

    /// What the X-ray has seen of a Python run so far: every process and
    /// thread announced, with CPU samples up to now (pool tasks are left
    /// out until the end).
    fn xray_so_far(&mut self, _xray: &crate::xray::model::Xray) {}
}

/// A sink that keeps every event, for tests and for rendering afterwards.
#[derive(Debug, Default)]
pub struct Recorder {
    pub events: Vec<Event>,
}

impl EventSink for Recorder {
    fn event(&mut self, event: &Event) {
        self.events.push(event.clone());
    }
}
