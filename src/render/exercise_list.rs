//! `exercises`: every exercise of the course, done or to do.

use super::RenderOptions;
use super::ansi::{finish, sanitize};
use super::progress::format_age;
use super::style::Styles;
use super::table::render_table;

/// One exercise, where it is and what the student did with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExerciseRow {
    pub lesson: String,
    /// Counting from 1.
    pub step: usize,
    pub id: String,
    pub title: String,
    /// When it first passed (seconds since the Unix epoch).
    pub passed_at: Option<u64>,
    /// Checked runs so far.
    pub runs: u32,
}

/// One row per exercise of `course`, in course order, with what
/// `progress` says of it.
pub fn exercise_rows(
    course: &crate::course::Course,
    progress: Option<&crate::progress::CourseProgress>,
) -> Vec<ExerciseRow> {
    course
        .exercises()
        .map(|at| {
            let lesson = course.lesson(at.lesson);
            let done = progress.and_then(|course| course.exercise(&lesson.id, &at.exercise.id));
            ExerciseRow {
                lesson: lesson.id.clone(),
                step: at.step + 1,
                id: at.exercise.id.clone(),
                title: at.exercise.title.clone(),
                passed_at: done.and_then(|done| done.passed_at),
                runs: done.map_or(0, |done| done.runs),
            }
        })
        .collect()
}

/// The table of exercises, and how many are done; `now` dates the passes.
pub fn render_exercise_list(rows: &[ExerciseRow], now: u64, opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let header: Vec<String> = ["where", "exercise", "title", "done"]
        .map(String::from)
        .to_vec();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let done = match (row.passed_at, row.runs) {
                (Some(at), _) => format!("✓ passed {}", format_age(now, at)),
                (None, 0) => "to do".to_string(),
                (None, 1) => "1 run, not passed yet".to_string(),
                (None, runs) => format!("{runs} runs, not passed yet"),
            };
            vec![
                format!("{} step {}", sanitize(&row.lesson, " "), row.step),
                sanitize(&row.id, " "),
                sanitize(&row.title, " "),
                done,
            ]
        })
        .collect();
    let passed = rows.iter().filter(|row| row.passed_at.is_some()).count();
    let summary = format!(
        "{passed} of {} exercises passed. Open one's step and type {} to start it.",
        rows.len(),
        styles.command("exercise")
    );
    finish(
        &format!("{}\n\n{summary}", render_table(&header, &table, opts)),
        opts.columns(),
        opts.color,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, passed_at: Option<u64>, runs: u32) -> ExerciseRow {
        ExerciseRow {
            lesson: "q6".into(),
            step: 4,
            id: id.into(),
            title: "Four at once".into(),
            passed_at,
            runs,
        }
    }

    #[test]
    fn each_exercise_says_done_or_to_do_and_the_count_follows() {
        let shown = render_exercise_list(
            &[
                row("q6-all-at-once", Some(1_000), 3),
                row("q6-join", None, 0),
                row("q6-queue", None, 2),
            ],
            1_000 + 7_200,
            &RenderOptions::plain(80),
        );
        insta::assert_snapshot!("exercise_list_80", shown);
        assert!(shown.contains("✓ passed"), "{shown}");
        assert!(shown.contains("to do"), "{shown}");
        assert!(shown.contains("2 runs, not passed yet"), "{shown}");
        assert!(shown.contains("1 of 3 exercises passed"), "{shown}");
    }
}
