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

use serde_json::json;

use crate::engine::interrupt::InterruptGuard;
use crate::engine::task::{FLOOD, SLEEP, Task};
use crate::engine::{
    EngineError, Event, EventSink, ExitStatus, ProcessGroup, RunContext, StartMethod, sys,
};

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
                let value = json!({
                    "event": "selftest",
                    "case": "flood",
                    "bytes": bytes,
                    "ok": outcome.is_ok(),
                    "error": outcome.as_ref().err().map(ToString::to_string),
                    "lines_seen": sink.lines,
                    "notes": sink.notes,
                    "exited": sink.exited,
                    "peak_rss_kb": sys::own_max_rss_kb(),
                });
                writeln!(out, "{value}")?;
                Ok(outcome.is_ok())
            }
            Selftest::Hold { ms, workers, start } => {
                let mut sink = JsonEvents { out, broken: false };
                let outcome = run_workers(&mut sink, start, workers, &Task::new(&SLEEP).uint(ms));
                let value = json!({
                    "event": "selftest",
                    "case": "hold",
                    "ok": outcome.is_ok(),
                    "error": outcome.as_ref().err().map(ToString::to_string),
                    "interrupted": matches!(outcome, Err(EngineError::Interrupted)),
                });
                writeln!(sink.out, "{value}")?;
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

/// Prints each event as a JSON line the moment it happens.
struct JsonEvents<'w> {
    out: &'w mut dyn Write,
    /// A write failed (closed pipe): keep running, stop printing.
    broken: bool,
}

impl EventSink for JsonEvents<'_> {
    fn event(&mut self, event: &Event) {
        if self.broken {
            return;
        }
        let written = serde_json::to_string(event)
            .map_err(std::io::Error::other)
            .and_then(|line| writeln!(self.out, "{line}"))
            .and_then(|()| self.out.flush());
        self.broken = written.is_err();
    }
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
