//! The findings of `pool-queue` against generated results: no finding
//! states a count, a speed-up or a wait its numbers contradict.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::findings::{average_cost_us, report, wait_us};
use super::{LostTask, PoolQueueResult, QueueWorker, cost_ms};
use crate::demos::cpu_speedup::result::expected_speedup;
use crate::engine::{ExitStatus, Load, StartMethod};
use crate::findings::speed::SMALL_WORK_US;
use crate::findings::testing::{claimed, ratios, text};
use crate::findings::{Unclear, Verdict, words};

fn load(wall_us: u64, own_us: u64, others: Option<f64>) -> Load {
    Load {
        wall_us,
        cores: 2,
        machine_busy_us: others.map(|others| own_us + (others * wall_us as f64) as u64),
        own_us,
    }
}

/// A worker that did `tasks`, busy `busy` times their work and given
/// `cpu` times their CPU cost.
fn worker(slot: usize, tasks: &[usize], busy: f64, cpu: f64) -> QueueWorker {
    let cost: u64 = tasks.iter().map(|&k| cost_ms(k) * 1_000).sum();
    QueueWorker {
        label: format!("P{}", slot + 1),
        pid: 2000 + i32::try_from(slot).unwrap_or(0),
        tasks: tasks.to_vec(),
        busy_us: (cost as f64 * busy) as u64,
        cpu_us: (cost as f64 * cpu) as u64,
        status: Some(ExitStatus::Code(0)),
    }
}

/// The default run: 3 workers, 12 tasks, 2 cores, every task done once.
fn default_run(wall_us: u64, cpu: f64, others: Option<f64>) -> PoolQueueResult {
    let split: [&[usize]; 3] = [&[1, 4, 8, 12], &[2, 5, 7, 9, 11], &[3, 6, 10]];
    let pool: Vec<QueueWorker> = (0..3)
        .map(|slot| worker(slot, split[slot], 1.6, cpu))
        .collect();
    let cpu_us = pool.iter().map(|worker| worker.cpu_us).sum();
    PoolQueueResult {
        workers: 3,
        tasks: 12,
        pause_ms: 0,
        cores: 2,
        start: StartMethod::Fork,
        announced: (1..=12).collect(),
        pool,
        lost: Vec::new(),
        wrong: Vec::new(),
        timed_out: false,
        wall_us,
        load: load(wall_us + 5_000, cpu_us, others),
    }
}

#[test]
fn a_quiet_machine_shows_the_pool_s_speed_up_and_the_wait_for_a_core() {
    // 230 ms of CPU in 146 ms: 1.6×, the workers using about 1.6 cores.
    let found = report(&default_run(146_000, 1.0, Some(0.05))).findings;
    let speed = claimed(&found, "as fast as one").expect("a speed claim");
    assert_eq!(speed.verdict, Some(Verdict::Holds), "{}", speed.text);
    assert!(
        speed.text.contains("1.6× as fast as one worker"),
        "{}",
        speed.text
    );
    assert!(
        speed.text.contains("at most 2 of these tasks"),
        "{}",
        speed.text
    );
    let wait = claimed(&found, "wait for a free core").expect("a waiting claim");
    assert_eq!(wait.verdict, Some(Verdict::Holds), "{}", wait.text);
    assert!(text(&found).contains("P2 did 5 tasks"), "{}", text(&found));
}

#[test]
fn a_busy_machine_cannot_make_the_pool_look_slow() {
    let busy = default_run(209_000, 0.8, Some(0.9));
    let found = report(&busy).findings;
    let speed = claimed(&found, "as fast as one").expect("a speed claim");
    let Some(Verdict::CouldntTell(Unclear::MachineBusy { got, others, .. })) = &speed.verdict
    else {
        panic!("{speed:?}");
    };
    assert_eq!(*others, busy.load.others_cores_measured());
    assert_eq!(*got, busy.speed_run().parallel_cores);
    assert!(speed.text.contains("1.1×"), "{}", speed.text);
    assert!(
        speed.text.contains("other programs used 0.9 of a core"),
        "{}",
        speed.text
    );
}

#[test]
fn a_lost_task_is_counted_and_contradicts_done_once() {
    let mut lost = default_run(146_000, 1.0, Some(0.0));
    lost.pool[1].tasks.retain(|&task| task != 7);
    lost.announced.retain(|&task| task != 7);
    lost.lost.push(LostTask {
        task: 7,
        why: "worker P2 (pid 2001) died of SIGKILL".into(),
    });
    let found = report(&lost).findings;
    assert_eq!(found[0].verdict, Some(Verdict::Contradicted));
    assert!(
        found[0].text.contains("1 of 12 tasks never came back"),
        "{}",
        found[0].text
    );
    assert!(found[0].text.contains("SIGKILL"), "{}", found[0].text);
    assert!(text(&found).contains("P2 did 4 tasks"), "{}", text(&found));
}

#[test]
fn one_worker_does_the_tasks_back_to_back_without_a_speed_claim() {
    let mut alone = default_run(240_000, 1.0, Some(0.0));
    let every: Vec<usize> = (1..=12).collect();
    alone.pool = vec![worker(0, &every, 1.0, 1.0)];
    alone.workers = 1;
    let found = report(&alone).findings;
    assert!(
        claimed(&found, "as fast as one").is_none(),
        "{}",
        text(&found)
    );
    let all = text(&found);
    assert!(all.contains("P1 did all 12 tasks"), "{all}");
    assert!(
        all.contains("One worker did the 12 tasks back to back"),
        "{all}"
    );
}

#[test]
fn more_tasks_of_about_the_same_length_are_laid_at_the_wait_for_a_core() {
    // A quiet run: P1 did 5 tasks of 20 ms on average and hardly waited,
    // P3 did 3 of 19 ms and waited 53 ms for a core.
    let mut run = default_run(126_000, 1.0, Some(0.05));
    let split: [&[usize]; 3] = [&[1, 4, 6, 9, 10], &[2, 5, 11, 12], &[3, 7, 8]];
    let busy = [1.02, 1.7, 1.93];
    run.pool = (0..3)
        .map(|slot| worker(slot, split[slot], busy[slot], 1.0))
        .collect();
    let found = report(&run).findings;
    let balance = claimed(&found, "quicker tasks").expect("a balance claim");
    assert!(
        matches!(
            balance.verdict,
            Some(Verdict::CouldntTell(Unclear::NotMeasured { .. }))
        ),
        "{balance:?}"
    );
    assert!(
        balance
            .text
            .contains("P1 waited 2.0ms for a core in all, P3 53ms"),
        "{}",
        balance.text
    );
}

#[test]
fn the_result_round_trips_through_json() {
    let result = default_run(146_000, 1.0, None);
    let json = serde_json::to_string(&result).unwrap_or_default();
    let back: PoolQueueResult = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, result);
}

/// Any result: 1–8 workers, 1–40 tasks, 1–4 cores, quiet or busy, pausing or
/// not, a lost or doubled task or a timeout now and then.
fn any_result() -> impl Strategy<Value = PoolQueueResult> {
    (1usize..9, 1usize..41, 1usize..5).prop_flat_map(|(workers, tasks, cores)| {
        (
            proptest::collection::vec(0..workers, tasks),
            proptest::collection::vec(proptest::bool::weighted(0.04), tasks),
            proptest::bool::weighted(0.03),
            proptest::collection::vec((0.9f64..3.0, 0.3f64..1.05), workers),
            0.2f64..5.0,
            proptest::option::weighted(0.9, 0.0f64..2.0),
            prop_oneof![3 => Just(0u64), 1 => 1u64..400],
            proptest::bool::weighted(0.05),
        )
            .prop_map(
                move |(owner, lose, double, shapes, speedup, others, pause, timed_out)| {
                    let mut done: Vec<Vec<usize>> = vec![Vec::new(); workers];
                    let mut lost = Vec::new();
                    for task in 1..=tasks {
                        if lose[task - 1] || (timed_out && task > tasks / 2) {
                            lost.push(LostTask {
                                task,
                                why: "worker died".into(),
                            });
                        } else {
                            done[owner[task - 1]].push(task);
                        }
                    }
                    if double && tasks > 1 {
                        done[0].push(1);
                    }
                    let pool: Vec<QueueWorker> = (0..workers)
                        .map(|slot| worker(slot, &done[slot], shapes[slot].0, shapes[slot].1))
                        .collect();
                    let announced = done.iter().flatten().copied().collect();
                    let mut result = PoolQueueResult {
                        workers,
                        tasks,
                        pause_ms: pause,
                        cores,
                        start: StartMethod::Spawn,
                        pool,
                        announced,
                        lost,
                        wrong: Vec::new(),
                        timed_out,
                        wall_us: 1,
                        load: load(1, 0, others),
                    };
                    let work = result.work_us(&result.done().collect::<Vec<_>>());
                    let wall = ((work as f64 / speedup) as u64).max(1);
                    let cpu = result.pool.iter().map(|worker| worker.cpu_us).sum();
                    result.wall_us = wall;
                    result.load = load(wall, cpu, others);
                    result
                },
            )
    })
}

proptest! {
    #[test]
    fn no_finding_says_what_its_numbers_contradict(result in any_result()) {
        let found = report(&result).findings;
        let all = text(&found);

        // Done once: holds exactly when every task came back once, as its
        // worker announced, before any timeout.
        let once = (1..=result.tasks).all(|k| {
            result.done().filter(|&t| t == k).count() == 1
                && result.announced.iter().filter(|&&t| t == k).count() == 1
        }) && !result.timed_out;
        prop_assert_eq!(found[0].verdict == Some(Verdict::Holds), once, "{}", all);
        if !once {
            prop_assert!(!all.contains("Every one of the"), "{}", all);
            prop_assert!(!all.contains("The one task was done"), "{}", all);
        }

        // Each worker's count, where it is said, is its own.
        let said = regex::Regex::new(r"(P\d+) did (all )?(\d+) tasks?").expect("a pattern");
        for capture in said.captures_iter(&all) {
            let worker = result.pool.iter().find(|w| w.label == capture[1]);
            prop_assert!(worker.is_some());
            let told: usize = capture[3].parse().unwrap_or(usize::MAX);
            prop_assert_eq!(worker.map(|w| w.tasks.len()), Some(told), "{}", all);
        }

        // The speed claim follows from the speed-up and the machine.
        let run = result.speed_run();
        let at_least = expected_speedup(run.ideal() as usize);
        let allowed = BTreeSet::from([words::times(run.speedup), words::times(at_least)]);
        for ratio in ratios(&all) {
            prop_assert!(allowed.contains(&ratio), "{} is no measured speed-up: {}", ratio, all);
        }
        if let Some(speed) = claimed(&found, "as fast as one") {
            prop_assert_eq!(result.pause_ms, 0);
            match &speed.verdict {
                Some(Verdict::Holds) => {
                    prop_assert!(run.speedup >= at_least && !run.baseline_disturbed());
                    prop_assert!(result.cores >= 2);
                }
                Some(Verdict::Contradicted) => {
                    prop_assert!(run.speedup < at_least && !run.busy());
                    prop_assert!(run.per_worker_us.is_some_and(|us| us >= SMALL_WORK_US));
                }
                Some(Verdict::CouldntTell(Unclear::MachineBusy { got, others, .. })) => {
                    prop_assert!(run.busy());
                    prop_assert_eq!(*got, run.parallel_cores);
                    prop_assert_eq!(*others, result.load.others_cores_measured());
                }
                Some(Verdict::CouldntTell(_)) => {}
                None => prop_assert!(false, "a claim without a verdict"),
            }
        }

        // The wait for a core follows from the busy and work columns.
        let done: Vec<usize> = result.done().collect();
        let busy: u64 = result.pool.iter().map(|w| w.busy_us).sum();
        let waited = busy as f64 >= 1.2 * result.work_us(&done) as f64;
        if let Some(wait) = claimed(&found, "wait for a free core") {
            prop_assert_eq!(wait.verdict == Some(Verdict::Holds), waited, "{}", wait.text);
        }
        if let Some(wait) = claimed(&found, "no task waits") {
            prop_assert_eq!(wait.verdict == Some(Verdict::Holds), !waited, "{}", wait.text);
            if wait.verdict == Some(Verdict::Contradicted) {
                prop_assert!(!run.busy());
            }
        }

        // The balance claim holds only when the busiest worker's tasks
        // were the quicker ones, and is contradicted only when they were
        // the longer ones though it waited no less for a core.
        if let Some(balance) = claimed(&found, "quicker tasks") {
            let busy: Vec<&QueueWorker> = result.pool.iter().filter(|w| !w.tasks.is_empty()).collect();
            let most = busy.iter().max_by_key(|w| w.tasks.len()).copied();
            let fewest = busy.iter().min_by_key(|w| w.tasks.len()).copied();
            let (Some(most), Some(fewest)) = (most, fewest) else {
                prop_assert!(false, "a balance claim with fewer than two busy workers");
                return Ok(());
            };
            let (a, b) = (average_cost_us(most) as f64, average_cost_us(fewest) as f64);
            match balance.verdict {
                Some(Verdict::Holds) => {
                    prop_assert!(most.tasks.len() > fewest.tasks.len() && a < 0.9 * b, "{}", balance.text);
                }
                Some(Verdict::Contradicted) => {
                    prop_assert!(a > 1.1 * b, "{}", balance.text);
                    prop_assert!(wait_us(&result, most) >= wait_us(&result, fewest), "{}", balance.text);
                }
                _ => {}
            }
        }

        // Counts agree with their nouns.
        let one_many = regex::Regex::new(r"(?:^|[^\d.])1 (tasks|workers|cores)\b").expect("a pattern");
        let many_one = regex::Regex::new(r"(?:^|[^\d.])([02-9]|\d\d+) (task|worker|core)\b").expect("a pattern");
        prop_assert!(!one_many.is_match(&all), "{}", all);
        prop_assert!(!many_one.is_match(&all), "{}", all);

        let json = serde_json::to_string(&result).unwrap_or_default();
        let back: PoolQueueResult = serde_json::from_str(&json).expect("parses back");
        prop_assert_eq!(back, result.clone());
    }
}
