//! What one run of the engine carries: its clock, its deadline, its start
//! method, the numbers of its workers, what they have reported, and the
//! sink its events go to.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::{Duration, Instant};

pub use super::error::EngineError;
pub use super::start_method::StartMethod;

use super::event::{Event, EventSink, ExitStatus, WorkerIndex};
use super::forkserver::ForkServer;
use super::interrupt;
use super::task::{Bodies, monotonic_ns};

/// How a worker ended, as its `Exited` event said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerExit {
    pub status: ExitStatus,
    pub cpu_us: u64,
    pub max_rss_kb: u64,
    pub t_us: u64,
}

/// How a worker began, as its `Started` event said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerStart {
    pub pid: i32,
    /// Its parent: mptutor, or the fork server that forked it.
    pub ppid: i32,
    pub name: String,
    pub t_us: u64,
}

/// A line a worker printed, kept for the run to read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedLine {
    pub worker: WorkerIndex,
    pub pid: i32,
    pub text: String,
    /// When it was written, where the worker stamped it; else when read.
    pub t_us: u64,
}

/// Which workers' events reach the sink: all, or only the first few of a
/// big batch (200 processes would drown the live view).
#[derive(Debug, Default)]
struct Shown {
    /// Show at most this many workers from now on; `None`: all of them.
    limit: Option<usize>,
    /// Workers admitted since the limit was set.
    admitted: BTreeSet<WorkerIndex>,
    /// Workers started but not shown since the limit was set.
    hidden: usize,
}

impl Shown {
    fn admits(&mut self, event: &Event) -> bool {
        let (Some(limit), Some(worker)) = (self.limit, event.worker()) else {
            return true;
        };
        if self.admitted.contains(&worker) {
            return true;
        }
        if matches!(event, Event::Started { .. }) {
            if self.admitted.len() < limit {
                self.admitted.insert(worker);
                return true;
            }
            self.hidden += 1;
        }
        false
    }
}

/// Most lines a run keeps for itself between two `take_recorded` calls.
const MAX_RECORDED: usize = 100_000;

/// One run's shared state.
pub struct RunContext<'s> {
    started: Instant,
    /// `started` on the CLOCK_MONOTONIC clock workers stamp lines with.
    started_ns: u64,
    deadline: Instant,
    sink: &'s mut dyn EventSink,
    pub start_method: StartMethod,
    /// Set once the timeout passed; workers are then stopped.
    pub timed_out: bool,
    /// Lines kept for the run itself to read (see `start_recording`).
    recorded: Option<Vec<RecordedLine>>,
    /// The bodies the fork server finds by name.
    bodies: Bodies,
    next_worker: WorkerIndex,
    /// The numbers the last [`RunContext::workers`] call gave out.
    batch: Range<WorkerIndex>,
    /// The first worker number of the demo's current run (see
    /// [`RunContext::new_run`]): labels count from it.
    run_start: WorkerIndex,
    shown: Shown,
    starts: BTreeMap<WorkerIndex, WorkerStart>,
    exits: BTreeMap<WorkerIndex, WorkerExit>,
    /// The run's fork server, once a `forkserver` worker was asked for;
    /// stopped when the run ends.
    fork_server: Option<ForkServer>,
}

impl<'s> RunContext<'s> {
    pub fn new(sink: &'s mut dyn EventSink, start_method: StartMethod, timeout: Duration) -> Self {
        let started = Instant::now();
        let deadline = started + timeout;
        sink.run_ends_by(deadline);
        RunContext {
            started,
            started_ns: monotonic_ns(),
            deadline,
            sink,
            start_method,
            timed_out: false,
            recorded: None,
            bodies: &[],
            next_worker: 0,
            batch: 0..0,
            run_start: 0,
            shown: Shown::default(),
            starts: BTreeMap::new(),
            exits: BTreeMap::new(),
            fork_server: None,
        }
    }

    /// The bodies the fork server may be asked to run, found by name
    /// (none until given: a forked worker runs its body directly, and a
    /// spawned one looks it up in the binary's own list).
    pub fn with_bodies(mut self, bodies: Bodies) -> Self {
        self.bodies = bodies;
        self
    }

    pub fn bodies(&self) -> Bodies {
        self.bodies
    }

    /// The run's fork server: started on the first call, from this
    /// single-threaded process, and announced once.
    pub fn fork_server(&mut self) -> Result<&ForkServer, EngineError> {
        if self.fork_server.is_none() {
            let server = ForkServer::start(self.bodies)?;
            let (server_pid, own) = (server.pid(), std::process::id());
            self.fork_server = Some(server);
            self.note(format!(
                "the fork server (pid {server_pid}, parent mptutor, pid {own}) started: it forks \
                 every worker of this run, and reaps each one"
            ));
        }
        self.fork_server
            .as_ref()
            .ok_or_else(|| EngineError::Refused("the fork server did not start".into()))
    }

    /// The fork server's pid, once it has started.
    pub fn fork_server_pid(&self) -> Option<i32> {
        self.fork_server
            .as_ref()
            .map(|server| server.pid().as_raw())
    }

    /// Microseconds since the run started.
    pub fn t_us(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// The run's start on the CLOCK_MONOTONIC clock, in nanoseconds.
    pub fn started_ns(&self) -> u64 {
        self.started_ns
    }

    /// The run's time of a CLOCK_MONOTONIC instant (a stamped line).
    pub fn t_us_of_monotonic(&self, ns: u64) -> u64 {
        ns.saturating_sub(self.started_ns) / 1_000
    }

    /// Numbers for `count` new workers, unique in this run.
    pub fn workers(&mut self, count: usize) -> Range<WorkerIndex> {
        let first = self.next_worker;
        self.next_worker += count;
        self.batch = first..self.next_worker;
        first..self.next_worker
    }

    /// Starts a new run of a demo that runs several times (q6's
    /// `repeat=5`, q1's 1, 2 and 4 processes): the workers started from
    /// now on are labelled from `P1` again, as Python names them from
    /// `Process-1` again in each run, so `P1` is always `Process-1`.
    pub fn new_run(&mut self) {
        self.run_start = self.next_worker;
    }

    /// Worker `index`'s place in its run, from 0: what its label counts.
    pub fn place_in_run(&self, index: WorkerIndex) -> usize {
        index.checked_sub(self.run_start).unwrap_or(index)
    }

    /// `process 3 of 4`: worker `index` by its place among the numbers
    /// the last [`RunContext::workers`] call gave out, for messages; a
    /// worker outside them by its number alone.
    pub fn worker_place(&self, noun: &str, index: WorkerIndex) -> String {
        if self.batch.contains(&index) {
            let place = index - self.batch.start + 1;
            format!("{noun} {place} of {}", self.batch.len())
        } else {
            format!("{noun} {}", index + 1)
        }
    }

    pub fn emit(&mut self, event: Event) {
        match &event {
            Event::Line {
                worker,
                pid,
                text,
                t_us,
                ..
            } => {
                if let Some(recorded) = &mut self.recorded
                    && recorded.len() < MAX_RECORDED
                {
                    recorded.push(RecordedLine {
                        worker: *worker,
                        pid: *pid,
                        text: text.clone(),
                        t_us: *t_us,
                    });
                }
            }
            Event::Started {
                worker,
                pid,
                ppid,
                name,
                t_us,
                ..
            } => {
                self.starts.insert(
                    *worker,
                    WorkerStart {
                        pid: *pid,
                        ppid: *ppid,
                        name: name.to_string(),
                        t_us: *t_us,
                    },
                );
            }
            Event::Exited {
                worker,
                status,
                cpu_us,
                max_rss_kb,
                t_us,
                ..
            } => {
                self.exits.insert(
                    *worker,
                    WorkerExit {
                        status: status.clone(),
                        cpu_us: *cpu_us,
                        max_rss_kb: *max_rss_kb,
                        t_us: *t_us,
                    },
                );
            }
            _ => {}
        }
        if self.shown.admits(&event) {
            self.sink.event(&event);
        }
    }

    /// How a worker of this run began.
    pub fn start_of(&self, worker: WorkerIndex) -> Option<&WorkerStart> {
        self.starts.get(&worker)
    }

    /// How a worker of this run ended, once it has.
    pub fn exit(&self, worker: WorkerIndex) -> Option<&WorkerExit> {
        self.exits.get(&worker)
    }

    /// The CPU time the `workers` used, added up, from their `Exited`
    /// events (the kernel's rusage for a process, the thread's own clock
    /// for a thread).
    pub fn cpu_us(&self, workers: Range<WorkerIndex>) -> u64 {
        workers
            .filter_map(|worker| self.exits.get(&worker))
            .map(|exit| exit.cpu_us)
            .sum()
    }

    /// From now on, keep every worker line for the run to read back.
    pub fn start_recording(&mut self) {
        self.recorded = Some(Vec::new());
    }

    /// The lines kept since `start_recording`, which stops recording:
    /// who printed each, and what.
    pub fn take_recorded(&mut self) -> Vec<(WorkerIndex, String)> {
        self.take_recorded_lines()
            .into_iter()
            .map(|line| (line.worker, line.text))
            .collect()
    }

    /// The same, with each line's pid and time.
    pub fn take_recorded_lines(&mut self) -> Vec<RecordedLine> {
        self.recorded.take().unwrap_or_default()
    }

    /// From now on, show only the first `count` workers that start.
    pub fn show_first(&mut self, count: usize) {
        self.shown = Shown {
            limit: Some(count),
            ..Shown::default()
        };
    }

    /// Shows every worker again; returns how many were left out since
    /// [`RunContext::show_first`].
    pub fn show_all(&mut self) -> usize {
        std::mem::take(&mut self.shown).hidden
    }

    /// [`RunContext::show_all`], saying how many `what` ("processes") were
    /// not shown.
    pub fn show_all_counting(&mut self, what: &str) {
        let hidden = self.show_all();
        if hidden > 0 {
            self.note(format!(
                "({hidden} more {what} ran the same way, not shown)"
            ));
        }
    }

    /// The run narrates: a phase begins, a finding.
    pub fn note(&mut self, text: impl Into<String>) {
        let event = Event::Note {
            text: text.into(),
            t_us: self.t_us(),
        };
        self.emit(event);
    }

    /// Reports how much of a long run is done (drives a progress bar).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{Recorder, WorkerKind};

    #[test]
    fn labels_count_from_the_start_of_each_run() {
        let mut recorder = Recorder::default();
        let mut ctx = RunContext::new(&mut recorder, StartMethod::Fork, Duration::from_secs(5));
        ctx.new_run();
        let first = ctx.workers(4);
        ctx.new_run();
        let second = ctx.workers(4);
        assert_eq!(ctx.place_in_run(second.start), 0);
        assert_eq!(ctx.place_in_run(second.end - 1), 3);
        assert!(first.start != second.start, "worker numbers stay unique");
        // Without `new_run`, numbers go on counting.
        let third = ctx.workers(2);
        assert_eq!(ctx.place_in_run(third.start), 4);
    }

    fn started(worker: WorkerIndex) -> Event {
        Event::Started {
            worker,
            label: format!("P{}", worker + 1).into(),
            name: "".into(),
            kind: WorkerKind::Process,
            pid: 1,
            ppid: 1,
            t_us: 0,
        }
    }

    fn exited(worker: WorkerIndex) -> Event {
        Event::Exited {
            worker,
            pid: 1,
            status: ExitStatus::Code(0),
            cpu_us: 7,
            max_rss_kb: 0,
            t_us: 0,
        }
    }

    #[test]
    fn a_limit_lets_through_the_first_workers_whole_and_counts_the_rest() {
        let mut recorder = Recorder::default();
        let mut ctx = RunContext::new(&mut recorder, StartMethod::Fork, Duration::from_secs(1));
        ctx.show_first(2);
        for event in [started(0), started(1), started(2), exited(0), exited(2)] {
            ctx.emit(event);
        }
        ctx.note("seen");
        // Hidden workers still count: their CPU time is known.
        assert_eq!(ctx.cpu_us(0..3), 14);
        assert_eq!(ctx.show_all(), 1);
        drop(ctx);
        let workers: Vec<Option<WorkerIndex>> = recorder.events.iter().map(Event::worker).collect();
        assert_eq!(workers, [Some(0), Some(1), Some(0), None]);
    }

    #[test]
    fn worker_numbers_are_unique_in_a_run() {
        let mut recorder = Recorder::default();
        let mut ctx = RunContext::new(&mut recorder, StartMethod::Fork, Duration::from_secs(1));
        assert_eq!(ctx.workers(3), 0..3);
        assert_eq!(ctx.workers(2), 3..5);
    }

    #[test]
    fn start_methods_are_named_as_python_names_them() {
        for method in StartMethod::ALL {
            assert_eq!(StartMethod::from_name(method.name()), Some(method));
            let json = serde_json::to_string(&method).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", method.name()));
        }
    }
}
