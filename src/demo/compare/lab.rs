//! What every experiment works with: the demo's context, worker numbers
//! that stay unique across rows, each worker's CPU time, and a filter for
//! big batches.
//!
//! Starting 200 processes makes 400 events; shown one per line they would
//! push everything else off the screen. While a limit is set
//! ([`Lab::show_first`]), only the first few workers of the batch reach the
//! live view, and the experiment says how many more there were. The filter
//! sits between the experiments' context and the demo's, the way
//! `cpu_speedup` listens in on its events: both contexts start together,
//! so their clocks agree. On the way it notes the CPU time each worker's
//! `Exited` event reports, shown or not.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::demo::context::{DemoContext, DemoError};
use crate::demo::event::{Event, EventSink, WorkerIndex};

/// Which workers' events are let through.
#[derive(Debug, Default)]
struct Shown {
    /// Show at most this many workers from now on; `None`: all of them.
    limit: Cell<Option<usize>>,
    /// Workers admitted since the limit was set.
    admitted: RefCell<BTreeSet<WorkerIndex>>,
    /// Workers started but not shown since the limit was set.
    hidden: Cell<usize>,
}

impl Shown {
    fn admits(&self, event: &Event) -> bool {
        let (Some(limit), Some(worker)) = (self.limit.get(), event.worker()) else {
            return true;
        };
        let mut admitted = self.admitted.borrow_mut();
        if admitted.contains(&worker) {
            return true;
        }
        if matches!(event, Event::Started { .. }) {
            if admitted.len() < limit {
                admitted.insert(worker);
                return true;
            }
            self.hidden.set(self.hidden.get() + 1);
        }
        false
    }
}

/// CPU time (user + system, in µs) of every worker that has exited.
type CpuTimes = RefCell<BTreeMap<WorkerIndex, u64>>;

/// Passes the experiments' events on to the demo's sink, filtered.
struct Filter<'t, 'c, 's> {
    demo: &'c mut DemoContext<'s>,
    shown: &'t Shown,
    cpu: &'t CpuTimes,
}

impl EventSink for Filter<'_, '_, '_> {
    fn event(&mut self, event: &Event) {
        if let Event::Exited { worker, cpu_us, .. } = event {
            self.cpu.borrow_mut().insert(*worker, *cpu_us);
        }
        if self.shown.admits(event) {
            self.demo.emit(event.clone());
        }
    }

    fn interrupted(&self) -> bool {
        self.demo.interrupted()
    }
}

/// The bench every experiment runs on.
pub struct Lab<'c, 's> {
    pub ctx: &'c mut DemoContext<'s>,
    shown: &'c Shown,
    cpu: &'c CpuTimes,
    next_worker: WorkerIndex,
}

/// Runs `body` with a lab over `ctx`.
pub(super) fn with_lab<T>(
    ctx: &mut DemoContext<'_>,
    body: impl FnOnce(&mut Lab<'_, '_>) -> Result<T, DemoError>,
) -> Result<T, DemoError> {
    let shown = Shown::default();
    let cpu = CpuTimes::default();
    let (start_method, remaining) = (ctx.start_method, ctx.remaining());
    let mut filter = Filter {
        demo: ctx,
        shown: &shown,
        cpu: &cpu,
    };
    let mut inner = DemoContext::new(&mut filter, start_method, remaining);
    let mut lab = Lab {
        ctx: &mut inner,
        shown: &shown,
        cpu: &cpu,
        next_worker: 0,
    };
    let outcome = body(&mut lab);
    let timed_out = inner.timed_out;
    drop(inner);
    filter.demo.timed_out |= timed_out;
    outcome
}

impl Lab<'_, '_> {
    /// Numbers for `count` new workers.
    pub fn workers(&mut self, count: usize) -> Range<WorkerIndex> {
        let first = self.next_worker;
        self.next_worker += count;
        first..self.next_worker
    }

    /// The CPU time the `workers` used, added up, from their `Exited`
    /// events (the kernel's rusage for a process, the thread's own clock
    /// for a thread).
    pub fn cpu_us(&self, workers: Range<WorkerIndex>) -> u64 {
        let cpu = self.cpu.borrow();
        workers.filter_map(|worker| cpu.get(&worker)).sum()
    }

    /// From now on, show only the first `count` workers that start.
    pub fn show_first(&mut self, count: usize) {
        self.shown.limit.set(Some(count));
        self.shown.admitted.borrow_mut().clear();
        self.shown.hidden.set(0);
    }

    /// Shows every worker again; returns how many were left out since
    /// [`Lab::show_first`].
    pub fn show_all(&mut self) -> usize {
        self.shown.limit.set(None);
        self.shown.hidden.replace(0)
    }

    /// [`Lab::show_all`], saying how many `what` ("processes") were not
    /// shown.
    pub fn show_all_counting(&mut self, what: &str) {
        let hidden = self.show_all();
        if hidden > 0 {
            self.ctx.note(format!(
                "({hidden} more {what} ran the same way, not shown)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::event::{ExitStatus, WorkerKind};

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
            cpu_us: 0,
            max_rss_kb: 0,
            t_us: 0,
        }
    }

    #[test]
    fn a_limit_lets_through_the_first_workers_whole_and_counts_the_rest() {
        let shown = Shown::default();
        shown.limit.set(Some(2));
        let seen: Vec<bool> = [started(0), started(1), started(2), exited(0), exited(2)]
            .iter()
            .map(|event| shown.admits(event))
            .collect();
        assert_eq!(seen, [true, true, false, true, false]);
        assert_eq!(shown.hidden.get(), 1);
        let note = Event::Note {
            text: String::new(),
            t_us: 0,
        };
        assert!(shown.admits(&note));
    }
}
