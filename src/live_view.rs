//! Showing a demo as it runs: an [`EventSink`] that prints each event the
//! moment it arrives, beside the step's explanation when the terminal is
//! wide enough, then a timeline, a summary table and the demo's findings.
//!
//! Both front ends use it: the REPL's `run` and `mptutor run`. It is the one
//! place, with the JSON sink, where demo events turn into output.

use std::io::Write;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::demos::DemoResult;
use crate::engine::resize::ResizeGuard;
use crate::engine::{EngineError, Event, EventSink};
use crate::findings::Report;
use crate::render::{self, LiveColumns, RenderOptions, WorkerLabels};
use crate::replay::{Pace, Recording, Replayer};

/// Most lanes the live X-ray panel draws; the closing picture has them all.
const PANEL_MAX_LANES: usize = 12;
/// Fewest lanes worth a panel: a shorter terminal gets none.
const PANEL_MIN_LANES: usize = 3;
/// Rows of the terminal kept for the panel's headline and axis and for
/// the live output above it.
const PANEL_SPARE_ROWS: usize = 12;

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
    /// A Python run's X-ray so far, redrawn in place under the live
    /// output (on stderr, a terminal), when [`LiveView::with_xray_panel`]
    /// asked for it. Like the progress bar, drawn only when a new picture
    /// arrives, never by a thread of its own.
    panel: Option<ProgressBar>,
    /// Lanes the panel may draw: what the terminal's height leaves for it,
    /// 0 when there is no panel.
    panel_lanes: usize,
    /// Catches SIGWINCH while the view is on screen, when output follows
    /// the terminal's width: lines printed after a resize fit the new one.
    resize: Option<ResizeGuard>,
    /// Tables cut short after the run, and the verdict first (the REPL,
    /// where `details` shows them whole).
    brief: bool,
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
        Self::start_with(out, LiveColumns::new(explanation, &options), options)
    }

    /// Starts the view without the explanation: the live output alone, at
    /// the whole width (`run view=live`).
    pub fn start_live_only(out: &'w mut dyn Write, options: RenderOptions) -> Self {
        Self::start_with(out, LiveColumns::live_only(&options), options)
    }

    fn start_with(out: &'w mut dyn Write, columns: LiveColumns, options: RenderOptions) -> Self {
        let mut view = LiveView {
            out,
            options,
            columns,
            labels: WorkerLabels::new(),
            kept: Vec::new(),
            broken: false,
            bar: None,
            panel: None,
            panel_lanes: 0,
            resize: ResizeGuard::install(),
            brief: false,
        };
        let header = view.columns.header();
        view.print(&header);
        view
    }

    /// After the run, tables longer than [`render::BRIEF_MAX_ROWS`] rows
    /// show their first rows and say that `details` shows them whole.
    pub fn with_brief_tables(mut self, on: bool) -> Self {
        self.brief = on;
        self
    }

    /// How the view renders now: the terminal's width may have changed
    /// since it started.
    pub fn options(&mut self) -> RenderOptions {
        self.follow_resize();
        self.options
    }

    /// After a SIGWINCH, takes the terminal's new width for what is
    /// printed from now on.
    fn follow_resize(&mut self) {
        if self.resize.is_none() || !crate::engine::resize::take() {
            return;
        }
        let width = crate::repl::terminal_width();
        if width != self.options.width {
            self.options.width = width;
            self.columns.relayout(&self.options);
        }
    }

    /// Draws a Python run's X-ray as it goes, under the live output, when
    /// `on` and both stdout and stderr are a terminal tall enough for a
    /// few lanes.
    pub fn with_xray_panel(mut self, on: bool) -> Self {
        use std::io::IsTerminal;
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let rows = console::Term::stderr()
            .size_checked()
            .map_or(0, |(rows, _)| usize::from(rows));
        // The headline, the axis's two lines and room for the live output.
        let lanes = rows.saturating_sub(PANEL_SPARE_ROWS).min(PANEL_MAX_LANES);
        self.panel_lanes = if on && terminal && lanes >= PANEL_MIN_LANES {
            lanes
        } else {
            0
        };
        self
    }

    fn show_panel(&mut self, xray: &crate::xray::model::Xray) {
        // One line short of the terminal's width: a full line would wrap
        // on some terminals and the panel would not be cleared in full.
        let options = RenderOptions {
            width: self.options.columns().saturating_sub(1).max(20),
            ..self.options
        };
        let text = render::render_xray_live(xray, &options, self.panel_lanes);
        let text = render::terminal_safe(&text, self.options.color);
        let panel = self.panel.get_or_insert_with(|| {
            let panel = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{msg}") {
                panel.set_style(style);
            }
            panel
        });
        panel.set_message(text);
    }

    fn close_panel(&mut self) {
        if let Some(panel) = self.panel.take() {
            panel.finish_and_clear();
        }
    }

    fn print(&mut self, text: &str) {
        if self.broken || text.is_empty() {
            return;
        }
        let out = &mut self.out;
        let mut write = || writeln!(out, "{text}").and_then(|()| out.flush());
        let written = match (&self.bar, &self.panel) {
            (Some(bar), _) => bar.suspend(write),
            (None, Some(panel)) => panel.suspend(write),
            (None, None) => write(),
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
        self.follow_resize();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.close_panel();
        let rest = self.columns.finish();
        self.print(&rest);
        self.print(&format!("\n{closing}"));
    }

    /// Closes the live part and prints the verdict, then the details: the
    /// timeline, the tables and the findings (or why the demo stopped).
    /// Returns what `details` shows again.
    pub fn finish(mut self, outcome: &Result<DemoResult, EngineError>) -> RunDetails {
        self.follow_resize();
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.close_panel();
        let rest = self.columns.finish();
        self.print(&rest);
        let options = self.options;
        let report = outcome.as_ref().ok().map(DemoResult::report);
        let more = |left_out: usize| format!("… {left_out} more; `details` shows all.");
        let mut closing = Vec::new();
        if let Some(report) = &report {
            // Right under the live output, so it is in view on any screen.
            let verdict = render::render_verdict(&report.findings, &options);
            if !verdict.is_empty() {
                closing.push(verdict);
            }
        }
        if self.kept.iter().any(|event| event.worker().is_some()) {
            closing.push(render::render_timeline(&self.kept, &options));
            closing.push(if self.brief {
                render::render_worker_summary_brief(&self.kept, &options, &more)
            } else {
                render::render_worker_summary(&self.kept, &options)
            });
        }
        match (outcome, &report) {
            (Ok(_), Some(report)) => {
                for table in &report.tables {
                    closing.push(if self.brief {
                        render::render_table_brief(&table.header, &table.rows, &options, &more)
                    } else {
                        render::render_table(&table.header, &table.rows, &options)
                    });
                }
                if !report.findings.is_empty() {
                    closing.push(render::render_findings(&report.findings, &options));
                }
            }
            (Ok(_), None) => {}
            (Err(EngineError::Interrupted), _) => closing.push(render::render_markdown(
                "**Stopped** (Ctrl-C): every worker was killed and reaped.",
                &options,
            )),
            (Err(error), _) => closing.push(render::render_markdown(
                &format!("**The demo failed:** {error}"),
                &options,
            )),
        }
        let text = closing.join("\n\n");
        self.print(&format!("\n{text}"));
        RunDetails {
            events: std::mem::take(&mut self.kept),
            report,
        }
    }
}

/// A finished demo's tables, kept for `details`: its events (line texts
/// dropped) and what its result supports.
#[derive(Debug, Clone, Default)]
pub struct RunDetails {
    pub events: Vec<Event>,
    pub report: Option<Report>,
}

impl RunDetails {
    /// Every table of the run in full, at `options`' width: one row per
    /// worker, then the demo's own tables.
    pub fn render(&self, options: &RenderOptions) -> String {
        let mut parts = Vec::new();
        if self.events.iter().any(|event| event.worker().is_some()) {
            parts.push(render::render_worker_summary(&self.events, options));
        }
        for table in self.report.iter().flat_map(|report| &report.tables) {
            parts.push(render::render_table(&table.header, &table.rows, options));
        }
        parts.join("\n\n")
    }
}

impl EventSink for LiveView<'_> {
    fn wants_xray(&self) -> bool {
        self.panel_lanes > 0 && !self.broken
    }

    fn xray_so_far(&mut self, xray: &crate::xray::model::Xray) {
        if self.wants_xray() && self.bar.is_none() {
            self.show_panel(xray);
        }
    }

    fn event(&mut self, event: &Event) {
        if let Event::Progress { done, total, .. } = event {
            self.progress(*done, *total);
            return;
        }
        self.follow_resize();
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

/// A demo to run, as the REPL or `mptutor run` asks for it.
#[derive(Debug, Clone)]
pub struct DemoRequest {
    pub demo: &'static crate::demos::DemoInfo,
    pub params: crate::demos::DemoParams,
    /// The prose of the step the demo belongs to (Markdown).
    pub explanation: String,
    /// Show the live output alone, at full width, without the explanation
    /// (`view=live`).
    pub live_only: bool,
}

impl DemoRequest {
    /// Takes `view=…` out of a run's `assignments` (it is no parameter of
    /// the demo): whether the live output is shown alone (`view=live`) or
    /// beside the explanation (`view=both`, the default).
    pub fn take_view(assignments: &mut Vec<String>) -> Result<bool, String> {
        let Some(at) = assignments
            .iter()
            .position(|assignment| assignment.starts_with("view="))
        else {
            return Ok(false);
        };
        let assignment = assignments.remove(at);
        match assignment.trim_start_matches("view=") {
            "live" => Ok(true),
            "both" => Ok(false),
            other => Err(format!(
                "`view` is `live` (the live output alone, at full width) or `both` (beside the \
                 explanation), not `{other}`."
            )),
        }
    }
}

/// Runs a demo, showing it live on `out`; returns how it ended.
pub fn run_live(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
) -> Result<DemoResult, EngineError> {
    run_live_paced(request, out, options, None)
}

/// [`run_live`], or with a `pace`: the demo runs at full speed into a
/// recording, which is then replayed at that pace (see [`crate::replay`]).
pub fn run_live_paced(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Pace>,
) -> Result<DemoResult, EngineError> {
    let Some(pace) = pace else {
        let mut view = start_view(&mut *out, request, options);
        let outcome = crate::demos::run_demo(request.demo, &request.params, &mut view);
        view.finish(&outcome);
        return outcome;
    };
    say(out, &Replayer::recording_line(pace), &options);
    let mut recording = Recording::start();
    let outcome = crate::demos::run_demo(request.demo, &request.params, &mut recording);
    recording.finish();
    let replayer = Replayer::after_run(pace, matches!(outcome, Err(EngineError::Interrupted)));
    say(out, &replayer.header(&recording), &options);
    let replayed = {
        let mut view = start_view(&mut *out, request, options);
        let replayed = replayer.play(&recording, &mut view);
        view.finish(&outcome);
        replayed
    };
    if let Some(summary) = replayed.summary() {
        say(out, &summary, &options);
    }
    outcome
}

/// The live view `request` asks for: beside the step's explanation, or
/// the live output alone (`view=live`).
fn start_view<'w>(
    out: &'w mut dyn Write,
    request: &DemoRequest,
    options: RenderOptions,
) -> LiveView<'w> {
    if request.live_only {
        LiveView::start_live_only(out, options)
    } else {
        LiveView::start(out, &request.explanation, options)
    }
}

/// A paragraph of mptutor's own (Markdown), rendered, and a blank line
/// after it; a failed write is left for the view's next write to notice.
pub(crate) fn say(out: &mut dyn Write, markdown: &str, options: &RenderOptions) {
    let _ = writeln!(out, "{}\n", render::render_markdown(markdown, options))
        .and_then(|()| out.flush());
}

/// [`run_live_paced`] as the REPL shows it, where the step was just on
/// screen: below the side-by-side width the step's prose is not printed
/// again, and after the live output come the verdict, then the timeline,
/// tables cut short past a dozen rows, and the findings. Returns how the
/// run ended and what `details` shows.
pub fn run_live_in_repl(
    request: &DemoRequest,
    out: &mut dyn Write,
    options: RenderOptions,
    pace: Option<Pace>,
) -> (Result<DemoResult, EngineError>, RunDetails) {
    let explanation = match render::split_for(&options) {
        Some(_) => request.explanation.as_str(),
        None => "",
    };
    fn start<'w>(
        out: &'w mut dyn Write,
        request: &DemoRequest,
        explanation: &str,
        options: RenderOptions,
    ) -> LiveView<'w> {
        if request.live_only {
            LiveView::start_live_only(out, options)
        } else {
            LiveView::start(out, explanation, options)
        }
        .with_brief_tables(true)
    }
    let Some(pace) = pace else {
        let mut view = start(&mut *out, request, explanation, options);
        let outcome = crate::demos::run_demo(request.demo, &request.params, &mut view);
        let details = view.finish(&outcome);
        return (outcome, details);
    };
    say(out, &Replayer::recording_line(pace), &options);
    let mut recording = Recording::start();
    let outcome = crate::demos::run_demo(request.demo, &request.params, &mut recording);
    recording.finish();
    let replayer = Replayer::after_run(pace, matches!(outcome, Err(EngineError::Interrupted)));
    say(out, &replayer.header(&recording), &options);
    let (replayed, details) = {
        let mut view = start(&mut *out, request, explanation, options);
        let replayed = replayer.play(&recording, &mut view);
        let details = view.finish(&outcome);
        (replayed, details)
    };
    if let Some(summary) = replayed.summary() {
        say(out, &summary, &options);
    }
    (outcome, details)
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
