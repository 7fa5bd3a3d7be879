//! One hand-built run for each thing the X-ray finds.

use super::super::finding::{PoolKind, XrayFinding};
use super::super::findings::summarize;
use super::super::model::{ProcessExit, Role, Xray, XrayTask};
use super::super::overlap::Phase;
use super::*;
use crate::findings::{Unclear, Verdict};

/// Lesson q6, step 2: four half-second naps one after another (each
/// joined before the next starts), then four at once.
fn q6() -> Xray {
    let mut children = Vec::new();
    for n in 0..4 {
        let start = 10_000 + n * 510_000;
        let mut nap = child(101 + n as i32, start, start + 500_000);
        nap.reaped_us = Some(start + 501_000);
        children.push(nap);
    }
    for n in 0..4 {
        let start = 2_100_000 + n * 2_000;
        children.push(child(105 + n as i32, start, start + 500_000));
    }
    xray(2_700_000, children)
}

#[test]
fn one_after_another_then_all_at_once_is_told_as_two_phases() {
    let summary = summarize(&q6(), &quiet());
    assert_eq!(summary.max_concurrent_processes, 4);
    let found = of_kind(&summary, "concurrency");
    let [XrayFinding::Concurrency { phases, .. }] = found.as_slice() else {
        panic!("{found:?}");
    };
    assert_eq!(
        phases,
        &vec![
            Phase {
                processes: 4,
                at_once: 1
            },
            Phase {
                processes: 4,
                at_once: 4
            }
        ]
    );
    assert_eq!(
        text_of(&summary, "concurrency"),
        "The 8 child processes ran in 2 phases: 4 one after another, then 4 at the same time. \
         At most 4 ran at once."
    );
    // Four naps together used no CPU: said as waiting, no parallelism claimed.
    let cpu = text_of(&summary, "processes_cpu");
    assert!(
        cpu.starts_with(
            "4 child processes ran together for 494ms and used 0.0 of the 2 cores: \
                         they were not computing"
        ),
        "{cpu}"
    );
    assert!(!cpu.contains("parallel"), "{cpu}");
}

/// Sleeping children leave free cores idle: other programs taking some of
/// the machine are not why they used no CPU, so the finding says they
/// were waiting rather than that it could not tell.
#[test]
fn children_that_wait_on_a_partly_busy_machine_are_said_to_wait() {
    let partly_busy = load(2, 0.6);
    let cpu = text_of(&summarize(&q6(), &partly_busy), "processes_cpu");
    assert!(cpu.contains("they were not computing"), "{cpu}");
    assert!(!cpu.contains("couldn't be told"), "{cpu}");
}

#[test]
fn started_and_joined_in_turn_differs_from_started_all_then_joined_all() {
    let mut sequential = q6();
    sequential.processes.truncate(5);
    let summary = summarize(&sequential, &quiet());
    assert_eq!(summary.max_concurrent_processes, 1);
    assert_eq!(
        text_of(&summary, "concurrency"),
        "The 4 child processes ran one at a time: each was joined before the next one started, \
         as when each is started and joined in turn. At most 1 ran at once."
    );
    assert!(of_kind(&summary, "processes_cpu").is_empty());

    let mut together = q6();
    together.processes.drain(1..5);
    let summary = summarize(&together, &quiet());
    assert_eq!(summary.max_concurrent_processes, 4);
    assert!(
        text_of(&summary, "concurrency")
            .starts_with("The 4 child processes all ran at the same time: every one started"),
        "{summary:?}"
    );
}

/// Four CPU-bound threads of the main program, 1.2 s together.
fn four_threads(cpu_each: u64) -> Xray {
    let mut run = xray(1_400_000, Vec::new());
    run.threads = (1..=4)
        .map(|n| thread(MAIN, MAIN + n, 100_000, 1_300_000, cpu_each))
        .collect();
    run.cpu = run.threads.iter().map(even_samples).collect();
    run
}

#[test]
fn four_cpu_threads_sharing_one_core_took_turns_on_the_gil() {
    let summary = summarize(&four_threads(300_000), &quiet());
    let found = of_kind(&summary, "threads_cpu");
    let [
        XrayFinding::ThreadsCpu {
            cores_used,
            verdict,
            cpu_us,
            ..
        },
    ] = found.as_slice()
    else {
        panic!("{found:?}");
    };
    assert!((cores_used - 1.0).abs() < 1e-6, "{cores_used}");
    assert_eq!(*cpu_us, 1_200_000);
    assert_eq!(verdict, &Some(Verdict::Holds));
    assert_eq!(
        text_of(&summary, "threads_cpu"),
        "In MainProcess (pid 100), 4 threads ran together for 1.20s and had 1.0 core between \
         them: they took turns on the GIL, one thread running Python at a time, though the \
         machine had cores free."
    );
}

#[test]
fn threads_on_a_busy_machine_are_not_judged_and_more_than_a_core_is_no_gil() {
    let summary = summarize(&four_threads(300_000), &busy());
    let text = text_of(&summary, "threads_cpu");
    assert!(
        text.ends_with(
            "whether they took turns on the GIL couldn't be told: the machine was busy: other \
             programs used 1.1 of its 2 cores while it was measured."
        ),
        "{text}"
    );
    assert!(!text.contains("took turns on the GIL,"), "{text}");

    let summary = summarize(&four_threads(480_000), &busy());
    let text = text_of(&summary, "threads_cpu");
    assert!(
        text.contains("had 1.6 cores between them: they ran in parallel"),
        "{text}"
    );

    // Threads that slept had 0.2 of a core: never "about 1 core".
    let summary = summarize(&four_threads(60_000), &quiet());
    let text = text_of(&summary, "threads_cpu");
    assert!(
        text.contains("had 0.2 of a core between them: they spent"),
        "{text}"
    );
    assert!(
        !text.contains("GIL,") && !text.contains("1.0 core"),
        "{text}"
    );
}

/// Four CPU-bound processes for a second each, together.
fn four_processes(cpu_each: u64) -> Xray {
    let children = (1..=4)
        .map(|n| XrayProcess {
            cpu_us: cpu_each,
            ..child(MAIN + n, 50_000, 1_050_000)
        })
        .collect();
    xray(1_100_000, children)
}

#[test]
fn four_processes_on_two_cores_used_both() {
    let summary = summarize(&four_processes(475_000), &quiet());
    let text = text_of(&summary, "processes_cpu");
    assert_eq!(
        text,
        "4 child processes ran together for 1.00s and used 1.9 of the 2 cores: each process \
         has its own interpreter and its own GIL, so they ran in parallel."
    );
    assert!((summary.cpu_parallelism - 1_900_000.0 / 1_100_000.0).abs() < 1e-9);

    let summary = summarize(&four_processes(275_000), &busy());
    let found = of_kind(&summary, "processes_cpu");
    assert!(
        matches!(
            found.as_slice(),
            [XrayFinding::ProcessesCpu {
                verdict: Some(Verdict::CouldntTell(Unclear::OthersBusy { .. })),
                ..
            }]
        ),
        "{found:?}"
    );
    assert!(
        found[0]
            .text()
            .contains("used 1.1 of the 2 cores; whether they could run in parallel"),
        "{}",
        found[0].text()
    );
}

#[test]
fn a_child_not_joined_is_a_zombie_for_as_long_as_the_data_say() {
    let mut left = child(101, 50_000, 200_000);
    left.reaped_us = Some(1_000_000);
    left.zombie_us = Some(800_000);
    let summary = summarize(&xray(1_000_000, vec![left.clone()]), &quiet());
    assert_eq!(
        text_of(&summary, "zombies"),
        "Process-1 (pid 101) was a zombie for 800ms until its parent reaped it: it had exited, \
         but the kernel kept its exit status until a `join()` (`waitpid`) collected it."
    );
    assert!(of_kind(&summary, "never_joined").is_empty());

    // Never reaped by its parent: mptutor reaped it after the main program.
    left.reaped_us = Some(1_010_000);
    left.zombie_us = Some(810_000);
    let summary = summarize(&xray(1_000_000, vec![left]), &quiet());
    assert!(
        text_of(&summary, "never_joined").starts_with(
            "Process-1 (pid 101) exited and was never joined by its parent: it was reaped only \
             after its parent had exited"
        ),
        "{summary:?}"
    );
    assert!(text_of(&summary, "zombies").contains("for 810ms until mptutor reaped it"));
}

/// A `Pool` whose first worker was killed, left waiting until the timeout.
fn killed_worker(name: &str, timed_out: bool) -> Xray {
    let mut run = xray(
        5_000_000,
        vec![
            XrayProcess {
                exit: Some(ProcessExit::Signal("SIGKILL".into())),
                reaped_us: Some(300_100),
                ..process(101, name, Role::PoolWorker, 20_000, Some(300_000))
            },
            XrayProcess {
                killed_at_end: true,
                exit: Some(ProcessExit::Signal("SIGKILL".into())),
                ..process(
                    102,
                    "ForkPoolWorker-2",
                    Role::PoolWorker,
                    20_000,
                    Some(5_000_000),
                )
            },
        ],
    );
    run.timed_out = timed_out;
    run.processes[0].killed_at_end = timed_out;
    run
}

#[test]
fn a_killed_pool_worker_and_a_timed_out_run_say_what_the_pool_does() {
    let summary = summarize(&killed_worker("ForkPoolWorker-1", true), &quiet());
    let found = of_kind(&summary, "pool_worker_killed");
    assert!(
        matches!(
            found.as_slice(),
            [XrayFinding::PoolWorkerKilled {
                pool: PoolKind::Pool,
                timed_out: true,
                workers,
            }] if workers.len() == 1 && workers[0].signal == "SIGKILL"
        ),
        "{found:?}"
    );
    let text = found[0].text();
    assert!(
        text.starts_with("Pool worker ForkPoolWorker-1 (pid 101) was killed by SIGKILL. A `multiprocessing.Pool` does not notice"),
        "{text}"
    );
    assert!(text.contains("(CPython gh-66587), so mptutor stopped the run at its timeout."));
    assert_eq!(
        text_of(&summary, "killed_at_end"),
        "The run reached its timeout while MainProcess (pid 100) and ForkPoolWorker-2 (pid 102) \
         were still running; mptutor killed them."
    );

    let executor = summarize(&killed_worker("SpawnProcess-1", false), &quiet());
    let text = text_of(&executor, "pool_worker_killed");
    assert!(text.contains("`ProcessPoolExecutor` notices"), "{text}");
    assert!(!text.contains("timeout"), "{text}");

    // Leaving `with Pool(…)` terminates its workers with SIGTERM: no death.
    let mut terminated = killed_worker("ForkPoolWorker-1", false);
    terminated.processes[1].exit = Some(ProcessExit::Signal("SIGTERM".into()));
    assert!(of_kind(&summarize(&terminated, &quiet()), "pool_worker_killed").is_empty());
}

#[test]
fn exceptions_in_workers_are_quoted_with_where_they_were_raised() {
    let mut run = xray(
        1_000_000,
        vec![
            process(
                101,
                "ForkPoolWorker-1",
                Role::PoolWorker,
                10_000,
                Some(900_000),
            ),
            XrayProcess {
                exception: Some("ZeroDivisionError: division by zero\n".into()),
                exit: Some(ProcessExit::Code(1)),
                ..child(102, 10_000, 50_000)
            },
        ],
    );
    run.tasks = (0..3)
        .map(|n| XrayTask {
            pid: 101,
            function: "square".into(),
            items: 1,
            start_us: 100_000 + n * 1_000,
            end_us: 100_500 + n * 1_000,
            ok: false,
            error: Some("ValueError: bad input".into()),
        })
        .collect();
    let summary = summarize(&run, &quiet());
    assert_eq!(
        text_of(&summary, "worker_exceptions"),
        "`square` raised `ValueError: bad input` in ForkPoolWorker-1 (pid 101), in 3 tasks: the \
         pool hands the exception back, and the call that collects the result raises it in the \
         main program. Process-2 (pid 102) raised `ZeroDivisionError: division by zero` in \
         `run()`: Python printed its traceback, and it exited with code 1."
    );
}

#[test]
fn an_orphan_left_running_is_killed_at_the_end_and_said_so() {
    let sleeper = XrayProcess {
        python: false,
        start_method: None,
        killed_at_end: true,
        exit: Some(ProcessExit::Signal("SIGKILL".into())),
        reaped_us: Some(1_200_000),
        zombie_us: Some(0),
        ..process(105, "sleep", Role::Other, 100_000, Some(1_200_000))
    };
    let summary = summarize(&xray(1_000_000, vec![sleeper]), &quiet());
    assert_eq!(
        text_of(&summary, "killed_at_end"),
        "After the main program ended, sleep (pid 105) was still running; mptutor killed it, so \
         nothing of the run is left behind."
    );
    assert!(of_kind(&summary, "never_joined").is_empty());
    assert!(of_kind(&summary, "zombies").is_empty());
}

#[test]
fn an_empty_or_instant_run_finds_nothing_and_does_not_fail() {
    let empty = summarize(&Xray::default(), &quiet());
    assert_eq!(empty.max_concurrent_processes, 0);
    assert_eq!(empty.cpu_parallelism, 0.0);
    assert!(empty.findings.is_empty());
    let instant = xray(0, vec![child(101, 0, 0), child(102, 0, 0)]);
    let summary = summarize(&instant, &load(1, 0.0));
    assert_eq!(summary.max_concurrent_processes, 2);
    assert_eq!(summary.cpu_parallelism, 0.0);
}
