//! Lesson q2's comparison table with one more column, "measured here",
//! filled in from the `compare` experiments.
//!
//! The table is the lesson's own: the first Markdown table of the text
//! given, parsed like any lesson prose, so a teacher who rewords a claim
//! or adds a row sees it here too. Each row is matched to the experiments
//! that test it by its label (`demos::compare::names`, the table
//! `compare <name>` reads too); a row no experiment tests gets a dash. A
//! text without a table gets a plain table of the experiments and their
//! claims instead.
//!
//! What a cell says comes whole from the experiment's result
//! (`RowOutcome::aspect_cell`), figures and verdicts; here it is only laid
//! out and its marks coloured: `✓` the claim holds, `✗` it is
//! contradicted, `?` this run couldn't tell (the cell says why first, the
//! findings under the table say it with the figures). Cells read processes
//! first, threads second, like the table's columns: `0 vs 4,000 ✓`.

use super::RenderOptions;
use super::ansi::finish;
use super::findings::render_findings;
use super::markdown::render_markdown;
use super::markdown_tree::{Node, parse};
use super::style::Styles;
use super::table::table_lines;
use crate::demos::compare::{Aspect, Cell, Comparison, Row};
use crate::findings::{Verdict, format_us, words};

/// The title of the added column.
pub const MEASURED_HERE: &str = "measured here";

/// Shown in a cell whose experiment has not finished yet.
const PENDING: &str = "…";
/// Shown where nothing was measured.
const NOTHING: &str = "—";

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

/// Where and how long the comparison ran, then what each experiment
/// found, claim by claim.
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
    let intro = format!(
        "Measured on {}, {}, {python}, in {}. ✓: the claim holds here; ✗: this machine \
         contradicts it; ?: this run couldn't tell, and says why.",
        machine.os,
        words::cores(machine.cores),
        format_us(comparison.elapsed_ms.saturating_mul(1000)),
    );
    let mut parts = vec![render_markdown(&intro, opts)];
    for result in &comparison.rows {
        let row = result.row();
        parts.push(render_markdown(
            &format!("**{}**: {}", row.name(), row.claim()),
            opts,
        ));
        parts.push(render_findings(&result.findings(), opts));
    }
    parts.join("\n\n")
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

impl Cells<'_> {
    /// `✓`, `✗` or `?`, coloured.
    fn mark(&self, verdict: &Verdict) -> String {
        match verdict {
            Verdict::Holds => self.styles.ok("✓"),
            Verdict::Contradicted => self.styles.error("✗"),
            Verdict::CouldntTell(_) => self.styles.accent("?"),
        }
    }

    fn render(&self, cell: &Cell) -> String {
        cell.render(|verdict| self.mark(verdict))
    }

    /// Planned but not in the results: still running, or, once the
    /// comparison is over, never reached.
    fn missing(&self) -> String {
        if self.measured.is_some() {
            "not measured".to_string()
        } else {
            PENDING.to_string()
        }
    }

    /// The cell for a table row about `aspect`: the parts of its planned
    /// experiments.
    fn aspect(&self, aspect: Aspect) -> String {
        let planned: Vec<Row> = aspect
            .rows()
            .iter()
            .copied()
            .filter(|row| self.planned.contains(row))
            .collect();
        if planned.is_empty() {
            return NOTHING.to_string();
        }
        let Some(measured) = self.measured else {
            return self.missing();
        };
        if planned.iter().any(|row| measured.row(*row).is_none()) {
            return self.missing();
        }
        let cell = Cell::join(planned.iter().filter_map(|row| {
            measured
                .row(*row)
                .map(|result| result.aspect_cell(aspect, &measured.machine))
        }));
        self.render(&cell)
    }

    /// Without the lesson's table: one row per experiment, with its claim.
    fn experiments_table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let header = vec![self.styles.strong("row"), self.styles.strong("the claim")];
        let rows = Row::ALL
            .iter()
            .filter(|row| self.planned.contains(row))
            .map(|row| {
                let cell = match self.measured.and_then(|measured| measured.row(*row)) {
                    Some(result) => self.render(&result.cell()),
                    None => self.missing(),
                };
                vec![row.name().to_string(), row.claim().to_string(), cell]
            })
            .collect();
        (header, rows)
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
