//! What the student got out of the whole course, shown after its last
//! step: per lesson, how each question's latest answer went and the
//! exercises passed.

use crate::course::Course;
use crate::progress::CourseProgress;

use super::RenderOptions;
use super::markdown::render_markdown;
use super::table::render_table;

/// How one lesson's questions stand, from their latest answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuestionTally {
    pub right_first_try: usize,
    pub right_on_retry: usize,
    pub wrong: usize,
    pub not_answered: usize,
}

impl QuestionTally {
    /// The tally of a lesson with `questions` questions, from what was saved.
    pub fn of(questions: usize, saved: Option<&crate::progress::LessonProgress>) -> Self {
        let mut tally = QuestionTally::default();
        for number in 1..=questions {
            match saved {
                Some(saved) if saved.right.contains(&number) => {
                    if saved.right_on_retry.contains(&number) {
                        tally.right_on_retry += 1;
                    } else {
                        tally.right_first_try += 1;
                    }
                }
                Some(saved) if saved.wrong.contains(&number) => tally.wrong += 1,
                _ => tally.not_answered += 1,
            }
        }
        tally
    }

    fn add(&mut self, other: QuestionTally) {
        self.right_first_try += other.right_first_try;
        self.right_on_retry += other.right_on_retry;
        self.wrong += other.wrong;
        self.not_answered += other.not_answered;
    }
}

/// One row per lesson (questions right on the first try, right on the
/// second, wrong, not answered; exercises passed), a row of totals, and a
/// sentence saying what to do with what is left.
pub fn render_course_summary(
    course: &Course,
    progress: Option<&CourseProgress>,
    opts: &RenderOptions,
) -> String {
    let header: Vec<String> = [
        "lesson",
        "right 1st try",
        "right 2nd try",
        "wrong",
        "not answered",
        "exercises passed",
    ]
    .map(String::from)
    .to_vec();
    let mut total = QuestionTally::default();
    let (mut exercises_total, mut exercises_passed) = (0, 0);
    let mut rows: Vec<Vec<String>> = course
        .lessons
        .iter()
        .map(|lesson| {
            let saved = progress.and_then(|progress| progress.lessons.get(&lesson.id));
            let tally = QuestionTally::of(lesson.quizzes().count(), saved);
            total.add(tally);
            let exercises: Vec<&str> = lesson
                .steps
                .iter()
                .filter_map(|step| step.exercise())
                .map(|exercise| exercise.id.as_str())
                .collect();
            let passed = exercises
                .iter()
                .filter(|id| {
                    saved
                        .and_then(|saved| saved.exercises.get(**id))
                        .is_some_and(|done| done.passed())
                })
                .count();
            exercises_total += exercises.len();
            exercises_passed += passed;
            tally_row(lesson.id.clone(), tally, passed, exercises.len())
        })
        .collect();
    rows.push(tally_row(
        "all".to_string(),
        total,
        exercises_passed,
        exercises_total,
    ));
    let mut next = Vec::new();
    if total.not_answered > 0 {
        next.push(format!(
            "{} not answered yet: open a lesson and type `quiz all`",
            questions(total.not_answered)
        ));
    }
    if total.wrong > 0 {
        next.push(format!(
            "{} wrong: `review` asks again",
            questions(total.wrong)
        ));
    }
    if exercises_passed < exercises_total {
        next.push(format!(
            "{} of {exercises_total} exercises passed: `exercises` lists them",
            exercises_passed
        ));
    }
    let closing = if next.is_empty() {
        "Every question answered right and every exercise passed.".to_string()
    } else {
        format!("{}.", capitalised(&next.join("; ")))
    };
    format!(
        "{}\n{}",
        render_table(&header, &rows, opts),
        render_markdown(
            &format!("Each question counts by its latest answer, in a quiz or a review. {closing}"),
            opts
        )
    )
}

fn tally_row(label: String, tally: QuestionTally, passed: usize, exercises: usize) -> Vec<String> {
    vec![
        label,
        tally.right_first_try.to_string(),
        tally.right_on_retry.to_string(),
        tally.wrong.to_string(),
        tally.not_answered.to_string(),
        match exercises {
            0 => "none".to_string(),
            total => format!("{passed} of {total}"),
        },
    ]
}

fn questions(count: usize) -> String {
    match count {
        1 => "1 question".to_string(),
        n => format!("{n} questions"),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::LessonProgress;

    #[test]
    fn a_tally_counts_each_question_by_its_latest_answer() {
        let saved = LessonProgress {
            right: [1, 2, 3].into(),
            right_on_retry: [2].into(),
            wrong: [4].into(),
            ..LessonProgress::default()
        };
        assert_eq!(
            QuestionTally::of(6, Some(&saved)),
            QuestionTally {
                right_first_try: 2,
                right_on_retry: 1,
                wrong: 1,
                not_answered: 2,
            }
        );
        assert_eq!(QuestionTally::of(2, None).not_answered, 2);
    }

    #[test]
    fn the_summary_has_a_row_per_lesson_and_says_what_is_left() {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut progress = CourseProgress::default();
        progress.answered("q1", 1, true, false);
        progress.answered("q1", 2, true, true);
        progress.answered("q1", 3, false, true);
        let shown = render_course_summary(
            &course,
            Some(&progress),
            &RenderOptions {
                measure: 400,
                ..RenderOptions::plain(400)
            },
        );
        for lesson in &course.lessons {
            assert!(shown.contains(&lesson.id), "{shown}");
        }
        let q1 = shown
            .lines()
            .find(|line| line.contains("q1"))
            .unwrap_or_default();
        let cells: Vec<&str> = q1
            .split(['│', '┆'])
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .collect();
        assert_eq!(cells[..5], ["q1", "1", "1", "1", "1"], "{q1}");
        assert!(
            shown.contains("1 question wrong: `review` asks again"),
            "{shown}"
        );
        assert!(shown.contains("not answered yet"), "{shown}");
    }
}
