//! Quiz questions, the feedback after an answer, and the teacher's preview.
//!
//! Question, choices and explanation are Markdown, so `join()` in a choice
//! looks like code here too. Choices are numbered `1)`; the REPL also takes
//! the letter (`b` for the second), which the hint under the choices says.

use crate::course::Quiz;

use super::RenderOptions;
use super::ansi::finish;
use super::markdown::{hang, inline_markdown, markdown_lines, wrap};
use super::style::Styles;

/// "Question 1 of 3", the question, the numbered choices and how to answer.
pub fn render_quiz_question(
    quiz: &Quiz,
    number: usize,
    total: usize,
    opts: &RenderOptions,
) -> String {
    let columns = opts.prose();
    let styles = Styles::new(opts);
    let mut lines = vec![styles.subheading(&format!("Question {number} of {total}"))];
    lines.extend(markdown_lines(&quiz.question, columns, &styles));
    lines.push(String::new());
    lines.extend(choice_lines(quiz, None, columns, &styles));
    lines.push(String::new());
    let count = quiz.choices.len();
    let last_letter = letter(count);
    lines.extend(wrap(
        &styles.dim(&format!(
            "Answer with a number (1–{count}) or a letter (a–{last_letter})."
        )),
        columns,
    ));
    finish(&lines.join("\n"), columns, opts.color)
}

/// Whether `chosen` (1-based) was right, the right answer when it was not,
/// and the explanation.
pub fn render_quiz_feedback(quiz: &Quiz, chosen: usize, opts: &RenderOptions) -> String {
    feedback(quiz, chosen, false, opts)
}

/// The same after a second try: a right answer says it took two.
pub fn render_quiz_feedback_after_retry(
    quiz: &Quiz,
    chosen: usize,
    opts: &RenderOptions,
) -> String {
    feedback(quiz, chosen, true, opts)
}

/// A first wrong answer: which choice is not it, and that one more try is
/// allowed, before any explanation or the right answer.
pub fn render_quiz_retry(quiz: &Quiz, chosen: usize, opts: &RenderOptions) -> String {
    let columns = opts.prose();
    let styles = Styles::new(opts);
    let picked = quiz
        .choices
        .get(chosen.wrapping_sub(1))
        .map(|choice| inline_markdown(choice, &styles))
        .unwrap_or_default();
    let hint = if quiz.hint.is_some() {
        format!(" {}", inline_markdown("(`hint` may help)", &styles))
    } else {
        String::new()
    };
    let verdict = format!(
        "{} — {chosen}) {picked} is not it. Try once more{hint}.",
        styles.error("Not quite"),
    );
    let lines = hang(
        &styles.error("✗"),
        2,
        wrap(&verdict, columns.saturating_sub(2)),
    );
    finish(&lines.join("\n"), columns, opts.color)
}

fn feedback(quiz: &Quiz, chosen: usize, second_try: bool, opts: &RenderOptions) -> String {
    let columns = opts.prose();
    let styles = Styles::new(opts);
    let answer = quiz
        .choices
        .get(quiz.answer.wrapping_sub(1))
        .map(|choice| inline_markdown(choice, &styles))
        .unwrap_or_default();
    let (mark, verdict) = if chosen == quiz.answer {
        let right = if second_try {
            "Right, on the second try"
        } else {
            "Right"
        };
        (
            styles.ok("✓"),
            format!("{} — {}) {answer}", styles.ok(right), quiz.answer),
        )
    } else {
        (
            styles.error("✗"),
            format!(
                "{} — the answer is {}) {answer}",
                styles.error("Not quite"),
                quiz.answer
            ),
        )
    };
    let mut lines = hang(&mark, 2, wrap(&verdict, columns.saturating_sub(2)));
    if !quiz.explain.trim().is_empty() {
        lines.push(String::new());
        lines.extend(markdown_lines(&quiz.explain, columns, &styles));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// A quiz with its answer marked and its explanation, for a teacher reading
/// the whole lesson (`show --notes`).
pub(crate) fn quiz_preview_lines(quiz: &Quiz, width: usize, styles: &Styles) -> Vec<String> {
    let mut lines = hang(
        &styles.accent("?"),
        2,
        markdown_lines(&quiz.question, width.saturating_sub(2), styles),
    );
    let choices = choice_lines(quiz, Some(quiz.answer), width.saturating_sub(2), styles);
    lines.extend(choices.into_iter().map(|line| format!("  {line}")));
    if !quiz.explain.trim().is_empty() {
        let explain = markdown_lines(&quiz.explain, width.saturating_sub(4), styles);
        let explain = hang(&styles.dim("→"), 2, explain);
        lines.extend(explain.into_iter().map(|line| format!("  {line}")));
    }
    if let Some(hint) = &quiz.hint {
        let hint = markdown_lines(&format!("Hint: {hint}"), width.saturating_sub(4), styles);
        let hint = hang(&styles.dim("·"), 2, hint);
        lines.extend(hint.into_iter().map(|line| format!("  {line}")));
    }
    lines
}

/// `1) …` per choice with a hanging indent; `mark` puts a ✓ after the
/// right one.
fn choice_lines(quiz: &Quiz, mark: Option<usize>, width: usize, styles: &Styles) -> Vec<String> {
    let indent = format!("{})", quiz.choices.len()).len() + 1;
    let mut lines = Vec::new();
    for (index, choice) in quiz.choices.iter().enumerate() {
        let number = index + 1;
        let mut text = inline_markdown(choice, styles);
        if mark == Some(number) {
            text.push_str(&format!(" {}", styles.ok("✓")));
        }
        let marker = styles.accent(&format!("{number:>0$})", indent - 2));
        lines.extend(hang(
            &marker,
            indent,
            wrap(&text, width.saturating_sub(indent)),
        ));
    }
    lines
}

/// The letter for choice `number` (1 → a), as the REPL accepts it.
fn letter(number: usize) -> char {
    u8::try_from(number.saturating_sub(1))
        .ok()
        .filter(|offset| *offset < 26)
        .map_or('z', |offset| char::from(b'a' + offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiz() -> Quiz {
        Quiz {
            question: "What does `join()` do?".to_string(),
            choices: vec![
                "Starts the child".to_string(),
                "Waits for the child to finish".to_string(),
                "Kills the child".to_string(),
            ],
            answer: 2,
            explain: "`join()` blocks the parent until the child has exited.".to_string(),
            hint: None,
            line: 1,
        }
    }

    #[test]
    fn question_numbers_choices_and_says_how_to_answer() {
        let shown = render_quiz_question(&quiz(), 1, 3, &RenderOptions::plain(80));
        assert_eq!(
            shown,
            "Question 1 of 3\nWhat does `join()` do?\n\n1) Starts the child\n\
             2) Waits for the child to finish\n3) Kills the child\n\n\
             Answer with a number (1–3) or a letter (a–c)."
        );
    }

    #[test]
    fn right_answer_is_confirmed_with_the_explanation() {
        let shown = render_quiz_feedback(&quiz(), 2, &RenderOptions::plain(80));
        assert!(shown.starts_with("✓ Right — 2) Waits for the child to finish\n\n"));
        assert!(shown.ends_with("`join()` blocks the parent until the child has exited."));
    }

    #[test]
    fn wrong_answer_names_the_right_one() {
        let shown = render_quiz_feedback(&quiz(), 3, &RenderOptions::plain(80));
        assert!(shown.starts_with("✗ Not quite — the answer is 2) Waits for the child"));
    }

    #[test]
    fn a_first_wrong_answer_names_the_choice_but_not_the_answer() {
        let shown = render_quiz_retry(&quiz(), 3, &RenderOptions::plain(80));
        assert_eq!(
            shown,
            "✗ Not quite — 3) Kills the child is not it. Try once more."
        );
        assert!(!shown.contains("Waits"), "{shown}");
        let with_hint = Quiz {
            hint: Some("Think of the parent.".to_string()),
            ..quiz()
        };
        let shown = render_quiz_retry(&with_hint, 3, &RenderOptions::plain(80));
        assert!(
            shown.ends_with("Try once more (`hint` may help)."),
            "{shown}"
        );
    }

    #[test]
    fn a_right_second_try_says_so_and_explains() {
        let shown = render_quiz_feedback_after_retry(&quiz(), 2, &RenderOptions::plain(80));
        assert!(
            shown.starts_with("✓ Right, on the second try — 2) Waits"),
            "{shown}"
        );
        assert!(shown.ends_with("until the child has exited."), "{shown}");
        let shown = render_quiz_feedback_after_retry(&quiz(), 1, &RenderOptions::plain(80));
        assert!(
            shown.starts_with("✗ Not quite — the answer is 2)"),
            "{shown}"
        );
    }

    #[test]
    fn an_out_of_range_choice_is_just_wrong() {
        let shown = render_quiz_feedback(&quiz(), 99, &RenderOptions::plain(40));
        assert!(shown.starts_with("✗ Not quite"));
    }

    #[test]
    fn preview_marks_the_answer() {
        let styles = Styles::new(&RenderOptions::plain(80));
        let lines = quiz_preview_lines(&quiz(), 80, &styles);
        assert!(lines.contains(&"  2) Waits for the child to finish ✓".to_string()));
    }

    #[test]
    fn letters_follow_the_choices() {
        assert_eq!(letter(1), 'a');
        assert_eq!(letter(3), 'c');
        assert_eq!(letter(0), 'a');
    }
}
