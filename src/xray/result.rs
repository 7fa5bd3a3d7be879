//! The X-ray's closing `--json` object: every process, thread and pool
//! task of the run, its figures, and its findings, each with its kind and
//! its sentence. `mptutor trace --json` writes it as
//! [`crate::json::Message::Xray`], under the envelope every `--json` line
//! has (`{"schema":"mptutor/2","type":"xray",…}`).

use serde::{Deserialize, Serialize};

use super::finding::XrayFinding;
use super::findings::{XraySummary, summarize};
use super::model::{Xray, XrayProcess, XrayTask, XrayThread};
use crate::engine::Load;

/// A finding as `--json` writes it: its figures, tagged with its `kind`,
/// and the sentence made from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingEntry {
    #[serde(flatten)]
    pub finding: XrayFinding,
    pub text: String,
}

impl From<&XrayFinding> for FindingEntry {
    fn from(finding: &XrayFinding) -> Self {
        FindingEntry {
            finding: finding.clone(),
            text: finding.text(),
        }
    }
}

/// What `--json` says of an X-rayed run at its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XrayResult {
    /// Each with `pid`, `ppid`, `name`, `role`, `start_method`,
    /// `start_us`, `end_us`, `exit` (`{"code": 0}` or
    /// `{"signal": "SIGKILL"}`), `cpu_us`, `zombie_us`, and more.
    pub processes: Vec<XrayProcess>,
    pub threads: Vec<XrayThread>,
    pub tasks: Vec<XrayTask>,
    pub max_concurrent_processes: usize,
    pub cpu_parallelism: f64,
    pub timed_out: bool,
    pub wall_us: u64,
    /// What the X-ray could not see.
    pub notes: Vec<String>,
    pub findings: Vec<FindingEntry>,
}

impl XrayResult {
    /// The result of `xray`, with the findings it and `load` support.
    pub fn new(xray: &Xray, load: &Load) -> XrayResult {
        XrayResult::with_summary(xray, &summarize(xray, load))
    }

    pub fn with_summary(xray: &Xray, summary: &XraySummary) -> XrayResult {
        XrayResult {
            processes: xray.processes.clone(),
            threads: xray.threads.clone(),
            tasks: xray.tasks.clone(),
            max_concurrent_processes: summary.max_concurrent_processes,
            cpu_parallelism: summary.cpu_parallelism,
            timed_out: xray.timed_out,
            wall_us: xray.wall_us,
            notes: xray.notes.clone(),
            findings: summary.findings.iter().map(FindingEntry::from).collect(),
        }
    }
}
