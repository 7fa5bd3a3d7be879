//! `mptutor check`'s summary of the examples' runs: one row per Python,
//! one column per start method, each cell how many examples passed and
//! failed there and how long their runs took.

use super::RenderOptions;
use super::table::render_table;
use crate::findings::format_us;

/// The examples' runs with one interpreter under one start method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckCell {
    /// `3.12.1`
    pub version: String,
    /// The interpreter's path, as it was started.
    pub path: String,
    /// `spawn`, or `default (fork)` when no method was asked for.
    pub method: String,
    pub passed: usize,
    pub failed: usize,
    /// From the first example's start to the last one's end.
    pub elapsed_us: u64,
}

/// The cells as a table: interpreters down (in the order they ran),
/// start methods across (likewise). A pair that did not run is blank.
pub fn render_check_matrix(cells: &[CheckCell], opts: &RenderOptions) -> String {
    let mut methods: Vec<&str> = Vec::new();
    let mut pythons: Vec<(&str, &str)> = Vec::new();
    for cell in cells {
        if !methods.contains(&cell.method.as_str()) {
            methods.push(&cell.method);
        }
        let python = (cell.version.as_str(), cell.path.as_str());
        if !pythons.contains(&python) {
            pythons.push(python);
        }
    }
    let header: Vec<String> = std::iter::once("Python".to_string())
        .chain(methods.iter().map(|method| method.to_string()))
        .collect();
    let rows: Vec<Vec<String>> = pythons
        .iter()
        .map(|&(version, path)| {
            let mut row = vec![format!("{version}\n{path}")];
            for method in &methods {
                let found = cells.iter().find(|cell| {
                    cell.version == version && cell.path == path && cell.method == *method
                });
                row.push(found.map(cell_text).unwrap_or_default());
            }
            row
        })
        .collect();
    render_table(&header, &rows, opts)
}

/// Passed, failed and time, a line each, so that a narrow column wraps
/// none of them.
fn cell_text(cell: &CheckCell) -> String {
    let failed = match cell.failed {
        0 => "0 failed".to_string(),
        n => format!("{n} FAILED"),
    };
    format!(
        "{} passed\n{failed}\nin {}",
        cell.passed,
        format_us(cell.elapsed_us)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(version: &str, path: &str, method: &str, passed: usize, failed: usize) -> CheckCell {
        CheckCell {
            version: version.to_string(),
            path: path.to_string(),
            method: method.to_string(),
            passed,
            failed,
            elapsed_us: 1_234_567 * (passed + failed) as u64,
        }
    }

    #[test]
    fn every_python_under_every_method() {
        let mut cells = Vec::new();
        for (version, path) in [
            ("3.11.7", "/root/.pyenv/shims/python3"),
            ("3.8.18", "/root/.pyenv/versions/3.8.18/bin/python3"),
            ("3.13.0", "/root/.pyenv/versions/3.13.0/bin/python3"),
        ] {
            cells.push(cell(version, path, "fork", 2, 0));
            cells.push(cell(version, path, "spawn", 1, 1));
            cells.push(cell(version, path, "forkserver", 1, 1));
        }
        insta::assert_snapshot!(render_check_matrix(&cells, &RenderOptions::plain(80)));
    }

    #[test]
    fn one_python_under_its_default() {
        let cells = [cell("3.11.2", "/usr/bin/python3", "default (fork)", 14, 0)];
        insta::assert_snapshot!(render_check_matrix(&cells, &RenderOptions::plain(80)));
    }

    #[test]
    fn a_pair_that_did_not_run_is_blank() {
        let cells = [
            cell("3.12.1", "/opt/python3.12", "fork", 3, 0),
            cell("3.13.0", "/opt/python3.13", "spawn", 2, 1),
        ];
        let table = render_check_matrix(&cells, &RenderOptions::plain(60));
        insta::assert_snapshot!(table);
        assert!(
            table.lines().all(|line| line.chars().count() <= 60),
            "{table}"
        );
    }
}
