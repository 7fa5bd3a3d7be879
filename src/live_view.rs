//! Showing a demo as it runs: an [`EventSink`] that prints each event the
//! moment it arrives, beside the step's explanation when the terminal is
//! wide enough, then a timeline, a summary table and the demo's findings.
//!
//! Both front ends use it: the REPL's `run` and `mptutor run`. It is the one
//! place, with the JSON sink, where demo events turn into output.

use std::io::Write;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::demos::DemoResult;
use crate::engine::{EngineError, Event, EventSink};
use crate::render::{self, LiveColumns, RenderOptions, WorkerLabels};

/// Prints a demo live and keeps what the closing views need.
pub struct LiveView<'w> {
    out: &'w mut dyn Write,
    options: RenderOptions,
    columns: LiveColumns,
    labels: WorkerLabels,
    /// Events for the timeline and the summary, with line texts dropped so
    /// a worker that floods output cannot fill memory.
    kept: Vec<Event>,
    /// A write failed (closed pipe): stop printing, keep running.
    broken: bool,
    /// The progress bar of a long demo, on stderr when it is a terminal.
    /// Drawn only when progress is reported, never by a ticker thread:
    /// the process must stay single-threaded so workers can be forked.
    bar: Option<ProgressBar>,
    /// How long to wait after each live line (instructor's `pace`).
    pace: Option<std::time::Duration>,
    /// The run's timeout: no pace is waited past it, so the run can stop
    /// its workers on time.
    ends_by: Option<std::time::Instant>,
}

impl<'w> LiveView<'w> {
    /// Starts the view: `explanation` is the step's prose (Markdown).
    pub fn start(out: &'w mut dyn Write, explanation: &str, options: RenderOptions) -> Self {
        let explanation = render::render_markdown(
            explanation,
            &RenderOptions {
                width: LiveColumns::explanation_width(&options),
                ..options
            },
        );
        Self::start_rendered(out, &explanation, options)
    }

    /// Starts the view beside an explanation already rendered, at
    /// [`LiveColumns::explanation_width`] (a Python run shows its code).
    pub fn start_rendered(
        out: &'w mut dyn Write,
        explanation: &str,
        options: RenderOptions,
    ) -> Self {
        let mut view = LiveView {
            out,
            options,
            columns: LiveColumns::new(explanation, &options),
            labels: WorkerLabels::new(),
            kept: Vec::new(),
            broken: false,
            bar: None,
            pace: None,
            ends_by: None,
        };
        let header = view.columns.header();
        view.print(&header);
        view
    }

    /// Waits `pace` after each line of live output, so a room can follow
    /// (`pace 300` in the REPL). Ctrl-C cuts the wait short, and so does
    /// the run's timeout.
    pub fn with_pace(mut self, pace: Option<std::time::Duration>) -> Self {
        self.pace = pace.filter(|pace| !pace.is_zero());
        self
    }

    fn wait_for_pace(&self, lines: usize) {
        let Some(pace) = self.pace else {
            return;
        };
        let mut until = std::time::Instant::now() + pace * u32::try_from(lines).unwrap_or(1);
        if let Some(ends_by) = self.ends_by {
            until = until.min(ends_by);
        }
        while !crate::engine::interrupt::requested() {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::sleep(left.min(std::time::Duration::from_millis(20)));
        }
    }

    fn print(&mut self, text: &str) {
        if self.broken || text.is_empty() {
            return;
        }
        let out = &mut self.out;
        let mut write = || writeln!(out, "{text}").and_then(|()| out.flush());
        let written = match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        };
        self.broken = written.is_err();
    }

    fn progress(&mut self, done: u64, total: u64) {
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}") {
                bar.set_style(style);
            }
            bar
        });
        bar.set_length(total);
        bar.set_position(done);
        if done >= total {
            bar.finish_and_clear();
            self.bar = None;
        }
    }

    /// Closes the live part and prints `closing` instead of the demo's
    /// timeline and tables (a Python run says what it knows itself).
    pub fn finish_with(mut self, closing: &str) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let rest = self.columns.finish();
        self.print(&rest);
        self.print(&format!("\n{closing}"));
    }

    /// Closes the live part and prints the timeline, the summary and the
    /// findings (or why the demo stopped).
    pub fn finish(mut self, outcome: &Result<DemoResult, EngineError>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        let rest = self.columns.finish();
        self.print(&rest);
        let options = self.options;
        let mut closing = Vec::new();
        if self.kept.iter().any(|event| event.worker().is_some()) {
            closing.push(render::render_timeline(&self.kept, &options));
            closing.push(render::render_worker_summary(&self.kept, &options));
        }
        match outcome {
            Ok(result) => {
                let report = result.report();
                for table in &report.tables {
                    closing.push(render::render_table(&table.header, &table.rows, &options));
                }
                if !report.findings.is_empty() {
                    closing.push(render::render_findings(&report.findings, &options));
                }
            }
            Err(EngineError::Interrupted) => closing.push(render::render_markdown(
                "**Stopped** (Ctrl-C): every worker was killed and reaped.",
                &options,
            )),
            Err(error) => closing.push(render::render_markdown(
                &format!("**The demo failed:** {error}"),
                &options,
            )),
        }
        let text = closing.join("\n\n");
        self.print(&format!("\n{text}"));
    }
}

impl EventSink for LiveView<'_> {
    fn run_ends_by(&mut self, deadline: std::time::Instant) {
        self.ends_by = Some(deadline);
    }

    fn event(&mut self, event: &Event) {
        if let Event::Progress { done, total, .. } = event {
            self.progress(*done, *total);
            return;
        }
        self.labels.observe(event);
        let lines = render::render_event(
            event,
            &self.labels,
            self.columns.right_width(),
            &self.options,
        );
        let text = self.columns.push(&lines);
        self.print(&text);
        if matches!(event, Event::Line { .. }) {
            self.wait_for_pace(text.lines().count().max(1));
        }
        self.kept.push(match event {
            Event::Line {
                worker,
                pid,
                stream,
                t_us,
                ..
            } => Event::Line {
                worker: *worker,
                pid: *pid,
                stream: *stream,
                text: String::new(),
                t_us: *t_us,
            },
            other => other.clone(),
        });
    }
}

/// A demo to run, as the REPL or `mptutor run` asks for it.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    pub demo: &'static crate::demos::DemoInfo,
    pub params: crate::demos::DemoParams,
    /// The prose of the step the demo belongs to (Markdown).
    pub explanation: String,
}

/// Runs a demo, showing it live on `out`; returns how it ended.
pub fn run_live(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
) -> Result<DemoResult, EngineError> {
    run_live_paced(request, out, options, None)
}

/// [`run_live`], waiting `pace` after each line the workers print.
pub fn run_live_paced(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<std::time::Duration>,
) -> Result<DemoResult, EngineError> {
    let mut view = LiveView::start(out, &request.explanation, options).with_pace(pace);
    let outcome = crate::demos::run_demo(request.demo, &request.params, &mut view);
    view.finish(&outcome);
    outcome
}

/// Runs a demo printing JSON lines on `out` (see [`crate::json`]);
/// returns how it ended.
pub fn run_json(
    request: &DemoRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<DemoResult, EngineError>> {
    let mut sink = crate::json::JsonLines::new(out);
    let outcome = crate::demos::run_demo(request.demo, &request.params, &mut sink);
    sink.finish(&outcome)?;
    Ok(outcome)
}
