//! `cpu-speedup` (lesson q1): count the primes below a limit in one
//! process, then split the same count over 2, 4, … processes and time each
//! run, to show that a CPU-bound job gets faster with processes only while
//! there are idle cores.
//!
//! Three decisions shape the measurement:
//! - The baseline is the count in *one worker process*, not in mptutor
//!   itself, so every row pays the same cost of starting and reaping
//!   processes and the speed-up compares like with like. mptutor's own plain
//!   loop runs first, as the reference count and to show what a process adds.
//! - Each process gets one contiguous slice of the range. A stride
//!   (`k, k+n, …`) would hand every other worker only even numbers, and
//!   equal-width slices would leave the top one the largest, slowest
//!   numbers; so the edges are placed where an estimate of the work splits
//!   evenly (see [`slices`]), and the report shows each worker's CPU time so
//!   the balance can be checked.
//! - CPU times come from the engine's `Exited` events (the kernel's rusage
//!   at reaping), so the table agrees with what the live view showed.
//!
//! The slicing is in [`slices`]; the table, the findings and `--json` data
//! in [`findings`].

use std::num::NonZeroUsize;
use std::time::{Duration, Instant};

use super::report::DemoReport;
use crate::demos::primes::{self, count_primes};
use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{ExitStatus, WorkerIndex};
use crate::engine::process_group::ProcessGroup;
use crate::render::format_us;

mod findings;
mod slices;

use findings::{grouped, micros, processes_word, ratio, report, what_went_wrong};
use slices::slices;

/// Numbers mptutor's own loop tests between two looks at Ctrl-C and the
/// timeout: a few milliseconds of work even at the largest limit.
const REFERENCE_SLICE: u64 = 20_000;

/// One worker process of one run.
#[derive(Debug)]
struct Worker {
    index: WorkerIndex,
    pid: i32,
    /// The numbers it tested: `first..end`.
    range: (u64, u64),
    /// The count it printed; `None` when it printed none.
    primes: Option<u64>,
    status: Option<ExitStatus>,
    cpu_us: u64,
}

/// One row of the table: the count split over `workers.len()` processes.
#[derive(Debug)]
struct Run {
    workers: Vec<Worker>,
    wall: Duration,
}

impl Run {
    fn processes(&self) -> usize {
        self.workers.len()
    }

    /// The workers' counts added up; `None` when one printed no count.
    fn primes(&self) -> Option<u64> {
        self.workers.iter().map(|worker| worker.primes).sum()
    }

    fn cpu_us(&self) -> u64 {
        self.workers.iter().map(|worker| worker.cpu_us).sum()
    }

    /// The CPU time of the busiest worker.
    fn max_worker_cpu_us(&self) -> u64 {
        self.workers
            .iter()
            .map(|worker| worker.cpu_us)
            .max()
            .unwrap_or(0)
    }
}

/// Everything measured, for the report.
#[derive(Debug)]
struct Measured {
    limit: u64,
    cores: usize,
    start: &'static str,
    /// mptutor's own loop: the count every run must match, and its time.
    /// `None` when the timeout came first.
    reference: Option<(u64, Duration)>,
    runs: Vec<Run>,
    /// How many processes the run had that the timeout stopped.
    stopped_at: Option<usize>,
}

/// Runs the demo: `workers` is the most processes to try (0: one per core).
pub fn run(
    ctx: &mut RunContext<'_>,
    workers: usize,
    limit: u64,
) -> Result<DemoReport, EngineError> {
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    let most = if workers == 0 { cores } else { workers };
    let measured = measure(ctx, limit, most, cores)?;
    Ok(report(&measured))
}

fn measure(
    ctx: &mut RunContext<'_>,
    limit: u64,
    most: usize,
    cores: usize,
) -> Result<Measured, EngineError> {
    let mut measured = Measured {
        limit,
        cores,
        start: ctx.start_method.name(),
        reference: None,
        runs: Vec::new(),
        stopped_at: None,
    };
    ctx.note(format!(
        "mptutor counts the primes below {} itself, in a plain loop (no new process)…",
        grouped(limit)
    ));
    measured.reference = count_here(ctx, limit)?;
    let Some((expected, took)) = measured.reference else {
        measured.stopped_at = Some(0);
        return Ok(measured);
    };
    ctx.note(format!(
        "mptutor's own loop: {} primes in {}",
        grouped(expected),
        format_us(micros(took))
    ));
    let mut next_index = 0;
    let counts = worker_counts(most);
    // Progress in units of work: a run with n processes counts the range once.
    let total = u64::try_from(counts.len()).unwrap_or(1);
    for (done, processes) in (0u64..).zip(counts) {
        ctx.progress(done, total);
        ctx.note(format!(
            "{}: counting the primes below {} ({})…",
            processes_word(processes),
            grouped(limit),
            ctx.start_method.name()
        ));
        let run = run_split(ctx, limit, processes, next_index)?;
        next_index += processes;
        ctx.progress(done + 1, total);
        if ctx.timed_out {
            measured.stopped_at = Some(processes);
            break;
        }
        let baseline = measured.runs.first().map(|first| first.wall);
        ctx.note(match (run.primes(), baseline) {
            (Some(primes), None) if primes == expected => format!(
                "1 process: {} primes in {}, the time the others are compared with",
                grouped(primes),
                format_us(micros(run.wall))
            ),
            (Some(primes), Some(baseline)) if primes == expected => format!(
                "{}: {} primes in {}, {:.2}× the speed of one process",
                processes_word(processes),
                grouped(primes),
                format_us(micros(run.wall)),
                ratio(baseline, run.wall)
            ),
            _ => format!(
                "✗ WRONG COUNT with {}: {}",
                processes_word(processes),
                what_went_wrong(&run, expected)
            ),
        });
        measured.runs.push(run);
    }
    Ok(measured)
}

/// The count in mptutor itself, a slice at a time so that Ctrl-C and the
/// timeout are noticed. `None` when the timeout came first.
fn count_here(
    ctx: &mut RunContext<'_>,
    limit: u64,
) -> Result<Option<(u64, Duration)>, EngineError> {
    let started = Instant::now();
    let mut primes = 0;
    let mut first = 0;
    while first < limit {
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
        if ctx.remaining().is_zero() {
            ctx.timed_out = true;
            ctx.note("timeout reached: mptutor's own count stopped");
            return Ok(None);
        }
        let end = first.saturating_add(REFERENCE_SLICE).min(limit);
        primes += count_primes(first, end, 1);
        first = end;
    }
    Ok(Some((primes, started.elapsed())))
}

/// One run: `processes` workers, one slice each, timed from the first
/// start to the last reaping. Their indices begin at `first_index`.
fn run_split(
    ctx: &mut RunContext<'_>,
    limit: u64,
    processes: usize,
    first_index: WorkerIndex,
) -> Result<Run, EngineError> {
    let ranges = slices(limit, processes);
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    let started = Instant::now();
    let mut workers = Vec::new();
    for (slot, &(first, end)) in ranges.iter().enumerate() {
        let index = first_index + slot;
        let task = primes::task(first, end, 1);
        let name = format!("Process-{}", slot + 1);
        let pid = group.spawn(ctx, index, name.clone(), &task, false)?;
        workers.push(Worker {
            index,
            pid: pid.as_raw(),
            range: (first, end),
            primes: None,
            status: None,
            cpu_us: 0,
        });
    }
    group.wait_all(ctx)?;
    let wall = started.elapsed();
    for (index, line) in ctx.take_recorded() {
        let count = primes::count_in(&line);
        let worker = index
            .checked_sub(first_index)
            .and_then(|slot| workers.get_mut(slot));
        if let (Some(worker), Some(count)) = (worker, count) {
            worker.primes = Some(count);
        }
    }
    for worker in &mut workers {
        if let Some(exit) = ctx.exit(worker.index) {
            worker.status = Some(exit.status.clone());
            worker.cpu_us = exit.cpu_us;
        }
    }
    Ok(Run { workers, wall })
}

/// The process counts tried: 1, 2, 4, 8, … below `most`, then `most`.
fn worker_counts(most: usize) -> Vec<usize> {
    let most = most.max(1);
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|n| *n < most)
        .collect();
    counts.push(most);
    counts
}

/// The demo, as the catalogue lists it.
pub struct CpuSpeedup;

impl crate::demos::Demo for CpuSpeedup {
    type Result = crate::demos::report::DemoReport;

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
        name: "cpu-speedup",
        lesson: "q1",
        summary: "count primes serially, then split over more and more processes, and time each",
        params: &[
            crate::demos::workers(0, 0, "most processes to try; 0 means one per core"),
            crate::demos::ParamSpec {
                name: "limit",
                kind: crate::demos::ParamKind::Int {
                    min: 10_000,
                    max: 50_000_000,
                    unit: "",
                },
                default: crate::demos::ParamValue::Int(2_000_000),
                help: "count the primes below this number",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(
        ctx: &mut RunContext<'_>,
        params: &crate::demos::ResolvedParams,
    ) -> Result<Self::Result, EngineError> {
        let limit = u64::try_from(params.int("limit")).unwrap_or(0);
        run(ctx, params.count("workers"), limit)
    }

    fn report(result: &Self::Result) -> crate::findings::Report {
        result.report()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_counts_double_up_to_the_most_then_take_it() {
        assert_eq!(worker_counts(0), [1]);
        assert_eq!(worker_counts(1), [1]);
        assert_eq!(worker_counts(2), [1, 2]);
        assert_eq!(worker_counts(6), [1, 2, 4, 6]);
        assert_eq!(worker_counts(64), [1, 2, 4, 8, 16, 32, 64]);
    }
}
