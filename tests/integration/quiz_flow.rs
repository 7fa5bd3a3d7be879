//! Quizzes that flow, through the script REPL: a stopped quiz resumes
//! after a restart, a wrong answer gets a second try, and leaving a lesson
//! or the course says what is left.

use std::path::Path;
use std::process::{Output, Stdio};

use crate::support::mptutor;

/// Runs mptutor's script mode with progress in `file`, feeding `script`.
fn session(home: &Path, file: &Path, script: &str) -> String {
    use std::io::Write;
    let mut child = mptutor(home)
        .args(["--width", "120", "--progress"])
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .expect("write the script");
    }
    let output: Output = child.wait_with_output().expect("wait for mptutor");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The right answer of question `index` (from 0) of lesson `id`, and a
/// wrong one.
fn answers(id: &str, index: usize) -> (usize, usize) {
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let lesson = course.find_lesson(id).expect("the lesson");
    let quiz = course
        .lesson(lesson)
        .quizzes()
        .nth(index)
        .expect("the question")
        .1;
    (quiz.answer, if quiz.answer == 1 { 2 } else { 1 })
}

#[test]
fn a_quiz_stopped_mid_way_continues_at_the_next_question_after_a_restart() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    let (first, _) = answers("q3", 0);
    let (second, _) = answers("q3", 1);
    let text = session(
        home.path(),
        &file,
        &format!("open q3\nquiz all\n{first}\n{second}\nstop\n"),
    );
    assert!(
        text.contains("Quiz stopped after 2 of 10 questions; `quiz all` in q3 resumes it"),
        "{text}"
    );

    let text = session(home.path(), &file, "open q3\nquiz all\nstop\n");
    assert!(
        text.contains("Resuming where this quiz stopped: question 3 of 10 (2 answered before)"),
        "{text}"
    );
    assert!(text.contains("Question 3 of 10"), "{text}");
    assert!(!text.contains("Question 1 of 10"), "{text}");

    // Leaving mptutor in the middle (the script ends) keeps the place too.
    let (third, _) = answers("q3", 2);
    session(home.path(), &file, &format!("open q3\nquiz all\n{third}\n"));
    let text = session(home.path(), &file, "open q3\nquiz all\n");
    assert!(
        text.contains("question 4 of 10 (3 answered before)"),
        "{text}"
    );
}

#[test]
fn a_wrong_answer_gets_a_second_try_and_two_wrong_show_the_explanation() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    // q6: question 1 wrong then right, question 2 wrong twice.
    let (right_1, wrong_1) = answers("q6", 0);
    let (right_2, _) = answers("q6", 1);
    let wrong_2: Vec<usize> = (1..=4).filter(|n| *n != right_2).collect();
    let text = session(
        home.path(),
        &file,
        &format!(
            "open q6\nquiz all\n{wrong_1}\n{right_1}\n{}\n{}\nstop\n",
            wrong_2[0], wrong_2[1]
        ),
    );
    let tries = text.matches("Try once more").count();
    assert_eq!(tries, 2, "{text}");
    assert!(text.contains("Right, on the second try"), "{text}");
    assert!(
        text.contains(&format!("Not quite — the answer is {right_2})")),
        "{text}"
    );
    // The explanation follows the right answer.
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let q6 = course.lesson(course.find_lesson("q6").expect("q6"));
    let explain = &q6.quizzes().nth(1).expect("question 2").1.explain;
    let opening: String = explain
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&opening), "{opening:?} not in {text}");
}

#[test]
fn leaving_a_lesson_and_the_course_say_what_is_not_answered() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    let (right, _) = answers("q6", 0);
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let last = course.lessons.last().expect("a lesson");
    let text = session(
        home.path(),
        &file,
        &format!(
            "open q6\nstep 2\nquiz\n{right}\nstep 5\nnext\ngoto {} {}\nnext\n",
            last.id,
            last.steps.len()
        ),
    );
    assert!(
        text.contains(
            "3 questions of q6 not answered yet (steps 3, 4 and 5): `goto q6 3`, then `quiz`"
        ),
        "{text}"
    );
    assert!(
        text.contains("That was the last step of the course"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|line| line.contains("│ q6"))
        .unwrap_or_else(|| panic!("no row for q6 in {text}"));
    let cells: Vec<&str> = row
        .split(['│', '┆'])
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    // right first try, right on retry, wrong, not answered.
    assert_eq!(cells[..5], ["q6", "1", "0", "0", "3"], "{row}");
    assert!(text.contains("right 1st try"), "{text}");
    assert!(text.contains("exercises passed"), "{text}");
}
