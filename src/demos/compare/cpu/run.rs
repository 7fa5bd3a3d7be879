//! The CPU experiment: a prime count sized on the machine, timed on 1 and
//! on N workers of each kind, with the CPU and the load behind each time.
//!
//! mptutor's threads are native threads with no GIL, so they speed up like
//! processes do. The simulated GIL is one global lock a thread must hold
//! while it computes, released every [`GIL_BLOCK`] numbers the way CPython
//! switches threads every few milliseconds: only one thread computes at a
//! time, as in CPython. Worker k of n tests the odd numbers
//! `2k+1, 2k+1+2n, …`, so every worker gets the same mix of small and large
//! numbers and the split is even.
//!
//! The job is sized on the machine first, so one worker takes about
//! [`TARGET`] of CPU, whatever the CPU and however busy it is. Each count
//! runs [`ROUNDS`] times and the fastest run counts, the usual way to time
//! on a shared machine: a neighbour's burst of work can only slow a run
//! down, never speed it up. Each run keeps its workers' CPU time and what
//! the machine did meanwhile, so the verdicts can tell a busy machine from
//! a claim that fails.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{CpuResult, PythonOutcome, Split, Timed};
use crate::demos::compare::python;
use crate::demos::primes::{self, count_primes};
use crate::engine::context::{EngineError, RunContext};
use crate::engine::load::LoadMeter;
use crate::engine::process_group::ProcessGroup;
use crate::engine::threads::{Job, Voice, run_threads};
use crate::findings::{format_us, words};

/// How long one worker should take to count alone.
const TARGET: Duration = Duration::from_millis(150);
/// Times each count is run; the fastest is kept.
const ROUNDS: usize = 3;
/// Odd numbers a thread tests per turn on the simulated GIL.
const GIL_BLOCK: u64 = 2_000;

/// How the work is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Processes,
    Threads,
    GilThreads,
}

impl Kind {
    fn words(self, workers: usize) -> String {
        match self {
            Kind::Processes => words::processes(workers),
            Kind::Threads => words::threads(workers),
            Kind::GilThreads => format!("{} under the simulated GIL", words::threads(workers)),
        }
    }
}

/// A timed count and the primes it found.
struct Counted {
    timed: Timed,
    primes: Option<u64>,
}

pub(in crate::demos::compare) fn run(ctx: &mut RunContext<'_>) -> Result<CpuResult, EngineError> {
    let cores = crate::engine::sys::cores();
    let workers = cores.max(2);
    let limit = calibrate(ctx)?;
    ctx.note(format!(
        "the job: count the primes below {}, on 1 worker and on {workers}; this machine has {}",
        words::grouped(limit),
        words::cores(cores)
    ));
    let mut primes = None;
    let mut counts_agree = true;
    let mut splits = Vec::new();
    for kind in [Kind::Processes, Kind::Threads, Kind::GilThreads] {
        // Only the first round is shown; the others run the same way.
        ctx.show_first(1 + workers);
        let (mut one, mut many): (Option<Timed>, Option<Timed>) = (None, None);
        for _ in 0..ROUNDS {
            for (size, best) in [(1, &mut one), (workers, &mut many)] {
                let counted = count(ctx, kind, limit, size)?;
                let first = *primes.get_or_insert(counted.primes);
                counts_agree &= counted.primes.is_some() && counted.primes == first;
                if best
                    .as_ref()
                    .is_none_or(|best| counted.timed.wall_us < best.wall_us)
                {
                    *best = Some(counted.timed);
                }
            }
        }
        ctx.show_all();
        let (Some(one), Some(many)) = (one, many) else {
            return Err(EngineError::Refused("no count was timed".into()));
        };
        let split = Split { one, many };
        ctx.note(format!(
            "{}: {} → {}: {} the speed (fastest of {ROUNDS} runs each; the {} had {} of CPU)",
            kind.words(workers),
            format_us(split.one.wall_us),
            format_us(split.many.wall_us),
            words::times(split.speedup()),
            kind.words(workers),
            words::cores_worth(split.many.cores())
        ));
        splits.push(split);
    }
    let [processes, threads, gil_threads]: [Split; 3] = splits
        .try_into()
        .map_err(|_| EngineError::Refused("a split was not timed".into()))?;

    ctx.note("the same loop in real Python: 1 run, then 2 threads, then 2 processes…");
    let python = match python::measure(ctx)? {
        Ok(run) => {
            ctx.note(format!(
                "Python {}: 2 processes {}, 2 threads {} (multiprocessing started its processes \
                 by {})",
                run.info.version,
                words::times(run.processes_speedup()),
                words::times(run.threads_speedup()),
                run.start_method
            ));
            PythonOutcome::Measured(run)
        }
        Err(why) => {
            ctx.note(format!("{why}: only the simulated GIL is shown"));
            PythonOutcome::Missing { why }
        }
    };
    Ok(CpuResult {
        cores,
        workers,
        limit,
        rounds: ROUNDS,
        primes: primes.flatten(),
        counts_agree,
        processes,
        threads,
        gil_threads,
        python,
    })
}

/// Finds a limit for which one worker counts for about [`TARGET`] of CPU
/// time: doubles a trial count until it takes a measurable time, then
/// scales (trial division grows a little faster than linearly, hence the
/// 2/3). CPU time, not wall time: on a busy machine the trial waits for
/// the CPU too, and a job sized by the clock would leave each worker too
/// little work to judge anything by.
fn calibrate(ctx: &mut RunContext<'_>) -> Result<u64, EngineError> {
    let mut limit = 100_000u64;
    loop {
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
        let began = crate::engine::sys::thread_cpu_us();
        count_primes(1, limit, 2);
        let took = crate::engine::sys::thread_cpu_us().saturating_sub(began) as f64 / 1e6;
        if took >= 0.03 || limit >= 10_000_000 {
            let scale = (TARGET.as_secs_f64() / took.max(1e-6)).powf(2.0 / 3.0);
            return Ok(((limit as f64 * scale) as u64).clamp(100_000, 50_000_000));
        }
        limit *= 2;
    }
}

/// Counts the primes below `limit` on `workers` workers of `kind`.
fn count(
    ctx: &mut RunContext<'_>,
    kind: Kind,
    limit: u64,
    workers: usize,
) -> Result<Counted, EngineError> {
    let step = 2 * workers as u64;
    let first = |slot: usize| 2 * slot as u64 + 1;
    // The strides hold only odd numbers; 2 is the one even prime.
    let with_two = |odd: u64| if limit > 2 { odd + 1 } else { odd };
    let total = |counts: Vec<Option<u64>>| {
        (counts.len() == workers)
            .then(|| counts.into_iter().sum::<Option<u64>>())
            .flatten()
            .map(with_two)
    };
    let busiest = |ctx: &RunContext<'_>, indices: std::ops::Range<usize>| {
        indices
            .filter_map(|index| ctx.exit(index).map(|exit| exit.cpu_us))
            .max()
            .unwrap_or(0)
    };
    if kind == Kind::Processes {
        ctx.start_recording();
        let mut group = ProcessGroup::new();
        let indices = ctx.workers(workers);
        let meter = LoadMeter::start();
        let began = Instant::now();
        for (slot, index) in indices.clone().enumerate() {
            let task = primes::task(first(slot), limit, step);
            group.spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)?;
        }
        group.wait_all(ctx)?;
        let wall_us = micros(began.elapsed());
        let cpu_us = ctx.cpu_us(indices.clone());
        let load = meter.finish_with_workers(cpu_us);
        let counts = ctx
            .take_recorded()
            .iter()
            .map(|(_, line)| primes::count_in(line))
            .collect();
        return Ok(Counted {
            timed: Timed {
                wall_us,
                cpu_us,
                busiest_us: busiest(ctx, indices),
                load,
            },
            primes: total(counts),
        });
    }
    let gil = (kind == Kind::GilThreads).then(|| Mutex::new(()));
    let counted = Mutex::new(Vec::new());
    let jobs: Vec<Job<'_>> = (0..workers)
        .map(|slot| {
            let (gil, counted) = (gil.as_ref(), &counted);
            Box::new(move |voice: &Voice<'_>| {
                let primes = count_slice(first(slot), limit, step, gil, voice);
                if let Some(primes) = primes {
                    voice.say(format!("counted {primes} primes"));
                }
                if let Ok(mut counted) = counted.lock() {
                    counted.push(primes);
                }
            }) as Job<'_>
        })
        .collect();
    // The threads' CPU time is this process's own, which the meter counts.
    let meter = LoadMeter::start();
    let ran = run_threads(ctx, jobs)?;
    let load = meter.finish_with_workers(0);
    Ok(Counted {
        timed: Timed {
            wall_us: micros(ran.wall),
            cpu_us: ctx.cpu_us(ran.workers.clone()),
            busiest_us: busiest(ctx, ran.workers),
            load,
        },
        primes: total(counted.into_inner().unwrap_or_default()),
    })
}

/// Counts the primes among `first, first + step, …` below `end`, a block
/// at a time, holding `gil` (when given) for each block. `None` when the
/// demo is stopping.
fn count_slice(
    first: u64,
    end: u64,
    step: u64,
    gil: Option<&Mutex<()>>,
    voice: &Voice<'_>,
) -> Option<u64> {
    let mut primes = 0;
    let mut next = first;
    while next < end {
        if voice.stopped() {
            return None;
        }
        let block_end = next.saturating_add(GIL_BLOCK * step).min(end);
        let _turn = gil.map(|gil| gil.lock());
        primes += count_primes(next, block_end, step);
        // Continue the stride exactly where the block left off.
        next += (block_end - next).div_ceil(step) * step;
    }
    Some(primes)
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}
