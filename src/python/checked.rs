//! A finished run held against its step's ```` ```check ```` blocks: the
//! checks every correct run passes, and the speed claim judged with the
//! machine's load. The REPL's `python` and `try`, `mptutor python` and
//! `mptutor check` all judge a run here, so they never disagree.

use serde::{Deserialize, Serialize};

use super::PythonOutcome;
use super::speed::{SpeedFinding, judge_claim};
use crate::course::{CheckVerdict, OutputCheck};
use crate::findings::Verdict;

/// How a run fared against one check block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The lesson file holding the block, and the line of its fence.
    pub file: String,
    pub line: usize,
    #[serde(flatten)]
    pub verdict: CheckVerdict,
    /// The block's speed claim, judged; `None` when it makes none.
    pub speed: Option<SpeedFinding>,
}

impl CheckReport {
    /// A check failed, or the speed claim was contradicted on a quiet
    /// machine. "Couldn't tell" is not a failure.
    pub fn failed(&self) -> bool {
        !self.verdict.passed() || self.speed_contradicted()
    }

    pub fn speed_contradicted(&self) -> bool {
        self.speed
            .as_ref()
            .is_some_and(|speed| speed.verdict() == Some(&Verdict::Contradicted))
    }
}

/// A finished run and how it fared against its checks: what `mptutor
/// python --json` ends with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckedRun {
    #[serde(flatten)]
    pub outcome: PythonOutcome,
    pub checks: Vec<CheckReport>,
}

impl CheckedRun {
    /// Holds `outcome` against `checks`, written in `file`.
    pub fn new<'c>(
        outcome: PythonOutcome,
        checks: impl IntoIterator<Item = &'c OutputCheck>,
        file: &str,
    ) -> CheckedRun {
        let lines: Vec<&str> = outcome.stdout.iter().map(String::as_str).collect();
        let checks = checks
            .into_iter()
            .map(|check| CheckReport {
                file: file.to_string(),
                line: check.line,
                verdict: check.evaluate(&lines, outcome.exit_code),
                speed: check
                    .speedup
                    .as_ref()
                    .map(|claim| judge_claim(claim, &outcome)),
            })
            .collect();
        CheckedRun { outcome, checks }
    }

    /// How many check blocks it failed.
    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|check| check.failed()).count()
    }
}
