//! Demos: the built-in experiments a lesson runs on real processes and
//! threads.
//!
//! The catalogue ([`CATALOG`]) names them and their parameters, which
//! lessons are checked against. The engine starts workers as processes
//! ([`process_group`], forked from a single-threaded mptutor, see [`sys`])
//! or threads, and reports everything through one [`Event`] stream to an
//! [`EventSink`]. Each demo lives in a file of its own and returns a
//! [`DemoReport`].

mod catalog;
pub mod compare;
mod context;
mod cpu_speedup;
pub mod event;
pub mod interrupt;
pub mod lines;
mod params;
pub mod pool;
pub mod pool_map;
pub mod pool_outcome;
pub mod pool_protocol;
pub mod pool_queue;
mod pool_worker;
pub mod print_numbers;
pub mod process_group;
mod report;
pub mod selftest;
pub mod spawn_process;
pub mod sys;
pub mod task;
pub mod thread_pool;

use std::time::Duration;

pub use catalog::{CATALOG, DemoInfo, demo_names, find_demo};
pub use context::{DemoContext, DemoError, StartMethod};
pub use event::{Event, EventSink, ExitStatus, Recorder, Stream, WorkerIndex, WorkerKind};
pub use params::{DemoParams, ParamError, ParamKind, ParamSpec, ParamValue, ResolvedParams};
pub use report::DemoReport;

/// Runs a demo with its parameters, sending events to `sink` as they
/// happen. Ctrl-C stops it (the previous SIGINT handling is restored after).
pub fn run_demo(
    demo: &DemoInfo,
    params: &DemoParams,
    sink: &mut dyn EventSink,
) -> Result<DemoReport, DemoError> {
    let params = demo.resolved(params);
    let start = match params.word("start") {
        "spawn" => StartMethod::Spawn,
        _ => StartMethod::Fork,
    };
    // A demo without a `timeout` parameter (`compare`) gets the default.
    let timeout = match u64::try_from(params.int("timeout")) {
        Ok(seconds) if seconds > 0 => Duration::from_secs(seconds),
        _ => Duration::from_secs(30),
    };
    let _guard = interrupt::InterruptGuard::install();
    let mut ctx = DemoContext::new(sink, start, timeout);
    match demo.name {
        "print-numbers" => {
            let crash = match params.word("crash") {
                "segfault" => Some(task::Crash::Segfault),
                "abort" => Some(task::Crash::Abort),
                "panic" => Some(task::Crash::Panic),
                _ => None,
            };
            let (workers, repeat) = (params.count("workers"), params.count("repeat"));
            print_numbers::run(&mut ctx, workers, repeat, crash)
        }
        "spawn-process" => spawn_process::run(&mut ctx, params.flag("join")),
        "cpu-speedup" => {
            let limit = u64::try_from(params.int("limit")).unwrap_or(0);
            cpu_speedup::run(&mut ctx, params.count("workers"), limit)
        }
        "pool-map" => pool_map::run(
            &mut ctx,
            pool_map::Settings {
                workers: params.count("workers"),
                items: params.count("items"),
                chunksize: params.count("chunksize"),
                threads: params.flag("threads"),
                crash: params.int("crash"),
            },
        ),
        "pool-queue" => pool_queue::run(
            &mut ctx,
            pool_queue::Settings {
                workers: params.count("workers"),
                tasks: params.count("tasks"),
                pace_ms: u64::try_from(params.int("pace")).unwrap_or(0),
            },
        ),
        "compare" => match compare::rows_named(Some(params.word("row"))) {
            Some(rows) => compare::run(&mut ctx, &rows).map(|found| found.report()),
            None => Err(DemoError::Os(format!(
                "the comparison has no row `{}`",
                params.word("row")
            ))),
        },
        other => Err(DemoError::Os(format!(
            "the `{other}` demo is not built yet"
        ))),
    }
}

/// The entry point of a spawned worker: `mptutor worker <task…>`.
pub fn worker_main(args: &[String]) -> i32 {
    match task::WorkerTask::from_args(args) {
        Some(task) => task.run(),
        None => {
            eprintln!("mptutor worker: unknown task {args:?}");
            2
        }
    }
}
