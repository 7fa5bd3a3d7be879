//! What `cpu-speedup` measured, as data: what `--json` prints, what the
//! findings are made from, and what the live notes quote while it runs.
//!
//! Every figure a finding or a table cell shows is derived here, once
//! ([`speedup`], [`PrimeRun::cores_used`], [`CpuSpeedupResult::speed_run`]),
//! so a note, a cell and a sentence about the same run cannot disagree.

use serde::{Deserialize, Serialize};

use crate::engine::{ExitStatus, Load, StartMethod};
use crate::findings::{SpeedRun, words};

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpuSpeedupResult {
    /// The primes counted are those below this.
    pub limit: u64,
    /// Cores mptutor may use.
    pub cores: usize,
    pub start: StartMethod,
    /// mptutor's own loop: the count every run must match, and its time.
    /// `None` when the timeout came first.
    pub own_loop: Option<OwnLoop>,
    /// One run per number of processes tried, in the order they ran; the
    /// first, with one process, is the baseline.
    pub runs: Vec<PrimeRun>,
    /// The number of processes of the run the timeout stopped (0: mptutor's
    /// own loop); that run is not in `runs`.
    pub stopped_at: Option<usize>,
}

/// mptutor counting in a plain loop, with no new process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnLoop {
    pub primes: u64,
    pub wall_us: u64,
    /// The machine while it counted.
    pub load: Load,
}

/// The count split over `workers.len()` processes, timed from the first
/// start to the last reaping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimeRun {
    pub wall_us: u64,
    pub workers: Vec<PrimeWorker>,
    /// The machine while it ran: what other programs took meanwhile.
    pub load: Load,
}

/// One worker process of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimeWorker {
    /// `P3`, as the live view named it.
    pub label: String,
    pub pid: i32,
    /// It tested the numbers `first..end`.
    pub first: u64,
    pub end: u64,
    /// The count it printed; `None` when it printed none.
    pub primes: Option<u64>,
    /// How it ended; `None` if no exit was seen.
    pub status: Option<ExitStatus>,
    /// CPU time the kernel counted for it when it was reaped.
    pub cpu_us: u64,
}

/// How many times as fast a run of `run_us` is as one of `baseline_us`.
pub fn speedup(baseline_us: u64, run_us: u64) -> f64 {
    baseline_us as f64 / run_us.max(1) as f64
}

/// The speed-up a run of `processes` on free cores should at least reach:
/// a quiet machine gives about one core per process, so 60% of that, and
/// never less than 1.2× (two processes whose gain is lost in noise do not
/// show the claim).
pub fn expected_speedup(processes: usize) -> f64 {
    (0.6 * processes as f64).max(1.2)
}

impl PrimeRun {
    pub fn processes(&self) -> usize {
        self.workers.len()
    }

    /// The workers' counts added up; `None` when one printed no count.
    pub fn primes(&self) -> Option<u64> {
        self.workers.iter().map(|worker| worker.primes).sum()
    }

    pub fn cpu_us(&self) -> u64 {
        self.workers.iter().map(|worker| worker.cpu_us).sum()
    }

    /// The CPU time of the busiest worker.
    pub fn max_worker_cpu_us(&self) -> u64 {
        self.workers
            .iter()
            .map(|worker| worker.cpu_us)
            .max()
            .unwrap_or(0)
    }

    /// Cores' worth of CPU the workers got: their CPU time over the wall
    /// time.
    pub fn cores_used(&self) -> f64 {
        self.cpu_us() as f64 / self.wall_us.max(1) as f64
    }
}

impl CpuSpeedupResult {
    /// The count every run must match: mptutor's own.
    pub fn expected(&self) -> Option<u64> {
        self.own_loop.as_ref().map(|own| own.primes)
    }

    /// Whether `run` counted what mptutor's own loop counted.
    pub fn correct(&self, run: &PrimeRun) -> bool {
        run.primes().is_some() && run.primes() == self.expected()
    }

    /// The one-process run every speed-up is measured against, when it
    /// ran and counted right.
    pub fn baseline(&self) -> Option<&PrimeRun> {
        self.runs
            .first()
            .filter(|run| run.processes() == 1 && self.correct(run))
    }

    /// `run`'s speed-up over the baseline.
    pub fn speedup(&self, run: &PrimeRun) -> Option<f64> {
        self.baseline()
            .map(|baseline| speedup(baseline.wall_us, run.wall_us))
    }

    /// Everything the speed judge needs about `run`: its speed-up, the CPU
    /// its workers and the baseline got, what other programs used, and
    /// the work each worker had. `None` when there is no baseline to
    /// compare with or `run` counted wrong (its times mean nothing).
    pub fn speed_run(&self, run: &PrimeRun) -> Option<SpeedRun> {
        let baseline = self.baseline()?;
        if !self.correct(run) {
            return None;
        }
        Some(SpeedRun {
            workers: run.processes(),
            cores: self.cores,
            // Judged as the table shows it.
            speedup: words::as_shown(speedup(baseline.wall_us, run.wall_us)),
            parallel_cores: Some(run.cores_used()),
            baseline_cores: Some(baseline.cores_used()),
            others_cores: run.load.others_cores_measured(),
            per_worker_us: Some(run.max_worker_cpu_us()),
            // The same count, split and whole.
            parallel_work_cpu: (baseline.cpu_us() > 0)
                .then(|| run.cpu_us() as f64 / baseline.cpu_us() as f64),
        })
    }

    /// The runs the claim "while there are free cores, adding processes
    /// cuts the time" is about: 2 processes up to one per core.
    pub fn fitting(&self) -> impl Iterator<Item = &PrimeRun> {
        self.runs
            .iter()
            .filter(|run| (2..=self.cores).contains(&run.processes()))
    }

    /// The largest correct run that fits the cores (the baseline on one
    /// core), against which going past the cores is judged.
    pub fn at_cores(&self) -> Option<&PrimeRun> {
        self.runs
            .iter()
            .filter(|run| run.processes() <= self.cores.max(1) && self.correct(run))
            .max_by_key(|run| run.processes())
    }

    /// The runs with more processes than cores.
    pub fn past_cores(&self) -> impl Iterator<Item = &PrimeRun> {
        self.runs
            .iter()
            .filter(|run| run.processes() > self.cores.max(1))
    }
}
