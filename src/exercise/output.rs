//! The output check's lines: what was printed against what the task
//! asks, each pattern shown as an example of a line that passes.

use regex::Regex;

use super::{CheckKind, CheckLine, example_line, quoted};
use crate::course::{OutputCheck, OutputProblem};
use crate::findings::words;

/// At most this many of the printed lines are named in one sentence.
const NAMED_LINES: usize = 3;

/// One ✓ line when the output is right, else one ✗ line per problem.
/// The exit code is not judged here: it has a line of its own.
pub fn lines(check: &OutputCheck, examples: &[String], stdout: &[String]) -> Vec<CheckLine> {
    let printed: Vec<&str> = stdout.iter().map(String::as_str).collect();
    let problems = check.line_problems(&printed);
    if problems.is_empty() {
        return vec![CheckLine::of(
            CheckKind::Output,
            true,
            format!(
                "The program printed what the task asks for ({}).",
                words::count(printed.len() as u64, "line", "lines")
            ),
        )];
    }
    let like = |pattern: &Regex| Like::new(pattern, examples);
    problems
        .iter()
        .filter_map(|problem| {
            let text = match problem {
                OutputProblem::NotOnce { pattern, count: 0 }
                | OutputProblem::Missing { pattern }
                | OutputProblem::MatchingCount {
                    pattern,
                    count: 0,
                    wanted: None,
                } => format!(
                    "No line {} was printed{}.",
                    like(pattern),
                    instead(&printed)
                ),
                OutputProblem::NotOnce { pattern, count } => format!(
                    "{count} lines {} were printed ({}); the task asks for one.",
                    like(pattern),
                    named(&printed, pattern)
                ),
                OutputProblem::MatchingCount {
                    pattern,
                    count,
                    wanted,
                } => {
                    let wanted = wanted.map_or("at least one".to_string(), |n| n.to_string());
                    match count {
                        0 => format!(
                            "No line {} was printed; the task asks for {wanted}.",
                            like(pattern)
                        ),
                        1 => format!(
                            "1 line {} was printed ({}); the task asks for {wanted}.",
                            like(pattern),
                            named(&printed, pattern)
                        ),
                        count => format!(
                            "{count} lines {} were printed; the task asks for {wanted}.",
                            like(pattern)
                        ),
                    }
                }
                OutputProblem::OutOfOrder { pattern, after } => format!(
                    "The line {} was printed before the line {}; it should come after it.",
                    like(pattern),
                    like(after)
                ),
                OutputProblem::LastLine {
                    last: Some(last),
                    pattern,
                } => format!(
                    "The last line printed was {}; the task asks for a line {} last.",
                    quoted(last),
                    like(pattern)
                ),
                OutputProblem::LastLine {
                    last: None,
                    pattern,
                } => format!(
                    "Nothing was printed; the task asks for a line {} last.",
                    like(pattern)
                ),
                OutputProblem::LineCount { count, wanted } => format!(
                    "The program printed {}; the task asks for {wanted}.",
                    words::count(*count as u64, "line", "lines")
                ),
                OutputProblem::ExitCode { .. } => return None,
            };
            Some(CheckLine::of(CheckKind::Output, false, text))
        })
        .collect()
}

/// "like `Process-1 prints 10`": the first of the exercise's examples the
/// pattern matches, else one made from the pattern; the pattern itself
/// only when no line can be made from it.
struct Like(String);

impl Like {
    fn new(pattern: &Regex, examples: &[String]) -> Like {
        let example = examples
            .iter()
            .find(|example| pattern.is_match(example))
            .cloned()
            .or_else(|| example_line(pattern.as_str()).filter(|line| pattern.is_match(line)));
        Like(match example {
            Some(example) => format!("like {}", quoted(&example)),
            None => {
                let text = pattern.as_str();
                let written = text
                    .strip_prefix("^(?:")
                    .and_then(|rest| rest.strip_suffix(")$"))
                    .unwrap_or(text);
                format!("matching the pattern {}", quoted(written))
            }
        })
    }
}

impl std::fmt::Display for Like {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The printed lines `pattern` matches, quoted: `a`, `b` and 2 more.
fn named(printed: &[&str], pattern: &Regex) -> String {
    let matched: Vec<&str> = printed
        .iter()
        .copied()
        .filter(|line| pattern.is_match(line))
        .collect();
    let mut shown: Vec<String> = matched
        .iter()
        .take(NAMED_LINES)
        .map(|line| quoted(line))
        .collect();
    if matched.len() > NAMED_LINES {
        shown.push(format!("{} more", matched.len() - NAMED_LINES));
    }
    words::and_list(&shown)
}

/// What was printed instead of a missing line: the lines themselves when
/// there are few (a student sees `counter = 257` beside the `counter =
/// 1000` asked for), else how many.
fn instead(printed: &[&str]) -> String {
    const SHOWN: usize = 3;
    const LONGEST: usize = 60;
    match printed.len() {
        0 => "; the program printed nothing".to_string(),
        1..=SHOWN => {
            let lines: Vec<String> = printed
                .iter()
                .map(|line| {
                    let clipped: String = line.chars().take(LONGEST).collect();
                    let more = if line.chars().count() > LONGEST {
                        "…"
                    } else {
                        ""
                    };
                    format!("`{}{more}`", clipped.replace('`', "'"))
                })
                .collect();
            format!("; it printed {}", crate::findings::words::and_list(&lines))
        }
        n => format!("; it printed {n} other lines"),
    }
}
