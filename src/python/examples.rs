//! `mptutor check` runs every Python example that has check blocks and
//! reports each failed check at the check block, as `path:line:col`, so a
//! teacher knows before class that every example does what its lesson says.

use std::path::Path;
use std::time::Duration;

use super::run::{PythonProgram, run_program};
use crate::course::{Course, Diagnostic, PythonExample};
use crate::engine::Recorder;

/// What running one example found.
#[derive(Debug, Clone)]
pub struct ExampleReport {
    /// `lessons/q6.md:14`: the example's fence.
    pub place: String,
    pub elapsed_us: u64,
    /// One per failed check (or one saying the example could not run).
    pub problems: Vec<Diagnostic>,
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
            };
        }
    };
    let lines: Vec<&str> = outcome.stdout.iter().map(String::as_str).collect();
    let problems = example
        .checks
        .iter()
        .flat_map(|check| {
            let verdict = check.evaluate(&lines, outcome.exit_code);
            verdict
                .problems
                .into_iter()
                .map(|problem| {
                    at(
                        check.line,
                        "```check",
                        format!(
                            "the example at line {} fails this check: {problem}",
                            example.code.line
                        ),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    ExampleReport {
        place,
        elapsed_us: outcome.elapsed_us,
        problems,
    }
}
