//! What went wrong in a run's workers: a pool worker a signal killed,
//! and the exceptions workers raised.

use super::finding::{KilledWorker, Named, PoolKind, WorkerError, XrayFinding};
use super::findings::named;
use super::model::{ProcessExit, Role, Xray, XrayProcess};

/// The longest error text a finding quotes.
pub const ERROR_CHARS: usize = 200;

/// Which pool `process` worked for, by the name `multiprocessing` gives
/// its workers.
pub fn pool_kind(process: &XrayProcess) -> PoolKind {
    let name = process.name.as_str();
    if [
        "ForkPoolWorker-",
        "SpawnPoolWorker-",
        "ForkServerPoolWorker-",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
    {
        PoolKind::Pool
    } else if ["ForkProcess-", "SpawnProcess-", "ForkServerProcess-"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        PoolKind::Executor
    } else {
        PoolKind::Unknown
    }
}

/// Pool workers a signal ended. Not `SIGTERM`: `Pool.terminate()`, which
/// leaving a `with Pool(…)` block calls, ends every worker with it; and
/// not those mptutor killed at the end.
pub(super) fn pool_workers_killed(xray: &Xray) -> Vec<XrayFinding> {
    let killed: Vec<(PoolKind, KilledWorker)> = xray
        .processes
        .iter()
        .filter(|process| {
            process.role == Role::PoolWorker || xray.tasks.iter().any(|t| t.pid == process.pid)
        })
        .filter(|process| !process.killed_at_end)
        .filter_map(|process| match &process.exit {
            Some(ProcessExit::Signal(signal)) if signal != "SIGTERM" => Some((
                pool_kind(process),
                KilledWorker {
                    process: named(process),
                    signal: signal.clone(),
                },
            )),
            _ => None,
        })
        .collect();
    [PoolKind::Pool, PoolKind::Executor, PoolKind::Unknown]
        .into_iter()
        .filter_map(|pool| {
            let workers: Vec<KilledWorker> = killed
                .iter()
                .filter(|(kind, _)| *kind == pool)
                .map(|(_, worker)| worker.clone())
                .collect();
            (!workers.is_empty()).then_some(XrayFinding::PoolWorkerKilled {
                pool,
                workers,
                timed_out: xray.timed_out,
            })
        })
        .collect()
}

/// An error's first line, at most [`ERROR_CHARS`] long.
fn first_line(error: &str) -> String {
    let line = error
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let line = line.trim();
    if line.chars().count() > ERROR_CHARS {
        let cut: String = line.chars().take(ERROR_CHARS).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

pub(super) fn worker_exceptions(xray: &Xray) -> Option<XrayFinding> {
    let main = xray.main().map(|main| main.pid);
    let mut errors: Vec<WorkerError> = Vec::new();
    for task in xray.tasks.iter().filter(|task| !task.ok) {
        let error = first_line(task.error.as_deref().unwrap_or("an exception"));
        let same = errors.iter_mut().find(|seen| {
            seen.process.pid == task.pid
                && seen.function.as_deref() == Some(task.function.as_str())
                && seen.error == error
        });
        match same {
            Some(seen) => seen.times += 1,
            None => errors.push(WorkerError {
                process: xray.process(task.pid).map_or(
                    Named {
                        pid: task.pid,
                        name: "a worker".into(),
                    },
                    named,
                ),
                function: Some(task.function.clone()),
                error,
                times: 1,
                exit: None,
            }),
        }
    }
    for process in &xray.processes {
        if let Some(error) = process
            .exception
            .as_deref()
            .filter(|_| Some(process.pid) != main)
        {
            errors.push(WorkerError {
                process: named(process),
                function: None,
                error: first_line(error),
                times: 1,
                exit: process.exit.clone(),
            });
        }
    }
    (!errors.is_empty()).then_some(XrayFinding::WorkerExceptions { errors })
}
