//! `print-numbers` (lesson q6): N processes each print a different number,
//! K times over, to show that every number appears once and the order is
//! the scheduler's choice.

use std::collections::BTreeSet;

use serde_json::json;

use super::report::DemoReport;
use crate::engine::context::{EngineError, RunContext};
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Crash, Task, WorkerBody, bad_args, write_stamped_line};

/// One run: the numbers in the order they were printed, and by whom.
#[derive(Debug)]
struct RunOrder {
    numbers: Vec<i64>,
    pids: Vec<i32>,
}

pub fn run(
    ctx: &mut RunContext<'_>,
    workers: usize,
    repeat: usize,
    crash: Option<Crash>,
) -> Result<DemoReport, EngineError> {
    // The worker that crashes, when asked: Process-2, or the only one.
    let crasher = crash.map(|_| if workers >= 2 { 2 } else { 1 });
    let expected: BTreeSet<i64> = (1..=workers)
        .filter(|n| Some(*n) != crasher)
        .map(number_for)
        .collect();
    let mut runs = Vec::new();
    let mut crashed: Vec<String> = Vec::new();
    for round in 0..repeat {
        ctx.note(format!(
            "run {} of {repeat}: starting {workers} processes ({})",
            round + 1,
            ctx.start_method.name()
        ));
        ctx.start_recording();
        let mut group = ProcessGroup::new();
        let mut pids = Vec::new();
        for slot in 0..workers {
            let name = format!("Process-{}", slot + 1);
            let task = match crash {
                Some(how) if crasher == Some(slot + 1) => how.task(),
                _ => Task::new(&PRINT_NUMBER)
                    .text(name.clone())
                    .int(number_for(slot + 1)),
            };
            pids.push(
                group
                    .spawn(ctx, round * workers + slot, name.clone(), &task, false)?
                    .as_raw(),
            );
        }
        group.wait_all(ctx)?;
        if let Some(slot) = crasher {
            let status = group.status(round * workers + slot - 1).cloned();
            crashed.push(status.map(|status| status.to_string()).unwrap_or_default());
        }
        let mut order = RunOrder {
            numbers: Vec::new(),
            pids: Vec::new(),
        };
        for (worker, line) in ctx.take_recorded() {
            if let Some(number) = line.rsplit(' ').next().and_then(|word| word.parse().ok()) {
                order.numbers.push(number);
                order
                    .pids
                    .push(pids.get(worker - round * workers).copied().unwrap_or(0));
            }
        }
        runs.push(order);
    }

    let mut report = DemoReport::new("print-numbers");
    let each_once: Vec<bool> = runs
        .iter()
        .map(|run| {
            run.numbers.len() == expected.len()
                && run.numbers.iter().copied().collect::<BTreeSet<_>>() == expected
        })
        .collect();
    let distinct: BTreeSet<&Vec<i64>> = runs.iter().map(|run| &run.numbers).collect();
    report.table = Some((
        vec![
            "run".into(),
            "numbers, in the order printed".into(),
            "pids, in the same order".into(),
        ],
        runs.iter()
            .enumerate()
            .map(|(round, run)| vec![(round + 1).to_string(), join(&run.numbers), join(&run.pids)])
            .collect(),
    ));
    if each_once.iter().all(|ok| *ok) {
        report.findings.push(format!(
            "Every number appeared exactly once in every run ({}).",
            join(&expected.iter().copied().collect::<Vec<_>>())
        ));
    } else {
        report
            .findings
            .push("Some run did not print every number exactly once; see the table.".to_string());
    }
    if let (Some(slot), Some(status)) = (crasher, crashed.first()) {
        report.findings.push(format!(
            "Process-{slot} died ({status}); the other {} processes printed their numbers and exited normally. \
             A crash in one process does not touch the others: each has its own memory.",
            workers - 1
        ));
    }
    if repeat > 1 {
        report.findings.push(format!(
            "{} different orders in {repeat} runs: the operating system decides who prints first.",
            distinct.len()
        ));
    } else {
        report.findings.push(
            "Type `run repeat=5` to run it again and again and compare the orders.".to_string(),
        );
    }
    report.data = json!({
        "workers": workers,
        "runs": runs.iter().zip(&each_once).map(|(run, once)| json!({
            "order": run.numbers,
            "pids": run.pids,
            "each_number_once": once,
        })).collect::<Vec<_>>(),
        "distinct_orders": distinct.len(),
        "crashed": crashed,
    });
    Ok(report)
}

/// The number worker `n` (from 1) prints: 10, 20, 30, …
fn number_for(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(0) * 10
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `print-number NAME N`: prints `NAME (pid P) prints N`, stamped with the
/// moment it was written, so the order is the order of writing.
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
