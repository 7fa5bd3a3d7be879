//! Prose at a reading measure, at any width: snapshots of a step with
//! code, a step without code and a demo's findings at 40, 80, 160 and 250
//! columns, and the promise behind them, that no line of prose is longer
//! than the measure however wide the terminal. On a wide terminal the extra
//! columns go to the code beside the prose.

use super::ansi::width;
use super::test_course::sample_lesson;
use super::*;
use crate::course::{Block, Lesson};
use crate::demos::DemoResult;
use crate::demos::print_numbers::{NumberWorker, NumbersRun, PrintNumbersResult, Printed};
use crate::engine::{ExitStatus, StartMethod};
use crate::findings::Finding;

const WIDTHS: [usize; 4] = [40, 80, 160, 250];

/// A paragraph long enough to run to the edge of any terminal.
const LONG_PROSE: &str = "\
When you call `start()`, Python asks the operating system for a new process. \
On Linux that is `fork`: the child begins as a copy of the parent, with the \
same memory and the same open files, and from then on the two run on their \
own. Each has its own pid, and the child's parent pid is the parent's pid; \
nothing the child changes in its memory is seen by the parent, which is why \
processes need queues and pipes to share results, where threads would simply \
write to the same list.

- `join()` waits until the child has finished, and collects how it ended \
  so that it does not linger as a zombie in the process table
- `exitcode` is then 0, a number the child chose, or minus the signal that \
  killed it";

/// The sample lesson with a second step holding prose only.
fn lesson() -> Lesson {
    let mut lesson = sample_lesson();
    lesson.steps[2].blocks = vec![Block::Prose(LONG_PROSE.to_string())];
    lesson.steps[0]
        .blocks
        .insert(0, Block::Prose(LONG_PROSE.to_string()));
    lesson
}

/// Print-numbers' findings over two runs of four workers, in two orders.
fn findings() -> Vec<Finding> {
    let run = |order: [i64; 4]| NumbersRun {
        workers: (1..=4)
            .map(|slot| NumberWorker {
                name: format!("Process-{slot}"),
                number: i64::from(slot) * 10,
                pid: 1000 + slot,
                ppid: 999,
                status: Some(ExitStatus::Code(0)),
            })
            .collect(),
        printed: order
            .iter()
            .zip(0u64..)
            .map(|(&number, t_us)| Printed {
                number,
                pid: 1000 + i32::try_from(number / 10).unwrap_or(0),
                t_us,
            })
            .collect(),
    };
    let result = PrintNumbersResult {
        start: StartMethod::Fork,
        parent_pid: 999,
        crash: None,
        runs: vec![run([10, 20, 30, 40]), run([20, 10, 40, 30])],
        timed_out: false,
    };
    DemoResult::PrintNumbers(result).report().findings
}

/// The prose of a view rendered with `opts`: every line, but of a row
/// with the right-hand column beside the prose, only the left; and of a
/// line of a code panel (a line number and its bar, ` 12 │`), only what
/// comes before the panel.
fn prose_lines(view: &str, opts: &RenderOptions) -> Vec<String> {
    let panel = regex::Regex::new(r"^(.*?)\s*\d+ │(?: |$)").expect("a valid pattern");
    let right_starts = split_for(opts).map(|(left, _)| left + columns::COLUMN_GAP);
    view.lines()
        .map(|line| {
            let left = match right_starts {
                Some(at) if width(line) > at => {
                    let left = console::truncate_str(line, at, "");
                    // Beside the right-hand column only when the gap
                    // before it is blank; else a line across both.
                    let gap = console::truncate_str(line, at, "")
                        .chars()
                        .rev()
                        .take(columns::COLUMN_GAP)
                        .all(|c| c == ' ');
                    if gap {
                        left.into_owned()
                    } else {
                        line.to_string()
                    }
                }
                _ => line.to_string(),
            };
            match panel.captures(&left) {
                Some(found) => found[1].trim_end().to_string(),
                None => left.trim_end().to_string(),
            }
        })
        .collect()
}

fn assert_within_measure(view: &str, opts: &RenderOptions) {
    for line in prose_lines(view, opts) {
        assert!(
            width(&line) <= opts.prose(),
            "{} columns: prose {} wide, past the measure {}: {line:?}",
            opts.width,
            width(&line),
            opts.prose()
        );
    }
    for line in view.lines() {
        assert!(width(line) <= opts.columns(), "{line:?}");
    }
}

#[test]
fn a_step_with_code_keeps_its_prose_to_the_measure_at_any_width() {
    let lesson = lesson();
    for columns in WIDTHS {
        let opts = RenderOptions::plain(columns);
        let shown = render_step(&lesson, 0, &opts);
        assert_within_measure(&shown, &opts);
        insta::assert_snapshot!(format!("measure_step_with_code_{columns}"), shown);
    }
}

#[test]
fn a_step_without_code_keeps_its_prose_to_the_measure_at_any_width() {
    let lesson = lesson();
    for columns in WIDTHS {
        let opts = RenderOptions::plain(columns);
        let shown = render_step(&lesson, 2, &opts);
        assert_within_measure(&shown, &opts);
        insta::assert_snapshot!(format!("measure_step_without_code_{columns}"), shown);
    }
}

#[test]
fn a_demos_findings_keep_to_the_measure_at_any_width() {
    let findings = findings();
    assert!(findings.len() >= 2, "{findings:?}");
    for columns in WIDTHS {
        let opts = RenderOptions::plain(columns);
        let shown = render_findings(&findings, &opts);
        assert_within_measure(&shown, &opts);
        insta::assert_snapshot!(format!("measure_findings_{columns}"), shown);
    }
}

#[test]
fn the_extra_width_goes_to_the_code_column_not_to_the_prose() {
    let lesson = lesson();
    let at_160 = render_step(&lesson, 0, &RenderOptions::plain(160));
    let at_250 = render_step(&lesson, 0, &RenderOptions::plain(250));
    let widest = |view: &str| view.lines().map(width).max().unwrap_or(0);
    let widest_prose = |view: &str, columns: usize| {
        prose_lines(view, &RenderOptions::plain(columns))
            .iter()
            .map(|line| width(line))
            .max()
            .unwrap_or(0)
    };
    assert!(widest_prose(&at_250, 250) <= DEFAULT_MEASURE);
    assert!(widest_prose(&at_160, 160) <= DEFAULT_MEASURE);
    // Both have the code beside the prose; at 250 the code column is wider
    // (its longest line no longer wraps), the prose no wider than the measure.
    assert!(widest(&at_250) >= widest(&at_160), "{at_250}");
}

#[test]
fn a_chosen_measure_is_kept_and_never_wider_than_the_terminal() {
    let lesson = lesson();
    for (columns, measure) in [(250, 60), (100, 72), (50, 88)] {
        let opts = RenderOptions {
            measure,
            ..RenderOptions::plain(columns)
        };
        assert_eq!(opts.prose(), measure.min(columns));
        for step in 0..lesson.steps.len() {
            assert_within_measure(&render_step(&lesson, step, &opts), &opts);
        }
        assert_within_measure(&render_findings(&findings(), &opts), &opts);
        assert_within_measure(&render_markdown(LONG_PROSE, &opts), &opts);
    }
}
