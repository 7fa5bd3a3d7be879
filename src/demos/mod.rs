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
mod cpu_speedup;
mod params;
pub mod pool_map;
pub mod pool_queue;
pub mod primes;
pub mod print_numbers;
mod report;
pub mod spawn_process;

use std::time::Duration;

pub use catalog::{CATALOG, DemoInfo, demo_names, find_demo};
pub use params::{DemoParams, ParamError, ParamKind, ParamSpec, ParamValue, ResolvedParams};
pub use report::DemoReport;

use crate::engine::task::{self, Bodies, Crash};
use crate::engine::{EngineError, EventSink, RunContext, StartMethod, interrupt};

/// Every child-side body of this build: the engine's own and the demos'.
/// A spawned worker and the fork server find theirs here by name.
pub static BODIES: Bodies = &[
    &task::CRASH,
    &task::SLEEP,
    &task::FLOOD,
    &task::STAMPS,
    &crate::engine::pool::POOL_WORKER,
    &primes::COUNT_PRIMES,
    &print_numbers::PRINT_NUMBER,
    &spawn_process::SHOW_IDS,
    &compare::ADD_TO_COUNTER,
    &compare::CRASHING_THREADS,
    &compare::RECEIVE_BYTES,
];

/// Runs a demo with its parameters, sending events to `sink` as they
/// happen. Ctrl-C stops it (the previous SIGINT handling is restored after).
pub fn run_demo(
    demo: &DemoInfo,
    params: &DemoParams,
    sink: &mut dyn EventSink,
) -> Result<DemoReport, EngineError> {
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
    let mut ctx = RunContext::new(sink, start, timeout).with_bodies(BODIES);
    match demo.name {
        "print-numbers" => {
            let crash = Crash::from_word(params.word("crash"));
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
            None => Err(EngineError::Refused(format!(
                "the comparison has no row `{}`",
                params.word("row")
            ))),
        },
        other => Err(EngineError::Refused(format!(
            "the `{other}` demo is not built yet"
        ))),
    }
}

/// The entry point of a spawned worker: `mptutor worker <body> <args…>`.
pub fn worker_main(words: &[String]) -> i32 {
    task::worker_main(BODIES, words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_has_a_name_of_its_own() {
        let mut names: Vec<&str> = BODIES.iter().map(|body| body.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
        for body in task::ENGINE_BODIES {
            assert!(
                BODIES.iter().any(|known| known.name == body.name),
                "{}",
                body.name
            );
        }
    }
}
