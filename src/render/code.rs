//! Code panels: numbered lines behind a gutter, Python highlighted.
//!
//! Long lines are wrapped, not cut: a student copying an example must see
//! all of it. A wrapped line continues after a `┆` gutter with no number, so
//! the numbers still match the lesson file's example line for line.

use crate::course::CodeBlock;

use super::RenderOptions;
use super::ansi::{finish, sanitize};
use super::highlight::{Segment, highlight_python, is_python};
use super::style::Styles;

/// Tabs in examples are shown as four spaces, Python's usual indent.
const TAB: &str = "    ";

/// Narrowest code column kept beside the gutter, whatever the width.
const MIN_CODE_COLUMNS: usize = 8;

/// A code panel: each line numbered, with a ` │ ` gutter.
pub fn render_code(code: &CodeBlock, opts: &RenderOptions) -> String {
    let lines = code_lines(&code.lang, &code.code, opts.columns(), &Styles::new(opts));
    finish(&lines.join("\n"), opts.columns(), opts.color)
}

/// A code panel under a title line (`example · lessons/q3.md`).
pub fn render_code_titled(title: &str, code: &CodeBlock, opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let panel = code_lines(&code.lang, &code.code, opts.columns(), &styles);
    let text = format!("{}\n{}", styles.subheading(title), panel.join("\n"));
    finish(&text, opts.columns(), opts.color)
}

/// The panel's lines at `width` columns (not clamped: a panel nested in a
/// list may be narrower than [`super::MIN_WIDTH`]).
pub(crate) fn code_lines(lang: &str, code: &str, width: usize, styles: &Styles) -> Vec<String> {
    let code = sanitize(code, TAB);
    let source: Vec<&str> = code.lines().collect();
    let highlighted = if styles.color() && is_python(lang) {
        highlight_python(&code, styles.theme()).filter(|lines| lines.len() == source.len())
    } else {
        None
    };
    let segmented = highlighted.unwrap_or_else(|| {
        source
            .iter()
            .map(|line| vec![Segment::plain(line)])
            .collect()
    });

    let number_width = source.len().to_string().len().max(2);
    let gutter_width = number_width + 3;
    let code_width = width.saturating_sub(gutter_width).max(MIN_CODE_COLUMNS);
    let mut out = Vec::new();
    for (index, segments) in segmented.iter().enumerate() {
        for (piece, chunk) in wrap_segments(segments, code_width).iter().enumerate() {
            let gutter = if piece == 0 {
                format!("{:>number_width$} │ ", index + 1)
            } else {
                format!("{:>number_width$} ┆ ", "")
            };
            let mut body: String = chunk.iter().map(Segment::paint).collect();
            if styles.theme() == super::Theme::HighContrast {
                // Not highlighted (see `highlight`): bold instead.
                body = styles.strong(&body);
            }
            out.push(format!("{}{body}", styles.dim(&gutter)));
        }
    }
    out
}

/// Splits a line's segments into rows of at most `width` display columns,
/// keeping each piece's colour.
fn wrap_segments(segments: &[Segment], width: usize) -> Vec<Vec<Segment>> {
    let text: String = segments
        .iter()
        .map(|segment| segment.text.as_str())
        .collect();
    let mut breaks = row_starts(&text, width).into_iter().skip(1).peekable();
    let mut rows: Vec<Vec<Segment>> = vec![Vec::new()];
    let mut offset = 0;
    for segment in segments {
        let mut current = String::new();
        for ch in segment.text.chars() {
            if breaks.next_if_eq(&offset).is_some() {
                push_segment(&mut rows, &current, segment.color);
                current.clear();
                rows.push(Vec::new());
            }
            current.push(ch);
            offset += 1;
        }
        push_segment(&mut rows, &current, segment.color);
    }
    rows
}

/// Char offsets where each row of `text` starts when wrapped to `width`
/// columns. A row ends after the last space in its second half when there is
/// one, so `print(a, b)` breaks between arguments rather than inside a name;
/// otherwise it breaks at the width.
fn row_starts(text: &str, width: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut row_width = 0;
    let mut last_space: Option<(usize, usize)> = None; // (offset after it, width up to it)
    for (offset, ch) in text.chars().enumerate() {
        let mut buf = [0u8; 4];
        let w = textwrap::core::display_width(ch.encode_utf8(&mut buf));
        if row_width + w > width && row_width > 0 {
            match last_space {
                Some((after, upto)) if upto * 2 >= width => {
                    starts.push(after);
                    row_width -= upto;
                }
                _ => {
                    starts.push(offset);
                    row_width = 0;
                }
            }
            last_space = None;
        }
        row_width += w;
        if ch == ' ' {
            last_space = Some((offset + 1, row_width));
        }
    }
    starts
}

fn push_segment(rows: &mut [Vec<Segment>], text: &str, color: Option<u8>) {
    if let Some(row) = rows.last_mut()
        && !text.is_empty()
    {
        row.push(Segment {
            text: text.to_string(),
            color,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::ansi::width;

    fn block(lang: &str, code: &str) -> CodeBlock {
        CodeBlock {
            lang: lang.to_string(),
            code: code.to_string(),
            line: 1,
        }
    }

    #[test]
    fn lines_are_numbered_right_aligned_behind_a_gutter() {
        let code: String = (1..=10).map(|n| format!("x = {n}\n")).collect();
        let shown = render_code(&block("python", &code), &RenderOptions::plain(80));
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], " 1 │ x = 1");
        assert_eq!(lines[9], "10 │ x = 10");
    }

    #[test]
    fn long_lines_wrap_behind_a_continuation_gutter() {
        let long = format!("print(\"{}\")\n", "a".repeat(100));
        let shown = render_code(&block("python", &long), &RenderOptions::plain(40));
        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines.len() >= 3);
        assert!(lines[1].starts_with("   ┆ "));
        assert!(lines.iter().all(|line| width(line) <= 40));
        let rejoined: String = lines.iter().map(|line| &line[" 1 │ ".len()..]).collect();
        assert_eq!(rejoined, long.trim_end());
    }

    #[test]
    fn long_lines_break_after_a_space_when_one_is_near_the_end() {
        assert_eq!(row_starts("print(alpha, beta, gamma)", 16), [0, 13]);
        assert_eq!(row_starts("x".repeat(20).as_str(), 8), [0, 8, 16]);
        // A space too early in the row is not worth a half-empty line.
        assert_eq!(row_starts("a bcdefghijklmnop", 8), [0, 8, 16]);
    }

    #[test]
    fn blank_lines_and_indentation_survive() {
        let shown = render_code(&block("", "if x:\n\n\tpass\n"), &RenderOptions::plain(80));
        assert_eq!(shown, " 1 │ if x:\n 2 │\n 3 │     pass");
    }

    #[test]
    fn colour_highlights_python_and_every_line_resets() {
        let opts = RenderOptions {
            width: 80,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        let shown = render_code(&block("python", "def f():\n    return 1\n"), &opts);
        assert!(shown.contains("\x1b[38;5;"));
        for line in shown.lines() {
            // Balancing a line that already closes its styles changes nothing.
            assert_eq!(crate::render::ansi::balance_lines(line), line);
        }
    }

    #[test]
    fn other_languages_stay_plain_even_in_colour() {
        let opts = RenderOptions {
            width: 80,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        let shown = render_code(&block("console", "$ python3 demo.py\n"), &opts);
        assert!(!shown.contains("38;5"));
    }
}
