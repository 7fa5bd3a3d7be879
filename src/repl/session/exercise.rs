//! `exercise`, `watch`, `solution` and `exercises`: the student writes
//! the program, and mptutor runs it and checks how it behaved.
//!
//! The student's file lives in the session's scratch folder, named after
//! the exercise (`q6-all-at-once.py`), and is only ever created from the
//! starter when it is missing or on `exercise reset`, so nothing the
//! student wrote is overwritten. Each checked run is a progress change;
//! the first pass is saved with its time.

use std::path::PathBuf;

use super::super::reply::{EditRequest, ExerciseRequest, Reply};
use super::{Pending, Position, Session};
use crate::course::{Exercise, Lesson};
use crate::progress::Change;
use crate::python::PythonProgram;
use crate::python_view::PythonRequest;
use crate::user_file;

/// Failed runs after which `solution` is offered.
const OFFER_SOLUTION_AFTER: u32 = 3;

/// The exercise of step `step` of `lesson`, if it has one.
pub(crate) fn step_exercise(lesson: &Lesson, step: usize) -> Option<&Exercise> {
    lesson.steps.get(step)?.exercise()
}

/// A course title as a folder name: its words in lowercase, joined by
/// `-`, at most 40 characters, cut between words.
fn folder_name(title: &str) -> String {
    let mut name = String::new();
    for word in title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        let word = word.to_lowercase();
        if !name.is_empty() && name.chars().count() + 1 + word.chars().count() > 40 {
            break;
        }
        if !name.is_empty() {
            name.push('-');
        }
        name.extend(word.chars().take(40));
    }
    if name.is_empty() {
        "course".to_string()
    } else {
        name
    }
}

/// What a checked run of an exercise gives the session to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseRan {
    pub lesson: String,
    pub exercise: String,
    pub passed: bool,
    /// A check failed (not only "could not tell").
    pub failed: bool,
}

impl Session {
    /// The open step's exercise, or why there is none.
    pub(super) fn current_exercise(&self) -> Result<(Position, &Lesson, &Exercise), Box<Reply>> {
        let Some((at, lesson)) = self.current_lesson() else {
            return Err(Box::new(self.nothing_open()));
        };
        match step_exercise(lesson, at.step) {
            Some(exercise) => Ok((at, lesson, exercise)),
            None => Err(Box::new(self.fail(format!(
                "This step has no exercise. Type `exercises` to see where they are.{}",
                lesson
                    .steps
                    .iter()
                    .position(|step| step.exercise().is_some())
                    .map_or(String::new(), |step| format!(
                        " Lesson {}'s is at step {} (`step {}`).",
                        lesson.id,
                        step + 1,
                        step + 1
                    ))
            )))),
        }
    }

    /// Where the student's program for `exercise` is kept: a folder per
    /// course (two courses may both have an exercise `pool-map`), named
    /// after its title.
    fn exercise_folder(&self) -> PathBuf {
        self.scratch_dir
            .join("exercises")
            .join(folder_name(&self.course.title))
    }

    fn exercise_path(&self, exercise: &Exercise) -> PathBuf {
        self.exercise_folder().join(format!("{}.py", exercise.id))
    }

    /// `exercise [reset] [timeout=N] [python=PATH]`, and `watch` when
    /// `watch` is set.
    pub(super) fn exercise(&mut self, args: &[String], watch: bool) -> Reply {
        let (at, lesson, exercise) = match self.current_exercise() {
            Ok(found) => found,
            Err(reply) => return *reply,
        };
        let command = if watch { "watch" } else { "exercise" };
        let args = match super::python::RunArgs::parse(args, command) {
            Ok(args) => args,
            Err(message) => return self.fail(message),
        };
        let path = self.exercise_path(exercise);
        let fresh = args.reset || !path.exists();
        if fresh {
            let copied = std::fs::create_dir_all(self.exercise_folder())
                .and_then(|()| user_file::write_regular(&path, exercise.starter.as_bytes()));
            if let Err(error) = copied {
                return self.fail(format!(
                    "Could not write the starter program to `{}`: {error}.",
                    path.display()
                ));
            }
        } else if let Err(error) = user_file::check_regular(&path) {
            return self.fail(format!(
                "Your program `{}` cannot be used: {error}. Remove it, then `exercise reset` \
                 starts again from the starter program.",
                path.display()
            ));
        }
        let request = Box::new(ExerciseRequest {
            python: PythonRequest {
                program: PythonProgram::File {
                    path: path.clone(),
                    args: Vec::new(),
                },
                title: format!("exercise {} · {}", exercise.id, path.display()),
                checks: Vec::new(),
                checks_file: lesson.path.clone(),
                checks_step: String::new(),
                timeout: args.timeout,
                interpreter: self.interpreter_for(&args),
            },
            lesson: lesson.id.clone(),
            exercise: exercise.clone(),
            file: path.clone(),
            watch,
        });
        let _ = at;
        let shown = path.display().to_string();
        let task = format!(
            "**Exercise {}: {}**\n\n{}\n\nYour program is this file:",
            exercise.id, exercise.title, exercise.task
        );
        if watch {
            return Reply {
                exercise: Some(request),
                pace: self.pace,
                ..self.say_with_path(
                    &task,
                    &shown,
                    "Watching it: every time you save it, it runs and is checked. Press Enter \
                     (or Ctrl-C) to stop watching.",
                )
            };
        }
        match &self.editor {
            Some(editor) => Reply {
                edit: Some(EditRequest {
                    editor: editor.clone(),
                    file: path,
                }),
                exercise: Some(request),
                pace: self.pace,
                ..self.say_with_path(
                    &task,
                    &shown,
                    &format!(
                        "Opening it with `{editor}`. It runs and is checked when you close the \
                         editor."
                    ),
                )
            },
            None if fresh => self.say_with_path(
                &task,
                &shown,
                "Change it in any editor, then type `watch` to have it run and checked each time \
                 you save, or `exercise` to run it once. `hint` helps; `exercise reset` starts \
                 again from the starter.",
            ),
            None => Reply {
                exercise: Some(request),
                pace: self.pace,
                ..Reply::default()
            },
        }
    }

    /// `before` and `after` (Markdown) with the file's path between them
    /// on a line of its own, never wrapped, so it can be copied whole.
    pub(super) fn say_with_path(&self, before: &str, path: &str, after: &str) -> Reply {
        Reply::text(format!(
            "{}\n\n  {}\n\n{}",
            crate::render::render_markdown(before, &self.options),
            crate::render::sanitize(path, " "),
            crate::render::render_markdown(after, &self.options)
        ))
    }

    /// A run of an exercise was checked: saves it, and says what next.
    pub fn exercise_ran(&mut self, ran: &ExerciseRan) -> String {
        let now = crate::progress::now_unix();
        let before = self
            .saved()
            .and_then(|course| course.exercise(&ran.lesson, &ran.exercise).cloned())
            .unwrap_or_default();
        let failed_runs = before.failed_runs + u32::from(ran.failed);
        let next = if ran.passed && self.presenting {
            "**Exercise passed** (presenting: not saved in your progress).".to_string()
        } else if ran.passed && !before.passed() {
            "**Exercise passed**, and saved in your progress. `exercises` lists the others."
                .to_string()
        } else if ran.passed {
            "Passed again.".to_string()
        } else if ran.failed && failed_runs >= OFFER_SOLUTION_AFTER {
            format!(
                "{failed_runs} runs have not passed yet. `hint` gives the next hint;                  `solution` shows a program that passes."
            )
        } else if ran.failed {
            "Not yet. Change your program and save it again; `hint` helps.".to_string()
        } else {
            "Every check that could be judged passed; the rest could not be told on this \
             machine now, so it is not counted as a pass yet."
                .to_string()
        };
        let reply = self.update_progress(
            self.say(&next),
            Change::ExerciseRun {
                lesson: ran.lesson.clone(),
                exercise: ran.exercise.clone(),
                passed: ran.passed,
                failed: ran.failed,
                at: now,
            },
        );
        reply.text
    }

    /// `solution`: asks first, then shows the reference program.
    pub(super) fn solution(&mut self) -> Reply {
        let (at, _, exercise) = match self.current_exercise() {
            Ok(found) => found,
            Err(reply) => return *reply,
        };
        let id = exercise.id.clone();
        self.pending = Some(Pending::ConfirmSolution(at));
        self.say(&format!(
            "Show a program that passes exercise {id}? Trying a little longer, with `hint`, \
             teaches more. Type `y` to see it."
        ))
    }

    /// The answer to `solution`'s question.
    pub(super) fn confirm_solution(&mut self, at: Position, answer: &str) -> Reply {
        if !["y", "yes"]
            .iter()
            .any(|yes| answer.eq_ignore_ascii_case(yes))
        {
            return self.say("Not shown. `solution` asks again.");
        }
        let lesson = self.course.lesson(at.lesson);
        let Some(exercise) = step_exercise(lesson, at.step) else {
            return self.fail("This step has no exercise.");
        };
        let code = crate::course::CodeBlock {
            lang: "python".to_string(),
            code: exercise.solution.clone(),
            line: exercise.line,
        };
        Reply::text(crate::render::render_code_titled(
            &format!("a solution of {}", exercise.id),
            &code,
            &self.options,
        ))
    }

    /// `hint` on a step with an exercise: the exercise's next hint.
    pub(super) fn exercise_hint(&mut self) -> Option<Reply> {
        let (_, lesson, exercise) = self.current_exercise().ok()?;
        let (lesson_id, id, hints) = (
            lesson.id.clone(),
            exercise.id.clone(),
            exercise.hints.clone(),
        );
        if hints.is_empty() {
            return None;
        }
        let shown = self
            .saved()
            .and_then(|course| course.exercise(&lesson_id, &id))
            .map_or(0, |progress| progress.hints_shown);
        let Some(hint) = hints.get(shown) else {
            return Some(self.say(&format!(
                "No more hints: that was the last of {}. `solution` shows a program that passes.",
                hints.len()
            )));
        };
        let number = shown + 1;
        let more = if number < hints.len() {
            "`hint` again for the next one."
        } else {
            "That was the last one."
        };
        let reply = self.say(&format!(
            "**Hint {number} of {}**\n\n{hint}\n\n{more}",
            hints.len()
        ));
        Some(self.update_progress(
            reply,
            Change::ExerciseHints {
                lesson: lesson_id,
                exercise: id,
                shown: number,
            },
        ))
    }

    /// `exercises`: every exercise of the course, done or to do.
    pub(super) fn list_exercises(&self) -> Reply {
        let rows = self.exercise_rows();
        if rows.is_empty() {
            return self.say("This course has no exercises.");
        }
        Reply::text(crate::render::render_exercise_list(
            &rows,
            crate::progress::now_unix(),
            &self.options,
        ))
    }

    /// One row per exercise of the course, in course order.
    pub(crate) fn exercise_rows(&self) -> Vec<crate::render::ExerciseRow> {
        crate::render::exercise_rows(&self.course, self.saved())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderOptions;

    const LESSON: &str = "+++\nid = \"ex\"\ntitle = \"Exercise lesson\"\n+++\n\n## Prose\n\nNo exercise here.\n\n\
## Two at once\n\nTwo children.\n\n```exercise\nid = \"two-at-once\"\ntask = \"Start two processes at once.\"\n\
starter = '''\nprint(\"one at a time\")\n'''\nsolution = '''\nprint(\"both\")\n'''\n\
hints = [\"First hint.\", \"Second hint.\"]\n\n[behaviour]\nprocesses = { exactly = 2 }\n```\n";

    /// A session on a one-lesson course whose second step has an
    /// exercise, with its scratch folder in `dir`.
    fn session(dir: &std::path::Path) -> Session {
        let course_dir = dir.join("course");
        std::fs::create_dir_all(&course_dir).expect("course folder");
        std::fs::write(
            course_dir.join("course.toml"),
            "format_version = 1\ntitle = \"Exercise course\"\nlessons = [\"ex.md\"]\n",
        )
        .expect("course.toml");
        std::fs::write(course_dir.join("ex.md"), LESSON).expect("lesson");
        let course = crate::course::load_dir(&course_dir).expect("the course loads");
        let mut session = Session::new(course, RenderOptions::plain(80));
        session.set_scratch_dir(dir.join("scratch"));
        session
    }

    fn ran(passed: bool) -> ExerciseRan {
        ExerciseRan {
            lesson: "ex".into(),
            exercise: "two-at-once".into(),
            passed,
            failed: !passed,
        }
    }

    #[test]
    fn a_course_title_becomes_a_short_folder_name() {
        assert_eq!(
            folder_name("Processes and threads: Python's multiprocessing, seen for real"),
            "processes-and-threads-python-s"
        );
        assert_eq!(folder_name("Exercise course"), "exercise-course");
        assert_eq!(folder_name("★★★"), "course");
        assert_eq!(folder_name(&"x".repeat(100)).len(), 40);
    }

    #[test]
    fn exercise_copies_the_starter_once_and_reset_copies_it_again() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut session = session(dir.path());
        session.handle("open ex");
        let none = session.handle("exercise");
        assert!(
            none.is_error && none.text.contains("step 2"),
            "{}",
            none.text
        );

        session.handle("next");
        let started = session.handle("exercise");
        let file = dir
            .path()
            .join("scratch")
            .join("exercises")
            .join("exercise-course")
            .join("two-at-once.py");
        assert!(
            started.text.contains(&file.display().to_string()),
            "{}",
            started.text
        );
        assert!(
            started.exercise.is_none(),
            "nothing to run before it is edited"
        );
        assert_eq!(
            std::fs::read_to_string(&file).expect("the copy"),
            "print(\"one at a time\")\n"
        );
        // The student's work is never overwritten by `exercise` again.
        std::fs::write(&file, "print('mine')\n").expect("edit");
        let again = session.handle("exercise");
        let request = again.exercise.expect("it runs the student's file");
        assert_eq!(request.file, file);
        assert!(!request.watch);
        assert_eq!(
            std::fs::read_to_string(&file).expect("kept"),
            "print('mine')\n"
        );
        session.handle("exercise reset");
        assert_eq!(
            std::fs::read_to_string(&file).expect("fresh"),
            "print(\"one at a time\")\n"
        );
        assert!(session.handle("watch").exercise.expect("a run").watch);
    }

    #[test]
    fn hints_come_in_order_and_a_pass_is_counted_once_with_the_solution_offered_after_three_fails()
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut session = session(dir.path());
        session.handle("open ex");
        session.handle("next");
        assert!(session.handle("hint").text.contains("First hint."));
        assert!(session.handle("hint").text.contains("Second hint."));
        assert!(session.handle("hint").text.contains("No more hints"));

        assert!(session.exercise_ran(&ran(false)).contains("Not yet"));
        session.exercise_ran(&ran(false));
        assert!(session.exercise_ran(&ran(false)).contains("`solution`"));
        assert!(session.exercise_ran(&ran(true)).contains("Exercise passed"));
        assert!(session.exercise_ran(&ran(true)).contains("Passed again"));
        let saved = session
            .saved()
            .and_then(|course| course.exercise("ex", "two-at-once"))
            .cloned()
            .expect("saved");
        assert_eq!(
            (saved.runs, saved.failed_runs, saved.hints_shown),
            (5, 3, 2)
        );
        assert!(saved.passed());
        let rows = session.exercise_rows();
        assert_eq!(rows.len(), 1);
        assert!(rows[0].passed_at.is_some());
    }

    #[test]
    fn the_solution_is_shown_only_after_a_yes() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut session = session(dir.path());
        session.handle("open ex");
        session.handle("next");
        let asked = session.handle("solution");
        assert!(!asked.text.contains("print(\"both\")"), "{}", asked.text);
        assert!(session.prompt().contains("[y/N]"));
        assert!(session.handle("n").text.contains("Not shown"));
        session.handle("solution");
        let shown = session.handle("y");
        assert!(shown.text.contains("print(\"both\")"), "{}", shown.text);
    }
}
