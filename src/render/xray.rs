//! After a Python run: its X-ray, one lane per process on a shared time
//! axis, each cell showing how much CPU the process used in that slice.
//!
//! ```text
//! MainProcess 4242 main           │▒·························✓│
//! Process-1 4243 process fork     │ ███✓                      │
//! Process-2 4244 process fork     │     ███✓zzzzz             │ SIGKILL
//!                                 └───────────────────────────┘
//!                                  0          600ms        1.2s
//! ```
//!
//! A process that ran more than its main thread gets one lane per thread
//! under its own, indented, so four threads taking turns on the GIL show
//! as four lanes of `░` that add up to one core while four processes show
//! four lanes of `█`. A zombie (exited, not yet reaped by its parent) is
//! drawn as `z`, never as running: the point of showing it is that it no
//! longer runs but still holds its pid. The lanes share the worker colours
//! of the live view, in the order the processes appeared, and the table
//! and the pool's per-worker lines under them say the same in figures
//! (see `xray_table`).

use super::RenderOptions;
use super::ansi::{finish, pad, sanitize, width as display_width};
use super::markdown::wrap;
use super::style::Styles;
use super::timeline::{clip, ticks};
use super::xray_cells::{Cell, IDLE_SHARE, alive_cells, mark_end, paint_cells, zombie_end};
use super::xray_table::{process_table, worker_lines};
use crate::findings::format_us;
use crate::xray::model::{CpuSeries, ProcessExit, Role, Xray, XrayProcess};

/// Most lanes drawn (processes and threads together); the table lists
/// every process.
const MAX_LANES: usize = 32;

/// One lane: a process, or one thread of a process.
struct Lane<'a> {
    /// The process's colour: its place among the run's processes.
    color: usize,
    /// Labels from the most detailed to the shortest; one level is chosen
    /// for every lane, so labels line up.
    labels: [String; 3],
    cells: Vec<Cell>,
    /// How it ended, in words, right of the lane: `exit 1`, `SIGKILL`.
    ending: String,
    process: Option<&'a XrayProcess>,
}

/// The run as lanes over time, then every process in a table, then what
/// each pool worker ran.
pub fn render_xray(xray: &Xray, opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    if xray.processes.is_empty() {
        return finish("The X-ray saw no process of this run.", columns, false);
    }
    let end = axis_end(xray);
    let mut lines = vec![headline(xray, end, &styles)];
    let lanes = draw_lanes(xray, end, opts, MAX_LANES, &mut lines);
    lines.push(String::new());
    lines.extend(wrap(&legend(&lanes, &styles), columns));
    lines.push(String::new());
    lines.push(process_table(xray, opts));
    let workers = worker_lines(xray, &styles);
    if !workers.is_empty() {
        lines.push(String::new());
        for worker in workers {
            lines.extend(wrap(&worker, columns));
        }
    }
    if !xray.notes.is_empty() {
        lines.push(String::new());
        for note in &xray.notes {
            let note = sanitize(note, " ");
            lines.extend(wrap(&styles.dim(&format!("Not seen: {note}")), columns));
        }
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// The run so far, while it goes on: a headline and at most
/// `max_lanes` lanes over the time up to now, for a live view to redraw
/// in place. The table and the findings wait for the end.
pub fn render_xray_live(xray: &Xray, opts: &RenderOptions, max_lanes: usize) -> String {
    use crate::findings::words;
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let end = axis_end(xray);
    let mut parts = vec![words::processes(xray.processes.len())];
    if !xray.threads.is_empty() {
        parts.push(words::threads(xray.threads.len()));
    }
    let mut lines = vec![format!(
        "{} {} so far, {}",
        styles.subheading("X-ray, live:"),
        words::and_list(&parts),
        format_us(end)
    )];
    if !xray.processes.is_empty() {
        draw_lanes(xray, end, opts, max_lanes.max(1), &mut lines);
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// Draws up to `max_lanes` lanes of `xray` over `0..end` onto `lines`,
/// with the axis under them; returns the lanes drawn.
fn draw_lanes<'a>(
    xray: &'a Xray,
    end: u64,
    opts: &RenderOptions,
    max_lanes: usize,
    lines: &mut Vec<String>,
) -> Vec<Lane<'a>> {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let endings: Vec<String> = xray.processes.iter().map(ending).collect();
    let ending_width = endings.iter().map(|text| display_width(text)).max();
    let ending_width = ending_width.map_or(0, |width| if width > 0 { width + 1 } else { 0 });
    let label_cap = columns / 3;
    let mut lanes = build_lanes(xray, end, 2, &endings);
    let level = (0..3)
        .find(|&level| {
            lanes
                .iter()
                .all(|lane| display_width(&lane.labels[level]) <= label_cap)
        })
        .unwrap_or(2);
    let label_width = lanes
        .iter()
        .map(|lane| display_width(&lane.labels[level]))
        .max()
        .unwrap_or(0)
        .min(label_cap);
    // Label, two spaces and `│` before the plot, `│` after it, the ending.
    let plot_width = columns
        .saturating_sub(label_width + 4 + ending_width)
        .max(2);
    lanes = build_lanes(xray, end, plot_width, &endings);
    let all_lanes = lanes.len();
    lanes.truncate(max_lanes);
    for lane in &lanes {
        let label = pad(&clip(&lane.labels[level], label_width), label_width);
        let label = match lane.process {
            Some(_) => styles.worker(lane.color, &label),
            None => label,
        };
        let mut line = format!(
            "{label}  {}{}{}",
            styles.dim("│"),
            paint_cells(&lane.cells, lane.color, &styles),
            styles.dim("│"),
        );
        if !lane.ending.is_empty() {
            line.push(' ');
            // A process still running is no failure.
            let still_running = lane.process.is_some_and(|process| process.end_us.is_none());
            line.push_str(&if still_running {
                styles.dim(&lane.ending)
            } else {
                styles.error(&lane.ending)
            });
        }
        lines.push(line);
    }
    let margin = " ".repeat(label_width + 2);
    lines.push(format!(
        "{margin}{}",
        styles.dim(&format!("└{}┘", "─".repeat(plot_width)))
    ));
    lines.push(format!(" {margin}{}", styles.dim(&ticks(end, plot_width))));
    if all_lanes > lanes.len() {
        let more = all_lanes - lanes.len();
        lines.push(format!(
            "{margin}{}",
            styles.dim(&format!(
                "… and {more} more lanes, not drawn; the table lists them all"
            ))
        ));
    }
    lanes
}

/// `X-ray: 5 processes, 4 threads and 8 pool tasks in 1.2s`.
fn headline(xray: &Xray, end: u64, styles: &Styles) -> String {
    use crate::findings::words;
    let mut parts = vec![words::processes(xray.processes.len())];
    if !xray.threads.is_empty() {
        parts.push(words::threads(xray.threads.len()));
    }
    if !xray.tasks.is_empty() {
        parts.push(words::count(
            xray.tasks.len() as u64,
            "pool task",
            "pool tasks",
        ));
    }
    let stopped = if xray.timed_out {
        ", stopped at the timeout"
    } else {
        ""
    };
    format!(
        "{} {} in {}{stopped}",
        styles.subheading("X-ray:"),
        words::and_list(&parts),
        format_us(end)
    )
}

/// The axis runs to the last thing seen: the run's end, or a late reaping.
fn axis_end(xray: &Xray) -> u64 {
    let latest = xray.processes.iter().flat_map(|process| {
        [
            Some(process.start_us),
            process.end_us,
            process.reaped_us,
            zombie_end(process),
        ]
        .into_iter()
        .flatten()
    });
    latest.fold(xray.wall_us, u64::max)
}

/// How a process ended, in words, when `✓` does not say it all.
fn ending(process: &XrayProcess) -> String {
    let said = match &process.exit {
        Some(ProcessExit::Code(0)) => String::new(),
        Some(ProcessExit::Code(code)) => format!("exit {code}"),
        Some(ProcessExit::Signal(name)) => sanitize(name, " "),
        None if process.end_us.is_none() => "running".to_string(),
        None => String::new(),
    };
    match (process.killed_at_end, said.is_empty()) {
        (true, true) => "killed at end".to_string(),
        (true, false) => format!("{said} at end"),
        (false, _) => said,
    }
}

pub(super) fn role_word(role: Role) -> &'static str {
    match role {
        Role::Main => "main",
        Role::Process => "process",
        Role::PoolWorker => "pool worker",
        Role::Forkserver => "forkserver",
        Role::ResourceTracker => "resource tracker",
        Role::Manager => "manager",
        Role::Other => "other",
    }
}

/// Every process's lane and, when it ran more than its main thread, one
/// lane per thread under it.
fn build_lanes<'a>(xray: &'a Xray, end: u64, width: usize, endings: &[String]) -> Vec<Lane<'a>> {
    let mut lanes = Vec::new();
    for (index, process) in xray.processes.iter().enumerate() {
        let name = sanitize(&process.name, " ");
        let short = format!("{name} {}", process.pid);
        let role = format!("{short} {}", role_word(process.role));
        let full = match &process.start_method {
            Some(method) => format!("{role} {}", sanitize(method, " ")),
            None => role.clone(),
        };
        let series: Vec<&CpuSeries> = xray
            .cpu
            .iter()
            .filter(|series| series.pid == process.pid)
            .collect();
        let alive_until = process.end_us.unwrap_or(end);
        let mut cells = alive_cells(process.start_us, alive_until, &series, end, width);
        mark_end(&mut cells, process, end, width);
        lanes.push(Lane {
            color: index,
            labels: [full, role, short],
            cells,
            ending: endings.get(index).cloned().unwrap_or_default(),
            process: Some(process),
        });
        let threads: Vec<_> = xray
            .threads
            .iter()
            .filter(|thread| thread.pid == process.pid)
            .collect();
        if threads.len() < 2 {
            continue;
        }
        for thread in threads {
            let label = format!("  {} {}", sanitize(&thread.name, " "), thread.tid);
            let series: Vec<&CpuSeries> = series
                .iter()
                .copied()
                .filter(|series| series.tid == thread.tid)
                .collect();
            let until = thread.end_us.unwrap_or(alive_until).min(alive_until);
            lanes.push(Lane {
                color: index,
                labels: [label.clone(), label.clone(), label],
                cells: alive_cells(thread.start_us, until, &series, end, width),
                ending: String::new(),
                process: None,
            });
        }
    }
    lanes
}

/// What the glyphs drawn mean; only those that appear.
fn legend(lanes: &[Lane<'_>], styles: &Styles) -> String {
    let seen = |wanted: fn(&Cell) -> bool| lanes.iter().any(|lane| lane.cells.iter().any(wanted));
    let mut parts = vec![format!(
        "{} {}",
        styles.worker(0, "░▒▓█"),
        styles.dim("CPU use: under 25%, 50%, 75% of a core, or more")
    )];
    if seen(|cell| matches!(cell, Cell::Cpu(share) if *share < IDLE_SHARE)) {
        parts.push(format!(
            "{} {}",
            styles.worker(0, "·"),
            styles.dim("alive, idle")
        ));
    }
    if seen(|cell| *cell == Cell::Unsampled) {
        parts.push(format!(
            "{} {}",
            styles.worker(0, "─"),
            styles.dim("alive, CPU not sampled")
        ));
    }
    if seen(|cell| *cell == Cell::Zombie) {
        parts.push(format!(
            "{} {}",
            styles.warning("z"),
            styles.dim("zombie: exited, not yet reaped by its parent")
        ));
    }
    parts.push(format!("{} {}", styles.ok("✓"), styles.dim("exit 0")));
    parts.push(format!(
        "{} {}",
        styles.error("✗"),
        styles.dim("failed or killed")
    ));
    parts.join("  ")
}
