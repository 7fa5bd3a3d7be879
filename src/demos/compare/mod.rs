//! `compare` (lesson q2): the experiments behind the processes-vs-threads
//! table, one per row, each run on real processes and real threads.
//!
//! Every row of lesson q2's table is a claim ("a crash kills one process",
//! "threads need locks around shared data"), and each experiment here
//! tests claims on the student's machine. Each returns a typed result (one
//! file per experiment, [`RowOutcome`] holding any of them), and from that
//! result alone come its findings, its [`Verdict`] and its table [`Cell`]
//! ([`Judged`]): a claim holds, is contradicted, or couldn't be told, and
//! the sentence and the cell say which, with the same figures. Speed
//! claims go through `findings::speed` with the load measured, so a busy
//! laptop gets "couldn't tell" with its figures rather than a false ✗.
//!
//! Which experiment tests which row of the lesson's table, and the words
//! `compare` takes, are one table in [`names`]. Worker numbers run on
//! across experiments (`ctx.workers`), big batches show only their first
//! few workers (`ctx.show_first`), and thread workers are all joined before
//! the next experiment may fork.
//!
//! The results ([`Comparison`]) are plain data: the REPL's `compare`
//! renders them into the lesson's own table (`render::render_compare`),
//! `mptutor compare --json` prints them in mptutor's JSON envelope, and the
//! `compare` demo returns them as its result.

mod cell;
mod communication;
mod comparison;
mod cpu;
mod failure;
mod io;
mod memory;
pub mod names;
mod overhead;
mod python;
#[cfg(test)]
pub(crate) mod samples;
mod start_methods;
mod synchronization;
#[cfg(test)]
mod tests;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::context::{EngineError, RunContext, StartMethod};
use crate::engine::event::EventSink;
use crate::engine::interrupt::InterruptGuard;
use crate::findings::{Finding, Report, Unclear, Verdict};

pub use cell::{Cell, CellPart};
pub use communication::{CommunicationResult, RECEIVE_BYTES, rate_words};
pub use comparison::{Comparison, Machine, RowReport};
pub use cpu::{CpuResult, PythonOutcome, Split, Timed};
pub use failure::{CRASHING_THREADS, FailureResult};
pub use io::IoResult;
pub use memory::{ADD_TO_COUNTER, MemoryResult};
pub use names::{Aspect, rows_named};
pub use overhead::OverheadResult;
pub use python::{PythonInfo, PythonPhase, PythonRun};
pub use start_methods::{MethodCost, StartMethodsResult};
pub use synchronization::{RACE_OWN_COPY, RACE_SHARED, SharedCounts, SynchronizationResult};

/// How long `compare` may run before every worker is stopped. The whole
/// table takes about ten seconds; this is for a machine that is badly stuck.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// An experiment of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Row {
    Memory,
    Failure,
    Overhead,
    Cpu,
    Io,
    Communication,
    Synchronization,
    StartMethods,
}

impl Row {
    /// Every experiment, in the order they run.
    pub const ALL: [Row; 8] = [
        Row::Memory,
        Row::Failure,
        Row::Overhead,
        Row::Cpu,
        Row::Io,
        Row::Communication,
        Row::Synchronization,
        Row::StartMethods,
    ];

    /// The name used by `compare <row>` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Row::Memory => "memory",
            Row::Failure => "failure",
            Row::Overhead => "overhead",
            Row::Cpu => "cpu",
            Row::Io => "io",
            Row::Communication => "communication",
            Row::Synchronization => "synchronization",
            Row::StartMethods => "start_methods",
        }
    }

    /// The claim the experiment tests, processes first.
    pub fn claim(self) -> &'static str {
        match self {
            Row::Memory => "a child changes its own copy; threads change the one shared counter",
            Row::Failure => "a crash kills one process; a crash in a thread kills all threads",
            Row::Overhead => "a process costs more to start than a thread",
            Row::Cpu => "CPU work speeds up on processes, not on threads under a GIL",
            Row::Io => "waiting overlaps on threads and on processes alike",
            Row::Communication => {
                "processes copy data through the kernel; threads share memory directly"
            }
            Row::Synchronization => {
                "processes need locks only for shared memory; threads around all shared data"
            }
            Row::StartMethods => "spawn costs more than fork and forkserver",
        }
    }
}

/// What a result says of itself, as pure functions of it: the findings
/// (each judged claim with its verdict), and the cell for the table.
pub trait Judged {
    fn findings(&self) -> Vec<Finding>;

    /// The cell for the experiments' own row: every claim's figures.
    fn cell(&self) -> Cell;

    /// The cell for a row of the lesson's table about `aspect`.
    fn aspect_cell(&self, _aspect: Aspect) -> Cell {
        self.cell()
    }
}

/// What one experiment found, tagged with its row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum RowOutcome {
    Memory(MemoryResult),
    Failure(FailureResult),
    Overhead(OverheadResult),
    /// Boxed: it holds far more than the others.
    Cpu(Box<CpuResult>),
    Io(IoResult),
    Communication(CommunicationResult),
    Synchronization(SynchronizationResult),
    StartMethods(StartMethodsResult),
}

impl RowOutcome {
    pub fn row(&self) -> Row {
        match self {
            RowOutcome::Memory(_) => Row::Memory,
            RowOutcome::Failure(_) => Row::Failure,
            RowOutcome::Overhead(_) => Row::Overhead,
            RowOutcome::Cpu(_) => Row::Cpu,
            RowOutcome::Io(_) => Row::Io,
            RowOutcome::Communication(_) => Row::Communication,
            RowOutcome::Synchronization(_) => Row::Synchronization,
            RowOutcome::StartMethods(_) => Row::StartMethods,
        }
    }

    fn judged(&self) -> &dyn Judged {
        match self {
            RowOutcome::Memory(result) => result,
            RowOutcome::Failure(result) => result,
            RowOutcome::Overhead(result) => result,
            RowOutcome::Cpu(result) => result.as_ref(),
            RowOutcome::Io(result) => result,
            RowOutcome::Communication(result) => result,
            RowOutcome::Synchronization(result) => result,
            RowOutcome::StartMethods(result) => result,
        }
    }

    pub fn findings(&self) -> Vec<Finding> {
        self.judged().findings()
    }

    /// Every judged claim of the row together.
    pub fn verdict(&self) -> Verdict {
        verdict_of(&self.findings())
    }

    pub fn cell(&self) -> Cell {
        self.judged().cell()
    }

    /// The cell for a row of the lesson's table about `aspect`, on
    /// `machine`.
    pub fn aspect_cell(&self, aspect: Aspect, machine: &Machine) -> Cell {
        match (self, aspect) {
            (RowOutcome::StartMethods(result), Aspect::Portability) => {
                result.portability_cell(&machine.short_os())
            }
            _ => self.judged().aspect_cell(aspect),
        }
    }
}

/// The verdicts of the judged findings together.
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    let verdicts: Vec<Verdict> = findings
        .iter()
        .filter_map(|finding| finding.verdict.clone())
        .collect();
    if verdicts.is_empty() {
        return Verdict::CouldntTell(Unclear::NotMeasured {
            why: "no claim was judged".into(),
        });
    }
    Verdict::all(verdicts)
}

/// Runs `rows` for `mptutor compare` and the REPL's `compare`: the same
/// experiments as the `compare` demo, with Ctrl-C caught the same way.
pub fn run_rows(rows: &[Row], sink: &mut dyn EventSink) -> Result<Comparison, EngineError> {
    let _guard = InterruptGuard::install();
    let mut ctx =
        RunContext::new(sink, StartMethod::Fork, TIME_LIMIT).with_bodies(crate::demos::bodies());
    run(&mut ctx, rows)
}

/// Runs each of `rows` in turn, reporting progress row by row.
pub fn run(ctx: &mut RunContext<'_>, rows: &[Row]) -> Result<Comparison, EngineError> {
    let started = std::time::Instant::now();
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let mut results = Vec::new();
    ctx.progress(0, total);
    for (done, row) in rows.iter().enumerate() {
        ctx.note(format!("{}: {}…", row.name(), row.claim()));
        let result = match row {
            Row::Memory => RowOutcome::Memory(memory::run(ctx)?),
            Row::Failure => RowOutcome::Failure(failure::run(ctx)?),
            Row::Overhead => RowOutcome::Overhead(overhead::run(ctx)?),
            Row::Cpu => RowOutcome::Cpu(Box::new(cpu::run(ctx)?)),
            Row::Io => RowOutcome::Io(io::run(ctx)?),
            Row::Communication => RowOutcome::Communication(communication::run(ctx)?),
            Row::Synchronization => RowOutcome::Synchronization(synchronization::run(ctx)?),
            Row::StartMethods => RowOutcome::StartMethods(start_methods::run(ctx)?),
        };
        ctx.note(format!("{}: {}", row.name(), result.cell().plain()));
        results.push(result);
        ctx.progress(u64::try_from(done + 1).unwrap_or(total), total);
        if ctx.timed_out {
            ctx.note("the time limit was reached: the remaining rows were not run");
            break;
        }
    }
    let python = results.iter().find_map(|result| match result {
        RowOutcome::Cpu(cpu) => match &cpu.python {
            PythonOutcome::Measured(run) => Some(run.info.clone()),
            PythonOutcome::Missing { .. } => None,
        },
        _ => None,
    });
    let python = match python {
        Some(info) => Some(info),
        None => python::probe(ctx)?,
    };
    Ok(Comparison {
        rows: results,
        machine: Machine {
            cores: crate::engine::sys::cores(),
            os: crate::engine::sys::os_name(),
            python,
        },
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// `a / b`; not a number when `b` is 0 (printed as `–`).
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { f64::NAN }
}

/// Microseconds in `duration`.
fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// `Close what…`: a sentence from words written to follow a colon.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The demo, as the catalogue lists it.
pub struct CompareDemo;

impl crate::demos::Demo for CompareDemo {
    type Result = Comparison;

    const BODIES: crate::engine::Bodies = &[
        &crate::demos::primes::COUNT_PRIMES,
        &ADD_TO_COUNTER,
        &CRASHING_THREADS,
        &RECEIVE_BYTES,
        &RACE_OWN_COPY,
        &RACE_SHARED,
    ];

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
        name: "compare",
        lesson: "q2",
        summary: "run the processes-vs-threads experiments and fill in the table",
        params: &[crate::demos::ParamSpec {
            name: "row",
            kind: crate::demos::ParamKind::Choice(&names::WORDS),
            default: crate::demos::ParamValue::Choice("all"),
            help: "which row of the comparison table to measure: an experiment or a label of \
                   the lesson's table",
        }],
    };

    fn run(
        ctx: &mut RunContext<'_>,
        params: &crate::demos::ResolvedParams,
    ) -> Result<Self::Result, EngineError> {
        match rows_named(Some(params.word("row"))) {
            Some(rows) => run(ctx, &rows),
            None => Err(EngineError::Refused(format!(
                "the comparison has no row `{}`",
                params.word("row")
            ))),
        }
    }

    fn report(result: &Self::Result) -> Report {
        result.report()
    }
}
