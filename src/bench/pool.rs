//! The process pool: a whole life (create 4 workers, map square over 5
//! inputs, shut down), and the round trip of one item at chunksize 1 over
//! a long map. mptutor's figure is the engine's [`Pool`]; the floor is a
//! pool over raw pipes sending one binary `i64` each way ([`BarePool`]).

use super::floor::BarePool;
use super::{
    BenchError, Discard, Extra, Measured, Op, Plan, alternate, context, paired_ratio, stats, timed,
};
use crate::engine::StartMethod;
use crate::engine::pool::{Job, MapOptions, Pool};

const WORKERS: usize = 4;

const SQUARE_ONE_BY_ONE: MapOptions = MapOptions {
    job: Job::Square,
    chunksize: 1,
    pause_ms: 0,
    crash_on: 0,
};

/// Maps square over `inputs` on the engine's pool; an error unless every
/// result is right.
fn engine_map(pool: &mut Pool, inputs: &[i64]) -> Result<usize, BenchError> {
    let mut sink = Discard;
    let mut ctx = context(&mut sink, StartMethod::Fork);
    let run = pool.map(&mut ctx, inputs, SQUARE_ONE_BY_ONE, &mut |_, _| {})?;
    let right = run.items.len() == inputs.len()
        && run
            .items
            .iter()
            .all(|item| item.result.as_ref().ok() == Some(&(item.input * item.input)));
    if right {
        Ok(inputs.len())
    } else {
        Err(BenchError::Failed(
            "the engine's pool returned wrong results".into(),
        ))
    }
}

fn floor_map(pool: &mut BarePool, inputs: &[i64]) -> Result<usize, BenchError> {
    let results = pool
        .map_squares(inputs)
        .map_err(BenchError::io("map on the bare pool"))?;
    if results
        .iter()
        .zip(inputs)
        .all(|(result, x)| *result == x * x)
    {
        Ok(inputs.len())
    } else {
        Err(BenchError::Failed(
            "the bare pool returned wrong results".into(),
        ))
    }
}

/// Create, map square over 0..5, shut down.
pub fn lifecycle(plan: Plan) -> Result<Measured, BenchError> {
    super::ensure_single_threaded()?;
    let inputs: Vec<i64> = (0..5).collect();
    let (engine, bare) = alternate(
        plan,
        timed(|| {
            let mut sink = Discard;
            let mut ctx = context(&mut sink, StartMethod::Fork);
            let mut pool = Pool::start(&mut ctx, WORKERS)?;
            engine_map(&mut pool, &inputs)?;
            pool.shutdown(&mut ctx)?;
            Ok(1)
        }),
        timed(|| {
            let mut pool = BarePool::start(WORKERS).map_err(BenchError::io("start a bare pool"))?;
            floor_map(&mut pool, &inputs)?;
            pool.shutdown()
                .map_err(BenchError::io("shut the bare pool down"))?;
            Ok(1)
        }),
    )?;
    Ok(Measured {
        op: Op::PoolLifecycle,
        mptutor: stats(&engine, "pool life")?,
        floor: stats(&bare, "bare pool life")?,
        python: None,
        paired_ratio: paired_ratio(&engine, &bare),
        runs: plan.runs,
        extra: Extra::default(),
        notes: vec![
            "Python: Pool(4) with the fork context, map(square, range(5)), close(), join()".into(),
        ],
    })
}

/// One item's round trip: a map of many items, chunksize 1, on a pool
/// already running, divided by the items; warm-up rounds map a tenth of
/// them.
pub fn round_trip(plan: Plan, items: usize) -> Result<Measured, BenchError> {
    super::ensure_single_threaded()?;
    let inputs: Vec<i64> = (0..i64::try_from(items).unwrap_or(i64::MAX)).collect();
    let warmup = &inputs[..items / 10];
    let mut sink = Discard;
    let mut ctx = context(&mut sink, StartMethod::Fork);
    let mut engine_pool = Pool::start(&mut ctx, WORKERS)?;
    let mut bare_pool = BarePool::start(WORKERS).map_err(BenchError::io("start a bare pool"))?;
    // Warm-up rounds map a tenth of the items, measured rounds all of them.
    let rounds: Vec<&[i64]> = (0..plan.warmup + plan.runs)
        .map(|round| {
            if round < plan.warmup {
                warmup
            } else {
                &inputs[..]
            }
        })
        .collect();
    let mut engine_turn = rounds.iter().copied();
    let mut floor_turn = rounds.iter().copied();
    let (engine, bare) = alternate(
        plan,
        timed(|| engine_map(&mut engine_pool, engine_turn.next().unwrap_or(warmup))),
        timed(|| floor_map(&mut bare_pool, floor_turn.next().unwrap_or(warmup))),
    )?;
    engine_pool.shutdown(&mut ctx)?;
    bare_pool
        .shutdown()
        .map_err(BenchError::io("shut the bare pool down"))?;
    Ok(Measured {
        op: Op::PoolRoundTrip,
        mptutor: stats(&engine, "round trip")?,
        floor: stats(&bare, "bare round trip")?,
        python: None,
        paired_ratio: paired_ratio(&engine, &bare),
        runs: plan.runs,
        extra: Extra::default(),
        notes: vec![format!(
            "a map of {items} items, chunksize 1, over 4 workers on a started pool, per item; \
             Python: Pool(4).map(square, range({items}), chunksize=1)"
        )],
    })
}
