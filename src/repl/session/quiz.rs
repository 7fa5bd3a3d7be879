//! Questions and help: `quiz` asks the step's questions (`quiz all` the
//! lesson's), `review` asks again questions of lessons already seen, spaced
//! out over sessions (see `review.rs`), `hint` gives a step's hints one at
//! a time. Every settled answer is recorded in the saved progress, and so
//! is how far a quiz got, so a quiz stopped in any way (`stop`, another
//! command, leaving mptutor, a closed terminal) resumes where it stopped.

use super::quiz_line::{QuizLine, quiz_help, read_quiz_line};
use super::{Pending, Reply, Session};
use crate::course::{Block, Course, LessonIndex, Quiz};
use crate::progress::{Change, StoppedQuiz};
use crate::render;

/// Which questions a run asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum QuizKind {
    /// A lesson's questions: those of step `step` (0-based), or every one
    /// when `None` (`quiz all`).
    Lesson {
        lesson: LessonIndex,
        step: Option<usize>,
    },
    /// Questions due for review, in review session `session`.
    Review { session: u64 },
}

/// One question of a run, and the order its choices are shown in.
#[derive(Debug, Clone)]
pub(super) struct Asked {
    pub(super) lesson: LessonIndex,
    /// Index into the lesson's `quizzes()`; the question's number is this + 1.
    pub(super) index: usize,
    /// For each choice shown (in order), the index of the lesson's choice.
    pub(super) order: Vec<usize>,
}

/// A quiz being answered, one question at a time.
#[derive(Debug, Clone)]
pub(super) struct QuizRun {
    pub(super) kind: QuizKind,
    pub(super) questions: Vec<Asked>,
    /// Index into `questions` of the one being asked.
    pub(super) current: usize,
    pub(super) right_first_try: usize,
    pub(super) right_on_retry: usize,
    /// The choice (as shown, from 1) a wrong first try picked: the current
    /// question is on its second and last try.
    pub(super) first_try: Option<usize>,
}

impl QuizRun {
    pub(super) fn new(kind: QuizKind, questions: Vec<Asked>) -> Self {
        QuizRun {
            kind,
            questions,
            current: 0,
            right_first_try: 0,
            right_on_retry: 0,
            first_try: None,
        }
    }

    /// `mptutor q3 quiz 2/5> `, or `mptutor review 1/3> `.
    pub(super) fn prompt(&self, course: &Course) -> String {
        let progress = format!("{}/{}", self.current + 1, self.questions.len());
        match self.kind {
            QuizKind::Review { .. } => format!("mptutor review {progress}> "),
            QuizKind::Lesson { lesson, .. } => {
                format!("mptutor {} quiz {progress}> ", course.lesson(lesson).id)
            }
        }
    }

    fn right(&self) -> usize {
        self.right_first_try + self.right_on_retry
    }

    pub(super) fn is_review(&self) -> bool {
        matches!(self.kind, QuizKind::Review { .. })
    }

    /// The step (from 1) this quiz asks, as saved: `None` for `quiz all`
    /// and for a review.
    fn saved_step(&self) -> Option<usize> {
        match self.kind {
            QuizKind::Lesson { step, .. } => step.map(|step| step + 1),
            QuizKind::Review { .. } => None,
        }
    }

    /// The command that resumes this quiz, for messages.
    fn resume_command(&self, course: &Course) -> String {
        match self.kind {
            QuizKind::Lesson {
                lesson,
                step: Some(step),
            } => format!(
                "`quiz` at step {} of {} resumes it",
                step + 1,
                course.lesson(lesson).id
            ),
            QuizKind::Lesson { lesson, step: None } => {
                format!("`quiz all` in {} resumes it", course.lesson(lesson).id)
            }
            QuizKind::Review { .. } => "what is left stays due for `review`".to_string(),
        }
    }
}

impl Session {
    /// `quiz` (the step's questions) or `quiz all` (the lesson's).
    pub(super) fn start_quiz(&mut self, all: bool) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let quizzes: Vec<(usize, usize)> = lesson
            .quizzes()
            .enumerate()
            .map(|(index, (step, _))| (index, step))
            .collect();
        if quizzes.is_empty() {
            return self.fail(format!("Lesson {} has no quiz.", lesson.id));
        }
        let chosen: Vec<usize> = quizzes
            .iter()
            .filter(|(_, step)| all || *step == at.step)
            .map(|(index, _)| *index)
            .collect();
        if chosen.is_empty() {
            let mut steps: Vec<usize> = quizzes.iter().map(|(_, step)| step + 1).collect();
            steps.dedup();
            let listed = crate::findings::words::and_list(
                &steps.iter().map(ToString::to_string).collect::<Vec<_>>(),
            );
            let which = if steps.len() == 1 { "Step" } else { "Steps" };
            return self.fail(format!(
                "Step {} of {} has no questions. {which} {listed} {} (`step {}`, then `quiz`); \
                 `quiz all` asks all {} of the lesson.",
                at.step + 1,
                lesson.id,
                if steps.len() == 1 {
                    "has some"
                } else {
                    "have some"
                },
                steps[0],
                quizzes.len()
            ));
        }
        let kind = QuizKind::Lesson {
            lesson: at.lesson,
            step: (!all).then_some(at.step),
        };
        let questions = chosen
            .into_iter()
            .map(|index| Asked {
                lesson: at.lesson,
                index,
                order: (0..self
                    .quiz_of(at.lesson, index)
                    .map_or(0, |q| q.choices.len()))
                    .collect(),
            })
            .collect();
        let mut run = QuizRun::new(kind, questions);
        let mut intro = String::new();
        if let Some(stopped) = self.stopped_here(&run) {
            run.current = stopped.answered;
            run.right_first_try = stopped.right_first_try.min(stopped.answered);
            run.right_on_retry = stopped
                .right_on_retry
                .min(stopped.answered - run.right_first_try);
            intro = render::render_markdown(
                &format!(
                    "Resuming where this quiz stopped: question {} of {} ({} answered before).",
                    run.current + 1,
                    run.questions.len(),
                    run.current
                ),
                &self.options,
            ) + "\n\n";
        }
        let text = format!("{intro}{}", self.ask(&run));
        self.pending = Some(Pending::Quiz(run));
        Reply::text(text)
    }

    /// Where the quiz `run` asks was stopped, when it can resume there.
    /// Instructor mode saves nothing, and resumes nothing.
    fn stopped_here(&self, run: &QuizRun) -> Option<StoppedQuiz> {
        let QuizKind::Lesson { lesson, .. } = run.kind else {
            return None;
        };
        if self.presenting {
            return None;
        }
        let id = &self.course.lesson(lesson).id;
        let stopped = self.saved()?.stopped_quiz(id, run.saved_step())?;
        (1..run.questions.len())
            .contains(&stopped.answered)
            .then(|| stopped.clone())
    }

    pub(super) fn quiz_of(&self, lesson: LessonIndex, index: usize) -> Option<&Quiz> {
        self.course
            .lesson(lesson)
            .quizzes()
            .nth(index)
            .map(|(_, quiz)| quiz)
    }

    /// The current question as shown: its choices in the run's order, and
    /// `answer` the number of the right one among them.
    pub(super) fn shown_quiz(&self, run: &QuizRun) -> Option<Quiz> {
        let asked = run.questions.get(run.current)?;
        let quiz = self.quiz_of(asked.lesson, asked.index)?;
        let choices: Vec<String> = asked
            .order
            .iter()
            .filter_map(|&original| quiz.choices.get(original).cloned())
            .collect();
        if choices.len() != quiz.choices.len() {
            return Some(quiz.clone());
        }
        // Checked by content: the shown choice that is the lesson's answer.
        let right = quiz.choices.get(quiz.answer.wrapping_sub(1))?;
        let answer = choices.iter().position(|choice| choice == right)? + 1;
        Some(Quiz {
            choices,
            answer,
            ..quiz.clone()
        })
    }

    /// The question `run` is at, numbered within the run.
    pub(super) fn ask(&self, run: &QuizRun) -> String {
        let (Some(asked), Some(quiz)) = (run.questions.get(run.current), self.shown_quiz(run))
        else {
            return String::new();
        };
        let lesson = self.course.lesson(asked.lesson);
        let text = render::render_quiz_question(
            &quiz,
            run.current + 1,
            run.questions.len(),
            &self.options,
        );
        let from = match run.kind {
            QuizKind::Review { .. } => {
                format!("(lesson {}, question {})", lesson.id, asked.index + 1)
            }
            QuizKind::Lesson { step: None, .. } => {
                let step = lesson
                    .quizzes()
                    .nth(asked.index)
                    .map_or(0, |(step, _)| step);
                format!("(step {})", step + 1)
            }
            QuizKind::Lesson { step: Some(_), .. } => return text,
        };
        format!("{}\n{text}", render::Styles::new(&self.options).dim(&from))
    }

    /// Takes `text` as the answer to `run`'s current question.
    pub(super) fn answer(&mut self, mut run: QuizRun, text: &str) -> Reply {
        let Some(quiz) = self.shown_quiz(&run) else {
            return Reply::default();
        };
        match read_quiz_line(text, quiz.choices.len(), &self.course) {
            QuizLine::Stop => self.say(&self.stopped_message(&run)),
            QuizLine::Quit => {
                let mut reply = self.say(&self.stopped_message(&run));
                reply.quit = true;
                reply
            }
            QuizLine::Command => {
                let stopped = render::render_markdown(&self.stopped_message(&run), &self.options);
                let mut reply = self.handle(text);
                reply.text = format!("{stopped}\n\n{}", reply.text);
                reply
            }
            QuizLine::Help(topic) => {
                let reply = match topic {
                    Some(topic) => self.help(Some(&topic)),
                    None => self.say(&quiz_help(&run)),
                };
                self.pending = Some(Pending::Quiz(run));
                reply
            }
            QuizLine::Hint => {
                let reply = match &quiz.hint {
                    Some(hint) => self.say(&format!("**Hint**\n\n{hint}")),
                    None => self.say(
                        "This question has no hint. Answer with the number or letter of a \
                         choice; `stop` leaves the quiz.",
                    ),
                };
                self.pending = Some(Pending::Quiz(run));
                reply
            }
            QuizLine::NotAnAnswer => {
                let count = quiz.choices.len();
                let last_letter = char::from(b'a' + u8::try_from(count.min(26) - 1).unwrap_or(0));
                let reply = self.fail(format!(
                    "Answer with a number from 1 to {count} or a letter from a to {last_letter}; \
                     `hint` may help, `help` says more, `stop` leaves the quiz."
                ));
                self.pending = Some(Pending::Quiz(run));
                reply
            }
            QuizLine::Choice(chosen) if run.first_try == Some(chosen) => {
                let reply = self.say(&format!(
                    "{chosen} is the choice you tried first; pick another for your second try."
                ));
                self.pending = Some(Pending::Quiz(run));
                reply
            }
            QuizLine::Choice(chosen) => {
                let right = chosen == quiz.answer;
                if !right && run.first_try.is_none() && !run.is_review() {
                    run.first_try = Some(chosen);
                    let text = render::render_quiz_retry(&quiz, chosen, &self.options);
                    self.pending = Some(Pending::Quiz(run));
                    return Reply::text(text);
                }
                self.settle(run, &quiz, chosen, right)
            }
        }
    }

    /// The current question is answered for good: feedback, the next
    /// question or the end of the run, and what to save.
    fn settle(&mut self, run: QuizRun, quiz: &Quiz, chosen: usize, right: bool) -> Reply {
        let Some(asked) = run.questions.get(run.current).cloned() else {
            return Reply::default();
        };
        let retried = run.first_try.is_some();
        let mut text = if retried {
            render::render_quiz_feedback_after_retry(quiz, chosen, &self.options)
        } else {
            render::render_quiz_feedback(quiz, chosen, &self.options)
        };
        let run = QuizRun {
            current: run.current + 1,
            right_first_try: run.right_first_try + usize::from(right && !retried),
            right_on_retry: run.right_on_retry + usize::from(right && retried),
            first_try: None,
            ..run
        };
        let id = self.course.lesson(asked.lesson).id.clone();
        let question = asked.index + 1;
        let mut changes = vec![match run.kind {
            QuizKind::Review { session } => Change::Reviewed {
                lesson: id.clone(),
                question,
                right,
                session,
            },
            QuizKind::Lesson { .. } => Change::Answered {
                lesson: id.clone(),
                question,
                right,
                retried,
            },
        }];
        let finished = run.current >= run.questions.len();
        if !run.is_review() {
            changes.push(if finished {
                Change::QuizFinished {
                    lesson: id,
                    step: run.saved_step(),
                }
            } else {
                Change::QuizStopped {
                    lesson: id,
                    place: StoppedQuiz {
                        step: run.saved_step(),
                        answered: run.current,
                        right_first_try: run.right_first_try,
                        right_on_retry: run.right_on_retry,
                    },
                }
            });
        }
        text.push_str("\n\n");
        if finished {
            text.push_str(&render::render_markdown(
                &self.done_message(&run),
                &self.options,
            ));
        } else {
            text.push_str(&self.ask(&run));
            self.pending = Some(Pending::Quiz(run));
        }
        self.save_changes(Reply::text(text), changes)
    }

    fn done_message(&self, run: &QuizRun) -> String {
        let total = run.questions.len();
        let right = run.right();
        if run.is_review() {
            return if right == total {
                format!("Review done: all {total} right now.")
            } else {
                format!(
                    "Review done: {right} of {total} right now; the other {} come{} back in your \
                     next session.",
                    total - right,
                    if total - right == 1 { "s" } else { "" }
                )
            };
        }
        let retries = match run.right_on_retry {
            0 => String::new(),
            n => format!(" ({n} on the second try)"),
        };
        format!(
            "Quiz done: {right} of {total} right{retries}. `next` moves on; `quiz` asks again; \
             `progress` shows your scores."
        )
    }

    /// What stopping `run` now means: how far it got, and how to go on.
    fn stopped_message(&self, run: &QuizRun) -> String {
        let what = if run.is_review() { "Review" } else { "Quiz" };
        let total = run.questions.len();
        if run.current == 0 {
            return format!("{what} stopped before its first answer.");
        }
        let kept = if self.presenting && !run.is_review() {
            "instructor mode keeps no place to resume".to_string()
        } else {
            run.resume_command(&self.course)
        };
        format!(
            "{what} stopped after {} of {total} questions; {kept}.",
            run.current
        )
    }

    /// Ctrl-C during a quiz.
    pub(super) fn quiz_interrupted(&self, run: &QuizRun) -> Reply {
        self.say(&self.stopped_message(run))
    }
}

impl Session {
    /// The current step's next hint.
    pub(super) fn hint(&mut self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let hints: Vec<String> = lesson.steps[at.step]
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Hint(markdown) => Some(markdown.clone()),
                _ => None,
            })
            .collect();
        if hints.is_empty() {
            return self.say("This step has no hints.");
        }
        let shown = self.hints_shown.entry(at).or_default();
        let Some(hint) = hints.get(*shown) else {
            return self.say(&format!(
                "No more hints: that was the last of {} for this step.",
                hints.len()
            ));
        };
        *shown += 1;
        let number = *shown;
        let more = if number < hints.len() {
            "`hint` again for the next one."
        } else {
            "That was the last one."
        };
        self.say(&format!(
            "**Hint {number} of {}**\n\n{hint}\n\n{more}",
            hints.len()
        ))
    }

    /// How many of the hints of the step at `at` were shown. Going back to
    /// a step does not hide them again.
    #[cfg(test)]
    fn hints_seen(&self, at: super::Position) -> usize {
        self.hints_shown.get(&at).copied().unwrap_or(0)
    }
}

/// `1`…`count` or `a`…: the 1-based choice, if the text is one.
pub(super) fn choice_number(text: &str, count: usize) -> Option<usize> {
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
    use super::*;

    #[test]
    fn answers_by_number_or_letter() {
        assert_eq!(choice_number("2", 3), Some(2));
        assert_eq!(choice_number("B", 3), Some(2));
        assert_eq!(choice_number("c)", 3), Some(3));
        assert_eq!(choice_number("d", 3), None);
        assert_eq!(choice_number("0", 3), None);
        assert_eq!(choice_number("two", 3), None);
    }

    #[test]
    fn hints_come_one_at_a_time_then_run_out() {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut session = Session::new(course, render::RenderOptions::plain(80));
        let q6 = session
            .course
            .find_lesson("q6")
            .expect("the built-in course has q6");
        session.handle("open q6");
        let total = session.course.lesson(q6).steps[0]
            .blocks
            .iter()
            .filter(|block| matches!(block, Block::Hint(_)))
            .count();
        assert!(total > 0, "q6 step 1 has hints");
        let at = super::super::Position {
            lesson: q6,
            step: 0,
        };
        for number in 1..=total {
            let reply = session.handle("hint");
            assert!(
                reply.text.contains(&format!("Hint {number} of {total}")),
                "{}",
                reply.text
            );
            assert_eq!(session.hints_seen(at), number);
        }
        assert!(session.handle("hint").text.contains("No more hints"));
    }
}
