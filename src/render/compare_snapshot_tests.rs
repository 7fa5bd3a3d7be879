//! Snapshots of lesson q2's table with its "measured here" column, from
//! fixed results: what a quiet 2-core machine with Python 3.11 shows at 80
//! and 160 columns, the waiting table beside the live output, and the
//! cases a verdict must not be claimed falsely (one core, a busy machine).

use super::RenderOptions;
use super::ansi::width as display_width;
use super::compare::{render_compare, render_compare_summary};
use crate::demos::compare::{Comparison, Row, RowOutcome, samples};

const LESSON: &str = include_str!("../../lessons/q2.md");

/// The sample with the CPU row measured on a machine whose other programs
/// used 1.6 cores while the workers got 1.1.
fn busy() -> Comparison {
    let mut measured = samples::comparison(2);
    for row in &mut measured.rows {
        if let RowOutcome::Cpu(cpu) = row {
            cpu.processes = samples::split(300_000, 1.1, 1.1, 1.6, 2);
            cpu.threads = samples::split(300_000, 1.05, 1.08, 1.6, 2);
            cpu.gil_threads = samples::split(300_000, 0.97, 1.0, 1.6, 2);
            cpu.python =
                crate::demos::compare::PythonOutcome::Measured(samples::python(1.0, 0.9, 1.6));
        }
    }
    measured
}

#[test]
fn measured_table_at_80_and_160_columns() {
    let measured = samples::comparison(2);
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
fn the_findings_follow_the_table_claim_by_claim() {
    let shown = render_compare_summary(&busy(), &RenderOptions::plain(100));
    for line in shown.lines() {
        assert!(display_width(line) <= 100, "{line}");
    }
    insta::assert_snapshot!("summary_busy_100", shown);
}

#[test]
fn one_row_shows_only_the_table_rows_it_tests() {
    let measured = samples::comparison(2);
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
fn synchronization_and_portability_have_experiments_of_their_own() {
    let measured = samples::comparison(2);
    let shown = render_compare(
        LESSON,
        &[Row::Synchronization, Row::StartMethods],
        Some(&measured),
        &RenderOptions::plain(200),
    );
    assert!(
        shown.contains("copies 5,000 each; shared 14,997 lost, 0 with a lock vs 14,999 lost"),
        "{shown}"
    );
    assert!(
        shown.contains("Linux x86_64: fork and spawn started workers here"),
        "{shown}"
    );
    assert!(!shown.contains("64 MB copied"), "{shown}");
}

#[test]
fn one_core_says_the_speed_up_cannot_be_shown_instead_of_failing() {
    let measured = samples::comparison(1);
    let shown = render_compare(
        LESSON,
        &[Row::Cpu],
        Some(&measured),
        &RenderOptions::plain(200),
    );
    assert!(
        shown.contains("one core: simulated GIL 1.0× vs 1.0×"),
        "{shown}"
    );
    assert!(!shown.contains('✗'), "{shown}");
    assert!(!shown.contains('✓'), "{shown}");
}

#[test]
fn a_busy_machine_leaves_the_cpu_part_unjudged_and_the_io_part_marked() {
    let shown = render_compare(
        LESSON,
        &[Row::Cpu, Row::Io],
        Some(&busy()),
        &RenderOptions::plain(200),
    );
    assert!(
        shown.contains("machine busy: CPU 1.1× vs 1.0× (GIL) ?; I/O 109ms vs 102ms ✓"),
        "{shown}"
    );
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
    let measured = samples::comparison(2);
    let opts = RenderOptions {
        width: 120,
        measure: crate::render::DEFAULT_MEASURE,
        color: true,
        show_notes: false,
        theme: Default::default(),
    };
    let shown = render_compare(LESSON, &[Row::Memory], Some(&measured), &opts);
    assert!(shown.contains("\x1b["), "{shown}");
    assert!(console::strip_ansi_codes(&shown).contains("0 vs 4,000 ✓"));
}
