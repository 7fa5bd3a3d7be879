use proptest::prelude::*;
use regex::Regex;

use super::*;
use crate::engine::{ExitStatus, Load};
use crate::findings::speed::OTHERS_BUSY;

fn claim(at_least: f64) -> SpeedClaim {
    let line = |pattern: &str| Regex::new(&format!("^(?:{pattern})$")).expect("a pattern");
    SpeedClaim {
        one_worker: line(r"1 process: +\d+ primes in (\d+\.\d+) s"),
        parallel: line(r"4 processes: +\d+ primes in (\d+\.\d+) s"),
        workers: 4,
        at_least,
    }
}

/// A run of q1's example: `one` and `parallel` seconds as printed, the
/// run's CPU time, and what other programs used.
fn outcome(
    one: f64,
    parallel: f64,
    cpu_s: f64,
    others: Option<f64>,
    cores: usize,
) -> PythonOutcome {
    let wall_us = ((one + parallel + 0.05) * 1e6) as u64;
    let cpu_us = (cpu_s * 1e6) as u64;
    PythonOutcome {
        status: ExitStatus::Code(0),
        exit_code: 0,
        stdout: vec![
            format!("1 process:   17984 primes in {one:.2} s"),
            format!("4 processes: 17984 primes in {parallel:.2} s"),
        ],
        processes: Vec::new(),
        xray: Default::default(),
        timed_out: false,
        elapsed_us: wall_us,
        cpu_us,
        load: Load {
            wall_us,
            cores,
            machine_busy_us: others.map(|others| cpu_us + (others * wall_us as f64) as u64),
            own_us: cpu_us,
        },
        group: 1,
    }
}

#[test]
fn a_speed_up_on_a_quiet_machine_holds_with_its_times() {
    // 0.74 s outside the parallel part at one core, 0.41 s at 1.8 cores.
    let judged = judge_claim(
        &claim(1.3),
        &outcome(0.69, 0.41, 0.74 + 0.74, Some(0.03), 2),
    );
    assert_eq!(judged.verdict(), Some(&Verdict::Holds));
    assert_eq!(
        judged.finding.text,
        "4 processes took 0.41 s, 1 process 0.69 s: 1.7× as fast on 2 cores, as the lesson \
         says (at least 1.3×)."
    );
    let run = judged.run.expect("the run judged");
    assert!(
        run.parallel_cores
            .is_some_and(|got| (got - 1.8).abs() < 0.01),
        "{run:?}"
    );
}

#[test]
fn a_speed_up_on_a_busy_machine_holds_and_says_whose_figure_it_is() {
    // Seen under two CPU hogs: the claim held, with other programs on 1.3 cores.
    let judged = judge_claim(&claim(1.3), &outcome(1.13, 0.66, 1.64, Some(1.3), 2));
    assert_eq!(judged.verdict(), Some(&Verdict::Holds));
    assert!(
        judged.finding.text.ends_with(
            "as the lesson says (at least 1.3×). Other programs used 1.3 cores meanwhile, so \
             both parts took longer than on a quiet machine, and not by the same amount: the \
             1.7× is this busy machine's figure, not the cores' alone."
        ),
        "{judged:?}"
    );
}

#[test]
fn a_slower_pool_on_a_quiet_machine_is_contradicted_and_says_what_to_try() {
    let judged = judge_claim(&claim(1.3), &outcome(0.6, 0.9, 0.65 + 1.7, Some(0.02), 2));
    assert_eq!(judged.verdict(), Some(&Verdict::Contradicted));
    let text = &judged.finding.text;
    assert!(
        text.starts_with(
            "4 processes took longer than 1 (0.90 s against 0.60 s) on a quiet 2-core machine \
             (other programs used 0.0 of a core, and the processes got at least 1.9 cores of \
             the 2 they could use)."
        ),
        "{text}"
    );
    assert!(text.contains("Try giving each process more work"), "{text}");
}

#[test]
fn a_slower_pool_on_a_busy_machine_is_couldnt_tell_with_the_load() {
    let judged = judge_claim(&claim(1.3), &outcome(0.6, 0.9, 0.65 + 0.9, Some(0.9), 2));
    let Some(Verdict::CouldntTell(Unclear::MachineBusy { others, .. })) = judged.verdict() else {
        panic!("{judged:?}");
    };
    assert_eq!(*others, Some(0.9));
    assert_eq!(
        judged.finding.text,
        "Couldn't tell whether 4 processes are at least 1.3× as fast as 1: 4 processes took \
         0.90 s, 1 process 0.60 s (0.7×), but the machine was busy: other programs used 0.9 of \
         a core, the whole run got 1.0 core (its CPU time over its wall time) and its 4 \
         processes at least 1.0 core of the 2 they could use. Close what keeps the machine \
         busy (look with `top`) and run it again."
    );
}

#[test]
fn a_speed_up_made_by_a_starved_one_process_part_is_not_a_success() {
    // Seen under two CPU hogs: the whole run had 1.72 s of CPU, so the
    // one-process part's 4.36 s had at most 0.4 of a core.
    let judged = judge_claim(&claim(1.3), &outcome(4.36, 2.38, 1.72, Some(1.5), 2));
    assert!(
        matches!(
            judged.verdict(),
            Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }))
        ),
        "{judged:?}"
    );
    assert_eq!(
        judged.finding.text,
        "Couldn't tell whether 4 processes are at least 1.3× as fast as 1: 4 processes took \
         2.38 s, 1 process 4.36 s (1.8×), but the one-process part was slowed down: it had at \
         most 0.4 of a core to itself (the whole run's CPU time over its time), so the 1.8× \
         against it is too high to trust. Close what keeps the machine busy (look with `top`) \
         and run it again."
    );
    let above = judge_claim(&claim(1.3), &outcome(1.2, 0.4, 2.1, Some(0.0), 2));
    assert!(
        above
            .finding
            .text
            .contains("3.0× is more than 2 cores can give"),
        "{above:?}"
    );
}

#[test]
fn what_cannot_be_judged_says_why() {
    let mut missing = outcome(0.6, 0.4, 1.4, Some(0.0), 2);
    missing.stdout.pop();
    let judged = judge_claim(&claim(1.3), &missing);
    assert!(
        judged
            .finding
            .text
            .contains("no line of the output matches `4 processes:"),
        "{judged:?}"
    );
    let mut stopped = outcome(0.6, 0.4, 1.4, Some(0.0), 2);
    stopped.timed_out = true;
    assert!(
        judge_claim(&claim(1.3), &stopped)
            .finding
            .text
            .contains("stopped at the timeout")
    );
    let one_core = judge_claim(&claim(1.3), &outcome(0.6, 0.7, 1.3, Some(0.0), 1));
    assert_eq!(
        one_core.verdict(),
        Some(&Verdict::CouldntTell(Unclear::OneCore))
    );
    let beyond = judge_claim(&claim(3.0), &outcome(0.6, 0.35, 1.3, Some(0.0), 2));
    assert!(
        beyond
            .finding
            .text
            .contains("this machine has 2 cores, so 4 processes can be at most 2.0× as fast"),
        "{beyond:?}"
    );
    let instant = judge_claim(&claim(1.3), &outcome(0.001, 0.001, 0.05, Some(0.0), 2));
    assert!(
        matches!(
            instant.verdict(),
            Some(Verdict::CouldntTell(Unclear::TooLittleWork { .. }))
        ),
        "{instant:?}"
    );
}

#[test]
fn a_speed_finding_round_trips_through_json() {
    for run in [
        outcome(0.6, 0.9, 1.5, Some(0.9), 2),
        outcome(0.0, 0.0, 0.05, Some(0.0), 2),
    ] {
        let judged = judge_claim(&claim(1.3), &run);
        let text = serde_json::to_string(&judged).expect("serializes");
        let back: SpeedFinding = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, judged);
    }
}

fn any_run() -> impl Strategy<Value = (f64, PythonOutcome)> {
    (
        1.1f64..4.0,
        0.0f64..3.0,
        0.0f64..3.0,
        0.0f64..1.0,
        proptest::option::of(0.0f64..4.0),
        1usize..9,
    )
        .prop_map(|(at_least, one, parallel, cpu_share, others, cores)| {
            let wall = one + parallel + 0.05;
            let cpu = cpu_share * wall * cores as f64;
            (at_least, outcome(one, parallel, cpu, others, cores))
        })
}

proptest! {
    #[test]
    fn no_verdict_states_what_its_figures_contradict((at_least, outcome) in any_run()) {
        let judged = judge_claim(&claim(at_least), &outcome);
        // Every finding reads back (serde_json's default float parsing may
        // differ from the written figure in its last bit).
        let json = serde_json::to_string(&judged).expect("serializes");
        prop_assert!(serde_json::from_str::<SpeedFinding>(&json).is_ok(), "{json}");
        let verdict = judged.verdict().cloned();
        let others_busy = outcome.load.others_cores().is_some_and(|others| others >= OTHERS_BUSY);
        let text = &judged.finding.text;
        if let Some((one, parallel)) = judged.times {
            // The sentence quotes the times as the program printed them.
            prop_assert!(text.contains(&format!("{one:.2} s")), "{text}");
            prop_assert!(text.contains(&format!("{parallel:.2} s")), "{text}");
        }
        match verdict {
            Some(Verdict::Holds) => {
                let run = judged.run.expect("a judged run");
                let (one, parallel) = judged.times.expect("times");
                // Judged on the ratio as the sentence shows it.
                prop_assert!(words::as_shown(one / parallel) >= at_least);
                prop_assert!(!run.baseline_disturbed(), "{run:?}");
                prop_assert!(text.contains("as the lesson says"), "{text}");
            }
            Some(Verdict::Contradicted) => {
                let run = judged.run.expect("a judged run");
                prop_assert!(!others_busy, "✗ on a busy machine: {outcome:?}");
                prop_assert!(!run.busy(), "{run:?}");
                prop_assert!(run.speedup < at_least);
                prop_assert!(text.contains("on a quiet"), "{text}");
            }
            Some(Verdict::CouldntTell(why)) => {
                prop_assert!(text.starts_with("Couldn't tell whether"), "{text}");
                if let Unclear::MachineBusy { .. } = why {
                    prop_assert!(judged.run.is_some_and(|run| run.busy()));
                }
            }
            None => prop_assert!(false, "a claim always ends in a verdict"),
        }
    }
}

/// `outcome`, with pool workers the X-ray saw using `workers_cpu_s` of CPU
/// time in all.
fn with_workers(mut outcome: PythonOutcome, workers_cpu_s: f64) -> PythonOutcome {
    use crate::xray::model::XrayProcess;
    use crate::xray::wire::Role;
    for n in 0..4u64 {
        outcome.xray.processes.push(XrayProcess {
            pid: 100 + n as i32,
            ppid: 99,
            name: format!("ForkPoolWorker-{}", n + 1),
            role: Role::PoolWorker,
            start_method: Some("fork".into()),
            python: true,
            start_us: 0,
            end_us: Some(1),
            reaped_us: Some(1),
            exit: None,
            cpu_us: (workers_cpu_s * 1e6 / 4.0) as u64,
            peak_rss_kb: 0,
            zombie_us: None,
            killed_at_end: false,
            exception: None,
        });
    }
    outcome
}

#[test]
fn workers_that_needed_much_more_cpu_than_one_process_make_a_poor_speed_up_unclear() {
    // 2.02 s whole, 1.70 s split (1.2×) on a quiet machine whose two cores
    // got 1.7 cores' worth: a ✗ by the times alone. But the workers used
    // 2.70 s of CPU for what took one process 2.02 s, 1.3 times as much:
    // the cores computed slower together, which no counter of the
    // machine's shows.
    let run = outcome(2.02, 1.70, 2.07 + 1.7 * 1.7, Some(0.04), 2);
    let plain = judge_claim(&claim(1.3), &run);
    assert_eq!(plain.verdict(), Some(&Verdict::Contradicted), "{plain:?}");
    let judged = judge_claim(&claim(1.3), &with_workers(run.clone(), 2.70));
    assert!(
        matches!(
            judged.verdict(),
            Some(Verdict::CouldntTell(Unclear::CoresSlowerTogether {
                at_least: true,
                ..
            }))
        ),
        "{judged:?}"
    );
    assert!(
        judged
            .finding
            .text
            .contains("the same work took at least 1.3 times the CPU time split"),
        "{}",
        judged.finding.text
    );
    // Workers that used about what one process did leave the ✗ standing.
    let even = judge_claim(&claim(1.3), &with_workers(run, 2.10));
    assert_eq!(even.verdict(), Some(&Verdict::Contradicted), "{even:?}");
}

#[test]
fn a_speed_up_is_judged_on_the_digits_the_sentence_shows() {
    // 2.12 s ÷ 1.69 s is 1.254…, shown as 1.3×: it meets "at least 1.3×".
    let judged = judge_claim(
        &claim(1.3),
        &outcome(2.12, 1.69, 2.17 + 1.69 * 1.8, Some(0.03), 2),
    );
    assert_eq!(judged.verdict(), Some(&Verdict::Holds), "{judged:?}");
    assert!(
        judged.finding.text.contains("1.3× as fast"),
        "{}",
        judged.finding.text
    );
}
