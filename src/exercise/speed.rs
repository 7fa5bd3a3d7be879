//! The speed check: the student's program against a baseline (the
//! starter, or a serial version of the same work), timed on this machine.
//!
//! What the caller measures: run the baseline and the student's program
//! alternately (three runs each is enough), one at a time, and keep each
//! run's wall time (`PythonOutcome::elapsed_us`) and CPU time
//! (`PythonOutcome::cpu_us`), and the machine's load over the whole
//! series (one [`crate::engine::LoadMeter`] from the first start to the
//! last reaping, every run counted as mptutor's own). Alternating spreads
//! whatever else the machine does over both programs alike.
//!
//! The verdict is the one judge of speed-ups, [`judge_speedup`], on the
//! middle run of each: ✓ when the baseline's time over the student's is at
//! least the factor asked (as [`words::times`] shows it), ✗ only on a
//! quiet machine with the cores the factor needs, otherwise "couldn't
//! tell" with the figures that kept it from telling: other programs busy,
//! too few cores, runs too short to time, a baseline slowed down. Never a
//! false ✗.

use serde::{Deserialize, Serialize};

use super::{CheckKind, CheckLine};
use crate::course::{SpeedBaseline, SpeedCheck};
use crate::engine::Load;
use crate::findings::speed::OTHERS_BUSY;
use crate::findings::{SpeedRun, Unclear, Verdict, format_us, judge_speedup, words};

/// A run shorter than this is mostly the interpreter's start-up (about
/// 20 ms) and the clock's noise: a ratio of such runs says nothing.
pub const SHORTEST_TIMED_RUN_US: u64 = 50_000;

/// The timed runs of the speed check, as the caller measured them (see
/// the module docs). CPU times are in the order of the wall times, or
/// empty when they were not measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedMeasure {
    pub student_wall_us: Vec<u64>,
    pub baseline_wall_us: Vec<u64>,
    #[serde(default)]
    pub student_cpu_us: Vec<u64>,
    #[serde(default)]
    pub baseline_cpu_us: Vec<u64>,
    /// The machine over the whole series; its `cores` are the machine's.
    pub load: Load,
}

/// The middle value; the mean of the two middle ones for an even count.
pub fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => {
            let sum = u128::from(sorted[middle - 1]) + u128::from(sorted[middle]);
            u64::try_from(sum / 2).ok()
        }
    }
}

/// The middle of each run's CPU time over its wall time.
fn median_cores(cpu: &[u64], wall: &[u64]) -> Option<f64> {
    if cpu.len() != wall.len() || cpu.is_empty() {
        return None;
    }
    let mut cores: Vec<f64> = cpu
        .iter()
        .zip(wall)
        .filter(|(_, wall)| **wall > 0)
        .map(|(cpu, wall)| *cpu as f64 / *wall as f64)
        .collect();
    if cores.len() != wall.len() {
        return None;
    }
    cores.sort_by(f64::total_cmp);
    Some(cores[cores.len() / 2])
}

/// What the speed-up is against, in words.
fn against(check: &SpeedCheck) -> &'static str {
    match check.against {
        SpeedBaseline::Starter => "the starter program",
        SpeedBaseline::Serial(_) => "the serial version",
    }
}

/// The speed check's line.
pub fn line(check: &SpeedCheck, measure: Option<&SpeedMeasure>) -> CheckLine {
    let claim = format!(
        "it is at least {} as fast as {}",
        words::times(check.at_least),
        against(check)
    );
    let medians = measure.and_then(|measure| {
        Some((
            median(&measure.baseline_wall_us)?,
            median(&measure.student_wall_us)?,
        ))
    });
    let (Some(measure), Some((baseline_us, student_us))) = (measure, medians) else {
        let why = Unclear::NotMeasured {
            why: format!("it was not timed against {}", against(check)),
        };
        return unclear(&claim, None, why, "run it again");
    };
    let runs = measure
        .baseline_wall_us
        .len()
        .min(measure.student_wall_us.len());
    let timed = Timed {
        baseline_us,
        student_us,
        runs,
    };
    let speedup = if student_us == 0 {
        f64::INFINITY
    } else {
        words::as_shown(baseline_us as f64 / student_us as f64)
    };
    let fast_enough = speedup.is_finite() && speedup >= check.at_least;
    let short = if baseline_us < SHORTEST_TIMED_RUN_US {
        Some(("the baseline", baseline_us))
    } else if student_us < SHORTEST_TIMED_RUN_US && !fast_enough {
        Some(("your program", student_us))
    } else {
        None
    };
    if let Some((which, us)) = short {
        let why = Unclear::TooLittleWork { per_worker_us: us };
        let text = format!(
            "Couldn't tell whether {claim}: {}, but {which}'s runs took {} (the middle of {}), \
             too short to time: under {}. Give it more work (a bigger input) and run it again.",
            timed.seen(speedup),
            format_us(us),
            runs,
            format_us(SHORTEST_TIMED_RUN_US)
        );
        return CheckLine::unclear(CheckKind::Speed, why, text);
    }
    let cores = measure.load.cores;
    let others = measure.load.others_cores_measured();
    let serial = matches!(check.against, SpeedBaseline::Serial(_));
    let run = SpeedRun {
        workers: cores,
        cores,
        speedup,
        parallel_cores: median_cores(&measure.student_cpu_us, &measure.student_wall_us),
        // The starter may itself run in parallel: neither its share of a
        // core nor the cores bound what beating it can gain.
        baseline_cores: median_cores(&measure.baseline_cpu_us, &measure.baseline_wall_us)
            .map(|cores| cores.min(1.0))
            .filter(|_| serial),
        others_cores: others,
        per_worker_us: None,
        parallel_work_cpu: match (
            median(&measure.student_cpu_us),
            median(&measure.baseline_cpu_us),
        ) {
            (Some(student), Some(baseline)) if serial && baseline > 0 => {
                Some(student as f64 / baseline as f64)
            }
            _ => None,
        },
    };
    let verdict = if serial && cores >= 2 && check.at_least > cores as f64 {
        Verdict::CouldntTell(Unclear::NotMeasured {
            why: format!(
                "this machine has {}, so a program can be at most {} as fast as a serial one, \
                 less than the {} the task asks",
                words::cores(cores),
                words::times(cores as f64),
                words::times(check.at_least)
            ),
        })
    } else if !serial && fast_enough {
        Verdict::Holds
    } else {
        match judge_speedup(&run, check.at_least) {
            Verdict::Contradicted if others.is_none() => {
                Verdict::CouldntTell(Unclear::NotMeasured {
                    why: "the machine's CPU counters could not tell what other programs used \
                          meanwhile"
                        .into(),
                })
            }
            verdict => verdict,
        }
    };
    match verdict {
        Verdict::Holds => {
            let mut text = format!(
                "It is {} as fast as {} ({}); the task asks for at least {}.",
                words::times(speedup),
                against(check),
                timed.figures(),
                words::times(check.at_least)
            );
            if let Some(others) = others.filter(|others| *others >= OTHERS_BUSY) {
                text.push_str(&format!(
                    " Other programs used {} meanwhile, so the {} is this busy machine's figure.",
                    words::cores_worth(others),
                    words::times(speedup)
                ));
            }
            CheckLine::of(CheckKind::Speed, true, text)
        }
        Verdict::Contradicted => {
            let mut machine = vec![format!(
                "other programs used {}",
                words::cores_worth(others.unwrap_or(0.0))
            )];
            if let Some(got) = run.parallel_cores {
                machine.push(format!(
                    "your program got {} of the {}",
                    words::cores_worth(got),
                    words::cores(cores)
                ));
            }
            CheckLine::of(
                CheckKind::Speed,
                false,
                format!(
                    "It is only {} as fast as {} ({}) on a quiet {cores}-core machine ({}); the \
                     task asks for at least {}.",
                    words::times(speedup),
                    against(check),
                    timed.figures(),
                    words::and_list(&machine),
                    words::times(check.at_least)
                ),
            )
        }
        Verdict::CouldntTell(why) => {
            let try_this = match &why {
                Unclear::NotMeasured { .. } if serial && check.at_least > cores as f64 => format!(
                    "try it on a machine with {} or more",
                    words::cores(check.at_least.ceil() as usize)
                ),
                Unclear::NotMeasured { .. } => "run it again".to_string(),
                other => other.what_to_try().to_string(),
            };
            unclear(&claim, Some((&timed, speedup)), why, &try_this)
        }
    }
}

/// The middle runs, for the sentences.
struct Timed {
    baseline_us: u64,
    student_us: u64,
    runs: usize,
}

impl Timed {
    /// `the middle of 3 runs each: 1.20s against 0.61s`.
    fn figures(&self) -> String {
        format!(
            "the middle of {} each: {} against {}",
            words::count(self.runs as u64, "run", "runs"),
            format_us(self.student_us),
            format_us(self.baseline_us)
        )
    }

    fn seen(&self, speedup: f64) -> String {
        format!(
            "it was {} as fast ({})",
            words::times(speedup),
            self.figures()
        )
    }
}

fn unclear(claim: &str, timed: Option<(&Timed, f64)>, why: Unclear, try_this: &str) -> CheckLine {
    let seen = timed.map_or(String::new(), |(timed, speedup)| {
        format!("{}, but ", timed.seen(speedup))
    });
    let text = format!(
        "Couldn't tell whether {claim}: {seen}{}. {}",
        why.words(),
        words::sentence(try_this)
    );
    CheckLine::unclear(CheckKind::Speed, why, text)
}
