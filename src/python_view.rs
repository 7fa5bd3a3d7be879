//! Showing a Python example as it runs: its code on the left (it *is* the
//! explanation of what the processes on the right are doing), every line
//! it prints on the right tagged with its time and the pid that printed it,
//! then how it ended, whether its output passed the step's checks, and how
//! the lesson's speed claim fared on this machine. Or, for scripts, the
//! same run as JSON lines: the engine's events, then the checked outcome.
//!
//! The REPL (`python`, `try`), `mptutor python` and `mptutor check` run
//! examples; the first two show them through this module, and so does
//! `mptutor trace`, which runs any program and ends with its X-ray instead
//! of checks.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::course::{CodeBlock, Lesson, OutputCheck, PythonExample};
use crate::engine::EngineError;
use crate::json::{Failure, JsonLines, Message, XrayRun};
use crate::live_view::{self, LiveView};
use crate::python::{
    CheckedRun, PythonError, PythonOutcome, PythonProgram, chosen_interpreter, find_python3,
    run_program,
};
use crate::render::{self, CheckResult, LiveColumns, RenderOptions};
use crate::replay::{Pace, Recording, Replayer};
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
    /// The step holding the checks, as the student names it: `q1 step 2,
    /// "Counting primes"` (empty when there are none).
    pub checks_step: String,
    pub timeout: Duration,
    /// The interpreter to run it with (`python=`, `--python`); `None`:
    /// the first `python3` on `PATH`.
    pub interpreter: Option<PathBuf>,
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
            checks_step: step_name(lesson, example.step),
            timeout,
            interpreter: None,
        }
    }

    /// The interpreter to run it with, checked before anything starts.
    pub fn interpreter(&self) -> Result<PathBuf, PythonError> {
        match &self.interpreter {
            Some(chosen) => chosen_interpreter(chosen),
            None => find_python3(),
        }
    }

    /// The run held against the request's checks.
    fn checked(&self, outcome: crate::python::PythonOutcome) -> CheckedRun {
        CheckedRun::new(outcome, &self.checks, &self.checks_file)
    }
}

/// `q1 step 2, "Counting primes"`: a step as a student finds it.
pub fn step_name(lesson: &Lesson, step: usize) -> String {
    match lesson.steps.get(step) {
        Some(shown) => format!("{} step {}, \"{}\"", lesson.id, step + 1, shown.title),
        None => format!("{} step {}", lesson.id, step + 1),
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
/// `out`, then shows how it ended, its checks and its X-ray. When there is
/// no `python3`, nothing is shown and the error says how to install it.
pub fn run_python_live(
    request: &PythonRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Pace>,
) -> Result<CheckedRun, PythonError> {
    run_shown(request, out, options, pace, |outcome, options| {
        let run = request.checked(outcome);
        let closing = python_closing(request, &run, options);
        (run, closing)
    })
}

/// How a run ended and fared against its checks, then its X-ray when the
/// X-ray saw any process.
fn python_closing(request: &PythonRequest, run: &CheckedRun, options: &RenderOptions) -> String {
    let results: Vec<CheckResult<'_>> = request
        .checks
        .iter()
        .zip(&run.checks)
        .map(|(check, report)| CheckResult { check, report })
        .collect();
    let mut closing =
        render::render_python_outcome(&run.outcome, &results, &request.checks_step, options);
    if !run.outcome.xray.processes.is_empty() {
        closing.push_str("\n\n");
        closing.push_str(&render::render_xray_with_findings(&run.outcome, options));
    }
    closing
}

/// `mptutor trace`: the request's program live on `out`, then how it
/// ended, its X-ray and the X-ray's findings.
pub fn run_trace_live(
    request: &PythonRequest,
    out: &mut dyn Write,
    options: RenderOptions,
) -> Result<PythonOutcome, PythonError> {
    run_shown(request, out, options, None, |outcome, options| {
        let closing = render::render_trace_outcome(&outcome, options);
        (outcome, closing)
    })
}

/// The live view of one run: the program's code beside its output as it
/// prints, then what `close` makes of the outcome at the terminal's width
/// by then (it may have been resized meanwhile), or why the run failed.
fn run_shown<T>(
    request: &PythonRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Pace>,
    close: impl FnOnce(PythonOutcome, &RenderOptions) -> (T, String),
) -> Result<T, PythonError> {
    let interpreter = request.interpreter()?;
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
    let Some(pace) = pace else {
        let mut view = LiveView::start_rendered(out, &explanation, options).with_xray_panel(true);
        let outcome = run_program(&interpreter, &request.program, request.timeout, &mut view);
        // The terminal may have been resized while it ran.
        let options = view.options();
        let (outcome, closing) = closing_of(outcome, close, &options);
        view.finish_with(&closing);
        return outcome;
    };
    // Paced: the program runs at full speed, recorded, then is replayed
    // (see `crate::replay`); its X-ray is drawn at the end, not live.
    live_view::say(out, &Replayer::recording_line(pace), &options);
    let mut recording = Recording::start();
    let outcome = run_program(
        &interpreter,
        &request.program,
        request.timeout,
        &mut recording,
    );
    recording.finish();
    let stopped = matches!(outcome, Err(PythonError::Engine(EngineError::Interrupted)));
    let replayer = Replayer::after_run(pace, stopped);
    live_view::say(out, &replayer.header(&recording), &options);
    let (outcome, replayed) = {
        let mut view = LiveView::start_rendered(&mut *out, &explanation, options);
        let replayed = replayer.play(&recording, &mut view);
        let options = view.options();
        let (outcome, closing) = closing_of(outcome, close, &options);
        view.finish_with(&closing);
        (outcome, replayed)
    };
    if let Some(summary) = replayed.summary() {
        live_view::say(out, &summary, &options);
    }
    outcome
}

/// What `close` makes of a run's outcome, or why it failed, to show under
/// it.
fn closing_of<T>(
    outcome: Result<PythonOutcome, PythonError>,
    close: impl FnOnce(PythonOutcome, &RenderOptions) -> (T, String),
    options: &RenderOptions,
) -> (Result<T, PythonError>, String) {
    match outcome {
        Ok(outcome) => {
            let (kept, closing) = close(outcome, options);
            (Ok(kept), closing)
        }
        Err(PythonError::Engine(EngineError::Interrupted)) => (
            Err(PythonError::Engine(EngineError::Interrupted)),
            render::render_markdown(
                "**Stopped** (Ctrl-C): python3 and every process it started were killed.",
                options,
            ),
        ),
        Err(error) => {
            let closing = render::render_markdown(&format!("**The run failed:** {error}"), options);
            (Err(error), closing)
        }
    }
}

/// Runs the request's program and prints the engine's events as JSON
/// lines, then the checked outcome (`"type":"python"`) or why the run
/// failed (`"type":"error"`). The outer `Err` is a failed write.
pub fn run_python_json(
    request: &PythonRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<CheckedRun, PythonError>> {
    let outcome = run_json_events(request, out).map(|outcome| request.checked(outcome));
    let message = match &outcome {
        Ok(run) => Message::Python(run.clone()),
        Err(error) => failure(error),
    };
    crate::json::write_line(out, message)?;
    Ok(outcome)
}

/// `mptutor trace --json`: the engine's events as JSON lines, then the
/// run's X-ray (`"type":"xray"`) or why the run failed (`"type":"error"`).
/// The outer `Err` is a failed write.
pub fn run_trace_json(
    request: &PythonRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<PythonOutcome, PythonError>> {
    let outcome = run_json_events(request, out);
    let message = match &outcome {
        Ok(outcome) => Message::Xray(XrayRun::of(outcome)),
        Err(error) => failure(error),
    };
    crate::json::write_line(out, message)?;
    Ok(outcome)
}

/// Runs the request with its events written to `out` as JSON lines.
fn run_json_events(
    request: &PythonRequest,
    out: &mut dyn Write,
) -> Result<PythonOutcome, PythonError> {
    let interpreter = request.interpreter()?;
    let mut sink = JsonLines::new(out);
    run_program(&interpreter, &request.program, request.timeout, &mut sink)
}

fn failure(error: &PythonError) -> Message {
    Message::Error(Failure {
        error: error.to_string(),
        interrupted: matches!(error, PythonError::Engine(EngineError::Interrupted)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ExitStatus, Load};
    use crate::xray::model::{Role, Xray, XrayProcess};

    fn finished_run(xray: Xray) -> CheckedRun {
        CheckedRun {
            outcome: PythonOutcome {
                status: ExitStatus::Code(0),
                exit_code: 0,
                stdout: vec!["hello".into()],
                processes: Vec::new(),
                timed_out: false,
                elapsed_us: 20_000,
                cpu_us: 15_000,
                load: Load {
                    wall_us: 20_000,
                    cores: 2,
                    machine_busy_us: None,
                    own_us: 15_000,
                },
                group: 10,
                xray,
            },
            checks: Vec::new(),
        }
    }

    #[test]
    fn a_run_shows_its_xray_under_its_summary_when_it_saw_processes() {
        let request = PythonRequest {
            program: PythonProgram::Source {
                code: "print('hello')".into(),
                file_name: "hello.py".into(),
            },
            title: "hello".into(),
            checks: Vec::new(),
            checks_file: String::new(),
            checks_step: String::new(),
            timeout: DEFAULT_TIMEOUT,
            interpreter: None,
        };
        let options = RenderOptions::plain(80);
        let empty = python_closing(&request, &finished_run(Xray::default()), &options);
        assert!(!empty.contains("X-ray"), "{empty}");
        let xray = Xray {
            processes: vec![XrayProcess {
                pid: 10,
                ppid: 9,
                name: "MainProcess".into(),
                role: Role::Main,
                start_method: None,
                python: true,
                start_us: 0,
                end_us: Some(20_000),
                reaped_us: Some(20_000),
                exit: Some(crate::xray::model::ProcessExit::Code(0)),
                cpu_us: 15_000,
                peak_rss_kb: 9_000,
                zombie_us: None,
                killed_at_end: false,
                exception: None,
            }],
            wall_us: 20_000,
            ..Xray::default()
        };
        let shown = python_closing(&request, &finished_run(xray), &options);
        let summary = shown.find("exited with code 0").unwrap_or(usize::MAX);
        let lanes = shown.find("MainProcess 10 main").unwrap_or(0);
        assert!(
            summary < lanes,
            "the X-ray comes under the summary:\n{shown}"
        );
    }
}
