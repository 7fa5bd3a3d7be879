//! Generated runs and checks: every line's status follows from the figure
//! it is judged on (recomputed here from the run), odd X-rays do not make
//! the judge panic, and a speed check is "couldn't tell" only when its
//! inputs hold a reason.

use proptest::prelude::*;

use super::*;
use crate::course::{JoinRule, SpeedBaseline, SpeedCheck};
use crate::exercise::speed::median;
use crate::findings::speed::{
    ABOVE_IDEAL, DISTURBED_BASELINE, OTHERS_BUSY, OTHERS_SOME, SLOWER_TOGETHER,
};
use crate::findings::words;
use crate::xray::findings::summarize;

/// A child as drawn: start, length, how it was reaped (0 at once, 1
/// late, 2 never, 3 after its parent), killed at the end, its role.
type RawChild = (u64, u64, u8, bool, u8);

fn any_rule() -> impl Strategy<Value = CountRule> {
    (0u32..6, 0u32..4, 0u8..4).prop_map(|(low, span, kind)| match kind {
        0 => CountRule {
            exactly: Some(low),
            ..CountRule::default()
        },
        1 => CountRule {
            at_least: Some(low),
            ..CountRule::default()
        },
        2 => CountRule {
            at_most: Some(low),
            ..CountRule::default()
        },
        _ => CountRule {
            at_least: Some(low),
            at_most: Some(low + span),
            ..CountRule::default()
        },
    })
}

fn any_checks() -> impl Strategy<Value = BehaviourChecks> {
    (
        proptest::option::of(any_rule()),
        proptest::option::of(any_rule()),
        proptest::option::of(any_rule()),
        proptest::option::of(any_rule()),
        proptest::option::of(0u64..2_000),
        any::<bool>(),
        proptest::option::of(-2i32..3),
        proptest::option::of(0.0f64..5.0),
    )
        .prop_map(
            |(
                processes,
                alive_at_once,
                pool_workers,
                threads,
                zombie_ms,
                nothing,
                exit_code,
                time,
            )| {
                BehaviourChecks {
                    processes,
                    alive_at_once,
                    pool_workers,
                    threads,
                    all_joined: zombie_ms.map(|zombie_ms| JoinRule { zombie_ms }),
                    nothing_left_running: nothing,
                    exit_code,
                    time_limit_s: time,
                }
            },
        )
}

fn assemble(
    wall: u64,
    timed_out: bool,
    raw: Vec<RawChild>,
    threads: Vec<(usize, bool)>,
    tasks: Vec<usize>,
) -> Xray {
    let mut children = Vec::new();
    for (n, (start, length, reaped, killed, role)) in raw.into_iter().enumerate() {
        let start = start % wall;
        let end = (start + length).min(wall);
        let role = match role {
            0 => Role::Process,
            1 => Role::PoolWorker,
            2 => Role::Other,
            3 => Role::ResourceTracker,
            _ => Role::Forkserver,
        };
        let mut process = process(
            MAIN + 1 + n as i32,
            &format!("P-{n}"),
            role,
            start,
            Some(end),
        );
        if killed {
            process.end_us = None;
            process.reaped_us = None;
            process.zombie_us = None;
            process.killed_at_end = true;
        } else {
            match reaped {
                0 => {}
                1 => {
                    process.reaped_us = Some(end + (wall - end) / 2);
                    process.zombie_us = Some((wall - end) / 2);
                }
                2 => {
                    process.reaped_us = None;
                    process.zombie_us = Some(wall - end);
                }
                _ => process.reaped_us = Some(wall + 1_000),
            }
        }
        children.push(process);
    }
    let mut x = xray(wall, children);
    x.timed_out = timed_out;
    let pids: Vec<i32> = x.processes.iter().map(|p| p.pid).collect();
    x.threads = threads
        .into_iter()
        .map(|(owner, main)| {
            let pid = pids[owner % pids.len()];
            thread(pid, if main { pid } else { pid + 1_000 })
        })
        .collect();
    x.tasks = tasks
        .into_iter()
        .map(|owner| task(pids[owner % pids.len()]))
        .collect();
    x
}

fn any_xray() -> impl Strategy<Value = Xray> {
    (
        1_000u64..3_000_000,
        any::<bool>(),
        proptest::collection::vec(
            (
                0u64..3_000_000,
                0u64..2_000_000,
                0u8..4,
                any::<bool>(),
                0u8..5,
            ),
            0..7,
        ),
        proptest::collection::vec((0usize..8, any::<bool>()), 0..6),
        proptest::collection::vec(0usize..8, 0..6),
    )
        .prop_map(|(wall, timed_out, raw, threads, tasks)| {
            assemble(wall, timed_out, raw, threads, tasks)
        })
}

/// Anything at all: no main process, times backwards, unknown parents.
fn odd_xray() -> impl Strategy<Value = Xray> {
    let odd_process = (
        -3i32..300,
        -3i32..300,
        0u8..7,
        any::<u64>(),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        any::<bool>(),
    )
        .prop_map(
            |(pid, ppid, role, start, end, reaped, zombie, killed)| XrayProcess {
                ppid,
                reaped_us: reaped,
                zombie_us: zombie,
                killed_at_end: killed,
                end_us: end,
                ..process(
                    pid,
                    "odd",
                    match role {
                        0 => Role::Main,
                        1 => Role::Process,
                        2 => Role::PoolWorker,
                        3 => Role::Forkserver,
                        4 => Role::ResourceTracker,
                        5 => Role::Manager,
                        _ => Role::Other,
                    },
                    start,
                    end,
                )
            },
        );
    (
        proptest::collection::vec(odd_process, 0..6),
        proptest::collection::vec((-3i32..300, -3i32..300), 0..5),
        proptest::collection::vec(-3i32..300, 0..5),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(processes, threads, tasks, wall, timed_out)| Xray {
            processes,
            threads: threads
                .into_iter()
                .map(|(pid, tid)| thread(pid, tid))
                .collect(),
            tasks: tasks.into_iter().map(task).collect(),
            wall_us: wall,
            timed_out,
            ..Xray::default()
        })
}

fn is_helper(role: Role) -> bool {
    matches!(
        role,
        Role::Forkserver | Role::ResourceTracker | Role::Manager
    )
}

/// The program's processes, counted here apart from the judge.
fn programs(x: &Xray) -> Vec<&XrayProcess> {
    x.processes
        .iter()
        .filter(|p| p.pid != MAIN && !is_helper(p.role))
        .collect()
}

fn joined_in_time(x: &Xray, p: &XrayProcess, zombie_ms: u64) -> bool {
    let parent_end = x.process(p.ppid).and_then(|parent| parent.end_us);
    !p.killed_at_end
        && p.reaped_us
            .is_some_and(|reaped| parent_end.is_none_or(|end| reaped <= end))
        && p.reaped_us.is_some_and(|reaped| {
            // The parent counts as busy until its last reap of another
            // child; from then (or from the exit, if later) it had
            // `zombie_ms` to reap this one.
            let exit = reaped - p.zombie_us.unwrap_or(0);
            let busy_until = x
                .processes
                .iter()
                .filter(|o| o.pid != p.pid && o.ppid == p.ppid)
                .filter_map(|o| o.reaped_us)
                .filter(|r| *r <= reaped)
                .fold(exit, u64::max);
            reaped <= busy_until + zombie_ms * 1_000
        })
}

fn pass(status: Status) -> bool {
    status == Status::Pass
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_line_follows_from_its_figure(x in any_xray(), checks in any_checks(), code in -2i32..3) {
        let outcome = run(code, &[], x.clone());
        let verdict = judge(&behaviour(checks.clone()), &outcome, None);
        let children = programs(&x);
        for line in &verdict.lines {
            prop_assert!(!line.text.is_empty());
            prop_assert_eq!(line.why.is_some(), line.status == Status::CouldntTell, "{:?}", line);
            match line.check {
                CheckKind::Processes => {
                    let rule = checks.processes.expect("asked");
                    prop_assert_eq!(pass(line.status), rule.holds(children.len() as u32), "{:?}", line);
                    if !children.is_empty() {
                        prop_assert!(line.text.contains(&words::processes(children.len())), "{:?}", line);
                    }
                }
                CheckKind::AliveAtOnce => {
                    let rule = checks.alive_at_once.expect("asked");
                    let most = summarize(&x, &outcome.load).max_concurrent_processes;
                    prop_assert_eq!(pass(line.status), rule.holds(most as u32), "{:?}", line);
                    if !pass(line.status) {
                        let most_at_once = format!("(the most at once: {most})");
                        prop_assert!(line.text.contains(&most_at_once), "{:?}", line);
                    }
                }
                CheckKind::PoolWorkers => {
                    let rule = checks.pool_workers.expect("asked");
                    let mut used: Vec<i32> = x.tasks.iter().map(|t| t.pid).filter(|pid| *pid != MAIN).collect();
                    used.sort_unstable();
                    used.dedup();
                    prop_assert_eq!(pass(line.status), rule.holds(used.len() as u32), "{:?}", line);
                }
                CheckKind::Threads => {
                    let rule = checks.threads.expect("asked");
                    let extra = x.threads.iter().filter(|t| t.tid != t.pid).count();
                    prop_assert_eq!(pass(line.status), rule.holds(extra as u32), "{:?}", line);
                }
                CheckKind::AllJoined => {
                    let zombie_ms = checks.all_joined.expect("asked").zombie_ms;
                    let all = children.iter().all(|p| joined_in_time(&x, p, zombie_ms));
                    match line.status {
                        Status::Pass => {
                            prop_assert!(all, "{:?}", line);
                            // A zombie longer than allowed is never called
                            // within the allowance: the line says why it passed.
                            let longest = children.iter().filter_map(|p| p.zombie_us).max();
                            if longest.is_some_and(|us| us > zombie_ms * 1_000) {
                                prop_assert!(line.text.contains("waited in the join() of a slower child"), "{:?}", line);
                            }
                        }
                        Status::Fail => prop_assert!(!all, "{:?}", line),
                        Status::CouldntTell => {
                            prop_assert!(x.timed_out && children.iter().any(|p| p.killed_at_end));
                        }
                    }
                }
                CheckKind::NothingLeftRunning => {
                    let left = children.iter().filter(|p| p.killed_at_end).count();
                    match line.status {
                        Status::Pass => prop_assert_eq!(left, 0),
                        Status::Fail => prop_assert!(left > 0 && !x.timed_out),
                        Status::CouldntTell => prop_assert!(left > 0 && x.timed_out),
                    }
                }
                CheckKind::ExitCode => {
                    let wanted = checks.exit_code.expect("asked");
                    match line.status {
                        Status::CouldntTell => prop_assert!(x.timed_out),
                        status => prop_assert_eq!(pass(status), code == wanted && !x.timed_out),
                    }
                }
                CheckKind::TimeLimit => {
                    let within = checks
                        .time_limit_s
                        .is_some_and(|limit| x.wall_us <= (limit * 1e6).round() as u64);
                    prop_assert_eq!(pass(line.status), within && !x.timed_out, "{:?}", line);
                }
                CheckKind::Output | CheckKind::Speed => prop_assert!(false, "not asked: {:?}", line),
            }
        }
        prop_assert_eq!(verdict.passed(), verdict.lines.iter().all(|l| l.status == Status::Pass));
        prop_assert_eq!(verdict.failed(), verdict.lines.iter().any(|l| l.status == Status::Fail));
    }

    #[test]
    fn odd_xrays_never_make_the_judge_panic(x in odd_xray(), checks in any_checks(), code in any::<i32>(), timed_out in any::<bool>()) {
        let mut outcome = run(code, &["a line", ""], x);
        outcome.timed_out = timed_out;
        let all = ExerciseChecks {
            output: Some(four_numbers()),
            ..behaviour(checks)
        };
        let verdict = judge(&all, &outcome, None);
        let shown = crate::render::render_exercise_verdict(&verdict, &crate::render::RenderOptions::plain(40));
        prop_assert!(!shown.is_empty());
    }

    #[test]
    fn a_speed_verdict_follows_from_the_measured_runs(
        baseline in proptest::collection::vec(0u64..3_000_000, 0..4),
        student in proptest::collection::vec(0u64..3_000_000, 0..4),
        cpu_share in proptest::option::of((0.0f64..4.0, 0.0f64..1.2)),
        cores in 1usize..9,
        others in proptest::option::of(0.0f64..4.0),
        at_least in 1.1f64..5.0,
        serial in any::<bool>(),
    ) {
        let (student_cpu, baseline_cpu): (Vec<u64>, Vec<u64>) = match cpu_share {
            Some((s, b)) => (
                student.iter().map(|us| (*us as f64 * s) as u64).collect(),
                baseline.iter().map(|us| (*us as f64 * b) as u64).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let cpu_ratio = median(&student_cpu)
            .zip(median(&baseline_cpu))
            .filter(|(_, b)| *b > 0)
            .map(|(s, b)| s as f64 / b as f64);
        let wall_us = 1_000_000;
        let measure = SpeedMeasure {
            student_wall_us: student.clone(),
            baseline_wall_us: baseline.clone(),
            student_cpu_us: student_cpu,
            baseline_cpu_us: baseline_cpu,
            load: Load {
                wall_us,
                cores,
                machine_busy_us: others.map(|others| (others * wall_us as f64) as u64),
                own_us: 0,
            },
        };
        let check = SpeedCheck {
            at_least,
            against: if serial { SpeedBaseline::Serial("work()".into()) } else { SpeedBaseline::Starter },
        };
        let checks = ExerciseChecks { speed: Some(check), ..ExerciseChecks::default() };
        let verdict = judge(&checks, &run(0, &[], xray(1_000, Vec::new())), Some(&measure));
        let line = line_of(&verdict, CheckKind::Speed);
        let medians = median(&baseline).zip(median(&student));
        let speedup = medians
            .filter(|(_, s)| *s > 0)
            .map(|(b, s)| words::as_shown(b as f64 / s as f64));
        let short = medians.is_none_or(|(b, s)| b < SHORTEST_TIMED_RUN_US || s < SHORTEST_TIMED_RUN_US);
        let quiet = others.is_some_and(|others| others < OTHERS_BUSY);
        match line.status {
            Status::Pass => {
                prop_assert!(speedup.is_some_and(|s| s >= at_least), "{:?}", line);
                prop_assert!(medians.is_some_and(|(b, _)| b >= SHORTEST_TIMED_RUN_US));
            }
            Status::Fail => {
                prop_assert!(speedup.is_some_and(|s| s < at_least), "{:?}", line);
                prop_assert!(cores >= 2 && quiet && !short, "{:?}", line);
                prop_assert!(!serial || at_least <= cores as f64);
            }
            Status::CouldntTell => {
                let s = speedup.unwrap_or(f64::INFINITY);
                let student_cores = cpu_share.map(|(c, _)| c);
                let reason = short
                    || cores < 2
                    || (serial && at_least > cores as f64)
                    || others.is_none_or(|others| others >= OTHERS_SOME)
                    || student_cores.is_none_or(|got| got < 0.75 * cores as f64)
                        && others.is_none_or(|others| others >= OTHERS_SOME)
                    || (serial && (s > cores as f64 * ABOVE_IDEAL
                        || cpu_share.is_some_and(|(_, b)| b < DISTURBED_BASELINE)))
                    || (serial && cpu_ratio.is_some_and(|ratio| ratio > SLOWER_TOGETHER));
                prop_assert!(reason, "no reason in the inputs for {:?}", line);
                prop_assert!(line.why.is_some());
            }
        }
    }
}
