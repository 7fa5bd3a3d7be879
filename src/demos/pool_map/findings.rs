//! What a finished `pool-map` shows: the results table, and findings that
//! follow from the result alone — input order and the squares, how many
//! results overtook earlier ones, who did the work, what chunking did, and
//! what a crashed worker cost.

use std::collections::{BTreeMap, BTreeSet};

use super::crash::crash;
use super::table::table;
use super::{MapItem, PoolMapResult};
use crate::findings::{Finding, Report, Unclear, Verdict, format_us, words};

/// Workers named one by one in the findings.
const NAMED_WORKERS: usize = 8;

pub(super) fn report(result: &PoolMapResult) -> Report {
    let mut findings = vec![order_and_squares(result), arrivals(result), who(result)];
    if result.threads {
        findings.push(one_process(result));
    }
    if result.timed_out {
        findings.push(Finding::fact(format!(
            "The timeout stopped the pool: {} of {} were not computed.",
            failed(result).len(),
            items(result.items.len())
        )));
    } else {
        findings.push(chunking(result));
    }
    if result.threads && result.crash.is_some() {
        findings.push(Finding::fact(
            "`crash=` was ignored: a thread that segfaults takes the whole process, mptutor \
             included, down with it. Run it without `threads=true` to see a pool lose a worker \
             and carry on.",
        ));
    } else if let Some(crash) = crash(result) {
        findings.push(crash);
    }
    Report {
        tables: vec![table(result)],
        findings,
    }
}

pub(super) fn items(n: usize) -> String {
    words::count(n as u64, "item", "items")
}

pub(super) fn inputs(n: usize) -> String {
    words::count(n as u64, "input", "inputs")
}

/// The positions of the items that have no result.
pub(super) fn failed(result: &PoolMapResult) -> Vec<usize> {
    (0..result.items.len())
        .filter(|&at| result.items[at].result.is_none())
        .collect()
}

fn squared(item: &MapItem) -> bool {
    item.result
        .is_none_or(|result| result == item.input.wrapping_mul(item.input))
}

/// The lesson's claim: map files every result in its input's slot.
fn order_and_squares(result: &PoolMapResult) -> Finding {
    const CLAIM: &str = "map returns every result in its input's slot, each its input squared";
    let misplaced = (1..)
        .zip(&result.items)
        .filter(|(k, item)| item.input != *k)
        .count();
    let wrong: Vec<&MapItem> = result.items.iter().filter(|item| !squared(item)).collect();
    let failed = failed(result).len();
    let done = result.items.len() - failed;
    if misplaced > 0 || !wrong.is_empty() {
        let mut problems = Vec::new();
        if misplaced > 0 {
            problems.push(format!(
                "{} of the {} hold another input's outcome",
                misplaced,
                words::count(result.items.len() as u64, "slot", "slots")
            ));
        }
        if let Some(first) = wrong.first() {
            problems.push(format!(
                "{} not {} input squared (input {} gave {})",
                words::count(wrong.len() as u64, "result is", "results are"),
                if wrong.len() == 1 { "its" } else { "their" },
                first.input,
                first.result.unwrap_or(0)
            ));
        }
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "Not every result is in its place: {}. mptutor's pool files each result by its \
                 input's position, so this is a fault in mptutor: run it again, and report it \
                 if it stays.",
                problems.join("; ")
            ),
        );
    }
    if done == 0 {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "no result came back".into(),
            }),
            "No result came back, so there is no order to look at.",
        );
    }
    let results = match (done, failed) {
        (1, 0) => "The one result is in its input's slot, and it is".to_string(),
        (done, 0) => format!("All {done} results are in input order, and each is"),
        (done, failed) => format!(
            "The {}, and the {}, are in input order, and each result is",
            words::count(done as u64, "result", "results"),
            words::count(failed as u64, "error", "errors")
        ),
    };
    Finding::judged(
        CLAIM,
        Verdict::Holds,
        format!("{results} its input squared: map puts every result in its input's slot."),
    )
}

/// How the results really arrived.
fn arrivals(result: &PoolMapResult) -> Finding {
    let done = result.items.len() - failed(result).len();
    let overtook = result.out_of_order;
    Finding::fact(match (result.chunks(), overtook, done) {
        (0 | 1, _, _) => "With one task there was no order to overtake: its results came back \
                          together. Try `run items=20` to see them race."
            .to_string(),
        (_, 0, _) => "This time the results also arrived in input order. Run it again, or with \
                      more items, and some may overtake others; what map returns would not \
                      change."
            .to_string(),
        (_, _, 1) => "Yet the one result arrived while the result of an earlier input was still \
                      missing."
            .to_string(),
        (_, overtook, done) => format!(
            "Yet they did not finish in that order: {overtook} of the {done} results arrived \
             while the result of an earlier input was still missing."
        ),
    })
}

/// Results computed per worker index.
fn per_worker(result: &PoolMapResult) -> BTreeMap<usize, usize> {
    let mut per_worker = BTreeMap::new();
    for item in &result.items {
        if let (Some(_), Some(worker)) = (item.result, item.worker) {
            *per_worker.entry(worker).or_default() += 1;
        }
    }
    per_worker
}

/// Which workers did the work, and how many inputs each.
fn who(result: &PoolMapResult) -> Finding {
    let per_worker = per_worker(result);
    let mut counts: Vec<String> = per_worker
        .iter()
        .take(NAMED_WORKERS)
        .filter_map(|(index, count)| result.worker(*index).map(|worker| (worker, count)))
        .enumerate()
        .map(|(n, (worker, count))| match n {
            0 => format!("{} took {}", worker.label, inputs(*count)),
            _ => format!("{} {count}", worker.label),
        })
        .collect();
    if per_worker.len() > NAMED_WORKERS {
        counts.push("…".into());
    }
    let counts = counts.join(", ");
    let used = per_worker.len();
    let (one, many) = if result.threads {
        ("thread", "threads")
    } else {
        ("worker process", "worker processes")
    };
    let who = if used < result.pool.len() {
        format!(
            "{used} of the {} did the work",
            words::count(result.pool.len() as u64, one, many)
        )
    } else {
        format!("{} did the work", words::count(used as u64, one, many))
    };
    if used == 0 {
        return Finding::fact("No worker computed a result.");
    }
    let reused = per_worker.values().any(|count| *count > 1);
    let reuse = if reused {
        "Some ids repeat: the pool reuses its workers instead of starting one per input"
    } else {
        "Each took a single input; with more inputs than workers (`run items=20`) the same ids \
         come back, as the pool reuses its workers"
    };
    Finding::fact(format!("{who} ({counts}). {reuse}."))
}

/// The lesson's claim for a thread pool: every row carries one pid.
fn one_process(result: &PoolMapResult) -> Finding {
    const CLAIM: &str = "a thread pool's workers all live in one process";
    let elsewhere: Vec<String> = result
        .pool
        .iter()
        .filter(|worker| worker.pid != result.process_pid)
        .map(|worker| format!("{} (pid {})", worker.label, worker.pid))
        .collect();
    if elsewhere.is_empty() {
        Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "Every thread of the pool ran inside one process, mptutor (pid {}): the pid \
                 column is the same on every row. Each thread has its own id, but they share \
                 the process and its memory, so nothing was pickled or sent through a pipe.",
                result.process_pid
            ),
        )
    } else {
        Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "Not every thread ran in mptutor's process (pid {}): {}. A thread cannot leave \
                 its process, so this is a fault in mptutor: report it.",
                result.process_pid,
                words::and_list(&elsewhere)
            ),
        )
    }
}

/// Chunking: what a task was, and that a chunk goes to one worker.
fn chunking(result: &PoolMapResult) -> Finding {
    let chunks = result.chunks();
    let elapsed = format_us(result.elapsed_us);
    let trips = if result.threads {
        words::count(
            chunks as u64,
            "hand-off to a thread and back",
            "hand-offs to a thread and back",
        )
    } else {
        words::count(
            chunks as u64,
            "round trip through the pipes",
            "round trips through the pipes",
        )
    };
    if result.chunksize <= 1 {
        return Finding::fact(format!(
            "chunksize 1: every input was its own task, {trips} in {elapsed} (about {} each). \
             Try `run chunksize=3` and look at the worker column.",
            format_us(result.elapsed_us / (chunks as u64).max(1))
        ));
    }
    const CLAIM: &str = "each chunk of consecutive inputs goes to one worker";
    let chunksize = result.chunksize;
    let mut split = Vec::new();
    let mut looked = 0;
    for (chunk, slice) in result.items.chunks(chunksize).enumerate() {
        let workers: BTreeSet<usize> = slice
            .iter()
            .filter(|item| item.result.is_some())
            .filter_map(|item| item.worker)
            .collect();
        looked += usize::from(!workers.is_empty());
        if workers.len() > 1 {
            split.push(chunk + 1);
        }
    }
    let tasks = words::count(chunks as u64, "task", "tasks");
    if !split.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "chunksize {chunksize}: {} went out as {tasks}, but {} had results from more \
                 than one worker ({} {}). A chunk is one task for one worker, so this is a \
                 fault in mptutor's pool: run it again, and report it if it stays.",
                inputs(result.items.len()),
                words::count(split.len() as u64, "task", "tasks"),
                if split.len() == 1 { "task" } else { "tasks" },
                split
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if looked == 0 {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "no task came back".into(),
            }),
            format!(
                "chunksize {chunksize}: {} went out as {tasks}, and none came back.",
                inputs(result.items.len())
            ),
        );
    }
    let shared = if chunks == 1 {
        "so one worker computed them all".to_string()
    } else {
        "each computed by one worker, so runs of consecutive inputs share a worker in the table"
            .to_string()
    };
    Finding::judged(
        CLAIM,
        Verdict::Holds,
        format!(
            "chunksize {chunksize}: {} went out as {tasks}, {shared}; {trips} in {elapsed}. \
             Fewer, bigger tasks cost fewer trips but balance the load more coarsely.",
            inputs(result.items.len())
        ),
    )
}
