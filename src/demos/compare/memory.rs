//! Memory row: four workers each add 1000 to a counter that existed before
//! they started. Four child processes each change their own copy, so
//! mptutor's counter is still 0 afterwards; four threads change the one
//! counter, which ends at 4000.
//!
//! The counter is a `static` of mptutor, like a Python global: a forked
//! child starts with a copy of it (a spawned one with a fresh 0), and every
//! thread of mptutor sees the same one. It is behind a lock, as in the
//! lesson's Python program, so the threads' total is exact.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use super::{Measurement, RowResult};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Task, WorkerBody, bad_args};
use crate::engine::threads::{Job, run_threads};

/// The counter every worker adds to.
static COUNTER: Mutex<u64> = Mutex::new(0);

const WORKERS: usize = 4;
const ADDS: u64 = 1000;

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

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
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
    let copies_counted = ctx
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
    let thread_pids = thread_pids.into_inner().unwrap_or_default();

    let expected = ADDS * WORKERS as u64;
    let agrees = after_processes == 0 && after_threads == expected;
    let finding = format!(
        "{copies_counted} of {WORKERS} child processes took their copy of the counter from 0 to {ADDS}, \
         and mptutor's own counter was still {after_processes} afterwards; {WORKERS} threads adding \
         to the one shared counter left it at {after_threads}. The processes had {} different pids; \
         the threads all ran in mptutor's pid, {me}.",
        process_pids.len()
    );
    Ok(RowResult {
        row: super::Row::Memory,
        measurements: vec![
            Measurement::new("processes_counter", after_processes as f64, "count"),
            Measurement::new("threads_counter", after_threads as f64, "count"),
            Measurement::new("children_counted_own_copy", copies_counted as f64, "count"),
            Measurement::new(
                "processes_distinct_pids",
                process_pids.len() as f64,
                "count",
            ),
            Measurement::new("threads_distinct_pids", thread_pids.len() as f64, "count"),
        ],
        agrees: Some(agrees),
        summary: format!("{after_processes} vs {after_threads}"),
        finding,
    })
}
