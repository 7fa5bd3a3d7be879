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

impl OutputCheck {
    /// Checks a run's output lines and exit code.
    pub fn evaluate(&self, lines: &[&str], exit_code: i32) -> CheckVerdict {
        let mut problems = Vec::new();
        for pattern in &self.each_once {
            let count = lines.iter().filter(|line| pattern.is_match(line)).count();
            match count {
                1 => {}
                0 => problems.push(format!(
                    "no line matches `{}`; it should appear once",
                    shown(pattern)
                )),
                n => problems.push(format!(
                    "{n} lines match `{}`; it should appear exactly once",
                    shown(pattern)
                )),
            }
        }
        if let Some((pattern, wanted)) = &self.matching {
            let count = lines.iter().filter(|line| pattern.is_match(line)).count();
            match wanted {
                Some(wanted) if count != *wanted => problems.push(format!(
                    "{count} lines match `{}`; expected {wanted}",
                    shown(pattern)
                )),
                None if count == 0 => {
                    problems.push(format!("no line matches `{}`", shown(pattern)))
                }
                _ => {}
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
                    problems.push(format!(
                        "`{}` comes before `{}`; it should come after it",
                        shown(pattern),
                        shown(&self.in_order[index - 1])
                    ));
                }
                None => problems.push(format!("no line matches `{}`", shown(pattern))),
            }
        }
        if let Some(pattern) = &self.last_line {
            match lines.last() {
                Some(last) if pattern.is_match(last) => {}
                Some(last) => problems.push(format!(
                    "the last line is `{last}`; it should match `{}`",
                    shown(pattern)
                )),
                None => problems.push(format!(
                    "there is no output; the last line should match `{}`",
                    shown(pattern)
                )),
            }
        }
        if let Some(wanted) = self.line_count
            && lines.len() != wanted
        {
            problems.push(format!(
                "the output has {} lines; expected {wanted}",
                lines.len()
            ));
        }
        if exit_code != self.exit_code {
            problems.push(format!(
                "the exit code is {exit_code}; expected {}",
                self.exit_code
            ));
        }
        CheckVerdict { problems }
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
