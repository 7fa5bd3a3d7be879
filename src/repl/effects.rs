//! What a reply asks of the front end besides showing its text: start or
//! stop the transcript, open the student's editor, run a demo or a Python
//! program live. The interactive and the script loop both call
//! [`carry_out`], so `run`, `python` and `record` behave the same in both.

use std::io::{self, Write};
use std::process::Command;

use super::reply::{EditRequest, Reply, TranscriptChange};
use super::transcript::{Shown, TerminalSize};
use crate::python::PythonError;
use crate::render::{self, RenderOptions};

/// Something to tell the student after carrying out a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    /// Something failed: in script mode the line counts as failed.
    pub is_error: bool,
    /// The live view already said it; only the script loop reports it
    /// again, on stderr with the line number.
    pub already_shown: bool,
}

impl Notice {
    pub(super) fn info(text: String) -> Self {
        Notice {
            text,
            is_error: false,
            already_shown: false,
        }
    }

    pub(super) fn error(text: String) -> Self {
        Notice {
            text,
            is_error: true,
            already_shown: false,
        }
    }

    pub(super) fn shown_error(text: String) -> Self {
        Notice {
            text,
            is_error: true,
            already_shown: true,
        }
    }
}

/// What the front end tells the session about the runs it carried out.
pub trait RunsSeen {
    /// A checked run of an exercise: saved in the progress; says what next.
    fn exercise_ran(&mut self, ran: &super::session::ExerciseRan) -> String;
    /// A demo ran: its tables, for `details`.
    fn demo_ran(&mut self, details: crate::live_view::RunDetails);
}

/// Carries out everything `reply` asks besides its text, in order:
/// transcript, editor, demo, Python run, exercise, telling `runs` about
/// each demo and each checked run of an exercise.
pub fn carry_out<W: Write>(
    reply: &Reply,
    shown: &mut Shown<W>,
    options: RenderOptions,
    runs: &mut dyn RunsSeen,
) -> io::Result<Vec<Notice>> {
    let mut notices = Vec::new();
    match &reply.transcript {
        Some(TranscriptChange::Start(path)) => match shown.start_recording(
            path,
            TerminalSize {
                columns: options.columns(),
                rows: super::terminal_rows(),
            },
        ) {
            Ok(format) => notices.push(Notice::info(render::render_markdown(
                &format!(
                    "Recording to `{}`: {}. `record off` stops.",
                    path.display(),
                    format.describe()
                ),
                &options,
            ))),
            Err(error) => notices.push(Notice::error(format!(
                "Cannot record to {}: {error}",
                path.display()
            ))),
        },
        Some(TranscriptChange::Stop) => match shown.stop_recording() {
            Some(Ok(path)) => notices.push(Notice::info(render::render_markdown(
                &format!("Recording stopped; the transcript is `{}`.", path.display()),
                &options,
            ))),
            Some(Err(failure)) => notices.push(Notice::error(failure)),
            None => notices.push(Notice::info(render::render_markdown(
                "Nothing is being recorded; `record FILE` starts.",
                &options,
            ))),
        },
        None => {}
    }
    if let Some(edit) = &reply.edit
        && let Err(problem) = open_editor(edit)
    {
        notices.push(Notice::error(format!("{problem}; your copy was not run.")));
        return Ok(notices);
    }
    if let Some(notes) = &reply.record_notes {
        shown.note_markdown(notes);
    }
    if let Some(request) = &reply.demo {
        // The demo prints as it goes; Ctrl-C stops it, not mptutor.
        let (outcome, details) =
            crate::live_view::run_live_in_repl(request, shown, options, reply.pace);
        runs.demo_ran(details);
        writeln!(shown)?;
        shown.note_markdown(&super::record_notes::demo_markdown(request, &outcome));
        if let Err(error) = outcome {
            notices.push(Notice::shown_error(error.to_string()));
        }
    }
    if let Some(request) = &reply.compare {
        let outcome = crate::compare_view::run_live(request, shown, options, reply.pace);
        writeln!(shown)?;
        if let Err(error) = outcome {
            notices.push(Notice::shown_error(error.to_string()));
        }
    }
    if let Some(request) = &reply.python {
        match crate::python_view::run_python_live(request, shown, options, reply.pace) {
            Ok(run) => {
                writeln!(shown)?;
                let failed = run.failed_checks();
                if failed > 0 {
                    notices.push(Notice::shown_error(format!(
                        "the program's output failed {failed} check{}",
                        if failed == 1 { "" } else { "s" }
                    )));
                }
            }
            Err(
                error @ (PythonError::NotFound
                | PythonError::NotAnInterpreter { .. }
                | PythonError::Io { .. }
                | PythonError::NulByte),
            ) => {
                notices.push(Notice::error(render::render_markdown(
                    &error.to_string(),
                    &options,
                )));
            }
            Err(error) => {
                writeln!(shown)?;
                notices.push(Notice::shown_error(error.to_string()));
            }
        }
    }
    if let Some(request) = &reply.exercise {
        notices.extend(super::exercise_run::carry_out_exercise(
            request,
            shown,
            options,
            &mut |ran| runs.exercise_ran(ran),
        )?);
    }
    if let Some(failure) = shown.take_failure() {
        notices.push(Notice::error(failure));
    }
    Ok(notices)
}

/// Runs the student's editor on the file and waits for it to close. The
/// command goes through `sh`, as git does, so `EDITOR="code --wait"` works.
fn open_editor(edit: &EditRequest) -> Result<(), String> {
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{} \"$1\"", edit.editor))
        .arg("mptutor-editor")
        .arg(&edit.file)
        .status();
    // A Ctrl-C typed in the editor was meant for the editor.
    crate::engine::interrupt::clear();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("The editor `{}` ended with {status}", edit.editor)),
        Err(error) => Err(format!(
            "Cannot start the editor `{}`: {error}",
            edit.editor
        )),
    }
}
