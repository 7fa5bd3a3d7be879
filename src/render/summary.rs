//! After a demo: one table row per worker run, with what the operating
//! system reported about it.
//!
//! This is where the numbers behind a lesson's claims are: the pids that
//! show each process is its own, the parent pid they share, the exit status
//! a crash leaves behind, and the CPU time and memory each worker cost.

use comfy_table::CellAlignment;

use super::RenderOptions;
use super::ansi::{finish, sanitize, width};
use super::markdown::wrap;
use super::runs::{Run, collect_runs};
use super::style::Styles;
use super::table::{BRIEF_KEPT_ROWS, BRIEF_MAX_ROWS, table_lines};
use crate::engine::{Event, WorkerKind};
use crate::findings::format_us;

/// Most rows shown. The catalogue's demos run at most 64 workers at once,
/// so every worker of one phase fits; beyond that the rows stop being read.
const MAX_ROWS: usize = 64;

/// Shown for what is not known: an exit that never came, a memory figure
/// the system did not give.
const UNKNOWN: &str = "—";

const HEADER: [&str; 9] = [
    "worker", "name", "pid", "parent", "status", "cpu", "max RSS", "lines", "lifetime",
];

const ALIGNS: [CellAlignment; 9] = [
    CellAlignment::Left,
    CellAlignment::Left,
    CellAlignment::Right,
    CellAlignment::Right,
    CellAlignment::Left,
    CellAlignment::Right,
    CellAlignment::Right,
    CellAlignment::Right,
    CellAlignment::Right,
];

/// Columns left out, first to last, when the whole table does not fit:
/// the name repeats the label, and a worker's identity and fate (pid,
/// parent, status) are what the lessons are about, so they go last or
/// never. Wrapping cells instead would break `Process-1` and `SIGSEGV`.
const DROP_ORDER: [usize; 6] = [1, 7, 6, 8, 5, 3];

/// The max RSS column: a thread has no memory of its own, so a table of
/// threads has none, and a thread's row leaves it empty.
const MEMORY_COLUMN: usize = 6;

/// Every worker run of `events` as a table, in worker order. On a narrow
/// terminal the less important columns are left out, and a line under the
/// table says which.
pub fn render_worker_summary(events: &[Event], opts: &RenderOptions) -> String {
    worker_summary(events, opts, None)
}

/// [`render_worker_summary`], but past [`BRIEF_MAX_ROWS`] workers only the
/// first [`BRIEF_KEPT_ROWS`], then `more(n)` (Markdown) for the `n` left
/// out.
pub fn render_worker_summary_brief(
    events: &[Event],
    opts: &RenderOptions,
    more: &dyn Fn(usize) -> String,
) -> String {
    worker_summary(events, opts, Some(more))
}

fn worker_summary(
    events: &[Event],
    opts: &RenderOptions,
    brief: Option<&dyn Fn(usize) -> String>,
) -> String {
    let columns = opts.columns();
    let styles = Styles::new(opts);
    let runs = collect_runs(events);
    if runs.is_empty() {
        return finish("no workers ran", columns, false);
    }
    let header: Vec<String> = HEADER.iter().map(|title| title.to_string()).collect();
    let cut = match brief {
        Some(more) if runs.len() > BRIEF_MAX_ROWS => {
            Some((BRIEF_KEPT_ROWS, more(runs.len() - BRIEF_KEPT_ROWS)))
        }
        _ => None,
    };
    let shown = cut.as_ref().map_or(MAX_ROWS, |(kept, _)| *kept);
    let mut rows: Vec<Vec<String>> = runs
        .iter()
        .take(shown)
        .map(|run| row(run, &styles))
        .collect();
    if cut.is_none() && runs.len() > MAX_ROWS {
        let more = runs.len() - MAX_ROWS;
        rows.push(vec![styles.dim(&format!("… {more} more"))]);
    }

    let mut kept = fitting_columns(&header, &rows, columns);
    let any_process = runs.iter().any(|run| run.kind != Some(WorkerKind::Thread));
    if !any_process {
        kept.retain(|&column| column != MEMORY_COLUMN);
    }
    let pick = |cells: &[String]| -> Vec<String> {
        kept.iter()
            .map(|&column| cells.get(column).cloned().unwrap_or_default())
            .collect()
    };
    let aligns: Vec<CellAlignment> = kept.iter().map(|&column| ALIGNS[column]).collect();
    let rows: Vec<Vec<String>> = rows.iter().map(|cells| pick(cells)).collect();
    let mut lines = table_lines(&pick(&header), &rows, &aligns, columns, &styles);

    let left_out: Vec<&str> = DROP_ORDER
        .iter()
        .filter(|column| !kept.contains(column) && (**column != MEMORY_COLUMN || any_process))
        .map(|&column| HEADER[column])
        .collect();
    if let Some((_, more)) = &cut {
        lines.extend(super::markdown::markdown_lines(more, opts.prose(), &styles));
    }
    if !left_out.is_empty() {
        let note = format!("left out to fit the terminal: {}", left_out.join(", "));
        lines.extend(wrap(&styles.dim(&note), opts.prose()));
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// The columns to show: all of them if they fit in `columns` unwrapped,
/// else all but the first few of [`DROP_ORDER`].
fn fitting_columns(header: &[String], rows: &[Vec<String>], columns: usize) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..header.len()).collect();
    for dropped in DROP_ORDER {
        if table_width(&kept, header, rows) <= columns {
            break;
        }
        kept.retain(|&column| column != dropped);
    }
    kept
}

/// How wide the table of `kept` columns is with no cell wrapped: each
/// column's widest cell, a space either side, and a border between.
fn table_width(kept: &[usize], header: &[String], rows: &[Vec<String>]) -> usize {
    let widest = |column: usize| {
        std::iter::once(header)
            .chain(rows.iter().map(Vec::as_slice))
            .filter_map(|cells| cells.get(column))
            .map(|cell| width(cell))
            .max()
            .unwrap_or(0)
    };
    kept.iter().map(|&column| widest(column) + 3).sum::<usize>() + 1
}

/// One run's cells, styled where the style carries meaning.
fn row(run: &Run, styles: &Styles) -> Vec<String> {
    let pid = match run.kind {
        Some(WorkerKind::Thread) => format!("{} (tid)", run.pid),
        _ => run.pid.to_string(),
    };
    let thread = run.kind == Some(WorkerKind::Thread);
    let status = match &run.exit {
        // A thread has no exit code: it returned, or its body panicked.
        Some(exit) if thread && exit.status.success() => styles.ok("finished"),
        Some(_) if thread => styles.error("panicked"),
        Some(exit) if exit.status.success() => styles.ok(&exit.status.to_string()),
        Some(exit) => styles.error(&sanitize(&exit.status.to_string(), " ")),
        None => styles.dim("running"),
    };
    let lifetime = match (run.start_us, &run.exit) {
        (Some(start), Some(exit)) => format_us(exit.t_us.saturating_sub(start)),
        _ => UNKNOWN.to_string(),
    };
    let lines = run.line_times.len();
    let lines = match run.stderr_lines {
        0 => lines.to_string(),
        errors => format!("{lines} ({errors} err)"),
    };
    vec![
        styles.worker(run.worker, &sanitize(&run.display_label(), " ")),
        sanitize(&run.name, " "),
        pid,
        run.ppid
            .map_or(UNKNOWN.to_string(), |ppid| ppid.to_string()),
        status,
        run.exit
            .as_ref()
            .map_or(UNKNOWN.to_string(), |exit| format_us(exit.cpu_us)),
        match &run.exit {
            _ if thread => String::new(),
            Some(exit) => format_kib(exit.max_rss_kb),
            None => UNKNOWN.to_string(),
        },
        lines,
        lifetime,
    ]
}

/// A memory size given in KiB, as `850 KiB`, `3.9 MiB`, `120 MiB`,
/// `1.5 GiB`; zero means the system did not say.
fn format_kib(kib: u64) -> String {
    const UNITS: [&str; 3] = ["MiB", "GiB", "TiB"];
    if kib == 0 {
        return UNKNOWN.to_string();
    }
    if kib < 1024 {
        return format!("{kib} KiB");
    }
    // Tenths of the unit, so 3.95 MiB rounds as a person would.
    let mut tenths = (u128::from(kib) * 10 + 512) / 1024;
    let mut unit = 0;
    while tenths >= 10_240 && unit + 1 < UNITS.len() {
        tenths = (tenths + 512) / 1024;
        unit += 1;
    }
    if tenths < 1_000 {
        format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
    } else {
        format!("{} {}", (tenths + 5) / 10, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_events::{exited, sample_events, started};

    #[test]
    fn memory_sizes_read_as_people_write_them() {
        let cases = [
            (0, "—"),
            (850, "850 KiB"),
            (1024, "1.0 MiB"),
            (3_994, "3.9 MiB"),
            (122_880, "120 MiB"),
            (1_572_864, "1.5 GiB"),
        ];
        for (kib, shown) in cases {
            assert_eq!(format_kib(kib), shown, "{kib}");
        }
    }

    #[test]
    fn a_row_per_worker_with_status_and_numbers() {
        let shown = render_worker_summary(&sample_events(), &RenderOptions::plain(120));
        for expected in [
            "Process-1",
            "exit 0",
            "exit 3",
            "SIGSEGV",
            "4245 (tid)",
            "2 (1 err)",
            "4.8ms",
        ] {
            assert!(shown.contains(expected), "{expected}: {shown}");
        }
        assert!(!shown.contains('\x1b'));
    }

    #[test]
    fn a_worker_still_running_has_no_exit_figures() {
        let shown = render_worker_summary(&[started(0, "P1", 9, 0)], &RenderOptions::plain(100));
        assert!(shown.contains("running"), "{shown}");
        assert!(shown.contains(UNKNOWN), "{shown}");
    }

    #[test]
    fn a_thread_row_says_finished_and_has_no_memory_of_its_own() {
        use crate::render::test_events::started_thread;
        let events = [
            started(0, "P1", 4242, 0),
            exited(0, 4242, 0, 10),
            started_thread(1, "T1", 4245, 0),
            exited(1, 4245, 0, 10),
        ];
        let shown = render_worker_summary(&events, &RenderOptions::plain(160));
        let thread_row = shown
            .lines()
            .find(|line| line.contains("Thread-1"))
            .unwrap_or_else(|| panic!("no thread row: {shown}"));
        assert!(thread_row.contains("finished"), "{thread_row}");
        assert!(!thread_row.contains("exit"), "{thread_row}");
        assert!(!thread_row.contains("KiB"), "{thread_row}");
        assert!(
            shown.contains("max RSS"),
            "the process keeps its memory: {shown}"
        );
    }

    #[test]
    fn a_table_of_threads_has_no_memory_column() {
        use crate::render::test_events::started_thread;
        let events = [
            started_thread(0, "T1", 4245, 0),
            exited(0, 4245, 0, 10),
            started_thread(1, "T2", 4246, 0),
            exited(1, 4246, 101, 10),
        ];
        let shown = render_worker_summary(&events, &RenderOptions::plain(160));
        assert!(!shown.contains("max RSS"), "{shown}");
        assert!(!shown.contains("left out"), "{shown}");
        assert!(
            shown.contains("finished") && shown.contains("panicked"),
            "{shown}"
        );
    }

    #[test]
    fn rows_are_capped() {
        let events: Vec<Event> = (0..100)
            .flat_map(|worker| {
                let pid = 5_000 + worker as i32;
                [started(worker, "P", pid, 0), exited(worker, pid, 0, 1)]
            })
            .collect();
        let shown = render_worker_summary(&events, &RenderOptions::plain(100));
        assert!(shown.contains("… 36 more"), "{shown}");
        assert!(shown.contains("5063") && !shown.contains("5064"), "{shown}");
    }

    #[test]
    fn narrow_terminals_lose_whole_columns_not_words() {
        let shown = render_worker_summary(&sample_events(), &RenderOptions::plain(80));
        for word in ["SIGSEGV", "status", "parent"] {
            assert!(shown.contains(word), "{word}: {shown}");
        }
        assert!(!shown.contains("Process-1"), "{shown}");
        assert!(
            shown.ends_with("left out to fit the terminal: name, lines"),
            "{shown}"
        );
        let wide = render_worker_summary(&sample_events(), &RenderOptions::plain(160));
        assert!(!wide.contains("left out"), "{wide}");
    }

    #[test]
    fn every_line_fits_the_width() {
        for columns in [40, 80, 100, 160] {
            for color in [false, true] {
                let opts = RenderOptions {
                    width: columns,
                    measure: crate::render::DEFAULT_MEASURE,
                    color,
                    show_notes: false,
                    theme: Default::default(),
                };
                let shown = render_worker_summary(&sample_events(), &opts);
                assert!(shown.lines().all(|line| width(line) <= columns), "{shown}");
                assert_eq!(shown.contains('\x1b'), color);
            }
        }
    }
}
