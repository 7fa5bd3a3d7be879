//! A lesson's speed claim judged on one run of its example.
//!
//! The example prints its one-worker time T₁ and its parallel time Tₚ; the
//! speed-up is T₁ ÷ Tₚ. Whether a poor speed-up says anything depends on
//! the cores the parallel part got, which the output cannot show, so the
//! run brings its own account ([`PythonOutcome`]): the machine's load from
//! before the interpreter started until it was reaped, and the CPU time
//! of the interpreter with every process it waited for (C), over the run's
//! wall time (W).
//!
//! Neither part's share of C is measured apart, but each has a bound.
//! Everything outside the parallel part runs in the one interpreter, which
//! can use one core at most, so at least C − (W − Tₚ) of the CPU time was
//! spent during the parallel part: its cores are *at least* that over Tₚ.
//! And the one-worker part cannot have had more than the whole run's CPU
//! time: its cores are *at most* C ÷ T₁ (and one). On a machine so busy
//! that the one worker got half a core, four workers can take a bigger
//! share of it than one did, and a speed-up that looks like the cores'
//! comes from the other programs instead; the second bound shows it.
//! A third compares the work's CPU: the X-ray's samples of the worker
//! processes (never more than they used) over T₁ (never less than the one
//! worker's CPU time) is at least how much more CPU the same work took
//! split than whole; much more means the cores ran slower together (a
//! host sharing them with other guests, which the machine's counters do
//! not show), and the speed-up says little about the claim. The
//! sentences say "at least" and "at most", and a bound only ever makes the
//! verdict "couldn't tell", never a false ✓ or ✗. All of it goes to
//! [`judge_speedup`], the one judge of speed-ups.

use serde::{Deserialize, Serialize};

use super::PythonOutcome;
use crate::course::SpeedClaim;
use crate::findings::speed::{ABOVE_IDEAL, OTHERS_BUSY};
use crate::findings::{Finding, SpeedRun, Unclear, Verdict, judge_speedup, words};
use crate::xray::wire::Role;

/// The claim, what the run showed of it, and the verdict in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedFinding {
    /// Workers of the parallel part, as the claim says.
    pub workers: usize,
    /// The one-worker time ÷ the parallel time the claim asks for.
    pub at_least: f64,
    /// The one-worker and the parallel time the program printed, in
    /// seconds; `None` when they could not be read.
    pub times: Option<(f64, f64)>,
    /// The speed-up with what the machine gave the run, as judged.
    pub run: Option<SpeedRun>,
    /// Cores' worth of CPU the whole run got: its CPU time over its wall
    /// time, interpreter start-up and one-worker part included.
    pub run_cores: Option<f64>,
    /// The claim, its verdict and the sentence a student reads.
    pub finding: Finding,
}

impl SpeedFinding {
    pub fn verdict(&self) -> Option<&Verdict> {
        self.finding.verdict.as_ref()
    }
}

/// What the run gave the parallel part, for the judge: see the module docs.
fn speed_run(claim: &SpeedClaim, outcome: &PythonOutcome, (one, parallel): (f64, f64)) -> SpeedRun {
    // The workers' CPU time as the X-ray sampled it (never more than they
    // used) over the one-worker part's wall time (never less than its CPU
    // time): at least the ratio of the two parts' CPU for the same work.
    let workers_cpu_us: u64 = outcome
        .xray
        .processes
        .iter()
        .filter(|process| matches!(process.role, Role::PoolWorker | Role::Process))
        .map(|process| process.cpu_us)
        .sum();
    let cores = outcome.load.cores;
    let wall = outcome.elapsed_us as f64 / 1e6;
    let cpu = outcome.cpu_us as f64 / 1e6;
    let outside = (wall - parallel).max(0.0);
    let parallel_cores = (parallel > 0.0 && outcome.cpu_us > 0)
        .then(|| ((cpu - outside).max(0.0) / parallel).min(cores as f64));
    SpeedRun {
        workers: claim.workers,
        cores,
        // Judged on the digits the sentence shows.
        speedup: words::as_shown(one / parallel),
        parallel_cores,
        baseline_cores: (one > 0.0 && outcome.cpu_us > 0).then(|| (cpu / one).min(1.0)),
        others_cores: outcome.load.others_cores(),
        per_worker_us: Some((one * 1e6 / claim.workers as f64) as u64),
        parallel_work_cpu: (one > 0.0 && workers_cpu_us > 0)
            .then(|| workers_cpu_us as f64 / 1e6 / one),
    }
}

/// Judges `claim` on `outcome`'s output and load.
pub fn judge_claim(claim: &SpeedClaim, outcome: &PythonOutcome) -> SpeedFinding {
    let lines: Vec<&str> = outcome.stdout.iter().map(String::as_str).collect();
    let run_cores =
        (outcome.elapsed_us > 0).then(|| outcome.cpu_us as f64 / outcome.elapsed_us as f64);
    let said = Said {
        workers: claim.workers,
        at_least: claim.at_least,
        run_cores,
    };
    let unread = |why: String| SpeedFinding {
        workers: claim.workers,
        at_least: claim.at_least,
        times: None,
        run: None,
        run_cores,
        finding: said.couldnt_tell(None, None, &Unclear::NotMeasured { why }),
    };
    if outcome.timed_out {
        return unread("the run was stopped at the timeout".into());
    }
    let times = match claim.times(&lines) {
        Ok(times) => times,
        Err(why) => return unread(why),
    };
    let (one, parallel) = times;
    if one <= 0.0 || parallel <= 0.0 {
        // The program printed 0.00 s: too short for its own clock, and
        // no ratio to take.
        let why = Unclear::TooLittleWork {
            per_worker_us: (one * 1e6 / claim.workers as f64) as u64,
        };
        return SpeedFinding {
            workers: claim.workers,
            at_least: claim.at_least,
            times: Some(times),
            run: None,
            run_cores,
            finding: said.couldnt_tell(Some(times), None, &why),
        };
    }
    let run = speed_run(claim, outcome, times);
    let verdict = if run.cores >= 2 && claim.at_least > run.ideal() {
        Verdict::CouldntTell(Unclear::NotMeasured {
            why: format!(
                "this machine has {}, so {} can be at most {} as fast as 1, less than the {} \
                 the lesson claims",
                words::cores(run.cores),
                words::processes(claim.workers),
                words::times(run.ideal()),
                words::times(claim.at_least)
            ),
        })
    } else {
        match judge_speedup(&run, claim.at_least) {
            // The ratio is a bound (see `speed_run`), and is said as one.
            Verdict::CouldntTell(Unclear::CoresSlowerTogether { cpu_ratio, .. }) => {
                Verdict::CouldntTell(Unclear::CoresSlowerTogether {
                    cpu_ratio,
                    at_least: true,
                })
            }
            verdict => verdict,
        }
    };
    let finding = match &verdict {
        Verdict::Holds => said.holds(times, &run),
        Verdict::Contradicted => said.contradicted(times, &run),
        Verdict::CouldntTell(why) => said.couldnt_tell(Some(times), Some(&run), why),
    };
    SpeedFinding {
        workers: claim.workers,
        at_least: claim.at_least,
        times: Some(times),
        run: Some(run),
        run_cores,
        finding,
    }
}

/// The claim, to put in words.
struct Said {
    workers: usize,
    at_least: f64,
    run_cores: Option<f64>,
}

impl Said {
    fn claim(&self) -> String {
        format!(
            "{} are at least {} as fast as 1",
            words::processes(self.workers),
            words::times(self.at_least)
        )
    }

    /// `4 processes took 0.41 s, 1 process 0.69 s`.
    fn took(&self, (one, parallel): (f64, f64)) -> String {
        format!(
            "{} took {parallel:.2} s, 1 process {one:.2} s",
            words::processes(self.workers)
        )
    }

    fn holds(&self, times: (f64, f64), run: &SpeedRun) -> Finding {
        let mut text = format!(
            "{}: {} as fast on {}, as the lesson says (at least {}).",
            self.took(times),
            words::times(run.speedup),
            words::cores(run.cores),
            words::times(self.at_least)
        );
        // The claim held, but the figure is this busy machine's, not the
        // cores': say so, with what was measured.
        if let Some(others) = run.others_cores.filter(|others| *others >= OTHERS_BUSY) {
            text.push_str(&format!(
                " Other programs used {} meanwhile, so both parts took longer than on a quiet \
                 machine, and not by the same amount: the {} is this busy machine's figure, \
                 not the cores' alone.",
                words::cores_worth(others),
                words::times(run.speedup),
            ));
        }
        Finding::judged(self.claim(), Verdict::Holds, text)
    }

    fn contradicted(&self, (one, parallel): (f64, f64), run: &SpeedRun) -> Finding {
        let mut machine = format!("on a quiet {}-core machine", run.cores);
        let mut figures = Vec::new();
        if let Some(others) = run.others_cores {
            figures.push(format!(
                "other programs used {}",
                words::cores_worth(others)
            ));
        }
        if let Some(got) = run.parallel_cores {
            figures.push(format!(
                "the processes got at least {} of the {:.0} they could use",
                words::cores_worth(got),
                run.ideal()
            ));
        }
        if !figures.is_empty() {
            machine.push_str(&format!(" ({})", figures.join(", and ")));
        }
        let what = if parallel >= one {
            format!(
                "{} took {} 1 ({parallel:.2} s against {one:.2} s) {machine}",
                words::processes(self.workers),
                if parallel > one {
                    "longer than"
                } else {
                    "as long as"
                }
            )
        } else {
            format!(
                "{}: only {} as fast {machine}, where the lesson expects at least {}",
                self.took((one, parallel)),
                words::times(run.speedup),
                words::times(self.at_least)
            )
        };
        let text = format!(
            "{what}. Starting the processes and handing them their work costs time of its \
             own, and when one share of the work is slower than the others the rest wait for \
             it; with too little work in all, that is most of the time. Try giving each \
             process more work (a bigger input) and run it again."
        );
        Finding::judged(self.claim(), Verdict::Contradicted, text)
    }

    fn couldnt_tell(
        &self,
        times: Option<(f64, f64)>,
        run: Option<&SpeedRun>,
        why: &Unclear,
    ) -> Finding {
        let seen = match (times, run) {
            (Some(times), Some(run)) => {
                format!("{} ({}), but ", self.took(times), words::times(run.speedup))
            }
            (Some(times), None) => format!("{}, but ", self.took(times)),
            _ => String::new(),
        };
        let reason = match why {
            // The parallel part's cores are a floor (see the module
            // docs), worth saying only when it is above nothing; the whole
            // run's share is measured as it is.
            Unclear::MachineBusy {
                got,
                needed,
                others,
            } => {
                let mut figures = Vec::new();
                if let Some(others) = others.filter(|others| *others >= 0.05) {
                    figures.push(format!(
                        "other programs used {}",
                        words::cores_worth(others)
                    ));
                }
                if let Some(cores) = self.run_cores {
                    figures.push(format!(
                        "the whole run got {} (its CPU time over its wall time)",
                        words::cores_worth(cores)
                    ));
                }
                if let Some(got) = got.filter(|got| *got >= 0.05) {
                    figures.push(format!(
                        "its {} at least {} of the {needed:.0} they could use",
                        words::processes(self.workers),
                        words::cores_worth(got)
                    ));
                }
                format!("the machine was busy: {}", words::and_list(&figures))
            }
            Unclear::BaselineDisturbed {
                baseline, speedup, ..
            } => match run {
                Some(run) if run.speedup > run.ideal() * ABOVE_IDEAL => format!(
                    "{} is more than {} can give, so the one-process part was slowed down, \
                     and the ratio to it is too high to trust",
                    words::times(*speedup),
                    words::cores(run.ideal() as usize)
                ),
                _ => format!(
                    "the one-process part was slowed down: it had at most {} to itself (the \
                     whole run's CPU time over its time), so the {} against it is too high to \
                     trust",
                    words::cores_worth(*baseline),
                    words::times(*speedup)
                ),
            },
            other => other.words(),
        };
        let try_this = capitalized(why.what_to_try());
        let text = format!(
            "Couldn't tell whether {}: {seen}{reason}. {try_this}.",
            self.claim()
        );
        Finding::judged(self.claim(), Verdict::CouldntTell(why.clone()), text)
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
#[path = "speed_tests.rs"]
mod tests;
