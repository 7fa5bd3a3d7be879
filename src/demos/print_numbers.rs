//! `print-numbers` (lesson q6): N processes each print a different number,
//! K times over, to show that every number appears once and that the order
//! is the scheduler's choice.
//!
//! Each worker stamps its line with the moment it wrote it (see
//! `task::write_stamped_line`), so "the order printed" is the order the
//! lines were written, not the order mptutor happened to read the workers'
//! pipes in. With `crash=…` Process-2 dies instead of printing, to show
//! that the others carry on.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::demos::{Demo, DemoInfo, ResolvedParams};
use crate::engine::task::{Args, Bodies, Crash, Task, WorkerBody, bad_args, write_stamped_line};
use crate::engine::{EngineError, ExitStatus, ProcessGroup, RunContext, StartMethod};
use crate::findings::{Finding, Report, Table, Unclear, Verdict, words};

/// The demo, as the catalogue lists it.
pub struct PrintNumbers;

/// `print-number NAME N`: prints `NAME (pid P) prints N`, stamped with the
/// moment it was written.
pub static PRINT_NUMBER: WorkerBody = WorkerBody {
    name: "print-number",
    run: |args: &Args<'_>| {
        let (Some(name), Some(number)) = (args.text(0), args.int(1)) else {
            return bad_args("print-number", args);
        };
        let printed = write_stamped_line(format_args!(
            "{name} (pid {}) prints {number}",
            std::process::id()
        ));
        i32::from(printed.is_err())
    },
};

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintNumbersResult {
    pub start: StartMethod,
    /// mptutor's pid: the parent of every worker, unless a fork server
    /// forked them.
    pub parent_pid: i32,
    /// The worker told to crash instead of printing, if any.
    pub crash: Option<CrashPlan>,
    pub runs: Vec<NumbersRun>,
    /// The timeout stopped a run.
    pub timed_out: bool,
}

/// Which worker crashes, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrashPlan {
    /// Its number in the run, from 1: `Process-2` is 2.
    pub worker: usize,
    /// `segfault`, `abort` or `panic`.
    pub how: String,
}

/// One run of every worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumbersRun {
    /// Every worker, in the order it was started.
    pub workers: Vec<NumberWorker>,
    /// Every number printed, in the order the lines were written.
    pub printed: Vec<Printed>,
}

/// One worker of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberWorker {
    /// `Process-1`.
    pub name: String,
    /// The number it was to print.
    pub number: i64,
    pub pid: i32,
    pub ppid: i32,
    /// How it ended; `None` if no exit was seen.
    pub status: Option<ExitStatus>,
}

/// A number some worker printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Printed {
    pub number: i64,
    pub pid: i32,
    /// When it was written, in microseconds since the demo started.
    pub t_us: u64,
}

impl Demo for PrintNumbers {
    type Result = PrintNumbersResult;

    const BODIES: Bodies = &[&PRINT_NUMBER];

    const INFO: DemoInfo = DemoInfo {
        name: "print-numbers",
        lesson: "q6",
        summary: "several processes each print a different number; the order is up to the OS",
        params: &[
            crate::demos::workers(4, 1, "processes, each printing its own number"),
            crate::demos::count("repeat", 1, 20, "runs in a row, to see the order change"),
            crate::demos::ParamSpec {
                name: "crash",
                kind: crate::demos::ParamKind::Choice(&["none", "segfault", "abort", "panic"]),
                default: crate::demos::ParamValue::Choice("none"),
                help: "make Process-2 crash this way instead of printing, to see the others carry on",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError> {
        let workers = params.count("workers").max(1);
        let repeat = params.count("repeat").max(1);
        let crash = Crash::from_word(params.word("crash")).map(|how| CrashPlan {
            // Process-2, or the only one.
            worker: workers.min(2),
            how: how.word().to_string(),
        });
        let mut runs = Vec::new();
        for round in 0..repeat {
            ctx.note(format!(
                "run {} of {repeat}: starting {} ({})",
                round + 1,
                words::processes(workers),
                ctx.start_method.name()
            ));
            runs.push(one_run(ctx, workers, crash.as_ref())?);
            if ctx.timed_out {
                break;
            }
        }
        Ok(PrintNumbersResult {
            start: ctx.start_method,
            parent_pid: i32::try_from(std::process::id()).unwrap_or(0),
            crash,
            runs,
            timed_out: ctx.timed_out,
        })
    }

    fn report(result: &Self::Result) -> Report {
        Report {
            tables: vec![table(result)],
            findings: findings(result),
        }
    }
}

/// The number worker `n` (from 1) prints: 10, 20, 30, …
fn number_for(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(0) * 10
}

fn one_run(
    ctx: &mut RunContext<'_>,
    workers: usize,
    crash: Option<&CrashPlan>,
) -> Result<NumbersRun, EngineError> {
    let indices = ctx.workers(workers);
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    for (slot, index) in indices.clone().enumerate() {
        let name = format!("Process-{}", slot + 1);
        let task = match crash {
            Some(plan) if plan.worker == slot + 1 => Crash::from_word(&plan.how)
                .unwrap_or(Crash::Segfault)
                .task(),
            _ => Task::new(&PRINT_NUMBER)
                .text(name.clone())
                .int(number_for(slot + 1)),
        };
        group.spawn(ctx, index, name, &task, false)?;
    }
    group.wait_all(ctx)?;
    let mut printed: Vec<Printed> = ctx
        .take_recorded_lines()
        .into_iter()
        .filter_map(|line| {
            let number = line.text.strip_prefix("Process-")?.rsplit(' ').next()?;
            Some(Printed {
                number: number.parse().ok()?,
                pid: line.pid,
                t_us: line.t_us,
            })
        })
        .collect();
    printed.sort_by_key(|line| line.t_us);
    let workers = indices
        .enumerate()
        .map(|(slot, index)| {
            let start = ctx.start_of(index);
            NumberWorker {
                name: format!("Process-{}", slot + 1),
                number: number_for(slot + 1),
                pid: start.map_or(0, |start| start.pid),
                ppid: start.map_or(0, |start| start.ppid),
                status: ctx.exit(index).map(|exit| exit.status.clone()),
            }
        })
        .collect();
    Ok(NumbersRun { workers, printed })
}

fn table(result: &PrintNumbersResult) -> Table {
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
fn crashes(result: &PrintNumbersResult, slot: usize) -> bool {
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

fn findings(result: &PrintNumbersResult) -> Vec<Finding> {
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

#[cfg(test)]
mod tests;
