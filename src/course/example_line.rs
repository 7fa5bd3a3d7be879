//! A line that a pattern matches, made from the pattern itself, so a
//! student reads "no line like `Process-1 prints 10`" instead of a
//! regular expression.
//!
//! The pattern is parsed with `regex-syntax` and its tree walked: a
//! literal is written as it is, a class gives one character it holds (a
//! digit for `\d`, a letter for `.`), a repetition its minimum number of
//! times, an alternation its first branch, and anchors nothing. An
//! exercise's `examples` are shown instead when the author gave them;
//! this is for every pattern they did not.
//!
//! A pattern no line can be made from (a class that matches nothing, a
//! word boundary the example would cross) is described in words instead
//! ([`pattern_in_words`]): `"Process-", a number, " says 10"`.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// A line `pattern` matches, or `None` when none can be made (a class
/// that matches nothing, a pattern that does not parse).
pub fn example_line(pattern: &str) -> Option<String> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut line = String::new();
    write_example(&hir, &mut line)?;
    Some(line)
}

fn write_example(hir: &Hir, out: &mut String) -> Option<()> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.push_str(&String::from_utf8_lossy(&literal.0)),
        HirKind::Class(class) => out.push(class_char(class)?),
        HirKind::Repetition(repetition) => {
            for _ in 0..repetition.min {
                write_example(&repetition.sub, out)?;
            }
        }
        HirKind::Capture(capture) => write_example(&capture.sub, out)?,
        HirKind::Concat(parts) => {
            for part in parts {
                write_example(part, out)?;
            }
        }
        HirKind::Alternation(branches) => write_example(branches.first()?, out)?,
    }
    Some(())
}

/// What `pattern` asks of a line, in words, for a pattern
/// [`example_line`] gives no line it matches.
pub fn pattern_in_words(pattern: &str) -> String {
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return format!("the pattern `{pattern}`");
    };
    let mut parts = Vec::new();
    write_words(&hir, &mut parts);
    if parts.is_empty() {
        "an empty line".to_string()
    } else {
        parts.join(", ")
    }
}

fn write_words(hir: &Hir, parts: &mut Vec<String>) {
    match hir.kind() {
        HirKind::Empty => {}
        HirKind::Look(look) => match look {
            Look::Start
            | Look::End
            | Look::StartLF
            | Look::EndLF
            | Look::StartCRLF
            | Look::EndCRLF => {}
            _ => parts.push("a word boundary".to_string()),
        },
        HirKind::Literal(literal) => {
            parts.push(format!("\"{}\"", String::from_utf8_lossy(&literal.0)));
        }
        HirKind::Class(class) => parts.push(class_words(class)),
        HirKind::Repetition(repetition) => {
            let mut inner = Vec::new();
            write_words(&repetition.sub, &mut inner);
            let inner = inner.join(" then ");
            let digits = matches!(repetition.sub.kind(), HirKind::Class(class) if is_digit(class));
            parts.push(match (repetition.min, repetition.max) {
                (1.., None) if digits => "a number".to_string(),
                (0, None) if inner == "any character" => "any text".to_string(),
                (0, Some(1)) => format!("optionally {inner}"),
                (0, None) => format!("any number of {inner}"),
                (1, None) => format!("one or more of {inner}"),
                (min, None) => format!("{min} or more of {inner}"),
                (min, Some(max)) if min == max => format!("{min} of {inner}"),
                (min, Some(max)) => format!("{min} to {max} of {inner}"),
            });
        }
        HirKind::Capture(capture) => write_words(&capture.sub, parts),
        HirKind::Concat(items) => {
            for item in items {
                write_words(item, parts);
            }
        }
        HirKind::Alternation(branches) => {
            let described: Vec<String> = branches
                .iter()
                .map(|branch| {
                    let mut inner = Vec::new();
                    write_words(branch, &mut inner);
                    inner.join(" then ")
                })
                .collect();
            parts.push(format!("either {}", described.join(" or ")));
        }
    }
}

/// A class in words: "a digit", "any character", "one of `a`, `b`".
fn class_words(class: &Class) -> String {
    const LISTED: usize = 5;
    if is_digit(class) {
        return "a digit".to_string();
    }
    let ranges: Vec<(char, char)> = match class {
        Class::Unicode(unicode) => unicode
            .ranges()
            .iter()
            .map(|range| (range.start(), range.end()))
            .collect(),
        Class::Bytes(bytes) => bytes
            .ranges()
            .iter()
            .map(|range| (char::from(range.start()), char::from(range.end())))
            .collect(),
    };
    let size: u64 = ranges
        .iter()
        .map(|(start, end)| u64::from(*end) - u64::from(*start) + 1)
        .sum();
    match size {
        0 => "a character no text holds".to_string(),
        1..=5 => {
            let listed: Vec<String> = ranges
                .iter()
                .flat_map(|(start, end)| *start..=*end)
                .take(LISTED)
                .map(|ch| format!("`{ch}`"))
                .collect();
            format!("one of {}", listed.join(", "))
        }
        _ if size > 0xFFFF => "any character".to_string(),
        _ => match ranges.as_slice() {
            [(start, end)] => format!("a character from `{start}` to `{end}`"),
            _ => "one of several characters".to_string(),
        },
    }
}

/// `\d`, `[0-9]` and their kin: `0` to `9` first, and nothing but digits.
fn is_digit(class: &Class) -> bool {
    match class {
        Class::Unicode(unicode) => {
            let ranges = unicode.ranges();
            ranges
                .first()
                .is_some_and(|range| range.start() == '0' && range.end() == '9')
                && ranges
                    .iter()
                    .all(|range| range.start().is_numeric() && range.end().is_numeric())
        }
        Class::Bytes(bytes) => {
            bytes.ranges().len() == 1
                && bytes
                    .ranges()
                    .first()
                    .is_some_and(|range| range.start() == b'0' && range.end() == b'9')
        }
    }
}

/// The character a reader expects for a class: `1` for a digit class, the
/// class's first character when it is printable, else a letter, a digit
/// or a space it holds (`.` starts at NUL, `\s` at a tab).
fn class_char(class: &Class) -> Option<char> {
    let holds = |ch: char| match class {
        Class::Unicode(unicode) => unicode
            .ranges()
            .iter()
            .any(|range| range.start() <= ch && ch <= range.end()),
        Class::Bytes(bytes) => u8::try_from(ch).is_ok_and(|byte| {
            bytes
                .ranges()
                .iter()
                .any(|range| range.start() <= byte && byte <= range.end())
        }),
    };
    let first = match class {
        Class::Unicode(unicode) => unicode.ranges().first().map(|range| range.start()),
        Class::Bytes(bytes) => bytes
            .ranges()
            .first()
            .map(|range| char::from(range.start())),
    }?;
    if first == '0' && holds('1') {
        return Some('1');
    }
    if first.is_ascii_graphic() {
        return Some(first);
    }
    ['x', 'a', '1', ' ']
        .into_iter()
        .find(|ch| holds(*ch))
        .or(Some(first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::whole_line;

    #[test]
    fn literals_stay_as_written_and_classes_give_a_character() {
        let cases = [
            (
                r"Process-\d+ \(pid \d+\) says 10",
                "Process-1 (pid 1) says 10",
            ),
            (r"square\(\d\) = \d{2,}", "square(1) = 11"),
            (r"(first|second) done", "first done"),
            (r"x[a-c]?y", "xy"),
            (r".+ ends", "x ends"),
            (r"[^,]+, \w+", "x, 1"),
            (r"\s*total: [0-9]+\.\d\d s", "total: 1.11 s"),
            (r"(?i)hello", "HELLO"),
        ];
        for (pattern, wanted) in cases {
            assert_eq!(example_line(pattern).as_deref(), Some(wanted), "{pattern}");
            let regex = whole_line(pattern).expect("the test's pattern compiles");
            assert!(regex.is_match(wanted), "{pattern} against {wanted}");
        }
    }

    #[test]
    fn a_pattern_without_an_example_is_described_in_words() {
        assert_eq!(
            pattern_in_words(r"Process-\d+ says [^\s\S]"),
            "\"Process-\", a number, \" says \", a character no text holds"
        );
        assert_eq!(
            pattern_in_words(r".*\bdone\b"),
            "any text, a word boundary, \"done\", a word boundary"
        );
        assert_eq!(
            pattern_in_words(r"(yes|no)[abc]?"),
            "either \"yes\" or \"no\", optionally one of `a`, `b`, `c`"
        );
    }

    #[test]
    fn a_class_that_matches_nothing_gives_no_example() {
        assert_eq!(example_line(r"a[^\s\S]b"), None);
        assert_eq!(example_line(r"(unclosed"), None);
    }

    /// Every pattern of the built-in course's check blocks gets an example
    /// that its own pattern matches.
    #[test]
    fn every_pattern_of_the_lessons_gets_an_example_it_matches() {
        let course = crate::course::load_builtin().expect("the built-in course loads");
        let mut patterns = 0;
        for lesson in &course.lessons {
            for step in &lesson.steps {
                let checks = step.blocks.iter().filter_map(|block| match block {
                    crate::course::Block::Check(check) => Some(check),
                    _ => None,
                });
                for check in checks {
                    for pattern in check.patterns() {
                        let example = example_line(pattern.as_str())
                            .unwrap_or_else(|| panic!("no example for {}", pattern.as_str()));
                        assert!(
                            pattern.is_match(&example),
                            "{}: `{example}` does not match",
                            pattern.as_str()
                        );
                        patterns += 1;
                    }
                }
            }
        }
        assert!(patterns >= 10, "only {patterns} patterns in the lessons");
    }
}
