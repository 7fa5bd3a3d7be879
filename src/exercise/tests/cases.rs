//! Hand-built runs: each check passing and failing, with the sentence a
//! student reads.

use super::*;
use crate::course::JoinRule;

/// q6 as the starter has it: each child started after the one before was
/// joined.
fn one_after_another() -> Xray {
    xray(
        500_000,
        (1..=4)
            .map(|n| child(n, n as u64 * 100_000, n as u64 * 100_000 + 50_000))
            .collect(),
    )
}

/// q6 solved: all four started before any is joined.
fn all_at_once() -> Xray {
    xray(
        300_000,
        (1..=4)
            .map(|n| child(n, 10_000 + n as u64 * 1_000, 200_000 + n as u64 * 1_000))
            .collect(),
    )
}

const PRINTED: [&str; 4] = [
    "Process-2 prints 20",
    "Process-1 prints 10",
    "Process-4 prints 40",
    "Process-3 prints 30",
];

fn q6_checks() -> ExerciseChecks {
    ExerciseChecks {
        output: Some(four_numbers()),
        ..behaviour(BehaviourChecks {
            processes: exactly(4),
            alive_at_once: at_least(4),
            all_joined: Some(JoinRule { zombie_ms: 200 }),
            nothing_left_running: true,
            ..BehaviourChecks::default()
        })
    }
}

#[test]
fn q6_one_process_at_a_time_fails_saying_only_one_was_alive() {
    let verdict = judge(&q6_checks(), &run(0, &PRINTED, one_after_another()), None);
    let alive = line_of(&verdict, CheckKind::AliveAtOnce);
    assert_eq!(alive.status, Status::Fail);
    assert_eq!(
        alive.text,
        "Only one process was alive at a time (the most at once: 1); the task asks for at \
         least 4 at the same time — start them all before joining any."
    );
    assert_eq!(line_of(&verdict, CheckKind::Processes).status, Status::Pass);
    assert_eq!(line_of(&verdict, CheckKind::Output).status, Status::Pass);
    assert!(verdict.failed() && !verdict.passed());
    assert_eq!(verdict.failures(), 1);
}

#[test]
fn q6_all_four_at_once_passes_every_check() {
    let verdict = judge(&q6_checks(), &run(0, &PRINTED, all_at_once()), None);
    assert!(verdict.passed(), "{verdict:#?}");
    assert_eq!(
        line_of(&verdict, CheckKind::AliveAtOnce).text,
        "4 processes were alive at the same time."
    );
    assert_eq!(
        line_of(&verdict, CheckKind::Processes).text,
        "The program started 4 processes."
    );
    assert_eq!(
        line_of(&verdict, CheckKind::ExitCode).text,
        "The program exited with code 0."
    );
    let kinds: Vec<CheckKind> = verdict.lines.iter().map(|line| line.check).collect();
    assert_eq!(
        kinds,
        [
            CheckKind::Output,
            CheckKind::Processes,
            CheckKind::AliveAtOnce,
            CheckKind::AllJoined,
            CheckKind::NothingLeftRunning,
            CheckKind::ExitCode
        ]
    );
}

#[test]
fn too_few_children_say_how_many_were_started() {
    let two = xray(
        300_000,
        vec![child(1, 1_000, 200_000), child(2, 1_000, 200_000)],
    );
    let verdict = judge(&q6_checks(), &run(0, &PRINTED[..2], two), None);
    assert_eq!(
        line_of(&verdict, CheckKind::Processes).text,
        "The program started 2 processes; the task asks for exactly 4."
    );
    assert_eq!(
        line_of(&verdict, CheckKind::AliveAtOnce).text,
        "2 processes were alive at the same time (the most at once: 2); the task asks for at \
         least 4 at the same time — the program started only 2."
    );
}

#[test]
fn a_missing_line_is_shown_as_an_example_never_as_a_pattern() {
    let verdict = judge(&q6_checks(), &run(0, &PRINTED[..3], all_at_once()), None);
    let output: Vec<&str> = verdict
        .lines
        .iter()
        .filter(|line| line.check == CheckKind::Output)
        .map(|line| line.text.as_str())
        .collect();
    assert_eq!(
        output,
        [
            "No line like `Process-1 prints 30` was printed; it printed `Process-2 prints 20`, \
             `Process-1 prints 10` and `Process-4 prints 40`.",
            "The program printed 3 lines; the task asks for 4."
        ]
    );
    assert!(verdict.lines.iter().all(|line| !line.text.contains('\\')));
    // The exercise's own examples come first.
    let checks = ExerciseChecks {
        examples: vec!["Process-3 prints 30".into()],
        ..q6_checks()
    };
    let verdict = judge(&checks, &run(0, &PRINTED[..3], all_at_once()), None);
    assert!(
        verdict.lines[0]
            .text
            .starts_with("No line like `Process-3 prints 30` was printed; it printed `"),
        "{}",
        verdict.lines[0].text
    );
    // More lines than a sentence holds are counted, and nothing is said.
    let many = ["line 0", "line 1", "line 2", "line 3", "line 4"];
    let verdict = judge(&q6_checks(), &run(0, &many, all_at_once()), None);
    assert!(
        verdict.lines[0]
            .text
            .ends_with("was printed; it printed 5 other lines."),
        "{}",
        verdict.lines[0].text
    );
    let verdict = judge(&q6_checks(), &run(0, &[], all_at_once()), None);
    assert!(
        verdict.lines[0]
            .text
            .ends_with("was printed; the program printed nothing."),
        "{}",
        verdict.lines[0].text
    );
}

#[test]
fn a_doubled_line_names_the_lines_printed() {
    let printed = [
        PRINTED[0],
        PRINTED[1],
        "Process-5 prints 10",
        PRINTED[2],
        PRINTED[3],
    ];
    let verdict = judge(&q6_checks(), &run(0, &printed, all_at_once()), None);
    assert_eq!(
        verdict.lines[0].text,
        "2 lines like `Process-1 prints 10` were printed (`Process-1 prints 10` and \
         `Process-5 prints 10`); the task asks for one."
    );
}

#[test]
fn a_zombie_left_waiting_fails_with_how_long_it_waited() {
    let mut late = child(2, 10_000, 100_000);
    late.reaped_us = Some(1_300_000);
    late.zombie_us = Some(1_200_000);
    let x = xray(1_400_000, vec![child(1, 10_000, 100_000), late]);
    let checks = behaviour(BehaviourChecks {
        all_joined: Some(JoinRule { zombie_ms: 200 }),
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &run(0, &[], x), None);
    let joined = line_of(&verdict, CheckKind::AllJoined);
    assert_eq!(joined.status, Status::Fail);
    assert_eq!(
        joined.text,
        "Process-2 (pid 102) stayed a zombie for 1.20s before its parent joined it (allowed: \
         200ms)."
    );
    // Within the allowance, the same run passes, naming its longest zombie.
    let lenient = behaviour(BehaviourChecks {
        all_joined: Some(JoinRule { zombie_ms: 2_000 }),
        ..BehaviourChecks::default()
    });
    let x = xray(
        1_400_000,
        vec![child(1, 10_000, 100_000), {
            let mut late = child(2, 10_000, 100_000);
            late.reaped_us = Some(1_300_000);
            late.zombie_us = Some(1_200_000);
            late
        }],
    );
    let passed = judge(&lenient, &run(0, &[], x), None);
    assert_eq!(
        line_of(&passed, CheckKind::AllJoined).text,
        "Every child was joined by its parent (the longest a zombie: 1.20s; allowed: 2.00s)."
    );
}

#[test]
fn a_zombie_left_while_its_parent_waited_for_a_slower_sibling_is_joined_in_time() {
    // Process-1 took 900ms (a slow start under spawn on a busy machine);
    // Process-2 ended at 100ms and waited, a zombie, while the parent was
    // in Process-1's join(); the parent reaped it 2ms after Process-1.
    let mut slow = child(1, 10_000, 900_000);
    slow.reaped_us = Some(901_000);
    slow.zombie_us = Some(1_000);
    let mut waiting = child(2, 10_000, 100_000);
    waiting.reaped_us = Some(903_000);
    waiting.zombie_us = Some(803_000);
    let checks = behaviour(BehaviourChecks {
        all_joined: Some(JoinRule { zombie_ms: 200 }),
        ..BehaviourChecks::default()
    });
    let x = xray(1_000_000, vec![slow.clone(), waiting.clone()]);
    let verdict = judge(&checks, &run(0, &[], x), None);
    let joined = line_of(&verdict, CheckKind::AllJoined);
    assert_eq!(joined.status, Status::Pass, "{}", joined.text);
    // A parent that, once free, still leaves it waiting fails, and the line
    // says both how long it was a zombie and how long the parent was free.
    waiting.reaped_us = Some(1_400_000);
    waiting.zombie_us = Some(1_300_000);
    let x = xray(1_500_000, vec![slow, waiting]);
    let verdict = judge(&checks, &run(0, &[], x), None);
    let joined = line_of(&verdict, CheckKind::AllJoined);
    assert_eq!(joined.status, Status::Fail);
    assert_eq!(
        joined.text,
        "Process-2 (pid 102) stayed a zombie for 1.30s before its parent joined it, 499ms after \
         the parent had joined the child before it (allowed: 200ms)."
    );
}

#[test]
fn a_child_nobody_joined_and_one_whose_parent_ended_first_both_fail() {
    let mut never = child(1, 10_000, 100_000);
    never.reaped_us = None;
    never.zombie_us = Some(400_000);
    let mut orphan = child(2, 10_000, 700_000);
    orphan.reaped_us = Some(650_000);
    let mut x = xray(700_000, vec![never, orphan]);
    x.processes[0].end_us = Some(500_000);
    let checks = behaviour(BehaviourChecks {
        all_joined: Some(JoinRule { zombie_ms: 200 }),
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &run(0, &[], x), None);
    assert_eq!(
        line_of(&verdict, CheckKind::AllJoined).text,
        "2 of the 2 processes were not joined in time (allowed: 200ms): Process-1 (pid 101) \
         was never joined: it stayed a zombie for 400ms, until the program ended; Process-2 \
         (pid 102) was not joined: its parent ended first."
    );
}

#[test]
fn a_leftover_mptutor_killed_fails_and_helpers_do_not_count() {
    let mut leftover = child(3, 10_000, 0);
    leftover.end_us = None;
    leftover.reaped_us = None;
    leftover.exit = Some(ProcessExit::Signal("SIGKILL".into()));
    leftover.zombie_us = None;
    leftover.killed_at_end = true;
    leftover.pid = 130;
    let helpers = [
        (90, "forkserver", Role::Forkserver),
        (91, "resource_tracker", Role::ResourceTracker),
    ]
    .map(|(pid, name, role)| XrayProcess {
        end_us: None,
        reaped_us: None,
        killed_at_end: true,
        ..process(pid, name, role, 0, None)
    });
    let mut children = vec![child(1, 10_000, 100_000), leftover];
    children.extend(helpers.clone());
    let checks = behaviour(BehaviourChecks {
        processes: exactly(2),
        all_joined: Some(JoinRule { zombie_ms: 200 }),
        nothing_left_running: true,
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &run(0, &[], xray(200_000, children)), None);
    assert_eq!(
        line_of(&verdict, CheckKind::NothingLeftRunning).text,
        "1 process was still running when the program ended, and mptutor killed it: \
         Process-3 (pid 130)."
    );
    assert_eq!(
        line_of(&verdict, CheckKind::AllJoined).text,
        "Process-3 (pid 130) was still running when the program ended, and mptutor killed it \
         (allowed: 200ms)."
    );
    assert_eq!(line_of(&verdict, CheckKind::Processes).status, Status::Pass);
    // Only the helpers left: nothing of the program's was left running.
    let mut only_helpers = vec![child(1, 10_000, 100_000)];
    only_helpers.extend(helpers);
    let verdict = judge(&checks, &run(0, &[], xray(200_000, only_helpers)), None);
    assert_eq!(
        line_of(&verdict, CheckKind::NothingLeftRunning).status,
        Status::Pass
    );
}

#[test]
fn a_pool_of_two_counts_the_workers_that_ran_tasks() {
    let workers = (1..=2)
        .map(|n| {
            process(
                MAIN + n,
                &format!("ForkPoolWorker-{n}"),
                Role::PoolWorker,
                1_000,
                Some(90_000),
            )
        })
        .collect();
    let mut x = xray(100_000, workers);
    x.tasks = vec![task(101), task(102), task(101), task(MAIN)];
    let checks = |n| {
        behaviour(BehaviourChecks {
            pool_workers: at_least(n),
            ..BehaviourChecks::default()
        })
    };
    let two = judge(&checks(2), &run(0, &[], x.clone()), None);
    assert_eq!(
        line_of(&two, CheckKind::PoolWorkers).text,
        "2 pool workers ran tasks."
    );
    assert!(two.passed());
    let four = judge(&checks(4), &run(0, &[], x.clone()), None);
    assert_eq!(
        line_of(&four, CheckKind::PoolWorkers).text,
        "2 pool workers ran tasks; the task asks for at least 4."
    );
    x.tasks.retain(|task| task.pid == 101);
    let idle = judge(&checks(2), &run(0, &[], x), None);
    assert_eq!(
        line_of(&idle, CheckKind::PoolWorkers).text,
        "1 pool worker ran tasks (2 started); the task asks for at least 2."
    );
}

#[test]
fn threads_besides_the_main_one_are_counted() {
    let mut x = xray(100_000, Vec::new());
    x.threads = vec![
        thread(MAIN, MAIN),
        thread(MAIN, MAIN + 1),
        thread(MAIN, MAIN + 2),
    ];
    let checks = behaviour(BehaviourChecks {
        threads: at_least(2),
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &run(0, &[], x.clone()), None);
    assert_eq!(
        line_of(&verdict, CheckKind::Threads).text,
        "2 threads ran besides the main thread."
    );
    x.threads.truncate(1);
    let verdict = judge(&checks, &run(0, &[], x), None);
    assert_eq!(
        line_of(&verdict, CheckKind::Threads).text,
        "No thread ran besides the main thread; the task asks for at least 2."
    );
}

#[test]
fn a_timed_out_run_fails_its_time_and_cannot_tell_what_the_timeout_cut_short() {
    let mut stuck = child(1, 10_000, 0);
    stuck.end_us = None;
    stuck.reaped_us = None;
    stuck.zombie_us = None;
    stuck.killed_at_end = true;
    let mut x = xray(30_000_000, vec![stuck]);
    x.timed_out = true;
    let mut outcome = run(-9, &[], x);
    outcome.status = ExitStatus::Signal("SIGKILL".into());
    let checks = behaviour(BehaviourChecks {
        all_joined: Some(JoinRule { zombie_ms: 200 }),
        nothing_left_running: true,
        exit_code: Some(0),
        time_limit_s: Some(10.0),
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &outcome, None);
    let time = line_of(&verdict, CheckKind::TimeLimit);
    assert_eq!(time.status, Status::Fail);
    assert_eq!(
        time.text,
        "The program was still running after 30.0s, and mptutor stopped it at its timeout; \
         the task allows 10.0s."
    );
    for kind in [
        CheckKind::AllJoined,
        CheckKind::NothingLeftRunning,
        CheckKind::ExitCode,
    ] {
        let line = line_of(&verdict, kind);
        assert_eq!(line.status, Status::CouldntTell, "{line:?}");
        assert!(line.text.contains("timeout"), "{line:?}");
    }
    assert!(verdict.failed());
    // A timeout fails the run even when the exercise sets no time limit.
    let no_limit = behaviour(BehaviourChecks {
        nothing_left_running: true,
        ..BehaviourChecks::default()
    });
    let verdict = judge(&no_limit, &outcome, None);
    assert_eq!(line_of(&verdict, CheckKind::TimeLimit).status, Status::Fail);
}

#[test]
fn a_run_within_its_time_limit_passes_and_one_over_it_fails() {
    let checks = behaviour(BehaviourChecks {
        time_limit_s: Some(2.0),
        ..BehaviourChecks::default()
    });
    let quick = judge(&checks, &run(0, &[], xray(1_230_000, Vec::new())), None);
    assert_eq!(
        line_of(&quick, CheckKind::TimeLimit).text,
        "The program took 1.23s; the task allows 2.00s."
    );
    assert!(quick.passed());
    let slow = judge(&checks, &run(0, &[], xray(2_500_000, Vec::new())), None);
    assert_eq!(line_of(&slow, CheckKind::TimeLimit).status, Status::Fail);
}

#[test]
fn exit_code_one_fails_and_a_signal_is_named() {
    let checks = behaviour(BehaviourChecks {
        exit_code: Some(0),
        ..BehaviourChecks::default()
    });
    let verdict = judge(&checks, &run(1, &[], xray(100_000, Vec::new())), None);
    let line = line_of(&verdict, CheckKind::ExitCode);
    assert_eq!(line.status, Status::Fail);
    assert_eq!(
        line.text,
        "The program exited with code 1; the task asks for exit code 0."
    );
    let mut crashed = run(-11, &[], xray(100_000, Vec::new()));
    crashed.status = ExitStatus::Signal("SIGSEGV".into());
    let verdict = judge(&checks, &crashed, None);
    assert_eq!(
        line_of(&verdict, CheckKind::ExitCode).text,
        "The program was ended by SIGSEGV (exit code -11); the task asks for exit code 0."
    );
}

#[test]
fn the_output_check_s_exit_code_is_judged_once_on_a_line_of_its_own() {
    let checks = ExerciseChecks {
        output: Some(four_numbers()),
        ..ExerciseChecks::default()
    };
    let verdict = judge(&checks, &run(1, &PRINTED, all_at_once()), None);
    assert_eq!(verdict.lines.len(), 2, "{verdict:#?}");
    assert_eq!(line_of(&verdict, CheckKind::Output).status, Status::Pass);
    assert_eq!(line_of(&verdict, CheckKind::ExitCode).status, Status::Fail);
}

#[test]
fn a_verdict_round_trips_through_json() {
    let verdict = judge(&q6_checks(), &run(0, &PRINTED, one_after_another()), None);
    let text = serde_json::to_string(&verdict).expect("serializes");
    assert!(
        text.contains(r#""check":"alive_at_once","status":"fail""#),
        "{text}"
    );
    let back: ExerciseVerdict = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back, verdict);
}
