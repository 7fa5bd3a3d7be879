//! Generated `cpu-speedup` results, quiet or busy, with disturbed
//! baselines, wrong counts and timeouts: every verdict follows from the
//! figures, and every figure said is one measured.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::super::findings;
use super::super::result::{CpuSpeedupResult, PrimeRun, expected_speedup};
use super::super::worker_counts;
use super::{claimed, result, run, text};
use crate::engine::ExitStatus;
use crate::findings::speed::{ABOVE_IDEAL, SMALL_WORK_US};
use crate::findings::testing::ratios;
use crate::findings::{Unclear, Verdict, words};

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
                    prop_assert_eq!(got, Some(run.cores_used()));
                    prop_assert_eq!(others, run.load.others_cores_measured());
                }
                Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { speedup, .. })) => {
                    prop_assert!(speed.baseline_disturbed());
                    prop_assert_eq!(speedup, speed.speedup);
                }
                Some(Verdict::CouldntTell(Unclear::TooLittleWork { per_worker_us })) => {
                    prop_assert_eq!(per_worker_us, run.max_worker_cpu_us());
                }
                Some(Verdict::CouldntTell(Unclear::CoresSlowerTogether { cpu_ratio, .. })) => {
                    prop_assert!(speed.slower_together());
                    prop_assert_eq!(Some(cpu_ratio), speed.parallel_work_cpu);
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
                    // Against a baseline too short to time, it is called rough.
                    found.iter().any(|f| f.text.contains(&figure)
                        && (f.text.contains("too high to trust") || f.text.contains("is rough"))),
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
