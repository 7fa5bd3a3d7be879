//! Showing a Python example as it runs: its code on the left (it *is* the
//! explanation of what the processes on the right are doing), every line
//! it prints on the right tagged with its time and the pid that printed it,
//! then how it ended and whether its output passed the step's checks.
//!
//! Both the REPL (`python`, `try`) and `mptutor check` run examples; only
//! the REPL shows them live, through this module.

use std::io::Write;
use std::time::Duration;

use crate::course::{CodeBlock, OutputCheck};
use crate::engine::EngineError;
use crate::live_view::LiveView;
use crate::python::{PythonError, PythonOutcome, PythonProgram, find_python3, run_program};
use crate::render::{self, CheckResult, LiveColumns, RenderOptions};

/// Most a run may take before it is stopped, unless the student says.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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

/// A finished run and how it fared against its checks.
#[derive(Debug, Clone)]
pub struct CheckedRun {
    pub outcome: PythonOutcome,
    /// How many of the request's checks it failed.
    pub failed_checks: usize,
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
        PythonProgram::File(path) => std::fs::read_to_string(path)
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
    let outcome = run_program(&interpreter, &request.program, request.timeout, &mut view);
    let mut failed_checks = 0;
    let closing = match &outcome {
        Ok(outcome) => {
            let lines: Vec<&str> = outcome.stdout.iter().map(String::as_str).collect();
            let results: Vec<CheckResult<'_>> = request
                .checks
                .iter()
                .map(|check| CheckResult {
                    check,
                    file: &request.checks_file,
                    verdict: check.evaluate(&lines, outcome.exit_code),
                })
                .collect();
            failed_checks = results
                .iter()
                .filter(|result| !result.verdict.passed())
                .count();
            render::render_python_outcome(outcome, &results, &options)
        }
        Err(PythonError::Engine(EngineError::Interrupted)) => render::render_markdown(
            "**Stopped** (Ctrl-C): python3 and every process it started were killed.",
            &options,
        ),
        Err(error) => render::render_markdown(&format!("**The run failed:** {error}"), &options),
    };
    view.finish_with(&closing);
    outcome.map(|outcome| CheckedRun {
        outcome,
        failed_checks,
    })
}
