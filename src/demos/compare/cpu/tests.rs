//! The CPU row's verdicts and sentences against generated results: quiet
//! and busy machines, disturbed baselines, one core, real Python with and
//! without its GIL.

use proptest::prelude::*;

use super::findings::{LIKE_THE_SIMULATION, PYTHON_THREADS_GIL};
use super::*;
use crate::demos::compare::python::{PythonInfo, PythonPhase};
use crate::demos::compare::samples;
use crate::demos::compare::tests::said;
use crate::findings::Unclear;
use crate::findings::speed::{ABOVE_IDEAL, DISTURBED_BASELINE};

fn load(wall_us: u64, cpu_us: u64, cores: usize, others: Option<f64>) -> Load {
    Load {
        wall_us,
        cores,
        machine_busy_us: others.map(|others| cpu_us + (others * wall_us as f64) as u64),
        own_us: cpu_us,
    }
}

fn any_split(cores: usize, workers: usize) -> impl Strategy<Value = Split> {
    (
        20_000u64..1_000_000,
        0.2f64..4.0,
        0.1f64..(workers as f64 + 0.3),
        0.3f64..1.05,
        proptest::option::of(0.0f64..2.5),
        0.05f64..1.0,
    )
        .prop_map(
            move |(one_us, speedup, parallel, baseline, others, busiest)| {
                let many_us = ((one_us as f64 / speedup) as u64).max(1);
                let one_cpu = (baseline * one_us as f64) as u64;
                let many_cpu = (parallel * many_us as f64) as u64;
                Split {
                    one: Timed {
                        wall_us: one_us,
                        cpu_us: one_cpu,
                        busiest_us: one_cpu,
                        load: load(one_us, one_cpu, cores, others),
                    },
                    many: Timed {
                        wall_us: many_us,
                        cpu_us: many_cpu,
                        busiest_us: (busiest * many_cpu as f64) as u64,
                        load: load(many_us, many_cpu, cores, others),
                    },
                }
            },
        )
}

fn any_python(cores: usize) -> impl Strategy<Value = PythonRun> {
    let phase = |one_us: u64, speedup: f64, cores_had: f64| {
        let wall_us = ((2.0 * one_us as f64 / speedup) as u64).max(1);
        PythonPhase {
            wall_us,
            cpu_us: (cores_had * wall_us as f64) as u64,
        }
    };
    (
        proptest::bool::weighted(0.8),
        20_000u64..500_000,
        0.3f64..1.05,
        (0.2f64..3.0, 0.2f64..2.5),
        (0.2f64..3.0, 0.2f64..2.5),
        proptest::option::of(0.0f64..2.5),
    )
        .prop_map(
            move |(gil_enabled, one_us, baseline, threads, processes, others)| PythonRun {
                info: PythonInfo {
                    version: "3.13.1".into(),
                    gil_enabled,
                },
                start_method: "forkserver".into(),
                loop_count: 1_000_000,
                one: PythonPhase {
                    wall_us: one_us,
                    cpu_us: (baseline * one_us as f64) as u64,
                },
                threads: phase(one_us, threads.0, threads.1),
                processes: phase(one_us, processes.0, processes.1),
                load: load(1_000_000, 1_000_000, cores, others),
            },
        )
}

/// Any CPU result: 1 to 8 cores (mostly 2), any speed-ups and loads.
pub fn any_cpu() -> impl Strategy<Value = CpuResult> {
    prop_oneof![1 => Just(1usize), 4 => Just(2usize), 1 => 3usize..9].prop_flat_map(|cores| {
        let workers = cores.max(2);
        (
            any_split(cores, workers),
            any_split(cores, workers),
            any_split(cores, workers),
            proptest::bool::weighted(0.9),
            proptest::option::weighted(0.8, any_python(cores)),
        )
            .prop_map(
                move |(processes, threads, gil_threads, counts_agree, python)| CpuResult {
                    cores,
                    workers,
                    limit: 1_800_000,
                    rounds: 3,
                    primes: Some(135_072),
                    counts_agree,
                    processes,
                    threads,
                    gil_threads,
                    python: python.map_or_else(
                        || PythonOutcome::Missing {
                            why: "python3 is not on PATH".into(),
                        },
                        PythonOutcome::Measured,
                    ),
                },
            )
    })
}

fn finding<'f>(findings: &'f [Finding], claim: &str) -> Option<&'f Finding> {
    findings
        .iter()
        .find(|finding| finding.claim.as_deref() == Some(claim))
}

/// What a held speed-up claim promises of its run.
fn holds_honestly(run: &SpeedRun, at_least: f64) -> Result<(), TestCaseError> {
    prop_assert!(run.cores >= 2, "{run:?}");
    prop_assert!(run.speedup >= at_least, "{run:?}");
    prop_assert!(run.speedup <= run.ideal() * ABOVE_IDEAL, "{run:?}");
    prop_assert!(
        run.baseline_cores
            .is_none_or(|base| base >= DISTURBED_BASELINE)
    );
    Ok(())
}

proptest! {
    #[test]
    fn no_speed_up_is_claimed_that_its_figures_do_not_support(result in any_cpu()) {
        let findings = result.findings();
        let claims = [
            (super::findings::PROCESSES, result.processes_run()),
            (super::findings::NATIVE, result.threads_run()),
        ];
        for (claim, run) in claims {
            let Some(found) = finding(&findings, claim) else {
                return Err(TestCaseError::fail(format!("no finding for {claim}")));
            };
            if found.verdict == Some(Verdict::Holds) {
                holds_honestly(&run, SPEEDUP_AT_LEAST)?;
                let shown = words::times(run.speedup);
                let above = shown.trim_end_matches('×').parse::<f64>().is_ok_and(|x| x > run.cores as f64);
                prop_assert_eq!(found.text.contains("a little more than"), above, "{}", found.text);
            }
            if result.cores < 2 {
                prop_assert_eq!(found.verdict.clone(), Some(Verdict::CouldntTell(Unclear::OneCore)));
            }
        }
        // Threads under the simulated GIL: "no faster" holds only below
        // the line, and is contradicted only with an undisturbed baseline.
        let gil = result.gil_run();
        match result.gil_verdict() {
            Verdict::Holds => prop_assert!(gil.speedup < NO_GAIN_BELOW, "{gil:?}"),
            Verdict::Contradicted => {
                prop_assert!(gil.speedup >= NO_GAIN_BELOW);
                prop_assert!(!gil.baseline_disturbed(), "{gil:?}");
            }
            Verdict::CouldntTell(_) => {}
        }
        // The cell's mark covers exactly the claims whose figures it shows.
        let simulation = Verdict::all([
            result.processes_verdict(),
            result.gil_verdict(),
            result.threads_verdict(),
            result.counts_verdict(),
        ]);
        prop_assert_eq!(result.cell().parts[0].verdict.clone(), Some(simulation));
        if result.cores < 2 {
            prop_assert!(!result.cell().plain().contains('✗') || !result.counts_agree);
        }
    }

    #[test]
    fn python_is_like_the_simulation_only_when_both_its_claims_hold(result in any_cpu()) {
        let findings = result.findings();
        let text = said(&findings);
        let PythonOutcome::Measured(run) = &result.python else {
            prop_assert!(!text.contains(LIKE_THE_SIMULATION), "{}", text);
            prop_assert!(text.contains("Real Python could not be measured"), "{}", text);
            return Ok(());
        };
        let (processes, threads) = (run.processes_verdict(result.cores), run.threads_verdict(result.cores));
        let both = processes.holds() && threads.holds();
        prop_assert_eq!(text.contains(LIKE_THE_SIMULATION), both && run.info.gil_enabled, "{}", text);
        if processes.holds() {
            holds_honestly(&run.processes_run(result.cores), SPEEDUP_AT_LEAST)?;
        }
        let threads_run = run.threads_run(result.cores);
        if run.info.gil_enabled {
            prop_assert_eq!(
                text.contains("its threads take turns on the GIL"),
                threads.holds(),
                "{}", text
            );
            match &threads {
                Verdict::Holds => prop_assert!(threads_run.speedup < NO_GAIN_BELOW),
                Verdict::Contradicted => {
                    prop_assert!(threads_run.speedup >= NO_GAIN_BELOW);
                    prop_assert!(threads_run.baseline_cores.is_some_and(|base| base >= DISTURBED_BASELINE));
                    let said = finding(&findings, PYTHON_THREADS_GIL).map(|f| f.text.clone()).unwrap_or_default();
                    prop_assert!(said.contains("here they were"), "{}", said);
                }
                Verdict::CouldntTell(_) => {}
            }
            if threads_run.speedup >= NO_GAIN_BELOW
                && threads_run.baseline_cores.is_some_and(|base| base < DISTURBED_BASELINE)
                && result.cores >= 2
            {
                let disturbed = matches!(threads, Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }));
                prop_assert!(disturbed, "{:?}", threads);
            }
        } else if threads.holds() {
            holds_honestly(&threads_run, SPEEDUP_AT_LEAST)?;
        }
        // The cell and the sentences show Python's figures alike.
        let cell = result.cell().plain();
        for figure in [run.processes_speedup(), run.threads_speedup()].map(words::times) {
            prop_assert!(cell.contains(&figure) && text.contains(&figure), "{} / {}", cell, text);
        }
    }
}

#[test]
fn threads_of_real_python_faster_than_one_with_the_gil_on_are_not_taking_turns_on_it() {
    // The figures: 2 processes 0.3×, 2 threads 1.1×; and 1.8×
    // threads with 0.7× processes, from a one-run baseline that had 0.6 of
    // a core.
    let mut result = samples::cpu(2);
    result.python = PythonOutcome::Measured(samples::python(0.3, 1.1, 0.02));
    let found = result.findings();
    let text = said(&found);
    assert!(!text.contains(LIKE_THE_SIMULATION), "{text}");
    let processes = finding(&found, super::findings::PYTHON_PROCESSES).expect("judged");
    assert_eq!(processes.verdict, Some(Verdict::Contradicted), "{text}");
    assert!(processes.text.contains("0.3×"), "{}", processes.text);
    // 1.1× is below the line: with the GIL on, those threads did take turns.
    let threads = finding(&found, PYTHON_THREADS_GIL).expect("judged");
    assert_eq!(threads.verdict, Some(Verdict::Holds), "{text}");
    let mut run = samples::python(0.7, 1.8, 0.9);
    run.one.cpu_us = 90_000;
    result.python = PythonOutcome::Measured(run);
    let found = result.findings();
    let threads = finding(&found, PYTHON_THREADS_GIL).expect("Python's threads are judged");
    assert!(
        matches!(
            threads.verdict,
            Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }))
        ),
        "{threads:?}"
    );
    assert!(threads.text.contains("0.6 of a core"), "{}", threads.text);
}

#[test]
fn a_speed_up_above_the_cores_is_a_disturbed_baseline_not_a_success() {
    let mut result = samples::cpu(2);
    result.processes = samples::split(300_000, 2.9, 1.95, 0.02, 2);
    let verdict = result.processes_verdict();
    assert!(
        matches!(
            verdict,
            Verdict::CouldntTell(Unclear::BaselineDisturbed { .. })
        ),
        "{verdict:?}"
    );
    let cell = result.cell();
    assert!(
        cell.plain().starts_with("baseline disturbed: 2.9×"),
        "{}",
        cell.plain()
    );
    assert!(!cell.parts[0].verdict.as_ref().is_some_and(Verdict::holds));
    let text = said(&result.findings());
    assert!(text.contains("2.9×"), "{text}");
}

#[test]
fn the_quiet_sample_says_like_the_simulation_with_the_same_figures_as_its_cell() {
    let result = samples::cpu(2);
    let text = said(&result.findings());
    assert!(
        text.contains("Real Python behaves like the simulation"),
        "{text}"
    );
    assert_eq!(
        result.cell().plain(),
        "1.9× vs 1.0× under a GIL (2.0× without); Python 3.11.7: 1.9× vs 1.1× ✓"
    );
}

#[test]
fn python_threads_on_one_core_are_not_called_faster_than_a_slowed_baseline() {
    // Measured on a 2-core machine whose other programs used 0.9 of a core:
    // the one run had a core to itself by its CPU time, yet the two runs on
    // threads needed less CPU per run than it did; they took turns (1.0 core
    // at once), and the 1.2× came from a slowed baseline.
    let mut result = samples::cpu(2);
    let mut run = samples::python(1.5, 1.2, 0.9);
    run.one = PythonPhase {
        wall_us: 143_704,
        cpu_us: 142_960,
    };
    run.threads = PythonPhase {
        wall_us: 234_127,
        cpu_us: 227_136,
    };
    run.processes = PythonPhase {
        wall_us: 189_042,
        cpu_us: 236_435,
    };
    run.load = Load {
        wall_us: 1_441_794,
        cores: 2,
        machine_busy_us: Some(2_810_000),
        own_us: 1_506_410,
    };
    result.python = PythonOutcome::Measured(run);
    let found = result.findings();
    let threads = finding(&found, PYTHON_THREADS_GIL).expect("judged");
    assert!(
        matches!(threads.verdict, Some(Verdict::CouldntTell(_))),
        "{threads:?}"
    );
    assert!(threads.text.contains("1.2×"), "{}", threads.text);
    assert!(!said(&found).contains(LIKE_THE_SIMULATION));
}

#[test]
fn a_speed_up_is_judged_as_it_is_printed() {
    assert_eq!(words::as_shown(1.475), 1.5);
    assert_eq!(words::as_shown(1.449), 1.4);
    assert_eq!(words::as_shown(12.4), 12.0);
    assert!(words::as_shown(f64::NAN).is_nan());
    // Threads 1.475× as fast read "1.5×": the claim "at least 1.5×" holds.
    let mut result = samples::cpu(2);
    result.threads = samples::split(141_000, 1.475, 1.6, 0.26, 2);
    assert_eq!(result.threads_verdict(), Verdict::Holds);
}
