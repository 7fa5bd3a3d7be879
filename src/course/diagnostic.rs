//! Problems found while loading a course, reported as `path:line:col: message`
//! with the offending line quoted, the way compilers do, so an editor can jump
//! to them and a teacher sees the mistake without opening the file.

use std::fmt;
use std::ops::Range;

use super::limits::MAX_PROBLEMS_SHOWN;
use super::line_index::LineIndex;

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the user would name it (`lessons/q3.md`).
    pub path: String,
    /// 1-based line and column (in characters); `None` for problems with a
    /// whole file, such as one that cannot be read.
    pub position: Option<(usize, usize)>,
    pub message: String,
    /// The text of the offending line, quoted under the message.
    pub source_line: Option<String>,
}

impl Diagnostic {
    /// A problem at byte `offset` of `text` (the whole file). For a file
    /// with many problems, collect [`Problem`]s and [`report`] them instead:
    /// this counts the lines from the start of the file.
    pub fn at(path: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        Self::at_indexed(path, text, &LineIndex::new(text), offset, message)
    }

    /// A problem at byte `offset` of `text`, whose lines are `lines`.
    pub(super) fn at_indexed(
        path: &str,
        text: &str,
        lines: &LineIndex,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = lines.line(offset);
        let line_start = lines.line_start(line);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let col = text[line_start..offset].chars().count() + 1;
        Diagnostic {
            path: path.to_string(),
            position: Some((line, col)),
            message: message.into(),
            source_line: Some(
                text[line_start..line_end]
                    .trim_end_matches('\r')
                    .to_string(),
            ),
        }
    }

    /// A problem at the start of a span, or of the file when there is none.
    pub fn at_span(
        path: &str,
        text: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        Self::at(path, text, span.map_or(0, |span| span.start), message)
    }

    /// A problem with a whole file.
    pub fn file(path: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_string(),
            position: None,
            message: message.into(),
            source_line: None,
        }
    }

    pub fn line(&self) -> Option<usize> {
        self.position.map(|(line, _)| line)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message)?,
            None => write!(f, "{}: {}", self.path, self.message)?,
        }
        if let (Some((line, col)), Some(source)) = (self.position, &self.source_line) {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            // The caret counts characters, so each one is shown as one
            // column: a tab as a space, and a control character (an escape
            // sequence in a hostile file, which would also act on the
            // terminal) as `�`; the line stays readable and the caret under
            // the character it names.
            let (shown, caret) = quoted_window(source, col - 1);
            write!(f, "\n {number} | {shown}\n {pad} | {}^", " ".repeat(caret))?;
        }
        Ok(())
    }
}

/// At most this many characters of a long line are quoted under a
/// problem: the ones around its column, so fifty problems on one line of a
/// megabyte print a screenful, not fifty megabytes.
const QUOTED_CHARS: usize = 120;

/// The part of `source` quoted under a problem at character `col`
/// (0-based), and where the caret goes in it. Each character is shown as
/// one column: a tab as a space, and a control character (an escape
/// sequence in a hostile file, which would also act on the terminal) as
/// `�`, so the line stays readable and the caret under the character it
/// names. A line cut short shows `…` where it was cut.
fn quoted_window(source: &str, col: usize) -> (String, usize) {
    let length = source.chars().count();
    let start = if length <= QUOTED_CHARS {
        0
    } else {
        col.saturating_sub(QUOTED_CHARS / 2)
            .min(length - QUOTED_CHARS)
    };
    let end = (start + QUOTED_CHARS).min(length);
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(
        source
            .chars()
            .skip(start)
            .take(end - start)
            .map(|c| match c {
                '\t' => ' ',
                c if c.is_control() => '\u{fffd}',
                c => c,
            }),
    );
    if end < length {
        shown.push('…');
    }
    (shown, col - start + usize::from(start > 0))
}

/// A problem at a byte offset of a file, its line and column not yet worked
/// out: a file may hold thousands, and only the first
/// [`MAX_PROBLEMS_SHOWN`] are shown, each quoting its line.
#[derive(Debug)]
pub(super) struct Problem {
    pub offset: usize,
    pub message: String,
}

impl Problem {
    pub fn at(offset: usize, message: impl Into<String>) -> Self {
        Problem {
            offset,
            message: message.into(),
        }
    }
}

/// The first [`MAX_PROBLEMS_SHOWN`] of one file's problems, in the order
/// they appear in the file, as diagnostics; the rest are only counted.
pub(super) fn report(
    path: &str,
    text: &str,
    lines: &LineIndex,
    mut problems: Vec<Problem>,
) -> CourseErrors {
    problems.sort_by_key(|problem| problem.offset);
    let not_shown = problems.len().saturating_sub(MAX_PROBLEMS_SHOWN);
    let diagnostics = problems
        .into_iter()
        .take(MAX_PROBLEMS_SHOWN)
        .map(|problem| Diagnostic::at_indexed(path, text, lines, problem.offset, problem.message))
        .collect();
    CourseErrors {
        diagnostics,
        not_shown,
    }
}

/// Every problem found in a course; loading fails when there is at least one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseErrors {
    /// The problems shown, each with its position.
    pub diagnostics: Vec<Diagnostic>,
    /// Problems found beyond the first [`MAX_PROBLEMS_SHOWN`] of a file,
    /// counted but not shown: a file with thousands of mistakes is usually
    /// one mistake repeated, and a screenful of them says so.
    pub not_shown: usize,
}

impl CourseErrors {
    /// Adds `other`'s problems to these.
    pub fn append(&mut self, other: CourseErrors) {
        self.diagnostics.extend(other.diagnostics);
        self.not_shown += other.not_shown;
    }

    /// Every problem found, shown or not.
    pub fn count(&self) -> usize {
        self.diagnostics.len() + self.not_shown
    }
}

impl From<Diagnostic> for CourseErrors {
    fn from(diagnostic: Diagnostic) -> Self {
        CourseErrors {
            diagnostics: vec![diagnostic],
            not_shown: 0,
        }
    }
}

impl fmt::Display for CourseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.diagnostics {
            writeln!(f, "{diagnostic}")?;
        }
        if self.not_shown > 0 {
            writeln!(
                f,
                "… and {} more, not shown (mptutor lists the first {MAX_PROBLEMS_SHOWN} problems \
                 of each file; the rest often repeat them)",
                self.not_shown
            )?;
        }
        let count = self.count();
        write!(
            f,
            "{count} problem{} found; fix {} and run `mptutor check` again",
            if count == 1 { "" } else { "s" },
            if count == 1 { "it" } else { "them" }
        )
    }
}

impl std::error::Error for CourseErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_lines_and_characters_from_one() {
        let text = "first\nsé cond line\nthird";
        let offset = text.find("cond").unwrap_or(0);
        let diagnostic = Diagnostic::at("x.md", text, offset, "bad");
        assert_eq!(diagnostic.position, Some((2, 4)));
        assert_eq!(diagnostic.source_line.as_deref(), Some("sé cond line"));
        assert_eq!(
            diagnostic.to_string(),
            "x.md:2:4: bad\n 2 | sé cond line\n   |    ^"
        );
    }

    #[test]
    fn the_caret_stays_under_its_character_when_the_line_holds_escapes() {
        let text = "first\nkey = \"\x1b[31m\x1b]52;c;aGk=\x07\x1b[2J\u{9b}1m\" oops\n";
        let offset = text.find("oops").unwrap_or(0);
        let shown = Diagnostic::at("x.md", text, offset, "bad").to_string();
        assert!(
            !shown.contains(|c: char| c.is_control() && c != '\n'),
            "{shown:?}"
        );
        let lines: Vec<&str> = shown.lines().collect();
        let (quoted, caret) = (lines[1], lines[2]);
        let column = |line: &str, at: usize| console::measure_text_width(&line[..at]);
        assert_eq!(
            column(caret, caret.find('^').unwrap_or(0)),
            column(quoted, quoted.find("oops").unwrap_or(0)),
            "{shown}"
        );
    }

    #[test]
    fn offset_past_the_end_points_at_the_last_line() {
        let diagnostic = Diagnostic::at("x.md", "a\nb", 99, "bad");
        assert_eq!(diagnostic.position, Some((2, 2)));
    }

    #[test]
    fn a_long_line_is_quoted_around_the_problem_with_the_caret_under_it() {
        let caret_under = |shown: &str, word: &str| {
            let lines: Vec<&str> = shown.lines().collect();
            let (quoted, caret) = (lines[1], lines[2]);
            let before = &quoted[..quoted.find(word).unwrap_or(0)];
            assert_eq!(
                caret.chars().position(|c| c == '^'),
                Some(before.chars().count())
            );
            quoted.chars().count()
        };
        for at in [0, 10, 500_000, 999_990] {
            let mut line = "x".repeat(1_000_000);
            line.replace_range(at..at + 4, "oops");
            let text = format!("first\n{line}\nlast");
            let offset = text.find("oops").unwrap_or(0);
            let diagnostic = Diagnostic::at("x.md", &text, offset, "bad");
            assert_eq!(diagnostic.position, Some((2, at + 1)));
            let shown = diagnostic.to_string();
            assert!(shown.len() < 1000, "{} bytes", shown.len());
            let quoted = caret_under(&shown, "oops");
            assert!(quoted <= QUOTED_CHARS + 2 + " 2 | ".len());
        }
        let short = Diagnostic::at("x.md", "a oops b", 2, "bad").to_string();
        assert!(!short.contains('…'), "{short}");
        caret_under(&short, "oops");
    }
}
