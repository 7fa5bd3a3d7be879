//! Two columns side by side on a wide terminal, one above the other on a
//! narrow one.
//!
//! Explanation on the left and the code it explains on the right is the
//! layout a teacher wants on a projector; below [`SIDE_BY_SIDE_MIN`] columns
//! the code column would be too narrow for an 80-column Python example, so
//! the caller stacks instead.

use super::ansi::{balance_lines, finish, pad, trim_end, width};
use super::{DEFAULT_MEASURE, MIN_WIDTH, RenderOptions};

/// The narrowest terminal laid out in two columns.
pub const SIDE_BY_SIDE_MIN: usize = 120;

/// Spaces between the two columns.
pub const COLUMN_GAP: usize = 3;

/// `(left, right)` column widths for `width` at the default measure, or
/// `None` when the terminal is too narrow for two columns (see
/// [`split_for`]).
pub fn split_columns(width: usize) -> Option<(usize, usize)> {
    split_at_measure(width, DEFAULT_MEASURE)
}

/// `(left, right)` column widths for the options' width, or `None` when
/// the terminal is too narrow for two columns. The left (prose) column gets
/// 45%, but never more than the measure: prose is hard to read in longer
/// lines, so on a very wide terminal the extra space goes to the right-hand
/// column. The right gets the rest, less [`COLUMN_GAP`].
pub fn split_for(opts: &RenderOptions) -> Option<(usize, usize)> {
    split_at_measure(opts.columns(), opts.prose())
}

fn split_at_measure(width: usize, measure: usize) -> Option<(usize, usize)> {
    if width < SIDE_BY_SIDE_MIN {
        return None;
    }
    let usable = width - COLUMN_GAP;
    let left = (usable * 9 / 20).min(measure.max(MIN_WIDTH));
    Some((left, usable - left))
}

/// Lays `left` and `right` side by side: line *n* of each on row *n*, the
/// left padded to `left_width` columns and followed by `gap` spaces. Every
/// line of each side closes its own styles first, so colour never runs into
/// the padding, across the gap, or into the next row.
pub fn side_by_side(left: &str, right: &str, left_width: usize, gap: usize) -> String {
    // Both sides: an open style at the end of a right line would otherwise
    // carry over into the next row's left column.
    let (left, right) = (balance_lines(left), balance_lines(right));
    let left_lines: Vec<&str> = left.lines().collect();
    let right_lines: Vec<&str> = right.lines().collect();
    let rows = left_lines.len().max(right_lines.len());
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let left_line = left_lines.get(row).copied().unwrap_or("");
        let right_line = right_lines.get(row).copied().unwrap_or("");
        let mut line = left_line.to_string();
        if !right_line.is_empty() {
            line = pad(&line, left_width.max(width(&line)));
            line.push_str(&" ".repeat(gap));
            line.push_str(right_line);
        }
        out.push(trim_end(&line));
    }
    out.join("\n")
}

/// Renders two views beside each other when the width allows, each at its
/// column's width; otherwise both at full width, `left` above `right` with a
/// blank line between. When one view is empty the other gets the full width.
pub fn beside_or_stacked(
    left_render: impl Fn(usize) -> String,
    right_render: impl Fn(usize) -> String,
    opts: &RenderOptions,
) -> String {
    let columns = opts.columns();
    let text = match split_for(opts) {
        Some((left_width, right_width)) => {
            let left = left_render(left_width);
            let right = right_render(right_width);
            if left.trim().is_empty() {
                right_render(columns)
            } else if right.trim().is_empty() {
                left_render(columns)
            } else {
                side_by_side(&left, &right, left_width, COLUMN_GAP)
            }
        }
        None => format!("{}\n\n{}", left_render(columns), right_render(columns)),
    };
    finish(&text, columns, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_terminals_do_not_split() {
        assert_eq!(split_columns(119), None);
        assert_eq!(split_columns(80), None);
    }

    #[test]
    fn split_columns_fill_the_width_with_the_gap() {
        for width in [120, 160, 200, 300] {
            let (left, right) = split_columns(width).expect("wide enough");
            assert_eq!(left + COLUMN_GAP + right, width);
            assert!(left >= 40 && right >= left);
        }
    }

    #[test]
    fn side_by_side_pads_the_left_and_keeps_extra_lines() {
        let joined = side_by_side("one\ntwo\nthree", "A\nB", 6, 2);
        assert_eq!(joined, "one     A\ntwo     B\nthree");
    }

    #[test]
    fn right_column_longer_than_left_is_indented_past_it() {
        let joined = side_by_side("x", "A\nB", 4, 1);
        assert_eq!(joined, "x    A\n     B");
    }

    #[test]
    fn colour_on_the_left_is_closed_before_padding() {
        let joined = side_by_side("\x1b[1mbold\nstill", "R1\nR2", 6, 1);
        let lines: Vec<&str> = joined.lines().collect();
        assert_eq!(lines[0], "\x1b[1mbold\x1b[0m   R1");
        assert_eq!(lines[1], "\x1b[1mstill\x1b[0m  R2");
    }

    #[test]
    fn colour_on_the_right_does_not_reach_the_next_row() {
        let joined = side_by_side("a\nb", "\x1b[2mdim\nmore\x1b[0m", 2, 1);
        let lines: Vec<&str> = joined.lines().collect();
        assert_eq!(lines[1], "b  \x1b[2mmore\x1b[0m");
    }

    #[test]
    fn beside_or_stacked_stacks_below_the_threshold() {
        let render = |text: &'static str| move |w: usize| format!("{text}@{w}");
        let narrow = beside_or_stacked(render("L"), render("R"), &RenderOptions::plain(100));
        assert_eq!(narrow, "L@100\n\nR@100");
        let wide = beside_or_stacked(render("L"), render("R"), &RenderOptions::plain(160));
        assert_eq!(wide, format!("{:<73}R@87", "L@70"));
    }
}
