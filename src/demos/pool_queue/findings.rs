//! What a finished `pool-queue` shows: who did which task, whether every
//! task was done once, whether the worker that drew quick tasks did more,
//! and how much faster the pool was than one worker, judged with what the
//! workers and the machine were measured to do.

use super::speed::{machine_busy, speed, waiting};
use super::{PoolQueueResult, QueueWorker, cost_ms};
use crate::findings::words::sentence;
use crate::findings::{Finding, Report, Table, Unclear, Verdict, format_us, words};

/// Tasks listed per worker in the table before the rest are counted.
const LISTED_TASKS: usize = 10;
/// Workers named one by one in the findings.
const NAMED_WORKERS: usize = 8;

pub(super) fn report(result: &PoolQueueResult) -> Report {
    let mut findings = vec![done_once(result), spread(result)];
    if let Some(balance) = balance(result) {
        findings.push(balance);
    }
    if !result.timed_out {
        findings.extend(speed(result));
        findings.extend(waiting(result));
    }
    Report {
        tables: vec![table(result)],
        findings,
    }
}

fn table(result: &PoolQueueResult) -> Table {
    let header = [
        "worker",
        "pid",
        "tasks done",
        "work",
        "busy",
        "CPU",
        "which tasks, in order",
    ];
    let rows = result
        .pool
        .iter()
        .map(|worker| {
            let mut listed: Vec<String> = worker
                .tasks
                .iter()
                .take(LISTED_TASKS)
                .map(ToString::to_string)
                .collect();
            if worker.tasks.len() > LISTED_TASKS {
                listed.push(format!("… {} more", worker.tasks.len() - LISTED_TASKS));
            }
            vec![
                worker.label.clone(),
                worker.pid.to_string(),
                worker.tasks.len().to_string(),
                format_us(result.work_us(&worker.tasks)),
                format_us(worker.busy_us),
                format_us(worker.cpu_us),
                listed.join(" "),
            ]
        })
        .collect();
    Table {
        header: header.map(String::from).to_vec(),
        rows,
    }
}

pub(super) fn tasks(n: usize) -> String {
    words::count(n as u64, "task", "tasks")
}

/// Every task is done once, by the pool's books and by the workers' word.
fn done_once(result: &PoolQueueResult) -> Finding {
    const CLAIM: &str = "a pool does every task in the queue exactly once";
    let count = |list: &mut dyn Iterator<Item = usize>| {
        let mut times = vec![0usize; result.tasks + 1];
        for task in list {
            if let Some(slot) = times.get_mut(task) {
                *slot += 1;
            }
        }
        times
    };
    let returned = count(&mut result.done());
    let announced = count(&mut result.announced.iter().copied());
    let all = 1..=result.tasks;
    let never = all.clone().filter(|&k| returned[k] == 0).count();
    let twice: Vec<String> = all
        .clone()
        .filter(|&k| returned[k] > 1)
        .map(|k| format!("task {k} came back {} times", returned[k]))
        .collect();
    let unsaid = all
        .clone()
        .filter(|&k| returned[k] == 1 && announced[k] != 1)
        .count();
    let stray = result
        .announced
        .iter()
        .filter(|&&k| !(1..=result.tasks).contains(&k))
        .count();
    let mut problems = twice;
    if !result.wrong.is_empty() {
        problems.push(format!(
            "{} came back with a wrong result",
            tasks(result.wrong.len())
        ));
    }
    if unsaid > 0 {
        problems.push(format!(
            "{} came back without being announced exactly once by a `takes task` line",
            tasks(unsaid)
        ));
    }
    if stray > 0 {
        problems.push(format!(
            "{} named a task not in the queue",
            words::count(stray as u64, "`takes task` line", "`takes task` lines")
        ));
    }
    let done = result.tasks - never;
    if result.timed_out && problems.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!(
                    "the timeout stopped the pool after {done} of {}",
                    tasks(result.tasks)
                ),
            }),
            format!(
                "The timeout stopped the pool: {never} of {} were never done; each of the other \
                 {done} was done once. Try fewer tasks, or a longer `timeout=`.",
                tasks(result.tasks)
            ),
        );
    }
    if never > 0 && !result.timed_out {
        let why = result
            .lost
            .first()
            .map_or(String::new(), |lost| format!(" ({})", lost.why));
        problems.insert(
            0,
            format!(
                "{never} of {} never came back, lost with a worker that died running it{why}",
                tasks(result.tasks)
            ),
        );
    }
    if !problems.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "Not every task was done exactly once: {}. Python's `Pool` would wait for a lost \
                 task forever; mptutor's notes above say which worker ended and how.",
                problems.join("; ")
            ),
        );
    }
    let text = match result.tasks {
        1 => "The one task was done exactly once: the worker's own `takes task` line and the \
              result the pool got back agree."
            .to_string(),
        n => format!(
            "Every one of the {n} tasks was done exactly once: the workers' own `takes task` \
             lines and the results the pool got back agree."
        ),
    };
    Finding::judged(CLAIM, Verdict::Holds, text)
}

/// The workers that did at least one task.
fn busy_workers(result: &PoolQueueResult) -> Vec<&QueueWorker> {
    result
        .pool
        .iter()
        .filter(|worker| !worker.tasks.is_empty())
        .collect()
}

/// Who did how many tasks.
fn spread(result: &PoolQueueResult) -> Finding {
    let busy = busy_workers(result);
    let of = if busy.len() < result.pool.len() {
        format!("{} of the {}", busy.len(), result.pool.len())
    } else {
        busy.len().to_string()
    };
    let text = match busy.as_slice() {
        [] => "No worker finished a task.".to_string(),
        [only] => format!(
            "{} did {}, one after another ({} of work){}.",
            only.label,
            if result.pool.len() == 1 {
                format!("all {}", tasks(only.tasks.len()))
            } else {
                tasks(only.tasks.len())
            },
            format_us(result.work_us(&only.tasks)),
            if result.pool.len() > 1 {
                "; the other workers got none"
            } else {
                ""
            }
        ),
        _ if busy.len() <= NAMED_WORKERS => {
            let each: Vec<String> = busy
                .iter()
                .map(|worker| {
                    format!(
                        "{} did {} ({} of work)",
                        worker.label,
                        tasks(worker.tasks.len()),
                        format_us(result.work_us(&worker.tasks))
                    )
                })
                .collect();
            format!(
                "The work spread over {of} workers: {}.",
                words::and_list(&each)
            )
        }
        _ => {
            let counts = busy.iter().map(|worker| worker.tasks.len());
            format!(
                "The work spread over {of} workers, each doing between {} and {}.",
                counts.clone().min().unwrap_or(0),
                tasks(counts.max().unwrap_or(0))
            )
        }
    };
    Finding::fact(text)
}

/// Average CPU cost of a worker's tasks, in microseconds.
pub(super) fn average_cost_us(worker: &QueueWorker) -> u64 {
    let total: u64 = worker.tasks.iter().map(|&k| cost_ms(k) * 1_000).sum();
    total / (worker.tasks.len() as u64).max(1)
}

/// How long a worker's tasks waited beyond their own work: for a core, or
/// for the pipe.
pub(super) fn wait_us(result: &PoolQueueResult, worker: &QueueWorker) -> u64 {
    worker.busy_us.saturating_sub(result.work_us(&worker.tasks))
}

/// The lesson's load balancing: a worker that draws quick tasks comes
/// back sooner and does more of them.
fn balance(result: &PoolQueueResult) -> Option<Finding> {
    const CLAIM: &str = "a worker that draws quicker tasks comes back sooner and does more of them";
    let busy = busy_workers(result);
    if busy.len() < 2 {
        return None;
    }
    let most = busy.iter().max_by_key(|worker| worker.tasks.len())?;
    let fewest = busy.iter().min_by_key(|worker| worker.tasks.len())?;
    let pause = if result.pause_ms > 0 {
        format!(" (plus a {} ms pause each)", result.pause_ms)
    } else {
        String::new()
    };
    let figures = format!(
        "{}'s tasks averaged {} of CPU{pause} and it did {}; {}'s averaged {} and it did {}",
        most.label,
        format_us(average_cost_us(most)),
        most.tasks.len(),
        fewest.label,
        format_us(average_cost_us(fewest)),
        fewest.tasks.len()
    );
    let waits = format!(
        "{} waited {} for a core in all, {} {}",
        most.label,
        format_us(wait_us(result, most)),
        fewest.label,
        format_us(wait_us(result, fewest))
    );
    let finding = if most.tasks.len() == fewest.tasks.len() {
        Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!("every worker did {}", tasks(most.tasks.len())),
            }),
            format!(
                "Every worker did {} this time, so the run shows no worker doing more than \
                 another. Nobody divided the tasks up in advance all the same; try `run \
                 tasks=40` to see the counts drift apart.",
                tasks(most.tasks.len())
            ),
        )
    } else if (average_cost_us(most) as f64) < 0.9 * average_cost_us(fewest) as f64 {
        Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "Nobody divided the tasks up in advance: a free worker takes the next one, so a \
                 worker that draws short tasks comes back sooner and does more. {figures}."
            ),
        )
    } else if (average_cost_us(most) as f64) <= 1.1 * average_cost_us(fewest) as f64 {
        // About the same tasks: who did more came down to who got a core.
        Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!(
                    "{}'s and {}'s tasks averaged about the same",
                    most.label, fewest.label
                ),
            }),
            format!(
                "{figures}: about the same task lengths, so length does not explain who did \
                 more; {waits}. Nobody divided the tasks up in advance all the same; try `run \
                 tasks=40` to see longer and shorter draws."
            ),
        )
    } else if wait_us(result, most) < wait_us(result, fewest) {
        // The worker with the longer tasks did more because it waited less.
        Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!(
                    "{} waited less for a core than {}",
                    most.label, fewest.label
                ),
            }),
            format!(
                "{figures}: the worker that did more did not draw the quicker tasks, but it \
                 waited less for a core ({waits}), and that decided the counts here. Try `run \
                 workers=2`, a core for each worker, to see task length alone at work."
            ),
        )
    } else if let Some(busy) = machine_busy(result) {
        Finding::judged(
            CLAIM,
            Verdict::CouldntTell(busy.clone()),
            format!(
                "{figures}: the worker that did more did not draw the quicker tasks. Couldn't \
                 tell whether that is the queue's doing: {}. {}",
                busy.words(),
                sentence(busy.what_to_try())
            ),
        )
    } else {
        Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "{figures}: the worker that did more drew the longer tasks, though it did not \
                 wait less for a core ({waits}), so this run did not show it. That can happen \
                 when a worker starts later than the others, or is slowed by something the \
                 busy column does not see. Run it again, or with `tasks=40`, and the counts \
                 follow the task lengths more closely."
            ),
        )
    };
    Some(finding)
}
