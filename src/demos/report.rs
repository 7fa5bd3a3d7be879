//! What a demo found, for display and for `--json`.

use serde::Serialize;

/// The outcome of a demo: a few sentences, an optional table, and the same
/// facts as data.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub demo: &'static str,
    /// Findings in plain sentences (Markdown), shown after the run.
    pub findings: Vec<String>,
    /// A results table: header and rows.
    pub table: Option<(Vec<String>, Vec<Vec<String>>)>,
    /// The findings as data, for scripts: the `result` of `--json`.
    pub data: serde_json::Value,
}

impl DemoReport {
    pub fn new(demo: &'static str) -> Self {
        DemoReport {
            demo,
            findings: Vec::new(),
            table: None,
            data: serde_json::Value::Null,
        }
    }
}
