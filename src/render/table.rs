//! Tables sized to the terminal, with comfy-table.
//!
//! comfy-table is always told it is *not* writing to a terminal: it would
//! otherwise measure stdout itself and add its own escapes, and a renderer
//! must depend only on its options. Header styling comes from [`Styles`]
//! instead, as escapes inside the cell text, which the `custom_styling`
//! feature lets comfy-table measure and wrap correctly.

use std::borrow::Cow;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::RenderOptions;
use super::ansi::{finish, hard_wrap, sanitize, width as display_width};
use super::style::Styles;

/// A table with a header row; cells wrap so the whole table fits the width.
/// Rows shorter than the header are padded with empty cells.
pub fn render_table(header: &[String], rows: &[Vec<String>], opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let clean =
        |row: &[String]| -> Vec<String> { row.iter().map(|cell| sanitize(cell, " ")).collect() };
    let header = clean(header);
    let rows: Vec<Vec<String>> = rows.iter().map(|row| clean(row)).collect();
    let lines = table_lines(&header, &rows, &[], opts.columns(), &styles);
    finish(&lines.join("\n"), opts.columns(), opts.color)
}

/// A table longer than this many rows is cut short right after a demo,
/// so the demo's result stays in view (the REPL's `details` shows it whole).
pub const BRIEF_MAX_ROWS: usize = 12;

/// The rows a cut-short table keeps.
pub const BRIEF_KEPT_ROWS: usize = 8;

/// [`render_table`], but past [`BRIEF_MAX_ROWS`] rows only the first
/// [`BRIEF_KEPT_ROWS`], then `more(n)` (Markdown) for the `n` left out.
pub fn render_table_brief(
    header: &[String],
    rows: &[Vec<String>],
    opts: &RenderOptions,
    more: &dyn Fn(usize) -> String,
) -> String {
    match rows.get(..BRIEF_KEPT_ROWS) {
        Some(kept) if rows.len() > BRIEF_MAX_ROWS => format!(
            "{}\n{}",
            render_table(header, kept, opts),
            super::render_markdown(&more(rows.len() - BRIEF_KEPT_ROWS), opts)
        ),
        _ => render_table(header, rows, opts),
    }
}

/// The table's lines at `width` columns. `aligns` gives each column's
/// alignment (missing entries are left-aligned); cells may already hold
/// styled text, so they must already be free of stray control characters.
pub(crate) fn table_lines(
    header: &[String],
    rows: &[Vec<String>],
    aligns: &[CellAlignment],
    width: usize,
    styles: &Styles,
) -> Vec<String> {
    let column_count = rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(header.len()))
        .max()
        .unwrap_or(0);
    if column_count == 0 {
        return Vec::new();
    }
    let cells = |row: &[String], header: bool| -> Vec<Cell> {
        (0..column_count)
            .map(|column| {
                let text = row.get(column).map_or("", String::as_str);
                let text = break_long_words(text, width);
                let text = if header {
                    styles.strong(&text)
                } else {
                    text.into_owned()
                };
                let align = aligns.get(column).copied().unwrap_or(CellAlignment::Left);
                Cell::new(text).set_alignment(align)
            })
            .collect()
    };

    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED.with_rounded_corners())
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX));
    if !header.is_empty() {
        table.set_header(cells(header, true));
    }
    for row in rows {
        table.add_row(cells(row, false));
    }
    table.lines().collect()
}

/// `text` with every word wider than `width` cut into pieces `width` wide,
/// one per line.
///
/// comfy-table breaks a word too wide for its column by copying the rest
/// of the word for every piece it cuts off, which costs the square of the
/// word's length: one 40 000-character title took seconds to list. No
/// column is wider than the table, so such a word is cut anyway; cut here,
/// in one pass, comfy-table is left only pieces that fit the table.
fn break_long_words(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let mut broken = String::with_capacity(text.len() + text.len() / width.max(1));
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            broken.push('\n');
        }
        for (index, word) in line.split(' ').enumerate() {
            if index > 0 {
                broken.push(' ');
            }
            if display_width(word) > width {
                broken.push_str(&hard_wrap(word, width).join("\n"));
            } else {
                broken.push_str(word);
            }
        }
    }
    Cow::Owned(broken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ansi::width;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    fn sample() -> (Vec<String>, Vec<Vec<String>>) {
        let header = strings(&["", "processes", "threads"]);
        let rows = vec![
            strings(&["memory", "each has its own copy", "all share one heap"]),
            strings(&[
                "failure",
                "a crash kills only that process; the parent sees an exit code",
                "a crash in one thread takes the whole program down",
            ]),
        ];
        (header, rows)
    }

    #[test]
    fn tables_fit_the_width_by_wrapping_cells() {
        let (header, rows) = sample();
        for columns in [40, 60, 80, 120] {
            let shown = render_table(&header, &rows, &RenderOptions::plain(columns));
            for line in shown.lines() {
                assert!(width(line) <= columns, "{columns}: {line}");
            }
        }
    }

    #[test]
    fn plain_tables_have_round_corners_and_no_escapes() {
        let (header, rows) = sample();
        let shown = render_table(&header, &rows, &RenderOptions::plain(100));
        assert!(shown.starts_with('╭'));
        assert!(shown.ends_with('╯'));
        assert!(!shown.contains('\x1b'));
    }

    #[test]
    fn short_rows_are_padded_to_the_header() {
        let shown = render_table(
            &strings(&["a", "b", "c"]),
            &[strings(&["1"])],
            &RenderOptions::plain(40),
        );
        let widths: Vec<usize> = shown.lines().map(width).collect();
        assert!(widths.windows(2).all(|pair| pair[0] == pair[1]), "{shown}");
    }

    #[test]
    fn header_is_bold_in_colour() {
        let opts = RenderOptions {
            width: 60,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        let shown = render_table(&strings(&["name"]), &[strings(&["x"])], &opts);
        assert!(shown.contains("\x1b[1m"));
    }

    #[test]
    fn a_word_wider_than_the_table_is_cut_to_fit_and_kept_whole() {
        let word = "w".repeat(250);
        let shown = render_table(
            &strings(&["title"]),
            &[vec![word.clone()]],
            &RenderOptions::plain(40),
        );
        assert!(shown.lines().all(|line| width(line) <= 40), "{shown}");
        let kept: String = shown.chars().filter(|c| *c == 'w').collect();
        assert_eq!(kept, word);
    }

    #[test]
    fn an_empty_table_renders_nothing() {
        assert_eq!(render_table(&[], &[], &RenderOptions::plain(80)), "");
    }
}
