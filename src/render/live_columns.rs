//! The lesson's explanation beside a demo's output while it streams.
//!
//! The REPL prints into ordinary scrollback: no cursor movement, nothing
//! redrawn, so it works in any terminal, in a pipe and under a screen
//! reader. Side by side is still possible, one row at a time: every output
//! line that arrives is printed next to the next line of the explanation, so
//! the explanation unrolls on the left as the demo runs on the right, and
//! whatever is left of it is printed when the demo ends. On a terminal too
//! narrow for two columns the explanation comes first, then a rule, then the
//! output.

use super::RenderOptions;
use super::ansi::{balance_lines, hard_wrap, pad, trim_end, width as display_width};
use super::columns::{COLUMN_GAP, split_for};
use super::markdown::wrap;
use super::style::Styles;

/// Where the two parts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    SideBySide { left: usize, right: usize },
    Stacked { width: usize },
}

/// A live view in progress: the explanation and how much of it is shown.
#[derive(Debug, Clone)]
pub struct LiveColumns {
    layout: Layout,
    explanation: Vec<String>,
    /// The first explanation line not printed yet.
    next: usize,
    styles: Styles,
}

impl LiveColumns {
    /// The width to render the explanation at before calling [`Self::new`]:
    /// the left column's when the terminal is wide enough for two, else
    /// the whole width.
    pub fn explanation_width(opts: &RenderOptions) -> usize {
        split_for(opts).map_or(opts.columns(), |(left, _)| left)
    }

    /// Lays out `explanation` (already rendered, at
    /// [`Self::explanation_width`]) beside or above the output to come.
    /// Lines wider than their column are broken, so a caller who rendered at
    /// another width gets a ragged explanation, never an over-wide line.
    pub fn new(explanation: &str, opts: &RenderOptions) -> Self {
        let columns = opts.columns();
        let layout = match split_for(opts) {
            Some((left, right)) => Layout::SideBySide { left, right },
            None => Layout::Stacked { width: columns },
        };
        let explanation_width = match layout {
            Layout::SideBySide { left, .. } => left,
            Layout::Stacked { width } => width,
        };
        let mut lines: Vec<String> = own_lines(explanation, opts.color)
            .iter()
            .flat_map(|line| hard_wrap(line, explanation_width))
            .map(|line| trim_end(&line))
            .collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        LiveColumns {
            layout,
            explanation: lines,
            next: 0,
            styles: Styles::new(opts),
        }
    }

    /// No explanation: the live output alone, across the whole width
    /// (`run view=live`, for a demo shown to a room).
    pub fn live_only(opts: &RenderOptions) -> Self {
        LiveColumns {
            layout: Layout::Stacked {
                width: opts.columns(),
            },
            explanation: Vec::new(),
            next: 0,
            styles: Styles::new(opts),
        }
    }

    /// Lays out what is still to come at `opts`' width, after the terminal
    /// was resized: lines printed from now on fit the new width. What is
    /// left of the explanation is wrapped again for its new column (at
    /// spaces where it can be). Output that was below the explanation
    /// stays below it; output beside it moves below it when the terminal
    /// is now too narrow for two columns, and the rest of the explanation
    /// follows the demo.
    pub fn relayout(&mut self, opts: &RenderOptions) {
        let columns = opts.columns();
        self.layout = match (self.layout, split_for(opts)) {
            (Layout::SideBySide { .. }, Some((left, right))) => Layout::SideBySide { left, right },
            _ => Layout::Stacked { width: columns },
        };
        let explanation_width = match self.layout {
            Layout::SideBySide { left, .. } => left,
            Layout::Stacked { width } => width,
        };
        let rest = self.take_explanation();
        let rewrapped = rest
            .iter()
            .flat_map(|line| {
                if display_width(line) <= explanation_width {
                    vec![line.clone()]
                } else {
                    let pieces = wrap(line, explanation_width).join("\n");
                    let pieces = if self.styles.color() {
                        balance_lines(&pieces)
                    } else {
                        pieces
                    };
                    pieces
                        .lines()
                        .flat_map(|piece| hard_wrap(piece, explanation_width))
                        .map(|piece| trim_end(&piece))
                        .collect()
                }
            })
            .collect();
        self.explanation = rewrapped;
        self.next = 0;
    }

    /// Whether output goes beside the explanation rather than below it.
    pub fn is_side_by_side(&self) -> bool {
        matches!(self.layout, Layout::SideBySide { .. })
    }

    /// The width to render each event at, for [`Self::push`].
    pub fn right_width(&self) -> usize {
        match self.layout {
            Layout::SideBySide { right, .. } => right,
            Layout::Stacked { width } => width,
        }
    }

    /// What to print before the first event. Stacked: the whole explanation
    /// and a `── live output ──` rule under it. Side by side: the rule as
    /// the right column's title; the explanation starts on the next row.
    pub fn header(&mut self) -> String {
        let rule = self.rule(self.right_width());
        match self.layout {
            Layout::SideBySide { left, .. } => self.row("", &rule, left),
            Layout::Stacked { .. } => {
                let mut lines = self.take_explanation();
                if !lines.is_empty() {
                    lines.push(String::new());
                }
                lines.push(rule);
                lines.join("\n")
            }
        }
    }

    /// The rows to print now for `event_lines` (rendered at
    /// [`Self::right_width`]): side by side, each beside the next line of
    /// the explanation; stacked, the lines themselves. No trailing newline;
    /// empty when there is nothing to print.
    pub fn push(&mut self, event_lines: &[String]) -> String {
        let right_width = self.right_width();
        let mut rows = Vec::new();
        for line in event_lines {
            let line = if self.styles.color() {
                balance_lines(line)
            } else {
                console::strip_ansi_codes(line).into_owned()
            };
            for piece in hard_wrap(&line, right_width) {
                rows.push(match self.layout {
                    Layout::SideBySide { left, .. } => {
                        let explanation = self.explanation.get(self.next).cloned();
                        self.next += 1;
                        self.row(explanation.as_deref().unwrap_or(""), &piece, left)
                    }
                    Layout::Stacked { .. } => trim_end(&piece),
                });
            }
        }
        rows.join("\n")
    }

    /// What is left of the explanation once the demo has ended (nothing
    /// when stacked, where it was all printed first).
    pub fn finish(&mut self) -> String {
        self.take_explanation().join("\n")
    }

    /// The explanation lines not printed yet, marked as printed.
    fn take_explanation(&mut self) -> Vec<String> {
        let rest = self
            .explanation
            .get(self.next..)
            .unwrap_or_default()
            .to_vec();
        self.next = self.explanation.len().max(self.next);
        rest
    }

    /// `left` padded to its column, the gap, then `right`.
    fn row(&self, left: &str, right: &str, left_width: usize) -> String {
        if right.is_empty() {
            return left.to_string();
        }
        let left = pad(left, left_width.max(display_width(left)));
        trim_end(&format!("{left}{}{right}", " ".repeat(COLUMN_GAP)))
    }

    /// `── live output ─────` across `width` columns.
    fn rule(&self, width: usize) -> String {
        let title = "live output";
        let tail = width.saturating_sub(display_width(title) + 4).max(2);
        format!(
            "{} {} {}",
            self.styles.dim("──"),
            self.styles.subheading(title),
            self.styles.dim(&"─".repeat(tail)),
        )
    }
}

/// `text`'s lines, each closing its own styles, or with none at all when
/// colour is off.
fn own_lines(text: &str, color: bool) -> Vec<String> {
    let text = if color {
        balance_lines(text)
    } else {
        console::strip_ansi_codes(text).into_owned()
    };
    text.lines().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::super::columns::split_columns;
    use super::*;

    fn strings(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|line| line.to_string()).collect()
    }

    const EXPLANATION: &str = "Each process runs on its own.\n\nThe order is up to the OS.";

    #[test]
    fn the_live_output_alone_gets_the_whole_width_under_its_rule() {
        let mut live = LiveColumns::live_only(&RenderOptions::plain(160));
        assert!(!live.is_side_by_side());
        assert_eq!(live.right_width(), 160);
        let header = live.header();
        assert!(header.starts_with("── live output ──"), "{header}");
        assert_eq!(header.lines().count(), 1, "{header}");
        let wide = "x".repeat(150);
        assert_eq!(live.push(&strings(&[&wide])), wide);
        assert_eq!(live.finish(), "");
    }

    #[test]
    fn narrow_terminals_stack_the_explanation_above_a_rule() {
        let mut live = LiveColumns::new(EXPLANATION, &RenderOptions::plain(60));
        assert!(!live.is_side_by_side());
        assert_eq!(live.right_width(), 60);
        let header = live.header();
        assert!(header.starts_with(EXPLANATION), "{header}");
        let rule = header.lines().last().unwrap_or_default();
        assert!(rule.starts_with("── live output ──"), "{rule}");
        assert_eq!(display_width(rule), 60);
        assert_eq!(live.push(&strings(&["a", "b"])), "a\nb");
        assert_eq!(live.finish(), "");
    }

    #[test]
    fn wide_terminals_unroll_the_explanation_beside_the_output() {
        let opts = RenderOptions::plain(160);
        let mut live = LiveColumns::new(EXPLANATION, &opts);
        let (left, right) = split_columns(160).unwrap_or_default();
        assert!(live.is_side_by_side());
        assert_eq!(live.right_width(), right);
        let header = live.header();
        assert!(
            header.starts_with(&" ".repeat(left + COLUMN_GAP)),
            "{header}"
        );
        let first = live.push(&strings(&["out 1"]));
        assert_eq!(
            first,
            format!(
                "{:<w$}out 1",
                "Each process runs on its own.",
                w = left + COLUMN_GAP
            )
        );
        // A blank explanation line still takes its row.
        let second = live.push(&strings(&["out 2"]));
        assert_eq!(second, format!("{}out 2", " ".repeat(left + COLUMN_GAP)));
        assert_eq!(live.finish(), "The order is up to the OS.");
        assert_eq!(live.finish(), "");
    }

    #[test]
    fn output_longer_than_the_explanation_keeps_its_column() {
        let mut live = LiveColumns::new("one line", &RenderOptions::plain(120));
        let (left, _) = split_columns(120).unwrap_or_default();
        live.push(&strings(&["a"]));
        assert_eq!(
            live.push(&strings(&["b"])),
            format!("{}b", " ".repeat(left + COLUMN_GAP))
        );
        assert_eq!(live.push(&[]), "");
    }

    #[test]
    fn nothing_is_wider_than_the_terminal_even_from_a_careless_caller() {
        let wide = "x".repeat(300);
        for columns in [40, 80, 120, 200] {
            let mut live = LiveColumns::new(&wide, &RenderOptions::plain(columns));
            let mut shown = live.header();
            shown.push('\n');
            shown.push_str(&live.push(&[wide.clone(), String::new()]));
            shown.push('\n');
            shown.push_str(&live.finish());
            for line in shown.lines() {
                assert!(display_width(line) <= columns, "{columns}: {line}");
            }
        }
    }

    #[test]
    fn colour_stays_inside_its_column() {
        let opts = RenderOptions {
            width: 160,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        let mut live = LiveColumns::new("\x1b[1mbold\nstill bold\x1b[0m", &opts);
        let row = live.push(&strings(&["\x1b[31mred"]));
        let (left, _) = split_columns(160).unwrap_or_default();
        let expected = format!(
            "\x1b[1mbold\x1b[0m{}\x1b[31mred\x1b[0m",
            " ".repeat(left - 4 + COLUMN_GAP)
        );
        assert_eq!(row, expected);
        assert_eq!(live.finish(), "\x1b[1mstill bold\x1b[0m");
    }

    #[test]
    fn colour_off_strips_escapes_from_both_sides() {
        let mut live = LiveColumns::new("\x1b[1mbold\x1b[0m", &RenderOptions::plain(160));
        let shown = format!(
            "{}{}{}",
            live.header(),
            live.push(&strings(&["\x1b[31mred\x1b[0m"])),
            live.finish()
        );
        assert!(!shown.contains('\x1b'), "{shown:?}");
    }
}
