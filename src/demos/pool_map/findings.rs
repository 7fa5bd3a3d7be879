//! What a finished `pool-map` shows: the results table, and findings that
//! follow from the result alone — input order and the squares, how many
//! results overtook earlier ones, who did the work, what chunking did, and
//! what a crashed worker cost.

use std::collections::{BTreeMap, BTreeSet};

use super::{MapItem, PoolMapResult};
use crate::findings::{Finding, Report, Table, Unclear, Verdict, format_us, words};

/// Rows of the results table before the rest are summed up.
const TABLE_ROWS: usize = 20;
/// Failed items shown in the table even when past [`TABLE_ROWS`].
const FAILED_ROWS: usize = 5;
/// Workers named one by one in the findings.
const NAMED_WORKERS: usize = 8;

pub(super) fn report(result: &PoolMapResult) -> Report {
    let mut findings = vec![order_and_squares(result), arrivals(result), who(result)];
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

fn items(n: usize) -> String {
    words::count(n as u64, "item", "items")
}

fn inputs(n: usize) -> String {
    words::count(n as u64, "input", "inputs")
}

/// The positions of the items that have no result.
fn failed(result: &PoolMapResult) -> Vec<usize> {
    (0..result.items.len())
        .filter(|&at| result.items[at].result.is_none())
        .collect()
}

fn squared(item: &MapItem) -> bool {
    item.result
        .is_none_or(|result| result == item.input.wrapping_mul(item.input))
}

/// Input, result, worker, pid (and tid): the first rows, any failed rows
/// further down, then a count of the rest.
fn table(result: &PoolMapResult) -> Table {
    let failed = failed(result);
    let mut header: Vec<String> = ["input", "result", "worker", "pid"]
        .map(String::from)
        .to_vec();
    if result.threads {
        header.push("tid".into());
    }
    if !failed.is_empty() {
        header.push("error".into());
    }
    let mut shown: Vec<usize> = (0..result.items.len().min(TABLE_ROWS)).collect();
    shown.extend(
        failed
            .iter()
            .copied()
            .filter(|at| *at >= TABLE_ROWS)
            .take(FAILED_ROWS),
    );
    let mut rows = Vec::new();
    let mut previous: Option<usize> = None;
    for &at in &shown {
        if previous.is_some_and(|previous| at > previous + 1) {
            rows.push(vec!["…".to_string()]);
        }
        previous = Some(at);
        let item = &result.items[at];
        let worker = item.worker.and_then(|index| result.worker(index));
        let dash = || "—".to_string();
        let mut row = vec![
            item.input.to_string(),
            item.result.map_or_else(dash, |value| value.to_string()),
            worker.map_or_else(dash, |worker| worker.label.clone()),
            worker.map_or_else(dash, |worker| worker.pid.to_string()),
        ];
        if result.threads {
            row.push(
                worker
                    .and_then(|worker| worker.tid)
                    .map_or_else(dash, |tid| tid.to_string()),
            );
        }
        if let Some(error) = &item.error {
            row.resize(header.len() - 1, String::new());
            row.push(error.clone());
        }
        rows.push(row);
    }
    let hidden = result.items.len() - shown.len();
    if hidden > 0 {
        rows.push(vec![format!("… {hidden} more")]);
    }
    for row in &mut rows {
        row.resize(header.len(), String::new());
    }
    Table { header, rows }
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
    let text = if result.threads {
        let inside = if result
            .pool
            .iter()
            .all(|worker| worker.pid == result.process_pid)
        {
            format!(
                ", all inside one process: mptutor, pid {}. Each thread has its own id, but \
                 they share the process and its memory, so nothing was pickled or sent through \
                 a pipe",
                result.process_pid
            )
        } else {
            String::new()
        };
        format!("{who} ({counts}){inside}. {reuse}.")
    } else {
        format!("{who} ({counts}). {reuse}.")
    };
    Finding::fact(text)
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
fn crash(result: &PoolMapResult) -> Option<Finding> {
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
