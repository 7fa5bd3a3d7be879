//! `pool-map` (lesson q5): a pool of pre-started workers maps `square` over
//! 1..=items and the results come back in input order, each with the
//! worker that computed it — whatever order the chunks finished in, which
//! the demo measures rather than asserts.
//!
//! The same map runs on processes (`Pool`) or threads (`ThreadPool`), and
//! with `crash=N` the worker that gets input N dies of a real SIGSEGV, to
//! show a pool that survives it where Python's `multiprocessing.Pool` would
//! hang.

use std::collections::BTreeMap;

use serde_json::json;

use super::report::DemoReport;
use crate::engine::context::{EngineError, RunContext};
use crate::engine::pool::book::{ChunkEvent, ItemOutcome, MapRun, WorkerInfo, span};
use crate::engine::pool::thread_pool::ThreadPool;
use crate::engine::pool::{Job, MapOptions, Pool};

/// Chunks narrated one by one as they come back; the rest are counted.
const NARRATED_CHUNKS: usize = 20;
/// Rows of the results table before the rest are summed up.
const TABLE_ROWS: usize = 20;
/// Failed items shown in the table even when past [`TABLE_ROWS`].
const FAILED_ROWS: usize = 5;
/// Workers named one by one in the findings.
const NAMED_WORKERS: usize = 8;

/// The demo's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub workers: usize,
    pub items: usize,
    pub chunksize: usize,
    pub threads: bool,
    /// The input that kills its worker; 0 for none.
    pub crash: i64,
}

impl Settings {
    /// `pid`, or `tid` for a thread pool's workers.
    fn id_word(self) -> &'static str {
        if self.threads { "tid" } else { "pid" }
    }
}

pub fn run(ctx: &mut RunContext<'_>, settings: Settings) -> Result<DemoReport, EngineError> {
    let inputs: Vec<i64> = (1..=i64::try_from(settings.items).unwrap_or(0)).collect();
    let chunksize = settings.chunksize.max(1);
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
                    "… the other {} tasks come back without being shown one by one",
                    chunks - NARRATED_CHUNKS
                ));
            }
        }
    };
    let what = |how: &str| {
        format!(
            "map(square, [1 … {}], chunksize={chunksize}): {}, {how}",
            inputs.len(),
            plural(chunks, "task")
        )
    };
    let run = if settings.threads {
        let mut pool = ThreadPool::start(ctx, settings.workers)?;
        let tids = ids(&pool.workers(ctx)?);
        ctx.note(format!(
            "the pool started {} threads, once, before any work: tids {}, all inside this one \
             process (mptutor, pid {me})",
            settings.workers, tids
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
            "the pool started {} worker processes by {}, once, before any work: pids {}",
            settings.workers,
            ctx.start_method.name(),
            ids(&pool.workers())
        ));
        let options = MapOptions {
            job: Job::Square,
            chunksize,
            pace_ms: 0,
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
    let mut report = DemoReport::new("pool-map");
    report.table = Some(table(&run, settings, me));
    report.findings = findings(&run, settings, chunks, me);
    report.data = data(&run, settings, me);
    Ok(report)
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

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn failed(run: &MapRun) -> Vec<usize> {
    (0..run.items.len())
        .filter(|&at| run.items[at].result.is_err())
        .collect()
}

/// The note after `map`: what came back, and how the pool is closed.
fn returned(run: &MapRun, closing: &str) -> String {
    let failures = match failed(run).len() {
        0 => String::new(),
        failed => format!(" ({failed} of them errors)"),
    };
    format!(
        "map returned {} results in input order{failures}; close() and join(): {closing}",
        run.items.len()
    )
}

/// Input, result, worker, pid (and tid): the first rows, any failed rows
/// further down, then a count of the rest.
fn table(run: &MapRun, settings: Settings, me: u32) -> (Vec<String>, Vec<Vec<String>>) {
    let failed = failed(run);
    let mut header: Vec<String> = ["input", "result", "worker", "pid"]
        .map(String::from)
        .to_vec();
    if settings.threads {
        header.push("tid".into());
    }
    if !failed.is_empty() {
        header.push("error".into());
    }
    let mut shown: Vec<usize> = (0..run.items.len().min(TABLE_ROWS)).collect();
    shown.extend(
        failed
            .iter()
            .copied()
            .filter(|at| *at >= TABLE_ROWS)
            .take(FAILED_ROWS),
    );
    let mut rows = Vec::new();
    let mut previous: Option<usize> = None;
    for &at in &shown {
        if previous.is_some_and(|previous| at > previous + 1) {
            rows.push(vec!["…".to_string()]);
        }
        previous = Some(at);
        let item = &run.items[at];
        let worker = item.worker.and_then(|index| run.worker(index));
        let mut row = vec![
            item.input.to_string(),
            item.result.as_ref().map_or("—".into(), i64::to_string),
            worker.map_or("—".into(), |worker| worker.label.clone()),
        ];
        if settings.threads {
            row.push(me.to_string());
        }
        row.push(worker.map_or("—".into(), |worker| worker.pid.to_string()));
        if let Err(error) = &item.result {
            row.resize(header.len() - 1, String::new());
            row.push(error.to_string());
        }
        rows.push(row);
    }
    let hidden = run.items.len() - shown.len();
    if hidden > 0 {
        rows.push(vec![format!("… {hidden} more")]);
    }
    for row in &mut rows {
        row.resize(header.len(), String::new());
    }
    (header, rows)
}

fn findings(run: &MapRun, settings: Settings, chunks: usize, me: u32) -> Vec<String> {
    let failed = failed(run);
    let done = run.items.len() - failed.len();
    let mut findings = Vec::new();
    let also_failures = match failed.len() {
        0 => String::new(),
        count => format!(", and the {},", plural(count, "error")),
    };
    findings.push(if all_correct(run) && in_input_order(run) {
        format!(
            "All {done} results{also_failures} are in input order, and each result is its \
             input squared: map puts every result in its input's slot."
        )
    } else {
        "Some results are not their input squared, or out of place; see the table.".to_string()
    });
    findings.push(if run.out_of_order > 0 {
        format!(
            "Yet they did not finish in that order: {} of {done} results arrived while the \
             result of an earlier input was still missing.",
            run.out_of_order
        )
    } else {
        "This time the results happened to arrive in input order too. Run it again, or with \
         more items, and some may overtake others; what map returns would not change."
            .to_string()
    });
    let per_worker = per_worker(run);
    let mut counts: Vec<String> = per_worker
        .iter()
        .take(NAMED_WORKERS)
        .filter_map(|(index, count)| run.worker(*index).map(|w| (w, count)))
        .enumerate()
        .map(|(n, (worker, count))| match n {
            0 => format!("{} took {}", worker.label, plural(*count, "input")),
            _ => format!("{} {count}", worker.label),
        })
        .collect();
    if per_worker.len() > NAMED_WORKERS {
        counts.push("…".into());
    }
    let counts = counts.join(", ");
    let used = per_worker.len();
    findings.push(if settings.threads {
        format!(
            "{used} threads did the work ({counts}), all inside one process: mptutor, pid {me}. \
             Each thread has its own id, but they share the process and its memory, so nothing \
             was pickled or sent through a pipe."
        )
    } else {
        format!(
            "{used} different worker processes did the work ({counts}): the pool reuses its \
             workers instead of starting one per input."
        )
    });
    let millis = run.elapsed.as_secs_f64() * 1e3;
    let each = millis / chunks.max(1) as f64;
    let (kind, trip) = if settings.threads {
        ("thread", "hand-offs to a thread and back")
    } else {
        ("process", "round trips through the pipes")
    };
    let chunking = if settings.chunksize <= 1 {
        format!(
            "chunksize 1: every input was its own task, {chunks} {trip} in {millis:.1} ms \
             ({each:.3} ms each). Try `run chunksize=3` and look at the worker column."
        )
    } else {
        format!(
            "chunksize {}: {} inputs went out as {chunks} tasks, {chunks} {trip} in \
             {millis:.1} ms, so runs of consecutive inputs share a {kind}. Fewer, bigger tasks \
             cost fewer trips but balance the load more coarsely.",
            settings.chunksize,
            run.items.len(),
        )
    };
    if run.timed_out {
        findings.push(format!(
            "The timeout stopped the pool: {} of {} items were not computed.",
            failed.len(),
            run.items.len()
        ));
    } else {
        findings.push(chunking);
    }
    if let Some(error) = failed
        .first()
        .and_then(|&at| run.items[at].result.as_ref().err())
        .filter(|_| !run.timed_out)
    {
        let cause = if failed
            .iter()
            .any(|&at| run.items[at].input == settings.crash)
        {
            format!("Input {} crashed its worker: {error}.", settings.crash)
        } else {
            format!("A worker died: {error}.")
        };
        findings.push(format!(
            "{cause} Only its task failed ({}: {}); the pool started {} and the other {done} \
             items completed. Python's `multiprocessing.Pool` also replaces the worker, but \
             `map` then waits forever for the lost task; \
             `concurrent.futures.ProcessPoolExecutor` raises `BrokenProcessPool` instead.",
            plural(failed.len(), "input"),
            listed(run, &failed),
            plural(run.replacements, "replacement worker"),
        ));
    }
    findings
}

/// `3, 4`, or `1, 2, … 1000` for a long list of inputs.
fn listed(run: &MapRun, positions: &[usize]) -> String {
    let input = |at: &usize| run.items[*at].input.to_string();
    match positions {
        [first, second, .., last] if positions.len() > 8 => {
            format!("{}, {}, … {}", input(first), input(second), input(last))
        }
        _ => positions.iter().map(input).collect::<Vec<_>>().join(", "),
    }
}

/// Results computed per worker index.
fn per_worker(run: &MapRun) -> BTreeMap<usize, usize> {
    let mut per_worker = BTreeMap::new();
    for item in &run.items {
        if let (Ok(_), Some(worker)) = (&item.result, item.worker) {
            *per_worker.entry(worker).or_default() += 1;
        }
    }
    per_worker
}

fn all_correct(run: &MapRun) -> bool {
    run.items.iter().all(|item| {
        item.result.as_ref().map_or(true, |result| {
            *result == item.input.wrapping_mul(item.input)
        })
    })
}

/// The outcomes are filed by input position; check that they say so.
fn in_input_order(run: &MapRun) -> bool {
    (1..).zip(&run.items).all(|(k, item)| item.input == k)
}

/// The findings as data. One small object per input: at 100 000 inputs
/// this is most of what the demo holds in memory (~75 MB), so it carries
/// only the four facts a script needs, plus the thread id for threads.
fn data(run: &MapRun, settings: Settings, me: u32) -> serde_json::Value {
    let result = |item: &ItemOutcome| {
        let worker = item.worker.and_then(|index| run.worker(index));
        let error = item.result.as_ref().err().map(|error| error.to_string());
        match worker {
            // A thread pool's workers are threads of mptutor's own process.
            Some(worker) if settings.threads => json!({
                "input": item.input, "result": item.result.as_ref().ok(), "error": error,
                "worker_pid": me, "worker_tid": worker.pid,
            }),
            _ => json!({
                "input": item.input, "result": item.result.as_ref().ok(), "error": error,
                "worker_pid": worker.map(|worker| worker.pid),
            }),
        }
    };
    let mut data = json!({
        "workers": settings.workers,
        "threads": settings.threads,
        "chunksize": settings.chunksize.max(1),
        "items": run.items.len(),
        "all_correct": all_correct(run),
        "in_input_order": in_input_order(run),
        "out_of_order_completions": run.out_of_order,
        "distinct_workers": per_worker(run).len(),
        "replacements": run.replacements,
        "timed_out": run.timed_out,
        "elapsed_ms": run.elapsed.as_secs_f64() * 1e3,
        "process_pid": me,
    });
    // Put in place, not through `json!`, which would copy the whole array.
    data["results"] = serde_json::Value::Array(run.items.iter().map(result).collect());
    data
}

/// The demo, as the catalogue lists it.
pub struct PoolMap;

impl crate::demos::Demo for PoolMap {
    type Result = crate::demos::report::DemoReport;

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
        name: "pool-map",
        lesson: "q5",
        summary: "a pool of pre-started workers maps square() over the inputs, results in order",
        params: &[
            crate::demos::workers(4, 1, "worker processes (or threads) in the pool"),
            crate::demos::count("items", 5, 100_000, "inputs 1, 2, … items to square"),
            crate::demos::count("chunksize", 1, 100_000, "inputs sent to a worker at a time"),
            crate::demos::ParamSpec {
                name: "threads",
                kind: crate::demos::ParamKind::Bool,
                default: crate::demos::ParamValue::Bool(false),
                help: "run the same map on a pool of threads instead",
            },
            crate::demos::ParamSpec {
                name: "crash",
                kind: crate::demos::ParamKind::Int {
                    min: 0,
                    max: 100_000,
                    unit: "",
                },
                default: crate::demos::ParamValue::Int(0),
                help: "the worker that gets this input dies of SIGSEGV; 0 means none",
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
                items: params.count("items"),
                chunksize: params.count("chunksize"),
                threads: params.flag("threads"),
                crash: params.int("crash"),
            },
        )
    }

    fn report(result: &Self::Result) -> crate::findings::Report {
        result.report()
    }
}
