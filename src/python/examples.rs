//! `mptutor check` runs every Python example that has check blocks and
//! reports each failed check at the check block, as `path:line:col`, so a
//! teacher knows before class that every example does what its lesson says.
//! A speed claim contradicted on a quiet machine fails too; one the machine
//! could not show ("couldn't tell") is reported with its reason, and does
//! not fail: a busy machine says nothing about the example.
//!
//! A course may come from anywhere, so its code runs fenced in: each
//! example in a fresh temporary folder of its own as its working folder
//! (deleted afterwards), with the same timeout as `python`, at most
//! [`CHECK_MEMORY_LIMIT`] of address space for the interpreter and every
//! process it starts, and through the run's keeper, so nothing it started
//! outlives its run. An example that reaches its timeout or runs out of
//! memory fails, saying so.
//!
//! An example runs under its interpreter's default start method, or under
//! the one asked for ([`ExampleSetting::method`]), set the way an
//! exercise's is (see [`super::exercises`]): the program is not changed,
//! and one that picks its own method with `get_context` or
//! `set_start_method` still gets it. Each problem then says which method
//! and which interpreter it was found under, so that one course can be
//! checked with several Pythons and every start method in one go.

use std::path::Path;
use std::time::Duration;

use super::checked::CheckedRun;
use super::run::{PythonProgram, RunLimits, run_limited};
use super::speed::SpeedFinding;
use crate::course::{Course, Diagnostic, PythonExample};
use crate::engine::{Event, Recorder, Stream};
use crate::findings::Verdict;

/// How the examples are run: with which interpreter, under which start
/// method, and how their problems name the two.
#[derive(Debug, Clone, Copy)]
pub struct ExampleSetting<'a> {
    pub interpreter: &'a Path,
    /// `fork`, `spawn` or `forkserver`; `None`: the interpreter's default.
    pub method: Option<&'static str>,
    /// How problems name the interpreter (`Python 3.12.1 (/usr/bin/python3)`);
    /// `None`: not at all, when the course is checked with one Python.
    pub named: Option<&'a str>,
}

impl ExampleSetting<'_> {
    /// Said before each problem found in this setting: `under spawn: `,
    /// `with Python 3.12.1 (…): `, `under spawn with Python 3.12.1 (…): `,
    /// or nothing.
    pub fn prefix(&self) -> String {
        match (self.method, self.named) {
            (None, None) => String::new(),
            (Some(method), None) => format!("under {method}: "),
            (None, Some(named)) => format!("with {named}: "),
            (Some(method), Some(named)) => format!("under {method} with {named}: "),
        }
    }
}

/// What running one example found.
#[derive(Debug, Clone)]
pub struct ExampleReport {
    /// `lessons/q6.md:14`: the example's fence.
    pub place: String,
    pub elapsed_us: u64,
    /// One per failed check or contradicted speed claim (or one saying
    /// the example could not run).
    pub problems: Vec<Diagnostic>,
    /// Each speed claim of its checks, judged, whatever the verdict.
    pub speed: Vec<SpeedFinding>,
}

/// The address space each example of `mptutor check` may use, with all
/// the processes it starts: 2 GiB. A multiprocessing example with a pool
/// under any start method uses a few hundred MiB at most; an example that
/// asks for more is stopped with a `MemoryError` instead of taking the
/// machine's memory.
pub const CHECK_MEMORY_LIMIT: u64 = 2 << 30;

/// How many examples of `course` [`check_examples`] runs: those with checks.
pub fn examples_to_run(course: &Course) -> usize {
    course
        .lessons
        .iter()
        .flat_map(|lesson| lesson.python_examples())
        .filter(|example| !example.checks.is_empty())
        .count()
}

/// Runs each example of `course` that has checks as `setting` says,
/// one after another, calling `done` as each finishes.
pub fn check_examples(
    course: &Course,
    setting: &ExampleSetting<'_>,
    timeout: Duration,
    done: &mut dyn FnMut(&ExampleReport),
) -> Vec<ExampleReport> {
    let mut reports = Vec::new();
    for lesson in &course.lessons {
        for example in lesson
            .python_examples()
            .into_iter()
            .filter(|example| !example.checks.is_empty())
        {
            let report = check_one(&lesson.path, &lesson.id, &example, setting, timeout);
            done(&report);
            reports.push(report);
        }
    }
    reports
}

fn check_one(
    path: &str,
    lesson: &str,
    example: &PythonExample<'_>,
    setting: &ExampleSetting<'_>,
    timeout: Duration,
) -> ExampleReport {
    let file_name = format!("{lesson}_line{}", example.code.line).replace('-', "_");
    let prefix = setting.prefix();
    let at = |line: usize, quoted: &str, message: String| Diagnostic {
        path: path.to_string(),
        position: Some((line, 1)),
        message: format!("{prefix}{message}"),
        source_line: Some(quoted.to_string()),
    };
    let place = format!("{path}:{}", example.code.line);
    let mut sink = Recorder::default();
    let limits = RunLimits {
        timeout,
        memory_limit: Some(CHECK_MEMORY_LIMIT),
        scratch_folder: true,
    };
    let ran = match setting.method {
        None => run_limited(
            setting.interpreter,
            &PythonProgram::Source {
                code: example.code.code.clone(),
                file_name: format!("{file_name}.py"),
            },
            limits,
            &mut sink,
        ),
        Some(method) => super::exercises::run_under_method(
            setting.interpreter,
            &example.code.code,
            &file_name,
            method,
            limits,
            &mut sink,
        ),
    };
    let outcome = match ran {
        Ok(outcome) => outcome,
        Err(error) => {
            return ExampleReport {
                place,
                elapsed_us: 0,
                problems: vec![at(
                    example.code.line,
                    "```python",
                    format!("the example could not be run: {error}"),
                )],
                speed: Vec::new(),
            };
        }
    };
    let run = CheckedRun::new(outcome, example.checks.iter().copied(), path);
    let mut problems = Vec::new();
    let example_at = |what: String| {
        at(
            example.code.line,
            "```python",
            format!("the example at line {} {what}", example.code.line),
        )
    };
    if run.outcome.timed_out {
        problems.push(example_at(format!(
            "did not finish within its timeout of {} s and was stopped with everything it \
             started; make it finish sooner, or give it longer with `mptutor check --timeout S`",
            timeout.as_secs()
        )));
    }
    if ran_out_of_memory(&sink) {
        problems.push(example_at(format!(
            "ran out of memory: mptutor check gives each example, with every process it \
             starts, {} GiB of address space",
            CHECK_MEMORY_LIMIT >> 30
        )));
    }
    let mut speed = Vec::new();
    for report in &run.checks {
        let fails = |what: String| {
            at(
                report.line,
                "```check",
                format!("the example at line {} {what}", example.code.line),
            )
        };
        for problem in &report.verdict.problems {
            problems.push(fails(format!("fails this check: {problem}")));
        }
        if let Some(found) = &report.speed {
            if found.verdict() == Some(&Verdict::Contradicted) {
                problems.push(fails(format!(
                    "contradicts this check's speed claim: {}",
                    found.finding.text
                )));
            }
            speed.push(found.clone());
        }
    }
    ExampleReport {
        place,
        elapsed_us: run.outcome.elapsed_us,
        problems,
        speed,
    }
}

/// Python said it could not get memory (`MemoryError`, or ENOMEM from the
/// system), on stderr.
pub(super) fn ran_out_of_memory(recorded: &Recorder) -> bool {
    recorded.events.iter().any(|event| {
        matches!(event, Event::Line { stream: Stream::Stderr, text, .. }
            if text.contains("MemoryError") || text.contains("Cannot allocate memory"))
    })
}
