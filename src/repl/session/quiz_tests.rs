//! Quizzes and reviews driven through the session, as a student types them.

use super::quiz::QuizRun;
use super::{Pending, Session};
use crate::course::{Block, Course};
use crate::progress::ProgressFile;
use crate::render::RenderOptions;

fn course() -> Course {
    crate::course::load_builtin().expect("built-in course")
}

fn session() -> Session {
    Session::new(course(), RenderOptions::plain(200))
}

/// A session keeping its progress in `file`, as a restart of mptutor would.
fn session_on(file: &std::path::Path) -> Session {
    let mut session = session();
    assert!(session.keep_progress_in(ProgressFile::new(file)).is_none());
    session
}

fn run_of(session: &Session) -> &QuizRun {
    match &session.pending {
        Some(Pending::Quiz(run)) => run,
        other => panic!("no quiz is being asked: {other:?}"),
    }
}

/// The letter a student types for the right answer of the question being
/// asked, as its choices are shown; and a letter of a wrong one.
fn right_and_wrong_letters(session: &Session) -> (String, String) {
    let run = run_of(session);
    let quiz = session.shown_quiz(run).expect("a question");
    let letter =
        |number: usize| char::from(b'a' + u8::try_from(number - 1).expect("few")).to_string();
    let wrong = (1..=quiz.choices.len())
        .find(|number| *number != quiz.answer)
        .expect("a wrong choice");
    (letter(quiz.answer), letter(wrong))
}

/// The right answer, as its number in the lesson, of question `index`
/// (from 0) of lesson `id`.
fn answer_of(id: &str, index: usize) -> usize {
    let course = course();
    let lesson = course.find_lesson(id).expect("the lesson");
    course
        .lesson(lesson)
        .quizzes()
        .nth(index)
        .expect("the question")
        .1
        .answer
}

fn a_wrong_answer_of(id: &str, index: usize) -> usize {
    if answer_of(id, index) == 1 { 2 } else { 1 }
}

#[test]
fn quiz_asks_the_steps_questions_and_quiz_all_the_lessons() {
    let mut session = session();
    session.handle("open q3");
    session.handle("step 5");
    let reply = session.handle("quiz");
    assert!(reply.text.contains("Question 1 of 2"), "{}", reply.text);
    assert_eq!(session.prompt(), "mptutor q3 quiz 1/2> ");
    session.handle("stop");
    let reply = session.handle("quiz all");
    assert!(reply.text.contains("Question 1 of 10"), "{}", reply.text);
    assert!(reply.text.contains("(step 1)"), "{}", reply.text);
}

#[test]
fn a_step_without_questions_names_the_steps_that_have_some() {
    let mut session = session();
    session.handle("open q4");
    let reply = session.handle("quiz");
    assert!(reply.is_error);
    assert!(
        reply
            .text
            .contains("Step 1 of q4 has no questions. Steps 2, 3, 5 and 6 have some"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("`quiz all` asks all 4"),
        "{}",
        reply.text
    );
    assert!(session.pending.is_none());
}

#[test]
fn a_wrong_answer_may_be_tried_once_more_before_the_explanation() {
    let mut session = session();
    session.handle("open q6");
    session.handle("step 2");
    session.handle("quiz");
    let wrong = a_wrong_answer_of("q6", 0);
    let reply = session.handle(&wrong.to_string());
    assert!(reply.text.contains("Try once more"), "{}", reply.text);
    assert!(!reply.text.contains("the answer is"), "{}", reply.text);
    assert!(session.in_quiz(), "the question waits for its second try");
    let reply = session.handle(&wrong.to_string());
    assert!(
        reply.text.contains("the choice you tried first"),
        "{}",
        reply.text
    );
    let reply = session.handle(&answer_of("q6", 0).to_string());
    assert!(
        reply.text.contains("Right, on the second try"),
        "{}",
        reply.text
    );
    assert!(
        reply
            .text
            .contains("Quiz done: 1 of 1 right (1 on the second try)")
    );
    let saved = &session.saved().expect("progress").lessons["q6"];
    assert!(saved.right.contains(&1) && saved.right_on_retry.contains(&1));

    // Wrong twice: the right answer and the explanation.
    session.handle("step 3");
    session.handle("quiz");
    let answer = answer_of("q6", 1);
    let wrong: Vec<usize> = (1..=4).filter(|n| *n != answer).collect();
    session.handle(&wrong[0].to_string());
    let reply = session.handle(&wrong[1].to_string());
    assert!(
        reply
            .text
            .contains(&format!("Not quite — the answer is {answer})")),
        "{}",
        reply.text
    );
    let course = course();
    let q6 = course.lesson(course.find_lesson("q6").expect("q6"));
    let explain = &q6.quizzes().nth(1).expect("question 2").1.explain;
    let first_words: String = explain
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(reply.text.contains(&first_words), "{}", reply.text);
    assert!(
        session.saved().expect("progress").lessons["q6"]
            .wrong
            .contains(&2)
    );
}

#[test]
fn a_stopped_quiz_resumes_at_the_next_question_after_a_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("progress.toml");
    let mut first = session_on(&file);
    first.handle("open q3");
    first.handle("step 5");
    first.handle("quiz");
    first.handle(&answer_of("q3", 4).to_string());
    let reply = first.handle("stop");
    assert!(
        reply
            .text
            .contains("Quiz stopped after 1 of 2 questions; `quiz` at step 5 of q3 resumes it"),
        "{}",
        reply.text
    );
    drop(first);

    let mut second = session_on(&file);
    second.handle("open q3");
    // Another step's quiz is its own.
    second.handle("quiz");
    assert_eq!(second.prompt(), "mptutor q3 quiz 1/1> ");
    second.handle("stop");
    second.handle("step 5");
    let reply = second.handle("quiz");
    assert!(
        reply
            .text
            .contains("Resuming where this quiz stopped: question 2 of 2"),
        "{}",
        reply.text
    );
    assert_eq!(second.prompt(), "mptutor q3 quiz 2/2> ");
    let reply = second.handle(&answer_of("q3", 5).to_string());
    assert!(
        reply.text.contains("Quiz done: 2 of 2 right"),
        "{}",
        reply.text
    );
    // Finished: the next `quiz` starts again at the first question.
    second.handle("quiz");
    assert_eq!(second.prompt(), "mptutor q3 quiz 1/2> ");
}

#[test]
fn another_command_stops_the_quiz_and_runs() {
    let mut session = session();
    session.handle("open q3");
    session.handle("quiz all");
    session.handle(&answer_of("q3", 0).to_string());
    let reply = session.handle("next");
    assert!(
        reply.text.contains("Quiz stopped after 1 of 10 questions"),
        "{}",
        reply.text
    );
    assert_eq!(session.prompt(), "mptutor q3 2/9> ");
    // A letter is an answer even when it is also a command's alias.
    session.handle("quiz");
    let reply = session.handle("b");
    assert!(!reply.text.contains("Quiz stopped"), "{}", reply.text);
}

#[test]
fn hint_and_help_answer_inside_a_quiz_and_the_question_waits() {
    let mut course = course();
    let q6 = course.find_lesson("q6").expect("q6");
    for block in &mut course.lessons[q6.0].steps[1].blocks {
        if let Block::Quiz(quiz) = block {
            quiz.hint = Some("Think of who decides when each process runs.".to_string());
        }
    }
    let mut session = Session::new(course, RenderOptions::plain(200));
    session.handle("open q6");
    session.handle("step 2");
    session.handle("quiz");
    let reply = session.handle("hint");
    assert!(
        reply.text.contains("who decides when each process runs"),
        "{}",
        reply.text
    );
    assert!(session.in_quiz());
    let reply = session.handle("help");
    assert!(reply.text.contains("once more"), "{}", reply.text);
    assert!(reply.text.contains("`stop`"), "{}", reply.text);
    let reply = session.handle("help review");
    assert!(reply.text.contains("shuffled"), "{}", reply.text);
    assert_eq!(session.prompt(), "mptutor q6 quiz 1/1> ");
    let reply = session.handle(&a_wrong_answer_of("q6", 0).to_string());
    assert!(reply.text.contains("(`hint` may help)"), "{}", reply.text);

    // A question without a hint says so, and gives none.
    let mut session = self::session();
    session.handle("open q6");
    session.handle("step 3");
    session.handle("quiz");
    let reply = session.handle("hint");
    assert!(
        reply.text.contains("This question has no hint"),
        "{}",
        reply.text
    );
    assert!(session.in_quiz());
}

#[test]
fn review_takes_the_right_answer_by_its_content_whatever_its_letter() {
    let mut letters = std::collections::BTreeSet::new();
    for seed in 0..12 {
        let mut session = session();
        session.shuffle = fastrand::Rng::with_seed(seed);
        session.handle("open q6");
        for _ in 0..4 {
            session.handle("next");
        }
        let reply = session.handle("review");
        assert!(
            reply.text.contains("4 questions due: 4 not yet reviewed"),
            "{}",
            reply.text
        );
        assert!(reply.text.contains("shuffled"), "{}", reply.text);
        for number in 1..=4 {
            let run = run_of(&session);
            let asked = &run.questions[run.current];
            let original = &session
                .quiz_of(asked.lesson, asked.index)
                .expect("a question")
                .clone();
            let (right, _) = right_and_wrong_letters(&session);
            // The shown question holds the lesson's right choice under that letter.
            let reply_text = session.ask(run);
            let index = usize::from(right.as_bytes()[0] - b'a');
            assert_eq!(
                session.shown_quiz(run).expect("shown").choices[index],
                original.choices[original.answer - 1],
                "{reply_text}"
            );
            letters.insert((asked.index, right.clone()));
            let reply = session.handle(&right);
            assert!(reply.text.contains("✓ Right"), "{}", reply.text);
            if number == 4 {
                assert!(
                    reply.text.contains("Review done: all 4 right now"),
                    "{}",
                    reply.text
                );
            }
        }
    }
    // Over a dozen shuffles, each question's answer was shown under more
    // than one letter.
    for question in 0..4 {
        let shown = letters
            .iter()
            .filter(|(index, _)| *index == question)
            .count();
        assert!(
            shown > 1,
            "question {question} was always under one letter: {letters:?}"
        );
    }
}

#[test]
fn review_spaces_questions_over_sessions() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("progress.toml");

    // Session 1: q6 seen; its first question wrong twice in the quiz.
    let mut one = session_on(&file);
    one.handle("open q6");
    one.handle("step 2");
    one.handle("quiz");
    let answer = answer_of("q6", 0);
    let wrong: Vec<usize> = (1..=4).filter(|n| *n != answer).collect();
    one.handle(&wrong[0].to_string());
    one.handle(&wrong[1].to_string());
    for _ in 0..3 {
        one.handle("next");
    }
    let reply = one.handle("review");
    assert!(
        reply
            .text
            .contains("4 questions due: 1 answered wrong last time, 3 not yet reviewed"),
        "{}",
        reply.text
    );
    // The wrong one comes first; answer it wrong again, the rest right.
    let (_, wrong_letter) = right_and_wrong_letters(&one);
    let reply = one.handle(&wrong_letter);
    assert!(
        reply.text.contains("the answer is"),
        "one try in review: {}",
        reply.text
    );
    for _ in 0..3 {
        let (right, _) = right_and_wrong_letters(&one);
        one.handle(&right);
    }
    // Nothing comes back in the same session.
    let reply = one.handle("review");
    assert!(
        reply
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("4 already reviewed this session"),
        "{}",
        reply.text
    );
    drop(one);

    // Session 2: the wrong one is back, and the three right once.
    let mut two = session_on(&file);
    let reply = two.handle("review");
    assert!(
        reply
            .text
            .contains("4 questions due: 1 answered wrong last time, 3 right once in review"),
        "{}",
        reply.text
    );
    for _ in 0..4 {
        let (right, _) = right_and_wrong_letters(&two);
        two.handle(&right);
    }
    drop(two);

    // Session 3: three are learned (right twice in a row) and drop out;
    // the one right once so far comes back.
    let mut three = session_on(&file);
    let reply = three.handle("review");
    assert!(
        reply
            .text
            .contains("1 question due: 1 right once in review"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("(lesson q6, question 1)"),
        "{}",
        reply.text
    );
    let (right, _) = right_and_wrong_letters(&three);
    three.handle(&right);
    drop(three);

    let mut four = session_on(&file);
    let reply = four.handle("review");
    assert!(
        reply
            .text
            .contains("Nothing due for review: of the 4 questions you have come across, 4 learned"),
        "{}",
        reply.text
    );
}

#[test]
fn instructor_mode_neither_saves_nor_resumes_a_quiz() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("progress.toml");
    let mut presenting = session_on(&file);
    presenting.set_presenting(true);
    presenting.handle("open q3");
    presenting.handle("step 5");
    presenting.handle("quiz");
    presenting.handle(&answer_of("q3", 4).to_string());
    let reply = presenting.handle("stop");
    assert!(
        reply.text.contains("instructor mode keeps no place"),
        "{}",
        reply.text
    );
    let reply = presenting.handle("quiz");
    assert!(!reply.text.contains("Resuming"), "{}", reply.text);
    assert!(!file.exists(), "instructor mode wrote the progress file");
}

#[test]
fn leaving_a_lesson_with_unanswered_questions_says_which() {
    let mut session = session();
    session.handle("open q6");
    session.handle("step 2");
    session.handle("quiz");
    session.handle(&answer_of("q6", 0).to_string());
    session.handle("step 5");
    let reply = session.handle("next");
    assert!(
        reply
            .text
            .contains("3 questions of q6 not answered yet (steps 3, 4 and 5): `goto q6 3`"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("`quiz all`"), "{}", reply.text);
    assert_eq!(session.prompt(), "mptutor q7 1/8> ");
}

#[test]
fn the_end_of_the_course_shows_every_lesson_s_questions_and_exercises() {
    let mut session = session();
    session.handle("open q6");
    session.handle("step 2");
    session.handle("quiz");
    session.handle(&answer_of("q6", 0).to_string());
    let last = course().lessons.last().expect("a lesson").id.clone();
    let steps = course().lessons.last().expect("a lesson").steps.len();
    session.handle(&format!("goto {last} {steps}"));
    let reply = session.handle("next");
    assert!(
        reply.text.contains("last step of the course"),
        "{}",
        reply.text
    );
    assert!(reply.text.contains("right 1st try"), "{}", reply.text);
    assert!(reply.text.contains("exercises passed"), "{}", reply.text);
    let q6 = reply
        .text
        .lines()
        .find(|line| line.contains("│ q6"))
        .expect("a row for q6");
    let cells: Vec<&str> = q6
        .split(['│', '┆'])
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    assert_eq!(cells[..5], ["q6", "1", "0", "0", "3"], "{q6}");
    assert!(
        reply
            .text
            .contains(&format!("questions of {last} not answered yet"))
    );
}
