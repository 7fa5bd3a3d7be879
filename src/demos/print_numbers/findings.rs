//! What a finished `print-numbers` shows: the table of orders and the
//! findings, each judged from the result alone.

use std::collections::BTreeSet;

use super::{NumberWorker, NumbersRun, PrintNumbersResult};
use crate::engine::{ExitStatus, StartMethod};
use crate::findings::{Finding, Table, Unclear, Verdict, words};

pub(super) fn table(result: &PrintNumbersResult) -> Table {
    let join = |items: Vec<String>| items.join(" ");
    Table {
        header: vec![
            "run".into(),
            "numbers, in the order printed".into(),
            "pids, in the same order".into(),
        ],
        rows: result
            .runs
            .iter()
            .enumerate()
            .map(|(round, run)| {
                vec![
                    (round + 1).to_string(),
                    join(run.printed.iter().map(|p| p.number.to_string()).collect()),
                    join(run.printed.iter().map(|p| p.pid.to_string()).collect()),
                ]
            })
            .collect(),
    }
}

/// Whether worker `slot` (from 1) is the one told to crash.
pub(super) fn crashes(result: &PrintNumbersResult, slot: usize) -> bool {
    result
        .crash
        .as_ref()
        .is_some_and(|plan| plan.worker == slot)
}

/// What went wrong with "each number once" in one run, if anything:
/// `30 is missing`, `40 appeared twice`, `70 came from nowhere`.
fn once_problems(result: &PrintNumbersResult, run: &NumbersRun) -> Vec<String> {
    let mut problems = Vec::new();
    let times = |number: i64| run.printed.iter().filter(|p| p.number == number).count();
    for (slot, worker) in (1..).zip(&run.workers) {
        let expected = usize::from(!crashes(result, slot));
        match (expected, times(worker.number)) {
            (1, 0) => problems.push(format!("{} is missing", worker.number)),
            (0, 0) | (1, 1) => {}
            (0, n) => problems.push(format!(
                "{} appeared {} though {} was to crash",
                worker.number,
                words::count(n as u64, "time", "times"),
                worker.name
            )),
            (_, n) => problems.push(format!(
                "{} appeared {}",
                worker.number,
                words::count(n as u64, "time", "times")
            )),
        }
    }
    let known: BTreeSet<i64> = run.workers.iter().map(|worker| worker.number).collect();
    for stray in run
        .printed
        .iter()
        .map(|p| p.number)
        .filter(|number| !known.contains(number))
        .collect::<BTreeSet<_>>()
    {
        problems.push(format!("{stray} came from no worker"));
    }
    problems
}

fn numbers(items: impl IntoIterator<Item = i64>) -> String {
    items
        .into_iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn findings(result: &PrintNumbersResult) -> Vec<Finding> {
    let mut findings = vec![each_once(result)];
    if result.crash.is_some() {
        findings.push(crash_finding(result));
    }
    findings.push(order(result));
    if let Some(parents) = parents(result) {
        findings.push(parents);
    }
    findings
}

/// The claim of the lesson: every process prints its number once.
fn each_once(result: &PrintNumbersResult) -> Finding {
    const CLAIM: &str = "each process prints its own number exactly once";
    let in_runs = if result.runs.len() == 1 {
        "in the run".to_string()
    } else {
        format!("in every one of the {} runs", result.runs.len())
    };
    let problems: Vec<String> = result
        .runs
        .iter()
        .enumerate()
        .filter_map(|(round, run)| {
            let problems = once_problems(result, run);
            (!problems.is_empty()).then(|| {
                let which = if result.runs.len() == 1 {
                    String::new()
                } else {
                    format!("in run {}, ", round + 1)
                };
                format!("{which}{}", words::and_list(&problems))
            })
        })
        .collect();
    if result.runs.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "no run finished".into(),
            }),
            "No run finished, so nothing can be said about the numbers.",
        );
    }
    if !problems.is_empty() {
        let timeout = if result.timed_out {
            " The timeout stopped a run: a process killed before it printed leaves its number \
             missing."
        } else {
            ""
        };
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "Not every number appeared exactly once: {}.{timeout}",
                problems.join("; ")
            ),
        );
    }
    let first = &result.runs[0];
    let alive: Vec<i64> = (1..)
        .zip(&first.workers)
        .filter(|(slot, _)| !crashes(result, *slot))
        .map(|(_, worker)| worker.number)
        .collect();
    let text = match result
        .crash
        .as_ref()
        .and_then(|plan| first.workers.get(plan.worker - 1))
    {
        Some(crasher) => format!(
            "Every process that kept running printed its number exactly once {in_runs} ({}); {} \
             never appeared: {} crashed before printing it.",
            numbers(alive),
            crasher.number,
            crasher.name
        ),
        None => format!(
            "Every number appeared exactly once {in_runs} ({}).",
            numbers(alive)
        ),
    };
    Finding::judged(CLAIM, Verdict::Holds, text)
}

/// A crash in one process leaves the others running.
fn crash_finding(result: &PrintNumbersResult) -> Finding {
    const CLAIM: &str = "a crash in one process does not touch the others";
    let Some(plan) = &result.crash else {
        return Finding::fact("");
    };
    let mut deaths = BTreeSet::new();
    let mut problems = Vec::new();
    for (round, run) in result.runs.iter().enumerate() {
        for (slot, worker) in (1..).zip(&run.workers) {
            let status = worker.status.as_ref();
            if slot == plan.worker {
                match status {
                    Some(ExitStatus::Code(0)) | None => problems.push(format!(
                        "in run {}, {} did not crash ({})",
                        round + 1,
                        worker.name,
                        status.map_or("no exit seen".into(), ToString::to_string)
                    )),
                    Some(died) => {
                        deaths.insert(died.to_string());
                    }
                }
            } else if status != Some(&ExitStatus::Code(0)) {
                problems.push(format!(
                    "in run {}, {} ended with {}",
                    round + 1,
                    worker.name,
                    status.map_or("no exit seen".into(), ToString::to_string)
                ));
            }
        }
    }
    if !problems.is_empty() || deaths.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "The crash did not go as planned: {}. The timeout, or a machine out of \
                 processes, can do this; run it again.",
                problems.join("; ")
            ),
        );
    }
    let others = result.runs[0].workers.len().saturating_sub(1);
    let name = result.runs[0]
        .workers
        .get(plan.worker - 1)
        .map_or("the crashing process", |worker| worker.name.as_str());
    let how = deaths.into_iter().collect::<Vec<_>>().join(", ");
    let text = if others == 0 {
        format!(
            "{name} died ({how}), and mptutor, its parent, read how it ended and carried on: a \
             crash ends only the process it happens in."
        )
    } else {
        format!(
            "{name} died ({how}); the other {} printed their numbers and exited normally. A \
             crash in one process does not touch the others: each has its own memory.",
            words::processes(others)
        )
    };
    Finding::judged(CLAIM, Verdict::Holds, text)
}

/// The order is the scheduler's: it may change from run to run.
fn order(result: &PrintNumbersResult) -> Finding {
    const CLAIM: &str = "the order is the operating system's choice, and can change";
    let orders: Vec<Vec<i64>> = result
        .runs
        .iter()
        .map(|run| run.printed.iter().map(|p| p.number).collect())
        .collect();
    let distinct: BTreeSet<&Vec<i64>> = orders.iter().collect();
    let runs = orders.len();
    match (runs, distinct.len()) {
        (0, _) => Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "no run finished".into(),
            }),
            "No run finished, so there is no order to look at.",
        ),
        (1, _) => Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::TooFewRuns { runs: 1, wanted: 5 }),
            format!(
                "One run shows one order ({}). Type `run repeat=5` to run it again and again \
                 and see whether the order changes.",
                numbers(orders[0].iter().copied())
            ),
        ),
        (runs, 1) => Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "The order did not change in {} ({} every time). That happens too: started one \
                 after another on a quiet machine, each process can print before the next has \
                 even begun. Nothing makes it so; try `run repeat=20`, or `start=spawn`, whose \
                 slower, less even starts let the processes overtake each other.",
                words::count(runs as u64, "run", "runs"),
                numbers(orders[0].iter().copied())
            ),
        ),
        (runs, orders) => Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "{} in {}: the operating system decides who prints first.",
                words::count(orders as u64, "different order", "different orders"),
                words::count(runs as u64, "run", "runs")
            ),
        ),
    }
}

/// Who the workers' parent was, as the engine saw each start.
fn parents(result: &PrintNumbersResult) -> Option<Finding> {
    let workers: Vec<&NumberWorker> = result.runs.iter().flat_map(|run| &run.workers).collect();
    let ppids: BTreeSet<i32> = workers.iter().map(|worker| worker.ppid).collect();
    let pids: BTreeSet<i32> = workers.iter().map(|worker| worker.pid).collect();
    let own = if pids.len() == workers.len() {
        format!(
            "Each of the {} had a pid of its own",
            words::processes(workers.len())
        )
    } else {
        format!(
            "The {} had {} (the kernel may give a reaped process's pid to a new one)",
            words::processes(workers.len()),
            words::count(pids.len() as u64, "pid", "different pids")
        )
    };
    let ppid = *ppids.iter().next()?;
    let text = match ppids.len() {
        1 if ppid == result.parent_pid => {
            format!("{own}, and all had one parent: mptutor, pid {ppid}, which started each one.")
        }
        1 if result.start == StartMethod::ForkServer => format!(
            "{own}, and all had one parent: not mptutor (pid {}) but the fork server, pid \
             {ppid}, which forked each one when mptutor asked.",
            result.parent_pid
        ),
        1 => format!("{own}, and all had one parent, pid {ppid}."),
        _ => format!(
            "{own}, and they had {} parents: {}.",
            ppids.len(),
            ppids
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Some(Finding::fact(text))
}
