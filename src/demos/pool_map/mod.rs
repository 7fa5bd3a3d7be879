//! `pool-map` (lesson q5): a pool of pre-started workers maps `square` over
//! 1..=items and the results come back in input order, each with the
//! worker that computed it — whatever order the chunks finished in, which
//! the demo measures rather than asserts.
//!
//! The same map runs on processes (`Pool`) or threads (`ThreadPool`), and
//! with `crash=N` the worker that gets input N dies of a real SIGSEGV, to
//! show a pool that survives it where Python's `multiprocessing.Pool` would
//! hang. Every finding (input order, the squares, how many results
//! overtook earlier ones, who did the work, what chunking did, what a
//! crash cost) is a pure function of [`PoolMapResult`], in `findings`,
//! `crash` and `table`.

use serde::{Deserialize, Serialize};

use crate::demos::{Demo, DemoInfo, ParamKind, ParamSpec, ParamValue, ResolvedParams};
use crate::engine::pool::{ChunkEvent, ItemOutcome, Job, MapOptions, MapRun, Pool, WorkerInfo};
use crate::engine::pool::{ThreadPool, span};
use crate::engine::{EngineError, RunContext, StartMethod, WorkerIndex};
use crate::findings::{Report, words};

mod crash;
mod findings;
mod table;
#[cfg(test)]
mod tests;

/// Chunks narrated one by one as they come back; the rest are counted.
const NARRATED_CHUNKS: usize = 20;

/// The demo, as the catalogue lists it.
pub struct PoolMap;

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolMapResult {
    /// A pool of threads inside mptutor, rather than of processes.
    pub threads: bool,
    pub start: StartMethod,
    /// Workers the pool was asked for.
    pub workers: usize,
    /// Inputs per task.
    pub chunksize: usize,
    /// The input that was to kill its worker, if any.
    pub crash: Option<i64>,
    /// mptutor's pid: the process every thread of a thread pool lives in.
    pub process_pid: i32,
    /// Every worker the pool started, in order, replacements included.
    pub pool: Vec<MapWorker>,
    /// One outcome per input, in the order map returned them.
    pub items: Vec<MapItem>,
    /// Results that arrived while the result of an earlier input was still
    /// missing.
    pub out_of_order: usize,
    /// Workers started because one died.
    pub replacements: usize,
    pub timed_out: bool,
    /// From the first task handed out to the last result.
    pub elapsed_us: u64,
}

/// A worker of the pool: a process, or a thread of mptutor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapWorker {
    /// The engine's number for it.
    pub index: WorkerIndex,
    /// `P2`, or `T2` for a thread.
    pub label: String,
    /// Its process id: mptutor's own for a thread.
    pub pid: i32,
    /// A thread's kernel thread id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<i32>,
}

/// How one input fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapItem {
    pub input: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<i64>,
    /// Why there is no result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The [`MapWorker::index`] of the worker that computed it, or held it
    /// when it failed; `None` when it was never handed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<WorkerIndex>,
}

impl PoolMapResult {
    pub fn worker(&self, index: WorkerIndex) -> Option<&MapWorker> {
        self.pool.iter().find(|worker| worker.index == index)
    }

    /// Tasks the inputs went out as.
    pub fn chunks(&self) -> usize {
        self.items.len().div_ceil(self.chunksize.max(1))
    }
}

impl Demo for PoolMap {
    type Result = PoolMapResult;

    const INFO: DemoInfo = DemoInfo {
        name: "pool-map",
        lesson: "q5",
        summary: "a pool of pre-started workers maps square() over the inputs, results in order",
        params: &[
            crate::demos::workers(4, 1, "worker processes (or threads) in the pool"),
            crate::demos::count("items", 5, 100_000, "inputs 1, 2, … items to square"),
            crate::demos::count("chunksize", 1, 100_000, "inputs sent to a worker at a time"),
            ParamSpec {
                name: "threads",
                kind: ParamKind::Bool,
                default: ParamValue::Bool(false),
                help: "run the same map on a pool of threads instead",
            },
            ParamSpec {
                name: "crash",
                kind: ParamKind::Int {
                    min: 0,
                    max: 100_000,
                    unit: "",
                },
                default: ParamValue::Int(0),
                help: "the worker that gets this input dies of SIGSEGV; 0 means none",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError> {
        let settings = Settings {
            workers: params.count("workers").max(1),
            items: params.count("items"),
            chunksize: params.count("chunksize").max(1),
            threads: params.flag("threads"),
            crash: params.int("crash"),
        };
        run(ctx, settings)
    }

    fn report(result: &Self::Result) -> Report {
        findings::report(result)
    }
}

/// The demo's parameters.
#[derive(Debug, Clone, Copy)]
struct Settings {
    workers: usize,
    items: usize,
    chunksize: usize,
    threads: bool,
    /// The input that kills its worker; 0 for none.
    crash: i64,
}

impl Settings {
    /// `pid`, or `tid` for a thread pool's workers.
    fn id_word(self) -> &'static str {
        if self.threads { "tid" } else { "pid" }
    }
}

fn run(ctx: &mut RunContext<'_>, settings: Settings) -> Result<PoolMapResult, EngineError> {
    let inputs: Vec<i64> = (1..=i64::try_from(settings.items).unwrap_or(0)).collect();
    let chunksize = settings.chunksize;
    let chunks = inputs.len().div_ceil(chunksize);
    let me = std::process::id();
    let mut narrated = 0usize;
    let mut observe = |ctx: &mut RunContext<'_>, event: ChunkEvent<'_>| {
        if let ChunkEvent::Done {
            task,
            worker,
            items,
            ..
        } = event
        {
            narrated += 1;
            if narrated <= NARRATED_CHUNKS {
                ctx.note(narration(settings, task, worker, items));
            } else if narrated == NARRATED_CHUNKS + 1 {
                ctx.note(format!(
                    "… the other {} come back without being shown one by one",
                    words::count((chunks - NARRATED_CHUNKS) as u64, "task", "tasks")
                ));
            }
        }
    };
    let what = |how: &str| {
        format!(
            "map(square, [1 … {}], chunksize={chunksize}): {}, {how}",
            inputs.len(),
            words::count(chunks as u64, "task", "tasks")
        )
    };
    let run = if settings.threads {
        let mut pool = ThreadPool::start(ctx, settings.workers)?;
        let tids = ids(&pool.workers(ctx)?);
        ctx.note(format!(
            "the pool started {}, once, before any work: tids {}, all inside this one process \
             (mptutor, pid {me})",
            words::threads(settings.workers),
            tids
        ));
        if settings.crash != 0 {
            ctx.note(
                "crash= is ignored with threads: a thread that segfaults takes the whole \
                 process, mptutor included, down with it",
            );
        }
        ctx.note(what("each handed to whichever thread is free"));
        let run = pool.map(ctx, &inputs, chunksize, &mut observe)?;
        ctx.note(returned(
            &run,
            "each thread's request channel closes, so it finishes, and is joined",
        ));
        pool.shutdown(ctx)?;
        run
    } else {
        let mut pool = Pool::start(ctx, settings.workers)?;
        ctx.note(format!(
            "the pool started {} by {}, once, before any work: pids {}",
            words::count(
                settings.workers as u64,
                "worker process",
                "worker processes"
            ),
            ctx.start_method.name(),
            ids(&pool.workers())
        ));
        let options = MapOptions {
            job: Job::Square,
            chunksize,
            pause_ms: 0,
            crash_on: settings.crash,
        };
        ctx.note(what(&match options.depth() {
            1 => "each handed to whichever worker is free".to_string(),
            depth => format!(
                "up to {depth} at a time queued in each worker's request pipe, as Python's \
                 task queue holds tasks ready, so a worker never waits for its next"
            ),
        }));
        let run = pool.map(ctx, &inputs, options, &mut observe)?;
        ctx.note(returned(
            &run,
            "each worker's request pipe closes, so it exits, and is reaped",
        ));
        pool.shutdown(ctx)?;
        run
    };
    Ok(typed(run, settings, ctx.start_method, me))
}

/// The engine's account of the map, as the demo's result.
fn typed(run: MapRun, settings: Settings, start: StartMethod, me: u32) -> PoolMapResult {
    let me = i32::try_from(me).unwrap_or(0);
    let pool = run
        .workers
        .iter()
        .map(|worker| MapWorker {
            index: worker.index,
            label: worker.label.clone(),
            pid: if settings.threads { me } else { worker.pid },
            tid: settings.threads.then_some(worker.pid),
        })
        .collect();
    let items = run
        .items
        .into_iter()
        .map(|item| MapItem {
            input: item.input,
            result: item.result.as_ref().ok().copied(),
            error: item.result.as_ref().err().map(|error| error.to_string()),
            worker: item.worker,
        })
        .collect();
    PoolMapResult {
        threads: settings.threads,
        start,
        workers: settings.workers,
        chunksize: settings.chunksize,
        crash: (settings.crash != 0).then_some(settings.crash),
        process_pid: me,
        pool,
        items,
        out_of_order: run.out_of_order,
        replacements: run.replacements,
        timed_out: run.timed_out,
        elapsed_us: u64::try_from(run.elapsed.as_micros()).unwrap_or(u64::MAX),
    }
}

/// `P2 (pid 4242) returned task 3: square(7–9) = 49, 64, 81`.
fn narration(
    settings: Settings,
    task: usize,
    worker: &WorkerInfo,
    items: &[ItemOutcome],
) -> String {
    let inputs: Vec<i64> = items.iter().map(|item| item.input).collect();
    let results: Vec<String> = items
        .iter()
        .filter_map(|item| item.result.as_ref().ok().map(i64::to_string))
        .collect();
    let shown = match results.as_slice() {
        [first, second, third, .., last] if results.len() > 6 => {
            format!(
                "{first}, {second}, {third}, … {last} ({} results)",
                results.len()
            )
        }
        _ => results.join(", "),
    };
    format!(
        "{} ({} {}) returned task {task}: square({}) = {shown}",
        worker.label,
        settings.id_word(),
        worker.pid,
        span(&inputs),
    )
}

fn ids(workers: &[WorkerInfo]) -> String {
    let ids: Vec<String> = workers.iter().map(|w| w.pid.to_string()).collect();
    ids.join(", ")
}

/// The note after `map`: what came back, and how the pool is closed.
fn returned(run: &MapRun, closing: &str) -> String {
    let failures = match run.items.iter().filter(|item| item.result.is_err()).count() {
        0 => String::new(),
        failed => format!(" ({failed} of them errors)"),
    };
    let in_order = if (1..).zip(&run.items).all(|(k, item)| item.input == k) {
        " in input order"
    } else {
        ""
    };
    format!(
        "map returned {}{in_order}{failures}; close() and join(): {closing}",
        words::count(run.items.len() as u64, "result", "results")
    )
}
