//! `cpu-speedup` (lesson q1): count the primes below a limit in one
//! process, then split the same count over 2, 4, … processes and time each
//! run, to show that a CPU-bound job gets faster with processes only while
//! there are idle cores.
//!
//! Four decisions shape the measurement:
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
//! - Every run is watched by a [`LoadMeter`]: a speed-up is judged only
//!   together with the CPU its workers really got and what other programs
//!   took meanwhile, so a busy laptop gives "couldn't tell", not a false ✗.
//!
//! The typed result is in [`result`]; the table and the findings in
//! `findings` and `speed`, pure functions of it.

use std::num::NonZeroUsize;
use std::time::Instant;

use crate::demos::primes::{self, count_primes};
use crate::demos::{Demo, DemoInfo, ParamKind, ParamSpec, ParamValue, ResolvedParams};
use crate::engine::process_group::label;
use crate::engine::{EngineError, LoadMeter, ProcessGroup, RunContext, WorkerIndex};
use crate::findings::{Report, format_us, words};

mod findings;
pub mod result;
mod slices;
mod speed;
#[cfg(test)]
mod tests;

pub use result::{CpuSpeedupResult, OwnLoop, PrimeRun, PrimeWorker};
use slices::slices;

/// Numbers mptutor's own loop tests between two looks at Ctrl-C and the
/// timeout: a few milliseconds of work even at the largest limit.
const REFERENCE_SLICE: u64 = 20_000;

/// The demo, as the catalogue lists it.
pub struct CpuSpeedup;

impl Demo for CpuSpeedup {
    type Result = CpuSpeedupResult;

    const BODIES: crate::engine::Bodies = &[&primes::COUNT_PRIMES];

    const INFO: DemoInfo = DemoInfo {
        name: "cpu-speedup",
        lesson: "q1",
        summary: "count primes serially, then split over more and more processes, and time each",
        params: &[
            crate::demos::workers(0, 0, "most processes to try; 0 means one per core"),
            ParamSpec {
                name: "limit",
                kind: ParamKind::Int {
                    min: 10_000,
                    max: 50_000_000,
                    unit: "",
                },
                default: ParamValue::Int(2_000_000),
                help: "count the primes below this number",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError> {
        let limit = u64::try_from(params.int("limit")).unwrap_or(0);
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let workers = params.count("workers");
        let most = if workers == 0 { cores } else { workers };
        measure(ctx, limit, most, cores)
    }

    fn report(result: &Self::Result) -> Report {
        findings::report(result)
    }
}

fn measure(
    ctx: &mut RunContext<'_>,
    limit: u64,
    most: usize,
    cores: usize,
) -> Result<CpuSpeedupResult, EngineError> {
    let mut result = CpuSpeedupResult {
        limit,
        cores,
        start: ctx.start_method,
        own_loop: None,
        runs: Vec::new(),
        stopped_at: None,
    };
    ctx.note(format!(
        "mptutor counts the primes below {} itself, in a plain loop (no new process)…",
        words::grouped(limit)
    ));
    result.own_loop = count_here(ctx, limit)?;
    let Some(own) = &result.own_loop else {
        result.stopped_at = Some(0);
        return Ok(result);
    };
    let expected = own.primes;
    ctx.note(format!(
        "mptutor's own loop: {} primes in {}",
        words::grouped(expected),
        format_us(own.wall_us)
    ));
    let counts = worker_counts(most, cores);
    // Progress in units of work: a run with n processes counts the range once.
    let total = u64::try_from(counts.len()).unwrap_or(1);
    for (done, processes) in (0u64..).zip(counts) {
        ctx.progress(done, total);
        ctx.note(format!(
            "{}: counting the primes below {} ({})…",
            words::processes(processes),
            words::grouped(limit),
            ctx.start_method.name()
        ));
        let run = run_split(ctx, limit, processes)?;
        ctx.progress(done + 1, total);
        if ctx.timed_out {
            result.stopped_at = Some(processes);
            break;
        }
        let note = match (run.primes(), result.runs.first()) {
            (Some(primes), None) if primes == expected => format!(
                "1 process: {} primes in {}, the time the others are compared with",
                words::grouped(primes),
                format_us(run.wall_us)
            ),
            (Some(primes), Some(baseline)) if primes == expected => format!(
                "{}: {} primes in {}, {} the speed of one process",
                words::processes(processes),
                words::grouped(primes),
                format_us(run.wall_us),
                words::times(result::speedup(baseline.wall_us, run.wall_us))
            ),
            _ => format!(
                "✗ WRONG COUNT with {}: {}",
                words::processes(processes),
                findings::what_went_wrong(&run, expected)
            ),
        };
        ctx.note(note);
        result.runs.push(run);
    }
    Ok(result)
}

/// The count in mptutor itself, a slice at a time so that Ctrl-C and the
/// timeout are noticed. `None` when the timeout came first.
fn count_here(ctx: &mut RunContext<'_>, limit: u64) -> Result<Option<OwnLoop>, EngineError> {
    let meter = LoadMeter::start();
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
    let wall_us = micros_since(started);
    Ok(Some(OwnLoop {
        primes,
        wall_us,
        load: meter.finish_with_workers(0),
    }))
}

/// One run: `processes` workers, one slice each, timed from the first
/// start to the last reaping, with the machine's load measured around it.
fn run_split(
    ctx: &mut RunContext<'_>,
    limit: u64,
    processes: usize,
) -> Result<PrimeRun, EngineError> {
    let ranges = slices(limit, processes);
    ctx.new_run();
    let indices = ctx.workers(processes);
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    let meter = LoadMeter::start();
    let started = Instant::now();
    let mut workers = Vec::new();
    for (slot, (index, &(first, end))) in indices.clone().zip(&ranges).enumerate() {
        let task = primes::task(first, end, 1);
        let pid = group.spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)?;
        workers.push(PrimeWorker {
            label: label(ctx.place_in_run(index)).into_owned(),
            pid: pid.as_raw(),
            first,
            end,
            primes: None,
            status: None,
            cpu_us: 0,
        });
    }
    group.wait_all(ctx)?;
    let wall_us = micros_since(started);
    let slot_of = |index: WorkerIndex| index.checked_sub(indices.start);
    for (index, line) in ctx.take_recorded() {
        let worker = slot_of(index).and_then(|slot| workers.get_mut(slot));
        if let (Some(worker), Some(count)) = (worker, primes::count_in(&line)) {
            worker.primes = Some(count);
        }
    }
    for (index, worker) in indices.clone().zip(&mut workers) {
        if let Some(exit) = ctx.exit(index) {
            worker.status = Some(exit.status.clone());
            worker.cpu_us = exit.cpu_us;
        }
    }
    // The workers' CPU time as their exits gave it, so the load is right
    // whoever reaped them.
    let load = meter.finish_with_workers(ctx.cpu_us(indices));
    Ok(PrimeRun {
        wall_us,
        workers,
        load,
    })
}

fn micros_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// The process counts tried: 1, 2, 4, 8, … below `most`, the core count
/// when `most` goes past it (so "past the cores" is judged against a run
/// with one process per core), then `most`.
fn worker_counts(most: usize, cores: usize) -> Vec<usize> {
    let most = most.max(1);
    let mut counts: Vec<usize> = std::iter::successors(Some(1usize), |n| n.checked_mul(2))
        .take_while(|n| *n < most)
        .collect();
    if cores < most {
        counts.push(cores.max(1));
    }
    counts.push(most);
    counts.sort_unstable();
    counts.dedup();
    counts
}
