//! What a dead pool worker cost: with `crash=N`, or a worker that died of
//! something else, the claim is that only the task it held failed and a
//! new worker took its place.

use std::collections::BTreeSet;

use super::PoolMapResult;
use super::findings::{failed, inputs, items};
use crate::findings::{Finding, Unclear, Verdict, words};

/// `3, 4`, or `1, 2, … 1000` for a long list of inputs.
fn listed(result: &PoolMapResult, positions: &[usize]) -> String {
    let input = |at: &usize| result.items[*at].input.to_string();
    match positions {
        [first, second, .., last] if positions.len() > 8 => {
            format!("{}, {}, … {}", input(first), input(second), input(last))
        }
        _ => positions.iter().map(input).collect::<Vec<_>>().join(", "),
    }
}

/// What a dead worker cost: only its own task, and a replacement.
pub(super) fn crash(result: &PoolMapResult) -> Option<Finding> {
    let failed = failed(result);
    let chunksize = result.chunksize.max(1);
    let crash_at = result
        .crash
        .and_then(|input| result.items.iter().position(|item| item.input == input));
    if result.crash.is_none() && failed.is_empty() {
        return None;
    }
    let claim = if crash_at.is_some() || failed.is_empty() {
        "a worker that crashes costs only the task it held, and a new one takes its place"
    } else {
        "a worker that dies costs only the task it held, and a new one takes its place"
    };
    if result.timed_out {
        return Some(Finding::judged(
            claim,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "the timeout stopped the pool".into(),
            }),
            "The timeout stopped the pool, so what a dead worker costs cannot be told from this \
             run. Try fewer items or a longer `timeout=`.",
        ));
    }
    let (Some(crash), Some(crash_at)) = (result.crash, crash_at) else {
        if let Some(crash) = result.crash.filter(|_| failed.is_empty()) {
            return Some(Finding::judged(
                claim,
                Verdict::CouldntTell(Unclear::NotMeasured {
                    why: format!("no input was {crash}"),
                }),
                format!(
                    "No input was {crash} (the inputs went from 1 to {}), so no worker crashed. \
                     Try `run crash=3`.",
                    result.items.len()
                ),
            ));
        }
        return Some(died_unasked(result, claim, &failed));
    };
    let expected = crash_at / chunksize;
    let mut problems = Vec::new();
    if !failed.contains(&crash_at) {
        problems.push(format!("input {crash} did not fail"));
    }
    let others: Vec<usize> = failed
        .iter()
        .copied()
        .filter(|at| at / chunksize != expected)
        .collect();
    if !others.is_empty() {
        problems.push(format!(
            "{} of other tasks failed too ({})",
            inputs(others.len()),
            listed(result, &others)
        ));
    }
    if result.replacements == 0 {
        problems.push("no replacement worker was started".into());
    }
    if !problems.is_empty() {
        return Some(Finding::judged(
            claim,
            Verdict::Contradicted,
            format!(
                "The crash did not cost what it should: {}. A worker can also die of something \
                 else (the machine out of memory, a `kill`); run it again and read the notes \
                 above.",
                problems.join("; ")
            ),
        ));
    }
    let error = result.items[crash_at].error.clone().unwrap_or_default();
    Some(Finding::judged(
        claim,
        Verdict::Holds,
        format!(
            "Input {crash} crashed its worker: {error}. Only its task failed ({}: {}); the pool \
             started {} and the other {} completed. {}",
            inputs(failed.len()),
            listed(result, &failed),
            words::count(
                result.replacements as u64,
                "replacement worker",
                "replacement workers"
            ),
            items(result.items.len() - failed.len()),
            PYTHON_POOLS
        ),
    ))
}

const PYTHON_POOLS: &str = "Python's `multiprocessing.Pool` also replaces the worker, but `map` \
                            then waits forever for the lost task; \
                            `concurrent.futures.ProcessPoolExecutor` raises `BrokenProcessPool` \
                            instead.";

/// A worker died without `crash=`: one lost task per replacement at most.
fn died_unasked(result: &PoolMapResult, claim: &str, failed: &[usize]) -> Finding {
    let chunksize = result.chunksize.max(1);
    let failed_chunks: BTreeSet<usize> = failed.iter().map(|at| at / chunksize).collect();
    let error = failed
        .first()
        .and_then(|&at| result.items[at].error.clone())
        .unwrap_or_default();
    let tasks = words::count(failed_chunks.len() as u64, "task", "tasks");
    let held = if failed_chunks.len() == 1 {
        "the task it held".to_string()
    } else {
        format!("the {tasks} they held")
    };
    let replaced = words::count(
        result.replacements as u64,
        "replacement worker",
        "replacement workers",
    );
    if result.replacements >= 1 && failed_chunks.len() <= result.replacements {
        Finding::judged(
            claim,
            Verdict::Holds,
            format!(
                "A worker died: {error}. Only {held} failed ({}: {}); the pool \
                 started {replaced} and the other {} completed. {PYTHON_POOLS}",
                inputs(failed.len()),
                listed(result, failed),
                items(result.items.len() - failed.len())
            ),
        )
    } else {
        Finding::judged(
            claim,
            Verdict::Contradicted,
            format!(
                "{} of {tasks} failed ({error}), and the pool started {replaced}: more was lost \
                 than the tasks the dead workers held. Run it again and read the notes above.",
                inputs(failed.len()),
            ),
        )
    }
}
