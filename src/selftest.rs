//! `mptutor selftest <case>`: the engine's safety promises, exercised on
//! this machine without a lesson around them.
//!
//! The fault tests (`tests/integration/faults.rs`) use it, and so can an
//! instructor whose classroom machine behaves oddly. Each case starts real
//! workers through the same [`ProcessGroup`] the demos use and prints JSON:
//!
//! - `flood BYTES`: one worker writes BYTES of output as fast as it can into
//!   a sink that only counts, and the result reports mptutor's own peak
//!   memory. It shows that the line bounds (see `lines`) keep mptutor small
//!   however much a worker prints.
//! - `hold MS WORKERS [fork|spawn|forkserver]`: WORKERS workers sleep for
//!   MS, with each event printed as a JSON line as it happens, so their
//!   process group, stdin, limits and death with mptutor (or with the fork
//!   server) can be inspected in `/proc`. Ctrl-C stops them like any demo.

use std::io::Write;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::interrupt::InterruptGuard;
use crate::engine::task::{FLOOD, SLEEP, Task};
use crate::engine::{
    EngineError, Event, EventSink, ExitStatus, ProcessGroup, RunContext, StartMethod, sys,
};
use crate::json::{self, Message};

/// What `selftest` accepts, for the error message.
const USAGE: &str = "flood BYTES | hold MS WORKERS [fork|spawn|forkserver]";

/// A self-test to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selftest {
    Flood {
        bytes: u64,
    },
    Hold {
        ms: u64,
        workers: usize,
        start: StartMethod,
    },
}

impl Selftest {
    /// Reads `case` and its arguments; the error says what is accepted.
    pub fn parse(case: &str, args: &[String]) -> Result<Self, String> {
        let number = |index: usize| args.get(index).and_then(|word| word.parse::<u64>().ok());
        let bad = || {
            let given = std::iter::once(case).chain(args.iter().map(String::as_str));
            format!(
                "unknown selftest `{}`; try: {USAGE}",
                given.collect::<Vec<_>>().join(" ")
            )
        };
        match case {
            "flood" if args.len() == 1 => Ok(Selftest::Flood {
                bytes: number(0).ok_or_else(bad)?,
            }),
            "hold" if (2..=3).contains(&args.len()) => Ok(Selftest::Hold {
                ms: number(0).ok_or_else(bad)?,
                // Capped like the demos' `workers` parameter.
                workers: number(1)
                    .and_then(|count| usize::try_from(count).ok())
                    .filter(|count| (1..=64).contains(count))
                    .ok_or_else(bad)?,
                start: match args.get(2) {
                    None => StartMethod::Fork,
                    Some(word) => StartMethod::from_name(word).ok_or_else(bad)?,
                },
            }),
            _ => Err(bad()),
        }
    }

    /// Runs the test, printing JSON on `out`; returns whether the workers
    /// ran to completion.
    pub fn run(&self, out: &mut dyn Write) -> std::io::Result<bool> {
        let _guard = InterruptGuard::install();
        match *self {
            Selftest::Flood { bytes } => {
                let mut sink = Counter::default();
                let outcome = run_workers(
                    &mut sink,
                    StartMethod::Fork,
                    1,
                    &Task::new(&FLOOD).uint(bytes),
                );
                let report = SelftestReport {
                    case: "flood".into(),
                    ok: outcome.is_ok(),
                    error: outcome.as_ref().err().map(ToString::to_string),
                    interrupted: matches!(outcome, Err(EngineError::Interrupted)),
                    flood: Some(FloodFigures {
                        bytes,
                        lines_seen: sink.lines,
                        notes: sink.notes,
                        exited: sink.exited,
                        peak_rss_kb: sys::own_peak_rss_kb_since_exec(),
                    }),
                };
                json::write_line(out, Message::Selftest(report))?;
                Ok(outcome.is_ok())
            }
            Selftest::Hold { ms, workers, start } => {
                let mut sink = json::JsonLines::new(out);
                let outcome = run_workers(&mut sink, start, workers, &Task::new(&SLEEP).uint(ms));
                let report = SelftestReport {
                    case: "hold".into(),
                    ok: outcome.is_ok(),
                    error: outcome.as_ref().err().map(ToString::to_string),
                    interrupted: matches!(outcome, Err(EngineError::Interrupted)),
                    flood: None,
                };
                json::write_line(sink.out, Message::Selftest(report))?;
                Ok(outcome.is_ok())
            }
        }
    }
}

/// Starts `workers` workers in one group and waits for them all.
fn run_workers(
    sink: &mut dyn EventSink,
    start: StartMethod,
    workers: usize,
    task: &Task,
) -> Result<(), EngineError> {
    // Long enough for any case; the deadline only guards a stuck worker.
    let mut ctx =
        RunContext::new(sink, start, Duration::from_secs(600)).with_bodies(crate::demos::bodies());
    let mut group = ProcessGroup::new();
    for index in 0..workers {
        group.spawn(
            &mut ctx,
            index,
            format!("Process-{}", index + 1),
            task,
            false,
        )?;
    }
    group.wait_all(&mut ctx).map(drop)
}

/// Counts events and keeps nothing but the notes and exit statuses.
#[derive(Debug, Default)]
struct Counter {
    lines: u64,
    notes: Vec<String>,
    exited: Vec<ExitStatus>,
}

impl EventSink for Counter {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Line { .. } => self.lines += 1,
            Event::Note { text, .. } => self.notes.push(text.clone()),
            Event::Exited { status, .. } => self.exited.push(status.clone()),
            Event::Started { .. } | Event::Progress { .. } => {}
        }
    }
}

/// How a self-test ended: the closing JSON line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelftestReport {
    /// `flood` or `hold`.
    pub case: String,
    /// The workers ran to completion.
    pub ok: bool,
    pub error: Option<String>,
    pub interrupted: bool,
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub flood: Option<FloodFigures>,
}

/// What `flood` saw of a worker writing as fast as it can.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloodFigures {
    pub bytes: u64,
    /// Lines that reached the sink; the rest were counted and dropped.
    pub lines_seen: u64,
    pub notes: Vec<String>,
    pub exited: Vec<ExitStatus>,
    /// mptutor's own peak memory.
    pub peak_rss_kb: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn cases_parse_with_their_arguments() {
        assert_eq!(
            Selftest::parse("flood", &words("1000")),
            Ok(Selftest::Flood { bytes: 1000 })
        );
        assert_eq!(
            Selftest::parse("hold", &words("50 2 spawn")),
            Ok(Selftest::Hold {
                ms: 50,
                workers: 2,
                start: StartMethod::Spawn
            })
        );
        assert_eq!(
            Selftest::parse("hold", &words("50 3 forkserver")),
            Ok(Selftest::Hold {
                ms: 50,
                workers: 3,
                start: StartMethod::ForkServer
            })
        );
    }

    #[test]
    fn a_bad_case_says_what_is_accepted() {
        for (case, args) in [
            ("flood", ""),
            ("hold", "50 0"),
            ("hold", "50 2 forkk"),
            ("x", ""),
        ] {
            let error = Selftest::parse(case, &words(args)).expect_err(case);
            assert!(error.contains(USAGE), "{error}");
        }
    }
}
