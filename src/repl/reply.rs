//! What the session hands back for each line: the text to show, and what
//! else the front end should do with it.

use std::path::PathBuf;

use crate::live_view::DemoRequest;
use crate::python_view::PythonRequest;

/// What a command produced.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub text: String,
    /// The command failed; in script mode this makes the exit status 1.
    pub is_error: bool,
    /// The session is over.
    pub quit: bool,
    /// A demo for the front end to run, live, after showing `text`.
    pub demo: Option<DemoRequest>,
    /// The comparison experiments to run, live, filling in lesson q2's table.
    pub compare: Option<crate::compare_view::CompareRequest>,
    /// A Python program for the front end to run, live, after showing `text`.
    pub python: Option<PythonRequest>,
    /// An exercise to run and check (once, or each time it is saved).
    pub exercise: Option<Box<ExerciseRequest>>,
    /// A file to open in the student's editor before running `python`.
    pub edit: Option<EditRequest>,
    /// Run `demo` or `python` at full speed, recorded, then replay it at
    /// this pace.
    pub pace: Option<crate::replay::Pace>,
    /// Start or stop the record of the session.
    pub transcript: Option<TranscriptChange>,
    /// Clear the terminal (the `clear` command), where there is one.
    pub clear: bool,
    /// What a Markdown record keeps of this reply: a step's heading, its
    /// prose and code (never its notes), as Markdown.
    pub record_notes: Option<String>,
}

/// A run of the student's program for an exercise, checked against it.
#[derive(Debug, Clone)]
pub struct ExerciseRequest {
    /// The run, as `python` would make it, of the student's file.
    pub python: PythonRequest,
    /// The lesson the exercise belongs to, for progress.
    pub lesson: String,
    pub exercise: crate::course::Exercise,
    /// The student's file.
    pub file: PathBuf,
    /// Run again each time the file is saved, until it passes or the
    /// student stops.
    pub watch: bool,
}

/// What `record` asks of the front end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TranscriptChange {
    /// Record everything shown from now on in this file, in the format
    /// its extension names (see `transcript`).
    Start(PathBuf),
    Stop,
}

impl Reply {
    pub(crate) fn text(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            ..Reply::default()
        }
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            is_error: true,
            ..Reply::default()
        }
    }
}

/// A file to open in the student's editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditRequest {
    /// A shell command (`$VISUAL` or `$EDITOR`, e.g. `code --wait`); the
    /// file is passed as its last argument.
    pub editor: String,
    pub file: PathBuf,
}
