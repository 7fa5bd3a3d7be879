//! The state of one REPL session and what each command does to it.
//!
//! A [`Session`] takes a typed line and returns a [`Reply`] holding the text
//! to show, and what else the front end should do (run a demo or a Python
//! program, open an editor, start a transcript). It knows nothing of
//! terminals or line editing, so the interactive REPL, the line-by-line
//! script mode and the tests all drive the same code.
//!
//! Commands are grouped by what they are about: this file holds the state,
//! moving around a course and running demos; `quiz` asks questions and
//! gives hints; `saved` keeps progress between sessions; `python` runs the
//! examples; `instructor` is for teaching a room, and `presenter` tells
//! `mptutor notes` where the presenter is; `help` explains the commands.

#[cfg(test)]
mod another_step_tests;
mod details;
mod exercise;
pub use exercise::ExerciseRan;
mod finish;
mod help;
mod hints;
mod instructor;
mod look;
mod presenter;
mod python;
mod quiz;
mod quiz_line;
#[cfg(test)]
mod quiz_tests;
mod review;
mod saved;

use std::collections::HashMap;
use std::path::PathBuf;

use super::commands::{Command, ParseError, parse};
use super::reply::{EditRequest, Reply, TranscriptChange};
use crate::course::{Course, Lesson, LessonIndex};
use crate::live_view::DemoRequest;
use crate::progress::{Change, Progress, ProgressFile};
use crate::render::{self, RenderOptions};
use crate::suggest::did_you_mean;

use quiz::QuizRun;

/// Where the student is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Position {
    lesson: LessonIndex,
    /// 0-based step of that lesson.
    step: usize,
}

/// A question the next line answers, instead of being a command.
#[derive(Debug, Clone)]
enum Pending {
    /// A quiz or a review, one question at a time.
    Quiz(QuizRun),
    /// `reset` waits for `y`: one lesson, or the whole course when `None`.
    ConfirmReset(Option<LessonIndex>),
    /// `solution` waits for `y` before showing the exercise's solution.
    ConfirmSolution(Position),
}

/// One student's session with one course.
pub struct Session {
    course: Course,
    options: RenderOptions,
    position: Option<Position>,
    /// What the student has done, in every course; see `saved.rs`.
    progress: Progress,
    /// Where progress is written after every change; `None` keeps it for
    /// this session only.
    progress_file: Option<ProgressFile>,
    /// Changes not saved yet (a save failed); the next save carries them.
    unsaved: Vec<Change>,
    /// Why the last save failed; shown once, not after every step.
    save_failure: Option<String>,
    /// Why progress cannot be saved at all this session.
    not_saved: Option<String>,
    pending: Option<Pending>,
    /// Where the student was last time: an empty first line goes there.
    resume: Option<Position>,
    /// How many of each step's hints have been shown.
    hints_shown: HashMap<Position, usize>,
    /// This session's number among review sessions, once it has reviewed.
    review_session: Option<u64>,
    /// Shuffles the choices of review questions.
    shuffle: fastrand::Rng,
    /// Instructor mode: progress neither changed nor saved, the position
    /// published for `mptutor notes`.
    presenting: bool,
    /// Where presenting publishes its position; `None`: nowhere.
    presenter_dir: Option<PathBuf>,
    /// The published position, while presenting.
    publisher: Option<crate::presenting::Publisher>,
    /// Why the position could not be published, said once.
    publish_failure: Option<String>,
    /// The pace live runs are replayed at, set by `pace`.
    pace: Option<crate::replay::Pace>,
    /// The interpreter of `python` and `try`, set by `python=PATH`; `None`:
    /// `python3` on `PATH`.
    python: Option<PathBuf>,
    /// Where `try` keeps the student's copies of the examples.
    scratch_dir: PathBuf,
    /// The command that opens the student's editor, when the front end can
    /// run one.
    editor: Option<String>,
    /// Where `theme` saves the choice; `None`: for this session only.
    config_file: Option<crate::config::ConfigFile>,
    /// The last demo run's tables, for `details`.
    last_run: Option<crate::live_view::RunDetails>,
}

impl Session {
    pub fn new(course: Course, options: RenderOptions) -> Self {
        Session {
            course,
            options,
            position: None,
            progress: Progress::default(),
            progress_file: None,
            unsaved: Vec::new(),
            save_failure: None,
            not_saved: None,
            pending: None,
            resume: None,
            hints_shown: HashMap::new(),
            review_session: None,
            shuffle: fastrand::Rng::new(),
            presenting: false,
            presenter_dir: None,
            publisher: None,
            publish_failure: None,
            pace: None,
            python: None,
            scratch_dir: std::env::temp_dir().join("mptutor-scratch"),
            editor: None,
            config_file: None,
            last_run: None,
        }
    }

    pub fn course(&self) -> &Course {
        &self.course
    }

    /// How output is rendered now.
    pub fn options(&self) -> RenderOptions {
        self.options
    }

    /// Follows the terminal when it is resized.
    pub fn set_width(&mut self, width: usize) {
        self.options.width = width;
    }

    /// Where `try` keeps the student's copies (the data folder's `scratch`).
    pub fn set_scratch_dir(&mut self, dir: PathBuf) {
        self.scratch_dir = dir;
    }

    /// The shell command that opens a file for editing (`$VISUAL`,
    /// `$EDITOR`); `None` makes `try` print the file's path instead.
    pub fn set_editor(&mut self, editor: Option<String>) {
        self.editor = editor.filter(|editor| !editor.trim().is_empty());
    }

    /// The prompt, saying where the student is: `mptutor q3 2/4> `.
    pub fn prompt(&self) -> String {
        match &self.pending {
            Some(Pending::Quiz(run)) => return run.prompt(&self.course),
            Some(Pending::ConfirmSolution(_)) => return "show the solution? [y/N]> ".to_string(),
            Some(Pending::ConfirmReset(lesson)) => {
                let what = lesson.map_or("everything".to_string(), |index| {
                    self.course.lesson(index).id.clone()
                });
                return format!("reset {what}? [y/N]> ");
            }
            None => {}
        }
        let mode = if self.presenting { " present" } else { "" };
        match self.position {
            None => format!("mptutor{mode}> "),
            Some(at) => {
                let lesson = self.course.lesson(at.lesson);
                format!(
                    "mptutor{mode} {} {}/{}> ",
                    lesson.id,
                    at.step + 1,
                    lesson.steps.len()
                )
            }
        }
    }

    /// True while the next line answers a question (a quiz, `reset`'s
    /// y/N) rather than being a command: no completion, no history.
    pub fn in_quiz(&self) -> bool {
        self.pending.is_some()
    }

    /// Parameter names of the demo `run` would start now, for completion.
    pub fn demo_param_names(&self) -> Vec<&'static str> {
        self.position
            .and_then(|at| self.course.lesson(at.lesson).demo_for_step(at.step))
            .map(|demo| demo.demo.param_names())
            .unwrap_or_default()
    }

    /// The first screen of an interactive session.
    pub fn welcome(&self) -> String {
        let styles = render::Styles::new(&self.options);
        let first = self
            .course
            .lessons
            .first()
            .map_or("q1", |lesson| lesson.id.as_str());
        // Enter resumes when there is somewhere to resume; else it starts.
        let enter = if self.resume.is_some() {
            ""
        } else {
            " (or just press Enter)"
        };
        let count = match self.course.lessons.len() {
            1 => "1 lesson".to_string(),
            n => format!("{n} lessons"),
        };
        let mut text = format!(
            "{}\n{count}. Type {} to see them, {} to start{enter}, {} for commands.",
            styles.heading(&render::sanitize(&self.course.title, " ")),
            styles.command("list"),
            styles.command(&format!("open {first}")),
            styles.command("help"),
        );
        if let Some(line) = self.resume_line() {
            text.push('\n');
            text.push_str(&line);
        }
        if self.presenting {
            text.push('\n');
            text.push_str(&self.presenting_line());
        }
        render::render_wrapped(&text, &self.options)
    }

    /// Ctrl-C at the prompt: leaves a quiz or a question; otherwise nothing
    /// to undo.
    pub fn interrupt(&mut self) -> Option<Reply> {
        self.pending.take().map(|pending| match pending {
            Pending::Quiz(run) => self.quiz_interrupted(&run),
            Pending::ConfirmReset(_) => self.say("Nothing was reset."),
            Pending::ConfirmSolution(_) => self.say("Not shown."),
        })
    }

    /// Runs one typed line.
    pub fn handle(&mut self, line: &str) -> Reply {
        if let Some(pending) = self.pending.take() {
            return match pending {
                Pending::Quiz(run) => self.answer(run, line.trim()),
                Pending::ConfirmReset(lesson) => self.confirm_reset(lesson, line.trim()),
                Pending::ConfirmSolution(at) => self.confirm_solution(at, line.trim()),
            };
        }
        // Only the very first line may resume; anything typed drops the offer.
        if let Some(at) = self.resume.take()
            && line.trim().is_empty()
        {
            return self.go_to(at.lesson, at.step);
        }
        match parse(line) {
            Ok(command) => self.execute(command),
            Err(ParseError::Usage(message)) => self.fail(message),
            Err(ParseError::Unknown { word, suggestion }) => {
                let is_only_word = line.split_whitespace().count() == 1;
                match self.course.find_lesson(&word) {
                    Some(lesson) if is_only_word => self.go_to(lesson, 0),
                    _ => {
                        let near_lesson = did_you_mean(&word, self.course.lesson_ids());
                        let hint = match (suggestion, near_lesson) {
                            (Some(command), _) => format!(" Did you mean `{command}`?"),
                            (None, Some(lesson)) => format!(" Did you mean lesson `{lesson}`?"),
                            (None, None) => String::new(),
                        };
                        self.fail(format!(
                            "Unknown command `{word}`.{hint} Type `help` for the commands."
                        ))
                    }
                }
            }
        }
    }

    fn execute(&mut self, command: Command) -> Reply {
        match command {
            Command::Help(topic) => self.help(topic.as_deref()),
            Command::List => Reply::text(render::render_course_list(
                &self.course,
                self.position.map(|at| at.lesson),
                &self.options,
            )),
            Command::Open(name) => match self.course.find_lesson(&name) {
                Some(lesson) => self.go_to(lesson, 0),
                None => self.no_such_lesson(&name),
            },
            Command::Next => self.next(),
            Command::Back => match self.position {
                None => self.nothing_open(),
                Some(at) if at.step == 0 => self.fail("This is the first step; `next` moves on."),
                Some(at) => self.go_to(at.lesson, at.step - 1),
            },
            Command::Show { notes } => match self.position {
                None => self.nothing_open(),
                Some(at) => Reply::text(self.render_step(at, notes)),
            },
            Command::Step(number) => self.step(&number),
            Command::Run(assignments) => self.run(&assignments),
            Command::Details => self.details(),
            Command::Code => self.code(),
            Command::Quiz { all } => self.start_quiz(all),
            Command::Review => self.start_review(),
            Command::Hint { all: true } => self.hints_seen_again(),
            Command::Hint { all: false } => match self.exercise_hint() {
                Some(reply) => reply,
                None => self.hint(),
            },
            Command::Exercise(args) => self.exercise(&args, false),
            Command::Watch(args) => self.exercise(&args, true),
            Command::Solution => self.solution(),
            Command::Exercises => self.list_exercises(),
            Command::Python(args) => self.python(&args),
            Command::Try(args) => self.try_example(&args),
            Command::Interpreter(path) => self.choose_interpreter(&path),
            Command::Compare(row) => self.compare(row.as_deref()),
            Command::Progress => self.progress_table(),
            Command::Reset(lesson) => self.reset(lesson.as_deref()),
            Command::Present(off) => self.present_command(off.as_deref()),
            Command::Goto { lesson, step } => self.goto(&lesson, step.as_deref()),
            Command::Pace(value) => self.pace_command(value.as_deref()),
            Command::Record(target) => self.record(&target),
            Command::Theme(name) => self.theme_command(name.as_deref()),
            Command::Clear => Reply {
                clear: true,
                ..Reply::default()
            },
            Command::Quit => Reply {
                quit: true,
                ..Reply::default()
            },
        }
    }

    /// A short message, wrapped and styled like lesson prose (Markdown).
    fn say(&self, message: &str) -> Reply {
        Reply::text(render::render_markdown(message, &self.options))
    }

    /// A message saying why a command failed.
    fn fail(&self, message: impl AsRef<str>) -> Reply {
        Reply::error(render::render_markdown(message.as_ref(), &self.options))
    }

    fn render_step(&self, at: Position, notes: bool) -> String {
        let options = RenderOptions {
            show_notes: notes || self.options.show_notes,
            ..self.options
        };
        render::render_step(self.course.lesson(at.lesson), at.step, &options)
    }

    fn go_to(&mut self, lesson: LessonIndex, step: usize) -> Reply {
        let at = Position { lesson, step };
        self.position = Some(at);
        let mut reply = Reply::text(self.render_step(at, false));
        reply.record_notes = Some(crate::repl::record_notes::step_markdown(
            self.course.lesson(lesson),
            step,
        ));
        let id = self.course.lesson(lesson).id.clone();
        let now = crate::progress::now_unix();
        let reply = self.update_progress(
            reply,
            Change::SawStep {
                lesson: id,
                step: step + 1,
                at: now,
            },
        );
        self.published(reply)
    }

    fn current_lesson(&self) -> Option<(Position, &Lesson)> {
        self.position.map(|at| (at, self.course.lesson(at.lesson)))
    }

    fn nothing_open(&self) -> Reply {
        let first = self
            .course
            .lessons
            .first()
            .map_or("q1", |lesson| lesson.id.as_str());
        self.fail(format!(
            "No lesson is open. Type `open {first}` to start, or `list` to see them all."
        ))
    }

    fn no_such_lesson(&self, name: &str) -> Reply {
        let ids: Vec<&str> = self.course.lesson_ids().collect();
        let hint = did_you_mean(name, ids.iter().copied())
            .map(|near| format!(" Did you mean `{near}`?"))
            .unwrap_or_default();
        self.fail(format!(
            "There is no lesson `{name}`.{hint} Lessons: {}.",
            ids.join(", ")
        ))
    }

    fn next(&mut self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.go_to(LessonIndex(0), 0);
        };
        if at.step + 1 < lesson.steps.len() {
            return self.go_to(at.lesson, at.step + 1);
        }
        let unanswered = self.unanswered_note(at.lesson);
        let following = LessonIndex(at.lesson.0 + 1);
        let mut reply = if following.0 < self.course.lessons.len() {
            self.go_to(following, 0)
        } else {
            Reply::text(self.course_finished())
        };
        if let Some(note) = unanswered {
            reply.text = format!("{note}\n\n{}", reply.text);
        }
        reply
    }

    fn step(&mut self, number: &str) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let count = lesson.steps.len();
        match number.parse::<usize>() {
            Ok(n) if (1..=count).contains(&n) => self.go_to(at.lesson, n - 1),
            _ => self.fail(format!(
                "`step` takes a number from 1 to {count}, not `{number}`."
            )),
        }
    }

    fn run(&self, assignments: &[String]) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let Some((step, block)) = lesson.demo_at(at.step) else {
            return self.fail(format!("{} has no demo.", lesson.id));
        };
        let text = another_steps(lesson, at.step, step, "demo", "`run` runs")
            .map(|note| render::render_markdown(&note, &self.options))
            .unwrap_or_default();
        let mut assignments = assignments.to_vec();
        let live_only = match DemoRequest::take_view(&mut assignments) {
            Ok(live_only) => live_only,
            Err(message) => return self.fail(message),
        };
        let pace = match self.demo_pace(&mut assignments) {
            Ok(pace) => pace,
            Err(message) => return self.fail(message),
        };
        let overrides = match block
            .demo
            .parse_assignments(assignments.iter().map(String::as_str))
        {
            Ok(overrides) => overrides,
            Err(error) => return self.fail(error.0),
        };
        let params = block.params.merged(&overrides);
        // A held zombie is looked for while it is held: that run is shown
        // as it happens, not replayed afterwards.
        let held = block.demo.resolved(&params).int("hold") > 0;
        let mut text = text;
        if held && pace.is_some() {
            text.push_str(&render::render_markdown(
                "This run is shown as it happens, not replayed: the held zombie's pid is needed \
                 while it is held.",
                &self.options,
            ));
        }
        Reply {
            text,
            demo: Some(DemoRequest {
                demo: block.demo,
                params,
                explanation: lesson.steps[step].prose(),
                live_only,
            }),
            pace: pace.filter(|_| !held),
            ..Reply::default()
        }
    }

    fn code(&self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let Some(example) = lesson.example_for_step(at.step) else {
            return self.fail(format!("{} has no Python example.", lesson.id));
        };
        let code = render::render_code(example.code, &self.options);
        match another_steps(
            lesson,
            at.step,
            example.step,
            "Python example",
            "`code` shows",
        ) {
            Some(note) => Reply::text(format!(
                "{}\n\n{code}",
                render::render_markdown(&note, &self.options)
            )),
            None => Reply::text(code),
        }
    }

    /// `compare [row]`: the comparison table, with the experiments behind
    /// it run live to fill in its "measured here" column.
    fn compare(&self, row: Option<&str>) -> Reply {
        match crate::compare_view::CompareRequest::new(&self.course, row) {
            Ok(request) => Reply {
                compare: Some(request),
                pace: self.pace,
                ..Reply::default()
            },
            Err(message) => self.fail(message),
        }
    }
}

/// `Step 3 has no demo; `run` runs step 2's, "Zombies".`: what a command
/// says when the open step (`at`) has none of its own and it uses the one
/// of step `held`; `None` when the step has its own.
fn another_steps(
    lesson: &Lesson,
    at: usize,
    held: usize,
    what: &str,
    uses: &str,
) -> Option<String> {
    let title = &lesson.steps.get(held)?.title;
    (held != at).then(|| {
        format!(
            "Step {} has no {what}; {uses} step {}'s, \"{title}\".",
            at + 1,
            held + 1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_fits_the_width_and_counts_lessons_in_words() {
        let mut course = crate::course::load_builtin().expect("built-in course");
        for width in [40, 80, 160] {
            let session = Session::new(course.clone(), render::RenderOptions::plain(width));
            let welcome = session.welcome();
            assert!(welcome.contains("9 lessons."), "{welcome}");
            for line in welcome.lines() {
                assert!(
                    console::measure_text_width(line) <= width,
                    "{width}: {line:?}"
                );
            }
        }
        course.lessons.truncate(1);
        let session = Session::new(course.clone(), render::RenderOptions::plain(80));
        let welcome = session.welcome();
        assert!(welcome.contains("1 lesson."), "{welcome}");
        assert!(!welcome.contains("1 lessons"), "{welcome}");
    }

    /// The words of `text`, in order: wrapping that breaks only at
    /// spaces keeps every one whole.
    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn banners_wrap_at_word_boundaries_within_40_and_80_columns() {
        let course = crate::course::load_builtin().expect("built-in course");
        let banners = |width: usize| {
            let mut session = Session::new(course.clone(), render::RenderOptions::plain(width));
            let present = session.handle("present").text;
            let help = session.handle("help").text;
            vec![session.welcome(), present, help]
        };
        let unwrapped = banners(1000);
        for width in [40, 80] {
            for (banner, whole) in banners(width).iter().zip(&unwrapped) {
                for line in banner.lines() {
                    assert!(
                        console::measure_text_width(line) <= width,
                        "{width}: {line:?}"
                    );
                }
                if !banner.contains('│') {
                    assert_eq!(words(banner), words(whole), "{width}:\n{banner}");
                }
            }
        }
    }

    #[test]
    fn help_keeps_to_the_measure_on_a_wide_terminal() {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut session = Session::new(course, render::RenderOptions::plain(250));
        for topic in ["help", "help run", "help details", "nosuchcommand"] {
            let shown = session.handle(topic).text;
            // Tables may take the terminal's width; the text may not.
            for line in shown.lines().filter(|line| !line.contains('│')) {
                assert!(
                    console::measure_text_width(line) <= render::DEFAULT_MEASURE,
                    "{topic}: {line:?}"
                );
            }
        }
    }
}
