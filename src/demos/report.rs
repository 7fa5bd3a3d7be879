//! The report of a demo not yet turned into a typed result: findings as
//! fixed sentences and its data as loose JSON. Being replaced, demo by
//! demo, by typed results with judged findings.

use serde::{Deserialize, Serialize};

use crate::findings::{Finding, Report, Table};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct DemoReport {
    pub findings: Vec<String>,
    pub table: Option<(Vec<String>, Vec<Vec<String>>)>,
    pub data: serde_json::Value,
}

impl DemoReport {
    pub fn new(_demo: &'static str) -> Self {
        DemoReport::default()
    }

    pub fn report(&self) -> Report {
        Report {
            tables: self
                .table
                .iter()
                .map(|(header, rows)| Table {
                    header: header.clone(),
                    rows: rows.clone(),
                })
                .collect(),
            findings: self.findings.iter().map(Finding::fact).collect(),
        }
    }
}
