//! The course's table of contents, as `list` shows it.

use comfy_table::CellAlignment;

use crate::course::{Course, Lesson, LessonIndex};

use super::RenderOptions;
use super::ansi::{finish, sanitize};
use super::markdown::{hang, inline_markdown, markdown_lines, wrap};
use super::style::Styles;
use super::table::table_lines;

/// Four columns below this width leave the summary a word or two per line,
/// so narrower terminals get a list instead of a table.
const MIN_TABLE_COLUMNS: usize = 60;

/// The course title and a table of its lessons (id, title, steps,
/// summary); `current` is marked `▶`.
pub fn render_course_list(
    course: &Course,
    current: Option<LessonIndex>,
    opts: &RenderOptions,
) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let mut lines = markdown_lines(&format!("# {}", course.title), columns, &styles);
    lines.push(String::new());
    let entries: Vec<Entry> = course
        .lessons
        .iter()
        .enumerate()
        .map(|(index, lesson)| Entry::new(lesson, index, current, &styles))
        .collect();
    if columns >= MIN_TABLE_COLUMNS {
        lines.extend(lesson_table(&entries, columns, &styles));
    } else {
        lines.extend(lesson_list(&entries, columns, &styles));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// One lesson's cells, styled, with the current lesson's marker.
struct Entry {
    id: String,
    title: String,
    steps: usize,
    /// Exercises in its steps.
    exercises: usize,
    summary: String,
}

impl Entry {
    fn new(lesson: &Lesson, index: usize, current: Option<LessonIndex>, styles: &Styles) -> Self {
        let (id, title) = (sanitize(&lesson.id, " "), sanitize(&lesson.title, " "));
        // The marker column only exists when there is a current lesson.
        let (id, title) = match current {
            None => (id, title),
            Some(LessonIndex(at)) if at == index => {
                (styles.accent(&format!("▶ {id}")), styles.strong(&title))
            }
            Some(_) => (format!("  {id}"), title),
        };
        Entry {
            id,
            title,
            steps: lesson.steps.len(),
            exercises: lesson
                .steps
                .iter()
                .filter(|step| step.exercise().is_some())
                .count(),
            summary: inline_markdown(&lesson.summary, styles),
        }
    }
}

fn lesson_table(entries: &[Entry], width: usize, styles: &Styles) -> Vec<String> {
    // The exercises column only in a course that has some.
    let exercises = entries.iter().any(|entry| entry.exercises > 0);
    let mut header: Vec<String> = ["id", "title", "steps"].map(String::from).to_vec();
    if exercises {
        header.push("exercises".to_string());
    }
    header.push("summary".to_string());
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            let mut row = vec![
                entry.id.clone(),
                entry.title.clone(),
                entry.steps.to_string(),
            ];
            if exercises {
                row.push(entry.exercises.to_string());
            }
            row.push(entry.summary.clone());
            row
        })
        .collect();
    let mut aligns = vec![
        CellAlignment::Left,
        CellAlignment::Left,
        CellAlignment::Right,
    ];
    if exercises {
        aligns.push(CellAlignment::Right);
    }
    table_lines(&header, &rows, &aligns, width, styles)
}

/// `▶ q3  Create a process · 3 steps`, the summary indented under it.
fn lesson_list(entries: &[Entry], width: usize, styles: &Styles) -> Vec<String> {
    let id_width = entries
        .iter()
        .map(|entry| super::ansi::width(&entry.id))
        .max()
        .unwrap_or(0)
        + 2;
    let mut lines = Vec::new();
    for entry in entries {
        let mut steps = match entry.steps {
            1 => "1 step".to_string(),
            n => format!("{n} steps"),
        };
        match entry.exercises {
            0 => {}
            1 => steps.push_str(", 1 exercise"),
            n => steps.push_str(&format!(", {n} exercises")),
        }
        let mut text = wrap(
            &format!("{} {}", entry.title, styles.dim(&format!("· {steps}"))),
            width.saturating_sub(id_width),
        );
        if !entry.summary.is_empty() {
            text.extend(wrap(&entry.summary, width.saturating_sub(id_width)));
        }
        lines.extend(hang(&entry.id, id_width, text));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ansi::width;
    use crate::render::test_course::sample_course;

    #[test]
    fn course_list_marks_the_current_lesson() {
        let opts = RenderOptions::plain(100);
        let shown = render_course_list(&sample_course(), Some(LessonIndex(1)), &opts);
        assert!(shown.contains("│ ▶ q3 ┆ Create a process"), "{shown}");
        assert!(shown.contains("│   q1 ┆ Why more processes"), "{shown}");
    }

    #[test]
    fn without_a_current_lesson_there_is_no_marker_space() {
        let shown = render_course_list(&sample_course(), None, &RenderOptions::plain(100));
        assert!(shown.contains("│ q1 ┆ Why more processes"), "{shown}");
    }

    #[test]
    fn narrow_terminals_get_a_list() {
        let shown = render_course_list(
            &sample_course(),
            Some(LessonIndex(1)),
            &RenderOptions::plain(40),
        );
        assert!(
            shown.contains("▶ q3  Create a process · 3 steps\n      Start a child"),
            "{shown}"
        );
        assert!(shown.lines().all(|line| width(line) <= 40));
    }
}
