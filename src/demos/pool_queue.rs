//! `pool-queue` (lesson q4): a few worker processes drain a queue of tasks
//! of uneven length, one task at a time, and each worker says which task it
//! takes. What the student should see is load balancing nobody planned: a
//! worker that drew short tasks comes back sooner and does more of them.
//!
//! Task k costs 5 + (k² mod 40) ms of real CPU: 6, 9, 14, 21, 30, 41, 14,
//! 29, … — short and long mixed, so the split comes out uneven, and the
//! same every run except for what the scheduler decides. Every task is
//! checked twice: by the results the pool got back and by the workers' own
//! `takes task N` lines.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;

use super::report::DemoReport;
use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::WorkerIndex;
use crate::engine::pool::book::{ChunkEvent, WorkerInfo};
use crate::engine::pool::{Job, MapOptions, Pool};

/// Tasks listed per worker in the table before the rest are counted.
const LISTED_TASKS: usize = 10;
/// Workers named one by one in the findings.
const NAMED_WORKERS: usize = 8;

/// The demo's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub workers: usize,
    pub tasks: usize,
    /// Extra milliseconds slept per task.
    pub pace_ms: u64,
}

/// What one worker did.
#[derive(Debug, Default, Clone)]
struct Tally {
    tasks: Vec<usize>,
    /// What its tasks cost: CPU plus pace.
    work: Duration,
    /// Wall time from each hand-out to its result, summed.
    busy: Duration,
}

/// Milliseconds of CPU task `k` (from 1) needs: 5 to 44.
pub fn cost_ms(k: usize) -> i64 {
    5 + i64::try_from(k.wrapping_mul(k) % 40).unwrap_or(0)
}

/// What task `k` takes a worker that has a core to itself.
fn task_time(k: usize, pace_ms: u64) -> Duration {
    Duration::from_millis(u64::try_from(cost_ms(k)).unwrap_or(0) + pace_ms)
}

pub fn run(ctx: &mut RunContext<'_>, settings: Settings) -> Result<DemoReport, EngineError> {
    let costs: Vec<i64> = (1..=settings.tasks).map(cost_ms).collect();
    let pace = if settings.pace_ms > 0 {
        format!(", plus {} ms of pause", settings.pace_ms)
    } else {
        String::new()
    };
    ctx.note(format!(
        "a pool of {} worker processes ({}) and a queue of {} tasks, each 5 to 44 ms of CPU{pace}",
        settings.workers,
        ctx.start_method.name(),
        settings.tasks
    ));
    ctx.start_recording();
    let mut pool = Pool::start(ctx, settings.workers)?;
    ctx.note("each worker takes the next task from the queue as soon as it is free");
    let began = Instant::now();
    let mut tallies: BTreeMap<WorkerIndex, Tally> = BTreeMap::new();
    let mut observe = |_: &mut RunContext<'_>, event: ChunkEvent<'_>| {
        if let ChunkEvent::Done {
            task, worker, busy, ..
        } = event
        {
            let tally = tallies.entry(worker.index).or_default();
            tally.tasks.push(task);
            tally.work += task_time(task, settings.pace_ms);
            tally.busy += busy;
        }
    };
    let options = MapOptions {
        job: Job::Work,
        chunksize: 1,
        pace_ms: settings.pace_ms,
        crash_on: 0,
    };
    let run = pool.map(ctx, &costs, options, &mut observe)?;
    let wall = began.elapsed();
    ctx.note("the queue is empty: close() and join(), every worker exits and is reaped");
    pool.shutdown(ctx)?;

    // Each task, as the workers announced it.
    let mut announced = vec![0usize; settings.tasks + 1];
    for (_, line) in ctx.take_recorded() {
        if let Some(task) = line
            .rsplit_once("takes task ")
            .and_then(|(_, task)| task.trim().parse::<usize>().ok())
            .filter(|task| (1..=settings.tasks).contains(task))
        {
            announced[task] += 1;
        }
    }
    let mut returned = vec![0usize; settings.tasks + 1];
    for tally in tallies.values() {
        for task in &tally.tasks {
            returned[*task] += 1;
        }
    }
    let all_done_once = (1..=settings.tasks)
        .all(|task| announced[task] == 1 && returned[task] == 1)
        && run.items.iter().all(|item| item.result == Ok(item.input));
    let workers: Vec<(WorkerInfo, Tally)> = run
        .workers
        .iter()
        .map(|worker| {
            let tally = tallies.get(&worker.index).cloned().unwrap_or_default();
            (worker.clone(), tally)
        })
        .collect();
    let checks = Checks {
        all_done_once,
        missing: (1..=settings.tasks)
            .filter(|task| returned[*task] == 0)
            .count(),
        timed_out: run.timed_out,
        wall,
    };
    Ok(report(settings, &workers, &checks))
}

/// What the run came to, beyond each worker's tally.
struct Checks {
    all_done_once: bool,
    /// Tasks whose result never came back.
    missing: usize,
    timed_out: bool,
    wall: Duration,
}

fn report(settings: Settings, workers: &[(WorkerInfo, Tally)], checks: &Checks) -> DemoReport {
    let mut report = DemoReport::new("pool-queue");
    let rows = workers
        .iter()
        .map(|(worker, tally)| {
            let mut listed: Vec<String> = tally
                .tasks
                .iter()
                .take(LISTED_TASKS)
                .map(ToString::to_string)
                .collect();
            if tally.tasks.len() > LISTED_TASKS {
                listed.push(format!("… {} more", tally.tasks.len() - LISTED_TASKS));
            }
            vec![
                worker.label.clone(),
                worker.pid.to_string(),
                tally.tasks.len().to_string(),
                ms(tally.work),
                ms(tally.busy),
                listed.join(" "),
            ]
        })
        .collect();
    report.table = Some((
        [
            "worker",
            "pid",
            "tasks done",
            "work",
            "busy",
            "which tasks, in order",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    ));

    let findings = &mut report.findings;
    findings.push(if checks.all_done_once {
        format!(
            "Every one of the {} tasks was done exactly once: the workers' own `takes task` \
             lines and the results the pool got back agree.",
            settings.tasks
        )
    } else if checks.timed_out {
        format!(
            "The timeout stopped the pool: {} of {} tasks were never done. Try fewer tasks, or \
             a longer `timeout=`.",
            checks.missing, settings.tasks
        )
    } else {
        format!(
            "Not every task was done exactly once: {} of {} never came back, lost with a worker \
             that died running it (see the notes above). Python's `Pool` would wait for a lost \
             task forever.",
            checks.missing, settings.tasks
        )
    });
    let busy: Vec<&(WorkerInfo, Tally)> = workers
        .iter()
        .filter(|(_, tally)| !tally.tasks.is_empty())
        .collect();
    if busy.len() <= NAMED_WORKERS {
        let each: Vec<String> = busy
            .iter()
            .map(|(worker, tally)| {
                let count = tally.tasks.len();
                let tasks = if count == 1 { "task" } else { "tasks" };
                format!(
                    "{} {count} {tasks} ({} of work)",
                    worker.label,
                    ms(tally.work)
                )
            })
            .collect();
        findings.push(format!(
            "The work spread over {} workers: {}.",
            busy.len(),
            each.join(", ")
        ));
    } else {
        let counts = busy.iter().map(|(_, tally)| tally.tasks.len());
        findings.push(format!(
            "The work spread over {} workers, each doing between {} and {} tasks.",
            busy.len(),
            counts.clone().min().unwrap_or(0),
            counts.max().unwrap_or(0)
        ));
    }
    findings.push(balance(&busy));
    findings.push(speed(settings, workers, checks));
    report.data = json!({
        "workers": settings.workers,
        "tasks": settings.tasks,
        "pace_ms": settings.pace_ms,
        "per_worker": workers.iter().map(|(worker, tally)| json!({
            "label": worker.label,
            "pid": worker.pid,
            "tasks": tally.tasks,
            "work_ms": tally.work.as_secs_f64() * 1e3,
            "busy_ms": tally.busy.as_secs_f64() * 1e3,
        })).collect::<Vec<_>>(),
        "all_done_once": checks.all_done_once,
        "timed_out": checks.timed_out,
        "wall_ms": checks.wall.as_secs_f64() * 1e3,
        "work_ms": workers.iter().map(|(_, tally)| tally.work).sum::<Duration>().as_secs_f64() * 1e3,
    });
    report
}

/// Who did more, and whether short tasks explain it.
fn balance(busy: &[&(WorkerInfo, Tally)]) -> String {
    let most = busy.iter().max_by_key(|(_, tally)| tally.tasks.len());
    let fewest = busy.iter().min_by_key(|(_, tally)| tally.tasks.len());
    let (Some((a, most)), Some((b, fewest))) = (most, fewest) else {
        return "No worker finished a task.".to_string();
    };
    if busy.len() == 1 {
        return "One worker did every task, one after another: try `run workers=3`.".to_string();
    }
    let shorter = average(most).as_secs_f64() < average(fewest).as_secs_f64() * 0.9;
    if most.tasks.len() > fewest.tasks.len() && shorter {
        format!(
            "Nobody divided the tasks up in advance: a free worker takes the next one, so a \
             worker that draws short tasks comes back sooner and does more. {}'s tasks averaged \
             {} and it did {}; {}'s averaged {} and it did {}.",
            a.label,
            ms(average(most)),
            most.tasks.len(),
            b.label,
            ms(average(fewest)),
            fewest.tasks.len()
        )
    } else {
        "Nobody divided the tasks up in advance: each worker took the next task as soon as it \
         was free, so how many each did depends on how long its tasks took and when it came back."
            .to_string()
    }
}

/// Wall time against the sum of the task times, and why it is no better.
fn speed(settings: Settings, workers: &[(WorkerInfo, Tally)], checks: &Checks) -> String {
    let wall = checks.wall;
    let work: Duration = workers.iter().map(|(_, tally)| tally.work).sum();
    let busy: Duration = workers.iter().map(|(_, tally)| tally.busy).sum();
    let speedup = work.as_secs_f64() / wall.as_secs_f64().max(1e-9);
    let what = if settings.pace_ms > 0 {
        "of CPU and pauses"
    } else {
        "of CPU"
    };
    let compared = if speedup >= 1.1 {
        format!("{speedup:.1}× faster than one worker doing them back to back")
    } else {
        "no faster than one worker doing them back to back".to_string()
    };
    let (tasks, finished) = if checks.timed_out {
        (
            "The finished tasks",
            "got through them before the timeout, in",
        )
    } else {
        ("The tasks", "emptied the queue in")
    };
    let mut text = format!(
        "{tasks} needed {} {what} in all; the {} workers {finished} {} of wall time, {compared}.",
        ms(work),
        settings.workers,
        ms(wall)
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if settings.pace_ms == 0 && settings.workers > cores {
        text.push_str(&format!(
            " This machine has {cores} cores, so CPU-bound tasks cannot go more than {cores}× \
             faster, however many workers there are."
        ));
    }
    if busy.as_secs_f64() > work.as_secs_f64() * 1.3 {
        text.push_str(
            " The busy column is longer than the work column: the workers spent the difference \
             waiting for a free core.",
        );
    }
    text
}

fn average(tally: &Tally) -> Duration {
    let count = u32::try_from(tally.tasks.len()).unwrap_or(u32::MAX).max(1);
    tally.work / count
}

/// `312 ms`, or `1.25 s` from a second on.
fn ms(duration: Duration) -> String {
    let millis = duration.as_secs_f64() * 1e3;
    if millis >= 1000.0 {
        format!("{:.2} s", millis / 1000.0)
    } else {
        format!("{millis:.0} ms")
    }
}

/// The demo, as the catalogue lists it.
pub struct PoolQueue;

impl crate::demos::Demo for PoolQueue {
    type Result = crate::demos::report::DemoReport;

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
        name: "pool-queue",
        lesson: "q4",
        summary: "a few worker processes drain a queue of tasks; watch who takes which",
        params: &[
            crate::demos::workers(3, 1, "worker processes in the pool"),
            crate::demos::count("tasks", 12, 100_000, "tasks in the queue"),
            crate::demos::ParamSpec {
                name: "pace",
                kind: crate::demos::ParamKind::Int {
                    min: 0,
                    max: 5_000,
                    unit: "ms",
                },
                default: crate::demos::ParamValue::Int(0),
                help: "extra milliseconds per task, to slow the demo down for a class",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(
        ctx: &mut RunContext<'_>,
        params: &crate::demos::ResolvedParams,
    ) -> Result<Self::Result, EngineError> {
        run(
            ctx,
            Settings {
                workers: params.count("workers"),
                tasks: params.count("tasks"),
                pace_ms: u64::try_from(params.int("pace")).unwrap_or(0),
            },
        )
    }

    fn report(result: &Self::Result) -> crate::findings::Report {
        result.report()
    }
}
