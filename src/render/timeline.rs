//! After a demo: one lane per worker on a shared time axis.
//!
//! ```text
//! P1 pid 4242  │━━━━━━•━━━━━━━━•━━━━━✓           │
//! P2 pid 4243  │   ━━━━━━━━━━━•━━━━━━━━━━━✗      │
//!              └─────────────────────────────────┘
//!               0            6.1ms          12.3ms
//! ```
//!
//! A bar runs from a worker's start to its exit, `•` marks where it printed,
//! `✓` or `✗` how it ended; a bar that reaches the right edge without a mark
//! was still running when the demo ended. Lanes have the workers' colours
//! from the live view, so a student can match the two by eye. The axis
//! starts at the demo's start, not the first worker's, so the cost of
//! starting workers shows as the gap before each bar.

use crate::engine::WorkerIndex;

use super::RenderOptions;
use super::ansi::{finish, pad, sanitize, width as display_width};
use super::markdown::wrap;
use super::runs::{Run, collect_runs, end_us};
use super::style::Styles;
use crate::engine::Event;
use crate::findings::format_us;

/// Most lanes drawn; past this a lane is a few pixels on a projector and
/// the picture says no more than the worker table does.
const MAX_LANES: usize = 32;

/// What a cell of a lane shows, weakest first: a later mark in the same
/// cell replaces an earlier one only if it is stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cell {
    Empty,
    Bar,
    Printed,
    Ended,
    Failed,
}

impl Cell {
    fn glyph(self) -> char {
        match self {
            Cell::Empty => ' ',
            Cell::Bar => '━',
            Cell::Printed => '•',
            Cell::Ended => '✓',
            Cell::Failed => '✗',
        }
    }
}

/// Every run of one worker index, drawn on one lane.
struct Lane<'a> {
    worker: WorkerIndex,
    runs: Vec<&'a Run>,
}

/// `events` as lanes on a time axis scaled to the width.
pub fn render_timeline(events: &[Event], opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let runs = collect_runs(events);
    let lanes = lanes(&runs);
    if lanes.is_empty() {
        return finish("no workers ran, so there is no timeline", columns, false);
    }
    let shown = &lanes[..lanes.len().min(MAX_LANES)];
    let labels: Vec<String> = shown.iter().map(lane_label).collect();
    let label_width = labels
        .iter()
        .map(|label| display_width(label))
        .max()
        .unwrap_or(0)
        .min(columns / 3);
    // Label, two spaces and `│` before the plot, `│` after it.
    let plot_width = columns.saturating_sub(label_width + 4).max(2);
    let end = end_us(events);

    let mut lines = Vec::new();
    for (lane, label) in shown.iter().zip(&labels) {
        let cells = lane_cells(lane, end, plot_width);
        lines.push(format!(
            "{}  {}{}{}",
            pad(&clip(label, label_width), label_width),
            styles.dim("│"),
            paint_cells(&cells, lane.worker, &styles),
            styles.dim("│"),
        ));
    }
    let margin = " ".repeat(label_width + 2);
    lines.push(format!(
        "{margin}{}",
        styles.dim(&format!("└{}┘", "─".repeat(plot_width)))
    ));
    lines.push(format!(" {margin}{}", styles.dim(&ticks(end, plot_width))));
    if lanes.len() > shown.len() {
        let more = lanes.len() - shown.len();
        lines.push(format!(
            "{margin}{}",
            styles.dim(&format!("… and {more} more workers, not drawn"))
        ));
    }
    lines.push(String::new());
    let unfinished = runs.iter().any(|run| run.exit.is_none());
    lines.extend(wrap(&legend(unfinished, &styles), opts.prose()));
    finish(&lines.join("\n"), columns, opts.color)
}

/// Runs grouped by worker index, in worker order (runs arrive sorted).
fn lanes(runs: &[Run]) -> Vec<Lane<'_>> {
    let mut lanes: Vec<Lane<'_>> = Vec::new();
    for run in runs {
        match lanes.last_mut() {
            Some(lane) if lane.worker == run.worker => lane.runs.push(run),
            _ => lanes.push(Lane {
                worker: run.worker,
                runs: vec![run],
            }),
        }
    }
    lanes
}

/// `P1 pid 4242`; a worker that ran more than once (one per phase) has
/// several pids, so it says how many runs instead.
fn lane_label(lane: &Lane<'_>) -> String {
    match lane.runs.as_slice() {
        [run] => sanitize(
            &format!("{} {} {}", run.display_label(), run.id_word(), run.pid),
            " ",
        ),
        runs => {
            let label = runs
                .first()
                .map_or(String::new(), |run| run.display_label());
            sanitize(&format!("{label} ({} runs)", runs.len()), " ")
        }
    }
}

/// `text` cut to `columns` with a `…` when it is longer.
pub(super) fn clip(text: &str, columns: usize) -> String {
    if display_width(text) <= columns {
        return text.to_string();
    }
    let kept = console::truncate_str(text, columns.saturating_sub(1), "");
    format!("{kept}…")
}

/// The plot column of time `t_us` on an axis from 0 to `end_us`.
pub(super) fn column(t_us: u64, end_us: u64, plot_width: usize) -> usize {
    if end_us == 0 {
        return 0;
    }
    let last = plot_width.saturating_sub(1) as u128;
    let t = u128::from(t_us.min(end_us));
    let scaled = (t * last + u128::from(end_us) / 2) / u128::from(end_us);
    usize::try_from(scaled).unwrap_or(0)
}

/// What each column of a lane shows.
fn lane_cells(lane: &Lane<'_>, end: u64, plot_width: usize) -> Vec<Cell> {
    let mut cells = vec![Cell::Empty; plot_width];
    let mut mark = |at: usize, cell: Cell| {
        if let Some(slot) = cells.get_mut(at) {
            *slot = (*slot).max(cell);
        }
    };
    for run in &lane.runs {
        let first_line = run.line_times.iter().min().copied();
        let start = run.start_us.or(first_line).unwrap_or(0);
        let stop = run.exit.as_ref().map_or(end, |exit| exit.t_us);
        for at in column(start, end, plot_width)..=column(stop.max(start), end, plot_width) {
            mark(at, Cell::Bar);
        }
        for &t in &run.line_times {
            mark(column(t, end, plot_width), Cell::Printed);
        }
        if let Some(exit) = &run.exit {
            let ending = if exit.status.success() {
                Cell::Ended
            } else {
                Cell::Failed
            };
            mark(column(exit.t_us, end, plot_width), ending);
        }
    }
    cells
}

/// The cells as text: bars and marks in the worker's colour, `✓` in the
/// success colour, `✗` in the error colour; one escape per run of cells.
fn paint_cells(cells: &[Cell], worker: WorkerIndex, styles: &Styles) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < cells.len() {
        let kind = cells[start];
        let group = |cell: &Cell| match kind {
            Cell::Bar | Cell::Printed => matches!(cell, Cell::Bar | Cell::Printed),
            _ => *cell == kind,
        };
        let len = cells[start..].iter().take_while(|cell| group(cell)).count();
        let text: String = cells[start..start + len]
            .iter()
            .map(|cell| cell.glyph())
            .collect();
        out.push_str(&match kind {
            Cell::Empty => text,
            Cell::Bar | Cell::Printed => styles.worker(worker, &text),
            Cell::Ended => styles.ok(&text),
            Cell::Failed => styles.error(&text),
        });
        start += len;
    }
    out
}

/// `0`, the midpoint and the end under the axis, where they fit.
pub(super) fn ticks(end: u64, plot_width: usize) -> String {
    let mut row = vec![' '; plot_width];
    let mut place = |text: &str, at: usize| {
        for (offset, ch) in text.chars().enumerate() {
            if let Some(slot) = row.get_mut(at + offset) {
                *slot = ch;
            }
        }
    };
    place("0", 0);
    if end > 0 {
        let last = format_us(end);
        let last_at = plot_width.saturating_sub(last.chars().count());
        let middle = format_us(end / 2);
        let middle_len = middle.chars().count();
        let middle_at = (plot_width / 2).saturating_sub(middle_len / 2);
        if middle_at >= 3 && middle_at + middle_len + 2 <= last_at {
            place(&middle, middle_at);
        }
        if last_at >= 2 {
            place(&last, last_at);
        }
    }
    row.into_iter().collect()
}

/// What the glyphs mean, each shown as it appears in the lanes; and, when
/// some worker never exited, what its bar to the edge means.
fn legend(unfinished: bool, styles: &Styles) -> String {
    let mut legend = format!(
        "{} {}  {} {}  {} {}  {} {}",
        styles.worker(0, "━"),
        styles.dim("running"),
        styles.worker(0, "•"),
        styles.dim("printed a line"),
        styles.ok("✓"),
        styles.dim("exit 0"),
        styles.error("✗"),
        styles.dim("failed or killed"),
    );
    if unfinished {
        legend.push_str(&styles.dim("  · a bar to the edge: still running at the end"));
    }
    legend
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_events::{exited, line, note, sample_events, started};

    fn lane_lines(shown: &str) -> Vec<&str> {
        shown.lines().filter(|line| line.ends_with('│')).collect()
    }

    #[test]
    fn one_lane_per_worker_in_worker_order_with_how_it_ended() {
        let shown = render_timeline(&sample_events(), &RenderOptions::plain(80));
        let lanes = lane_lines(&shown);
        assert_eq!(lanes.len(), 4, "{shown}");
        let starts: Vec<&str> = lanes.iter().map(|lane| &lane[..2]).collect();
        assert_eq!(starts, ["P1", "P2", "P3", "T1"]);
        assert!(lanes[0].contains('✓') && lanes[0].contains('•'), "{shown}");
        assert!(lanes[1].contains('✗'), "exit 3 is a failure: {shown}");
        assert!(lanes[2].contains('✗'), "SIGSEGV: {shown}");
        assert!(lanes[3].starts_with("T1 tid 4245"), "{shown}");
    }

    #[test]
    fn the_axis_runs_from_zero_to_the_last_event() {
        let shown = render_timeline(&sample_events(), &RenderOptions::plain(80));
        let ticks = shown
            .lines()
            .find(|line| line.trim_start().starts_with('0'));
        let ticks = ticks.unwrap_or_default();
        assert!(ticks.ends_with("12ms"), "{shown}");
        assert!(ticks.contains("6.2ms"), "{shown}");
    }

    #[test]
    fn a_worker_that_never_exits_runs_to_the_edge() {
        let events = [
            started(0, "P1", 10, 0),
            exited(0, 10, 0, 500),
            started(1, "P2", 11, 100),
            note("timed out", 1_000),
        ];
        let shown = render_timeline(&events, &RenderOptions::plain(60));
        let lanes = lane_lines(&shown);
        assert!(lanes[1].ends_with("━│"), "{shown}");
        assert!(!lanes[0].ends_with("━│"), "{shown}");
        assert!(shown.ends_with("still running at the end"), "{shown}");
    }

    #[test]
    fn a_late_start_leaves_a_gap_before_the_bar() {
        let events = [
            started(0, "P1", 10, 0),
            started(1, "P2", 11, 500),
            exited(1, 11, 0, 1_000),
        ];
        let shown = render_timeline(&events, &RenderOptions::plain(60));
        let lane = lane_lines(&shown)[1];
        let plot = lane.split('│').nth(1).unwrap_or_default();
        let gap = plot.chars().take_while(|ch| *ch == ' ').count();
        assert!(gap > 10, "{shown}");
    }

    #[test]
    fn a_demo_that_took_no_time_still_draws() {
        let events = [
            started(0, "P1", 10, 0),
            line(0, 10, "x", 0),
            exited(0, 10, 0, 0),
        ];
        let shown = render_timeline(&events, &RenderOptions::plain(40));
        assert!(lane_lines(&shown)[0].contains('✓'), "{shown}");
    }

    #[test]
    fn a_reused_worker_index_is_one_lane() {
        let events = [
            started(0, "P1", 10, 0),
            exited(0, 10, 0, 100),
            started(0, "P1", 20, 200),
            exited(0, 20, 0, 300),
        ];
        let shown = render_timeline(&events, &RenderOptions::plain(60));
        let lanes = lane_lines(&shown);
        assert_eq!(lanes.len(), 1, "{shown}");
        assert!(lanes[0].starts_with("P1 (2 runs)"), "{shown}");
        assert_eq!(lanes[0].matches('✓').count(), 2, "{shown}");
    }

    #[test]
    fn hundreds_of_workers_are_capped() {
        let events: Vec<Event> = (0..300)
            .flat_map(|worker| {
                let pid = 1_000 + worker as i32;
                [
                    started(worker, &format!("P{}", worker + 1), pid, 0),
                    exited(worker, pid, 0, 10),
                ]
            })
            .collect();
        let shown = render_timeline(&events, &RenderOptions::plain(80));
        assert_eq!(lane_lines(&shown).len(), MAX_LANES);
        assert!(shown.contains("… and 268 more workers"), "{shown}");
    }

    #[test]
    fn no_workers_says_so() {
        let shown = render_timeline(&[note("nothing", 0)], &RenderOptions::plain(80));
        assert_eq!(shown, "no workers ran, so there is no timeline");
    }

    #[test]
    fn every_line_fits_and_colour_stays_on_its_line() {
        for columns in [1, 40, 57, 80, 133, 250] {
            for color in [false, true] {
                let opts = RenderOptions {
                    width: columns,
                    measure: crate::render::DEFAULT_MEASURE,
                    color,
                    show_notes: false,
                    theme: Default::default(),
                };
                let shown = render_timeline(&sample_events(), &opts);
                for line in shown.lines() {
                    assert!(display_width(line) <= opts.columns(), "{columns}: {line}");
                    let last_escape = line.rfind('\x1b').map(|at| &line[at..]);
                    assert!(
                        last_escape.is_none_or(|code| code.starts_with("\x1b[0m")),
                        "{line:?}"
                    );
                }
                assert_eq!(shown.contains('\x1b'), color);
            }
        }
    }
}
