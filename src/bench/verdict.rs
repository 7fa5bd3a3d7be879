//! Whether each operation met its target, judged once, when it was
//! measured, from its figures and the machine's load while it ran.
//!
//! Every target is a ratio of two figures of the same run, or a bound, so
//! the machine's *speed* cancels. Its *business* does not: another program
//! on the cores delays every wake-up, and the engine's paths wait on more
//! of them than the bare system calls (a pidfd and a pipe where the floor
//! has one `waitpid`), so a paired ratio drifts up on a loaded machine;
//! Python's turn comes after mptutor's, not interleaved with it, so a
//! load that starts or stops between the two shifts that ratio either way;
//! a latency bound is at the scheduler's mercy. A missed target therefore
//! says something about mptutor only when the machine was quiet. The
//! load is measured with a [`LoadMeter`](crate::engine::LoadMeter) over
//! mptutor's and the floor's turn, and apart from it over Python's (a long
//! Python turn would hide a burst during a short turn of mptutor's): a
//! target met is ✓, a target missed while other programs used
//! [`OTHERS_BUSY`] cores or more in a turn it depends on is "couldn't
//! tell" with the figures, a target missed on a quiet machine is ✗. The
//! counters move in 10 ms ticks, so a turn of a few dozen milliseconds
//! cannot show a quiet machine: a miss then is "couldn't tell" too, with
//! the range the counters allow.
//!
//! The CPU-bound efficiency is a speed-up, and is judged by
//! [`judge_speedup`] with the CPU its workers really got (their CPU time
//! over the wall time of the all-cores runs), the one-process baseline's,
//! and other programs' load during the all-cores runs.

use serde::{Deserialize, Serialize};

use super::{Measured, Target};
use crate::engine::Load;
use crate::findings::speed::OTHERS_BUSY;
use crate::findings::{Unclear, Verdict, format_us, judge_speedup, words};

/// How often the machine's counters move, per core (`engine::load`).
const TICK_US: f64 = 10_000.0;

/// One operation as a run reports it: its figures, the target it was held
/// to, and how they fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    #[serde(flatten)]
    pub measured: Measured,
    /// What it is, for a person: `process start+join (fork)`.
    pub label: String,
    /// mptutor ÷ the floor (see [`Measured::ratio_floor`]).
    pub ratio_floor: f64,
    /// mptutor ÷ Python, below 1 when mptutor is faster.
    pub ratio_python: Option<f64>,
    pub target: Option<Target>,
    /// How the figures fared against the target; `None` without one.
    pub verdict: Option<Verdict>,
    /// The machine during mptutor's and the floor's turn.
    pub load: Option<Load>,
    /// The machine during Python's turn, when Python had one.
    pub python_load: Option<Load>,
}

impl Operation {
    /// Judges `measured` against its target, with the machine's load
    /// during mptutor's and the floor's turn and during Python's.
    pub fn new(measured: Measured, load: Option<Load>, python_load: Option<Load>) -> Operation {
        let target = measured.op.target();
        let loads: &[Option<Load>] = match target {
            Some(Target::FasterThanPython(_)) => &[load, python_load],
            _ => &[load],
        };
        let verdict = target.map(|target| judge(&measured, target, loads));
        Operation {
            label: measured.op.label().to_string(),
            ratio_floor: measured.ratio_floor(),
            ratio_python: measured.ratio_python(),
            target,
            verdict,
            load,
            python_load,
            measured,
        }
    }
}

/// `loads`: the turns the target depends on.
fn judge(measured: &Measured, target: Target, loads: &[Option<Load>]) -> Verdict {
    let met = match target {
        Target::WithinFloor(most) => measured.ratio_floor() <= most,
        Target::FasterThanPython(times) => match measured.ratio_python() {
            Some(ratio) => ratio * times <= 1.0,
            None => {
                return Verdict::CouldntTell(Unclear::NotMeasured {
                    why: "Python was not measured".into(),
                });
            }
        },
        Target::Efficiency(least) => return judge_efficiency(measured, least),
        Target::MedianBelowUs(most) => measured.mptutor.median_us < most,
    };
    if met {
        return Verdict::Holds;
    }
    let mut busiest: Option<(f64, usize)> = None;
    let mut unseen = None;
    for load in loads {
        let Some((load, others)) = load.and_then(|load| Some((load, load.others_cores()?))) else {
            unseen = Some(
                "the machine's CPU counters could not be read, so a busy machine cannot be \
                 ruled out"
                    .to_string(),
            );
            continue;
        };
        if busiest.is_none_or(|(most, _)| others > most) {
            busiest = Some((others, load.cores));
        }
        let margin = load.cores as f64 * TICK_US / load.wall_us.max(1) as f64;
        if others < OTHERS_BUSY && others + margin >= OTHERS_BUSY {
            unseen.get_or_insert(format!(
                "mptutor's turn took only {}, too short for the machine's CPU counters, which \
                 move in 10 ms ticks, to tell a quiet machine from a busy one: other programs \
                 used between {others:.1} and {:.1} of its {}",
                format_us(load.wall_us),
                (others + margin).min(load.cores as f64),
                words::cores(load.cores)
            ));
        }
    }
    match (busiest, unseen) {
        (Some((others, cores)), _) if others >= OTHERS_BUSY => {
            Verdict::CouldntTell(Unclear::OthersBusy { others, cores })
        }
        (_, Some(why)) => Verdict::CouldntTell(Unclear::NotMeasured { why }),
        _ => Verdict::Contradicted,
    }
}

/// The efficiency target is a speed-up of at least `least` × the cores.
fn judge_efficiency(measured: &Measured, least: f64) -> Verdict {
    match &measured.extra.cpu_load {
        Some(cpu) => judge_speedup(&cpu.speed, least * cpu.speed.cores as f64),
        None => Verdict::CouldntTell(Unclear::NotMeasured {
            why: "the CPU-bound runs were not measured".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{CpuLoad, Extra, Op, Sides, Stats};
    use crate::findings::SpeedRun;

    fn stats(median_us: f64) -> Stats {
        Stats {
            median_us,
            p99_us: median_us,
            samples: 1,
        }
    }

    fn load(others_us: Option<u64>) -> Load {
        Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: others_us.map(|others| others + 500_000),
            own_us: 500_000,
        }
    }

    fn measured(op: Op) -> Measured {
        Measured {
            op,
            mptutor: stats(10.0),
            floor: stats(8.0),
            python: Some(stats(100.0)),
            paired_ratio: None,
            runs: 1,
            extra: Extra::default(),
            notes: Vec::new(),
        }
    }

    fn verdict(measured: Measured, others_us: Option<u64>) -> Option<Verdict> {
        Operation::new(measured, Some(load(others_us)), Some(load(Some(0)))).verdict
    }

    #[test]
    fn every_target_is_a_ratio_or_a_bound_checked_the_right_way() {
        let quiet = Some(10_000);
        let mut pool = measured(Op::PoolLifecycle);
        assert_eq!(verdict(pool.clone(), quiet), Some(Verdict::Holds));
        pool.python = Some(stats(99.0));
        assert_eq!(verdict(pool.clone(), quiet), Some(Verdict::Contradicted));
        pool.python = None;
        assert!(matches!(
            verdict(pool, quiet),
            Some(Verdict::CouldntTell(Unclear::NotMeasured { .. }))
        ));
        let mut fork = measured(Op::ProcessFork);
        assert_eq!(verdict(fork.clone(), quiet), Some(Verdict::Holds));
        fork.floor = stats(7.0);
        assert_eq!(verdict(fork.clone(), quiet), Some(Verdict::Contradicted));
        // The paired ratio, where there is one, decides.
        fork.paired_ratio = Some(1.2);
        assert_eq!(verdict(fork, quiet), Some(Verdict::Holds));
        assert_eq!(verdict(measured(Op::ProcessSpawn), quiet), None);
    }

    #[test]
    fn a_target_missed_on_a_busy_machine_is_not_a_miss() {
        let mut fork = measured(Op::ProcessFork);
        fork.floor = stats(5.0);
        assert_eq!(
            verdict(fork.clone(), Some(900_000)),
            Some(Verdict::CouldntTell(Unclear::OthersBusy {
                others: 0.9,
                cores: 2
            }))
        );
        assert!(matches!(
            verdict(fork, None),
            Some(Verdict::CouldntTell(Unclear::NotMeasured { .. }))
        ));
    }

    #[test]
    fn a_turn_too_short_for_the_counters_cannot_show_a_quiet_machine() {
        let mut fork = measured(Op::ProcessFork);
        fork.floor = stats(5.0);
        let short = Load {
            wall_us: 30_000,
            ..load(Some(0))
        };
        let Some(Verdict::CouldntTell(Unclear::NotMeasured { why })) =
            Operation::new(fork, Some(short), None).verdict
        else {
            panic!("a miss in 30 ms is not told");
        };
        assert!(
            why.contains("took only 30ms") && why.contains("between 0.0 and 0.7 of its 2 cores"),
            "{why}"
        );
    }

    #[test]
    fn a_ratio_to_python_is_told_only_when_both_turns_were_quiet() {
        let mut pool = measured(Op::PoolLifecycle);
        pool.python = Some(stats(60.0));
        let judged = |mptutor_us, python_us| {
            Operation::new(pool.clone(), Some(load(mptutor_us)), Some(load(python_us))).verdict
        };
        assert_eq!(judged(Some(0), Some(0)), Some(Verdict::Contradicted));
        assert_eq!(
            judged(Some(0), Some(800_000)),
            Some(Verdict::CouldntTell(Unclear::OthersBusy {
                others: 0.8,
                cores: 2
            }))
        );
        // A busy Python turn says nothing about a paired ratio of mptutor's.
        let mut fork = measured(Op::ProcessFork);
        fork.floor = stats(5.0);
        assert_eq!(
            Operation::new(fork, Some(load(Some(0))), Some(load(Some(900_000)))).verdict,
            Some(Verdict::Contradicted)
        );
    }

    #[test]
    fn efficiency_is_judged_as_a_speed_up_with_the_cpu_the_workers_got() {
        let speed = |speedup, parallel_cores, others_cores| SpeedRun {
            workers: 2,
            cores: 2,
            speedup,
            parallel_cores: Some(parallel_cores),
            baseline_cores: Some(0.99),
            others_cores: Some(others_cores),
            per_worker_us: Some(50_000),
            parallel_work_cpu: None,
        };
        let cpu = |speed: SpeedRun| {
            let mut measured = measured(Op::CpuAllCores);
            measured.extra = Extra {
                cores: Some(2),
                efficiency: Some(Sides {
                    mptutor: Some(speed.speedup / 2.0),
                    ..Sides::default()
                }),
                cpu_load: Some(CpuLoad {
                    one_process: load(Some(0)),
                    all_cores: load(Some(0)),
                    speed,
                }),
                peak_rss_kb: None,
            };
            measured
        };
        assert_eq!(
            verdict(cpu(speed(1.9, 1.95, 0.02)), None),
            Some(Verdict::Holds)
        );
        assert_eq!(
            verdict(cpu(speed(1.5, 1.95, 0.02)), None),
            Some(Verdict::Contradicted)
        );
        assert!(matches!(
            verdict(cpu(speed(1.0, 1.0, 0.9)), None),
            Some(Verdict::CouldntTell(Unclear::MachineBusy { .. }))
        ));
    }

    #[test]
    fn the_xray_cost_is_traced_over_untraced_and_missed_only_on_a_quiet_machine() {
        // 1.08× the untraced run: within the pool's 1.10, beyond q1's 1.05.
        let xray = |op| Measured {
            python: None,
            paired_ratio: Some(1.08),
            ..measured(op)
        };
        let judged = |op, others_us| Operation::new(xray(op), Some(load(others_us)), None);
        assert_eq!(
            judged(Op::XrayPool, Some(10_000)).verdict,
            Some(Verdict::Holds)
        );
        let quiet = judged(Op::XrayQ1, Some(10_000));
        assert_eq!(quiet.verdict, Some(Verdict::Contradicted));
        assert_eq!(quiet.ratio_python, None);
        assert_eq!(
            judged(Op::XrayQ1, Some(900_000)).verdict,
            Some(Verdict::CouldntTell(Unclear::OthersBusy {
                others: 0.9,
                cores: 2
            }))
        );
    }

    #[test]
    fn an_operation_reads_back_from_json() {
        let operation = Operation::new(
            measured(Op::PoolLifecycle),
            Some(load(Some(1))),
            Some(load(Some(2))),
        );
        let text = serde_json::to_string(&operation).expect("serializes");
        assert!(
            text.contains(r#""op":"pool_create_map5_shutdown""#),
            "{text}"
        );
        let back: Operation = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, operation);
    }
}
