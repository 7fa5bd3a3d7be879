//! `pool-queue` (lesson q4): a few worker processes drain a queue of tasks
//! of uneven length, one task at a time, and each worker says which task it
//! takes. What the student should see is load balancing nobody planned: a
//! worker that drew short tasks comes back sooner and does more of them.
//!
//! Task k costs 5 + (k² mod 40) ms of real CPU: 6, 9, 14, 21, 30, 41, 14,
//! 29, … — short and long mixed, so the split comes out uneven, and the
//! same every run except for what the scheduler decides. Every task is
//! checked twice: by the results the pool got back and by the workers' own
//! `takes task N` lines. A [`LoadMeter`] watches the machine from the
//! pool's start to its shutdown, so the pool's speed-up is judged with the
//! CPU its workers really got and what other programs took meanwhile.
//!
//! The findings, a pure function of [`PoolQueueResult`], are in `findings`
//! and, for the speed-up and the wait for a core, `speed`.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::demos::{Demo, DemoInfo, ParamKind, ParamSpec, ParamValue, ResolvedParams};
use crate::engine::pool::{ChunkEvent, Job, MapOptions, Pool};
use crate::engine::{
    EngineError, ExitStatus, Load, LoadMeter, RunContext, StartMethod, WorkerIndex,
};
use crate::findings::{Report, words};

mod findings;
mod speed;
#[cfg(test)]
mod tests;

/// The demo, as the catalogue lists it.
pub struct PoolQueue;

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolQueueResult {
    /// Workers the pool was asked for.
    pub workers: usize,
    /// Tasks in the queue: task k (from 1) costs [`cost_ms`]`(k)` of CPU.
    pub tasks: usize,
    /// Milliseconds each task also sleeps.
    pub pause_ms: u64,
    /// Cores mptutor may use.
    pub cores: usize,
    pub start: StartMethod,
    /// Every worker of the pool, in start order, with what it did.
    pub pool: Vec<QueueWorker>,
    /// The task of each `takes task N` line the workers printed, in order.
    pub announced: Vec<usize>,
    /// Tasks whose result never came back, and why.
    pub lost: Vec<LostTask>,
    /// Tasks whose result came back but was not what the task returns.
    pub wrong: Vec<usize>,
    pub timed_out: bool,
    /// From handing out the first task to the last result.
    pub wall_us: u64,
    /// The machine from the pool's start to its shutdown.
    pub load: Load,
}

/// One worker of the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueWorker {
    /// `P2`, as the live view named it.
    pub label: String,
    pub pid: i32,
    /// The tasks whose results it sent back, in the order they came.
    pub tasks: Vec<usize>,
    /// Wall time from each hand-out to its result, added up.
    pub busy_us: u64,
    /// CPU time the kernel counted for it when it was reaped.
    pub cpu_us: u64,
    /// How it ended; `None` if no exit was seen.
    pub status: Option<ExitStatus>,
}

/// A task whose result did not come back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LostTask {
    pub task: usize,
    pub why: String,
}

/// Milliseconds of CPU task `k` (from 1) needs: 5 to 44.
pub fn cost_ms(k: usize) -> u64 {
    5 + u64::try_from(k.wrapping_mul(k) % 40).unwrap_or(0)
}

impl PoolQueueResult {
    /// What task `k` takes a worker with a core to itself: its CPU and its
    /// pause, in microseconds.
    pub fn task_us(&self, k: usize) -> u64 {
        (cost_ms(k) + self.pause_ms) * 1_000
    }

    /// The work of `tasks`, added up.
    pub fn work_us(&self, tasks: &[usize]) -> u64 {
        tasks.iter().map(|&k| self.task_us(k)).sum()
    }

    /// Every task whose result came back, by any worker.
    pub fn done(&self) -> impl Iterator<Item = usize> + '_ {
        self.pool
            .iter()
            .flat_map(|worker| worker.tasks.iter().copied())
    }
}

impl Demo for PoolQueue {
    type Result = PoolQueueResult;

    const INFO: DemoInfo = DemoInfo {
        name: "pool-queue",
        lesson: "q4",
        summary: "a few worker processes drain a queue of tasks; watch who takes which",
        params: &[
            crate::demos::workers(3, 1, "worker processes in the pool"),
            crate::demos::count("tasks", 12, 100_000, "tasks in the queue"),
            ParamSpec {
                name: "pause",
                kind: ParamKind::Int {
                    min: 0,
                    max: 5_000,
                    unit: "ms",
                },
                default: ParamValue::Int(0),
                help: "milliseconds each task also sleeps after its CPU work; the pool's figures include \
                       the sleep",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError> {
        run(
            ctx,
            params.count("workers").max(1),
            params.count("tasks"),
            u64::try_from(params.int("pause")).unwrap_or(0),
        )
    }

    fn report(result: &Self::Result) -> Report {
        findings::report(result)
    }
}

/// What one worker did, as the pool told it.
#[derive(Default)]
struct Tally {
    tasks: Vec<usize>,
    busy_us: u64,
}

fn run(
    ctx: &mut RunContext<'_>,
    workers: usize,
    tasks: usize,
    pause_ms: u64,
) -> Result<PoolQueueResult, EngineError> {
    let costs: Vec<i64> = (1..=tasks)
        .map(|k| i64::try_from(cost_ms(k)).unwrap_or(0))
        .collect();
    let pause = if pause_ms > 0 {
        format!(", plus {pause_ms} ms of pause")
    } else {
        String::new()
    };
    ctx.note(format!(
        "a pool of {} ({}) and a queue of {}, each 5 to 44 ms of CPU{pause}",
        words::count(workers as u64, "worker process", "worker processes"),
        ctx.start_method.name(),
        words::count(tasks as u64, "task", "tasks")
    ));
    ctx.start_recording();
    let meter = LoadMeter::start();
    let mut pool = Pool::start(ctx, workers)?;
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
            tally.busy_us += u64::try_from(busy.as_micros()).unwrap_or(u64::MAX);
        }
    };
    let options = MapOptions {
        job: Job::Work,
        chunksize: 1,
        pause_ms,
        crash_on: 0,
    };
    let map = pool.map(ctx, &costs, options, &mut observe)?;
    let wall_us = u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX);
    ctx.note("the queue is empty: close() and join(), every worker exits and is reaped");
    pool.shutdown(ctx)?;
    let indices: Vec<WorkerIndex> = map.workers.iter().map(|worker| worker.index).collect();
    let workers_cpu: u64 = indices
        .iter()
        .filter_map(|&index| ctx.exit(index))
        .map(|exit| exit.cpu_us)
        .sum();
    // The workers' CPU time as their exits gave it, whoever reaped them.
    let load = meter.finish_with_workers(workers_cpu);

    let announced = ctx
        .take_recorded()
        .into_iter()
        .filter_map(|(_, line)| {
            line.rsplit_once("takes task ")
                .and_then(|(_, task)| task.trim().parse::<usize>().ok())
        })
        .collect();
    let mut lost = Vec::new();
    let mut wrong = Vec::new();
    for (task, item) in (1..).zip(&map.items) {
        match &item.result {
            Ok(result) if *result == item.input => {}
            Ok(_) => wrong.push(task),
            Err(why) => lost.push(LostTask {
                task,
                why: why.to_string(),
            }),
        }
    }
    let pool = map
        .workers
        .iter()
        .map(|worker| {
            let tally = tallies.remove(&worker.index).unwrap_or_default();
            let exit = ctx.exit(worker.index);
            QueueWorker {
                label: worker.label.clone(),
                pid: worker.pid,
                tasks: tally.tasks,
                busy_us: tally.busy_us,
                cpu_us: exit.map_or(0, |exit| exit.cpu_us),
                status: exit.map(|exit| exit.status.clone()),
            }
        })
        .collect();
    Ok(PoolQueueResult {
        workers,
        tasks,
        pause_ms,
        cores: crate::engine::sys::cores(),
        start: ctx.start_method,
        pool,
        announced,
        lost,
        wrong,
        timed_out: map.timed_out,
        wall_us,
        load,
    })
}
