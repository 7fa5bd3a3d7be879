//! The state of one REPL session and what each command does to it.
//!
//! A [`Session`] takes a typed line and returns a [`Reply`] holding the text
//! to show. It knows nothing of terminals or line editing, so the interactive
//! REPL, the line-by-line script mode and the tests all drive the same code.

use std::collections::{BTreeMap, BTreeSet};

use super::commands::{COMMANDS, Command, ParseError, find_command, parse};
use crate::course::{Block, Course, Lesson, LessonIndex};
use crate::live_view::DemoRequest;
use crate::render::{self, RenderOptions};
use crate::suggest::did_you_mean;

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
}

impl Reply {
    fn text(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            ..Reply::default()
        }
    }

    fn error(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            is_error: true,
            ..Reply::default()
        }
    }
}

/// Where the student is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    lesson: LessonIndex,
    /// 0-based step of that lesson.
    step: usize,
}

/// A quiz being answered, one question at a time.
#[derive(Debug, Clone)]
struct QuizRun {
    lesson: LessonIndex,
    /// Index into `Lesson::quizzes()` of the question being asked.
    current: usize,
    total: usize,
    right: usize,
}

/// One student's session with one course.
pub struct Session {
    course: Course,
    options: RenderOptions,
    position: Option<Position>,
    /// Steps shown, per lesson.
    seen: BTreeMap<LessonIndex, BTreeSet<usize>>,
    /// Latest answer to each question: (lesson, question index) → right?
    answers: BTreeMap<(LessonIndex, usize), bool>,
    quiz: Option<QuizRun>,
}

impl Session {
    pub fn new(course: Course, options: RenderOptions) -> Self {
        Session {
            course,
            options,
            position: None,
            seen: BTreeMap::new(),
            answers: BTreeMap::new(),
            quiz: None,
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

    /// The prompt, saying where the student is: `mptutor q3 2/4> `.
    pub fn prompt(&self) -> String {
        if let Some(quiz) = &self.quiz {
            let lesson = self.course.lesson(quiz.lesson);
            return format!(
                "mptutor {} quiz {}/{}> ",
                lesson.id,
                quiz.current + 1,
                quiz.total
            );
        }
        match self.position {
            None => "mptutor> ".to_string(),
            Some(at) => {
                let lesson = self.course.lesson(at.lesson);
                format!(
                    "mptutor {} {}/{}> ",
                    lesson.id,
                    at.step + 1,
                    lesson.steps.len()
                )
            }
        }
    }

    /// True while the next line is an answer to a quiz question.
    pub fn in_quiz(&self) -> bool {
        self.quiz.is_some()
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
        format!(
            "{}\n{} lessons. Type {} to see them, {} to start (or just press Enter), {} for commands.",
            styles.heading(&self.course.title),
            self.course.lessons.len(),
            styles.command("list"),
            styles.command(&format!("open {first}")),
            styles.command("help"),
        )
    }

    /// Ctrl-C at the prompt: leaves a quiz; otherwise nothing to undo.
    pub fn interrupt(&mut self) -> Option<Reply> {
        self.quiz.take().map(|_| self.say("Quiz stopped."))
    }

    /// Runs one typed line.
    pub fn handle(&mut self, line: &str) -> Reply {
        if self.quiz.is_some() {
            return self.answer(line.trim());
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
            Command::Code => self.code(),
            Command::Quiz => self.start_quiz(),
            Command::Compare(row) => self.compare(row.as_deref()),
            Command::Progress => Reply::text(self.progress()),
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
        self.seen.entry(lesson).or_default().insert(step);
        Reply::text(self.render_step(at, false))
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
        let following = LessonIndex(at.lesson.0 + 1);
        if following.0 < self.course.lessons.len() {
            self.go_to(following, 0)
        } else {
            self.say(
                "That was the last step of the course. `list` shows every lesson; `quit` leaves.",
            )
        }
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
            return self.fail(format!("Lesson {} has no demo to run.", lesson.id));
        };
        match block
            .demo
            .parse_assignments(assignments.iter().map(String::as_str))
        {
            Err(error) => self.fail(error.0),
            Ok(overrides) => Reply {
                demo: Some(DemoRequest {
                    demo: block.demo,
                    params: block.params.merged(&overrides),
                    explanation: lesson.steps[step].prose(),
                }),
                ..Reply::default()
            },
        }
    }

    fn code(&self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        match lesson.python_for_step(at.step) {
            Some(code) => Reply::text(render::render_code(code, &self.options)),
            None => self.fail(format!("Lesson {} has no Python example.", lesson.id)),
        }
    }

    fn compare(&self, row: Option<&str>) -> Reply {
        let found = self.course.lessons.iter().find_map(|lesson| {
            lesson.steps.iter().enumerate().find_map(|(step, content)| {
                content
                    .blocks
                    .iter()
                    .any(|block| matches!(block, Block::Demo(demo) if demo.demo.name == "compare"))
                    .then_some((lesson, step))
            })
        });
        let Some((lesson, step)) = found else {
            return self.fail("This course has no comparison of processes and threads.");
        };
        if let Some(row) = row {
            let rows = crate::demo::find_demo("compare").and_then(|demo| demo.param("row"));
            if let Some(spec) = rows
                && let Err(error) = spec.parse_text(row)
            {
                return self.fail(error.0);
            }
        }
        let mut text = render::render_step(lesson, step, &self.options);
        text.push_str("\n\n");
        text.push_str(&render::render_markdown(
            "The \"measured here\" column is not built yet: this version of mptutor does not run \
             the comparison experiments, so nothing was measured.",
            &self.options,
        ));
        Reply::text(text)
    }

    fn progress(&self) -> String {
        let header: Vec<String> = ["lesson", "title", "steps seen", "quiz"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = self
            .course
            .lessons
            .iter()
            .enumerate()
            .map(|(index, lesson)| {
                let index = LessonIndex(index);
                let seen = self.seen.get(&index).map_or(0, BTreeSet::len);
                let questions = lesson.quizzes().count();
                let (answered, right) = self
                    .answers
                    .iter()
                    .filter(|((lesson, _), _)| *lesson == index)
                    .fold((0, 0), |(answered, right), (_, ok)| {
                        (answered + 1, right + usize::from(*ok))
                    });
                let quiz = if answered == 0 {
                    format!("– of {questions}")
                } else {
                    format!("{right} right of {answered} answered ({questions} in all)")
                };
                vec![
                    lesson.id.clone(),
                    lesson.title.clone(),
                    format!("{seen}/{}", lesson.steps.len()),
                    quiz,
                ]
            })
            .collect();
        format!(
            "{}\n{}",
            render::render_table(&header, &rows, &self.options),
            render::render_markdown(
                "This table covers this session only: saving progress between sessions is not built yet.",
                &self.options
            )
        )
    }

    fn help(&self, topic: Option<&str>) -> Reply {
        let Some(topic) = topic else {
            let header = vec!["command".to_string(), "what it does".to_string()];
            let rows: Vec<Vec<String>> = COMMANDS
                .iter()
                .map(|info| {
                    let usage = if info.args.is_empty() {
                        info.name.to_string()
                    } else {
                        format!("{} {}", info.name, info.args)
                    };
                    vec![usage, info.summary.to_string()]
                })
                .collect();
            return Reply::text(format!(
                "{}\nTab completes commands, lesson ids and demo parameters. `help <command>` says more.",
                render::render_table(&header, &rows, &self.options)
            ));
        };
        let Some(info) = find_command(topic) else {
            let hint = did_you_mean(topic, COMMANDS.iter().map(|info| info.name))
                .map(|near| format!(" Did you mean `{near}`?"))
                .unwrap_or_default();
            return self.fail(format!("There is no command `{topic}`.{hint}"));
        };
        let mut markdown = format!("**{} {}**\n\n{}", info.name, info.args, info.details);
        if !info.aliases.is_empty() {
            let aliases: Vec<String> = info
                .aliases
                .iter()
                .map(|alias| format!("`{alias}`"))
                .collect();
            markdown.push_str(&format!(" Also typed as {}.", aliases.join(", ")));
        }
        let mut text = render::render_markdown(&markdown, &self.options);
        if info.name == "run"
            && let Some((at, lesson)) = self.current_lesson()
            && let Some(block) = lesson.demo_for_step(at.step)
        {
            text.push_str("\n\n");
            text.push_str(&render::render_demo_info(
                block.demo,
                &block.params,
                &self.options,
            ));
        }
        Reply::text(text.trim_start().to_string())
    }

    fn start_quiz(&mut self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let total = lesson.quizzes().count();
        if total == 0 {
            return self.fail(format!("Lesson {} has no quiz.", lesson.id));
        }
        self.quiz = Some(QuizRun {
            lesson: at.lesson,
            current: 0,
            total,
            right: 0,
        });
        Reply::text(self.ask())
    }

    fn ask(&self) -> String {
        let Some(run) = &self.quiz else {
            return String::new();
        };
        match self.course.lesson(run.lesson).quizzes().nth(run.current) {
            Some((_, quiz)) => {
                render::render_quiz_question(quiz, run.current + 1, run.total, &self.options)
            }
            None => String::new(),
        }
    }

    fn answer(&mut self, text: &str) -> Reply {
        let Some(run) = self.quiz.clone() else {
            return Reply::default();
        };
        if ["stop", "quit", "exit"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
        {
            self.quiz = None;
            return self.say(&format!(
                "Quiz stopped after {} of {} questions.",
                run.current, run.total
            ));
        }
        let lesson = self.course.lesson(run.lesson);
        let Some((_, quiz)) = lesson.quizzes().nth(run.current) else {
            self.quiz = None;
            return Reply::default();
        };
        let count = quiz.choices.len();
        let Some(chosen) = choice_number(text, count) else {
            let last_letter = char::from(b'a' + u8::try_from(count.min(26) - 1).unwrap_or(0));
            return self.fail(format!(
                "Answer with a number from 1 to {count} or a letter from a to {last_letter}; `stop` leaves the quiz."
            ));
        };
        let right = chosen == quiz.answer;
        let mut reply = render::render_quiz_feedback(quiz, chosen, &self.options);
        self.answers.insert((run.lesson, run.current), right);
        let run = QuizRun {
            current: run.current + 1,
            right: run.right + usize::from(right),
            ..run
        };
        if run.current < run.total {
            self.quiz = Some(run);
            reply.push_str("\n\n");
            reply.push_str(&self.ask());
        } else {
            self.quiz = None;
            reply.push_str("\n\n");
            reply.push_str(&render::render_markdown(
                &format!(
                    "Quiz done: {} of {} right. `next` moves on; `quiz` asks again.",
                    run.right, run.total
                ),
                &self.options,
            ));
        }
        Reply::text(reply)
    }
}

/// `1`…`count` or `a`…: the 1-based choice, if the text is one.
fn choice_number(text: &str, count: usize) -> Option<usize> {
    let text = text.trim().trim_end_matches([')', '.']);
    let number = match text.parse::<usize>() {
        Ok(n) => n,
        Err(_) => {
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(letter), None) if letter.is_ascii_alphabetic() => {
                    usize::from(letter.to_ascii_lowercase() as u8 - b'a') + 1
                }
                _ => return None,
            }
        }
    };
    (1..=count).contains(&number).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::choice_number;

    #[test]
    fn answers_by_number_or_letter() {
        assert_eq!(choice_number("2", 3), Some(2));
        assert_eq!(choice_number("B", 3), Some(2));
        assert_eq!(choice_number("c)", 3), Some(3));
        assert_eq!(choice_number("d", 3), None);
        assert_eq!(choice_number("0", 3), None);
        assert_eq!(choice_number("two", 3), None);
    }
}
