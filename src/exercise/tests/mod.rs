//! Judging hand-built runs of each shape an exercise asks about, and
//! generated runs whose lines must follow from their figures.

mod cases;
mod properties;
mod speed;

use super::*;
use crate::course::{BehaviourChecks, CountRule, OutputCheck, whole_line};
use crate::engine::{ExitStatus, Load};
use crate::xray::model::{ProcessExit, Role, Xray, XrayProcess, XrayTask, XrayThread};

pub(super) const MAIN: i32 = 100;

/// A process that ran from `start` to `end` and was reaped at once.
pub(super) fn process(
    pid: i32,
    name: &str,
    role: Role,
    start: u64,
    end: Option<u64>,
) -> XrayProcess {
    XrayProcess {
        pid,
        ppid: MAIN,
        name: name.into(),
        role,
        start_method: Some("fork".into()),
        python: true,
        start_us: start,
        end_us: end,
        reaped_us: end,
        exit: end.map(|_| ProcessExit::Code(0)),
        cpu_us: 0,
        peak_rss_kb: 10_000,
        zombie_us: end.map(|_| 0),
        killed_at_end: false,
        exception: None,
    }
}

pub(super) fn child(n: i32, start: u64, end: u64) -> XrayProcess {
    process(
        MAIN + n,
        &format!("Process-{n}"),
        Role::Process,
        start,
        Some(end),
    )
}

pub(super) fn xray(wall: u64, children: Vec<XrayProcess>) -> Xray {
    let mut processes = vec![XrayProcess {
        ppid: 1,
        start_method: None,
        ..process(MAIN, "MainProcess", Role::Main, 0, Some(wall))
    }];
    processes.extend(children);
    Xray {
        processes,
        wall_us: wall,
        samples_per_s: 100.0,
        ..Xray::default()
    }
}

/// A run that exited with `code`, printed `stdout` and showed `xray`.
pub(super) fn run(code: i32, stdout: &[&str], xray: Xray) -> PythonOutcome {
    let wall_us = xray.wall_us;
    PythonOutcome {
        status: ExitStatus::Code(code),
        exit_code: code,
        stdout: stdout.iter().map(|line| line.to_string()).collect(),
        processes: Vec::new(),
        timed_out: xray.timed_out,
        elapsed_us: wall_us,
        cpu_us: 0,
        load: Load {
            wall_us,
            cores: 2,
            machine_busy_us: Some(0),
            own_us: 0,
        },
        group: MAIN,
        xray,
    }
}

pub(super) fn at_least(n: u32) -> Option<CountRule> {
    Some(CountRule {
        at_least: Some(n),
        ..CountRule::default()
    })
}

pub(super) fn exactly(n: u32) -> Option<CountRule> {
    Some(CountRule {
        exactly: Some(n),
        ..CountRule::default()
    })
}

pub(super) fn behaviour(checks: BehaviourChecks) -> ExerciseChecks {
    ExerciseChecks {
        behaviour: checks,
        ..ExerciseChecks::default()
    }
}

/// q6's output check: four numbers, each once, in any order.
pub(super) fn four_numbers() -> OutputCheck {
    OutputCheck {
        each_once: ["10", "20", "30", "40"]
            .iter()
            .map(|n| whole_line(&format!(r"Process-\d+ prints {n}")).expect("pattern"))
            .collect(),
        matching: None,
        in_order: Vec::new(),
        last_line: None,
        line_count: Some(4),
        exit_code: 0,
        speedup: None,
        line: 1,
    }
}

pub(super) fn thread(pid: i32, tid: i32) -> XrayThread {
    XrayThread {
        pid,
        tid,
        name: if tid == pid {
            "MainThread".into()
        } else {
            format!("Thread-{} (work)", tid - pid)
        },
        start_us: 1_000,
        end_us: Some(50_000),
        cpu_us: 1_000,
    }
}

pub(super) fn task(pid: i32) -> XrayTask {
    XrayTask {
        pid,
        function: "square".into(),
        items: 3,
        start_us: 10_000,
        end_us: 11_000,
        ok: true,
        error: None,
    }
}

/// The line of `kind`, which the verdict must have.
pub(super) fn line_of(verdict: &ExerciseVerdict, kind: CheckKind) -> &CheckLine {
    verdict
        .lines
        .iter()
        .find(|line| line.check == kind)
        .unwrap_or_else(|| panic!("no {kind:?} line in {verdict:#?}"))
}
