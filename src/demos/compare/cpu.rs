//! CPU row (the GIL, "best for" and performance rows of the table): the
//! same prime count on 1 and on N workers, as processes, as threads, and
//! as threads under a simulated GIL; then, when `python3` is on PATH, the
//! real thing (see `python`).
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
//! [`TARGET`], whatever the CPU. Each count runs [`ROUNDS`] times and the
//! fastest time counts, the usual way to time on a shared machine: a
//! neighbour's burst of work can only slow a run down, never speed it up.
//! With fewer than two cores there is no speed-up to show, and the row says
//! so instead of judging the claim. The same goes for a machine too busy to
//! give the workers two cores at once: the processes' CPU time over their
//! wall time says how many cores they really had (see
//! [`PARALLEL_AT_LEAST`]), and a student whose laptop is compiling
//! something is told to run the row again rather than that the lesson is
//! wrong.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::python::{self, PythonInfo, PythonRun};
use super::{Measurement, Row, RowResult, ratio, times_word};
use crate::demos::primes::{self, count_primes};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::threads::{Job, Voice, run_threads};
use crate::render::format_us;

/// How long one worker should take to count alone.
const TARGET: Duration = Duration::from_millis(150);
/// Times each count is run; the fastest is kept.
const ROUNDS: usize = 3;
/// Odd numbers a thread tests per turn on the simulated GIL.
const GIL_BLOCK: u64 = 2_000;
/// The claim holds when processes speed up by more than this…
const PROCESSES_AT_LEAST: f64 = 1.5;
/// …and threads under a GIL by less than this.
const GIL_THREADS_BELOW: f64 = 1.2;
/// Below this many cores' worth of CPU at once (CPU time / wall time of
/// the parallel processes), other programs took the cores the speed-up
/// needs, and the claim cannot be judged.
const PARALLEL_AT_LEAST: f64 = 1.5;

/// How the work is spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Processes,
    Threads,
    GilThreads,
}

impl Kind {
    fn words(self, workers: usize) -> String {
        match (self, workers) {
            (Kind::Processes, 1) => "1 process".to_string(),
            (Kind::Processes, n) => format!("{n} processes"),
            (Kind::Threads, 1) => "1 thread".to_string(),
            (Kind::Threads, n) => format!("{n} threads"),
            (Kind::GilThreads, 1) => "1 thread under the simulated GIL".to_string(),
            (Kind::GilThreads, n) => format!("{n} threads under the simulated GIL"),
        }
    }
}

/// One timed count.
struct Timed {
    primes: Option<u64>,
    wall: Duration,
    /// CPU time of all its workers together.
    cpu: Duration,
}

pub(super) fn run(
    ctx: &mut RunContext<'_>,
) -> Result<(RowResult, Option<PythonInfo>), EngineError> {
    let cores = super::cores();
    let workers = cores.max(2);
    let limit = calibrate(ctx)?;
    ctx.note(format!(
        "the job: count the primes below {limit}, on 1 worker and on {workers}; this machine has {cores} {}",
        if cores == 1 { "core" } else { "cores" }
    ));
    let mut speedups = Vec::new();
    let mut counts_agree = true;
    let mut measurements = vec![
        Measurement::new("cores", cores as f64, "count"),
        Measurement::new("workers", workers as f64, "count"),
        Measurement::new("limit", limit as f64, "count"),
    ];
    let mut expected = None;
    // Cores' worth of CPU the fastest parallel run of processes got.
    let mut parallel = 0.0;
    for kind in [Kind::Processes, Kind::Threads, Kind::GilThreads] {
        // Only the first round is shown; the others run the same way.
        ctx.show_first(1 + workers);
        let (mut one, mut many) = (Duration::MAX, Duration::MAX);
        for _ in 0..ROUNDS {
            for (size, best) in [(1, &mut one), (workers, &mut many)] {
                let timed = count(ctx, kind, limit, size)?;
                let first = *expected.get_or_insert(timed.primes);
                counts_agree &= timed.primes.is_some() && timed.primes == first;
                if kind == Kind::Processes && size == workers && timed.wall < *best {
                    parallel = ratio(timed.cpu.as_secs_f64(), timed.wall.as_secs_f64());
                }
                *best = (*best).min(timed.wall);
            }
        }
        ctx.show_all();
        let speedup = ratio(one.as_secs_f64(), many.as_secs_f64());
        ctx.note(format!(
            "{}: {} → {}: {} the speed (fastest of {ROUNDS} runs each)",
            kind.words(workers),
            format_us(micros(one)),
            format_us(micros(many)),
            times_word(speedup)
        ));
        let (one_name, many_name, speedup_name) = match kind {
            Kind::Processes => ("processes_1_ms", "processes_n_ms", "processes_speedup"),
            Kind::Threads => ("threads_1_ms", "threads_n_ms", "threads_speedup"),
            Kind::GilThreads => (
                "gil_threads_1_ms",
                "gil_threads_n_ms",
                "gil_threads_speedup",
            ),
        };
        measurements.push(Measurement::new(one_name, millis(one), "ms"));
        measurements.push(Measurement::new(many_name, millis(many), "ms"));
        measurements.push(Measurement::new(speedup_name, round2(speedup), "x"));
        speedups.push(speedup);
    }
    let [processes, threads, gil] = [speedups[0], speedups[1], speedups[2]];

    ctx.note("the same loop in real Python: 2 threads, then 2 processes…");
    let python = python::measure(ctx)?;
    let python_words = match &python {
        Ok(run) => {
            measurements.push(Measurement::new(
                "python_threads_speedup",
                round2(run.threads_speedup),
                "x",
            ));
            measurements.push(Measurement::new(
                "python_processes_speedup",
                round2(run.processes_speedup),
                "x",
            ));
            let words = python_words(run);
            ctx.note(format!(
                "{words} (multiprocessing started its processes by {})",
                run.start_method
            ));
            words
        }
        Err(why) => {
            ctx.note(format!("{why}: only the simulated GIL is shown"));
            format!("no real Python here ({why})")
        }
    };

    measurements.push(Measurement::new(
        "processes_parallelism",
        round2(parallel),
        "cores",
    ));
    let busy = cores >= 2 && parallel < PARALLEL_AT_LEAST;
    let agrees = match (cores >= 2 && !busy, counts_agree) {
        (_, false) => Some(false),
        (false, true) => None,
        (true, true) => Some(processes > PROCESSES_AT_LEAST && gil < GIL_THREADS_BELOW),
    };
    let figures = format!(
        "{} vs {} under a GIL ({} without)",
        times_word(processes),
        times_word(gil),
        times_word(threads)
    );
    let summary = if cores < 2 {
        format!("1 core: no speed-up can be shown; {figures}")
    } else if busy {
        format!("machine busy: no speed-up can be shown; {figures}")
    } else {
        figures.clone()
    };
    let mut finding = if cores < 2 {
        format!(
            "This machine has one core, so no way of splitting the work can make it faster: the \
             speed-up the claim is about cannot be shown here (measured: {figures})."
        )
    } else if busy {
        format!(
            "The {workers} processes got only {parallel:.1} cores' worth of CPU at once: other \
             programs were using the cores, so the speed-up the claim is about could not be shown \
             (measured: {figures}). Close what is busy and type `compare cpu` to measure again."
        )
    } else {
        format!(
            "Split over {workers} workers, the count ran {} as fast on processes, {} as fast on \
             threads under the simulated GIL, where only the thread holding the lock computes, and \
             {} as fast on mptutor's native threads, which have no GIL.",
            times_word(processes),
            times_word(gil),
            times_word(threads)
        )
    };
    if !counts_agree {
        finding.push_str(" Some split did not count the same number of primes as one worker.");
    }
    finding.push(' ');
    finding.push_str(&python_sentence(&python, &python_words));
    let summary = match &python {
        Ok(run) => format!(
            "{summary}; Python {}: {} vs {}",
            run.info.version,
            times_word(run.processes_speedup),
            times_word(run.threads_speedup)
        ),
        Err(_) => format!("{summary}; no python3"),
    };
    let info = python.ok().map(|run| run.info);
    Ok((
        RowResult {
            row: Row::Cpu,
            measurements,
            agrees,
            summary,
            finding,
        },
        info,
    ))
}

fn python_words(run: &PythonRun) -> String {
    format!(
        "Python {} ({}): 2 processes {}, 2 threads {}",
        run.info.version,
        if run.info.gil_enabled {
            "GIL enabled"
        } else {
            "free-threaded, GIL disabled"
        },
        times_word(run.processes_speedup),
        times_word(run.threads_speedup)
    )
}

fn python_sentence(python: &Result<PythonRun, String>, words: &str) -> String {
    match python {
        Ok(run) if run.info.gil_enabled => format!(
            "The real interpreter, {words}: its threads take turns on the GIL just like the simulation."
        ),
        Ok(_) => format!(
            "The real interpreter, {words}: without a GIL its threads can compute at the same time."
        ),
        Err(why) => format!("Real Python could not be measured: {why}."),
    }
}

/// Finds a limit for which one worker counts for about [`TARGET`]:
/// doubles a trial count until it takes a measurable time, then scales
/// (trial division grows a little faster than linearly, hence the 2/3).
fn calibrate(ctx: &mut RunContext<'_>) -> Result<u64, EngineError> {
    let mut limit = 100_000u64;
    loop {
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
        let began = Instant::now();
        count_primes(1, limit, 2);
        let took = began.elapsed().as_secs_f64();
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
) -> Result<Timed, EngineError> {
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
    let cpu_of = |ctx: &RunContext<'_>, indices| Duration::from_micros(ctx.cpu_us(indices));
    if kind == Kind::Processes {
        ctx.start_recording();
        let mut group = ProcessGroup::new();
        let indices = ctx.workers(workers);
        let began = Instant::now();
        for (slot, index) in indices.clone().enumerate() {
            let task = primes::task(first(slot), limit, step);
            group.spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)?;
        }
        group.wait_all(ctx)?;
        let wall = began.elapsed();
        let counts = ctx
            .take_recorded()
            .iter()
            .map(|(_, line)| primes::count_in(line))
            .collect();
        return Ok(Timed {
            primes: total(counts),
            wall,
            cpu: cpu_of(ctx, indices),
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
    let ran = run_threads(ctx, jobs)?;
    Ok(Timed {
        primes: total(counted.into_inner().unwrap_or_default()),
        wall: ran.wall,
        cpu: cpu_of(ctx, ran.workers),
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

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
