//! Markdown prose laid out for a terminal.
//!
//! Paragraphs are wrapped to the width; headings are styled (with a rule
//! under `#` and `##`); lists get `•` or numbers with a hanging indent;
//! quotes a `│ ` bar; code blocks the same numbered panel as lesson
//! examples; tables are drawn by [`super::table`]. Blocks are separated by
//! one blank line, as they would be in print.

use super::RenderOptions;
use super::ansi::{finish, pad, width as display_width};
use super::code::code_lines;
use super::markdown_tree::{Node, parse};
use super::style::Styles;
use super::table::table_lines;

/// Below this many columns, nested lists and quotes stop indenting further
/// and let the final fitting pass break their lines instead.
const MIN_NESTED_COLUMNS: usize = 16;

/// The width [`inline_markdown`] lays out stray block markup at (a list or
/// rule in a quiz choice) before flattening it onto one line.
const FLATTENED: usize = 60;

/// Bullets for nested lists, outermost first.
const BULLETS: [&str; 3] = ["•", "◦", "▪"];

/// `md` rendered for a terminal of `opts.width` columns: its prose at
/// the measure ([`RenderOptions::prose`]), its tables and code as wide as
/// they need up to the terminal's width.
pub fn render_markdown(md: &str, opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let lines = measured_lines(md, opts.columns(), opts.prose(), &styles);
    finish(&lines.join("\n"), opts.columns(), opts.color)
}

/// The lines of `md` at `width` columns, unfinished (for embedding in a
/// larger view, which finishes the whole).
pub(crate) fn markdown_lines(md: &str, width: usize, styles: &Styles) -> Vec<String> {
    measured_lines(md, width, width, styles)
}

/// The lines of `md` with prose (paragraphs, headings, lists, quotes, rules)
/// wrapped at `measure` and tables and code given up to `width`.
pub(crate) fn measured_lines(
    md: &str,
    width: usize,
    measure: usize,
    styles: &Styles,
) -> Vec<String> {
    let nodes = parse(md, styles);
    let width = Widths {
        width,
        measure: measure.min(width),
    };
    block_lines(&nodes, width, styles, 0, true)
}

/// How wide a block may be: `width` for tables and code, `measure` (never
/// more than `width`) for text.
#[derive(Clone, Copy)]
struct Widths {
    width: usize,
    measure: usize,
}

impl Widths {
    /// The widths left inside an indent, unless that would be too narrow
    /// to read.
    fn nested(self, indent: usize) -> Widths {
        Widths {
            width: nested(self.width, indent),
            measure: nested(self.measure, indent),
        }
    }
}

/// A short piece of Markdown (a quiz choice, a summary) as one line of
/// styled text, for the caller to wrap; block markup it was never meant to
/// have is flattened.
pub(crate) fn inline_markdown(md: &str, styles: &Styles) -> String {
    let pieces: Vec<String> = parse(md, styles)
        .iter()
        .map(|node| match node {
            Node::Paragraph(text) | Node::Heading(_, text) => text.replace('\n', " "),
            other => node_lines(
                other,
                Widths {
                    width: FLATTENED,
                    measure: FLATTENED,
                },
                styles,
                0,
            )
            .join(" "),
        })
        .collect();
    pieces.join(" ").trim().to_string()
}

/// Wraps styled `text` to `width` columns; `\n` in it is a hard break.
/// Lines break only at spaces (so a URL or `os.getpid()` is not split at a
/// slash or dot where it still fits on the next line); words longer than the
/// width are broken rather than left sticking out.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let options = textwrap::Options::new(width.max(1))
        .break_words(true)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        if hard_line.trim().is_empty() {
            lines.push(String::new());
            continue;
        }
        lines.extend(
            textwrap::wrap(hard_line, &options)
                .into_iter()
                .map(|line| line.into_owned()),
        );
    }
    lines
}

/// Styled lines of mptutor's own (a greeting, a notice) wrapped at spaces
/// to the width, each line closing its own styles.
pub fn render_wrapped(text: &str, opts: &RenderOptions) -> String {
    finish(
        &wrap(text, opts.prose()).join("\n"),
        opts.columns(),
        opts.color,
    )
}

/// Puts `marker` before the first of `lines` and indents the rest to line
/// up under the text: a hanging indent of `indent` columns. Blank lines stay
/// blank (no trailing spaces).
pub(crate) fn hang(marker: &str, indent: usize, lines: Vec<String>) -> Vec<String> {
    if lines.is_empty() {
        return vec![marker.trim_end().to_string()];
    }
    let blank = " ".repeat(indent);
    lines
        .into_iter()
        .enumerate()
        .map(|(index, line)| match (index, line.is_empty()) {
            (0, _) => format!("{}{line}", pad(marker, indent)),
            (_, true) => line,
            (_, false) => format!("{blank}{line}"),
        })
        .collect()
}

/// Lays out a sequence of blocks, one blank line between them when
/// `spaced` (a tight list item keeps its paragraph and sub-list together).
fn block_lines(
    nodes: &[Node],
    width: Widths,
    styles: &Styles,
    depth: usize,
    spaced: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for node in nodes {
        if spaced && !out.is_empty() {
            out.push(String::new());
        }
        out.extend(node_lines(node, width, styles, depth));
    }
    out
}

fn node_lines(node: &Node, width: Widths, styles: &Styles, depth: usize) -> Vec<String> {
    match node {
        Node::Paragraph(text) => wrap(text, width.measure),
        Node::Heading(level, text) => heading_lines(*level, text, width.measure, styles),
        Node::List {
            start,
            loose,
            items,
        } => list_lines(*start, *loose, items, width, styles, depth),
        Node::Quote(children) => {
            let inner = block_lines(children, width.nested(2), styles, depth, true);
            let bar = styles.dim("│");
            inner
                .into_iter()
                .map(|line| match line.is_empty() {
                    true => bar.clone(),
                    false => format!("{bar} {line}"),
                })
                .collect()
        }
        Node::Code { lang, code } => code_lines(lang, code, width.width, styles),
        Node::Rule => vec![styles.dim(&"─".repeat(width.measure))],
        Node::Table {
            aligns,
            header,
            rows,
        } => table_lines(header, rows, aligns, width.width, styles),
    }
}

/// The width left inside an indent, unless that would be too narrow to read.
fn nested(width: usize, indent: usize) -> usize {
    width.saturating_sub(indent).max(MIN_NESTED_COLUMNS)
}

/// A heading's text, wrapped, and for levels 1 and 2 a rule under it as long
/// as its longest line.
fn heading_lines(level: u8, text: &str, width: usize, styles: &Styles) -> Vec<String> {
    let mut lines = wrap(text, width);
    let rule = match level {
        1 => '═',
        2 => '─',
        _ => return lines,
    };
    let longest = lines
        .iter()
        .map(|line| display_width(line))
        .max()
        .unwrap_or(0);
    let rule: String = std::iter::repeat_n(rule, longest.clamp(1, width)).collect();
    lines.push(styles.dim(&rule));
    lines
}

fn list_lines(
    start: Option<u64>,
    loose: bool,
    items: &[Vec<Node>],
    width: Widths,
    styles: &Styles,
    depth: usize,
) -> Vec<String> {
    let markers: Vec<String> = match start {
        Some(first) => (0..items.len())
            .map(|i| format!("{}.", first.saturating_add(i as u64)))
            .collect(),
        None => vec![BULLETS[depth % BULLETS.len()].to_string(); items.len()],
    };
    let marker_width = markers
        .iter()
        .map(|marker| display_width(marker))
        .max()
        .unwrap_or(1)
        + 1;
    let mut out = Vec::new();
    for (marker, item) in markers.iter().zip(items) {
        if loose && !out.is_empty() {
            out.push(String::new());
        }
        // Numbers are right-aligned so the items' text lines up at 9. and 10.
        let marker = format!("{marker:>0$} ", marker_width - 1);
        let inner = block_lines(item, width.nested(marker_width), styles, depth + 1, loose);
        out.extend(hang(&styles.accent(&marker), marker_width, inner));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(md: &str, width: usize) -> String {
        render_markdown(md, &RenderOptions::plain(width))
    }

    #[test]
    fn paragraphs_wrap_and_are_separated_by_one_blank_line() {
        let md = "one two three four five six seven eight nine ten eleven twelve\n\nsecond";
        assert_eq!(
            plain(md, 40),
            "one two three four five six seven eight\nnine ten eleven twelve\n\nsecond"
        );
    }

    #[test]
    fn inline_code_keeps_backticks_without_colour() {
        assert_eq!(plain("call `join()` *now*", 40), "call `join()` now");
    }

    #[test]
    fn headings_get_rules_under_levels_one_and_two() {
        assert_eq!(
            plain("# Big\n\n## Mid\n\n### Small", 40),
            "Big\n═══\n\nMid\n───\n\nSmall"
        );
    }

    #[test]
    fn bullets_hang_and_nest() {
        let md =
            "- first item that is long enough to wrap onto a second line\n  - nested\n- second";
        let shown = plain(md, 40);
        assert_eq!(
            shown,
            "• first item that is long enough to wrap\n  onto a second line\n  ◦ nested\n• second"
        );
    }

    #[test]
    fn numbered_lists_right_align_their_numbers() {
        let md: String = (1..=10).map(|n| format!("{n}. item {n}\n")).collect();
        let shown = plain(&md, 40);
        assert!(shown.starts_with(" 1. item 1\n"));
        assert!(shown.ends_with("\n10. item 10"));
    }

    #[test]
    fn loose_lists_keep_blank_lines_between_items() {
        assert_eq!(plain("- a\n\n- b", 40), "• a\n\n• b");
    }

    #[test]
    fn quotes_get_a_bar_without_trailing_spaces() {
        assert_eq!(plain("> one\n>\n> two", 40), "│ one\n│\n│ two");
    }

    #[test]
    fn links_show_their_url_unless_it_is_the_text() {
        assert_eq!(
            plain("[docs](https://x.org) and <https://y.org>", 60),
            "docs (https://x.org) and https://y.org"
        );
    }

    #[test]
    fn strikethrough_keeps_its_marks_without_colour() {
        assert_eq!(plain("~~threads~~ processes", 40), "~~threads~~ processes");
    }

    #[test]
    fn fenced_code_in_prose_is_a_numbered_panel() {
        assert_eq!(plain("text\n\n```\nx = 1\n```", 40), "text\n\n 1 │ x = 1");
    }

    #[test]
    fn long_words_are_broken_to_fit() {
        let shown = plain(&"x".repeat(100), 40);
        assert!(shown.lines().all(|line| display_width(line) <= 40));
        assert_eq!(shown.replace('\n', ""), "x".repeat(100));
    }

    #[test]
    fn styled_words_that_wrap_keep_each_line_balanced() {
        let opts = RenderOptions {
            width: 40,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        let shown = render_markdown(&format!("**{}**", "bold words ".repeat(10).trim()), &opts);
        for line in shown.lines() {
            assert!(
                line.starts_with('\x1b') && line.ends_with("\x1b[0m"),
                "{line:?}"
            );
        }
    }
}
