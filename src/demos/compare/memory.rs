//! Memory row (and Mechanism): four workers each add 1000 to a counter
//! that existed before they started. Four child processes each change
//! their own copy, so mptutor's counter is still 0 afterwards; four threads
//! change the one counter, which ends at 4000. Along the way the pids are
//! counted: a process each, one for all the threads.
//!
//! The counter is a `static` of mptutor, like a Python global: a forked
//! child starts with the parent's value, on a page the two share
//! copy-on-write until the child's first add copies it (a spawned child
//! starts with a fresh 0), and every
//! thread of mptutor sees the same one. It is behind a lock, as in the
//! lesson's Python program, so the threads' total is exact.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use super::{Aspect, Cell, Judged};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Task, WorkerBody, bad_args};
use crate::engine::threads::{Job, run_threads};
use crate::findings::{Finding, Verdict, words};

/// The counter every worker adds to.
static COUNTER: Mutex<u64> = Mutex::new(0);

const WORKERS: usize = 4;
const ADDS: u64 = 1000;

/// What the memory experiment measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryResult {
    /// Workers of each kind.
    pub workers: usize,
    /// What each worker added.
    pub adds: u64,
    pub parent_pid: i32,
    /// Children that said their copy went from 0 to `adds`.
    pub children_from_zero: usize,
    /// mptutor's counter after the processes were joined.
    pub after_processes: u64,
    /// The same counter after the threads were joined.
    pub after_threads: u64,
    /// Different pids among the processes.
    pub process_pids: usize,
    /// Different pids the threads ran in.
    pub thread_pids: usize,
}

const COPIES: &str = "a child changes its own copy; threads change the one shared counter";
const MECHANISM: &str = "each process is an OS process of its own; threads run inside one";

impl MemoryResult {
    fn shared_total(&self) -> u64 {
        self.adds * self.workers as u64
    }

    fn copies_verdict(&self) -> Verdict {
        Verdict::of(
            self.after_processes == 0
                && self.children_from_zero == self.workers
                && self.after_threads == self.shared_total(),
        )
    }

    fn mechanism_verdict(&self) -> Verdict {
        Verdict::of(self.process_pids == self.workers && self.thread_pids == 1)
    }

    fn counters(&self) -> Cell {
        Cell::judged(
            format!(
                "{} vs {}",
                words::grouped(self.after_processes),
                words::grouped(self.after_threads)
            ),
            self.copies_verdict(),
        )
    }

    fn pids(&self) -> Cell {
        Cell::judged(
            format!("{} vs {}", pids(self.process_pids), pids(self.thread_pids)),
            self.mechanism_verdict(),
        )
    }
}

/// `4 pids`, `1 pid`.
fn pids(count: usize) -> String {
    words::count(count as u64, "pid", "pids")
}

impl Judged for MemoryResult {
    fn findings(&self) -> Vec<Finding> {
        let n = self.workers;
        let copies = match self.copies_verdict() {
            Verdict::Holds => format!(
                "{} each took their copy of the counter from 0 to {}, and mptutor's own counter \
                 was still {} afterwards; {} adding {} each to the one shared counter left it at {}.",
                words::count(n as u64, "child process", "child processes"),
                words::grouped(self.adds),
                words::grouped(self.after_processes),
                words::threads(n),
                words::grouped(self.adds),
                words::grouped(self.after_threads),
            ),
            _ => format!(
                "mptutor's counter should have stayed 0 while {} added to their copies, and \
                 reached {} once {} had added to the shared one: it was {} and {}, and {} of {} \
                 children took their copy from 0 to {}. A worker that could not start or was \
                 stopped early does this; type `compare memory` to measure again.",
                words::count(n as u64, "child process", "child processes"),
                words::grouped(self.shared_total()),
                words::threads(n),
                words::grouped(self.after_processes),
                words::grouped(self.after_threads),
                self.children_from_zero,
                n,
                words::grouped(self.adds),
            ),
        };
        let mechanism = match self.mechanism_verdict() {
            Verdict::Holds => format!(
                "The {} had {}, one each; the {} all ran in {}, mptutor's ({}).",
                words::processes(n),
                pids(self.process_pids),
                words::threads(n),
                pids(self.thread_pids),
                self.parent_pid
            ),
            _ => format!(
                "The {} had {} and the {} ran in {}, where {} and 1 were expected: a process \
                 that did not start has no pid to count. Type `compare memory` to measure again.",
                words::processes(n),
                pids(self.process_pids),
                words::threads(n),
                pids(self.thread_pids),
                pids(n),
            ),
        };
        vec![
            Finding::judged(COPIES, self.copies_verdict(), copies),
            Finding::judged(MECHANISM, self.mechanism_verdict(), mechanism),
        ]
    }

    fn cell(&self) -> Cell {
        Cell::join([self.counters(), self.pids()])
    }

    fn aspect_cell(&self, aspect: Aspect) -> Cell {
        match aspect {
            Aspect::Mechanism => self.pids(),
            _ => self.counters(),
        }
    }
}

fn counter() -> MutexGuard<'static, u64> {
    // A panicking holder cannot leave a half-written u64 behind.
    COUNTER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Adds one, `times` times, taking the lock each time; returns the value
/// after the last addition.
fn add(times: u64) -> u64 {
    let mut last = 0;
    for _ in 0..times {
        let mut value = counter();
        *value += 1;
        last = *value;
    }
    last
}

/// `add-to-counter NAME TIMES`, in a worker process: adds to this
/// process's copy of the counter and says what it saw.
pub static ADD_TO_COUNTER: WorkerBody = WorkerBody {
    name: "add-to-counter",
    run: |args: &Args<'_>| match (args.text(0), args.uint(1)) {
        (Some(name), Some(times)) => add_to_own_copy(&name, times),
        _ => bad_args("add-to-counter", args),
    },
};

fn add_to_own_copy(name: &str, times: u64) -> i32 {
    let before = *counter();
    let after = add(times);
    let said = crate::engine::task::write_line(format_args!(
        "{name} (pid {}): my copy of the counter went from {before} to {after}",
        std::process::id()
    ));
    i32::from(said.is_err())
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<MemoryResult, EngineError> {
    *counter() = 0;
    let me = std::process::id();
    ctx.note(format!(
        "mptutor (pid {me}) sets its counter to 0, then starts {WORKERS} processes that each add {ADDS} to it"
    ));
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    let mut process_pids = BTreeSet::new();
    for (slot, index) in ctx.workers(WORKERS).enumerate() {
        let name = format!("Process-{}", slot + 1);
        let task = Task::new(&ADD_TO_COUNTER).text(name.clone()).uint(ADDS);
        process_pids.insert(
            group
                .spawn(ctx, index, name.clone(), &task, false)?
                .as_raw(),
        );
    }
    group.wait_all(ctx)?;
    let children_from_zero = ctx
        .take_recorded()
        .iter()
        .filter(|(_, line)| line.ends_with(&format!("from 0 to {ADDS}")))
        .count();
    let after_processes = *counter();
    ctx.note(format!(
        "after join(), mptutor's counter is {after_processes}"
    ));

    *counter() = 0;
    ctx.note(format!(
        "now {WORKERS} threads of mptutor each add {ADDS} to the same counter"
    ));
    let thread_pids = Mutex::new(BTreeSet::new());
    let jobs: Vec<Job<'_>> = (0..WORKERS)
        .map(|slot| {
            let thread_pids = &thread_pids;
            Box::new(move |voice: &crate::engine::threads::Voice<'_>| {
                let pid = std::process::id();
                if let Ok(mut pids) = thread_pids.lock() {
                    pids.insert(pid);
                }
                let after = add(ADDS);
                voice.say(format!(
                    "Thread-{} (tid {}, in pid {pid}) added {ADDS}: the shared counter is now {after}",
                    slot + 1,
                    voice.tid()
                ));
            }) as Job<'_>
        })
        .collect();
    run_threads(ctx, jobs)?;
    let after_threads = *counter();
    ctx.note(format!(
        "after join(), mptutor's counter is {after_threads}"
    ));
    Ok(MemoryResult {
        workers: WORKERS,
        adds: ADDS,
        parent_pid: i32::try_from(me).unwrap_or(0),
        children_from_zero,
        after_processes,
        after_threads,
        process_pids: process_pids.len(),
        thread_pids: thread_pids.into_inner().map_or(0, |pids| pids.len()),
    })
}
