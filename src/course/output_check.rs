//! ```` ```check ```` blocks: what a correct run of a Python example prints,
//! stated so that any correct order passes.
//!
//! Processes print in whatever order the scheduler picks, so a check never
//! compares against one recorded run. It says instead: each of these lines
//! exactly once, in any order; so many lines matching a pattern; so many
//! lines in all; this exit code. A missing or doubled line fails with a
//! message saying which.

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::speed_claim::SpeedClaim;

/// A validated check block. Patterns match whole lines.
#[derive(Debug, Clone)]
pub struct OutputCheck {
    /// Each pattern must match exactly one line of the output.
    pub each_once: Vec<Regex>,
    /// Lines matching this pattern, and how many (any number ≥ 1 when `None`).
    pub matching: Option<(Regex, Option<usize>)>,
    /// Each pattern must match a line after the line the previous one
    /// matched: results that must come back in input order.
    pub in_order: Vec<Regex>,
    /// The output's last line must match this: the parent's line that
    /// comes after every `join()`.
    pub last_line: Option<Regex>,
    /// The output has exactly this many lines.
    pub line_count: Option<usize>,
    /// The exit code a correct run ends with (0 unless the block says).
    pub exit_code: i32,
    /// How much faster the example's parallel part should be: judged
    /// after each run with the machine's load (`python::speed`), apart
    /// from the checks above, which no machine can excuse.
    pub speedup: Option<SpeedClaim>,
    /// 1-based line of the opening fence.
    pub line: usize,
}

/// The outcome of checking one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckVerdict {
    /// What is wrong, one sentence each; empty when the run passes.
    pub problems: Vec<String>,
}

impl CheckVerdict {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Compiles a pattern to match a whole line.
pub fn whole_line(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

/// A pattern as the lesson wrote it, without the whole-line anchors.
pub(super) fn shown(pattern: &Regex) -> &str {
    let text = pattern.as_str();
    text.strip_prefix("^(?:")
        .and_then(|rest| rest.strip_suffix(")$"))
        .unwrap_or(text)
}

/// One way a run's output breaks its check, with the figures that show
/// it: [`OutputCheck::problems`] finds them, and each says itself in the
/// words of [`OutputCheck::evaluate`] ([`OutputProblem::message`]) or in
/// whatever words a caller needs (an exercise shows an example line
/// instead of the pattern).
#[derive(Debug, Clone)]
pub enum OutputProblem {
    /// An `each_once` pattern matched `count` lines (0, or more than 1).
    NotOnce { pattern: Regex, count: usize },
    /// The `matching` pattern matched `count` lines, where `wanted` were
    /// asked for (`None`: at least one).
    MatchingCount {
        pattern: Regex,
        count: usize,
        wanted: Option<usize>,
    },
    /// An `in_order` pattern matched no line at all.
    Missing { pattern: Regex },
    /// An `in_order` pattern matched only lines before the line `after`
    /// matched.
    OutOfOrder { pattern: Regex, after: Regex },
    /// The last line (`None`: no output) does not match `pattern`.
    LastLine {
        last: Option<String>,
        pattern: Regex,
    },
    /// The output has `count` lines, not `wanted`.
    LineCount { count: usize, wanted: usize },
    /// The run exited with `code`, not `wanted`.
    ExitCode { code: i32, wanted: i32 },
}

impl OutputProblem {
    /// The problem in one sentence, patterns as the lesson wrote them.
    pub fn message(&self) -> String {
        match self {
            OutputProblem::NotOnce { pattern, count: 0 } => format!(
                "no line matches `{}`; it should appear once",
                shown(pattern)
            ),
            OutputProblem::NotOnce { pattern, count } => format!(
                "{count} lines match `{}`; it should appear exactly once",
                shown(pattern)
            ),
            OutputProblem::MatchingCount {
                pattern,
                count,
                wanted: Some(wanted),
            } => format!(
                "{count} lines match `{}`; expected {wanted}",
                shown(pattern)
            ),
            OutputProblem::MatchingCount { pattern, .. } | OutputProblem::Missing { pattern } => {
                format!("no line matches `{}`", shown(pattern))
            }
            OutputProblem::OutOfOrder { pattern, after } => format!(
                "`{}` comes before `{}`; it should come after it",
                shown(pattern),
                shown(after)
            ),
            OutputProblem::LastLine {
                last: Some(last),
                pattern,
            } => format!(
                "the last line is `{last}`; it should match `{}`",
                shown(pattern)
            ),
            OutputProblem::LastLine {
                last: None,
                pattern,
            } => format!(
                "there is no output; the last line should match `{}`",
                shown(pattern)
            ),
            OutputProblem::LineCount { count, wanted } => {
                format!("the output has {count} lines; expected {wanted}")
            }
            OutputProblem::ExitCode { code, wanted } => {
                format!("the exit code is {code}; expected {wanted}")
            }
        }
    }
}

impl OutputCheck {
    /// Checks a run's output lines and exit code.
    pub fn evaluate(&self, lines: &[&str], exit_code: i32) -> CheckVerdict {
        let mut problems: Vec<String> = self
            .line_problems(lines)
            .iter()
            .map(OutputProblem::message)
            .collect();
        if exit_code != self.exit_code {
            problems.push(
                OutputProblem::ExitCode {
                    code: exit_code,
                    wanted: self.exit_code,
                }
                .message(),
            );
        }
        CheckVerdict { problems }
    }

    /// What is wrong with the output lines, the exit code aside, in the
    /// order [`OutputCheck::evaluate`] says it.
    pub fn line_problems(&self, lines: &[&str]) -> Vec<OutputProblem> {
        let mut problems = Vec::new();
        for pattern in &self.each_once {
            let count = lines.iter().filter(|line| pattern.is_match(line)).count();
            if count != 1 {
                problems.push(OutputProblem::NotOnce {
                    pattern: pattern.clone(),
                    count,
                });
            }
        }
        if let Some((pattern, wanted)) = &self.matching {
            let count = lines.iter().filter(|line| pattern.is_match(line)).count();
            let wrong = match wanted {
                Some(wanted) => count != *wanted,
                None => count == 0,
            };
            if wrong {
                problems.push(OutputProblem::MatchingCount {
                    pattern: pattern.clone(),
                    count,
                    wanted: *wanted,
                });
            }
        }
        let mut after = None;
        for (index, pattern) in self.in_order.iter().enumerate() {
            let start = after.map_or(0, |line: usize| line + 1);
            match lines[start.min(lines.len())..]
                .iter()
                .position(|line| pattern.is_match(line))
            {
                Some(found) => after = Some(start + found),
                None if index > 0 && lines.iter().any(|line| pattern.is_match(line)) => {
                    problems.push(OutputProblem::OutOfOrder {
                        pattern: pattern.clone(),
                        after: self.in_order[index - 1].clone(),
                    });
                }
                None => problems.push(OutputProblem::Missing {
                    pattern: pattern.clone(),
                }),
            }
        }
        if let Some(pattern) = &self.last_line {
            match lines.last() {
                Some(last) if pattern.is_match(last) => {}
                last => problems.push(OutputProblem::LastLine {
                    last: last.map(|line| line.to_string()),
                    pattern: pattern.clone(),
                }),
            }
        }
        if let Some(wanted) = self.line_count
            && lines.len() != wanted
        {
            problems.push(OutputProblem::LineCount {
                count: lines.len(),
                wanted,
            });
        }
        problems
    }

    /// Every pattern of the check, in the order they are written.
    pub fn patterns(&self) -> impl Iterator<Item = &Regex> {
        self.each_once
            .iter()
            .chain(self.matching.iter().map(|(pattern, _)| pattern))
            .chain(&self.in_order)
            .chain(&self.last_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn four_numbers() -> OutputCheck {
        OutputCheck {
            each_once: ["10", "20", "30", "40"]
                .iter()
                .filter_map(|n| whole_line(&format!(r"Process-\d+ \(pid \d+\) says {n}")).ok())
                .collect(),
            matching: None,
            in_order: Vec::new(),
            last_line: None,
            line_count: Some(4),
            exit_code: 0,
            speedup: None,
            line: 1,
        }
    }

    fn permutations(items: &[&'static str]) -> Vec<Vec<&'static str>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut all = Vec::new();
        for (index, first) in items.iter().enumerate() {
            let mut rest = items.to_vec();
            rest.remove(index);
            for mut tail in permutations(&rest) {
                tail.insert(0, first);
                all.push(tail);
            }
        }
        all
    }

    const LINES: [&str; 4] = [
        "Process-1 (pid 101) says 10",
        "Process-2 (pid 102) says 20",
        "Process-3 (pid 103) says 30",
        "Process-4 (pid 104) says 40",
    ];

    #[test]
    fn every_order_of_four_lines_passes() {
        let check = four_numbers();
        let orders = permutations(&LINES);
        assert_eq!(orders.len(), 24);
        for order in orders {
            assert!(check.evaluate(&order, 0).passed(), "{order:?}");
        }
    }

    #[test]
    fn a_missing_line_fails_and_says_which() {
        let verdict = four_numbers().evaluate(&LINES[..3], 0);
        assert!(
            verdict
                .problems
                .iter()
                .any(|p| p.contains("says 40") && p.contains("no line")),
            "{verdict:?}"
        );
        assert!(
            verdict.problems.iter().any(|p| p.contains("3 lines")),
            "{verdict:?}"
        );
    }

    #[test]
    fn a_doubled_line_fails_and_says_which() {
        let lines = [LINES[0], LINES[1], LINES[1], LINES[3]];
        let verdict = four_numbers().evaluate(&lines, 0);
        assert!(
            verdict
                .problems
                .iter()
                .any(|p| p.starts_with("2 lines match") && p.contains("says 20")),
            "{verdict:?}"
        );
        assert!(
            verdict.problems.iter().any(|p| p.contains("says 30")),
            "{verdict:?}"
        );
    }

    #[test]
    fn in_order_patterns_must_follow_each_other() {
        let check = OutputCheck {
            each_once: Vec::new(),
            matching: None,
            in_order: ["first", "second"]
                .iter()
                .filter_map(|word| whole_line(word).ok())
                .collect(),
            last_line: whole_line("end").ok(),
            line_count: None,
            exit_code: 0,
            speedup: None,
            line: 1,
        };
        assert!(check.evaluate(&["first", "x", "second", "end"], 0).passed());
        let swapped = check.evaluate(&["second", "first", "end"], 0);
        assert_eq!(
            swapped.problems,
            vec!["`second` comes before `first`; it should come after it".to_string()]
        );
        let unfinished = check.evaluate(&["first", "second", "end", "more"], 0);
        assert_eq!(
            unfinished.problems,
            vec!["the last line is `more`; it should match `end`".to_string()]
        );
    }

    #[test]
    fn a_wrong_exit_code_fails() {
        let verdict = four_numbers().evaluate(&LINES, 1);
        assert_eq!(
            verdict.problems,
            vec!["the exit code is 1; expected 0".to_string()]
        );
    }
}
