//! A failed ```` ```check ```` block in a student's words: each pattern
//! shown as a line that would pass ("expected a line like `4 processes:
//! 41538 primes in 1.11 s`"), never as a regular expression. Authors
//! read the patterns themselves under `mptutor check`
//! ([`OutputProblem::message`]).

use regex::Regex;

use super::example_line::{example_line, pattern_in_words};
use super::output_check::{OutputProblem, shown};

/// "like `Process-1 prints 10`": a line the pattern matches, made from
/// it; when none can be made, what the pattern asks for, in words.
pub fn line_like(pattern: &Regex) -> String {
    match example_line(shown(pattern)).filter(|line| pattern.is_match(line)) {
        Some(line) => format!("like {}", quoted(&line)),
        None => format!("made of {}", pattern_in_words(shown(pattern))),
    }
}

/// One problem of a lesson example's run, as the student reads it.
pub fn problem_in_words(problem: &OutputProblem) -> String {
    match problem {
        OutputProblem::NotOnce { pattern, count: 0 } => format!(
            "expected a line {} once; no such line was printed",
            line_like(pattern)
        ),
        OutputProblem::NotOnce { pattern, count } => format!(
            "expected a line {} once; {count} such lines were printed",
            line_like(pattern)
        ),
        OutputProblem::MatchingCount {
            pattern,
            count,
            wanted: Some(wanted),
        } => format!(
            "expected {} {}; {} printed",
            lines(*wanted),
            line_like(pattern),
            were(*count)
        ),
        OutputProblem::MatchingCount { pattern, .. } | OutputProblem::Missing { pattern } => {
            format!(
                "expected a line {}; no such line was printed",
                line_like(pattern)
            )
        }
        OutputProblem::OutOfOrder { pattern, after } => format!(
            "expected the line {} after the line {}; it came before it",
            line_like(pattern),
            line_like(after)
        ),
        OutputProblem::LastLine {
            last: Some(last),
            pattern,
        } => format!(
            "expected a last line {}; the last line printed was {}",
            line_like(pattern),
            quoted(last)
        ),
        OutputProblem::LastLine {
            last: None,
            pattern,
        } => format!(
            "expected a last line {}; nothing was printed",
            line_like(pattern)
        ),
        OutputProblem::LineCount { count, wanted } => {
            format!(
                "expected {} in all; {} printed",
                lines(*wanted),
                were(*count)
            )
        }
        OutputProblem::ExitCode { code, wanted } => {
            format!("expected exit code {wanted}; the program exited with {code}")
        }
    }
}

fn lines(count: usize) -> String {
    match count {
        1 => "1 line".to_string(),
        n => format!("{n} lines"),
    }
}

fn were(count: usize) -> String {
    match count {
        0 => "none were".to_string(),
        1 => "1 was".to_string(),
        n => format!("{n} were"),
    }
}

/// A line between backticks, cut to 70 characters; between quotes when it
/// holds a backtick itself.
fn quoted(text: &str) -> String {
    const LONGEST: usize = 70;
    let mut shown: String = text.chars().take(LONGEST).collect();
    if text.chars().count() > LONGEST {
        shown.push('…');
    }
    if shown.contains('`') {
        format!("“{shown}”")
    } else {
        format!("`{shown}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::whole_line;

    fn pattern(text: &str) -> Regex {
        whole_line(text).expect("the test's pattern compiles")
    }

    #[test]
    fn a_missing_line_is_shown_as_a_line_that_would_pass() {
        let problem = OutputProblem::NotOnce {
            pattern: pattern(r"4 processes: 41538 primes in \d+\.\d\d s"),
            count: 0,
        };
        assert_eq!(
            problem_in_words(&problem),
            "expected a line like `4 processes: 41538 primes in 1.11 s` once; no such line \
             was printed"
        );
    }

    #[test]
    fn no_problem_shows_a_regular_expression() {
        let digits = pattern(r"square\(\d+\) = \d+");
        let end = pattern(r"all \d+ done");
        let problems = [
            OutputProblem::NotOnce {
                pattern: digits.clone(),
                count: 2,
            },
            OutputProblem::MatchingCount {
                pattern: digits.clone(),
                count: 3,
                wanted: Some(4),
            },
            OutputProblem::Missing {
                pattern: digits.clone(),
            },
            OutputProblem::OutOfOrder {
                pattern: end.clone(),
                after: digits,
            },
            OutputProblem::LastLine {
                last: Some("oops".into()),
                pattern: end.clone(),
            },
            OutputProblem::LastLine {
                last: None,
                pattern: end,
            },
        ];
        for problem in &problems {
            let said = problem_in_words(problem);
            assert!(!said.contains(r"\d") && !said.contains('+'), "{said}");
            assert!(said.contains("like `"), "{said}");
        }
    }

    #[test]
    fn a_pattern_no_line_can_show_is_described_in_words() {
        let said = line_like(&pattern(r"done[^\s\S]"));
        assert_eq!(said, "made of \"done\", a character no text holds");
    }
}
