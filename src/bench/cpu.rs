//! CPU-bound speed-up on every core: the odd primes below a limit counted
//! by one worker process, then by one per core, timed from the first start
//! to the last reaping. Efficiency is the speed-up divided by the cores:
//! 1.0 means every core did a full share and starting the processes cost
//! nothing.
//!
//! Worker k of n tests the odd numbers 2k+1, 2k+1+2n, …: interleaved
//! shares are equal work whatever testing a number costs, so the split is
//! as fair to Python's interpreter as to compiled code. (The `cpu-speedup`
//! demo shows contiguous slices instead, which a student can picture; their
//! edges come from a cost model of compiled trial division.)
//!
//! The efficiency is judged as a speed-up (`findings::judge_speedup`): the
//! machine's load is measured during the one-process and the all-cores
//! runs, and mptutor's workers' CPU time over the wall time of their runs
//! shows how much of the cores they really got.

use std::time::Instant;

use super::{
    BenchError, CpuLoad, Discard, Extra, Measured, Op, Plan, Sides, alternate, context, floor,
    stats, timed,
};
use crate::demos::primes::{self, count_primes};
use crate::engine::process_group::ProcessGroup;
use crate::engine::{LoadMeter, StartMethod, sys};
use crate::findings::SpeedRun;
use crate::findings::speed::SMALL_WORK_US;

/// What the CPU-bound measurement found.
pub struct CpuResult {
    pub measured: Measured,
    /// mptutor's median time for one process: Python aims its own limit at
    /// it, so both runs are about as long.
    pub one_process_seconds: f64,
}

/// The smallest limit (doubling from 100 000) whose count takes about
/// `seconds` of CPU time. Timed by this thread's CPU clock, not the wall
/// clock: on a busy machine the count takes longer but not more work, and
/// a limit picked by the wall clock would leave each worker too little
/// work to tell anything.
fn calibrate(seconds: f64) -> u64 {
    let mut limit: u64 = 100_000;
    loop {
        let started = sys::thread_cpu_us();
        std::hint::black_box(count_primes(1, limit, 2));
        let took = sys::thread_cpu_us().saturating_sub(started) as f64 / 1e6;
        // Work grows as limit^1.5: one more step of ×2.5 is about ×4.
        if took * 4.0 >= seconds || limit >= 50_000_000 {
            return if took * 2.0 >= seconds {
                limit
            } else {
                limit * 5 / 2
            };
        }
        limit *= 2;
    }
}

/// Each worker's share of the odd numbers below the limit: its first
/// number and its stride.
fn shares(parts: usize) -> Vec<(u64, u64)> {
    let parts = u64::try_from(parts.max(1)).unwrap_or(1);
    (0..parts).map(|k| (2 * k + 1, 2 * parts)).collect()
}

/// What one engine run's workers got of the machine.
#[derive(Debug, Clone, Copy)]
struct Round {
    /// The workers' CPU time, added up.
    cpu_us: u64,
    /// From the first start to the last reaping.
    wall_us: u64,
    /// The busiest worker's CPU time.
    most_us: u64,
}

/// Cores' worth of CPU the workers of `rounds` got, over all of them.
fn cores_got(rounds: &[Round]) -> Option<f64> {
    let wall: u64 = rounds.iter().map(|round| round.wall_us).sum();
    let cpu: u64 = rounds.iter().map(|round| round.cpu_us).sum();
    (wall > 0).then(|| cpu as f64 / wall as f64)
}

/// The engine counts with `parts` workers; returns the total count the
/// workers printed, and what they got of the machine.
fn engine_count(limit: u64, parts: usize) -> Result<(u64, Round), BenchError> {
    let started = Instant::now();
    let mut sink = Discard;
    let mut ctx = context(&mut sink, StartMethod::Fork);
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    for (index, (first, step)) in shares(parts).into_iter().enumerate() {
        let task = primes::task(first, limit, step);
        group.spawn(
            &mut ctx,
            index,
            format!("Process-{}", index + 1),
            &task,
            false,
        )?;
    }
    group.wait_all(&mut ctx)?;
    if (0..parts).any(|index| !group.status(index).is_some_and(|s| s.success())) {
        return Err(BenchError::Failed("a counting worker failed".into()));
    }
    let round = Round {
        cpu_us: ctx.cpu_us(0..parts),
        wall_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        most_us: (0..parts)
            .filter_map(|index| ctx.exit(index).map(|exit| exit.cpu_us))
            .max()
            .unwrap_or(0),
    };
    let count = ctx
        .take_recorded()
        .iter()
        .filter_map(|(_, line)| primes::count_in(line))
        .sum();
    Ok((count, round))
}

/// `seconds`: about how long one process should count; at least long
/// enough that each worker's share is well above what the speed judge
/// calls too little work, however many cores there are ([`calibrate`]
/// picks a count of at least half the time asked).
pub fn all_cores(plan: Plan, cores: usize, seconds: f64) -> Result<CpuResult, BenchError> {
    super::ensure_single_threaded()?;
    let least = (3 * SMALL_WORK_US) as f64 / 1e6 * cores as f64;
    let limit = calibrate(seconds.max(least));
    let mut counts = Vec::new();
    let mut time_with = |parts: usize| {
        let meter = LoadMeter::start();
        let mut rounds = Vec::new();
        let samples = alternate(
            plan,
            timed(|| {
                let (count, round) = engine_count(limit, parts)?;
                counts.push(count);
                rounds.push(round);
                Ok(1)
            }),
            timed(|| {
                floor::fork_count_primes(limit, &shares(parts))
                    .map_err(BenchError::io("fork counting children"))?;
                Ok(1)
            }),
        )?;
        // Warm-up rounds are not timed, so they do not count here either.
        let measured = rounds.split_off(rounds.len().saturating_sub(plan.runs));
        Ok::<_, BenchError>((samples, measured, meter.finish()))
    };
    let ((engine_one, floor_one), one_rounds, one_load) = time_with(1)?;
    let ((engine_all, floor_all), all_rounds, all_load) = time_with(cores)?;
    if counts.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(BenchError::Failed(format!(
            "the workers' counts disagree: {counts:?}"
        )));
    }
    let (engine_one, floor_one) = (stats(&engine_one, "1 process")?, stats(&floor_one, "1")?);
    let (mptutor, floor) = (stats(&engine_all, "all cores")?, stats(&floor_all, "all")?);
    let efficiency =
        |one: super::Stats, all: super::Stats| one.median_us / all.median_us / cores as f64;
    let mut most: Vec<u64> = all_rounds.iter().map(|round| round.most_us).collect();
    most.sort_unstable();
    let speed = SpeedRun {
        workers: cores,
        cores,
        speedup: engine_one.median_us / mptutor.median_us,
        parallel_cores: cores_got(&all_rounds),
        baseline_cores: cores_got(&one_rounds),
        others_cores: all_load.others_cores(),
        per_worker_us: most.get(most.len() / 2).copied(),
        parallel_work_cpu: None,
    };
    Ok(CpuResult {
        one_process_seconds: engine_one.median_us / 1e6,
        measured: Measured {
            op: Op::CpuAllCores,
            mptutor,
            floor,
            python: None,
            paired_ratio: None,
            runs: plan.runs,
            extra: Extra {
                cores: Some(cores),
                efficiency: Some(Sides {
                    mptutor: Some(efficiency(engine_one, mptutor)),
                    floor: Some(efficiency(floor_one, floor)),
                    python: None,
                }),
                cpu_load: Some(CpuLoad {
                    one_process: one_load,
                    all_cores: all_load,
                    speed,
                }),
                peak_rss_kb: None,
            },
            notes: vec![format!(
                "odd primes below {limit} by trial division, in 1 process then {cores}; floor: \
                 forked children calling the same function; Python counts in pure Python \
                 (far slower), below a limit it picks for a run as long as mptutor's, so \
                 only its efficiency compares"
            )],
        },
    })
}
