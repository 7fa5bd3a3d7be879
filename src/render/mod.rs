//! Course content → Strings for a terminal.
//!
//! Every renderer here takes a [`RenderOptions`] and returns a `String`; none
//! of them prints, reads the terminal or looks at the environment. The front
//! end decides the width and whether colour is on, once, and the same calls
//! serve the REPL, the one-shot commands and the snapshot tests.
//!
//! Two promises hold for every output, because the REPL and the tests rely on
//! them:
//! - no line is wider than [`RenderOptions::width`] (measured ignoring ANSI
//!   escapes; widths below [`MIN_WIDTH`] are treated as [`MIN_WIDTH`]), and
//!   no line of prose is wider than [`RenderOptions::prose`], the reading
//!   measure: on a wide terminal the extra columns go to code beside the
//!   prose and to tables, never to longer lines of text;
//! - with `color: false` there is not a single escape code, so the text can
//!   be piped, diffed and snapshotted; with `color: true` every line closes
//!   its own styles, so lines can be laid side by side without colour
//!   bleeding from one column into the next.
//!
//! The pieces, one idea per file: [`style`] (what each kind of text looks
//! like), `ansi` (measuring and fixing up styled lines), [`markdown`],
//! [`code`] (numbered, highlighted panels), [`table`], [`columns`]
//! (side-by-side layout), and the course views in `lesson`, `course_list`,
//! `quiz` and `demo`, and lesson q2's table with what was measured in
//! [`compare`]. A running demo's events are drawn by [`live`] (one
//! event as tagged lines) and [`live_columns`] (beside the explanation, as
//! they stream), and afterwards by [`timeline`] and [`summary`], from the
//! per-worker runs in `runs`; a Python run's X-ray by [`xray`] (lanes of CPU use
//! per process and thread, their cells in `xray_cells`) and `xray_table`
//! (its figures); `findings::format_us` formats the times they all show.

mod ansi;
mod check_matrix;
pub mod code;
pub mod columns;
pub mod compare;
mod course_list;
mod course_summary;
mod demo;
pub mod exercise;
mod exercise_check;
pub mod exercise_list;
pub mod findings;
mod highlight;
mod lesson;
pub mod live;
pub mod live_columns;
pub mod markdown;
mod markdown_inline;
mod markdown_tree;
mod presenter_notes;
pub mod progress;
pub mod python_run;
mod quiz;
mod runs;
pub mod style;
pub mod summary;
pub mod table;
pub mod timeline;
mod verdict;
pub mod xray;
mod xray_cells;
mod xray_table;

#[cfg(test)]
mod compare_snapshot_tests;
#[cfg(test)]
mod demo_snapshot_tests;
#[cfg(test)]
mod measure_snapshot_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_course;
#[cfg(test)]
mod test_events;
#[cfg(test)]
mod theme_tests;
#[cfg(test)]
mod xray_snapshot_tests;

pub use crate::findings::format_us;
pub(crate) use ansi::sanitize;
pub use ansi::{REPLACEMENT, terminal_safe};
pub use check_matrix::{CheckCell, render_check_matrix};
pub use code::{render_code, render_code_titled};
pub use columns::{SIDE_BY_SIDE_MIN, beside_or_stacked, side_by_side, split_columns, split_for};
pub use compare::{render_compare, render_compare_summary};
pub use course_list::render_course_list;
pub use course_summary::render_course_summary;
pub use demo::render_demo_info;
pub use exercise::render_exercise_verdict;
pub use exercise_check::{render_exercise_check, render_exercises_verified};
pub use exercise_list::{ExerciseRow, exercise_rows, render_exercise_list};
pub use findings::render_findings;
pub use lesson::{render_lesson, render_step, render_step_printed};
pub use live::{WorkerLabels, render_event, worker_tag};
pub use live_columns::LiveColumns;
pub use markdown::{render_markdown, render_wrapped};
pub use presenter_notes::{Following, render_presenter_message, render_presenter_notes};
pub use progress::{format_age, render_progress};
pub use python_run::{
    CheckResult, render_python_outcome, render_trace_outcome, render_xray_with_findings,
};
pub use quiz::{
    render_quiz_feedback, render_quiz_feedback_after_retry, render_quiz_question, render_quiz_retry,
};
pub use style::{Styles, Theme, WORKER_COLOR_COUNT};
pub use summary::{render_worker_summary, render_worker_summary_brief};
pub use table::{BRIEF_KEPT_ROWS, BRIEF_MAX_ROWS, render_table, render_table_brief};
pub use timeline::render_timeline;
pub use verdict::render_verdict;
pub use xray::{render_xray, render_xray_live};
pub use xray_table::render_xray_findings;

/// The narrowest layout the renderers produce; anything smaller is treated
/// as this, so a tiny or mis-measured terminal gives slightly too-wide lines
/// rather than a panic or one word per line.
pub const MIN_WIDTH: usize = 40;

/// The longest line of prose by default (`--measure N` changes it): past
/// about 90 characters the eye loses its way back to the next line, so
/// a wider terminal gives its extra columns to code and tables instead.
pub const DEFAULT_MEASURE: usize = 88;

/// How to render: decided once by the front end.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions {
    /// Total columns available (terminal width, `--width N`, or 100).
    pub width: usize,
    /// The longest line of prose (paragraphs, findings, help, messages),
    /// however wide the terminal: [`DEFAULT_MEASURE`] or `--measure N`.
    pub measure: usize,
    /// Style with ANSI escapes; when false the output has none at all.
    pub color: bool,
    /// Show the instructor's ```` ```note ```` blocks.
    pub show_notes: bool,
    /// Which palette colour uses (nothing changes without colour).
    pub theme: Theme,
}

impl RenderOptions {
    /// Plain text at `width`: no colour, no notes. Handy for tests and pipes.
    pub fn plain(width: usize) -> Self {
        RenderOptions {
            width,
            measure: DEFAULT_MEASURE,
            color: false,
            show_notes: false,
            theme: Default::default(),
        }
    }

    /// The width actually laid out: `width`, but never below [`MIN_WIDTH`].
    pub fn columns(&self) -> usize {
        self.width.max(MIN_WIDTH)
    }

    /// The width prose is wrapped at: the measure, or the terminal's width
    /// when that is narrower; never below [`MIN_WIDTH`].
    pub fn prose(&self) -> usize {
        self.columns().min(self.measure.max(MIN_WIDTH))
    }

    /// These options with prose at most `width` wide as well as everything
    /// else: for a view laid out inside a column of a wider one.
    pub fn within(&self, width: usize) -> Self {
        RenderOptions {
            width,
            measure: self.measure.min(width),
            ..*self
        }
    }
}
