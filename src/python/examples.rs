//! `mptutor check` runs every Python example that has check blocks and
//! reports each failed check at the check block, as `path:line:col`, so a
//! teacher knows before class that every example does what its lesson says.
//! A speed claim contradicted on a quiet machine fails too; one the machine
//! could not show ("couldn't tell") is reported with its reason, and does
//! not fail: a busy machine says nothing about the example.

use std::path::Path;
use std::time::Duration;

use super::checked::CheckedRun;
use super::run::{PythonProgram, run_program};
use super::speed::SpeedFinding;
use crate::course::{Course, Diagnostic, PythonExample};
use crate::engine::Recorder;
use crate::findings::Verdict;

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

/// Runs each example of `course` that has checks with `interpreter`,
/// one after another, calling `done` as each finishes.
pub fn check_examples(
    course: &Course,
    interpreter: &Path,
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
            let report = check_one(&lesson.path, &lesson.id, &example, interpreter, timeout);
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
    interpreter: &Path,
    timeout: Duration,
) -> ExampleReport {
    let program = PythonProgram::Source {
        code: example.code.code.clone(),
        file_name: format!("{lesson}_line{}.py", example.code.line).replace('-', "_"),
    };
    let at = |line: usize, quoted: &str, message: String| Diagnostic {
        path: path.to_string(),
        position: Some((line, 1)),
        message,
        source_line: Some(quoted.to_string()),
    };
    let place = format!("{path}:{}", example.code.line);
    let mut sink = Recorder::default();
    let outcome = match run_program(interpreter, &program, timeout, &mut sink) {
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
