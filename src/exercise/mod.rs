//! Judging one run of the student's program against an exercise's checks
//! (see [`crate::course::Exercise`]): one line per check, ✓, ✗ or ?, in
//! words a student reads without knowing regular expressions.
//!
//! [`judge`] is a pure function of the checks, the run (its output, exit
//! code, time and X-ray) and, for a speed check, the timed runs the
//! caller made ([`SpeedMeasure`]), so tests build runs by hand or generate
//! them and check that no line states what its figures contradict. Each
//! line names the figure it was judged on ("the most at once: 1"), and an
//! output line shows an example of a line that would pass (the
//! exercise's `examples`, or one made from the pattern by
//! [`example_line`]), never the pattern itself.
//!
//! What is counted, from the X-ray:
//! - **children**: every process the main program started, directly or
//!   through the forkserver, that is not one of `multiprocessing`'s own
//!   helpers (forkserver, resource tracker, manager), the same processes
//!   the X-ray's "most at once" counts. A program it runs with
//!   `subprocess` counts too: it is a process the program started and
//!   must wait for.
//! - **alive at once**: the X-ray summary's `max_concurrent_processes`.
//! - **pool workers**: processes other than the main one that ran at
//!   least one pool task (`Pool` or `ProcessPoolExecutor`).
//! - **threads**: every thread that is not its process's main thread,
//!   `multiprocessing`'s own (a `Pool`'s handler threads, a `Queue`'s
//!   feeder) included: the X-ray cannot tell them apart on every Python.
//! - **joined**: every process but the main one and the helpers, the
//!   grandchildren too, must have been reaped by its parent, none a
//!   zombie longer than the check allows, none killed by mptutor at the
//!   end.
//! - **left running**: processes mptutor killed at the end, the helpers
//!   aside (they end by themselves once the program has, and are often
//!   still there when it does).
//!
//! A run stopped at its timeout fails its time limit (a line of its own
//! even when the exercise sets none) and says so; what the timeout cut
//! short (its exit code, what it left running) is "couldn't tell".

mod behaviour;
mod output;
mod speed;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::course::ExerciseChecks;
use crate::findings::Unclear;
use crate::python::PythonOutcome;
use crate::xray::findings::summarize;

pub use crate::course::example_line;
pub use speed::{SHORTEST_TIMED_RUN_US, SpeedMeasure};

/// Which check a line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Output,
    Processes,
    AliveAtOnce,
    PoolWorkers,
    Threads,
    AllJoined,
    NothingLeftRunning,
    ExitCode,
    TimeLimit,
    Speed,
}

impl CheckKind {
    /// The check in a few words, for "could not be judged: the speed".
    pub fn words(self) -> &'static str {
        match self {
            CheckKind::Output => "the output",
            CheckKind::Processes => "the processes started",
            CheckKind::AliveAtOnce => "the processes alive at once",
            CheckKind::PoolWorkers => "the pool workers",
            CheckKind::Threads => "the threads",
            CheckKind::AllJoined => "the joins",
            CheckKind::NothingLeftRunning => "what was left running",
            CheckKind::ExitCode => "the exit code",
            CheckKind::TimeLimit => "the time",
            CheckKind::Speed => "the speed",
        }
    }
}

/// How a run fared on one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Not judged either way: the run could not show it (a busy machine,
    /// a timeout). Not a pass, and not a failure either.
    CouldntTell,
}

impl Status {
    /// `✓`, `✗` or `?`.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✓",
            Status::Fail => "✗",
            Status::CouldntTell => "?",
        }
    }
}

/// One check's verdict, in a sentence made from the figures it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckLine {
    pub check: CheckKind,
    pub status: Status,
    /// What was measured and, when it falls short, what the task asks.
    pub text: String,
    /// Why it could not be told, with the figures: set on a
    /// [`Status::CouldntTell`] line only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Unclear>,
}

impl CheckLine {
    fn new(check: CheckKind, status: Status, text: impl Into<String>) -> CheckLine {
        CheckLine {
            check,
            status,
            text: text.into(),
            why: None,
        }
    }

    fn of(check: CheckKind, holds: bool, text: impl Into<String>) -> CheckLine {
        let status = if holds { Status::Pass } else { Status::Fail };
        CheckLine::new(check, status, text)
    }

    fn unclear(check: CheckKind, why: Unclear, text: impl Into<String>) -> CheckLine {
        CheckLine {
            why: Some(why),
            ..CheckLine::new(check, Status::CouldntTell, text)
        }
    }
}

/// Every check's line, in the order the exercise format lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExerciseVerdict {
    pub lines: Vec<CheckLine>,
}

impl ExerciseVerdict {
    /// Every line passed: the exercise is done.
    pub fn passed(&self) -> bool {
        self.lines.iter().all(|line| line.status == Status::Pass)
    }

    /// Some line failed: the program is wrong, whatever the machine did.
    pub fn failed(&self) -> bool {
        self.failures() > 0
    }

    /// How many lines failed.
    pub fn failures(&self) -> usize {
        self.count(Status::Fail)
    }

    /// The lines that could not be told either way.
    pub fn unjudged(&self) -> impl Iterator<Item = &CheckLine> {
        self.lines
            .iter()
            .filter(|line| line.status == Status::CouldntTell)
    }

    fn count(&self, status: Status) -> usize {
        self.lines
            .iter()
            .filter(|line| line.status == status)
            .count()
    }
}

/// Judges `run` against `checks`. `speed` is what the caller measured for
/// the speed check (see [`SpeedMeasure`]); without it a speed check is
/// "couldn't tell", saying it was not timed.
pub fn judge(
    checks: &ExerciseChecks,
    run: &PythonOutcome,
    speed: Option<&SpeedMeasure>,
) -> ExerciseVerdict {
    let mut lines = Vec::new();
    if let Some(output) = &checks.output {
        lines.extend(output::lines(output, &checks.examples, &run.stdout));
    }
    // The most at once, as the X-ray's summary counts it (the load only
    // matters to its CPU findings, which are not read here).
    let at_once = summarize(&run.xray, &run.load).max_concurrent_processes;
    lines.extend(behaviour::lines(&checks.behaviour, run, at_once));
    let exit_code = checks
        .behaviour
        .exit_code
        .or(checks.output.as_ref().map(|output| output.exit_code));
    lines.extend(exit_code.map(|wanted| behaviour::exit_code(run, wanted)));
    lines.extend(behaviour::time_limit(checks.behaviour.time_limit_s, run));
    if let Some(check) = &checks.speed {
        lines.push(speed::line(check, speed));
    }
    ExerciseVerdict { lines }
}

/// `text` between backticks, as a student reads a line of output; cut
/// to 70 characters, and between quotes when it holds a backtick itself.
fn quoted(text: &str) -> String {
    const LONGEST: usize = 70;
    let mut shown: String = text.chars().take(LONGEST).collect();
    if text.chars().count() > LONGEST {
        shown.push('…');
    }
    if shown.contains('`') {
        format!("“{shown}”")
    } else {
        format!("`{shown}`")
    }
}
