//! Lesson q2's comparison table with one more column, "measured here",
//! filled in from the `compare` experiments.
//!
//! The table is the lesson's own: the first Markdown table of the text
//! given, parsed like any lesson prose, so a teacher who rewords a claim
//! or adds a row sees it here too. Each row is matched to what was
//! measured by its label (the first cell): "Memory" to the memory
//! experiment, "GIL" and "Performance" to the CPU and I/O ones, and so on
//! (see [`Aspect`]); a row no experiment tests keeps a short fact about
//! the machine or a dash. A text without a table gets a plain table of the
//! experiments and their claims instead.
//!
//! Cells read processes first, threads second, like the table's columns:
//! `0 vs 4000 ✓`. `✓` means the machine agrees with the row's claim, `✗`
//! that it does not; a claim the machine cannot show (a speed-up on one
//! core) gets neither, and says so.

use super::RenderOptions;
use super::ansi::finish;
use super::markdown::render_markdown;
use super::markdown_tree::{Node, parse};
use super::style::Styles;
use super::table::table_lines;
use crate::demos::compare::{Comparison, Row, RowResult};
use crate::findings::format_us;

/// The title of the added column.
pub const MEASURED_HERE: &str = "measured here";

/// Shown in a cell whose experiment has not finished yet.
const PENDING: &str = "…";
/// Shown where nothing was measured.
const NOTHING: &str = "—";

/// What a row of the lesson's table is about, read from its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aspect {
    Mechanism,
    Memory,
    Gil,
    BestFor,
    Overhead,
    Failure,
    Communication,
    Synchronization,
    StartMethods,
    Portability,
    Performance,
}

impl Aspect {
    /// The aspect a label names, ignoring case and markup: "Failure
    /// impact" is `Failure`.
    fn of_label(label: &str) -> Option<Aspect> {
        let label = label.to_lowercase();
        let table = [
            ("mechanism", Aspect::Mechanism),
            ("memory", Aspect::Memory),
            ("gil", Aspect::Gil),
            ("best for", Aspect::BestFor),
            ("overhead", Aspect::Overhead),
            ("failure", Aspect::Failure),
            ("communication", Aspect::Communication),
            ("synchroni", Aspect::Synchronization),
            ("start method", Aspect::StartMethods),
            ("portability", Aspect::Portability),
            ("performance", Aspect::Performance),
        ];
        table
            .into_iter()
            .find(|(word, _)| label.contains(word))
            .map(|(_, aspect)| aspect)
    }

    /// The experiments whose figures the cell shows.
    fn rows(self) -> &'static [Row] {
        match self {
            Aspect::Mechanism | Aspect::Memory => &[Row::Memory],
            Aspect::Gil => &[Row::Cpu],
            Aspect::BestFor | Aspect::Performance => &[Row::Cpu, Row::Io],
            Aspect::Overhead => &[Row::Overhead],
            Aspect::Failure => &[Row::Failure],
            Aspect::Communication | Aspect::Synchronization => &[Row::Communication],
            Aspect::StartMethods => &[Row::StartMethods],
            Aspect::Portability => &[],
        }
    }
}

/// The lesson's table in `markdown` (its first) with a "measured here"
/// column. `planned` are the rows being measured; `measured` what has been
/// found so far (`None` before anything was). With every row planned the
/// whole table is shown; otherwise only the rows the planned experiments
/// test.
pub fn render_compare(
    markdown: &str,
    planned: &[Row],
    measured: Option<&Comparison>,
    opts: &RenderOptions,
) -> String {
    let styles = Styles::new(opts);
    let cells = Cells {
        planned,
        measured,
        styles: &styles,
    };
    let (header, rows) = match lesson_table(markdown, &styles) {
        Some((header, rows)) => {
            let every_row = Row::ALL.iter().all(|row| planned.contains(row));
            let rows = rows
                .into_iter()
                .filter_map(|(label, mut cells_of_row)| {
                    let aspect = Aspect::of_label(&label);
                    let tested = aspect.is_some_and(|aspect| {
                        aspect.rows().iter().any(|row| planned.contains(row))
                    });
                    if !(every_row || tested) {
                        return None;
                    }
                    cells_of_row.push(match aspect {
                        Some(aspect) => cells.aspect(aspect),
                        None => NOTHING.to_string(),
                    });
                    Some(cells_of_row)
                })
                .collect();
            (header, rows)
        }
        None => cells.experiments_table(),
    };
    let mut header = header;
    header.push(styles.strong(MEASURED_HERE));
    let lines = table_lines(&header, &rows, &[], opts.columns(), &styles);
    finish(&lines.join("\n"), opts.columns(), opts.color)
}

/// Where and how long the comparison ran, then what each row found.
pub fn render_compare_summary(comparison: &Comparison, opts: &RenderOptions) -> String {
    let machine = &comparison.machine;
    let python = match &machine.python {
        Some(python) => format!(
            "Python {} ({})",
            python.version,
            if python.gil_enabled {
                "GIL enabled"
            } else {
                "free-threaded, GIL disabled"
            }
        ),
        None => "no `python3` on PATH".to_string(),
    };
    let mut markdown = format!(
        "Measured on {}, {} {}, {python}, in {}. ✓: this machine agrees with the claim; ✗: it does not.\n",
        machine.os,
        machine.cores,
        if machine.cores == 1 { "core" } else { "cores" },
        format_us(comparison.elapsed_ms.saturating_mul(1000)),
    );
    for result in &comparison.rows {
        markdown.push_str(&format!(
            "\n- **{}**: {}",
            result.row.name(),
            result.finding
        ));
    }
    render_markdown(&markdown, opts)
}

/// A table's header, and each row's plain label with its styled cells.
type LessonTable = (Vec<String>, Vec<(String, Vec<String>)>);

/// The first table of `markdown`.
fn lesson_table(markdown: &str, styles: &Styles) -> Option<LessonTable> {
    let plain = Styles::new(&RenderOptions::plain(80));
    let first_table = |nodes: Vec<Node>| {
        nodes.into_iter().find_map(|node| match node {
            Node::Table { header, rows, .. } => Some((header, rows)),
            _ => None,
        })
    };
    let (header, rows) = first_table(parse(markdown, styles))?;
    let (_, plain_rows) = first_table(parse(markdown, &plain))?;
    let labels = plain_rows
        .into_iter()
        .map(|row| row.into_iter().next().unwrap_or_default());
    Some((header, labels.zip(rows).collect()))
}

/// Makes the measured cells.
struct Cells<'a> {
    planned: &'a [Row],
    measured: Option<&'a Comparison>,
    styles: &'a Styles,
}

/// What a cell shows of one experiment.
enum Part<'a> {
    /// Not part of this run.
    NotPlanned,
    /// Planned, and not finished (or not reached before the time limit).
    Waiting,
    Done(&'a RowResult),
}

impl Cells<'_> {
    fn part(&self, row: Row) -> Part<'_> {
        if !self.planned.contains(&row) {
            return Part::NotPlanned;
        }
        match self.measured.and_then(|measured| measured.row(row)) {
            Some(result) => Part::Done(result),
            None => Part::Waiting,
        }
    }

    /// `✓` or `✗`, coloured; nothing when the claim cannot be judged.
    fn mark(&self, agrees: Option<bool>) -> String {
        match agrees {
            Some(true) => format!(" {}", self.styles.ok("✓")),
            Some(false) => format!(" {}", self.styles.error("✗")),
            None => String::new(),
        }
    }

    /// The cell for a table row about `aspect`.
    fn aspect(&self, aspect: Aspect) -> String {
        if aspect == Aspect::Portability {
            return match self.measured {
                Some(measured) => format!("ran here on {}", short_os(&measured.machine.os)),
                None => NOTHING.to_string(),
            };
        }
        let parts: Vec<(Row, Part<'_>)> = aspect
            .rows()
            .iter()
            .map(|row| (*row, self.part(*row)))
            .collect();
        if parts.iter().any(|(_, part)| matches!(part, Part::Waiting)) {
            return if self.measured.is_some() {
                // The comparison ended without this experiment.
                "not measured".to_string()
            } else {
                PENDING.to_string()
            };
        }
        let done: Vec<(Row, &RowResult)> = parts
            .iter()
            .filter_map(|(row, part)| match part {
                Part::Done(result) => Some((*row, *result)),
                _ => None,
            })
            .collect();
        if done.is_empty() {
            return NOTHING.to_string();
        }
        let verdicts: Vec<Option<bool>> = done.iter().map(|(_, result)| result.agrees).collect();
        // Parts with different verdicts are marked one by one.
        let each = verdicts.windows(2).any(|pair| pair[0] != pair[1]);
        let text = match aspect {
            Aspect::Mechanism => mechanism(done[0].1),
            Aspect::Gil => gil(done[0].1),
            Aspect::BestFor | Aspect::Performance => {
                let pieces: Vec<String> = done
                    .iter()
                    .map(|(row, result)| {
                        let figures = match row {
                            Row::Cpu => format!("CPU {}", cpu_speedups(result)),
                            _ if aspect == Aspect::Performance => {
                                format!("I/O {}", io_speedups(result))
                            }
                            _ => format!("I/O {}", io_totals(result)),
                        };
                        let mark = if each {
                            self.mark(result.agrees)
                        } else {
                            String::new()
                        };
                        format!("{figures}{mark}")
                    })
                    .collect();
                pieces.join("; ")
            }
            Aspect::Synchronization => synchronization(done[0].1),
            _ => done[0].1.summary.clone(),
        };
        if each {
            return text;
        }
        format!("{text}{}", self.mark(combined(verdicts.into_iter())))
    }

    /// Without the lesson's table: one row per experiment, with its claim.
    fn experiments_table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let header = vec![self.styles.strong("row"), self.styles.strong("the claim")];
        let rows = Row::ALL
            .iter()
            .filter(|row| self.planned.contains(row))
            .map(|row| {
                let cell = match self.part(*row) {
                    Part::Done(result) => format!("{}{}", result.summary, self.mark(result.agrees)),
                    Part::Waiting if self.measured.is_some() => "not measured".to_string(),
                    Part::Waiting => PENDING.to_string(),
                    Part::NotPlanned => NOTHING.to_string(),
                };
                vec![row.name().to_string(), row.claim().to_string(), cell]
            })
            .collect();
        (header, rows)
    }
}

/// All agree: `Some(true)`; any disagrees: `Some(false)`; else `None`.
fn combined(verdicts: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let verdicts: Vec<Option<bool>> = verdicts.collect();
    if verdicts.contains(&Some(false)) {
        Some(false)
    } else if verdicts.iter().all(|verdict| *verdict == Some(true)) {
        Some(true)
    } else {
        None
    }
}

fn value(result: &RowResult, name: &str) -> f64 {
    result.value(name).unwrap_or(0.0)
}

/// `4 pids vs 1 pid`: the processes' own pids against the threads' one.
fn mechanism(memory: &RowResult) -> String {
    let count = |name: &str| {
        let n = value(memory, name) as u64;
        format!("{n} {}", if n == 1 { "pid" } else { "pids" })
    };
    format!(
        "{} vs {}",
        count("processes_distinct_pids"),
        count("threads_distinct_pids")
    )
}

/// `1.9× vs 1.0× (GIL)`, or on one core that nothing can be shown.
fn cpu_speedups(cpu: &RowResult) -> String {
    if value(cpu, "cores") < 2.0 {
        return "— (1 core: no speed-up can be shown)".to_string();
    }
    if cpu.agrees.is_none() {
        // Two cores, but other programs kept the workers from using both.
        return "— (machine busy: no speed-up could be shown)".to_string();
    }
    format!(
        "{} vs {} (GIL)",
        times(value(cpu, "processes_speedup")),
        times(value(cpu, "gil_threads_speedup"))
    )
}

/// The simulated GIL's speed-ups, then real Python's when it ran.
fn gil(cpu: &RowResult) -> String {
    let mut text = if value(cpu, "cores") < 2.0 || cpu.agrees.is_none() {
        cpu_speedups(cpu)
    } else {
        format!(
            "simulated GIL {} vs {} (no GIL {})",
            times(value(cpu, "processes_speedup")),
            times(value(cpu, "gil_threads_speedup")),
            times(value(cpu, "threads_speedup"))
        )
    };
    match (
        cpu.value("python_processes_speedup"),
        cpu.value("python_threads_speedup"),
    ) {
        (Some(processes), Some(threads)) => {
            text.push_str(&format!(
                "; Python {} vs {}",
                times(processes),
                times(threads)
            ));
        }
        _ => text.push_str("; no python3 here"),
    }
    text
}

/// `109ms vs 102ms`: the whole batch of waits on each.
fn io_totals(io: &RowResult) -> String {
    let ms = |name: &str| format_us((value(io, name) * 1000.0) as u64);
    format!("{} vs {}", ms("processes_ms"), ms("threads_ms"))
}

/// `16× vs 16× faster than one at a time`.
fn io_speedups(io: &RowResult) -> String {
    let serial = value(io, "serial_ms");
    let speedup = |name: &str| {
        let ms = value(io, name);
        if ms > 0.0 { serial / ms } else { 0.0 }
    };
    format!(
        "{} vs {} (vs one at a time)",
        times(speedup("processes_ms")),
        times(speedup("threads_ms"))
    )
}

/// `64 MB copied vs 64 buffers handed over`.
fn synchronization(communication: &RowResult) -> String {
    format!(
        "{} MB copied vs {} buffers handed over",
        (value(communication, "bytes") as u64) >> 20,
        value(communication, "chunks") as u64
    )
}

/// `6×`, `1.4×`.
fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.1}×")
    }
}

/// `Linux x86_64` from `Linux 6.8.0-45-generic x86_64`: the kernel's
/// release is noise in a table cell.
fn short_os(os: &str) -> String {
    let words: Vec<&str> = os.split_whitespace().collect();
    match words.as_slice() {
        [kind, _release, arch] => format!("{kind} {arch}"),
        _ => os.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_of_the_lesson_table_is_understood() {
        let styles = Styles::new(&RenderOptions::plain(80));
        let lesson = include_str!("../../lessons/q2.md");
        let (_, rows) = lesson_table(lesson, &styles).unwrap_or_default();
        assert_eq!(rows.len(), 11);
        for (label, _) in rows {
            assert!(Aspect::of_label(&label).is_some(), "{label}");
        }
    }
}
