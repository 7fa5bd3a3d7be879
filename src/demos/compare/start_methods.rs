//! Start-methods row: what it costs to start a worker process by `fork`
//! and by `spawn`.
//!
//! `fork` makes the child a copy of mptutor, ready to run at once; `spawn`
//! forks and then executes the mptutor binary afresh (`mptutor worker …`),
//! which must load, start up and read its task from its arguments, as a
//! spawned Python child boots an interpreter and imports the main module.
//! Each worker is started and joined before the next, so the figure is the
//! cost of one start, not of many overlapping, and the median of the
//! starts is kept, so a moment when another program held the CPU does not
//! decide the row. A worker is timed from the
//! start until it has run and exited (its pipes close), not until it is
//! reaped: how soon the engine's poll loop gets round to reaping is not a
//! cost of the start method.

use std::time::{Duration, Instant};

use super::{Measurement, Row, RowResult, micros, ratio, times_word};
use crate::engine::context::RunContext;
use crate::engine::context::{EngineError, StartMethod};
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::render::format_us;

const STARTS: usize = 10;
const SHOWN: usize = 1;

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
    let fork = per_start(ctx, StartMethod::Fork)?;
    let spawn = per_start(ctx, StartMethod::Spawn)?;
    let times = ratio(spawn, fork);
    let show = |us: f64| format_us(us.round() as u64);
    Ok(RowResult {
        row: Row::StartMethods,
        measurements: vec![
            Measurement::new("starts", STARTS as f64, "count"),
            Measurement::new("fork_us_per_start", fork.round(), "us"),
            Measurement::new("spawn_us_per_start", spawn.round(), "us"),
            Measurement::new("ratio", (times * 10.0).round() / 10.0, "x"),
        ],
        agrees: Some(spawn > fork),
        summary: format!(
            "fork {}, spawn {} ({})",
            show(fork),
            show(spawn),
            times_word(times)
        ),
        finding: format!(
            "Starting and joining a worker took {} by fork and {} by spawn ({} as long): a forked \
             child is ready the moment it exists, while a spawned one must start the program \
             again and be told what to do.",
            show(fork),
            show(spawn),
            times_word(times)
        ),
    })
}

/// Starts and joins [`STARTS`] workers one at a time by `method`; returns
/// the median microseconds per worker.
fn per_start(ctx: &mut RunContext<'_>, method: StartMethod) -> Result<f64, EngineError> {
    ctx.note(format!(
        "starting {STARTS} processes by {}, one at a time, each joined before the next",
        method.name()
    ));
    let previous = ctx.start_method;
    ctx.start_method = method;
    ctx.show_first(SHOWN);
    let mut took = Vec::with_capacity(STARTS);
    let mut outcome = Ok(());
    for (slot, index) in ctx.workers(STARTS).enumerate() {
        // A group per worker: a group whose last member has been reaped
        // is gone, and no new process could join it.
        let mut group = ProcessGroup::new();
        let task = Task::new(&SLEEP).int(0);
        let began = Instant::now();
        outcome = run_one(ctx, &mut group, index, slot, &task);
        took.push(began.elapsed());
        outcome = outcome.and_then(|()| group.wait_all(ctx).map(drop));
        if outcome.is_err() {
            break;
        }
    }
    ctx.start_method = previous;
    ctx.show_all_counting("processes");
    outcome?;
    took.sort_unstable();
    Ok(took
        .get(took.len() / 2)
        .map_or(0.0, |median| micros(*median)))
}

/// Starts one worker and pumps until it has exited (or the time limit).
fn run_one(
    ctx: &mut RunContext<'_>,
    group: &mut ProcessGroup,
    index: usize,
    slot: usize,
    task: &Task,
) -> Result<(), EngineError> {
    group.spawn(ctx, index, format!("Process-{}", slot + 1), task, false)?;
    while !group.output_closed(index) && !ctx.remaining().is_zero() {
        group.pump(ctx, Duration::from_millis(20))?;
    }
    Ok(())
}
