//! `compare` (lesson q2): the experiments behind the processes-vs-threads
//! table, one per row, each run on real processes and real threads.
//!
//! Every row of lesson q2's table is a claim ("a crash kills one process",
//! "threads share one memory"), and each experiment here tests one of them
//! on the student's machine and says whether the machine agrees. The
//! verdicts are qualitative on purpose: a shared laptop gives noisy times,
//! so each claim is judged by a margin wide enough that noise cannot flip
//! it (see each experiment's module), and a claim the machine cannot show
//! (a speed-up on one core) is reported as such, never as a failure.
//!
//! The experiments share a [`Lab`]: the demo's context, worker numbering
//! across rows, and a filter that shows only the first few workers of a
//! big batch (200 processes would drown the live view). Thread workers run
//! through [`threads::run_threads`], which joins them all before it
//! returns, so the next experiment may fork.
//!
//! The results ([`Comparison`]) are plain data: the REPL's `compare`
//! renders them into the lesson's own table (`render::render_compare`),
//! `mptutor compare --json` prints them, and the `compare` demo turns them
//! into an ordinary [`DemoReport`].

mod communication;
mod cpu;
mod failure;
mod io;
mod memory;
mod overhead;
mod python;
mod start_methods;

use std::time::Duration;

use serde::{Serialize, Serializer};

use super::report::DemoReport;
use crate::engine::context::{EngineError, RunContext, StartMethod};
use crate::engine::event::EventSink;
use crate::engine::interrupt::InterruptGuard;

pub use communication::RECEIVE_BYTES;
pub use failure::CRASHING_THREADS;
pub use memory::ADD_TO_COUNTER;
pub use python::PythonInfo;

/// How long `compare` may run before every worker is stopped. The whole
/// table takes a few seconds; this is for a machine that is badly stuck.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// A row of the comparison that has an experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Row {
    Memory,
    Failure,
    Overhead,
    Cpu,
    Io,
    Communication,
    StartMethods,
}

impl Row {
    /// Every row, in the order they run.
    pub const ALL: [Row; 7] = [
        Row::Memory,
        Row::Failure,
        Row::Overhead,
        Row::Cpu,
        Row::Io,
        Row::Communication,
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
            Row::StartMethods => "start_methods",
        }
    }

    pub fn from_name(name: &str) -> Option<Row> {
        Row::ALL
            .into_iter()
            .find(|row| row.name().eq_ignore_ascii_case(name.trim()))
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
            Row::StartMethods => "spawn costs more than fork",
        }
    }
}

/// The rows `compare <word>` runs: one, or all of them for `all` (or
/// nothing); `None` for a word that names no row.
pub fn rows_named(word: Option<&str>) -> Option<Vec<Row>> {
    match word.map(str::trim) {
        None | Some("") => Some(Row::ALL.to_vec()),
        Some(word) if word.eq_ignore_ascii_case("all") => Some(Row::ALL.to_vec()),
        Some(word) => Row::from_name(word).map(|row| vec![row]),
    }
}

/// One figure an experiment measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    /// What it is: `processes_counter`, `threads_us_per_worker`.
    pub name: &'static str,
    /// Whole numbers are written as integers in JSON.
    #[serde(serialize_with = "number")]
    pub value: f64,
    /// `count`, `us`, `ms`, `MB/s`, `x` (a ratio), `signal`.
    pub unit: &'static str,
}

impl Measurement {
    pub fn new(name: &'static str, value: f64, unit: &'static str) -> Self {
        Measurement { name, value, unit }
    }
}

fn number<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    // Below 2^53 every whole f64 is exact as an i64.
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64((value * 1000.0).round() / 1000.0)
    }
}

/// What one row's experiment found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowResult {
    pub row: Row,
    pub measurements: Vec<Measurement>,
    /// Whether the machine agrees with the row's claim; `None` when it
    /// cannot show it (a speed-up on one core).
    pub agrees: Option<bool>,
    /// The figures in a few words, processes first: `0 vs 4000`.
    pub summary: String,
    /// What was seen, in a sentence or two.
    pub finding: String,
}

impl RowResult {
    /// A measurement by name.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.measurements
            .iter()
            .find(|measurement| measurement.name == name)
            .map(|measurement| measurement.value)
    }
}

/// The machine the comparison ran on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machine {
    pub cores: usize,
    /// `Linux 6.8.0 x86_64`.
    pub os: String,
    /// The `python3` on PATH, if there is one.
    pub python: Option<PythonInfo>,
}

/// Every row run, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub rows: Vec<RowResult>,
    pub machine: Machine,
    /// Wall time of the whole comparison.
    pub elapsed_ms: u64,
}

impl Comparison {
    pub fn row(&self, row: Row) -> Option<&RowResult> {
        self.rows.iter().find(|result| result.row == row)
    }

    /// The results as a demo report: a table of rows, a finding per row,
    /// and everything as data.
    pub fn report(&self) -> DemoReport {
        let mut report = DemoReport::new("compare");
        report.table = Some((
            vec![
                "row".to_string(),
                "the claim".to_string(),
                "measured here".to_string(),
            ],
            self.rows
                .iter()
                .map(|result| {
                    vec![
                        result.row.name().to_string(),
                        result.row.claim().to_string(),
                        format!("{} {}", result.summary, verdict_mark(result.agrees))
                            .trim_end()
                            .to_string(),
                    ]
                })
                .collect(),
        ));
        report.findings = self
            .rows
            .iter()
            .map(|result| format!("**{}**: {}", result.row.name(), result.finding))
            .collect();
        let command = match self.rows.as_slice() {
            [only] => format!("compare {}", only.row.name()),
            _ => "compare".to_string(),
        };
        report.findings.push(format!(
            "Type `{command}` to measure again and see the figures in the lesson's own table."
        ));
        report.data = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        report
    }
}

/// `✓` when the machine agrees, `✗` when it does not, nothing when it
/// cannot tell (the summary then says why).
pub fn verdict_mark(agrees: Option<bool>) -> &'static str {
    match agrees {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "",
    }
}

/// Cores this machine offers to a program.
pub fn cores() -> usize {
    crate::engine::sys::cores()
}

/// Runs `rows` for `mptutor compare` and the REPL's `compare`: the same
/// experiments as the `compare` demo, with Ctrl-C caught the same way, but
/// returning the typed results.
pub fn run_rows(rows: &[Row], sink: &mut dyn EventSink) -> Result<Comparison, EngineError> {
    let _guard = InterruptGuard::install();
    let mut ctx = RunContext::new(sink, StartMethod::Fork, TIME_LIMIT);
    run(&mut ctx, rows)
}

/// Runs each of `rows` in turn, reporting progress row by row.
pub fn run(ctx: &mut RunContext<'_>, rows: &[Row]) -> Result<Comparison, EngineError> {
    let started = std::time::Instant::now();
    let total = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    let mut results = Vec::new();
    let mut python = None;
    {
        ctx.progress(0, total);
        for (done, row) in rows.iter().enumerate() {
            ctx.note(format!("{}: {}…", row.name(), row.claim()));
            let result = match row {
                Row::Memory => memory::run(ctx)?,
                Row::Failure => failure::run(ctx)?,
                Row::Overhead => overhead::run(ctx)?,
                Row::Cpu => {
                    let (result, found) = cpu::run(ctx)?;
                    python = Some(found);
                    result
                }
                Row::Io => io::run(ctx)?,
                Row::Communication => communication::run(ctx)?,
                Row::StartMethods => start_methods::run(ctx)?,
            };
            let note = format!(
                "{}: {} {}",
                row.name(),
                result.summary,
                verdict_mark(result.agrees)
            );
            ctx.note(note.trim_end());
            results.push(result);
            ctx.progress(u64::try_from(done + 1).unwrap_or(total), total);
            if ctx.timed_out {
                ctx.note("the time limit was reached: the remaining rows were not run");
                break;
            }
        }
    }
    let python = match python {
        Some(found) => found,
        None => python::probe(ctx)?,
    };
    Ok(Comparison {
        rows: results,
        machine: Machine {
            cores: cores(),
            os: crate::engine::sys::os_name(),
            python,
        },
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    })
}

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// `6×`, `1.4×`: a ratio with the precision it deserves.
fn times_word(times: f64) -> String {
    if times >= 10.0 {
        format!("{times:.0}×")
    } else {
        format!("{times:.1}×")
    }
}

/// Microseconds in `duration`, as a float for measurements.
fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// The demo, as the catalogue lists it.
pub struct CompareDemo;

impl crate::demos::Demo for CompareDemo {
    type Result = crate::demos::report::DemoReport;

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
        name: "compare",
        lesson: "q2",
        summary: "run the processes-vs-threads experiments and fill in the table",
        params: &[crate::demos::ParamSpec {
            name: "row",
            kind: crate::demos::ParamKind::Choice(&[
                "all",
                "memory",
                "failure",
                "overhead",
                "cpu",
                "io",
                "communication",
                "start_methods",
            ]),
            default: crate::demos::ParamValue::Choice("all"),
            help: "which row of the comparison table to measure",
        }],
    };

    fn run(
        ctx: &mut RunContext<'_>,
        params: &crate::demos::ResolvedParams,
    ) -> Result<Self::Result, EngineError> {
        match rows_named(Some(params.word("row"))) {
            Some(rows) => run(ctx, &rows).map(|found| found.report()),
            None => Err(EngineError::Refused(format!(
                "the comparison has no row `{}`",
                params.word("row")
            ))),
        }
    }

    fn report(result: &Self::Result) -> crate::findings::Report {
        result.report()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_named_as_the_catalogue_names_them() {
        let catalogue = crate::demos::find_demo("compare")
            .and_then(|demo| demo.param("row"))
            .map(|spec| spec.kind);
        let Some(crate::demos::ParamKind::Choice(words)) = catalogue else {
            panic!("the compare demo has a `row` choice");
        };
        let mut names: Vec<&str> = Row::ALL.iter().map(|row| row.name()).collect();
        names.insert(0, "all");
        assert_eq!(words, names.as_slice());
    }

    #[test]
    fn a_word_picks_one_row_or_all() {
        assert_eq!(rows_named(None), Some(Row::ALL.to_vec()));
        assert_eq!(rows_named(Some("ALL")), Some(Row::ALL.to_vec()));
        assert_eq!(rows_named(Some("io")), Some(vec![Row::Io]));
        assert_eq!(rows_named(Some("gil")), None);
    }

    #[test]
    fn whole_measurements_are_integers_in_json() {
        let text = serde_json::to_string(&[
            Measurement::new("a", 4000.0, "count"),
            Measurement::new("b", 1.23456, "x"),
        ])
        .unwrap_or_default();
        assert_eq!(
            text,
            r#"[{"name":"a","value":4000,"unit":"count"},{"name":"b","value":1.235,"unit":"x"}]"#
        );
    }
}
