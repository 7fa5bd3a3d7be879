//! CPU row (and the GIL, Best for and Performance rows of the table): the
//! same prime count on 1 and on N workers, as processes, as threads, and
//! as threads under a simulated GIL; then, when `python3` is on PATH, the
//! real thing (see `python`).
//!
//! Every speed-up is judged by `findings::speed::judge_speedup`, with what
//! shows whether the cores were there: the CPU time the workers got over
//! their wall time, the same for the one-worker baseline (a core slowed by
//! its neighbours counting as less, see [`baseline_cores`]), and what other
//! programs used meanwhile (`engine::LoadMeter`). Claims that something is
//! *not* faster ("threads under a GIL do not speed up") ask the same judge
//! whether it was at least [`NO_GAIN_BELOW`] as fast and turn its answer
//! over: a busy machine or a disturbed baseline still couldn't tell. Threads
//! under a GIL get one core's worth of CPU by design, so for them the
//! machine is busy only when other programs were seen using the cores (see
//! [`no_gain`]).
//!
//! Python's threads and processes are two claims of their own, judged the
//! same way from what the Python program measured of its own CPU time;
//! "like the simulation" is said only when both hold.

mod findings;
mod run;

use serde::{Deserialize, Serialize};

pub(super) use run::run;

use super::python::PythonRun;
use super::{Aspect, Cell, Judged, ratio};
use crate::engine::Load;
use crate::findings::speed::{DISTURBED_BASELINE, SpeedRun, judge_speedup};
use crate::findings::{Finding, Unclear, Verdict, words};

/// Processes (and threads without a GIL) speed up when they are at least
/// this much faster than one worker.
pub const SPEEDUP_AT_LEAST: f64 = 1.5;
/// Threads under a GIL do not speed up when they are less than this much
/// faster. Above `1 / DISTURBED_BASELINE` (1.25): a baseline the judge
/// still counts as undisturbed may have had 0.8 of a core, which alone
/// makes threads that took turns look 1.25× as fast; only a speed-up beyond
/// that says they did not take turns.
pub const NO_GAIN_BELOW: f64 = 1.3;
const _: () = assert!(NO_GAIN_BELOW * DISTURBED_BASELINE > 1.0);

/// What the CPU experiment measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuResult {
    pub cores: usize,
    /// Workers of each parallel run.
    pub workers: usize,
    /// The primes below this were counted.
    pub limit: u64,
    /// Times each count ran; the fastest run of each counts.
    pub rounds: usize,
    /// What one worker counted.
    pub primes: Option<u64>,
    /// Every split counted the same as one worker.
    pub counts_agree: bool,
    pub processes: Split,
    pub threads: Split,
    /// Threads that must hold one lock to compute.
    pub gil_threads: Split,
    pub python: PythonOutcome,
}

/// One worker against several on the same count, the fastest round of
/// each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub one: Timed,
    pub many: Timed,
}

/// One timed count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timed {
    pub wall_us: u64,
    /// CPU time of all its workers together.
    pub cpu_us: u64,
    /// CPU time of its busiest worker.
    pub busiest_us: u64,
    /// What the machine did meanwhile.
    pub load: Load,
}

/// Real Python's run, or why there was none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "ran", rename_all = "snake_case")]
pub enum PythonOutcome {
    Measured(PythonRun),
    Missing { why: String },
}

impl Timed {
    /// Cores' worth of CPU its workers had.
    pub fn cores(&self) -> f64 {
        ratio(self.cpu_us as f64, self.wall_us as f64)
    }
}

impl Split {
    pub fn speedup(&self) -> f64 {
        ratio(self.one.wall_us as f64, self.many.wall_us as f64)
    }

    /// The split as the speed judge reads it.
    fn speed_run(&self, cores: usize, workers: usize) -> SpeedRun {
        SpeedRun {
            workers,
            cores,
            speedup: words::as_shown(self.speedup()),
            parallel_cores: Some(self.many.cores()),
            baseline_cores: Some(baseline_cores(
                self.one.cpu_us,
                self.many.cpu_us,
                self.one.wall_us,
            )),
            others_cores: self.many.load.others_cores(),
            per_worker_us: Some(self.many.busiest_us),
            // The same count, split and whole.
            parallel_work_cpu: (self.one.cpu_us > 0)
                .then(|| self.many.cpu_us as f64 / self.one.cpu_us as f64),
        }
    }
}

/// Cores' worth of CPU a one-worker baseline had: its CPU time over its
/// wall time, where the CPU time counts only what the work needed. When the
/// same work took less CPU in the parallel run (`work_cpu_us`), the
/// baseline's core was slowed (a busy neighbour on the same physical core,
/// a lower clock) and it had less than its CPU time says; that is what
/// tells a disturbed baseline that still had a core to itself.
pub fn baseline_cores(baseline_cpu_us: u64, work_cpu_us: u64, baseline_wall_us: u64) -> f64 {
    ratio(
        baseline_cpu_us.min(work_cpu_us) as f64,
        baseline_wall_us as f64,
    )
}

/// The claim "no faster than one" of threads under a GIL: the judge asked
/// whether they were at least [`NO_GAIN_BELOW`] as fast, its answer turned
/// over. The GIL holds them to one core by design, so the CPU they got says
/// nothing of the machine: the judge reads the run without it, and only
/// other programs seen using the cores make the machine busy; a busy
/// verdict then gives the CPU they did get, `cores_got`.
pub fn no_gain(run: &SpeedRun, cores_got: f64) -> Verdict {
    let without_cpu = SpeedRun {
        parallel_cores: None,
        ..*run
    };
    match judge_speedup(&without_cpu, NO_GAIN_BELOW) {
        Verdict::Holds => Verdict::Contradicted,
        Verdict::Contradicted => Verdict::Holds,
        Verdict::CouldntTell(Unclear::MachineBusy { needed, others, .. }) => {
            Verdict::CouldntTell(Unclear::MachineBusy {
                got: Some(cores_got),
                needed,
                others,
            })
        }
        unclear => unclear,
    }
}

impl CpuResult {
    pub fn processes_run(&self) -> SpeedRun {
        self.processes.speed_run(self.cores, self.workers)
    }

    pub fn threads_run(&self) -> SpeedRun {
        self.threads.speed_run(self.cores, self.workers)
    }

    pub fn gil_run(&self) -> SpeedRun {
        self.gil_threads.speed_run(self.cores, self.workers)
    }

    pub fn processes_verdict(&self) -> Verdict {
        judge_speedup(&self.processes_run(), SPEEDUP_AT_LEAST)
    }

    pub fn threads_verdict(&self) -> Verdict {
        judge_speedup(&self.threads_run(), SPEEDUP_AT_LEAST)
    }

    pub fn gil_verdict(&self) -> Verdict {
        no_gain(&self.gil_run(), self.gil_threads.many.cores())
    }

    pub fn counts_verdict(&self) -> Verdict {
        Verdict::of(self.counts_agree)
    }

    fn python(&self) -> Option<&PythonRun> {
        match &self.python {
            PythonOutcome::Measured(run) => Some(run),
            PythonOutcome::Missing { .. } => None,
        }
    }

    /// Python's processes claim and its threads claim, when it ran.
    pub fn python_verdicts(&self) -> Option<(Verdict, Verdict)> {
        self.python().map(|run| {
            (
                run.processes_verdict(self.cores),
                run.threads_verdict(self.cores),
            )
        })
    }

    /// "Like the simulation" (or, free-threaded, like mptutor's native
    /// threads): only when both of Python's claims hold.
    pub fn python_agrees(&self) -> bool {
        self.python_verdicts()
            .is_some_and(|(processes, threads)| processes.holds() && threads.holds())
    }

    /// `1.9× vs 1.0× under a GIL (1.9× without)`, judged by every claim
    /// about the simulation.
    fn simulation(&self, figures: String) -> Cell {
        Cell::judged(
            figures,
            Verdict::all([
                self.processes_verdict(),
                self.gil_verdict(),
                self.threads_verdict(),
                self.counts_verdict(),
            ]),
        )
    }

    fn python_cell(&self, prefix: &str) -> Cell {
        match (self.python(), self.python_verdicts()) {
            (Some(run), Some((processes, threads))) => Cell::judged(
                format!(
                    "{prefix} {} vs {}",
                    words::times(run.processes_speedup()),
                    words::times(run.threads_speedup())
                ),
                Verdict::all([processes, threads]),
            ),
            _ => Cell::fact("no python3 here"),
        }
    }

    fn times(&self) -> [String; 3] {
        [&self.processes, &self.gil_threads, &self.threads]
            .map(|split| words::times(split.speedup()))
    }
}

impl Judged for CpuResult {
    fn findings(&self) -> Vec<Finding> {
        findings::findings(self)
    }

    fn cell(&self) -> Cell {
        let [processes, gil, threads] = self.times();
        let version = self
            .python()
            .map_or_else(String::new, |run| run.info.version.clone());
        Cell::join([
            self.simulation(format!(
                "{processes} vs {gil} under a GIL ({threads} without)"
            )),
            self.python_cell(&format!("Python {version}:")),
        ])
    }

    fn aspect_cell(&self, aspect: Aspect) -> Cell {
        let [processes, gil, threads] = self.times();
        match aspect {
            Aspect::Gil => Cell::join([
                self.simulation(format!(
                    "simulated GIL {processes} vs {gil} (no GIL {threads})"
                )),
                self.python_cell("Python"),
            ]),
            _ => Cell::judged(
                format!("CPU {processes} vs {gil} (GIL)"),
                Verdict::all([
                    self.processes_verdict(),
                    self.gil_verdict(),
                    self.counts_verdict(),
                ]),
            ),
        }
    }
}

#[cfg(test)]
pub(super) mod tests;
