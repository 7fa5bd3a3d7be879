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

use regex_syntax::hir::{Class, Hir, HirKind};

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
