//! The results table of `pool-map`: input, result and the worker that
//! computed it, the first rows and any failures further down.

use super::PoolMapResult;
use super::findings::failed;
use crate::findings::Table;

/// Rows of the results table before the rest are summed up.
const TABLE_ROWS: usize = 20;
/// Failed items shown in the table even when past [`TABLE_ROWS`].
const FAILED_ROWS: usize = 5;

/// Input, result, worker, pid (and tid): the first rows, any failed rows
/// further down, then a count of the rest.
pub(super) fn table(result: &PoolMapResult) -> Table {
    let failed = failed(result);
    let mut header: Vec<String> = ["input", "result", "worker", "pid"]
        .map(String::from)
        .to_vec();
    if result.threads {
        header.push("tid".into());
    }
    if !failed.is_empty() {
        header.push("error".into());
    }
    let mut shown: Vec<usize> = (0..result.items.len().min(TABLE_ROWS)).collect();
    shown.extend(
        failed
            .iter()
            .copied()
            .filter(|at| *at >= TABLE_ROWS)
            .take(FAILED_ROWS),
    );
    let mut rows = Vec::new();
    let mut previous: Option<usize> = None;
    for &at in &shown {
        if previous.is_some_and(|previous| at > previous + 1) {
            rows.push(vec!["…".to_string()]);
        }
        previous = Some(at);
        let item = &result.items[at];
        let worker = item.worker.and_then(|index| result.worker(index));
        let dash = || "—".to_string();
        let mut row = vec![
            item.input.to_string(),
            item.result.map_or_else(dash, |value| value.to_string()),
            worker.map_or_else(dash, |worker| worker.label.clone()),
            worker.map_or_else(dash, |worker| worker.pid.to_string()),
        ];
        if result.threads {
            row.push(
                worker
                    .and_then(|worker| worker.tid)
                    .map_or_else(dash, |tid| tid.to_string()),
            );
        }
        if let Some(error) = &item.error {
            row.resize(header.len() - 1, String::new());
            row.push(error.clone());
        }
        rows.push(row);
    }
    let hidden = result.items.len() - shown.len();
    if hidden > 0 {
        rows.push(vec![format!("… {hidden} more")]);
    }
    for row in &mut rows {
        row.resize(header.len(), String::new());
    }
    Table { header, rows }
}
