//! `compare`: lesson q2's comparison table with a "measured here" column,
//! filled in by running the experiments on this machine.
//!
//! Both front ends use it: the REPL's `compare [row]` and
//! `mptutor compare [ROW] [--json]`. On a terminal wide enough for two
//! columns the table waits on the left, "…" in its new column, while each
//! experiment's output streams on the right; a narrow one gets a line
//! saying what runs instead, since the table would not fit beside anything.
//! When the experiments end, the table is printed again with every cell
//! filled in, then where it ran and what each row found. `--json` prints
//! the results as one line of mptutor's JSON instead (`"type":"compare"`),
//! so an instructor can collect a whole class's machines.

use std::io::Write;

use crate::course::Course;
use crate::demos::compare::{self, Comparison, Row};
use crate::engine::{EngineError, Event, EventSink};
use crate::json::{self, CompareOutcome, Failure, Message};
use crate::live_view::{self, LiveView};
use crate::render::{self, LiveColumns, RenderOptions};
use crate::replay::{Pace, Recording, Replayer};

/// A comparison to run, as `compare [row]` asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompareRequest {
    /// The rows to measure, in the order they run.
    pub rows: Vec<Row>,
    /// Markdown whose first table is the comparison: the prose of the
    /// lesson holding a `compare` demo. Empty when the course has none,
    /// and the experiments are listed on their own.
    pub table: String,
}

impl CompareRequest {
    /// The request for `compare [row]` in `course`, or why there is none:
    /// the message names the rows there are.
    pub fn new(course: &Course, row: Option<&str>) -> Result<Self, String> {
        let Some(rows) = compare::rows_named(row) else {
            let spec = crate::demos::find_demo("compare").and_then(|demo| demo.param("row"));
            return Err(match (spec, row) {
                (Some(spec), Some(row)) => spec
                    .parse_text(row)
                    .err()
                    .map_or_else(|| format!("no row `{row}`"), |error| error.0),
                _ => "no such row".to_string(),
            });
        };
        let lesson = course.lessons.iter().find(|lesson| {
            lesson.steps.iter().any(|step| {
                step.blocks.iter().any(|block| {
                    matches!(block, crate::course::Block::Demo(demo) if demo.demo.name == "compare")
                })
            })
        });
        let table = lesson.map_or_else(String::new, |lesson| {
            let prose: Vec<String> = lesson.steps.iter().map(|step| step.prose()).collect();
            prose.join("\n\n")
        });
        Ok(CompareRequest { rows, table })
    }
}

/// Runs the comparison, showing it live on `out`, or with a `pace`:
/// measured at full speed into a recording, then replayed at that pace
/// (see [`crate::replay`]). Returns how it ended.
pub fn run_live(
    request: &CompareRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Pace>,
) -> Result<Comparison, EngineError> {
    let left = RenderOptions {
        width: LiveColumns::explanation_width(&options),
        ..options
    };
    let explanation = if render::split_for(&options).is_some() {
        render::render_compare(&request.table, &request.rows, None, &left)
    } else {
        let names: Vec<&str> = request.rows.iter().map(|row| row.name()).collect();
        render::render_markdown(
            &format!(
                "Measuring on real processes and threads: {}. The table, with a \"{}\" column, \
                 follows the output.",
                names.join(", "),
                render::compare::MEASURED_HERE
            ),
            &options,
        )
    };
    let Some(pace) = pace else {
        let mut view = LiveView::start_rendered(out, &explanation, options);
        let outcome = compare::run_rows(&request.rows, &mut view);
        view.finish_with(&closing(request, &outcome, &options));
        return outcome;
    };
    live_view::say(out, &Replayer::recording_line(pace), &options);
    let mut recording = Recording::start();
    let outcome = compare::run_rows(&request.rows, &mut recording);
    recording.finish();
    let replayer = Replayer::after_run(pace, matches!(outcome, Err(EngineError::Interrupted)));
    live_view::say(out, &replayer.header(&recording), &options);
    let replayed = {
        let mut view = LiveView::start_rendered(&mut *out, &explanation, options);
        let replayed = replayer.play(&recording, &mut view);
        view.finish_with(&closing(request, &outcome, &options));
        replayed
    };
    if let Some(summary) = replayed.summary() {
        live_view::say(out, &summary, &options);
    }
    outcome
}

/// The filled-in table and its summary, or why the comparison stopped.
fn closing(
    request: &CompareRequest,
    outcome: &Result<Comparison, EngineError>,
    options: &RenderOptions,
) -> String {
    match outcome {
        Ok(comparison) => format!(
            "{}\n\n{}",
            render::render_compare(&request.table, &request.rows, Some(comparison), options),
            render::render_compare_summary(comparison, options)
        ),
        Err(EngineError::Interrupted) => render::render_markdown(
            "**Stopped** (Ctrl-C): every worker was killed and reaped, and nothing more was measured.",
            options,
        ),
        Err(error) => {
            render::render_markdown(&format!("**The comparison failed:** {error}"), options)
        }
    }
}

/// Runs the comparison without showing it, then prints the results as one
/// line of mptutor's JSON: the comparison, or why it stopped.
pub fn run_json(
    request: &CompareRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<Comparison, EngineError>> {
    let outcome = compare::run_rows(&request.rows, &mut Unseen);
    let message = match &outcome {
        Ok(comparison) => Message::Compare(CompareOutcome::new(comparison.clone())),
        Err(error) => Message::Error(Failure::of(error)),
    };
    json::write_line(out, message)?;
    Ok(outcome)
}

/// A sink for a run nobody watches.
struct Unseen;

impl EventSink for Unseen {
    fn event(&mut self, _: &Event) {}
}
