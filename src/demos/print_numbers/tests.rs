//! The findings of `print-numbers` against generated results: nothing is
//! said that the numbers contradict.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::findings::crashes;
use super::*;
use crate::findings::testing::text;
use crate::findings::{Unclear, Verdict};

fn worker(slot: usize, status: Option<ExitStatus>) -> NumberWorker {
    NumberWorker {
        name: format!("Process-{slot}"),
        number: number_for(slot),
        pid: 1000 + i32::try_from(slot).unwrap_or(0),
        ppid: 999,
        status,
    }
}

fn printed(numbers: &[i64]) -> Vec<Printed> {
    (0u64..)
        .zip(numbers)
        .map(|(t, &number)| Printed {
            number,
            pid: 1000,
            t_us: t,
        })
        .collect()
}

fn result(orders: &[&[i64]], crash: Option<usize>) -> PrintNumbersResult {
    let runs = orders
        .iter()
        .map(|order| NumbersRun {
            workers: (1..=4)
                .map(|slot| {
                    let status = if crash == Some(slot) {
                        ExitStatus::Signal("SIGSEGV".into())
                    } else {
                        ExitStatus::Code(0)
                    };
                    worker(slot, Some(status))
                })
                .collect(),
            printed: printed(order),
        })
        .collect();
    PrintNumbersResult {
        start: StartMethod::Fork,
        parent_pid: 999,
        crash: crash.map(|worker| CrashPlan {
            worker,
            how: "segfault".into(),
        }),
        runs,
        timed_out: false,
    }
}

#[test]
fn the_same_order_five_times_is_said_plainly_as_contradicting_the_claim() {
    let same: &[i64] = &[10, 20, 30, 40];
    let found = findings(&result(&[same; 5], None));
    let order = &found[1];
    assert_eq!(order.verdict, Some(Verdict::Contradicted));
    assert!(
        order.text.contains("did not change in 5 runs"),
        "{}",
        order.text
    );
    assert!(order.text.contains("run repeat=20"), "{}", order.text);
    assert!(!text(&found).contains("1 different orders"));
}

#[test]
fn two_orders_are_counted_in_the_singular_and_plural_rightly() {
    let found = findings(&result(&[&[10, 20, 30, 40], &[20, 10, 30, 40]], None));
    assert_eq!(found[1].verdict, Some(Verdict::Holds));
    assert!(
        found[1].text.starts_with("2 different orders in 2 runs"),
        "{}",
        found[1].text
    );
}

#[test]
fn a_crash_does_not_make_the_missing_number_look_printed() {
    let found = findings(&result(&[&[10, 30, 40]], Some(2)));
    let once = &found[0];
    assert_eq!(once.verdict, Some(Verdict::Holds));
    assert!(once.text.contains("(10 30 40)"), "{}", once.text);
    assert!(once.text.contains("20 never appeared"), "{}", once.text);
    assert!(
        !once.text.starts_with("Every number appeared"),
        "{}",
        once.text
    );
    assert_eq!(found[1].verdict, Some(Verdict::Holds), "{}", found[1].text);
}

#[test]
fn a_missing_number_without_a_crash_contradicts_the_claim() {
    let found = findings(&result(&[&[10, 30, 40, 40]], None));
    assert_eq!(found[0].verdict, Some(Verdict::Contradicted));
    assert!(found[0].text.contains("20 is missing"), "{}", found[0].text);
    assert!(
        found[0].text.contains("40 appeared 2 times"),
        "{}",
        found[0].text
    );
}

#[test]
fn one_run_cannot_tell_whether_the_order_changes() {
    let found = findings(&result(&[&[10, 20, 30, 40]], None));
    assert!(matches!(
        found[1].verdict,
        Some(Verdict::CouldntTell(Unclear::TooFewRuns { runs: 1, .. }))
    ));
}

#[test]
fn the_fork_server_is_named_as_the_parent() {
    let mut forked = result(&[&[10, 20, 30, 40]], None);
    forked.start = StartMethod::ForkServer;
    for worker in &mut forked.runs[0].workers {
        worker.ppid = 4242;
    }
    let found = findings(&forked);
    let parents = found.last().map(|f| f.text.clone()).unwrap_or_default();
    assert!(parents.contains("the fork server, pid 4242"), "{parents}");
}

#[test]
fn the_result_round_trips_through_json() {
    let result = result(&[&[10, 30, 40]], Some(2));
    let text = serde_json::to_string(&result).unwrap_or_default();
    let back: PrintNumbersResult = serde_json::from_str(&text).expect("parses back");
    assert_eq!(back, result);
}

/// Any result: 1–6 runs of 1–6 workers, each printing its number 0–2
/// times (or a stray one), in any order, maybe with a crash.
fn any_result() -> impl Strategy<Value = PrintNumbersResult> {
    (1usize..7, 1usize..7, proptest::option::of(1usize..7)).prop_flat_map(
        |(workers, runs, crash)| {
            let crash = crash.filter(|worker| *worker <= workers);
            let run = (
                proptest::collection::vec(0usize..3, workers),
                proptest::bool::weighted(0.1),
                proptest::collection::vec(any::<u64>(), workers * 2 + 1),
                proptest::collection::vec(proptest::bool::weighted(0.9), workers),
            )
                .prop_map(move |(times, stray, keys, clean)| {
                    let mut numbers: Vec<i64> = (1..=workers)
                        .flat_map(|slot| std::iter::repeat_n(number_for(slot), times[slot - 1]))
                        .collect();
                    if stray {
                        numbers.push(7);
                    }
                    let mut keyed: Vec<(u64, i64)> = keys.into_iter().zip(numbers).collect();
                    keyed.sort();
                    let order: Vec<i64> = keyed.into_iter().map(|(_, n)| n).collect();
                    NumbersRun {
                        workers: (1..=workers)
                            .map(|slot| {
                                let status = match (crash == Some(slot), clean[slot - 1]) {
                                    (true, true) => ExitStatus::Signal("SIGSEGV".into()),
                                    (false, true) => ExitStatus::Code(0),
                                    (_, false) => ExitStatus::Code(1),
                                };
                                worker(slot, Some(status))
                            })
                            .collect(),
                        printed: printed(&order),
                    }
                });
            proptest::collection::vec(run, runs).prop_map(move |runs| PrintNumbersResult {
                start: StartMethod::Fork,
                parent_pid: 999,
                crash: crash.map(|worker| CrashPlan {
                    worker,
                    how: "segfault".into(),
                }),
                runs,
                timed_out: false,
            })
        },
    )
}

proptest! {
    #[test]
    fn no_finding_says_what_its_numbers_contradict(result in any_result()) {
        let found = findings(&result);
        let all = text(&found);
        // Each number once: held exactly when every surviving worker's
        // number appears once, the crasher's not at all, and nothing else.
        let once_holds = result.runs.iter().all(|run| {
            let count = |n: i64| run.printed.iter().filter(|p| p.number == n).count();
            (1..).zip(&run.workers).all(|(slot, worker)| {
                count(worker.number) == usize::from(!crashes(&result, slot))
            }) && run.printed.iter().all(|p| run.workers.iter().any(|w| w.number == p.number))
        });
        prop_assert_eq!(found[0].verdict == Some(Verdict::Holds), once_holds, "{}", all);
        if !once_holds {
            prop_assert!(!all.contains("exactly once in"), "{}", all);
        }
        // Orders: the count said is the count seen, in the right number.
        let distinct: BTreeSet<Vec<i64>> = result
            .runs
            .iter()
            .map(|run| run.printed.iter().map(|p| p.number).collect())
            .collect();
        let order = found.iter().find(|f| f.claim.as_deref().is_some_and(|c| c.contains("order")));
        let order = order.map(|f| (f.verdict.clone(), f.text.clone()));
        prop_assert!(order.is_some());
        let (verdict, said) = order.unwrap_or((None, String::new()));
        if result.runs.len() >= 2 {
            prop_assert_eq!(verdict == Some(Verdict::Holds), distinct.len() >= 2, "{}", said);
            if distinct.len() >= 2 {
                let expected = format!("{} different orders in {} runs", distinct.len(), result.runs.len());
                prop_assert!(said.starts_with(&expected), "{}", said);
            }
        }
        prop_assert!(!all.contains("1 different orders") && !all.contains(" 1 runs"), "{}", all);
        // A crash holds only when the crasher died of it in every run and
        // every other worker exited normally.
        if result.crash.is_some() {
            let crash_holds = result.runs.iter().all(|run| {
                (1..).zip(&run.workers).all(|(slot, worker)| {
                    if crashes(&result, slot) {
                        !matches!(worker.status, Some(ExitStatus::Code(0)) | None)
                    } else {
                        worker.status == Some(ExitStatus::Code(0))
                    }
                })
            });
            prop_assert_eq!(found[1].verdict == Some(Verdict::Holds), crash_holds, "{}", all);
        }
    }
}
