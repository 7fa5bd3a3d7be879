//! The presenter's second screen (`mptutor notes`): the step the
//! presenting REPL shows, its notes, its quiz answers with their
//! explanations, and what comes next, so the teacher reads what the
//! projected screen does not show.

use crate::course::{Block, Course, LessonIndex};

use super::RenderOptions;
use super::ansi::finish;
use super::lesson::note_lines;
use super::markdown::{inline_markdown, markdown_lines, wrap};
use super::quiz::quiz_preview_lines;
use super::style::Styles;

/// Which presenting session the screen follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Following {
    /// The presenting REPL's pid.
    pub pid: u32,
    /// The pids of the other presenting sessions, older than the one
    /// followed.
    pub others: Vec<u32>,
}

/// The notes screen for step `step` (0-based) of `lesson` in `course`.
pub fn render_presenter_notes(
    course: &Course,
    lesson: LessonIndex,
    step: usize,
    following: &Following,
    opts: &RenderOptions,
) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let shown = course.lesson(lesson);
    let total = shown.steps.len();
    let index = step.min(total.saturating_sub(1));
    let mut lines = following_lines(following, columns, &styles);
    lines.push(String::new());
    lines.extend(wrap(
        &format!(
            "{} {} {}   {}",
            styles.accent(&shown.id),
            styles.dim("·"),
            inline_markdown(&shown.title, &styles),
            styles.dim(&format!("step {}/{total}", index + 1)),
        ),
        columns,
    ));
    let Some(current) = shown.steps.get(index) else {
        return finish(&lines.join("\n"), columns, opts.color);
    };
    lines.extend(markdown_lines(
        &format!("## {}", current.title),
        columns,
        &styles,
    ));

    let notes: Vec<&String> = current
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Note(note) => Some(note),
            _ => None,
        })
        .collect();
    lines.push(String::new());
    if notes.is_empty() {
        lines.extend(wrap(&styles.dim("No notes for this step."), columns));
    }
    for (n, note) in notes.iter().enumerate() {
        if n > 0 {
            lines.push(String::new());
        }
        lines.extend(note_lines(note, columns, &styles));
    }

    let quizzes: Vec<_> = current
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Quiz(quiz) => Some(quiz),
            _ => None,
        })
        .collect();
    if !quizzes.is_empty() {
        lines.push(String::new());
        let heading = match quizzes.len() {
            1 => "This step's question, with its answer".to_string(),
            n => format!("This step's {n} questions, with their answers"),
        };
        lines.push(styles.subheading(&heading));
        for quiz in quizzes {
            lines.push(String::new());
            lines.extend(quiz_preview_lines(quiz, columns, &styles));
        }
    }

    lines.push(String::new());
    lines.extend(wrap(&next_line(course, lesson, index, &styles), columns));
    lines.push(String::new());
    lines.extend(wrap(&styles.dim("q or Ctrl-C leaves."), columns));
    finish(&lines.join("\n"), columns, opts.color)
}

/// A screen that says why there are no notes to show now (no presenter,
/// no lesson open yet, a course that cannot be read).
pub fn render_presenter_message(
    following: Option<&Following>,
    message: &str,
    opts: &RenderOptions,
) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let mut lines = Vec::new();
    if let Some(following) = following {
        lines.extend(following_lines(following, columns, &styles));
        lines.push(String::new());
    }
    lines.extend(markdown_lines(message, columns, &styles));
    lines.push(String::new());
    lines.extend(wrap(&styles.dim("q or Ctrl-C leaves."), columns));
    finish(&lines.join("\n"), columns, opts.color)
}

fn following_lines(following: &Following, columns: usize, styles: &Styles) -> Vec<String> {
    let mut lines = wrap(
        &format!(
            "{} · following mptutor pid {}",
            styles.heading("Presenter notes"),
            following.pid
        ),
        columns,
    );
    match following.others.as_slice() {
        [] => {}
        others => {
            let pids: Vec<String> = others.iter().map(u32::to_string).collect();
            lines.extend(wrap(
                &styles.dim(&format!(
                    "The newest of {} presenting sessions; the other{}: pid {}.",
                    others.len() + 1,
                    if others.len() == 1 { "" } else { "s" },
                    pids.join(", ")
                )),
                columns,
            ));
        }
    }
    lines
}

/// What the presenter's `next` shows after this step.
fn next_line(course: &Course, lesson: LessonIndex, step: usize, styles: &Styles) -> String {
    let shown = course.lesson(lesson);
    let label = styles.accent("Next:");
    if let Some(following) = shown.steps.get(step + 1) {
        return format!(
            "{label} step {}/{} · {}",
            step + 2,
            shown.steps.len(),
            inline_markdown(&following.title, styles)
        );
    }
    match course.lessons.get(lesson.0 + 1) {
        Some(next_lesson) => format!(
            "{label} lesson {} · {}, step 1 · {}",
            next_lesson.id,
            inline_markdown(&next_lesson.title, styles),
            next_lesson
                .steps
                .first()
                .map(|first| inline_markdown(&first.title, styles))
                .unwrap_or_default()
        ),
        None => format!("{label} nothing; this is the course's last step."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_course::sample_course;

    fn alone() -> Following {
        Following {
            pid: 4242,
            others: Vec::new(),
        }
    }

    #[test]
    fn the_notes_screen_shows_the_steps_notes_answers_and_next_title() {
        let course = sample_course();
        let shown = render_presenter_notes(
            &course,
            LessonIndex(1),
            0,
            &alone(),
            &RenderOptions::plain(80),
        );
        assert!(shown.contains("following mptutor pid 4242"), "{shown}");
        assert!(
            shown.contains("q3 · Create a process   step 1/3"),
            "{shown}"
        );
        assert!(shown.contains("┃ Instructor notes"), "{shown}");
        assert!(shown.contains("predict"), "{shown}");
        assert!(
            shown.contains("This step's 2 questions, with their answers"),
            "{shown}"
        );
        assert!(shown.contains("Waits for the child to finish ✓"), "{shown}");
        assert!(
            shown.contains("blocks the parent until the child has exited"),
            "{shown}"
        );
        assert!(
            shown.contains("Next: step 2/3 · What the OS does"),
            "{shown}"
        );
    }

    #[test]
    fn a_step_without_notes_says_so_and_the_last_step_names_the_next_lesson() {
        let course = sample_course();
        let shown = render_presenter_notes(
            &course,
            LessonIndex(1),
            2,
            &alone(),
            &RenderOptions::plain(80),
        );
        assert!(shown.contains("No notes for this step."), "{shown}");
        assert!(!shown.contains("questions"), "{shown}");
        assert!(
            shown.contains("Next: lesson q4 · Pools and queues, step 1 · Starting a process"),
            "{shown}"
        );
        let last = render_presenter_notes(
            &course,
            LessonIndex(2),
            2,
            &alone(),
            &RenderOptions::plain(80),
        );
        assert!(
            last.contains("Next: nothing; this is the course's last step."),
            "{last}"
        );
    }

    #[test]
    fn the_screen_says_which_of_several_sessions_it_follows() {
        let course = sample_course();
        let following = Following {
            pid: 30,
            others: vec![20, 10],
        };
        let shown = render_presenter_notes(
            &course,
            LessonIndex(0),
            0,
            &following,
            &RenderOptions::plain(100),
        );
        assert!(
            shown.contains("pid 30\nThe newest of 3 presenting sessions; the others: pid 20, 10."),
            "{shown}"
        );
    }

    #[test]
    fn the_notes_screen_reads_as_recorded() {
        let course = sample_course();
        let shown = render_presenter_notes(
            &course,
            LessonIndex(1),
            0,
            &alone(),
            &RenderOptions::plain(80),
        );
        insta::assert_snapshot!("presenter_notes_80", shown);
    }

    #[test]
    fn the_notes_screen_fits_every_width() {
        let course = sample_course();
        for columns in [40, 57, 80, 160] {
            for step in 0..3 {
                let opts = RenderOptions {
                    width: columns,
                    color: true,
                    show_notes: false,
                    theme: Default::default(),
                    measure: crate::render::DEFAULT_MEASURE,
                };
                let shown = render_presenter_notes(&course, LessonIndex(1), step, &alone(), &opts);
                for line in shown.lines() {
                    assert!(
                        console::measure_text_width(line) <= columns,
                        "{columns}: {line:?}"
                    );
                }
            }
        }
    }
}
