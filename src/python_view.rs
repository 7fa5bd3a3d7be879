//! Showing a Python example as it runs: its code on the left (it *is* the
//! explanation of what the processes on the right are doing), every line
//! it prints on the right tagged with its time and the pid that printed it,
//! then how it ended, whether its output passed the step's checks, and how
//! the lesson's speed claim fared on this machine. Or, for scripts, the
//! same run as JSON lines: the engine's events, then the checked outcome.
//!
//! The REPL (`python`, `try`), `mptutor python` and `mptutor check` run
//! examples; the first two show them through this module.

use std::io::Write;
use std::time::Duration;

use crate::course::{CodeBlock, Lesson, OutputCheck, PythonExample};
use crate::engine::EngineError;
use crate::json::{Failure, JsonLines, Message};
use crate::live_view::LiveView;
use crate::python::{CheckedRun, PythonError, PythonProgram, find_python3, run_program};
use crate::render::{self, CheckResult, LiveColumns, RenderOptions};
use crate::user_file::{self, SizeCap};

/// Most a run may take before it is stopped, unless the student says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of a student's program read to show beside its output; a
/// lesson's examples are a few KiB.
const PROGRAM_CAP: SizeCap = SizeCap {
    bytes: 4 * 1024 * 1024,
    of: "a program to run",
};

/// A Python program to run, as the REPL asks for it.
#[derive(Debug, Clone)]
pub struct PythonRequest {
    pub program: PythonProgram,
    /// What is being run, shown over the code: `q6 step 1 · example`.
    pub title: String,
    /// The check blocks its output must pass.
    pub checks: Vec<OutputCheck>,
    /// The lesson file holding the checks, for `path:line` in verdicts.
    pub checks_file: String,
    pub timeout: Duration,
}

impl PythonRequest {
    /// The lesson's own example, as written.
    pub fn for_example(
        lesson: &Lesson,
        example: &PythonExample<'_>,
        timeout: Duration,
    ) -> PythonRequest {
        PythonRequest {
            program: PythonProgram::Source {
                code: example.code.code.clone(),
                file_name: example_file_name(&lesson.id, example),
            },
            title: format!(
                "{} step {} · the lesson's example",
                lesson.id,
                example.step + 1
            ),
            checks: example
                .checks
                .iter()
                .map(|check| (*check).clone())
                .collect(),
            checks_file: lesson.path.clone(),
            timeout,
        }
    }

    /// The run held against the request's checks.
    fn checked(&self, outcome: crate::python::PythonOutcome) -> CheckedRun {
        CheckedRun::new(outcome, &self.checks, &self.checks_file)
    }
}

/// `q6_step1.py`: a valid module name, as `spawn` children import the
/// main module again by its path.
pub fn example_file_name(lesson: &str, example: &PythonExample<'_>) -> String {
    let lesson: String = lesson
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{lesson}_step{}.py", example.step + 1)
}

/// Runs the request's program with the student's `python3`, live on
/// `out`. When there is no `python3`, nothing is shown and the error says
/// how to install it.
pub fn run_python_live(
    request: &PythonRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Duration>,
) -> Result<CheckedRun, PythonError> {
    let interpreter = find_python3()?;
    let code = match &request.program {
        PythonProgram::Source { code, .. } => code.clone(),
        PythonProgram::File { path, .. } => user_file::read_regular(path, PROGRAM_CAP)
            .map_err(PythonError::io(format!("read {}", path.display())))?,
    };
    let code = CodeBlock {
        lang: "python".to_string(),
        code,
        line: 1,
    };
    let explanation = render::render_code_titled(
        &request.title,
        &code,
        &RenderOptions {
            width: LiveColumns::explanation_width(&options),
            ..options
        },
    );
    let mut view = LiveView::start_rendered(out, &explanation, options).with_pace(pace);
    let outcome = run_program(&interpreter, &request.program, request.timeout, &mut view)
        .map(|outcome| request.checked(outcome));
    let closing = match &outcome {
        Ok(run) => {
            let results: Vec<CheckResult<'_>> = request
                .checks
                .iter()
                .zip(&run.checks)
                .map(|(check, report)| CheckResult { check, report })
                .collect();
            render::render_python_outcome(&run.outcome, &results, &options)
        }
        Err(PythonError::Engine(EngineError::Interrupted)) => render::render_markdown(
            "**Stopped** (Ctrl-C): python3 and every process it started were killed.",
            &options,
        ),
        Err(error) => render::render_markdown(&format!("**The run failed:** {error}"), &options),
    };
    view.finish_with(&closing);
    outcome
}

/// Runs the request's program and prints the engine's events as JSON
/// lines, then the checked outcome (`"type":"python"`) or why the run
/// failed (`"type":"error"`). The outer `Err` is a failed write.
pub fn run_python_json(
    request: &PythonRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<CheckedRun, PythonError>> {
    let outcome = find_python3().and_then(|interpreter| {
        let mut sink = JsonLines::new(out);
        run_program(&interpreter, &request.program, request.timeout, &mut sink)
    });
    let outcome = outcome.map(|outcome| request.checked(outcome));
    let message = match &outcome {
        Ok(run) => Message::Python(run.clone()),
        Err(error) => Message::Error(Failure {
            error: error.to_string(),
            interrupted: matches!(error, PythonError::Engine(EngineError::Interrupted)),
        }),
    };
    crate::json::write_line(out, message)?;
    Ok(outcome)
}
