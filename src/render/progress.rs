//! The student's progress as a table: per lesson, the steps seen, the quiz
//! score and when they were last there.

use crate::course::Course;
use crate::progress::CourseProgress;

use super::RenderOptions;
use super::markdown::render_markdown;
use super::table::render_table;

/// One row per lesson, then a line of totals. `now` is the current time
/// in seconds since the Unix epoch, for "2 days ago".
pub fn render_progress(
    course: &Course,
    progress: Option<&CourseProgress>,
    now: u64,
    opts: &RenderOptions,
) -> String {
    let with_exercises = course.exercises().next().is_some();
    let mut header: Vec<String> = ["lesson", "title", "steps seen", "quiz"]
        .map(String::from)
        .to_vec();
    if with_exercises {
        header.push("exercises".to_string());
    }
    header.push("last visit".to_string());
    let (mut steps_total, mut steps_seen, mut questions_total, mut questions_right) = (0, 0, 0, 0);
    let (mut exercises_total, mut exercises_passed) = (0, 0);
    let rows: Vec<Vec<String>> = course
        .lessons
        .iter()
        .map(|lesson| {
            let saved = progress.and_then(|progress| progress.lessons.get(&lesson.id));
            let steps = lesson.steps.len();
            let questions = lesson.quizzes().count();
            let in_range = |number: &&usize| (1..=questions).contains(*number);
            let seen = saved.map_or(0, |saved| {
                saved
                    .steps_seen
                    .iter()
                    .filter(|step| (1..=steps).contains(*step))
                    .count()
            });
            let right = saved.map_or(0, |saved| saved.right.iter().filter(in_range).count());
            let wrong = saved.map_or(0, |saved| saved.wrong.iter().filter(in_range).count());
            steps_total += steps;
            steps_seen += seen;
            questions_total += questions;
            questions_right += right;
            let quiz = match (questions, right + wrong) {
                (0, _) => "no quiz".to_string(),
                (_, 0) => format!("not taken ({questions} questions)"),
                _ if wrong > 0 => format!("{right}/{questions} right, {wrong} to review"),
                _ => format!("{right}/{questions} right"),
            };
            let visit = saved
                .and_then(|saved| saved.last_visit)
                .map_or_else(|| "never".to_string(), |when| format_age(now, when));
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
            let mut row = vec![
                lesson.id.clone(),
                lesson.title.clone(),
                format!("{seen}/{steps}"),
                quiz,
            ];
            if with_exercises {
                row.push(match exercises.len() {
                    0 => "none".to_string(),
                    total => format!("{passed}/{total} passed"),
                });
            }
            row.push(visit);
            row
        })
        .collect();
    let exercises = if with_exercises {
        format!(", {exercises_passed} of {exercises_total} exercises passed")
    } else {
        String::new()
    };
    let totals = format!(
        "Overall: {steps_seen} of {steps_total} steps seen, {questions_right} of \
         {questions_total} questions answered right{exercises}."
    );
    format!(
        "{}\n{}",
        render_table(&header, &rows, opts),
        render_markdown(&totals, opts)
    )
}

/// How long ago `then` was, seen from `now` (both in seconds since the
/// Unix epoch): `just now`, `5 min ago`, `3 h ago`, `yesterday`,
/// `4 days ago`, or the date (UTC) when it is a month or more.
pub fn format_age(now: u64, then: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    match now.saturating_sub(then) {
        age if age < MINUTE => "just now".to_string(),
        age if age < HOUR => format!("{} min ago", age / MINUTE),
        age if age < DAY => format!("{} h ago", age / HOUR),
        age if age < 2 * DAY => "yesterday".to_string(),
        age if age < 30 * DAY => format!("{} days ago", age / DAY),
        _ => civil_date(then / DAY),
    }
}

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (Howard Hinnant's
/// days-to-civil algorithm, so no date crate is needed for one column).
fn civil_date(days: u64) -> String {
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_a_person_would_say_them() {
        let now = 1_700_000_000;
        assert_eq!(format_age(now, now - 5), "just now");
        assert_eq!(format_age(now, now - 300), "5 min ago");
        assert_eq!(format_age(now, now - 3 * 3600), "3 h ago");
        assert_eq!(format_age(now, now - 30 * 3600), "yesterday");
        assert_eq!(format_age(now, now - 4 * 86_400), "4 days ago");
        assert_eq!(format_age(now, 0), "1970-01-01");
    }

    #[test]
    fn dates_are_right_across_leap_years() {
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(civil_date(19_783), "2024-03-01");
        assert_eq!(civil_date(10_957), "2000-01-01");
    }
}
