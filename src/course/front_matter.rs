//! Splitting a lesson file into its TOML front matter and Markdown body.

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::Diagnostic;

const DELIMITER: &str = "+++";

/// A lesson file cut in two. Offsets are byte offsets into the whole file, so
/// positions inside either part can be reported against the file.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub front_matter: &'a str,
    pub front_matter_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Finds the `+++` lines. The opening one must be the file's first line
/// (after an optional byte-order mark); the closing one is the next line that
/// is exactly `+++`.
pub fn split<'a>(path: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut lines = line_spans(text, start);
    let opening = lines.next().filter(|&(s, e)| is_delimiter(&text[s..e]));
    let Some((_, opening_end)) = opening else {
        return Err(Diagnostic::at(
            path,
            text,
            start,
            "missing front matter: a lesson starts with a `+++` line, then TOML \
             (`id`, `title`, `summary`), then another `+++` line",
        ));
    };
    let front_matter_offset = next_line(text, opening_end);
    for (line_start, line_end) in lines {
        if is_delimiter(&text[line_start..line_end]) {
            let body_offset = next_line(text, line_end);
            return Ok(Split {
                front_matter: &text[front_matter_offset..line_start],
                front_matter_offset,
                body: &text[body_offset..],
                body_offset,
            });
        }
    }
    Err(Diagnostic::at(
        path,
        text,
        start,
        "unclosed front matter: this `+++` has no closing `+++` line after the TOML",
    ))
}

fn is_delimiter(line: &str) -> bool {
    line.trim_end() == DELIMITER
}

/// (start, end) byte offsets of each line from `from`, without the newline.
fn line_spans(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut position = from;
    std::iter::from_fn(move || {
        if position >= text.len() {
            return None;
        }
        let start = position;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        position = end + 1;
        Some((start, end))
    })
}

fn next_line(text: &str, line_end: usize) -> usize {
    (line_end + 1).min(text.len())
}

/// The keys a lesson's front matter may hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// How students open the lesson: `open q3`, or `q3` alone.
    pub id: Option<Spanned<String>>,
    /// The lesson's title, shown in `list` and at the top of every step.
    pub title: Option<Spanned<String>>,
    /// One sentence shown by `list`.
    pub summary: Option<Spanned<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_from_body() {
        let text = "+++\nid = \"q1\"\n+++\n## Step\n";
        let split = split("x.md", text).expect("valid front matter");
        assert_eq!(split.front_matter, "id = \"q1\"\n");
        assert_eq!(split.body, "## Step\n");
        assert_eq!(&text[split.body_offset..], "## Step\n");
        assert_eq!(&text[split.front_matter_offset..][..2], "id");
    }

    #[test]
    fn accepts_crlf_and_a_byte_order_mark() {
        let text = "\u{feff}+++\r\nid = \"q1\"\r\n+++\r\n## Step\r\n";
        let split = split("x.md", text).expect("valid front matter");
        assert_eq!(split.body, "## Step\r\n");
    }

    #[test]
    fn missing_front_matter_points_at_line_one() {
        let error = split("x.md", "# Title\n").expect_err("no front matter");
        assert_eq!(error.position, Some((1, 1)));
        assert!(error.message.starts_with("missing front matter"));
    }

    #[test]
    fn unclosed_front_matter_points_at_the_opening_line() {
        let error = split("x.md", "+++\nid = \"q1\"\n## Step\n").expect_err("unclosed");
        assert_eq!(error.position, Some((1, 1)));
        assert!(error.message.starts_with("unclosed front matter"));
    }
}
