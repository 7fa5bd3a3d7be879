//! Questions and help: `quiz` asks a lesson's questions, `review` asks
//! again the ones answered wrong anywhere, `hint` gives a step's hints one
//! at a time. Every answer is recorded in the saved progress.

use super::{Pending, Reply, Session};
use crate::course::{Block, Course, LessonIndex};
use crate::progress::Change;
use crate::render;

/// Which questions a run asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuizKind {
    /// Every question of one lesson.
    Lesson,
    /// Every question answered wrong, in any lesson.
    Review,
}

/// A quiz being answered, one question at a time.
#[derive(Debug, Clone)]
pub(super) struct QuizRun {
    kind: QuizKind,
    /// (lesson, index into its `quizzes()`), in the order they are asked.
    questions: Vec<(LessonIndex, usize)>,
    /// Index into `questions` of the one being asked.
    current: usize,
    right: usize,
}

impl QuizRun {
    /// `mptutor q3 quiz 2/5> `, or `mptutor review 1/3> `.
    pub(super) fn prompt(&self, course: &Course) -> String {
        let progress = format!("{}/{}", self.current + 1, self.questions.len());
        match self.kind {
            QuizKind::Review => format!("mptutor review {progress}> "),
            QuizKind::Lesson => {
                let id = self
                    .questions
                    .first()
                    .map_or("", |(lesson, _)| course.lesson(*lesson).id.as_str());
                format!("mptutor {id} quiz {progress}> ")
            }
        }
    }
}

impl Session {
    pub(super) fn start_quiz(&mut self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let total = lesson.quizzes().count();
        if total == 0 {
            return self.fail(format!("Lesson {} has no quiz.", lesson.id));
        }
        let run = QuizRun {
            kind: QuizKind::Lesson,
            questions: (0..total).map(|index| (at.lesson, index)).collect(),
            current: 0,
            right: 0,
        };
        let text = self.ask(&run);
        self.pending = Some(Pending::Quiz(run));
        Reply::text(text)
    }

    pub(super) fn start_review(&mut self) -> Reply {
        let wrong = self
            .progress
            .course(&self.course.title)
            .map(|saved| saved.wrong_answers())
            .unwrap_or_default();
        let mut questions: Vec<(LessonIndex, usize)> = wrong
            .iter()
            .filter_map(|(id, number)| {
                let index = self.course.find_lesson(id)?;
                let count = self.course.lesson(index).quizzes().count();
                (1..=count).contains(number).then_some((index, number - 1))
            })
            .collect();
        questions.sort_unstable();
        if questions.is_empty() {
            return self.say(
                "Nothing to review: no question you answered is marked wrong. `quiz` asks the \
                 open lesson's questions.",
            );
        }
        let run = QuizRun {
            kind: QuizKind::Review,
            questions,
            current: 0,
            right: 0,
        };
        let count = run.questions.len();
        let intro = render::render_markdown(
            &format!(
                "Reviewing {count} question{} you answered wrong. `stop` leaves.",
                if count == 1 { "" } else { "s" }
            ),
            &self.options,
        );
        let text = format!("{intro}\n\n{}", self.ask(&run));
        self.pending = Some(Pending::Quiz(run));
        Reply::text(text)
    }

    /// The question `run` is at, numbered within the run.
    fn ask(&self, run: &QuizRun) -> String {
        let Some(&(lesson, index)) = run.questions.get(run.current) else {
            return String::new();
        };
        let lesson = self.course.lesson(lesson);
        let Some((_, quiz)) = lesson.quizzes().nth(index) else {
            return String::new();
        };
        let mut text =
            render::render_quiz_question(quiz, run.current + 1, run.questions.len(), &self.options);
        if run.kind == QuizKind::Review {
            let from = render::Styles::new(&self.options).dim(&format!(
                "(lesson {}, question {})",
                lesson.id,
                index + 1
            ));
            text = format!("{from}\n{text}");
        }
        text
    }

    /// Takes `text` as the answer to `run`'s current question.
    pub(super) fn answer(&mut self, run: QuizRun, text: &str) -> Reply {
        if ["stop", "quit", "exit"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
        {
            let what = match run.kind {
                QuizKind::Lesson => "Quiz",
                QuizKind::Review => "Review",
            };
            return self.say(&format!(
                "{what} stopped after {} of {} questions.",
                run.current,
                run.questions.len()
            ));
        }
        let Some(&(lesson_index, index)) = run.questions.get(run.current) else {
            return Reply::default();
        };
        let lesson = self.course.lesson(lesson_index);
        let Some((_, quiz)) = lesson.quizzes().nth(index) else {
            return Reply::default();
        };
        let count = quiz.choices.len();
        let Some(chosen) = choice_number(text, count) else {
            let last_letter = char::from(b'a' + u8::try_from(count.min(26) - 1).unwrap_or(0));
            let reply = self.fail(format!(
                "Answer with a number from 1 to {count} or a letter from a to {last_letter}; \
                 `stop` leaves the quiz."
            ));
            self.pending = Some(Pending::Quiz(run));
            return reply;
        };
        let right = chosen == quiz.answer;
        let mut text = render::render_quiz_feedback(quiz, chosen, &self.options);
        let id = lesson.id.clone();
        let run = QuizRun {
            current: run.current + 1,
            right: run.right + usize::from(right),
            ..run
        };
        text.push_str("\n\n");
        if run.current < run.questions.len() {
            text.push_str(&self.ask(&run));
            self.pending = Some(Pending::Quiz(run));
        } else {
            let total = run.questions.len();
            let done = match run.kind {
                QuizKind::Lesson => format!(
                    "Quiz done: {} of {total} right. `next` moves on; `quiz` asks again; \
                     `progress` shows your scores.",
                    run.right
                ),
                QuizKind::Review if run.right == total => {
                    format!("Review done: all {total} right now.")
                }
                QuizKind::Review => format!(
                    "Review done: {} of {total} right now; `review` asks the other {} again.",
                    run.right,
                    total - run.right
                ),
            };
            text.push_str(&render::render_markdown(&done, &self.options));
        }
        self.update_progress(
            Reply::text(text),
            Change::Answered {
                lesson: id,
                question: index + 1,
                right,
            },
        )
    }

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
