//! What a run found: each operation's figures and the target it had to
//! meet; `verdict` judges them.

use serde::{Deserialize, Serialize};

use super::{Op, Stats, verdict::Operation};
use crate::engine::Load;
use crate::findings::SpeedRun;

/// A goal for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// One figure for each side of the comparison, where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Sides<T> {
    pub mptutor: Option<T>,
    pub floor: Option<T>,
    pub python: Option<T>,
}

/// What the machine gave the CPU-bound runs, measured while they ran: an
/// efficiency below the target says something about mptutor only if the
/// workers had the cores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CpuLoad {
    /// The machine during the one-process runs, mptutor's and the floor's.
    pub one_process: Load,
    /// The machine during the all-cores runs, mptutor's and the floor's.
    pub all_cores: Load,
    /// mptutor's speed-up on all cores with the CPU its workers got, as
    /// the efficiency target is judged.
    pub speed: SpeedRun,
}

/// Figures only some operations have.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Extra {
    /// Cores used by the CPU-bound operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<usize>,
    /// Speed-up on all cores ÷ cores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub efficiency: Option<Sides<f64>>,
    /// The load during the CPU-bound runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_load: Option<CpuLoad>,
    /// Peak resident memory in KiB at the ready prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kb: Option<Sides<u64>>,
}

/// One operation's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(flatten)]
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
}

/// Whether Python was measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PythonSide {
    /// Its version, as `python3` printed it.
    Version(String),
    /// Why there are no Python figures.
    Missing(String),
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRun {
    pub quick: bool,
    pub cores: usize,
    /// When the run ended, in seconds since 1970.
    pub unix_time: u64,
    pub python: PythonSide,
    pub operations: Vec<Operation>,
    /// Operations asked for but not measured, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
}

/// An operation that could not be measured on this machine (the X-ray's,
/// without a `python3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub op: Op,
    pub why: String,
}
