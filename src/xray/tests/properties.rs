//! Generated runs, consistent (processes with lifetimes, zombies, threads
//! with or without CPU samples, pool tasks, timeouts) or not (any
//! numbers at all): no finding states what its figures contradict, every
//! figure is recomputed from the run, and nothing panics.

use proptest::prelude::*;

use super::super::finding::XrayFinding;
use super::super::findings::{
    ABOUT_ONE_CORE, FREE_FOR_THREADS, LONG_ZOMBIE_US, PARALLEL_THREADS, summarize,
};
use super::super::model::{CpuSeries, ProcessExit, Role, XrayTask};
use super::super::result::XrayResult;
use super::*;
use crate::findings::speed::{BUSY_SHARE, OTHERS_BUSY};
use crate::findings::{Verdict, format_us, words};

const SERVER: i32 = 90;

/// A child as drawn: two times, how it ended and was reaped, its share
/// of a core, its parent, whether it starts as the one before it ends.
type RawChild = (u64, u64, bool, u8, u8, u64, u8, bool, bool, u8, bool);
/// A thread as drawn: its owner, two times, its share of a core, how it
/// was sampled.
type RawThread = (usize, u64, u64, u64, u8);

fn assemble(
    wall: u64,
    server: bool,
    timed_out: bool,
    raw: Vec<RawChild>,
    raw_threads: Vec<RawThread>,
    raw_tasks: Vec<(usize, bool)>,
    turns: Option<(usize, u64)>,
) -> Xray {
    let mut children = Vec::new();
    if server {
        children.push(XrayProcess {
            end_us: None,
            reaped_us: None,
            exit: None,
            zombie_us: None,
            killed_at_end: true,
            ..process(SERVER, "forkserver", Role::Forkserver, 0, None)
        });
    }
    let mut last_end = None;
    for (n, (a, b, ended, reaped, exit, cpu, role, killed, raised, parent, chained)) in
        raw.into_iter().enumerate()
    {
        let pid = MAIN + 1 + n as i32;
        let (start, end) = match last_end.filter(|_| chained) {
            // Started the moment the one before ended: they never overlap.
            Some(after) => (after, after + b % (wall - after + 1)),
            None => (a.min(b), a.max(b)),
        };
        last_end = ended.then_some(end);
        let (role, name) = match role {
            0 => (Role::Process, format!("Process-{}", n + 1)),
            1 => (Role::PoolWorker, format!("ForkPoolWorker-{}", n + 1)),
            2 => (Role::PoolWorker, format!("SpawnProcess-{}", n + 1)),
            _ => (Role::Other, "sleep".to_string()),
        };
        let mut child = process(pid, &name, role, start, ended.then_some(end));
        child.ppid = match parent {
            1 if server => SERVER,
            2 if n > 0 => MAIN + 1,
            _ => MAIN,
        };
        // `cpu` is the share of a core it had, in thousandths.
        child.cpu_us = (end - start) * cpu / 1_000;
        if ended {
            child.reaped_us = match reaped {
                0 => Some(end),
                1 => Some(end + (wall - end) / 2),
                2 => None,
                _ => Some(wall + 10_000),
            };
            child.zombie_us = Some(child.reaped_us.unwrap_or(wall).max(end) - end);
            child.exit = Some(match exit {
                0 => ProcessExit::Code(0),
                1 => ProcessExit::Code(1),
                2 => ProcessExit::Signal("SIGKILL".into()),
                _ => ProcessExit::Signal("SIGTERM".into()),
            });
            child.killed_at_end = killed;
        } else {
            child.killed_at_end = true;
            child.zombie_us = None;
        }
        if raised {
            child.exception = Some("RuntimeError: generated\nmore".into());
        }
        children.push(child);
    }
    let mut run = xray(wall, children);
    run.timed_out = timed_out;
    run.processes[0].killed_at_end = timed_out;
    let owners: Vec<(i32, u64, u64)> = run
        .processes
        .iter()
        .map(|process| {
            let span = super::super::overlap::Span::of_process(process, wall);
            (
                process.pid,
                process.start_us,
                span.end.min(wall.max(process.start_us)),
            )
        })
        .collect();
    for (n, (owner, a, b, cpu, sampling)) in raw_threads.into_iter().enumerate() {
        let (pid, from, to) = owners[owner % owners.len()];
        let length = to.saturating_sub(from);
        let start = from + a % (length + 1);
        let end = start + b % (to - start + 1);
        let cpu = (end - start) * cpu / 1_000;
        let made = thread(pid, pid * 100 + 1 + n as i32, start, end, cpu);
        match sampling {
            0 => {}
            1 => run.cpu.push(even_samples(&made)),
            _ => {
                // All its CPU in the first fifth of its life.
                let mut front = even_samples(&made);
                let burst = start + (end - start) / 5;
                for point in &mut front.points {
                    point.1 = if point.0 >= burst {
                        cpu
                    } else {
                        cpu * (point.0 - start) / (burst - start).max(1)
                    };
                }
                run.cpu.push(front);
            }
        }
        run.threads.push(made);
    }
    // Threads of the main program that shared `total` thousandths of a
    // core over its whole life, as CPU-bound threads under the GIL do.
    if let Some((threads, total)) = turns {
        for n in 0..threads {
            let cpu = wall * total / 1_000 / threads as u64;
            let made = thread(MAIN, MAIN * 1_000 + n as i32, 0, wall, cpu);
            run.cpu.push(even_samples(&made));
            run.threads.push(made);
        }
    }
    for (worker, ok) in raw_tasks {
        let (pid, start, end) = owners[worker % owners.len()];
        run.tasks.push(XrayTask {
            pid,
            function: "square".into(),
            items: 2,
            start_us: start,
            end_us: end,
            ok,
            error: (!ok).then(|| "ValueError: bad".into()),
        });
    }
    run
}

fn any_xray() -> impl Strategy<Value = Xray> {
    (
        prop_oneof![1 => Just(0u64), 9 => 0u64..3_000_000],
        0usize..7,
        any::<bool>(),
        proptest::bool::weighted(0.2),
    )
        .prop_flat_map(|(wall, children, server, timed_out)| {
            let child = (
                0..=wall,
                0..=wall,
                proptest::bool::weighted(0.85),
                0u8..4,
                0u8..4,
                0u64..1_100,
                0u8..4,
                proptest::bool::weighted(0.1),
                proptest::bool::weighted(0.1),
                0u8..3,
                proptest::bool::weighted(0.3),
            );
            // Most threads in the main program, so that some run together.
            let owner = prop_oneof![3 => Just(0usize), 1 => 0usize..8];
            let share = prop_oneof![0u64..600, 0u64..1_200];
            let sampling = prop_oneof![1 => Just(0u8), 4 => 1u8..3];
            let thread = (owner, any::<u64>(), any::<u64>(), share, sampling);
            (
                Just(wall),
                Just(server),
                Just(timed_out),
                proptest::collection::vec(child, children),
                proptest::collection::vec(thread, 0..8),
                proptest::collection::vec((0usize..8, proptest::bool::weighted(0.8)), 0..5),
                proptest::option::weighted(0.3, (2usize..5, 500u64..1_600)),
            )
        })
        .prop_map(|(wall, server, timed_out, raw, threads, tasks, turns)| {
            assemble(wall, server, timed_out, raw, threads, tasks, turns)
        })
}

fn any_load() -> impl Strategy<Value = Load> {
    (
        1usize..5,
        prop_oneof![1 => Just(50_000u64), 9 => 100_000u64..3_000_000],
        proptest::option::weighted(0.9, prop_oneof![0.0f64..0.5, 0.0f64..3.0]),
    )
        .prop_map(|(cores, wall_us, others)| Load {
            wall_us,
            cores,
            machine_busy_us: others.map(|others| 500_000 + (others * wall_us as f64) as u64),
            own_us: 500_000,
        })
}

/// The main program's children and their lifetimes, computed afresh.
fn lifetimes(xray: &Xray) -> Vec<(i32, u64, u64)> {
    xray.processes
        .iter()
        .filter(|p| p.pid != MAIN && (p.ppid == MAIN || p.ppid == SERVER))
        .filter(|p| p.role != Role::Forkserver)
        .map(|p| {
            let end = p.end_us.unwrap_or(xray.wall_us.max(p.start_us));
            (p.pid, p.start_us, end.max(p.start_us + 1))
        })
        .collect()
}

fn brute_force_most(lives: &[(i32, u64, u64)]) -> usize {
    lives
        .iter()
        .map(|&(_, t, _)| lives.iter().filter(|&&(_, s, e)| s <= t && t < e).count())
        .max()
        .unwrap_or(0)
}

fn overlap(a: &(i32, u64, u64), b: &(i32, u64, u64)) -> bool {
    a.1 < b.2 && b.1 < a.2
}

/// Whether the machine could show threads on more than one core.
fn room(load: &Load) -> bool {
    load.cores >= 2
        && load.others_cores_measured().is_some_and(|others| {
            others < OTHERS_BUSY && load.cores as f64 - others >= FREE_FOR_THREADS
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_finding_says_what_its_run_contradicts(xray in any_xray(), load in any_load()) {
        let summary = summarize(&xray, &load);
        let lives = lifetimes(&xray);
        let most = brute_force_most(&lives);
        prop_assert_eq!(summary.max_concurrent_processes, most);

        let cpu: u64 = xray.processes.iter().map(|p| p.cpu_us).sum();
        let parallelism = if xray.wall_us == 0 { 0.0 } else { cpu as f64 / xray.wall_us as f64 };
        prop_assert!((summary.cpu_parallelism - parallelism).abs() < 1e-9);

        for finding in &summary.findings {
            let text = finding.text();
            prop_assert!(!text.is_empty());
            let tagged = serde_json::to_value(finding).expect("serialized");
            prop_assert_eq!(tagged["kind"].as_str(), Some(finding.kind()));
            match finding {
                XrayFinding::Concurrency { children, max_at_once, phases, joined_in_turn } => {
                    prop_assert_eq!(*children, lives.len());
                    prop_assert!(lives.len() >= 2);
                    prop_assert_eq!(*max_at_once, most);
                    prop_assert_eq!(phases.iter().map(|p| p.processes).sum::<usize>(), lives.len());
                    let none_overlap = lives.iter().enumerate().all(|(i, a)| {
                        lives[i + 1..].iter().all(|b| !overlap(a, b))
                    });
                    let all_overlap = lives.iter().enumerate().all(|(i, a)| {
                        lives[i + 1..].iter().all(|b| overlap(a, b))
                    });
                    prop_assert_eq!(text.contains("ran one at a time"), none_overlap, "{}", text);
                    prop_assert_eq!(text.contains("all ran at the same time"), all_overlap, "{}", text);
                    if *joined_in_turn {
                        prop_assert!(none_overlap);
                        prop_assert!(text.contains("joined before the next"));
                    }
                }
                XrayFinding::ProcessesCpu { processes, together_us, cpu_us, cores_used, machine_cores, verdict } => {
                    prop_assert!(*processes >= 2 && *processes <= most);
                    prop_assert!(*together_us >= 100_000);
                    prop_assert_eq!(*machine_cores, load.cores);
                    let ratio = *cpu_us as f64 / *together_us as f64;
                    prop_assert!((ratio - cores_used).abs() <= 1.0 / *together_us as f64 + 1e-9);
                    let ideal = (*processes).min(load.cores).max(1) as f64;
                    let holds = verdict == &Some(Verdict::Holds);
                    prop_assert_eq!(holds, load.cores >= 2 && *cores_used >= BUSY_SHARE * ideal);
                    prop_assert_eq!(text.contains("ran in parallel"), holds, "{}", text);
                    let shown = format!("used {cores_used:.1} of the {}", words::cores(load.cores));
                    prop_assert!(text.contains(&shown), "{}", text);
                    prop_assert!(verdict != &Some(Verdict::Contradicted));
                    // Without samples, each child's CPU is spread over its life.
                    if xray.cpu.iter().all(|series| lives.iter().all(|l| l.0 != series.pid)) {
                        let start = lives.iter().filter(|l| l.1 <= l.2).map(|l| l.1);
                        prop_assert!(start.count() >= 2);
                    }
                }
                XrayFinding::ThreadsCpu { process, threads, together_us, cpu_us, cores_used, sampled, verdict } => {
                    prop_assert!(*threads >= 2);
                    prop_assert!(*together_us >= 100_000);
                    let ratio = *cpu_us as f64 / *together_us as f64;
                    prop_assert!((ratio - cores_used).abs() <= 1.0 / *together_us as f64 + 1e-9);
                    let mine = xray.threads.iter().filter(|t| t.pid == process.pid).count();
                    prop_assert!(*threads <= mine);
                    let shown = words::cores_worth(*cores_used);
                    prop_assert!(text.contains(&shown), "{}", text);
                    if text.contains("1.0 core") {
                        prop_assert!((cores_used - 1.0).abs() < 0.05, "{}", text);
                    }
                    match verdict {
                        Some(Verdict::Holds) => {
                            prop_assert!(*cores_used >= ABOUT_ONE_CORE && *cores_used < PARALLEL_THREADS);
                            prop_assert!(room(&load));
                        }
                        Some(Verdict::Contradicted) => {
                            prop_assert!(*cores_used >= PARALLEL_THREADS);
                        }
                        None => {
                            prop_assert!(*cores_used < ABOUT_ONE_CORE && room(&load));
                            prop_assert!(*sampled || !text.contains("GIL,"));
                        }
                        Some(Verdict::CouldntTell(_)) => {
                            prop_assert!(text.contains("couldn't be told"));
                        }
                    }
                    prop_assert_eq!(text.contains("took turns on the GIL,"), verdict == &Some(Verdict::Holds), "{}", text);
                    prop_assert_eq!(text.contains("they ran in parallel"), verdict == &Some(Verdict::Contradicted), "{}", text);
                }
                XrayFinding::Zombies { zombies } => {
                    for zombie in zombies {
                        let data = xray.process(zombie.process.pid).expect("a process of the run");
                        prop_assert_eq!(data.zombie_us, Some(zombie.zombie_us));
                        prop_assert!(zombie.zombie_us >= LONG_ZOMBIE_US);
                        prop_assert!(!data.killed_at_end && data.pid != MAIN);
                        if zombies.len() <= 8 {
                            prop_assert!(text.contains(&format_us(zombie.zombie_us)), "{}", text);
                        }
                    }
                }
                XrayFinding::NeverJoined { processes } => {
                    for child in processes {
                        let data = xray.process(child.process.pid).expect("a process of the run");
                        let parent_end = xray.process(data.ppid).and_then(|parent| parent.end_us);
                        prop_assert!(data.end_us.is_some() && !data.killed_at_end);
                        let unreaped = match data.reaped_us {
                            None => true,
                            Some(reaped) => parent_end.is_some_and(|end| reaped > end),
                        };
                        prop_assert!(unreaped);
                    }
                }
                XrayFinding::KilledAtEnd { processes, timed_out } => {
                    let killed: Vec<i32> = xray.processes.iter().filter(|p| p.killed_at_end).map(|p| p.pid).collect();
                    prop_assert_eq!(processes.iter().map(|p| p.pid).collect::<Vec<_>>(), killed);
                    prop_assert_eq!(*timed_out, xray.timed_out);
                    prop_assert_eq!(text.contains("timeout"), xray.timed_out);
                }
                XrayFinding::PoolWorkerKilled { workers, timed_out, .. } => {
                    prop_assert_eq!(*timed_out, xray.timed_out);
                    if text.contains("stopped the run at its timeout") {
                        prop_assert!(xray.timed_out);
                    }
                    for worker in workers {
                        let data = xray.process(worker.process.pid).expect("a process of the run");
                        prop_assert_eq!(&data.exit, &Some(ProcessExit::Signal(worker.signal.clone())));
                        prop_assert!(worker.signal != "SIGTERM" && !data.killed_at_end);
                    }
                }
                XrayFinding::WorkerExceptions { errors } => {
                    let failed = xray.tasks.iter().filter(|t| !t.ok).count() as u64;
                    let raised = xray.processes.iter().filter(|p| p.exception.is_some() && p.pid != MAIN).count() as u64;
                    prop_assert_eq!(errors.iter().map(|e| e.times).sum::<u64>(), failed + raised);
                    prop_assert!(errors.iter().all(|e| !e.error.contains('\n')));
                }
            }
        }

        let result = XrayResult::with_summary(&xray, &summary);
        let text = serde_json::to_string(&result).expect("serialized");
        let back: XrayResult = serde_json::from_str(&text).expect("reads back");
        prop_assert_eq!(back, result);
    }

    #[test]
    fn any_numbers_at_all_never_make_it_panic(
        processes in proptest::collection::vec(
            (any::<i32>(), any::<i32>(), any::<u64>(), proptest::option::of(any::<u64>()),
             proptest::option::of(any::<u64>()), any::<u64>(), any::<bool>(), 0u8..7),
            0..6),
        threads in proptest::collection::vec(
            (0usize..6, any::<i32>(), any::<u64>(), proptest::option::of(any::<u64>()), any::<u64>()),
            0..6),
        points in proptest::collection::vec((any::<u64>(), any::<u64>()), 0..6),
        wall in any::<u64>(),
        cores in 0usize..300,
        busy in proptest::option::of(any::<u64>()),
        own in any::<u64>(),
    ) {
        let roles = [Role::Main, Role::Process, Role::PoolWorker, Role::Forkserver,
                     Role::ResourceTracker, Role::Manager, Role::Other];
        let mut run = Xray { wall_us: wall, ..Xray::default() };
        for &(pid, ppid, start, end, reaped, cpu, killed, role) in &processes {
            run.processes.push(XrayProcess {
                ppid,
                end_us: end,
                reaped_us: reaped,
                zombie_us: reaped,
                cpu_us: cpu,
                killed_at_end: killed,
                exit: Some(ProcessExit::Signal("SIGKILL".into())),
                exception: killed.then(String::new),
                ..process(pid, "ForkPoolWorker-1", roles[role as usize], start, end)
            });
        }
        for &(owner, tid, start, end, cpu) in &threads {
            let pid = processes.get(owner).map_or(1, |p| p.0);
            run.threads.push(XrayThread { pid, tid, name: "t".into(), start_us: start, end_us: end, cpu_us: cpu });
            run.cpu.push(CpuSeries { pid, tid, points: points.clone() });
        }
        let load = Load { wall_us: wall, cores, machine_busy_us: busy, own_us: own };
        let summary = summarize(&run, &load);
        for finding in &summary.findings {
            let _ = finding.text();
        }
        let _ = XrayResult::with_summary(&run, &summary);
    }
}
