//! The lesson views: one step (what the REPL shows after each command) and
//! the whole lesson (`mptutor show q3`).
//!
//! On a wide terminal a step is laid out as explanation on the left and its
//! code and demo on the right, so a student reads the prose while looking at
//! the program it describes; on a narrow one every block comes in the order
//! the lesson file has it. Quizzes are never shown inline — answering one is
//! a separate interaction — only counted, with the command that starts them.
//! An exercise shows its title and task and the command that starts it,
//! never its starter or its solution.

use crate::course::{Block, Exercise, Lesson, Step};

use super::RenderOptions;
use super::ansi::{finish, sanitize};
use super::code::code_lines;
use super::columns::{COLUMN_GAP, side_by_side, split_for};
use super::demo::demo_line;
use super::markdown::{inline_markdown, markdown_lines, measured_lines, wrap};
use super::quiz::quiz_preview_lines;
use super::style::Styles;

/// Where a step is shown, which decides how its quizzes are mentioned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// In the REPL: the student can type `quiz`.
    Repl,
    /// Printed by the shell's `mptutor show`, a whole lesson or one step:
    /// no REPL commands to type; teachers (`--notes`) see the questions
    /// with their answers.
    Listing,
}

/// One step of a lesson: where we are, the step's title and blocks, and the
/// commands that apply. `step` is 0-based; past the end shows the last step.
pub fn render_step(lesson: &Lesson, step: usize, opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let measure = opts.prose();
    let styles = Styles::new(opts);
    let total = lesson.steps.len();
    let index = step.min(total.saturating_sub(1));
    let position = styles.dim(&format!("step {}/{total}", index + 1));
    let mut lines = wrap(
        &format!("{}   {position}", lesson_label(lesson, &styles)),
        measure,
    );
    if let Some(current) = lesson.steps.get(index) {
        lines.push(String::new());
        lines.extend(step_lines(
            current,
            &current.title,
            columns,
            opts,
            View::Repl,
        ));
        lines.push(String::new());
        lines.extend(wrap(&styles.dim(&footer(lesson, index)), measure));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// One step as the shell's `mptutor show --step N` prints it: like
/// [`render_step`], without what only the REPL can do (its footer of
/// commands, "type `quiz`", "type `run` to start it").
pub fn render_step_printed(lesson: &Lesson, step: usize, opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let total = lesson.steps.len();
    let index = step.min(total.saturating_sub(1));
    let position = styles.dim(&format!("step {}/{total}", index + 1));
    let mut lines = wrap(
        &format!("{}   {position}", lesson_label(lesson, &styles)),
        columns,
    );
    if let Some(current) = lesson.steps.get(index) {
        lines.push(String::new());
        lines.extend(step_lines(
            current,
            &current.title,
            columns,
            opts,
            View::Listing,
        ));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// A whole lesson: its title and summary, then every step as
/// [`render_step`] shows it, without the per-step header and footer.
pub fn render_lesson(lesson: &Lesson, opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let measure = opts.prose();
    let styles = Styles::new(opts);
    let mut lines = markdown_lines(
        &format!("# {} · {}", lesson.id, lesson.title),
        measure,
        &styles,
    );
    if !lesson.summary.trim().is_empty() {
        let summary = inline_markdown(&lesson.summary, &styles);
        lines.extend(wrap(&styles.emphasis(&summary), measure));
    }
    let count = lesson.steps.len();
    let steps = if count == 1 { "step" } else { "steps" };
    lines.extend(wrap(
        &styles.dim(&format!(
            "{count} {steps} · {}",
            sanitize(&lesson.path, " ")
        )),
        measure,
    ));
    for (index, step) in lesson.steps.iter().enumerate() {
        lines.push(String::new());
        let title = format!("{}. {}", index + 1, step.title);
        lines.extend(step_lines(step, &title, columns, opts, View::Listing));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// `q3 · Create a process`, the lesson's id standing out.
fn lesson_label(lesson: &Lesson, styles: &Styles) -> String {
    format!(
        "{} {} {}",
        styles.accent(&lesson.id),
        styles.dim("·"),
        inline_markdown(&lesson.title, styles)
    )
}

/// A step's heading and blocks at `width`, side by side when it is wide
/// enough and the step has both prose and code, then its quizzes. Prose is
/// never wider than the measure; the rest of a wide terminal goes to the
/// code column.
fn step_lines(
    step: &Step,
    title: &str,
    width: usize,
    opts: &RenderOptions,
    view: View,
) -> Vec<String> {
    let styles = Styles::new(opts);
    let measure = opts.prose().min(width);
    let mut lines = markdown_lines(&format!("## {title}"), measure, &styles);
    let explains =
        |block: &Block| matches!(block, Block::Prose(_) | Block::Note(_) | Block::Exercise(_));
    let shows = |block: &Block| matches!(block, Block::Python(_) | Block::Code(_) | Block::Demo(_));
    let has_left = step
        .blocks
        .iter()
        .any(|block| explains(block) && !block_is_hidden(block, opts));
    // A demo line alone is not worth a column: the prose would be squeezed
    // beside an empty one. Only code earns the right-hand side.
    let has_right = step
        .blocks
        .iter()
        .any(|block| matches!(block, Block::Python(_) | Block::Code(_)));

    match split_for(opts) {
        Some((left_width, right_width)) if has_left && has_right => {
            let left = blocks_lines(
                step.blocks.iter().filter(|b| explains(b)),
                Widths::same(left_width),
                opts,
                view,
            );
            let right = blocks_lines(
                step.blocks.iter().filter(|b| shows(b)),
                Widths::same(right_width),
                opts,
                view,
            );
            lines.push(String::new());
            lines.push(side_by_side(
                &left.join("\n"),
                &right.join("\n"),
                left_width,
                COLUMN_GAP,
            ));
        }
        _ => {
            let body = blocks_lines(step.blocks.iter(), Widths { width, measure }, opts, view);
            if !body.is_empty() {
                lines.push(String::new());
                lines.extend(body);
            }
        }
    }

    let quizzes: Vec<_> = step
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Quiz(quiz) => Some(quiz),
            _ => None,
        })
        .collect();
    if quizzes.is_empty() {
        return lines;
    }
    lines.push(String::new());
    if view == View::Listing && opts.show_notes {
        for quiz in quizzes {
            lines.extend(quiz_preview_lines(quiz, measure, &styles));
            lines.push(String::new());
        }
        return lines;
    }
    let count = match quizzes.len() {
        1 => "1 question in this step".to_string(),
        n => format!("{n} questions in this step"),
    };
    let hint = match view {
        View::Repl => format!("{count} — type {}", styles.command("quiz")),
        View::Listing => count,
    };
    lines.extend(wrap(&format!("{} {hint}", styles.accent("?")), measure));
    lines
}

/// How wide a block of a step may be: code and tables up to `width`, text
/// up to `measure`.
#[derive(Clone, Copy)]
struct Widths {
    width: usize,
    measure: usize,
}

impl Widths {
    /// A column of its own: everything in it at most `width` wide.
    fn same(width: usize) -> Self {
        Widths {
            width,
            measure: width,
        }
    }
}

fn block_is_hidden(block: &Block, opts: &RenderOptions) -> bool {
    match block {
        // Hints are revealed one at a time by `hint`; checks are used when
        // the example runs.
        Block::Quiz(_) | Block::Hint(_) | Block::Check(_) => true,
        Block::Note(_) => !opts.show_notes,
        _ => false,
    }
}

/// The shown blocks among `blocks`, each laid out within `widths`, a
/// blank line between them.
fn blocks_lines<'b>(
    blocks: impl Iterator<Item = &'b Block>,
    widths: Widths,
    opts: &RenderOptions,
    view: View,
) -> Vec<String> {
    let styles = Styles::new(opts);
    let Widths { width, measure } = widths;
    let mut lines = Vec::new();
    for block in blocks.filter(|block| !block_is_hidden(block, opts)) {
        let block_lines = match block {
            Block::Prose(md) => measured_lines(md, width, measure, &styles),
            Block::Python(code) | Block::Code(code) => {
                code_lines(&code.lang, &code.code, width, &styles)
            }
            Block::Demo(demo) => demo_line(demo, measure, &styles, view == View::Repl),
            Block::Note(md) => note_lines(md, measure, &styles),
            Block::Exercise(exercise) => {
                exercise_lines(exercise, measure, &styles, view == View::Repl)
            }
            Block::Quiz(_) | Block::Hint(_) | Block::Check(_) => Vec::new(),
        };
        if block_lines.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.extend(block_lines);
    }
    lines
}

/// An instructor's note, set off by a bar and a label so it is never
/// mistaken for what students read.
pub(super) fn note_lines(md: &str, width: usize, styles: &Styles) -> Vec<String> {
    let bar = styles.dim("┃");
    let mut lines = vec![format!("{bar} {}", styles.subheading("Instructor notes"))];
    for line in markdown_lines(md, width.saturating_sub(2), styles) {
        lines.push(if line.is_empty() {
            bar.clone()
        } else {
            format!("{bar} {line}")
        });
    }
    lines
}

/// An exercise as a step shows it: its title, its task and how to start
/// it. The starter is copied for the student when they start it, and the
/// solution is shown only when they ask for it.
fn exercise_lines(
    exercise: &Exercise,
    width: usize,
    styles: &Styles,
    with_command: bool,
) -> Vec<String> {
    let title = inline_markdown(&exercise.title, styles);
    let mut lines = wrap(
        &format!(
            "{} {}",
            styles.accent("Exercise ·"),
            styles.subheading(&title)
        ),
        width,
    );
    lines.extend(markdown_lines(&exercise.task, width, styles));
    if !with_command {
        return lines;
    }
    lines.extend(wrap(
        &format!(
            "{} Type {} to start it",
            styles.accent("▶"),
            styles.command("exercise")
        ),
        width,
    ));
    lines
}

/// The commands that make sense on this step, shortest first.
fn footer(lesson: &Lesson, step: usize) -> String {
    let mut parts = vec!["next: Enter"];
    if step > 0 {
        parts.push("back");
    }
    if lesson.python_for_step(step).is_some() {
        parts.extend(["code", "python"]);
    }
    if lesson.demo_for_step(step).is_some() {
        parts.push("run");
    }
    if lesson.quizzes().next().is_some() {
        parts.push("quiz");
    }
    let has_hints = lesson.steps.get(step).is_some_and(|shown| {
        shown
            .blocks
            .iter()
            .any(|block| matches!(block, Block::Hint(_)))
    });
    let exercise = lesson.steps.get(step).and_then(|shown| shown.exercise());
    if let Some(exercise) = exercise {
        parts.extend(["exercise", "watch"]);
        if !exercise.hints.is_empty() && !has_hints {
            parts.push("hint");
        }
    }
    if has_hints {
        parts.push("hint");
    }
    parts.push("help");
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::LessonIndex;
    use crate::render::ansi::width;
    use crate::render::render_course_list;
    use crate::render::test_course::{sample_course, sample_lesson};

    #[test]
    fn step_header_says_where_we_are() {
        let shown = render_step(&sample_lesson(), 1, &RenderOptions::plain(80));
        assert!(
            shown.starts_with("q3 · Create a process   step 2/3\n"),
            "{shown}"
        );
    }

    #[test]
    fn a_step_printed_by_the_shell_has_no_repl_commands() {
        let lesson = sample_lesson();
        for step in 0..lesson.steps.len() {
            let printed = render_step_printed(&lesson, step, &RenderOptions::plain(80));
            let in_repl = render_step(&lesson, step, &RenderOptions::plain(80));
            assert!(in_repl.contains("next: Enter"), "{in_repl}");
            for repl_only in ["next: Enter", "type quiz", "type run", "Type exercise"] {
                assert!(!printed.contains(repl_only), "{repl_only}: {printed}");
            }
            assert!(
                printed.starts_with(&format!("q3 · Create a process   step {}/", step + 1)),
                "{printed}"
            );
        }
    }

    #[test]
    fn quizzes_are_counted_not_shown() {
        let shown = render_step(&sample_lesson(), 0, &RenderOptions::plain(80));
        assert!(shown.contains("? 2 questions in this step — type quiz"));
        assert!(!shown.contains("Waits for the child"));
        let shown = render_step(&sample_lesson(), 1, &RenderOptions::plain(80));
        assert!(shown.contains("? 1 question in this step — type quiz"));
    }

    #[test]
    fn notes_appear_only_when_asked_for() {
        let mut opts = RenderOptions::plain(80);
        assert!(!render_step(&sample_lesson(), 0, &opts).contains("Instructor notes"));
        opts.show_notes = true;
        assert!(render_step(&sample_lesson(), 0, &opts).contains("┃ Instructor notes"));
    }

    #[test]
    fn footer_mentions_only_commands_that_apply() {
        let lesson = sample_lesson();
        assert_eq!(
            footer(&lesson, 0),
            "next: Enter · code · python · run · quiz · help"
        );
        assert_eq!(
            footer(&lesson, 2),
            "next: Enter · back · code · python · run · quiz · help"
        );
        let mut hinted = lesson.clone();
        hinted.steps[0]
            .blocks
            .push(Block::Hint("Look again.".into()));
        assert!(footer(&hinted, 0).ends_with("quiz · hint · help"));
        let mut bare = lesson.clone();
        bare.steps.truncate(1);
        bare.steps[0]
            .blocks
            .retain(|block| matches!(block, Block::Prose(_)));
        assert_eq!(footer(&bare, 0), "next: Enter · help");
    }

    #[test]
    fn wide_steps_put_code_beside_the_prose() {
        let shown = render_step(&sample_lesson(), 0, &RenderOptions::plain(160));
        let beside = shown
            .lines()
            .find(|line| line.contains(" 1 │ from multiprocessing import Process"))
            .expect("the example is shown");
        assert!(
            !beside.starts_with(" 1 │"),
            "code should sit in the right column: {beside}"
        );
    }

    #[test]
    fn a_step_past_the_end_shows_the_last_one() {
        let shown = render_step(&sample_lesson(), 99, &RenderOptions::plain(80));
        assert!(shown.contains("step 3/3"));
    }

    #[test]
    fn every_view_fits_every_width() {
        let lesson = sample_lesson();
        let course = sample_course();
        for columns in [20, 40, 57, 80, 119, 120, 160, 240] {
            for color in [false, true] {
                let opts = RenderOptions {
                    width: columns,
                    measure: crate::render::DEFAULT_MEASURE,
                    color,
                    show_notes: true,
                    theme: Default::default(),
                };
                let limit = opts.columns();
                let mut views = vec![
                    render_lesson(&lesson, &opts),
                    render_course_list(&course, Some(LessonIndex(0)), &opts),
                ];
                views.extend((0..lesson.steps.len()).map(|step| render_step(&lesson, step, &opts)));
                for view in views {
                    for line in view.lines() {
                        assert!(width(line) <= limit, "{columns}: {line:?}");
                    }
                    assert_eq!(view.contains('\x1b'), color, "{view}");
                }
            }
        }
    }
}
