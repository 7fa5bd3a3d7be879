//! A whole comparison: every experiment's result, the machine it ran on,
//! and what the results support, as the `compare` demo's report and as
//! `--json` prints it.

use serde::{Deserialize, Serialize};

use super::{PythonInfo, Row, RowOutcome};
use crate::findings::{Finding, Report, Table, Verdict};

/// The machine the comparison ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    /// `Linux 6.8.0 x86_64`.
    pub os: String,
    /// The `python3` on PATH, if there is one.
    pub python: Option<PythonInfo>,
}

impl Machine {
    /// `Linux x86_64` from `Linux 6.8.0-45-generic x86_64`: the kernel's
    /// release is noise in a table cell.
    pub fn short_os(&self) -> String {
        let words: Vec<&str> = self.os.split_whitespace().collect();
        match words.as_slice() {
            [kind, _release, arch] => format!("{kind} {arch}"),
            _ => self.os.clone(),
        }
    }
}

/// Every experiment run, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub rows: Vec<RowOutcome>,
    pub machine: Machine,
    /// Wall time of the whole comparison.
    pub elapsed_ms: u64,
}

/// A row's verdict, cell and findings, as `--json` prints them beside the
/// results they follow from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowReport {
    pub row: Row,
    pub verdict: Verdict,
    /// The cell, marks included.
    pub summary: String,
    pub findings: Vec<Finding>,
}

impl Comparison {
    pub fn row(&self, row: Row) -> Option<&RowOutcome> {
        self.rows.iter().find(|result| result.row() == row)
    }

    /// Every row's verdict, cell and findings.
    pub fn judged(&self) -> Vec<RowReport> {
        self.rows
            .iter()
            .map(|result| RowReport {
                row: result.row(),
                verdict: result.verdict(),
                summary: result.cell().plain(),
                findings: result.findings(),
            })
            .collect()
    }

    /// The results as a demo report: a table of experiments, then each
    /// one's findings, the first of them naming it.
    pub fn report(&self) -> Report {
        let table = Table {
            header: vec!["row".into(), "the claim".into(), "measured here".into()],
            rows: self
                .rows
                .iter()
                .map(|result| {
                    let row = result.row();
                    vec![
                        row.name().to_string(),
                        row.claim().to_string(),
                        result.cell().plain(),
                    ]
                })
                .collect(),
        };
        let mut findings = Vec::new();
        for result in &self.rows {
            for (at, mut finding) in result.findings().into_iter().enumerate() {
                if at == 0 {
                    finding.text = format!("**{}**: {}", result.row().name(), finding.text);
                }
                findings.push(finding);
            }
        }
        let command = match self.rows.as_slice() {
            [only] => format!("compare {}", only.row().name()),
            _ => "compare".to_string(),
        };
        findings.push(Finding::fact(format!(
            "Type `{command}` to measure again and see the figures in the lesson's own table."
        )));
        Report {
            tables: vec![table],
            findings,
        }
    }
}
