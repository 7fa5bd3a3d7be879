//! Snapshots of lesson q2's table with its "measured here" column, from
//! fixed results: what a 2-core machine with Python 3.11 shows at 80 and
//! 160 columns, the waiting table beside the live output, and the cases a
//! verdict must not be claimed falsely (one core, a busy machine).

use super::RenderOptions;
use super::ansi::width as display_width;
use super::compare::render_compare;
use crate::demos::compare::{Comparison, Machine, Measurement, PythonInfo, Row, RowResult};

const LESSON: &str = include_str!("../../lessons/q2.md");

fn result(
    row: Row,
    measurements: &[(&'static str, f64)],
    agrees: Option<bool>,
    summary: &str,
) -> RowResult {
    RowResult {
        row,
        measurements: measurements
            .iter()
            .map(|(name, value)| Measurement::new(name, *value, ""))
            .collect(),
        agrees,
        summary: summary.to_string(),
        finding: format!("what the {} experiment found.", row.name()),
    }
}

/// Fixed results, as a 2-core machine with Python 3.11 gives them.
fn sample(cores: f64) -> Comparison {
    let cpu_agrees = (cores >= 2.0).then_some(true);
    Comparison {
        rows: vec![
            result(
                Row::Memory,
                &[
                    ("processes_counter", 0.0),
                    ("threads_counter", 4000.0),
                    ("processes_distinct_pids", 4.0),
                    ("threads_distinct_pids", 1.0),
                ],
                Some(true),
                "0 vs 4000",
            ),
            result(Row::Failure, &[], Some(true), "3 of 4 survive vs 0 of 4"),
            result(
                Row::Overhead,
                &[],
                Some(true),
                "471µs vs 31µs per worker (15×)",
            ),
            result(
                Row::Cpu,
                &[
                    ("cores", cores),
                    ("processes_speedup", 1.92),
                    ("threads_speedup", 1.95),
                    ("gil_threads_speedup", 0.98),
                    ("python_processes_speedup", 1.9),
                    ("python_threads_speedup", 1.05),
                ],
                cpu_agrees,
                "1.9× vs 1.0× under a GIL (2.0× without)",
            ),
            result(
                Row::Io,
                &[
                    ("serial_ms", 1604.0),
                    ("threads_ms", 102.0),
                    ("processes_ms", 109.0),
                ],
                Some(true),
                "109ms vs 102ms (one after another: 1.60s)",
            ),
            result(
                Row::Communication,
                &[("bytes", 67_108_864.0), ("chunks", 64.0)],
                Some(true),
                "756 MB/s vs 2.2 GB/s",
            ),
            result(
                Row::StartMethods,
                &[],
                Some(false),
                "fork 3.1ms, spawn 1.3ms (0.4×)",
            ),
        ],
        machine: Machine {
            cores: cores as usize,
            os: "Linux 6.1.0 x86_64".to_string(),
            python: Some(PythonInfo {
                version: "3.11.7".to_string(),
                gil_enabled: true,
            }),
        },
        elapsed_ms: 6_240,
    }
}

#[test]
fn measured_table_at_80_and_160_columns() {
    let measured = sample(2.0);
    for width in [80, 160] {
        let shown = render_compare(
            LESSON,
            &Row::ALL,
            Some(&measured),
            &RenderOptions::plain(width),
        );
        for line in shown.lines() {
            assert!(display_width(line) <= width, "{line}");
        }
        insta::assert_snapshot!(format!("measured_{width}"), shown);
    }
}

#[test]
fn waiting_table_beside_the_live_output() {
    let shown = render_compare(LESSON, &Row::ALL, None, &RenderOptions::plain(70));
    insta::assert_snapshot!("waiting_70", shown);
}

#[test]
fn one_row_shows_only_the_table_rows_it_tests() {
    let measured = sample(2.0);
    let shown = render_compare(
        LESSON,
        &[Row::Cpu],
        Some(&measured),
        &RenderOptions::plain(100),
    );
    for shown_label in ["GIL", "Best for", "Performance"] {
        assert!(shown.contains(shown_label), "{shown}");
    }
    for left_out in ["Memory", "Failure", "Start methods", "Portability", "109ms"] {
        assert!(!shown.contains(left_out), "{shown}");
    }
}

#[test]
fn one_core_says_the_speed_up_cannot_be_shown_instead_of_failing() {
    let measured = sample(1.0);
    let shown = render_compare(
        LESSON,
        &[Row::Cpu],
        Some(&measured),
        &RenderOptions::plain(200),
    );
    assert!(
        shown.contains("1 core: no speed-up can be shown"),
        "{shown}"
    );
    assert!(!shown.contains('✗'), "{shown}");
}

#[test]
fn a_busy_machine_leaves_the_cpu_part_unjudged_and_the_io_part_marked() {
    let mut measured = sample(2.0);
    if let Some(cpu) = measured.rows.iter_mut().find(|row| row.row == Row::Cpu) {
        cpu.agrees = None;
    }
    let shown = render_compare(
        LESSON,
        &[Row::Cpu, Row::Io],
        Some(&measured),
        &RenderOptions::plain(200),
    );
    assert!(shown.contains("CPU — (machine busy"), "{shown}");
    assert!(shown.contains("I/O 109ms vs 102ms ✓"), "{shown}");
    assert!(!shown.contains('✗'), "{shown}");
}

#[test]
fn without_a_table_the_experiments_are_listed() {
    let shown = render_compare(
        "No table here.",
        &[Row::Memory, Row::Io],
        None,
        &RenderOptions::plain(80),
    );
    assert!(shown.contains("memory"), "{shown}");
    assert!(shown.contains("io"), "{shown}");
    assert!(!shown.contains("failure"), "{shown}");
}

#[test]
fn colour_marks_the_verdicts() {
    let measured = sample(2.0);
    let opts = RenderOptions {
        width: 120,
        color: true,
        show_notes: false,
    };
    let shown = render_compare(LESSON, &[Row::Memory], Some(&measured), &opts);
    assert!(shown.contains("\x1b["), "{shown}");
    assert!(console::strip_ansi_codes(&shown).contains("0 vs 4000 ✓"));
}
