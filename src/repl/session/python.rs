//! `python` and `try`: the step's Python example on the student's own
//! `python3`, as the lesson wrote it or as the student changed it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{EditRequest, Reply, Session};
use crate::python::{PythonProgram, chosen_interpreter};
use crate::python_view::{DEFAULT_TIMEOUT, PythonRequest, example_file_name, step_name};
use crate::user_file;

/// Longest timeout a student may ask for, in seconds.
const MAX_TIMEOUT_SECONDS: u64 = 600;

/// What `python` and `try` were given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RunArgs {
    pub(super) timeout: Duration,
    /// `try reset` (`exercise reset`): copy the lesson's program again.
    pub(super) reset: bool,
    /// `python=PATH`: this interpreter for this run.
    pub(super) interpreter: Option<PathBuf>,
}

impl RunArgs {
    pub(super) fn parse(args: &[String], command: &str) -> Result<Self, String> {
        let mut parsed = RunArgs {
            timeout: DEFAULT_TIMEOUT,
            reset: false,
            interpreter: None,
        };
        for arg in args {
            match arg.split_once('=') {
                Some(("timeout", seconds)) => match seconds.parse::<u64>() {
                    Ok(seconds @ 1..=MAX_TIMEOUT_SECONDS) => {
                        parsed.timeout = Duration::from_secs(seconds);
                    }
                    _ => {
                        return Err(format!(
                            "`timeout` is a whole number of seconds from 1 to \
                             {MAX_TIMEOUT_SECONDS}, not `{seconds}`."
                        ));
                    }
                },
                Some(("python", path)) => {
                    let chosen = chosen_interpreter(Path::new(path)).map_err(|error| {
                        format!("`python=` wants an interpreter to run: {error}.")
                    })?;
                    parsed.interpreter = Some(chosen);
                }
                None if matches!(command, "try" | "exercise" | "watch")
                    && arg.eq_ignore_ascii_case("reset") =>
                {
                    parsed.reset = true;
                }
                _ => {
                    let usage = match command {
                        "try" => "try [reset] [timeout=N] [python=PATH]",
                        "exercise" => "exercise [reset] [timeout=N] [python=PATH]",
                        "watch" => "watch [reset] [timeout=N] [python=PATH]",
                        _ => "python [timeout=N] [python=PATH]",
                    };
                    return Err(format!("`{command}` does not take `{arg}`; usage: {usage}"));
                }
            }
        }
        Ok(parsed)
    }
}

impl Session {
    /// `python=PATH`: the interpreter of `python` and `try` from now on;
    /// `python=` goes back to `python3` on `PATH`.
    pub(super) fn choose_interpreter(&mut self, path: &str) -> Reply {
        if path.is_empty() || path.eq_ignore_ascii_case("python3") {
            self.python = None;
            return self.say("`python` and `try` run with `python3` on your PATH again.");
        }
        match chosen_interpreter(Path::new(path)) {
            Ok(chosen) => {
                let reply = self.say(&format!(
                    "`python` and `try` now run with `{}` for the rest of the session; \
                     `python=` goes back to `python3`.",
                    chosen.display()
                ));
                self.python = Some(chosen);
                reply
            }
            Err(error) => self.fail(format!("{error}.")),
        }
    }

    /// The interpreter of one run: its own `python=`, or the session's.
    pub(super) fn interpreter_for(&self, args: &RunArgs) -> Option<PathBuf> {
        args.interpreter.clone().or_else(|| self.python.clone())
    }

    /// `python`: runs the lesson's example for this step.
    pub(super) fn python(&self, args: &[String]) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let args = match RunArgs::parse(args, "python") {
            Ok(args) => args,
            Err(message) => return self.fail(message),
        };
        let Some(example) = lesson.example_for_step(at.step) else {
            return self.fail(format!("{} has no Python example.", lesson.id));
        };
        let mut request = PythonRequest::for_example(lesson, &example, args.timeout);
        request.interpreter = self.interpreter_for(&args);
        let text = super::another_steps(
            lesson,
            at.step,
            example.step,
            "Python example",
            "`python` runs",
        )
        .map(|note| crate::render::render_markdown(&note, &self.options))
        .unwrap_or_default();
        Reply {
            python: Some(request),
            pace: self.pace,
            ..Reply::text(text)
        }
    }

    /// `try`: the student's own copy of the example, edited, then run and
    /// checked like `python`.
    pub(super) fn try_example(&mut self, args: &[String]) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let args = match RunArgs::parse(args, "try") {
            Ok(args) => args,
            Err(message) => return self.fail(message),
        };
        let Some(example) = lesson.example_for_step(at.step) else {
            return self.fail(format!("{} has no Python example.", lesson.id));
        };
        let path = self
            .scratch_dir
            .join(example_file_name(&lesson.id, &example));
        let fresh = args.reset || !path.exists();
        if fresh {
            let copied = std::fs::create_dir_all(&self.scratch_dir)
                .and_then(|()| user_file::write_regular(&path, example.code.code.as_bytes()));
            if let Err(error) = copied {
                return self.fail(format!(
                    "Could not copy the example to `{}`: {error}. Remove it, then `try reset` \
                     makes a fresh copy.",
                    path.display()
                ));
            }
        } else if let Err(error) = user_file::check_regular(&path) {
            // A pipe or a device would leave the editor, or the read of the
            // copy, waiting for ever.
            return self.fail(format!(
                "Your copy `{}` cannot be used: {error}. Remove it, then `try reset` makes a \
                 fresh copy.",
                path.display()
            ));
        }
        let shown = path.display().to_string();
        let request = PythonRequest {
            program: PythonProgram::File {
                path: path.clone(),
                args: Vec::new(),
            },
            title: format!("your copy · {shown}"),
            checks: example
                .checks
                .iter()
                .map(|check| (*check).clone())
                .collect(),
            checks_file: lesson.path.clone(),
            checks_step: step_name(lesson, example.step),
            timeout: args.timeout,
            interpreter: self.interpreter_for(&args),
        };
        match &self.editor {
            Some(editor) => Reply {
                edit: Some(EditRequest {
                    editor: editor.clone(),
                    file: path,
                }),
                python: Some(request),
                pace: self.pace,
                ..self.say_with_path(
                    &format!("Opening your copy with `{editor}`:"),
                    &shown,
                    "It runs and is checked when you close the editor.",
                )
            },
            // The path on a line of its own, never wrapped, so it can be
            // copied whole however narrow the terminal.
            None if fresh => self.say_with_path(
                "Your own copy of the example is here:",
                &shown,
                "Change it in any editor and save it, then type `try` again to run your version \
                 and check it. (With `$EDITOR` set, `try` opens it for you; `try reset` starts \
                 again from the lesson's example.)",
            ),
            None => Reply {
                python: Some(request),
                pace: self.pace,
                ..Reply::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn timeout_and_reset_are_understood() {
        let parsed = RunArgs::parse(&strings(&["reset", "timeout=5"]), "try");
        assert_eq!(
            parsed,
            Ok(RunArgs {
                timeout: Duration::from_secs(5),
                reset: true,
                interpreter: None,
            })
        );
        assert!(RunArgs::parse(&strings(&["reset"]), "python").is_err());
        assert!(RunArgs::parse(&strings(&["timeout=0"]), "python").is_err());
        assert!(RunArgs::parse(&strings(&["timeout=601"]), "python").is_err());
    }

    #[test]
    fn python_equals_takes_an_executable_and_refuses_anything_else() {
        let parsed = RunArgs::parse(&strings(&["python=/bin/sh"]), "python");
        assert_eq!(
            parsed.map(|args| args.interpreter),
            Ok(Some(PathBuf::from("/bin/sh")))
        );
        let refused = RunArgs::parse(&strings(&["python=/no/such/python3.12"]), "try");
        let message = refused.expect_err("a missing interpreter is refused");
        assert!(
            message.contains("`/no/such/python3.12` does not exist"),
            "{message}"
        );
    }

    #[test]
    fn tries_path_stays_whole_on_a_line_of_its_own_however_narrow() {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut session = Session::new(course, crate::render::RenderOptions::plain(40));
        let scratch = tempfile::tempdir().expect("temporary directory");
        let deep = scratch
            .path()
            .join("a-folder-name-long-enough-to-pass-forty-columns")
            .join("scratch");
        session.set_scratch_dir(deep.clone());
        session.handle("open q3");
        let reply = session.handle("try");
        assert!(!reply.is_error, "{}", reply.text);
        let path = deep.join("q3_step1.py").display().to_string();
        assert!(path.len() > 40);
        assert!(
            reply.text.lines().any(|line| line.trim() == path),
            "the path, whole, on a line of its own:\n{}",
            reply.text
        );
        for line in reply.text.lines().filter(|line| line.trim() != path) {
            assert!(console::measure_text_width(line) <= 40, "{line:?}");
        }
    }
}
