//! What a run found: each operation's figures, the target it had to meet,
//! and whether it did.

use super::{Op, Stats};

/// A goal for one operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// mptutor's median at most this many times the floor's.
    WithinFloor(f64),
    /// Python's median at least this many times mptutor's.
    FasterThanPython(f64),
    /// Speed-up on all cores divided by the number of cores, at least this.
    Efficiency(f64),
    /// mptutor's median below this many microseconds.
    MedianBelowUs(f64),
}

/// Figures only some operations have.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Extra {
    /// Cores used by the CPU-bound operation.
    pub cores: Option<usize>,
    /// Speed-up on all cores ÷ cores: mptutor, floor, Python.
    pub efficiency: Option<[Option<f64>; 3]>,
    /// Peak resident memory in KiB at the ready prompt: mptutor, floor,
    /// Python.
    pub peak_rss_kb: Option<[Option<u64>; 3]>,
}

/// One operation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub op: Op,
    pub mptutor: Stats,
    pub floor: Stats,
    pub python: Option<Stats>,
    /// Where mptutor and the floor took turns: the median, over rounds, of
    /// mptutor's time ÷ the floor's in the same round. Each pair ran back
    /// to back, so a machine that speeds up or slows down during the run
    /// (a neighbour's load) cancels out, where a ratio of two medians can
    /// land on either side of a swing.
    pub paired_ratio: Option<f64>,
    /// Measured iterations (for latency: lines).
    pub runs: usize,
    pub extra: Extra,
    /// How it was measured, where the label cannot say.
    pub notes: Vec<String>,
}

impl Measured {
    /// mptutor ÷ the floor: the paired ratio where the two took turns,
    /// else the ratio of the medians.
    pub fn ratio_floor(&self) -> f64 {
        self.paired_ratio
            .unwrap_or(self.mptutor.median_us / self.floor.median_us)
    }

    /// mptutor's median ÷ Python's: below 1 when mptutor is faster.
    pub fn ratio_python(&self) -> Option<f64> {
        self.python
            .map(|python| self.mptutor.median_us / python.median_us)
    }

    /// Whether the target is met; `None` without a target or without the
    /// figure it needs (no Python).
    pub fn met(&self) -> Option<bool> {
        match self.op.target()? {
            Target::WithinFloor(most) => Some(self.ratio_floor() <= most),
            Target::FasterThanPython(times) => self.ratio_python().map(|r| r * times <= 1.0),
            Target::Efficiency(least) => self
                .extra
                .efficiency
                .and_then(|[mptutor, ..]| mptutor)
                .map(|efficiency| efficiency >= least),
            Target::MedianBelowUs(most) => Some(self.mptutor.median_us < most),
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRun {
    pub quick: bool,
    pub cores: usize,
    /// Python's version, or why there are no Python figures.
    pub python: Result<String, String>,
    pub operations: Vec<Measured>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_a_ratio_or_a_bound_checked_the_right_way() {
        let stats = |median_us| Stats {
            median_us,
            p99_us: median_us,
            samples: 1,
        };
        let mut measured = Measured {
            op: Op::PoolLifecycle,
            mptutor: stats(10.0),
            floor: stats(8.0),
            python: Some(stats(100.0)),
            paired_ratio: None,
            runs: 1,
            extra: Extra::default(),
            notes: Vec::new(),
        };
        assert_eq!(measured.met(), Some(true));
        measured.python = Some(stats(99.0));
        assert_eq!(measured.met(), Some(false));
        measured.python = None;
        assert_eq!(measured.met(), None);
        measured.op = Op::ProcessFork;
        assert_eq!(measured.met(), Some(true));
        measured.floor = stats(7.0);
        assert_eq!(measured.met(), Some(false));
        // The paired ratio, where there is one, decides.
        measured.paired_ratio = Some(1.2);
        assert_eq!(measured.met(), Some(true));
    }
}
