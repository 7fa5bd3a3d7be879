//! `print-numbers` (lesson q6): N processes each print a different number,
//! K times over, to show that every number appears once and that the order
//! is the scheduler's choice.
//!
//! Each worker stamps its line with the moment it wrote it (see
//! `task::write_stamped_line`), so "the order printed" is the order the
//! lines were written, not the order mptutor happened to read the workers'
//! pipes in. With `crash=…` Process-2 dies instead of printing, to show
//! that the others carry on.

use serde::{Deserialize, Serialize};

use crate::demos::{Demo, DemoInfo, ResolvedParams};
use crate::engine::task::{Args, Bodies, Crash, Task, WorkerBody, bad_args, write_stamped_line};
use crate::engine::{EngineError, ExitStatus, ProcessGroup, RunContext, StartMethod};
use crate::findings::{Report, words};

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
            if round > 0 && ctx.remaining().is_zero() && !ctx.timed_out {
                // The last run ended just as time ran out: the rest would
                // start past the timeout.
                ctx.timed_out = true;
                let left = if round + 1 == repeat {
                    format!("run {repeat} of {repeat} is not started")
                } else {
                    format!("runs {} to {repeat} are not started", round + 1)
                };
                ctx.note(format!("timeout reached: {left}"));
            }
            if ctx.timed_out {
                break;
            }
            ctx.note(format!(
                "run {} of {repeat}: starting {} ({})",
                round + 1,
                words::processes(workers),
                ctx.start_method.name()
            ));
            runs.push(one_run(ctx, workers, crash.as_ref())?);
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
    ctx.new_run();
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

mod findings;

use findings::{findings, table};

#[cfg(test)]
mod tests;
