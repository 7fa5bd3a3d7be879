//! How much faster the pool was than one worker doing the tasks back to
//! back, and whether its tasks waited for a core: both judged with the CPU
//! the workers were measured to get and what other programs took, so a
//! busy machine gives "couldn't tell", never a false ✗.

use super::findings::tasks;
use super::{PoolQueueResult, cost_ms};
use crate::demos::cpu_speedup::result::expected_speedup;
use crate::findings::speed::{OTHERS_BUSY, judge_speedup};
use crate::findings::words::sentence;
use crate::findings::{Finding, SpeedRun, Unclear, Verdict, format_us, words};

/// Busy time this much above the work means the tasks waited for a core.
const WAITED: f64 = 1.2;

/// Workers that could be busy at once: no more than there are tasks.
pub(super) fn effective_workers(result: &PoolQueueResult) -> usize {
    result.workers.min(result.tasks).max(1)
}

impl PoolQueueResult {
    /// The pool against one worker doing every task back to back, with
    /// what the speed judge needs to know whether the machine could show
    /// it.
    pub fn speed_run(&self) -> SpeedRun {
        let work = self.work_us(&self.done().collect::<Vec<_>>());
        let wall = self.wall_us.max(1) as f64;
        let cpu: u64 = self.pool.iter().map(|worker| worker.cpu_us).sum();
        SpeedRun {
            workers: effective_workers(self),
            cores: self.cores,
            // Judged as the findings show it.
            speedup: words::as_shown(work as f64 / wall),
            parallel_cores: Some(cpu as f64 / wall),
            // One worker back to back is worked out from the tasks' own
            // costs, not run: nothing could disturb it.
            baseline_cores: None,
            others_cores: self.load.others_cores_measured(),
            per_worker_us: self.pool.iter().map(|worker| worker.cpu_us).max(),
            // The tasks' CPU over what they were meant to need.
            parallel_work_cpu: (work > 0).then(|| cpu as f64 / work as f64),
        }
    }
}

/// Why the machine could not show the pool's speed, when it could not.
pub(super) fn machine_busy(result: &PoolQueueResult) -> Option<Unclear> {
    let run = result.speed_run();
    // Paused tasks leave the workers short of CPU by design: only other
    // programs' load says the machine was busy then.
    let busy = if result.pause_ms > 0 {
        run.others_cores.is_some_and(|others| others >= OTHERS_BUSY)
    } else {
        run.busy()
    };
    busy.then(|| Unclear::MachineBusy {
        got: run.parallel_cores,
        needed: run.ideal(),
        others: run.others_cores,
    })
}

/// The pool's speed-up over one worker doing the tasks back to back.
pub(super) fn speed(result: &PoolQueueResult) -> Option<Finding> {
    let done: Vec<usize> = result.done().collect();
    if done.is_empty() {
        return None;
    }
    let run = result.speed_run();
    let work = format_us(result.work_us(&done));
    let cpu_work: u64 = done.iter().map(|&k| cost_ms(k) * 1_000).sum();
    let wall = format_us(result.wall_us);
    let figure = words::times(run.speedup);
    let n = result.workers;
    if n == 1 {
        return Some(Finding::fact(format!(
            "One worker did the {} back to back: {work} of work in {wall} of wall time. Try \
             `run workers=3` to see a pool share them.",
            tasks(done.len())
        )));
    }
    if done.len() == 1 {
        return Some(Finding::fact(format!(
            "One task cannot be shared: {work} of work in {wall} of wall time. Try `run \
             tasks=12` to see the workers share a queue."
        )));
    }
    if result.pause_ms > 0 {
        return Some(Finding::fact(format!(
            "The tasks needed {} of CPU and {} of pauses; the {n} workers took {wall}: {figure} \
             as fast as one worker doing them back to back. A worker that pauses needs no core, \
             so pauses overlap however many cores there are.",
            format_us(cpu_work),
            format_us(result.work_us(&done) - cpu_work)
        )));
    }
    let at_least = expected_speedup(run.ideal() as usize);
    let verdict = judge_speedup(&run, at_least);
    let took = format!(
        "The tasks needed {work} of CPU in all; the {n} workers emptied the queue in {wall}: \
         {figure} as fast as one worker doing them back to back"
    );
    let cores = result.cores;
    let most_at_once = if n > cores {
        format!(
            " This machine has {}, so however many workers there are, at most {} of these tasks \
             compute at any moment.",
            words::cores(cores),
            cores
        )
    } else {
        String::new()
    };
    let text = match &verdict {
        Verdict::Holds => format!("{took}.{most_at_once}"),
        Verdict::Contradicted => format!(
            "{took}, where {} with free cores give at least {}. The workers got {} of CPU and \
             other programs {}, so the machine was not what held them back. That can happen \
             when two logical CPUs are hyper-threads of one physical core, or when the CPU \
             slows its clock as more cores get busy. Run it again, or with `tasks=40` for a \
             longer run.{most_at_once}",
            words::count(run.ideal() as u64, "worker", "workers"),
            words::times(at_least),
            words::cores_worth(run.parallel_cores.unwrap_or(0.0)),
            run.others_cores
                .map_or("could not be measured".to_string(), |others| format!(
                    "used {}",
                    words::cores_worth(others)
                ))
        ),
        Verdict::CouldntTell(why) => {
            // One worker back to back is worked out, not run: a speed-up
            // above the cores means the measurement itself was off.
            let (why_words, try_this) = match why {
                Unclear::BaselineDisturbed { .. } => (
                    format!(
                        "that is more than {} on {} can give, so something disturbed the \
                         measurement",
                        words::count(run.ideal() as u64, "worker", "workers"),
                        words::cores(cores)
                    ),
                    "Run it again.".to_string(),
                ),
                Unclear::TooLittleWork { .. } => (
                    why.words(),
                    "Give the pool more tasks (`run tasks=40`) and run it again.".to_string(),
                ),
                other => (other.words(), sentence(other.what_to_try())),
            };
            format!(
                "{took}. Whether the pool speeds the work up couldn't be told from this run: \
                 {why_words}. {try_this}{most_at_once}"
            )
        }
    };
    Some(Finding::judged(
        format!(
            "{} on free cores do the tasks at least {} as fast as one",
            words::count(run.ideal() as u64, "worker", "workers"),
            words::times(at_least)
        ),
        verdict,
        text,
    ))
}

/// Whether the tasks waited for a core: the busy column against the work.
pub(super) fn waiting(result: &PoolQueueResult) -> Option<Finding> {
    let done: Vec<usize> = result.done().collect();
    if result.pause_ms > 0 || done.is_empty() {
        return None;
    }
    let work_us = result.work_us(&done);
    let busy_us: u64 = result.pool.iter().map(|worker| worker.busy_us).sum();
    let waited = busy_us as f64 >= WAITED * work_us as f64;
    let (busy, work) = (format_us(busy_us), format_us(work_us));
    let extra = format_us(busy_us.saturating_sub(work_us));
    let workers = effective_workers(result);
    let cores = words::cores(result.cores);
    let on = format!(
        "{} on {cores}",
        words::count(workers as u64, "worker", "workers")
    );
    if workers > result.cores {
        let claim = "with more workers than cores, tasks wait for a free core";
        return Some(if waited {
            let others = result
                .load
                .others_cores_measured()
                .filter(|others| *others >= 0.2)
                .map_or(String::new(), |others| {
                    format!(
                        " Other programs also took {} of the machine meanwhile.",
                        words::cores_worth(others)
                    )
                });
            Finding::judged(
                claim,
                Verdict::Holds,
                format!(
                    "The busy column adds up to {busy} against {work} of work: with {on}, the \
                     tasks spent the difference, {extra}, waiting for a free core.{others}"
                ),
            )
        } else {
            Finding::judged(
                claim,
                Verdict::Contradicted,
                format!(
                    "The busy column adds up to {busy}, about the {work} of work, though {on} \
                     shared them: this run's tasks did not wait for a core. That can happen when \
                     a worker starts late or waits for its next task, leaving the others a core \
                     each; try `run tasks=40`."
                ),
            )
        });
    }
    let claim = "with a core for each worker, no task waits for one";
    Some(if !waited {
        Finding::judged(
            claim,
            Verdict::Holds,
            format!(
                "The busy column adds up to {busy}, about the {work} of work: with {on}, no task \
                 waited for a core."
            ),
        )
    } else if let Some(busy_machine) = machine_busy(result) {
        Finding::judged(
            claim,
            Verdict::CouldntTell(busy_machine.clone()),
            format!(
                "The busy column adds up to {busy} against {work} of work: the tasks waited \
                 {extra} for a core although {on} could each have one. Couldn't tell whether \
                 that is the pool's doing: {}. {}",
                busy_machine.words(),
                sentence(busy_machine.what_to_try())
            ),
        )
    } else {
        Finding::judged(
            claim,
            Verdict::Contradicted,
            format!(
                "The busy column adds up to {busy} against {work} of work: the tasks waited \
                 {extra} for a core although {on} could each have one and other programs {}. \
                 That can happen when other programs run in bursts too short for the machine's \
                 counters (they tick every 10 ms), or when mptutor itself needs a core at the \
                 same moment; run it again.",
                result.load.others_cores_measured().map_or(
                    "could not be measured".to_string(),
                    |others| format!("used only {}", words::cores_worth(others))
                )
            ),
        )
    })
}
