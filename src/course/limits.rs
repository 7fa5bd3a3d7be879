//! How big a course's parts may be, and how deep its Markdown may nest.
//!
//! Each limit is far beyond what a lesson needs and low enough that a
//! course built by mistake (or on purpose) to be huge is refused with a
//! message saying which limit it passed, instead of making `list` or a
//! step take minutes to draw, or its drawing overflow the stack. They are
//! documented for teachers in `lessons/README.md`.

use pulldown_cmark::{Event, Tag, TagEnd};

/// Titles of courses, lessons and steps are one line in `list` and at the
/// top of every step; a longer one is a paragraph written in the wrong
/// place.
pub const MAX_TITLE_CHARS: usize = 200;

/// A lesson's `summary` is one sentence or two in `list`.
pub const MAX_SUMMARY_CHARS: usize = 500;

/// A lesson id is typed by students (`open q3`).
pub const MAX_ID_CHARS: usize = 40;

/// Example lines in an exercise's `[output]`: a few show the student
/// what passes, and each is checked against every pattern.
pub const MAX_EXAMPLES: usize = 64;

/// Steps in one lesson: a lesson this long is several lessons (or its
/// `## ` headings were meant as `### `).
pub const MAX_STEPS: usize = 1000;

/// Lists and quotes inside one another, in prose, hints and notes. Each
/// level indents its text further; past a few levels nothing is left to
/// read on a terminal.
pub const MAX_NESTING: usize = 32;

/// The problems listed for one file; the rest are counted. Thousands of
/// problems in one file are usually one mistake, repeated.
pub const MAX_PROBLEMS_SHOWN: usize = 50;

/// Follows lists and quotes opening and closing in a Markdown event stream,
/// and remembers where they first nest deeper than [`MAX_NESTING`].
#[derive(Debug, Default)]
pub struct NestingGauge {
    depth: usize,
    too_deep: Option<usize>,
}

impl NestingGauge {
    /// Takes one event that starts at byte `offset` (of whatever the caller
    /// reports positions in).
    pub fn event(&mut self, event: &Event<'_>, offset: usize) {
        match event {
            Event::Start(Tag::List(_) | Tag::BlockQuote(_)) => {
                self.depth += 1;
                if self.depth > MAX_NESTING && self.too_deep.is_none() {
                    self.too_deep = Some(offset);
                }
            }
            Event::End(TagEnd::List(_) | TagEnd::BlockQuote(_)) => {
                self.depth = self.depth.saturating_sub(1);
            }
            _ => {}
        }
    }

    /// Where a list or quote first opened deeper than the limit.
    pub fn too_deep(&self) -> Option<usize> {
        self.too_deep
    }

    /// What to tell the teacher about it.
    pub fn message() -> String {
        format!(
            "lists and quotes are nested more than {MAX_NESTING} levels deep here; \
             flatten them (nothing that deep fits on a terminal)"
        )
    }
}

/// The problem with a `what` (a title, a summary) of `text`, if it is
/// longer than `limit` characters.
pub fn too_long(what: &str, text: &str, limit: usize, advice: &str) -> Option<String> {
    let chars = text.chars().take(limit + 1).count();
    (chars > limit).then(|| {
        format!(
            "{what} is {} characters long, more than the {limit} allowed; {advice}",
            text.chars().count()
        )
    })
}

/// Offset of the first list or quote in `markdown` nested deeper than
/// [`MAX_NESTING`], relative to `markdown`.
pub fn first_too_deep(markdown: &str) -> Option<usize> {
    let mut gauge = NestingGauge::default();
    for (event, range) in pulldown_cmark::Parser::new(markdown).into_offset_iter() {
        gauge.event(&event, range.start);
        if gauge.too_deep().is_some() {
            break;
        }
    }
    gauge.too_deep()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_up_to_the_limit_is_fine_and_one_more_level_is_not() {
        let allowed = format!("{}x\n", "- ".repeat(MAX_NESTING));
        assert_eq!(first_too_deep(&allowed), None);
        let deeper = format!("{}x\n", "> ".repeat(MAX_NESTING + 1));
        assert_eq!(first_too_deep(&deeper), Some(2 * MAX_NESTING));
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert_eq!(too_long("title", &"é".repeat(200), 200, ""), None);
        let message = too_long("title", &"é".repeat(201), 200, "shorten it").unwrap_or_default();
        assert!(
            message.starts_with("title is 201 characters long"),
            "{message}"
        );
    }
}
