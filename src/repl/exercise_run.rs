//! Running the student's program for an exercise, as the front end does
//! it: live with its X-ray, then timed against the baseline when the
//! exercise has a speed check, then judged, one line per check; and
//! `watch`, which does that again each time the file is saved.

use std::io::{self, IsTerminal, Write};
use std::os::fd::AsFd;
use std::time::Duration;

use super::effects::Notice;
use super::reply::ExerciseRequest;
use super::session::ExerciseRan;
use crate::engine::sys::watch::{FileWatch, Woke};
use crate::python::PythonError;
use crate::render::{self, RenderOptions};

/// How often a `watch` looks whether Ctrl-C was pressed.
const WATCH_SLICE: Duration = Duration::from_millis(200);

/// A save is often several writes in a row (a write, then a mode change):
/// they are let settle this long before the run.
const SETTLE: Duration = Duration::from_millis(80);

/// Runs and checks `request` once, or, for `watch`, until it passes or the
/// student stops. `ran` records each checked run and says what next.
pub fn carry_out_exercise(
    request: &ExerciseRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    ran: &mut dyn FnMut(&ExerciseRan) -> String,
) -> io::Result<Vec<Notice>> {
    let interactive = io::stdin().is_terminal();
    if !request.watch || !interactive {
        let mut notices = Vec::new();
        if request.watch {
            notices.push(Notice::info(render::render_markdown(
                "`watch` waits for saves only at a terminal: it ran your program once.",
                &options,
            )));
        }
        notices.extend(run_once(request, out, options, ran)?.1);
        return Ok(notices);
    }
    let watch = match FileWatch::new(&request.file) {
        Ok(watch) => watch,
        Err(error) => {
            return Ok(vec![Notice::error(format!(
                "cannot watch {} for saves: {error}",
                request.file.display()
            ))]);
        }
    };
    let _interrupts = crate::engine::interrupt::InterruptGuard::install();
    loop {
        clear_screen();
        let (passed, notices) = run_once(request, out, options, ran)?;
        if passed {
            return Ok(notices);
        }
        for notice in &notices {
            if !notice.already_shown {
                writeln!(out, "{}\n", notice.text)?;
            }
        }
        writeln!(
            out,
            "{}",
            render::render_markdown(
                &format!(
                    "Watching `{}`: save it to run it again; Enter or Ctrl-C stops.",
                    request.file.display()
                ),
                &options
            )
        )?;
        out.flush()?;
        match wait_for_save(&watch)? {
            true => std::thread::sleep(SETTLE),
            false => return Ok(Vec::new()),
        }
        // The writes of the same save.
        let _ = watch.saved();
    }
}

/// Waits for a save (true), or for Enter or Ctrl-C (false).
fn wait_for_save(watch: &FileWatch) -> io::Result<bool> {
    let stdin = io::stdin();
    loop {
        if crate::engine::interrupt::requested() {
            crate::engine::interrupt::clear();
            return Ok(false);
        }
        match watch.wait(Some(stdin.as_fd()), WATCH_SLICE) {
            Woke::Saved => return Ok(true),
            Woke::Input => {
                let mut line = String::new();
                stdin.read_line(&mut line)?;
                return Ok(false);
            }
            Woke::Nothing => {}
        }
    }
}

/// A clean screen for the next run, when stderr is the terminal: drawn on
/// the terminal itself, as the progress bar is, since mptutor's output
/// passes on no escape sequence but colour.
fn clear_screen() {
    let term = console::Term::stderr();
    if term.is_term() {
        let _ = term.clear_screen();
    }
}

/// One run, live, then its verdict: whether it passed, and the notices.
fn run_once(
    request: &ExerciseRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    ran: &mut dyn FnMut(&ExerciseRan) -> String,
) -> io::Result<(bool, Vec<Notice>)> {
    let outcome = match crate::python_view::run_trace_live(&request.python, out, options) {
        Ok(outcome) => outcome,
        Err(
            error @ (PythonError::NotFound
            | PythonError::NotAnInterpreter { .. }
            | PythonError::Io { .. }
            | PythonError::NulByte),
        ) => {
            return Ok((
                false,
                vec![Notice::error(render::render_markdown(
                    &error.to_string(),
                    &options,
                ))],
            ));
        }
        Err(error) => {
            writeln!(out)?;
            return Ok((false, vec![Notice::shown_error(error.to_string())]));
        }
    };
    writeln!(out)?;
    let mut notices = Vec::new();
    let speed = match &request.exercise.checks.speed {
        Some(speed) => match request.python.interpreter() {
            Ok(interpreter) => {
                writeln!(
                    out,
                    "{}",
                    render::render_markdown(
                        &format!(
                            "Timing your program against {}, {} runs each, taking turns…",
                            match speed.against {
                                crate::course::SpeedBaseline::Starter => "the starter program",
                                crate::course::SpeedBaseline::Serial(_) => "the serial version",
                            },
                            crate::python::timed::ROUNDS
                        ),
                        &options
                    )
                )?;
                out.flush()?;
                let timed = crate::python::timed::time_against(
                    &interpreter,
                    &request.python.program,
                    speed.baseline(&request.exercise.starter),
                    request.python.timeout,
                );
                if let Some(why) = &timed.stopped {
                    notices.push(Notice::info(render::render_markdown(
                        &format!("The timing stopped early: {why}."),
                        &options,
                    )));
                }
                Some(crate::exercise::SpeedMeasure {
                    student_wall_us: timed.program_us,
                    baseline_wall_us: timed.baseline_us,
                    student_cpu_us: timed.program_cpu_us,
                    baseline_cpu_us: timed.baseline_cpu_us,
                    load: timed.load,
                })
            }
            Err(_) => None,
        },
        None => None,
    };
    let verdict = crate::exercise::judge(&request.exercise.checks, &outcome, speed.as_ref());
    writeln!(
        out,
        "{}",
        render::render_exercise_verdict(&verdict, &options)
    )?;
    let result = ExerciseRan {
        lesson: request.lesson.clone(),
        exercise: request.exercise.id.clone(),
        passed: verdict.passed(),
        failed: verdict.failed(),
    };
    let next = ran(&result);
    writeln!(out, "\n{next}\n")?;
    out.flush()?;
    if result.failed {
        notices.push(Notice::shown_error(format!(
            "exercise {} did not pass",
            request.exercise.id
        )));
    }
    Ok((result.passed, notices))
}
