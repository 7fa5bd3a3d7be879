//! The speed-ups of `cpu-speedup`, each judged by `findings::speed` with
//! what the workers and the machine were measured to do: the lesson's two
//! claims ("while there are free cores, adding processes cuts the time";
//! "once every core is busy, more processes stop helping") hold, are
//! contradicted, or couldn't be told on this run, and the sentence says
//! which, with the figures.

use super::result::{CpuSpeedupResult, PrimeRun, expected_speedup};
use crate::findings::speed::{
    ABOVE_IDEAL, OTHERS_SOME, SMALL_WORK_US, judge_no_gain_past_cores, judge_speedup,
};
use crate::findings::words::sentence;
use crate::findings::{Finding, SpeedRun, Unclear, Verdict, format_us, words};

/// How a run with room on the cores fared: its speed-up against the one
/// its process count should reach.
pub(super) fn fitting_verdict(result: &CpuSpeedupResult, run: &PrimeRun) -> Option<Verdict> {
    let speed = result.speed_run(run)?;
    Some(judge_speedup(&speed, expected_speedup(run.processes())))
}

/// Whether `run`, past the cores, gained nothing over the run at the cores.
pub(super) fn past_verdict(result: &CpuSpeedupResult, run: &PrimeRun) -> Option<Verdict> {
    let at_cores = result.speed_run(result.at_cores()?)?;
    Some(judge_no_gain_past_cores(&at_cores, &result.speed_run(run)?))
}

/// Whether `speed` is more than its processes could get from the cores,
/// which only a slowed-down baseline explains.
fn above_the_cores(speed: &SpeedRun) -> bool {
    speed.speedup > speed.ideal() * ABOVE_IDEAL
}

/// The table's speed-up cell: the figure, with the verdict's mark for a
/// run that fits the cores, and `?` for any figure above what the cores
/// can give.
pub(super) fn cell(result: &CpuSpeedupResult, run: &PrimeRun) -> String {
    let Some(speedup) = result.speedup(run) else {
        return "–".to_string();
    };
    let figure = words::times(speedup);
    let fits = (2..=result.cores).contains(&run.processes());
    let mark = match (fitting_verdict(result, run), result.speed_run(run)) {
        (Some(verdict), _) if fits => Some(verdict.mark()),
        (_, Some(speed)) if run.processes() > 1 && above_the_cores(&speed) => Some("?"),
        _ => None,
    };
    mark.map_or(figure.clone(), |mark| format!("{figure} {mark}"))
}

pub(super) fn findings(result: &CpuSpeedupResult) -> Vec<Finding> {
    let Some(baseline) = result.baseline() else {
        return Vec::new();
    };
    if result.runs.len() == 1 {
        return vec![Finding::fact(
            "Only one process was tried; type `run workers=2` or more to split the count.",
        )];
    }
    let mut findings: Vec<Finding> = result
        .fitting()
        .filter_map(|run| fitting(result, baseline, run))
        .collect();
    let cores = result.cores;
    match past_cores(result) {
        Some(past) => findings.push(past),
        None if result.runs.iter().all(|run| run.processes() <= cores) => {
            findings.push(Finding::fact(format!(
                "This machine lets mptutor use {}, so up to {} can each compute on a core of \
                 their own. Type `run workers={}` to go past the cores and see whether the time \
                 still improves.",
                words::cores(cores),
                words::processes(cores),
                (cores * 4).clamp(2, 64)
            )))
        }
        None => {}
    }
    findings
}

/// `With 2 processes the count took 109ms instead of 207ms with one: 1.9× as fast`.
fn took(baseline: &PrimeRun, run: &PrimeRun, speed: &SpeedRun) -> String {
    let slower = if speed.speedup < 0.95 {
        ", slower than one process"
    } else {
        ""
    };
    format!(
        "With {} the count took {} instead of {} with one: {} as fast{slower}",
        words::processes(run.processes()),
        format_us(run.wall_us),
        format_us(baseline.wall_us),
        words::times(speed.speedup),
    )
}

/// What other programs used, in a clause: `other programs used 0.9 of a core`.
fn others(speed: &SpeedRun) -> String {
    match speed.others_cores {
        Some(others) => format!("other programs used {}", words::cores_worth(others)),
        None => "the machine's own counters could not be read".to_string(),
    }
}

/// The claim "while there are free cores, adding processes cuts the time"
/// for one run.
fn fitting(result: &CpuSpeedupResult, baseline: &PrimeRun, run: &PrimeRun) -> Option<Finding> {
    let speed = result.speed_run(run)?;
    let verdict = fitting_verdict(result, run)?;
    let at_least = expected_speedup(run.processes());
    let took = took(baseline, run, &speed);
    let got = words::cores_worth(run.cores_used());
    let cores = words::cores(result.cores);
    let text = match &verdict {
        Verdict::Holds => format!(
            "{took}. Its workers got {got} of CPU between them: while there are free cores, \
             adding processes cuts the time."
        ),
        Verdict::Contradicted => {
            // The same counting needing more CPU time split than whole
            // means each core did less per second of CPU: the cores were
            // not as free as they looked.
            let slower_cores = if run.cpu_us() as f64 > 1.25 * baseline.cpu_us() as f64 {
                format!(
                    " Their CPU time came to {} where one process needed {}: each core did less \
                     counting per second of CPU.",
                    format_us(run.cpu_us()),
                    format_us(baseline.cpu_us())
                )
            } else {
                String::new()
            };
            format!(
                "{took}, where a quiet machine with {cores} gives at least {}. This run did not \
                 show adding processes cutting the time, though its workers got {got} of CPU, \
                 {}, and each had {} of counting.{slower_cores} That can happen when two of the \
                 machine's logical CPUs are hyper-threads of one physical core and share its \
                 arithmetic, when the CPU slows its clock as more cores get busy, or on a \
                 virtual machine whose host is busy with other machines. Run it again; `lscpu` \
                 shows how many threads each core has, and whether there is a hypervisor.",
                words::times(at_least),
                others(&speed),
                format_us(run.max_worker_cpu_us())
            )
        }
        Verdict::CouldntTell(why) => {
            let beyond = if above_the_cores(&speed) {
                format!(
                    ", more than {} on {cores} can give",
                    words::processes(run.processes())
                )
            } else {
                String::new()
            };
            let more_work =
                "Give each process more work, with a larger `limit=`, and splitting pays off.";
            let (why_words, try_this) = match why {
                Unclear::TooLittleWork { .. } => (why.words(), more_work.to_string()),
                // A baseline this short is mostly starting and reaping its
                // process, which its CPU share shows as much as a busy
                // machine would.
                Unclear::BaselineDisturbed {
                    baseline: share, ..
                } if baseline.cpu_us() < SMALL_WORK_US => (
                    format!(
                        "the one-process run had only {} of counting in all, and got {} \
                             while it ran: starting and reaping its process is a large part of \
                             its time, so the {} against it is rough",
                        format_us(baseline.cpu_us()),
                        words::cores_worth(*share),
                        words::times(speed.speedup)
                    ),
                    more_work.to_string(),
                ),
                other => (other.words(), sentence(other.what_to_try())),
            };
            format!(
                "{took}{beyond}. Whether adding processes cuts the time couldn't be told from \
                 this run: {why_words}. {try_this}"
            )
        }
    };
    Some(Finding::judged(
        format!(
            "with {} on free cores, the count is at least {} as fast",
            words::processes(run.processes()),
            words::times(at_least)
        ),
        verdict,
        text,
    ))
}

/// The claim "once every core is busy, more processes stop helping",
/// for every run past the cores against the run at them.
fn past_cores(result: &CpuSpeedupResult) -> Option<Finding> {
    const CLAIM: &str = "past the cores, extra processes gain nothing more";
    let at = result.at_cores()?;
    let at_speed = result.speed_run(at)?;
    let past: Vec<(&PrimeRun, SpeedRun, Verdict)> = result
        .past_cores()
        .filter_map(|run| Some((run, result.speed_run(run)?, past_verdict(result, run)?)))
        .collect();
    let last = past.last()?;
    let verdict = Verdict::all(past.iter().map(|(_, _, verdict)| verdict.clone()));
    let cores = result.cores.max(1);
    let figures: Vec<String> = past
        .iter()
        .map(|(run, speed, _)| format!("with {}, {}", run.processes(), words::times(speed.speedup)))
        .collect();
    let compared = if at.processes() == 1 {
        let each: Vec<String> = past
            .iter()
            .map(|(run, speed, _)| {
                format!(
                    "{} were {}",
                    words::processes(run.processes()),
                    words::times(speed.speedup)
                )
            })
            .collect();
        format!("Against one process, {} as fast.", words::and_list(&each))
    } else {
        format!(
            "With {} the count was {} as fast as with one; {}.",
            words::processes(at.processes()),
            words::times(at_speed.speedup),
            words::and_list(&figures)
        )
    };
    let intro = format!(
        "This machine lets mptutor use {}, so at most {} can compute at any moment. {compared}",
        words::cores(cores),
        words::processes(cores),
    );
    let text = match &verdict {
        Verdict::Holds => {
            let slower = if last.1.speedup < at_speed.speedup {
                format!(
                    ", and each adds its start-up and switching: {} took {}, {} took {}",
                    words::processes(last.0.processes()),
                    format_us(last.0.wall_us),
                    words::processes(at.processes()),
                    format_us(at.wall_us)
                )
            } else {
                String::new()
            };
            let busy = if at_speed.busy() {
                format!(
                    " The machine was busy meanwhile (with {}, the workers got {} and {}), and \
                     the extra processes did not win more of it either.",
                    words::processes(at.processes()),
                    words::cores_worth(at.cores_used()),
                    others(&at_speed)
                )
            } else {
                String::new()
            };
            format!(
                "{intro} Past the cores, extra processes only take turns on the same \
                 cores{slower}.{busy}"
            )
        }
        Verdict::Contradicted => {
            let gained: Vec<String> = past
                .iter()
                .filter(|(_, _, verdict)| *verdict == Verdict::Contradicted)
                .map(|(run, speed, _)| {
                    format!(
                        "{} ({}, {})",
                        words::processes(run.processes()),
                        words::times(speed.speedup),
                        others(speed)
                    )
                })
                .collect();
            // Which explanation the figures point to: other programs'
            // share of the CPU, or the noise of runs this short.
            let others_took = past
                .iter()
                .filter(|(_, _, verdict)| *verdict == Verdict::Contradicted)
                .filter_map(|(_, speed, _)| speed.others_cores)
                .chain(at_speed.others_cores)
                .fold(0.0, f64::max);
            let why = if others_took >= OTHERS_SOME {
                "That happens on a busy machine: the scheduler shares CPU time between \
                 processes, not programs, so more processes win a bigger share from the other \
                 programs. Run it again when the machine is quieter (look with `top`), or with \
                 a larger `limit=` so each run lasts longer."
                    .to_string()
            } else {
                format!(
                    "Other programs used little of the machine, so it is most likely noise: \
                     runs this short ({} with {}) vary by more than the difference. Run it \
                     again, or with a larger `limit=` so each run lasts longer.",
                    format_us(at.wall_us),
                    words::processes(at.processes())
                )
            };
            format!(
                "{intro} Going past the cores still gained time here: {}, where the run with {} \
                 got {} and {}. So this run did not show that more processes stop helping once \
                 every core is busy. {why}",
                words::and_list(&gained),
                words::processes(at.processes()),
                words::cores_worth(at.cores_used()),
                others(&at_speed)
            )
        }
        Verdict::CouldntTell(why) => format!(
            "{intro} The run with {} was itself short of the cores ({}), so it cannot show where \
             the gain stops: on a busy machine more processes win a bigger share of the CPU from \
             the other programs. {}",
            words::processes(at.processes()),
            why.words(),
            sentence(why.what_to_try())
        ),
    };
    let above: Vec<&(&PrimeRun, SpeedRun, Verdict)> = past
        .iter()
        .filter(|(_, speed, _)| above_the_cores(speed))
        .collect();
    let baseline = at_speed.baseline_cores.unwrap_or(1.0);
    let above = match above.as_slice() {
        [] => String::new(),
        [(run, speed, _)] => {
            let disturbed = Unclear::BaselineDisturbed {
                baseline,
                speedup: speed.speedup,
                cores,
            };
            format!(
                " {}' {} is more than {} can give: {}.",
                words::processes(run.processes()),
                words::times(speed.speedup),
                words::cores(cores),
                disturbed.words()
            )
        }
        several => {
            let figures: Vec<String> = several
                .iter()
                .map(|(run, speed, _)| {
                    format!("{} with {}", words::times(speed.speedup), run.processes())
                })
                .collect();
            format!(
                " {} are more than {} can give: the one-worker run was slowed down (it had {} \
                 to itself), so every speed-up against it is too high to trust.",
                words::and_list(&figures),
                words::cores(cores),
                words::cores_worth(baseline)
            )
        }
    };
    Some(Finding::judged(CLAIM, verdict, format!("{text}{above}")))
}
