//! The lost-update experiment itself: the counters, the worker bodies and
//! the four phases.
//!
//! Each update is `read; write(read + 1)`, and every [`SWITCH_EVERY`]th
//! has a thread switch between the two (`yield_now()`), as CPython may
//! switch threads between the read and the write of `counter += 1`: with
//! other workers ready to run, the kernel runs one of them there, on one
//! core as on many, so without a lock updates are lost every run (on
//! several cores the workers also race at the same moment). Not every
//! update switches: on a busy machine each switch waits for other
//! programs' turns, and thousands of them would make the row crawl. The
//! counters are atomics read and written separately (a load, then a
//! store): a race Rust allows, which loses updates exactly as a Python
//! `int` does, with no undefined behaviour.
//!
//! The workers of a race meet at a start line first ([`start_together`]):
//! started one after another, each could finish its adds before the next
//! began, on a quiet machine, and nothing would race at all.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{SharedCounts, SynchronizationResult};
use crate::engine::context::{EngineError, RunContext, StartMethod};
use crate::engine::process_group::ProcessGroup;
use crate::engine::sys::{SharedCell, SharedCounter};
use crate::engine::task::{Args, Task, WorkerBody, bad_args, write_line};
use crate::engine::threads::{Job, Voice, run_threads};

const WORKERS: usize = 4;
const ADDS: u64 = 10_000;
/// Every this many updates, one switches threads between its read and its
/// write.
pub(super) const SWITCH_EVERY: u64 = 100;
/// How often a thread looks whether the demo is stopping.
const CHECK_EVERY: u64 = 500;
/// The longest a worker waits at the start line for the others: one that
/// never came (it could not start) must not hold up the rest for good.
const START_WAIT: Duration = Duration::from_secs(2);

/// The counter a worker process races on in its own memory: a copy of
/// mptutor's, which stays 0.
static OWN_COPY: AtomicU64 = AtomicU64::new(0);

/// The counter in memory shared with the children, mapped once, before
/// the first fork that needs it, and kept for later runs of the row.
static SHARED: OnceLock<SharedCounter> = OnceLock::new();

/// Comes to the start line and waits (yielding) until all `workers` have,
/// or [`START_WAIT`] has passed.
fn start_together(gate: &AtomicU32, workers: u64) {
    gate.fetch_add(1, Ordering::AcqRel);
    let began = Instant::now();
    while u64::from(gate.load(Ordering::Acquire)) < workers && began.elapsed() < START_WAIT {
        std::thread::yield_now();
    }
}

/// One update: read, switch threads when `switch`, write.
fn update(counter: &AtomicU64, switch: bool) {
    let value = counter.load(Ordering::Relaxed);
    if switch {
        std::thread::yield_now();
    }
    counter.store(value + 1, Ordering::Relaxed);
}

/// Whether update number `n` (from 0) switches threads in the middle.
fn switches(n: u64) -> bool {
    n % SWITCH_EVERY == SWITCH_EVERY - 1
}

/// `times` updates with no lock.
fn add_unlocked(counter: &AtomicU64, times: u64) {
    for n in 0..times {
        update(counter, switches(n));
    }
}

/// The same with a lock in the shared page held around each update: spin
/// (yielding) until the lock word goes from 0 to 1, then put it back.
fn add_locked_shared(cell: &SharedCell, times: u64) {
    for n in 0..times {
        while cell
            .lock
            .compare_exchange_weak(0, 1, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            std::thread::yield_now();
        }
        update(&cell.count, switches(n));
        cell.lock.store(0, Ordering::Release);
    }
}

/// `race-own-copy NAME TIMES`: the unlocked adds on this process's copy
/// of the counter, then what the copy ended at.
pub static RACE_OWN_COPY: WorkerBody = WorkerBody {
    name: "race-own-copy",
    run: |args: &Args<'_>| match (args.text(0), args.uint(1)) {
        (Some(name), Some(times)) => {
            add_unlocked(&OWN_COPY, times);
            let said = write_line(format_args!(
                "{name} (pid {}): my copy of the counter ended at {}",
                std::process::id(),
                OWN_COPY.load(Ordering::Relaxed)
            ));
            i32::from(said.is_err())
        }
        _ => bad_args("race-own-copy", args),
    },
};

/// `race-shared NAME TIMES LOCKED WORKERS`: the adds on the counter in
/// shared memory, with the lock when LOCKED is 1, once all WORKERS are at
/// the start line. Only a child forked from mptutor after the page was
/// mapped has it.
pub static RACE_SHARED: WorkerBody = WorkerBody {
    name: "race-shared",
    run: |args: &Args<'_>| match (args.text(0), args.uint(1), args.uint(2), args.uint(3)) {
        (Some(name), Some(times), Some(locked), Some(workers)) => {
            let Some(shared) = SHARED.get() else {
                eprintln!(
                    "{name}: no shared memory here: this worker was not forked after it was made"
                );
                return 2;
            };
            start_together(&shared.cell().gate, workers);
            if locked == 1 {
                add_locked_shared(shared.cell(), times);
            } else {
                add_unlocked(&shared.cell().count, times);
            }
            let said = write_line(format_args!(
                "{name} (pid {}) added {times}{}",
                std::process::id(),
                if locked == 1 { " holding the lock" } else { "" }
            ));
            i32::from(said.is_err())
        }
        _ => bad_args("race-shared", args),
    },
};

pub(in crate::demos::compare) fn run(
    ctx: &mut RunContext<'_>,
) -> Result<SynchronizationResult, EngineError> {
    ctx.note(format!(
        "{WORKERS} threads each add 1 to one shared counter {ADDS} times without a lock: read \
         it, write it back, switching threads in between every {SWITCH_EVERY} times"
    ));
    let threads_unlocked = threads_race(ctx, false)?;
    ctx.note(format!(
        "the counter ended at {threads_unlocked}, of {}; now the same with a lock",
        expected()
    ));
    let threads_locked = threads_race(ctx, true)?;
    ctx.note(format!("with the lock it ended at {threads_locked}"));

    ctx.note(format!(
        "{WORKERS} processes do the same without a lock, each on its own copy"
    ));
    OWN_COPY.store(0, Ordering::Relaxed);
    let mut failed_processes = 0;
    let (own_copies, failed) = own_copies(ctx)?;
    failed_processes += failed;
    let parent_copy = OWN_COPY.load(Ordering::Relaxed);
    ctx.note(format!("mptutor's copy of the counter is {parent_copy}"));

    let shared = match shared_counter() {
        Ok(shared) => {
            ctx.note(format!(
                "{WORKERS} processes add to one counter in shared memory, without a lock, then with one"
            ));
            let mut counts = [0; 2];
            for (locked, count) in [false, true].into_iter().zip(&mut counts) {
                shared.cell().count.store(0, Ordering::Relaxed);
                shared.cell().lock.store(0, Ordering::Relaxed);
                shared.cell().gate.store(0, Ordering::Relaxed);
                failed_processes += shared_race(ctx, locked)?;
                *count = shared.cell().count.load(Ordering::Relaxed);
                ctx.note(format!(
                    "{}: the shared counter ended at {count}, of {}",
                    if locked {
                        "with the lock"
                    } else {
                        "without a lock"
                    },
                    expected()
                ));
            }
            SharedCounts::Counted {
                unlocked: counts[0],
                locked: counts[1],
            }
        }
        Err(why) => SharedCounts::NotMeasured { why },
    };
    Ok(SynchronizationResult {
        workers: WORKERS,
        adds: ADDS,
        switch_every: SWITCH_EVERY,
        threads_unlocked,
        threads_locked,
        own_copies,
        parent_copy,
        shared,
        failed_processes,
    })
}

fn expected() -> u64 {
    ADDS * WORKERS as u64
}

/// The page shared with the children, mapped on first use.
fn shared_counter() -> Result<&'static SharedCounter, String> {
    if let Some(shared) = SHARED.get() {
        return Ok(shared);
    }
    let made = SharedCounter::new()
        .map_err(|error| format!("no shared memory could be mapped ({error})"))?;
    Ok(SHARED.get_or_init(|| made))
}

/// The threads' race on one counter, with or without a lock; the value
/// the counter ended at.
fn threads_race(ctx: &mut RunContext<'_>, locked: bool) -> Result<u64, EngineError> {
    let counter = AtomicU64::new(0);
    let lock = Mutex::new(());
    let gate = AtomicU32::new(0);
    let jobs: Vec<Job<'_>> = (0..WORKERS)
        .map(|_| {
            let (counter, lock, gate) = (&counter, &lock, &gate);
            Box::new(move |voice: &Voice<'_>| {
                start_together(gate, WORKERS as u64);
                let mut done = 0;
                while done < ADDS && !voice.stopped() {
                    let batch = CHECK_EVERY.min(ADDS - done);
                    for n in done..done + batch {
                        let _held = locked.then(|| lock.lock());
                        update(counter, switches(n));
                    }
                    done += batch;
                }
                voice.say(format!(
                    "added 1, {done} times{}",
                    if locked { ", holding the lock" } else { "" }
                ));
            }) as Job<'_>
        })
        .collect();
    run_threads(ctx, jobs)?;
    Ok(counter.load(Ordering::Relaxed))
}

/// The processes' race, each on its own copy: what each copy ended at, in
/// start order, and how many processes did not exit normally.
fn own_copies(ctx: &mut RunContext<'_>) -> Result<(Vec<Option<u64>>, usize), EngineError> {
    let indices = ctx.workers(WORKERS);
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    for (slot, index) in indices.clone().enumerate() {
        let name = format!("Process-{}", slot + 1);
        let task = Task::new(&RACE_OWN_COPY).text(name.clone()).uint(ADDS);
        group.spawn(ctx, index, name, &task, false)?;
    }
    group.wait_all(ctx)?;
    let lines = ctx.take_recorded();
    let copies = indices
        .clone()
        .map(|index| {
            lines
                .iter()
                .filter(|(worker, _)| *worker == index)
                .find_map(|(_, line)| line.rsplit(' ').next()?.parse().ok())
        })
        .collect();
    Ok((copies, failed(&group, indices)))
}

/// The processes' race on the shared counter; how many did not exit
/// normally. Always by fork: only a forked child has the shared page.
fn shared_race(ctx: &mut RunContext<'_>, locked: bool) -> Result<usize, EngineError> {
    let previous = ctx.start_method;
    ctx.start_method = StartMethod::Fork;
    let indices = ctx.workers(WORKERS);
    let mut group = ProcessGroup::new();
    let mut outcome = Ok(());
    for (slot, index) in indices.clone().enumerate() {
        let task = Task::new(&RACE_SHARED)
            .text(format!("Process-{}", slot + 1))
            .uint(ADDS)
            .uint(u64::from(locked))
            .uint(WORKERS as u64);
        outcome = group
            .spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)
            .map(drop);
        if outcome.is_err() {
            break;
        }
    }
    let waited = group.wait_all(ctx).map(drop);
    ctx.start_method = previous;
    outcome.and(waited)?;
    Ok(failed(&group, indices))
}

fn failed(group: &ProcessGroup, indices: std::ops::Range<usize>) -> usize {
    indices
        .filter(|index| !group.status(*index).is_some_and(|status| status.success()))
        .count()
}
