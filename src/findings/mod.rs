//! What a measurement says about a claim, in words that follow from it.
//!
//! Every lesson claim a demo or an experiment tests ("the order changes
//! from run to run", "processes speed CPU work up") ends in a [`Verdict`]:
//! it **holds**, it is **contradicted**, or mptutor **couldn't tell**, and
//! then [`Unclear`] says why with the figures that showed it (the machine
//! was busy, there was too little work, too few runs). A [`Finding`] is the
//! sentence a student reads, chosen by the verdict, never beside it: a
//! fixed sentence next to numbers that contradict it is the worst thing
//! mptutor could print.
//!
//! Findings are made by pure functions of a typed result (each demo's
//! `report`), so tests generate results and check that no finding states
//! what its result contradicts. [`speed`] judges speed-ups, the claim most
//! at the mercy of a busy machine; [`words`] and [`format_us`] write
//! numbers the same way in a table cell and in the sentence under it.

mod duration;
pub mod speed;
#[cfg(test)]
pub(crate) mod testing;
pub mod words;

use serde::{Deserialize, Serialize};

pub use duration::format_us;
pub use speed::{SpeedRun, judge_speedup};

/// How a claim fared against what was measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// What was measured agrees with the claim.
    Holds,
    /// What was measured disagrees; the finding says why that can happen
    /// and what to try.
    Contradicted,
    /// The measurement could not show it either way.
    CouldntTell(Unclear),
}

impl Verdict {
    /// `✓`, `✗` or `?`, for a table cell.
    pub fn mark(&self) -> &'static str {
        match self {
            Verdict::Holds => "✓",
            Verdict::Contradicted => "✗",
            Verdict::CouldntTell(_) => "?",
        }
    }

    pub fn holds(&self) -> bool {
        *self == Verdict::Holds
    }

    /// Holds when `agrees`, else contradicted: for claims a measurement
    /// settles on its own (a count, a crash), whatever the machine does.
    pub fn of(agrees: bool) -> Verdict {
        if agrees {
            Verdict::Holds
        } else {
            Verdict::Contradicted
        }
    }

    /// Several verdicts of one claim together: contradicted if any part
    /// is, holds if all do, else the first reason it couldn't be told.
    pub fn all(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        let mut unclear = None;
        for verdict in verdicts {
            match verdict {
                Verdict::Contradicted => return Verdict::Contradicted,
                Verdict::CouldntTell(why) => {
                    unclear.get_or_insert(why);
                }
                Verdict::Holds => {}
            }
        }
        unclear.map_or(Verdict::Holds, Verdict::CouldntTell)
    }
}

/// Why a claim couldn't be told, with the figures that showed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Unclear {
    /// The workers did not get the cores a speed-up needs: `got` cores'
    /// worth of CPU (when their CPU time was measured) where `needed` were
    /// asked for, while other programs used `others` (when the machine's
    /// counters could be read).
    MachineBusy {
        got: Option<f64>,
        needed: f64,
        others: Option<f64>,
    },
    /// The one-worker run everything is compared with was itself slowed
    /// down (it had `baseline` of a core), so every ratio to it is too
    /// high: `speedup` on `cores` cores.
    BaselineDisturbed {
        baseline: f64,
        speedup: f64,
        cores: usize,
    },
    /// Each worker had only `per_worker_us` of work: starting it costs
    /// about as much.
    TooLittleWork { per_worker_us: u64 },
    /// `runs` runs cannot show it; about `wanted` could.
    TooFewRuns { runs: usize, wanted: usize },
    /// One core: no way of splitting work can make it faster.
    OneCore,
    /// Nothing was measured: `why`.
    NotMeasured { why: String },
    /// Other programs used `others` of the machine's `cores` while it was
    /// measured: a figure that is not a speed-up (a latency, a ratio of
    /// two runs made one after the other) met a machine busy with work
    /// that was not its own.
    OthersBusy { others: f64, cores: usize },
    /// The cores computed slower with every worker busy: the same work
    /// took `cpu_ratio` times the CPU time split as whole (two hyper-threads
    /// of one physical core, or a host sharing its cores). With `at_least`,
    /// the ratio is a bound the run's account gives, not a measure of it.
    CoresSlowerTogether {
        cpu_ratio: f64,
        #[serde(default)]
        at_least: bool,
    },
}

impl Unclear {
    /// The reason in a few words, with its figures: "the machine was busy:
    /// the workers got 1.1 of the 2 cores they needed, and other programs
    /// used 0.9".
    pub fn words(&self) -> String {
        match self {
            Unclear::MachineBusy {
                got,
                needed,
                others,
            } => {
                let others = match others {
                    Some(others) if *others >= 0.05 => {
                        format!(", and other programs used {}", words::cores_worth(*others))
                    }
                    _ => String::new(),
                };
                match got {
                    Some(got) => format!(
                        "the machine was busy: the workers got {} of the {:.0} they needed{others}",
                        words::cores_worth(*got),
                        needed
                    ),
                    None => format!(
                        "the machine was busy: the workers needed {:.0} cores{others}",
                        needed
                    ),
                }
            }
            Unclear::BaselineDisturbed {
                baseline,
                speedup,
                cores,
            } => format!(
                "the one-worker run was slowed down (it had {} to itself), which makes the {} against it, on {}, too high to trust",
                words::cores_worth(*baseline),
                words::times(*speedup),
                words::cores(*cores)
            ),
            Unclear::TooLittleWork { per_worker_us } => format!(
                "each worker had only {} of work, about what starting one costs",
                format_us(*per_worker_us)
            ),
            Unclear::TooFewRuns { runs, wanted } => format!(
                "{} cannot show it; about {wanted} could",
                words::count(*runs as u64, "run", "runs")
            ),
            Unclear::OneCore => {
                "this machine has one core, so no way of splitting the work can make it faster"
                    .to_string()
            }
            Unclear::NotMeasured { why } => why.clone(),
            Unclear::CoresSlowerTogether {
                cpu_ratio,
                at_least,
            } => format!(
                "the cores ran slower with every worker busy: the same work took {}{cpu_ratio:.1} \
                 times the CPU time split as it did whole, as two hyper-threads of one physical \
                 core or a host sharing its cores make it",
                if *at_least { "at least " } else { "" }
            ),
            Unclear::OthersBusy { others, cores } => format!(
                "the machine was busy: other programs used {others:.1} of its {} while it was \
                 measured",
                words::cores(*cores)
            ),
        }
    }

    /// What the student can do about it.
    pub fn what_to_try(&self) -> &'static str {
        match self {
            Unclear::MachineBusy { .. } | Unclear::BaselineDisturbed { .. } => {
                "close what keeps the machine busy (look with `top`) and run it again"
            }
            Unclear::TooLittleWork { .. } => "give each worker more work and run it again",
            Unclear::TooFewRuns { .. } => "run it more times",
            Unclear::OneCore => "try it on a machine with two or more cores",
            Unclear::NotMeasured { .. } => "fix what is missing and run it again",
            Unclear::OthersBusy { .. } => {
                "close what keeps the machine busy (look with `top`) and run it again"
            }
            Unclear::CoresSlowerTogether { .. } => {
                "run it again; if it stays so, this machine's cores share their hardware, and a \
                 machine with separate physical cores shows the speed-up"
            }
        }
    }
}

/// One thing a demo found, in Markdown, with the claim it judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The claim, in a few words ("each number appears once"); none for a
    /// plain account of what was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// What was seen, in sentences that follow from the verdict.
    pub text: String,
}

impl Finding {
    /// A plain account of what was measured: no claim judged.
    pub fn fact(text: impl Into<String>) -> Finding {
        Finding {
            claim: None,
            verdict: None,
            text: text.into(),
        }
    }

    /// A claim and how it fared, in `text`.
    pub fn judged(claim: impl Into<String>, verdict: Verdict, text: impl Into<String>) -> Finding {
        Finding {
            claim: Some(claim.into()),
            verdict: Some(verdict),
            text: text.into(),
        }
    }

    /// The finding as a student reads it: the verdict's mark, then the
    /// text (Markdown).
    pub fn markdown(&self) -> String {
        match &self.verdict {
            Some(verdict) => format!("{} {}", verdict.mark(), self.text),
            None => self.text.clone(),
        }
    }
}

/// A table of results: a header and rows of cells.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a finished demo shows after its live output: tables, then
/// findings. Made from the demo's result alone.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    pub tables: Vec<Table>,
    pub findings: Vec<Finding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_combine_with_a_contradiction_first() {
        let busy = Unclear::OneCore;
        assert_eq!(
            Verdict::all([Verdict::Holds, Verdict::Holds]),
            Verdict::Holds
        );
        assert_eq!(
            Verdict::all([Verdict::Holds, Verdict::CouldntTell(busy.clone())]),
            Verdict::CouldntTell(busy.clone())
        );
        assert_eq!(
            Verdict::all([Verdict::CouldntTell(busy), Verdict::Contradicted]),
            Verdict::Contradicted
        );
    }

    #[test]
    fn a_finding_round_trips_through_json() {
        let finding = Finding::judged(
            "processes speed CPU work up",
            Verdict::CouldntTell(Unclear::MachineBusy {
                got: Some(1.1),
                needed: 2.0,
                others: Some(0.9),
            }),
            "…",
        );
        let text = serde_json::to_string(&finding).unwrap_or_default();
        assert!(text.contains(r#""because":"machine_busy""#), "{text}");
        let back: Finding = serde_json::from_str(&text).unwrap_or_else(|_| Finding::fact(""));
        assert_eq!(back, finding);
        let fact = serde_json::to_string(&Finding::fact("x")).unwrap_or_default();
        assert_eq!(fact, r#"{"text":"x"}"#);
    }

    #[test]
    fn a_busy_machine_is_said_with_its_figures() {
        let words = Unclear::MachineBusy {
            got: Some(1.1),
            needed: 2.0,
            others: Some(0.9),
        }
        .words();
        assert_eq!(
            words,
            "the machine was busy: the workers got 1.1 cores of the 2 they needed, and other \
             programs used 0.9 of a core"
        );
    }
}
