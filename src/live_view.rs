//! Showing a demo as it runs: an [`EventSink`] that prints each event the
//! moment it arrives, beside the step's explanation when the terminal is
//! wide enough, then a timeline, a summary table and the demo's findings.
//!
//! Both front ends use it: the REPL's `run` and `mptutor run`. It is the one
//! place, with the JSON sink, where demo events turn into output.

use std::io::Write;

use crate::demo::{DemoError, DemoReport, Event, EventSink};
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
        let mut view = LiveView {
            out,
            options,
            columns: LiveColumns::new(&explanation, &options),
            labels: WorkerLabels::new(),
            kept: Vec::new(),
            broken: false,
        };
        let header = view.columns.header();
        view.print(&header);
        view
    }

    fn print(&mut self, text: &str) {
        if self.broken || text.is_empty() {
            return;
        }
        if writeln!(self.out, "{text}")
            .and_then(|()| self.out.flush())
            .is_err()
        {
            self.broken = true;
        }
    }

    /// Closes the live part and prints the timeline, the summary and the
    /// findings (or why the demo stopped).
    pub fn finish(mut self, outcome: &Result<DemoReport, DemoError>) {
        let rest = self.columns.finish();
        self.print(&rest);
        let options = self.options;
        let mut closing = Vec::new();
        if self.kept.iter().any(|event| event.worker().is_some()) {
            closing.push(render::render_timeline(&self.kept, &options));
            closing.push(render::render_worker_summary(&self.kept, &options));
        }
        match outcome {
            Ok(report) => {
                if let Some((header, rows)) = &report.table {
                    closing.push(render::render_table(header, rows, &options));
                }
                let findings = report.findings.join("\n\n");
                if !findings.is_empty() {
                    closing.push(render::render_markdown(&findings, &options));
                }
            }
            Err(DemoError::Interrupted) => closing.push(render::render_markdown(
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
    fn event(&mut self, event: &Event) {
        self.labels.observe(event);
        let lines = render::render_event(
            event,
            &self.labels,
            self.columns.right_width(),
            &self.options,
        );
        let text = self.columns.push(&lines);
        self.print(&text);
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

/// Prints every event as one JSON object per line, then the result.
pub struct JsonLines<'w> {
    pub out: &'w mut dyn Write,
    pub broken: bool,
}

impl EventSink for JsonLines<'_> {
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

impl JsonLines<'_> {
    /// The closing `{"event":"result", …}` line.
    pub fn result(&mut self, outcome: &Result<DemoReport, DemoError>) -> std::io::Result<()> {
        let value = match outcome {
            Ok(report) => serde_json::json!({
                "event": "result",
                "demo": report.demo,
                "ok": true,
                "findings": report.findings,
                "data": report.data,
            }),
            Err(error) => serde_json::json!({
                "event": "result",
                "ok": false,
                "error": error.to_string(),
                "interrupted": matches!(error, DemoError::Interrupted),
            }),
        };
        writeln!(self.out, "{value}")?;
        self.out.flush()
    }
}

/// A demo to run, as the REPL or `mptutor run` asks for it.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    pub demo: &'static crate::demo::DemoInfo,
    pub params: crate::demo::DemoParams,
    /// The prose of the step the demo belongs to (Markdown).
    pub explanation: String,
}

/// Runs a demo, showing it live on `out`; returns how it ended.
pub fn run_live(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
) -> Result<DemoReport, DemoError> {
    let mut view = LiveView::start(out, &request.explanation, options);
    let outcome = crate::demo::run_demo(request.demo, &request.params, &mut view);
    view.finish(&outcome);
    outcome
}

/// Runs a demo printing JSON lines on `out`; returns how it ended.
pub fn run_json(
    request: &DemoRequest,
    out: &mut dyn Write,
) -> std::io::Result<Result<DemoReport, DemoError>> {
    let mut sink = JsonLines { out, broken: false };
    let outcome = crate::demo::run_demo(request.demo, &request.params, &mut sink);
    sink.result(&outcome)?;
    Ok(outcome)
}
