//! Judging a speed-up, the claim a busy machine most often fakes.
//!
//! "Four processes finish sooner than one" is about the cores. On a
//! laptop that is compiling something, or a 2-core virtual machine shared
//! with others, the workers may not get the cores, and then a poor
//! speed-up says nothing about the lesson's claim. So a speed-up is judged
//! only together with what shows whether the cores were there: how much
//! CPU the parallel workers really got (their CPU time over their wall
//! time), how much the one-worker baseline got, and how much other
//! programs used meanwhile (the machine's counters, see `engine::load`).
//! A run the machine could not show is "couldn't tell", with those
//! figures, never a false ✗; a speed-up above the number of cores means the
//! baseline was slowed down, and is never a false ✓.

use serde::{Deserialize, Serialize};

use super::{Unclear, Verdict};

/// A baseline that had less than this of a core was slowed down.
pub const DISTURBED_BASELINE: f64 = 0.8;
/// A speed-up this much above the ideal means the baseline was slowed.
pub const ABOVE_IDEAL: f64 = 1.15;
/// Parallel workers that got less than this share of the cores they
/// could use were kept from them.
pub const BUSY_SHARE: f64 = 0.75;
/// Other programs using this many cores make the machine busy…
pub const OTHERS_BUSY: f64 = 0.5;
/// …and this many, when the workers also came up short.
pub const OTHERS_SOME: f64 = 0.2;
/// The parallel run needing this much more CPU time than the baseline for
/// the same work means the cores ran slower together.
pub const SLOWER_TOGETHER: f64 = 1.25;
/// CPU time per worker below which starting and reaping it (about a
/// millisecond by fork, a few by spawn) is a large part of its cost.
pub const SMALL_WORK_US: u64 = 20_000;

/// One worker against several, on the same work.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SpeedRun {
    /// Workers of the parallel run.
    pub workers: usize,
    /// Cores the machine offered.
    pub cores: usize,
    /// The one-worker wall time ÷ the parallel wall time.
    pub speedup: f64,
    /// Cores' worth of CPU the parallel workers got: their CPU time ÷ the
    /// parallel wall time.
    pub parallel_cores: Option<f64>,
    /// The same for the one-worker run: about 1 when nothing disturbed it.
    pub baseline_cores: Option<f64>,
    /// Cores' worth of CPU other programs used while it ran.
    pub others_cores: Option<f64>,
    /// CPU time of the busiest parallel worker.
    pub per_worker_us: Option<u64>,
    /// The parallel run's CPU time over the baseline's, for the same work:
    /// about 1 when every core computes as fast as one alone.
    #[serde(default)]
    pub parallel_work_cpu: Option<f64>,
}

impl SpeedRun {
    /// The most this split could gain: one core per worker, at most.
    pub fn ideal(&self) -> f64 {
        self.workers.min(self.cores).max(1) as f64
    }

    /// Whether the parallel workers were kept from the cores, by what was
    /// measured: other programs busy, or the workers short of CPU with
    /// some sign of others (or no way to look at the others).
    pub fn busy(&self) -> bool {
        let short = self
            .parallel_cores
            .is_some_and(|got| got < BUSY_SHARE * self.ideal());
        match self.others_cores {
            Some(others) => others >= OTHERS_BUSY || (short && others >= OTHERS_SOME),
            None => short,
        }
    }

    /// Whether the baseline was slowed: it had too little of a core, or
    /// the speed-up beats one core per worker.
    pub fn baseline_disturbed(&self) -> bool {
        self.speedup > self.ideal() * ABOVE_IDEAL
            || self
                .baseline_cores
                .is_some_and(|baseline| baseline < DISTURBED_BASELINE)
    }

    /// Whether the cores computed slower with every worker busy: the same
    /// work took much more CPU time split than whole. Two hyper-threads of
    /// one physical core do this, and so does a host that shares its cores
    /// with other guests, which the machine's own counters cannot see.
    pub fn slower_together(&self) -> bool {
        self.parallel_work_cpu
            .is_some_and(|ratio| ratio > SLOWER_TOGETHER)
    }

    fn unclear_busy(&self) -> Unclear {
        Unclear::MachineBusy {
            got: self.parallel_cores,
            needed: self.ideal(),
            others: self.others_cores,
        }
    }
}

/// Whether `run` shows the claim "the split is at least `at_least` times
/// as fast". See the module docs for the order of the tests.
pub fn judge_speedup(run: &SpeedRun, at_least: f64) -> Verdict {
    if run.cores < 2 {
        return Verdict::CouldntTell(Unclear::OneCore);
    }
    if run.baseline_disturbed() && (run.speedup >= at_least || !run.speedup.is_finite()) {
        return Verdict::CouldntTell(Unclear::BaselineDisturbed {
            baseline: run
                .baseline_cores
                .unwrap_or(run.ideal() / run.speedup.max(1e-9)),
            speedup: run.speedup,
            cores: run.cores,
        });
    }
    if run.speedup >= at_least {
        return Verdict::Holds;
    }
    if let Some(per_worker_us) = run.per_worker_us.filter(|us| *us < SMALL_WORK_US) {
        return Verdict::CouldntTell(Unclear::TooLittleWork { per_worker_us });
    }
    if run.busy() {
        return Verdict::CouldntTell(run.unclear_busy());
    }
    if let Some(cpu_ratio) = run.parallel_work_cpu.filter(|_| run.slower_together()) {
        return Verdict::CouldntTell(Unclear::CoresSlowerTogether {
            cpu_ratio,
            at_least: false,
        });
    }
    Verdict::Contradicted
}

/// Whether going past the cores gained nothing more: the claim "`more`
/// workers, beyond the cores, are no faster than `at_cores`". Each is the
/// speed-up over the same one-worker baseline.
pub fn judge_no_gain_past_cores(at_cores: &SpeedRun, more: &SpeedRun) -> Verdict {
    if at_cores.cores < 2 {
        // One core: neither gains, and nothing past it can either.
        return Verdict::of(more.speedup <= at_cores.speedup * 1.1 + 0.1);
    }
    if more.speedup <= at_cores.speedup * 1.1 {
        return Verdict::Holds;
    }
    if at_cores.busy() {
        return Verdict::CouldntTell(at_cores.unclear_busy());
    }
    Verdict::Contradicted
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(speedup: f64) -> SpeedRun {
        SpeedRun {
            workers: 2,
            cores: 2,
            speedup,
            parallel_cores: Some(1.95),
            baseline_cores: Some(0.99),
            others_cores: Some(0.02),
            per_worker_us: Some(150_000),
            parallel_work_cpu: Some(1.0),
        }
    }

    #[test]
    fn cores_that_slow_each_other_down_cannot_contradict_a_speed_up() {
        let smt = SpeedRun {
            parallel_work_cpu: Some(1.8),
            ..run(1.1)
        };
        assert!(matches!(
            judge_speedup(&smt, 1.5),
            Verdict::CouldntTell(Unclear::CoresSlowerTogether { .. })
        ));
    }

    #[test]
    fn a_quiet_machine_decides_the_claim() {
        assert_eq!(judge_speedup(&run(1.9), 1.5), Verdict::Holds);
        assert_eq!(judge_speedup(&run(1.1), 1.5), Verdict::Contradicted);
    }

    #[test]
    fn a_busy_machine_cannot_contradict_a_speed_up() {
        let busy = SpeedRun {
            parallel_cores: Some(1.1),
            others_cores: Some(0.9),
            ..run(1.1)
        };
        assert!(matches!(
            judge_speedup(&busy, 1.5),
            Verdict::CouldntTell(Unclear::MachineBusy { .. })
        ));
    }

    #[test]
    fn above_the_cores_means_a_disturbed_baseline_not_a_success() {
        let fast = SpeedRun {
            baseline_cores: Some(0.6),
            ..run(2.9)
        };
        assert!(matches!(
            judge_speedup(&fast, 1.5),
            Verdict::CouldntTell(Unclear::BaselineDisturbed { .. })
        ));
    }

    #[test]
    fn little_work_and_one_core_are_said_as_such() {
        let tiny = SpeedRun {
            per_worker_us: Some(900),
            ..run(1.0)
        };
        assert!(matches!(
            judge_speedup(&tiny, 1.5),
            Verdict::CouldntTell(Unclear::TooLittleWork { .. })
        ));
        let one = SpeedRun {
            cores: 1,
            ..run(1.0)
        };
        assert_eq!(
            judge_speedup(&one, 1.5),
            Verdict::CouldntTell(Unclear::OneCore)
        );
    }

    #[test]
    fn more_processes_on_a_busy_machine_may_take_a_bigger_share() {
        let at_cores = SpeedRun {
            parallel_cores: Some(1.2),
            others_cores: Some(0.8),
            ..run(1.23)
        };
        let eight = SpeedRun {
            workers: 8,
            ..run(1.39)
        };
        assert!(matches!(
            judge_no_gain_past_cores(&at_cores, &eight),
            Verdict::CouldntTell(Unclear::MachineBusy { .. })
        ));
        assert_eq!(
            judge_no_gain_past_cores(
                &run(1.9),
                &SpeedRun {
                    workers: 8,
                    ..run(1.85)
                }
            ),
            Verdict::Holds
        );
    }

    fn any_run() -> impl Strategy<Value = SpeedRun> {
        (
            1usize..9,
            1usize..9,
            0.05f64..12.0,
            proptest::option::of(0.0f64..9.0),
            proptest::option::of(0.0f64..1.2),
            proptest::option::of(0.0f64..4.0),
            proptest::option::of(0u64..2_000_000),
            proptest::option::of(0.5f64..3.0),
        )
            .prop_map(
                |(workers, cores, speedup, parallel, baseline, others, work, work_cpu)| SpeedRun {
                    workers,
                    cores,
                    speedup,
                    parallel_cores: parallel,
                    baseline_cores: baseline,
                    others_cores: others,
                    per_worker_us: work,
                    parallel_work_cpu: work_cpu,
                },
            )
    }

    proptest! {
        #[test]
        fn every_verdict_follows_from_its_figures(run in any_run(), at_least in 1.1f64..4.0) {
            match judge_speedup(&run, at_least) {
                Verdict::Holds => {
                    prop_assert!(run.speedup >= at_least);
                    prop_assert!(run.cores >= 2);
                    prop_assert!(!run.baseline_disturbed());
                }
                Verdict::Contradicted => {
                    prop_assert!(run.speedup < at_least);
                    prop_assert!(run.cores >= 2);
                    prop_assert!(!run.busy());
                    prop_assert!(!run.slower_together());
                    prop_assert!(run.per_worker_us.is_none_or(|us| us >= SMALL_WORK_US));
                }
                Verdict::CouldntTell(Unclear::MachineBusy { .. }) => prop_assert!(run.busy()),
                Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }) => {
                    prop_assert!(run.baseline_disturbed());
                }
                Verdict::CouldntTell(Unclear::TooLittleWork { per_worker_us }) => {
                    prop_assert!(per_worker_us < SMALL_WORK_US);
                }
                Verdict::CouldntTell(Unclear::OneCore) => prop_assert_eq!(run.cores, 1),
                Verdict::CouldntTell(Unclear::CoresSlowerTogether { cpu_ratio, .. }) => {
                    prop_assert!(run.slower_together());
                    prop_assert_eq!(Some(cpu_ratio), run.parallel_work_cpu);
                }
                Verdict::CouldntTell(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
