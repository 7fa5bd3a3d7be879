//! The cells of an X-ray lane: what a process or thread was doing in
//! each slice of the time axis, from its CPU samples, its exit and its
//! zombie time; and the cells as styled text.

use super::style::Styles;
use super::timeline::column;
use crate::xray::model::{CpuSeries, ProcessExit, XrayProcess};

/// Below this share of a core a slice counts as idle: an interpreter
/// waiting in `join()` still wakes now and then.
pub(super) const IDLE_SHARE: f64 = 0.01;

/// What one cell of a lane shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cell {
    /// Not started yet, or gone (reaped).
    Absent,
    /// Alive, with no CPU samples to say how busy.
    Unsampled,
    /// Alive, using this share of one core (1.0: a whole core).
    Cpu(f64),
    /// Exited but not yet reaped.
    Zombie,
    Ended,
    Failed,
}

impl Cell {
    pub(super) fn glyph(self) -> char {
        match self {
            Cell::Absent => ' ',
            Cell::Unsampled => '─',
            Cell::Cpu(share) if share < IDLE_SHARE => '·',
            Cell::Cpu(share) if share < 0.25 => '░',
            Cell::Cpu(share) if share < 0.5 => '▒',
            Cell::Cpu(share) if share < 0.75 => '▓',
            Cell::Cpu(_) => '█',
            Cell::Zombie => 'z',
            Cell::Ended => '✓',
            Cell::Failed => '✗',
        }
    }

    /// Cells painted alike are painted with one escape.
    fn paint_kind(self) -> u8 {
        match self {
            Cell::Absent => 0,
            Cell::Unsampled | Cell::Cpu(_) => 1,
            Cell::Zombie => 2,
            Cell::Ended => 3,
            Cell::Failed => 4,
        }
    }
}

/// When a process stopped being a zombie: its reaping, or the end of its
/// zombie time when nothing reaped it.
pub(super) fn zombie_end(process: &XrayProcess) -> Option<u64> {
    let end = process.end_us?;
    process
        .reaped_us
        .or_else(|| process.zombie_us.map(|zombie| end.saturating_add(zombie)))
}

/// The times column `at` stands for: `[from, to)`, those `column` maps
/// to it (it rounds `t × last ÷ end` to the nearest column).
fn slice(at: usize, end: u64, width: usize) -> (u64, u64) {
    let last = width.saturating_sub(1) as u128;
    if last == 0 || end == 0 {
        return (0, end);
    }
    let end128 = u128::from(end);
    // The first time that rounds to column `c`.
    let first = |c: u128| {
        let t = (c * end128).saturating_sub(end128 / 2).div_ceil(last);
        u64::try_from(t.min(end128)).unwrap_or(end)
    };
    let at = at as u128;
    let from = if at == 0 { 0 } else { first(at) };
    let to = if at >= last { end } else { first(at + 1) };
    (from, to)
}

/// Cells for something alive from `start` to `until`, each showing the
/// CPU share `series` (summed) give that slice.
pub(super) fn alive_cells(
    start: u64,
    until: u64,
    series: &[&CpuSeries],
    end: u64,
    width: usize,
) -> Vec<Cell> {
    let until = until.max(start);
    let first = column(start, end, width);
    let last = column(until, end, width);
    (0..width)
        .map(|at| {
            if at < first || at > last {
                return Cell::Absent;
            }
            if series.iter().all(|series| series.points.is_empty()) {
                return Cell::Unsampled;
            }
            let (from, to) = slice(at, end, width);
            let (from, to) = (from.max(start), to.min(until));
            if to <= from {
                // An instant: as busy as its neighbourhood is unknown.
                return Cell::Cpu(0.0);
            }
            let used: u64 = series
                .iter()
                .map(|series| cpu_at(series, to).saturating_sub(cpu_at(series, from)))
                .sum();
            Cell::Cpu(used as f64 / (to - from) as f64)
        })
        .collect()
}

/// A series' cumulative CPU time at `t`, read off a straight line between
/// the samples either side (flat before the first and after the last).
fn cpu_at(series: &CpuSeries, t: u64) -> u64 {
    let after = series.points.partition_point(|&(at, _)| at <= t);
    match (
        after.checked_sub(1).and_then(|i| series.points.get(i)),
        series.points.get(after),
    ) {
        (None, Some(&(_, cpu))) => cpu,
        (Some(&(_, cpu)), None) => cpu,
        (Some(&(t0, c0)), Some(&(t1, c1))) if t1 > t0 => {
            let part = u128::from(c1.saturating_sub(c0)) * u128::from(t - t0) / u128::from(t1 - t0);
            c0 + u64::try_from(part).unwrap_or(0)
        }
        (Some(&(_, cpu)), Some(_)) => cpu,
        (None, None) => 0,
    }
}

/// The exit mark and the zombie stretch after it.
pub(super) fn mark_end(cells: &mut [Cell], process: &XrayProcess, end: u64, width: usize) {
    let failed =
        !matches!(process.exit, Some(ProcessExit::Code(0)) | None) || process.killed_at_end;
    let mark = if failed { Cell::Failed } else { Cell::Ended };
    let Some(exited) = process.end_us else {
        if process.killed_at_end
            && let Some(last) = cells.last_mut()
        {
            *last = Cell::Failed;
        }
        return;
    };
    let at = column(exited, end, width);
    if let Some(zombie_until) = zombie_end(process).filter(|&until| until > exited) {
        let to = column(zombie_until, end, width);
        for cell in cells.iter_mut().take(to + 1).skip(at + 1) {
            *cell = Cell::Zombie;
        }
    }
    if let Some(cell) = cells.get_mut(at) {
        *cell = mark;
    }
}

/// The cells as text, one escape per run of cells painted alike.
pub(super) fn paint_cells(cells: &[Cell], color: usize, styles: &Styles) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < cells.len() {
        let kind = cells[start];
        let len = cells[start..]
            .iter()
            .take_while(|cell| cell.paint_kind() == kind.paint_kind())
            .count();
        let text: String = cells[start..start + len]
            .iter()
            .map(|cell| cell.glyph())
            .collect();
        out.push_str(&match kind {
            Cell::Absent => text,
            Cell::Unsampled | Cell::Cpu(_) => styles.worker(color, &text),
            Cell::Zombie => styles.warning(&text),
            Cell::Ended => styles.ok(&text),
            Cell::Failed => styles.error(&text),
        });
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(u64, u64)]) -> CpuSeries {
        CpuSeries {
            pid: 1,
            tid: 1,
            points: points.to_vec(),
        }
    }

    #[test]
    fn cpu_between_samples_is_read_off_a_straight_line() {
        let cpu = series(&[(100, 0), (200, 100)]);
        assert_eq!(cpu_at(&cpu, 50), 0);
        assert_eq!(cpu_at(&cpu, 150), 50);
        assert_eq!(cpu_at(&cpu, 900), 100);
        assert_eq!(cpu_at(&series(&[]), 10), 0);
    }

    #[test]
    fn the_slices_of_the_columns_cover_the_axis_once() {
        for width in [2, 3, 7, 40] {
            let mut previous_end = 0;
            for at in 0..width {
                let (from, to) = slice(at, 1_000, width);
                assert_eq!(from, previous_end, "{width}: column {at}");
                assert!(column(from, 1_000, width) == at || from == to);
                previous_end = to;
            }
            assert_eq!(previous_end, 1_000);
        }
    }

    #[test]
    fn a_busy_slice_is_full_and_an_idle_one_a_dot() {
        let busy = series(&[(0, 0), (1_000, 1_000)]);
        let idle = series(&[(0, 0), (1_000, 0)]);
        let cells = alive_cells(0, 1_000, &[&busy], 1_000, 10);
        assert!(cells.iter().all(|cell| cell.glyph() == '█'), "{cells:?}");
        let cells = alive_cells(0, 1_000, &[&idle], 1_000, 10);
        assert!(cells.iter().all(|cell| cell.glyph() == '·'), "{cells:?}");
    }
}
