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

use std::time::Instant;

use super::{
    BenchError, Discard, Extra, Measured, Op, Plan, alternate, context, floor, stats, timed,
};
use crate::demos::primes::{self, count_primes};
use crate::engine::StartMethod;
use crate::engine::process_group::ProcessGroup;

/// What the CPU-bound measurement found.
pub struct CpuResult {
    pub measured: Measured,
    /// mptutor's median time for one process: Python aims its own limit at
    /// it, so both runs are about as long.
    pub one_process_seconds: f64,
}

/// The smallest limit (doubling from 100 000) whose count in this process
/// takes about `seconds`.
fn calibrate(seconds: f64) -> u64 {
    let mut limit: u64 = 100_000;
    loop {
        let started = Instant::now();
        std::hint::black_box(count_primes(1, limit, 2));
        let took = started.elapsed().as_secs_f64();
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

/// The engine counts with `parts` workers; returns the total count the
/// workers printed.
fn engine_count(limit: u64, parts: usize) -> Result<u64, BenchError> {
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
    Ok(ctx
        .take_recorded()
        .iter()
        .filter_map(|(_, line)| primes::count_in(line))
        .sum())
}

/// `seconds`: about how long one process should count.
pub fn all_cores(plan: Plan, cores: usize, seconds: f64) -> Result<CpuResult, BenchError> {
    super::ensure_single_threaded()?;
    let limit = calibrate(seconds);
    let mut counts = Vec::new();
    let mut time_with = |parts: usize| {
        alternate(
            plan,
            timed(|| {
                counts.push(engine_count(limit, parts)?);
                Ok(1)
            }),
            timed(|| {
                floor::fork_count_primes(limit, &shares(parts))
                    .map_err(BenchError::io("fork counting children"))?;
                Ok(1)
            }),
        )
    };
    let (engine_one, floor_one) = time_with(1)?;
    let (engine_all, floor_all) = time_with(cores)?;
    if counts.windows(2).any(|pair| pair[0] != pair[1]) {
        return Err(BenchError::Failed(format!(
            "the workers' counts disagree: {counts:?}"
        )));
    }
    let (engine_one, floor_one) = (stats(&engine_one, "1 process")?, stats(&floor_one, "1")?);
    let (mptutor, floor) = (stats(&engine_all, "all cores")?, stats(&floor_all, "all")?);
    let efficiency =
        |one: super::Stats, all: super::Stats| one.median_us / all.median_us / cores as f64;
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
                efficiency: Some([
                    Some(efficiency(engine_one, mptutor)),
                    Some(efficiency(floor_one, floor)),
                    None,
                ]),
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
