//! The X-ray's findings and `--json` result: hand-built runs of each
//! shape a lesson shows, and generated runs whose findings must follow
//! from their figures.

mod examples;
mod json;
mod properties;

use super::finding::XrayFinding;
use super::findings::XraySummary;
use super::model::{CpuSeries, ProcessExit, Role, Xray, XrayProcess, XrayThread};
use crate::engine::Load;

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

pub(super) fn main_process(wall: u64) -> XrayProcess {
    XrayProcess {
        ppid: 1,
        start_method: None,
        ..process(MAIN, "MainProcess", Role::Main, 0, Some(wall))
    }
}

pub(super) fn child(pid: i32, start: u64, end: u64) -> XrayProcess {
    process(
        pid,
        &format!("Process-{}", pid - MAIN),
        Role::Process,
        start,
        Some(end),
    )
}

pub(super) fn xray(wall: u64, children: Vec<XrayProcess>) -> Xray {
    let mut processes = vec![main_process(wall)];
    processes.extend(children);
    Xray {
        processes,
        wall_us: wall,
        samples_per_s: 100.0,
        ..Xray::default()
    }
}

pub(super) fn thread(pid: i32, tid: i32, start: u64, end: u64, cpu_us: u64) -> XrayThread {
    XrayThread {
        pid,
        tid,
        name: format!("Thread-{} (work)", tid - pid),
        start_us: start,
        end_us: Some(end),
        cpu_us,
    }
}

/// Samples every 20 ms of a thread that used CPU at an even pace.
pub(super) fn even_samples(thread: &XrayThread) -> CpuSeries {
    let end = thread.end_us.unwrap_or(thread.start_us);
    let life = end.saturating_sub(thread.start_us).max(1);
    let points = (thread.start_us..=end)
        .step_by(20_000)
        .map(|t| (t, thread.cpu_us * (t - thread.start_us) / life))
        .chain([(end, thread.cpu_us)])
        .collect();
    CpuSeries {
        pid: thread.pid,
        tid: thread.tid,
        points,
    }
}

/// A 2-core machine on which others used `others` cores over `wall_us`.
pub(super) fn load(cores: usize, others: f64) -> Load {
    let wall_us = 2_000_000;
    let own_us = 1_000_000;
    Load {
        wall_us,
        cores,
        machine_busy_us: Some(own_us + (others * wall_us as f64) as u64),
        own_us,
    }
}

pub(super) fn quiet() -> Load {
    load(2, 0.05)
}

pub(super) fn busy() -> Load {
    load(2, 1.1)
}

/// The findings of one kind.
pub(super) fn of_kind<'s>(summary: &'s XraySummary, kind: &str) -> Vec<&'s XrayFinding> {
    summary
        .findings
        .iter()
        .filter(|finding| finding.kind() == kind)
        .collect()
}

/// The one finding of `kind`'s text.
pub(super) fn text_of(summary: &XraySummary, kind: &str) -> String {
    let found = of_kind(summary, kind);
    assert_eq!(
        found.len(),
        1,
        "one {kind} finding in {:#?}",
        summary.findings
    );
    found[0].text()
}
