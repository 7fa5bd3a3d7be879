//! The findings of `pool-map` against generated results: no finding
//! states an order, a count or a crash's cost its result contradicts.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::findings::report;
use super::{MapItem, MapWorker, PoolMapResult};
use crate::engine::StartMethod;
use crate::findings::Verdict;
use crate::findings::testing::{claimed, text};

const ME: i32 = 4000;

fn pool(workers: usize, threads: bool) -> Vec<MapWorker> {
    (0..workers)
        .map(|index| {
            let id = 5000 + i32::try_from(index).unwrap_or(0);
            MapWorker {
                index,
                label: format!("{}{}", if threads { "T" } else { "P" }, index + 1),
                pid: if threads { ME } else { id },
                tid: threads.then_some(id),
            }
        })
        .collect()
}

/// `items` inputs in chunks of `chunksize`, chunk c computed by worker
/// c mod `workers`, every result right.
fn mapped(items: i64, chunksize: usize, workers: usize, threads: bool) -> PoolMapResult {
    let items = (1..=items)
        .map(|input| MapItem {
            input,
            result: Some(input * input),
            error: None,
            worker: Some((usize::try_from(input - 1).unwrap_or(0) / chunksize) % workers),
        })
        .collect();
    PoolMapResult {
        threads,
        start: StartMethod::Fork,
        workers,
        chunksize,
        crash: None,
        process_pid: ME,
        pool: pool(workers, threads),
        items,
        out_of_order: 0,
        replacements: 0,
        timed_out: false,
        elapsed_us: 300,
    }
}

/// `result` with `crash` crashing its worker: its chunk fails, and a
/// replacement starts.
fn crashed(mut result: PoolMapResult, crash: i64) -> PoolMapResult {
    let chunksize = result.chunksize;
    let chunk = usize::try_from(crash - 1).unwrap_or(0) / chunksize;
    for item in result
        .items
        .iter_mut()
        .skip(chunk * chunksize)
        .take(chunksize)
    {
        item.result = None;
        item.error = Some("worker P1 (pid 5000) died of SIGSEGV".into());
    }
    result.crash = Some(crash);
    result.replacements = 1;
    let index = result.pool.len();
    result.pool.push(MapWorker {
        index,
        label: format!("P{}", index + 1),
        pid: 6000,
        tid: None,
    });
    result
}

#[test]
fn five_squares_in_order_from_four_workers() {
    let mut five = mapped(5, 1, 4, false);
    five.out_of_order = 1;
    let found = report(&five).findings;
    assert_eq!(found[0].verdict, Some(Verdict::Holds));
    assert!(
        found[0]
            .text
            .starts_with("All 5 results are in input order"),
        "{}",
        found[0].text
    );
    assert!(
        found[1].text.contains("1 of the 5 results arrived"),
        "{}",
        found[1].text
    );
    assert!(
        found[2]
            .text
            .starts_with("4 worker processes did the work (P1 took 2 inputs, P2 1"),
        "{}",
        found[2].text
    );
    assert!(
        found[2].text.contains("Some ids repeat"),
        "{}",
        found[2].text
    );
}

#[test]
fn a_crash_costs_only_its_chunk_and_the_replacement_is_named() {
    let found = report(&crashed(mapped(50, 7, 4, false), 3)).findings;
    let crash = claimed(&found, "crashes").expect("a crash claim");
    assert_eq!(crash.verdict, Some(Verdict::Holds), "{}", crash.text);
    assert!(
        crash.text.contains("7 inputs: 1, 2, 3, 4, 5, 6, 7"),
        "{}",
        crash.text
    );
    assert!(
        crash.text.contains("1 replacement worker"),
        "{}",
        crash.text
    );
    assert!(crash.text.contains("the other 43 items"), "{}", crash.text);
    assert!(crash.text.contains("BrokenProcessPool"), "{}", crash.text);
    assert!(
        found[0]
            .text
            .starts_with("The 43 results, and the 7 errors"),
        "{}",
        found[0].text
    );
}

#[test]
fn a_crash_that_cost_more_than_its_task_is_contradicted() {
    let mut more = crashed(mapped(20, 1, 4, false), 3);
    more.items[9].result = None;
    more.items[9].error = Some("not computed".into());
    let found = report(&more).findings;
    let crash = claimed(&found, "crashes").expect("a crash claim");
    assert_eq!(crash.verdict, Some(Verdict::Contradicted), "{}", crash.text);
    assert!(
        crash
            .text
            .contains("1 input of other tasks failed too (10)"),
        "{}",
        crash.text
    );
}

#[test]
fn a_chunk_goes_to_one_worker_and_the_threads_live_in_mptutor() {
    let found = report(&mapped(12, 3, 4, true)).findings;
    let chunks = claimed(&found, "chunk").expect("a chunking claim");
    assert_eq!(chunks.verdict, Some(Verdict::Holds), "{}", chunks.text);
    assert!(
        chunks.text.contains("12 inputs went out as 4 tasks"),
        "{}",
        chunks.text
    );
    let who = &found[2].text;
    assert!(who.starts_with("4 threads did the work"), "{who}");
    let inside = claimed(&found, "one process").expect("a claim about the process");
    assert_eq!(inside.verdict, Some(Verdict::Holds), "{}", inside.text);
    assert!(
        inside.text.contains("mptutor (pid 4000)"),
        "{}",
        inside.text
    );
}

#[test]
fn the_result_round_trips_through_json() {
    let result = crashed(mapped(10, 2, 3, false), 4);
    let json = serde_json::to_string(&result).unwrap_or_default();
    assert!(
        json.contains(r#"{"input":1,"result":1,"worker":0}"#),
        "{json}"
    );
    let back: PoolMapResult = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, result);
}

/// Any result: 1–60 inputs, chunks of 1–10, processes or threads, maybe a
/// crash, a stray failure, a wrong or misplaced result, or a timeout.
fn any_result() -> impl Strategy<Value = PoolMapResult> {
    (1i64..61, 1usize..11, 1usize..7, any::<bool>()).prop_flat_map(
        |(items, chunksize, workers, threads)| {
            let n = usize::try_from(items).unwrap_or(0);
            (
                proptest::option::weighted(0.4, 1i64..70),
                proptest::collection::vec(0..workers, n),
                proptest::bool::weighted(0.8),
                proptest::bool::weighted(0.05),
                proptest::bool::weighted(0.05),
                proptest::bool::weighted(0.05),
                proptest::bool::weighted(0.05),
                0.0f64..1.0,
                0usize..3,
            )
                .prop_map(
                    move |(
                        crash,
                        owners,
                        whole_chunks,
                        stray,
                        wrong,
                        misplaced,
                        timed_out,
                        overtook,
                        replacements,
                    )| {
                        let mut result = mapped(items, chunksize, workers, threads);
                        if !whole_chunks {
                            for (item, owner) in result.items.iter_mut().zip(&owners) {
                                item.worker = Some(*owner);
                            }
                        }
                        if let Some(crash) = crash {
                            if (1..=items).contains(&crash) {
                                result = crashed(result, crash);
                            }
                            result.crash = Some(crash);
                        }
                        result.replacements = replacements;
                        if stray {
                            result.items[n / 2].result = None;
                            result.items[n / 2].error = Some("worker died".into());
                        }
                        if wrong {
                            result.items[0].result = Some(7);
                        }
                        if misplaced && n > 1 {
                            result.items.swap(0, 1);
                        }
                        if timed_out {
                            result.timed_out = true;
                            for item in result.items.iter_mut().skip(n / 2) {
                                item.result = None;
                                item.error = Some("not computed: the timeout".into());
                            }
                        }
                        let done = result.items.iter().filter(|i| i.result.is_some()).count();
                        result.out_of_order = (overtook * done as f64) as usize;
                        result
                    },
                )
        },
    )
}

proptest! {
    #[test]
    fn no_finding_says_what_its_numbers_contradict(result in any_result()) {
        let found = report(&result).findings;
        let all = text(&found);
        let done = result.items.iter().filter(|item| item.result.is_some()).count();

        // Order and squares hold exactly when both are so.
        let in_place = (1..).zip(&result.items).all(|(k, item)| item.input == k);
        let squares = result
            .items
            .iter()
            .all(|item| item.result.is_none_or(|r| r == item.input * item.input));
        prop_assert_eq!(found[0].verdict == Some(Verdict::Holds), in_place && squares && done > 0, "{}", all);
        if !(in_place && squares) {
            prop_assert!(!all.contains("are in input order"), "{}", all);
        }

        // The count of results that overtook is the one measured.
        let arrived = regex::Regex::new(r"(\d+) of the (\d+) results arrived").expect("a pattern");
        if let Some(said) = arrived.captures(&all) {
            prop_assert_eq!(said[1].parse::<usize>().ok(), Some(result.out_of_order));
            prop_assert_eq!(said[2].parse::<usize>().ok(), Some(done));
        }
        if result.out_of_order == 0 {
            prop_assert!(!all.contains("did not finish in that order"), "{}", all);
        }

        // Who did the work: the counts said are the counts in the items.
        let mut per_worker: BTreeMap<String, usize> = BTreeMap::new();
        for item in result.items.iter().filter(|item| item.result.is_some()) {
            if let Some(worker) = item.worker.and_then(|index| result.worker(index)) {
                *per_worker.entry(worker.label.clone()).or_default() += 1;
            }
        }
        let listed = regex::Regex::new(r"\((?:[PT]\d+ took (\d+) inputs?)").expect("a pattern");
        let first = per_worker.values().next().copied();
        if let Some(said) = listed.captures(&all) {
            prop_assert_eq!(said[1].parse::<usize>().ok(), first, "{}", all);
        }
        let rest = regex::Regex::new(r", ([PT]\d+) (\d+)\b").expect("a pattern");
        for said in rest.captures_iter(&all) {
            prop_assert_eq!(said[2].parse::<usize>().ok(), per_worker.get(&said[1]).copied(), "{}", all);
        }
        let reused = per_worker.values().any(|count| *count > 1);
        prop_assert_eq!(all.contains("Some ids repeat"), reused, "{}", all);

        // A chunk goes to one worker: holds only when every chunk's results
        // came from one.
        if let Some(chunks) = claimed(&found, "chunk") {
            let one_each = result.items.chunks(result.chunksize).all(|slice| {
                slice
                    .iter()
                    .filter(|item| item.result.is_some())
                    .filter_map(|item| item.worker)
                    .collect::<BTreeSet<_>>()
                    .len()
                    <= 1
            });
            prop_assert_eq!(chunks.verdict == Some(Verdict::Contradicted), !one_each, "{}", chunks.text);
        }

        // A crash holds only when it failed its own chunk and nothing else,
        // and a replacement started.
        if let Some(crash) = claimed(&found, "crashes") {
            prop_assert!(!result.threads);
            if crash.verdict == Some(Verdict::Holds) {
                let input = result.crash.unwrap_or(0);
                let at = result.items.iter().position(|item| item.input == input);
                prop_assert!(at.is_some() && !result.timed_out);
                let chunk = at.unwrap_or(0) / result.chunksize;
                for (position, item) in result.items.iter().enumerate() {
                    if item.result.is_none() {
                        prop_assert_eq!(position / result.chunksize, chunk, "{}", crash.text);
                    }
                }
                prop_assert!(result.items[at.unwrap_or(0)].result.is_none());
                prop_assert!(result.replacements >= 1);
            }
        }
        if result.threads {
            prop_assert!(claimed(&found, "crashes").is_none());
            let inside = claimed(&found, "one process").map(|f| f.verdict.clone());
            let all_mine = result.pool.iter().all(|worker| worker.pid == result.process_pid);
            prop_assert_eq!(inside, Some(Some(Verdict::of(all_mine))));
        }

        // Counts agree with their nouns.
        let one_many = regex::Regex::new(r"(?:^|[^\d.])1 (results|inputs|items|tasks|errors|workers|threads|replacement workers)\b").expect("a pattern");
        let many_one = regex::Regex::new(r"(?:^|[^\d.])([02-9]|\d\d+) (result|input|item|task|error|thread|replacement worker)\b").expect("a pattern");
        prop_assert!(!one_many.is_match(&all), "{}", all);
        prop_assert!(!many_one.is_match(&all), "{}", all);

        let json = serde_json::to_string(&result).unwrap_or_default();
        let back: PoolMapResult = serde_json::from_str(&json).expect("parses back");
        prop_assert_eq!(back, result.clone());
    }
}
