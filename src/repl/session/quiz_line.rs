//! What a line typed during a quiz is: an answer, a way out, `help` or
//! `hint`, or a command of its own that stops the quiz and runs.

use super::quiz::{QuizRun, choice_number};
use crate::course::Course;
use crate::repl::commands::parse;

/// The words that leave a quiz, staying in mptutor.
const STOP_WORDS: &[&str] = &["stop", "quit quiz", "stop quiz", "exit quiz", "stop review"];

/// What a line typed during a quiz is.
pub(super) enum QuizLine {
    Stop,
    /// Leave mptutor (`quit`, `exit`).
    Quit,
    Help(Option<String>),
    Hint,
    Choice(usize),
    /// A command of its own (`next`, `open q4`, a lesson id): the quiz stops
    /// and the command runs.
    Command,
    NotAnAnswer,
}

pub(super) fn read_quiz_line(text: &str, choices: usize, course: &Course) -> QuizLine {
    let lowered = text.to_ascii_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let joined = words.join(" ");
    if STOP_WORDS.contains(&joined.as_str()) {
        return QuizLine::Stop;
    }
    match words.as_slice() {
        ["quit"] | ["exit"] => return QuizLine::Quit,
        ["help"] | ["?"] => return QuizLine::Help(None),
        ["help" | "?", topic] => return QuizLine::Help(Some((*topic).to_string())),
        ["hint"] => return QuizLine::Hint,
        _ => {}
    }
    if let Some(chosen) = choice_number(text, choices) {
        return QuizLine::Choice(chosen);
    }
    // A single letter or a number is an answer out of range, never a
    // command (`b` is also `back`, `3` also lesson 3).
    let is_answer_like = text.chars().count() <= 1 || text.trim().parse::<usize>().is_ok();
    if !is_answer_like
        && (parse(text).is_ok() || (words.len() == 1 && course.find_lesson(text).is_some()))
    {
        return QuizLine::Command;
    }
    QuizLine::NotAnAnswer
}

/// `help` during a quiz.
pub(super) fn quiz_help(run: &QuizRun) -> String {
    let tries = if run.is_review() {
        "In review each question gets one try, its choices shuffled."
    } else {
        "A wrong first answer may be tried once more before the right one is shown."
    };
    format!(
        "**You are answering a question.** Type the number or letter of a choice (`2` or `b`). \
         {tries} `hint` gives the question's hint, when it has one. `stop` (or `quit quiz`) \
         leaves; so does any other command (`next`, `open q4`), which then runs. A stopped quiz \
         resumes at the same question the next time you ask for it, even after a restart. \
         `quit` leaves mptutor. `help <command>` explains a command."
    )
}
