//! The findings of `cpu-speedup` against generated results: no finding
//! states a speed-up, a count or a verdict its numbers contradict.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::result::{CpuSpeedupResult, OwnLoop, PrimeRun, PrimeWorker, expected_speedup};
use super::{findings, worker_counts};
use crate::engine::{ExitStatus, Load, StartMethod};
use crate::findings::speed::{ABOVE_IDEAL, SMALL_WORK_US};
use crate::findings::{Finding, Unclear, Verdict, words};

const PRIMES: u64 = 1_000;

/// The machine during a window of `wall_us`: other programs used
/// `others` cores' worth, mptutor `own_us`; `None`: counters unreadable.
fn load(wall_us: u64, own_us: u64, others: Option<f64>) -> Load {
    Load {
        wall_us,
        cores: 2,
        machine_busy_us: others.map(|others| own_us + (others * wall_us as f64) as u64),
        own_us,
    }
}

/// A correct run of `processes` workers sharing `cpu_us` evenly in
/// `wall_us`, while other programs used `others`.
fn run(processes: usize, wall_us: u64, cpu_us: u64, others: Option<f64>) -> PrimeRun {
    let count = processes as u64;
    let workers = (0..count)
        .map(|slot| PrimeWorker {
            label: format!("P{}", slot + 1),
            pid: 1000 + i32::try_from(slot).unwrap_or(0),
            first: slot * 100,
            end: (slot + 1) * 100,
            primes: Some(PRIMES / count + u64::from(slot < PRIMES % count)),
            status: Some(ExitStatus::Code(0)),
            cpu_us: cpu_us / count,
        })
        .collect();
    PrimeRun {
        wall_us,
        workers,
        load: load(wall_us, cpu_us, others),
    }
}

fn result(cores: usize, runs: Vec<PrimeRun>) -> CpuSpeedupResult {
    CpuSpeedupResult {
        limit: 2_000_000,
        cores,
        start: StartMethod::Fork,
        own_loop: Some(OwnLoop {
            primes: PRIMES,
            wall_us: 200_000,
            load: load(200_000, 200_000, Some(0.0)),
        }),
        runs,
        stopped_at: None,
    }
}

fn text(found: &[Finding]) -> String {
    let texts: Vec<&str> = found.iter().map(|finding| finding.text.as_str()).collect();
    texts.join("\n")
}

fn claimed<'f>(found: &'f [Finding], start: &str) -> Option<&'f Finding> {
    found.iter().find(|finding| {
        finding
            .claim
            .as_deref()
            .is_some_and(|c| c.starts_with(start))
    })
}

#[test]
fn eight_processes_beating_two_on_a_quiet_machine_is_said_plainly() {
    // The figures of the report: 2 processes 1.23×, 8 processes 1.39×.
    let quiet = result(
        2,
        vec![
            run(1, 246_000, 245_000, Some(0.05)),
            run(2, 200_000, 390_000, Some(0.05)),
            run(4, 190_000, 380_000, Some(0.05)),
            run(8, 177_000, 350_000, Some(0.05)),
        ],
    );
    let found = findings::report(&quiet).findings;
    let past = claimed(&found, "past the cores").expect("a past-the-cores claim");
    assert_eq!(past.verdict, Some(Verdict::Contradicted), "{}", past.text);
    assert!(past.text.contains("with 8, 1.4×"), "{}", past.text);
    assert!(past.text.contains("did not show"), "{}", past.text);
    assert!(
        past.text.contains("processes, not programs"),
        "{}",
        past.text
    );
    assert!(!past.text.contains("only take turns"), "{}", past.text);
    // 1.23× with 2 processes clears the bar a run on 2 free cores must.
    let two = claimed(&found, "with 2 processes").expect("a claim for 2");
    assert_eq!(two.verdict, Some(Verdict::Holds), "{}", two.text);
}

#[test]
fn a_busy_machine_makes_both_speed_claims_couldnt_tell_with_its_figures() {
    let busy = result(
        2,
        vec![
            run(1, 246_000, 245_000, Some(0.2)),
            run(2, 215_000, 260_000, Some(0.8)),
            run(8, 177_000, 330_000, Some(0.5)),
        ],
    );
    let found = findings::report(&busy).findings;
    let two = claimed(&found, "with 2 processes").expect("a claim for 2");
    assert!(
        matches!(
            two.verdict,
            Some(Verdict::CouldntTell(Unclear::MachineBusy { .. }))
        ),
        "{two:?}"
    );
    assert!(
        two.text.contains("other programs used 0.8 of a core"),
        "{}",
        two.text
    );
    let past = claimed(&found, "past the cores").expect("a past-the-cores claim");
    assert!(
        matches!(past.verdict, Some(Verdict::CouldntTell(_))),
        "{past:?}"
    );
    assert!(
        past.text.contains("itself short of the cores"),
        "{}",
        past.text
    );
}

#[test]
fn a_speed_up_above_the_cores_is_never_shown_without_a_word() {
    let disturbed = result(
        2,
        vec![
            run(1, 580_000, 250_000, Some(0.9)),
            run(2, 200_000, 390_000, Some(0.0)),
            run(4, 195_000, 390_000, Some(0.0)),
        ],
    );
    let report = findings::report(&disturbed);
    let two = claimed(&report.findings, "with 2 processes").expect("a claim for 2");
    assert!(
        matches!(
            two.verdict,
            Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }))
        ),
        "{two:?}"
    );
    assert!(two.text.contains("2.9×"), "{}", two.text);
    assert!(two.text.contains("too high to trust"), "{}", two.text);
    assert_eq!(report.tables[0].rows[1][2], "2.9× ?");
    let past = claimed(&report.findings, "past the cores").expect("past the cores");
    assert!(
        past.text
            .contains("4 processes' 3.0× is more than 2 cores can give"),
        "{}",
        past.text
    );
}

#[test]
fn a_worker_that_printed_no_count_makes_its_run_wrong_loudly() {
    let mut broken = run(2, 100_000, 200_000, Some(0.0));
    broken.workers[1].primes = None;
    broken.workers[1].status = Some(ExitStatus::Signal("SIGSEGV".into()));
    let wrong = result(2, vec![run(1, 200_000, 200_000, Some(0.0)), broken]);
    let report = findings::report(&wrong);
    let all = text(&report.findings);
    assert_eq!(report.findings[0].verdict, Some(Verdict::Contradicted));
    assert!(
        all.contains("with 2 processes, P2 (pid 1001) printed no count (SIGSEGV)"),
        "{all}"
    );
    assert!(!all.contains("counted the same"), "{all}");
    assert!(
        claimed(&report.findings, "with 2 processes").is_none(),
        "{all}"
    );
    assert_eq!(
        report.tables[0].rows[0][6],
        format!("{} ✓", words::grouped(PRIMES))
    );
    assert_eq!(report.tables[0].rows[1][6], "missing ✗");
}

#[test]
fn worker_counts_double_up_to_the_most_and_include_the_cores() {
    assert_eq!(worker_counts(0, 2), [1]);
    assert_eq!(worker_counts(1, 2), [1]);
    assert_eq!(worker_counts(2, 2), [1, 2]);
    assert_eq!(worker_counts(8, 2), [1, 2, 4, 8]);
    assert_eq!(worker_counts(8, 6), [1, 2, 4, 6, 8]);
    assert_eq!(worker_counts(6, 8), [1, 2, 4, 6]);
    assert_eq!(worker_counts(64, 4), [1, 2, 4, 8, 16, 32, 64]);
}

#[test]
fn the_result_round_trips_through_json() {
    let result = result(
        2,
        vec![
            run(1, 200_000, 200_000, None),
            run(2, 100_000, 200_000, Some(0.3)),
        ],
    );
    let json = serde_json::to_string(&result).unwrap_or_default();
    let back: CpuSpeedupResult = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, result);
}

/// Any result: 1–8 cores, up to 16 processes, quiet or busy runs, a
/// disturbed baseline, a wrong count or a timeout now and then.
fn any_result() -> impl Strategy<Value = CpuSpeedupResult> {
    (1usize..9, 1usize..17, proptest::bool::weighted(0.05)).prop_flat_map(
        |(cores, most, own_timeout)| {
            let counts = worker_counts(most, cores);
            let runs = counts.len();
            let one_run = (
                10_000u64..1_000_000,
                prop_oneof![3 => 0.85f64..1.0, 1 => 0.2f64..0.85],
                proptest::option::weighted(0.9, 0.0f64..2.5),
                proptest::bool::weighted(0.08),
            );
            (
                proptest::collection::vec(one_run, runs),
                0..=runs,
                proptest::bool::weighted(0.2),
            )
                .prop_map(move |(shapes, kept, stopped)| {
                    let kept = if stopped { kept } else { runs };
                    let built: Vec<PrimeRun> = counts
                        .iter()
                        .zip(&shapes)
                        .take(kept)
                        .map(|(&n, &(wall, share, others, wrong))| {
                            // CPU: a share of one core per worker, at most the cores.
                            let got = share * n.min(cores) as f64;
                            let cpu = ((got * wall as f64) as u64).max(n as u64);
                            let mut built = run(n, wall, cpu, others);
                            if wrong {
                                built.workers[0].primes = None;
                                built.workers[0].status =
                                    Some(ExitStatus::Signal("SIGKILL".into()));
                            }
                            built
                        })
                        .collect();
                    let mut result = result(cores, built);
                    if own_timeout {
                        result.own_loop = None;
                        result.runs.clear();
                        result.stopped_at = Some(0);
                    } else if kept < runs {
                        result.stopped_at = Some(counts[kept]);
                    }
                    result
                })
        },
    )
}

/// Every `1.9×` in `text`.
fn ratios(text: &str) -> BTreeSet<String> {
    let pattern = regex::Regex::new(r"\d+(\.\d)?×").expect("a pattern");
    pattern
        .find_iter(text)
        .map(|found| found.as_str().to_string())
        .collect()
}

proptest! {
    #[test]
    fn no_finding_says_what_its_numbers_contradict(result in any_result()) {
        let report = findings::report(&result);
        let found = &report.findings;
        let all = text(found);

        // The count holds exactly when every run counted right.
        let all_correct = result.expected().is_some()
            && !result.runs.is_empty()
            && result.runs.iter().all(|run| result.correct(run));
        prop_assert_eq!(found[0].verdict == Some(Verdict::Holds), all_correct, "{}", all);
        if !all_correct {
            prop_assert!(!all.contains("counted the same"), "{}", all);
        }

        // Every speed-up said is one measured, or the threshold a claim set.
        let mut allowed: BTreeSet<String> = result
            .runs
            .iter()
            .filter_map(|run| result.speedup(run))
            .map(words::times)
            .collect();
        allowed.extend((1..=16).map(|n| words::times(expected_speedup(n))));
        for said in ratios(&all) {
            prop_assert!(allowed.contains(&said), "{} is no measured speed-up: {}", said, all);
        }

        // Each run on free cores: the verdict follows from its figures.
        for run in result.fitting() {
            let n = run.processes();
            let claim = claimed(found, &format!("with {}", words::processes(n)));
            let Some(speed) = result.speed_run(run) else {
                prop_assert!(claim.is_none(), "{}", all);
                continue;
            };
            let claim = claim.and_then(|claim| claim.verdict.clone());
            let at_least = expected_speedup(n);
            match claim {
                Some(Verdict::Holds) => {
                    prop_assert!(speed.speedup >= at_least && !speed.baseline_disturbed());
                }
                Some(Verdict::Contradicted) => {
                    prop_assert!(speed.speedup < at_least && !speed.busy());
                    prop_assert!(run.max_worker_cpu_us() >= SMALL_WORK_US);
                }
                Some(Verdict::CouldntTell(Unclear::MachineBusy { got, others, .. })) => {
                    // The figures said are the result's own.
                    prop_assert!(speed.busy());
                    prop_assert_eq!(got, run.cores_used());
                    prop_assert_eq!(others, run.load.others_cores_measured());
                }
                Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { speedup, .. })) => {
                    prop_assert!(speed.baseline_disturbed());
                    prop_assert_eq!(speedup, speed.speedup);
                }
                Some(Verdict::CouldntTell(Unclear::TooLittleWork { per_worker_us })) => {
                    prop_assert_eq!(per_worker_us, run.max_worker_cpu_us());
                }
                other => prop_assert!(false, "unexpected {:?}: {}", other, all),
            }
            // A ✓ in the table only beside a speed-up the judge accepts.
            let row = result.runs.iter().position(|r| r == run).unwrap_or(0);
            let cell = &report.tables[0].rows[row][2];
            prop_assert_eq!(cell.ends_with('✓'), speed.speedup >= at_least && !speed.baseline_disturbed() && result.cores >= 2, "{}", cell);
        }

        // Past the cores: holds only when no run gained over the one at the
        // cores, contradicted only when one did and that run had the cores.
        if let Some(past) = claimed(found, "past the cores") {
            let at = result
                .at_cores()
                .and_then(|at| result.speed_run(at))
                .expect("a run at the cores to judge against");
            let gained = result
                .past_cores()
                .filter_map(|run| result.speed_run(run))
                .any(|speed| speed.speedup > at.speedup * 1.1);
            match &past.verdict {
                Some(Verdict::Holds) => prop_assert!(!gained || result.cores < 2, "{}", past.text),
                Some(Verdict::Contradicted) => {
                    prop_assert!(gained);
                    prop_assert!(result.cores < 2 || !at.busy());
                    prop_assert!(!past.text.contains("only take turns"), "{}", past.text);
                }
                Some(Verdict::CouldntTell(_)) => prop_assert!(at.busy() && gained),
                None => prop_assert!(false, "a claim without a verdict"),
            }
        }

        // A speed-up above the cores is always explained.
        for run in &result.runs {
            let Some(speed) = result.speed_run(run) else { continue };
            if run.processes() > 1 && speed.speedup > speed.ideal() * ABOVE_IDEAL && result.cores >= 2 {
                let figure = words::times(speed.speedup);
                prop_assert!(
                    found.iter().any(|f| f.text.contains(&figure) && f.text.contains("too high to trust")),
                    "{} unexplained: {}", figure, all
                );
                let row = result.runs.iter().position(|r| r == run).unwrap_or(0);
                prop_assert!(report.tables[0].rows[row][2].ends_with('?'));
            }
        }

        // Counts agree with their nouns.
        let singular_plural = regex::Regex::new(r"(?:^|[^\d.])1 (processes|cores|runs|workers)\b").expect("a pattern");
        let plural_singular = regex::Regex::new(r"(?:^|[^\d.])([02-9]|\d\d+) (process|core|run|worker)\b").expect("a pattern");
        prop_assert!(!singular_plural.is_match(&all), "{}", all);
        prop_assert!(!plural_singular.is_match(&all), "{}", all);

        // What the report is made of survives JSON.
        let json = serde_json::to_string(&result).unwrap_or_default();
        let back: CpuSpeedupResult = serde_json::from_str(&json).expect("parses back");
        prop_assert_eq!(back, result.clone());
    }
}
