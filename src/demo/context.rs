//! What a running demo carries: its clock, its deadline, its parameters'
//! start method, and the sink its events go to.

use std::time::{Duration, Instant};

use super::event::{Event, EventSink, WorkerIndex};
use super::interrupt;

/// How process workers start, as in Python's `multiprocessing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMethod {
    /// A copy of mptutor made by `fork()`, running the task at once.
    Fork,
    /// `fork()` then `exec()` of the mptutor binary as a fresh worker.
    Spawn,
}

impl StartMethod {
    pub fn name(self) -> &'static str {
        match self {
            StartMethod::Fork => "fork",
            StartMethod::Spawn => "spawn",
        }
    }
}

/// Why a demo stopped before finishing.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("stopped: Ctrl-C")]
    Interrupted,
    #[error("{0}")]
    Os(String),
}

impl From<std::io::Error> for DemoError {
    fn from(error: std::io::Error) -> Self {
        DemoError::Os(error.to_string())
    }
}

impl From<nix::Error> for DemoError {
    fn from(error: nix::Error) -> Self {
        DemoError::Os(error.desc().to_string())
    }
}

/// The running demo's shared state.
pub struct DemoContext<'s> {
    started: Instant,
    deadline: Instant,
    sink: &'s mut dyn EventSink,
    pub start_method: StartMethod,
    /// Set once the timeout passed; workers are then stopped.
    pub timed_out: bool,
    /// Lines kept for the demo itself to read (see `start_recording`).
    recorded: Option<Vec<(WorkerIndex, String)>>,
}

/// Most lines a demo keeps for itself between two `take_recorded` calls.
const MAX_RECORDED: usize = 100_000;

impl<'s> DemoContext<'s> {
    pub fn new(sink: &'s mut dyn EventSink, start_method: StartMethod, timeout: Duration) -> Self {
        let started = Instant::now();
        DemoContext {
            started,
            deadline: started + timeout,
            sink,
            start_method,
            timed_out: false,
            recorded: None,
        }
    }

    /// Microseconds since the demo started.
    pub fn t_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    pub fn emit(&mut self, event: Event) {
        if let (Some(recorded), Event::Line { worker, text, .. }) = (&mut self.recorded, &event)
            && recorded.len() < MAX_RECORDED
        {
            recorded.push((*worker, text.clone()));
        }
        self.sink.event(&event);
    }

    /// From now on, keep every worker line for the demo to read back.
    pub fn start_recording(&mut self) {
        self.recorded = Some(Vec::new());
    }

    /// The lines kept since `start_recording`, which stops recording.
    pub fn take_recorded(&mut self) -> Vec<(WorkerIndex, String)> {
        self.recorded.take().unwrap_or_default()
    }

    /// The demo narrates: a phase begins, a finding.
    pub fn note(&mut self, text: impl Into<String>) {
        let event = Event::Note {
            text: text.into(),
            t_us: self.t_us(),
        };
        self.emit(event);
    }

    /// Reports how much of a long demo is done (drives a progress bar).
    pub fn progress(&mut self, done: u64, total: u64) {
        let event = Event::Progress {
            done,
            total,
            t_us: self.t_us(),
        };
        self.emit(event);
    }

    /// Time left before the timeout.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// True when the user pressed Ctrl-C (or the sink asks to stop).
    pub fn interrupted(&self) -> bool {
        interrupt::requested() || self.sink.interrupted()
    }
}
