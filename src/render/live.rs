//! One demo event as the lines the REPL prints while the demo runs.
//!
//! Every line a worker prints is tagged with when and who:
//! `[ +1.2ms P2 pid 4242] text`. The tag is padded to one width for the
//! whole demo, so the workers' text lines up in a column and a long line
//! wraps under its own text, not under the tag; the worker's part of the tag
//! is in that worker's colour, the same colour its lane has in the timeline
//! afterwards. A demo's own notes (`── phase 2`) carry no tag: they are the
//! demo speaking, not a worker.
//!
//! `Line` and `Exited` events carry only a worker index and a pid; the label
//! (`P2`) was announced once, by `Started`. [`WorkerLabels`] remembers it:
//! the caller shows each event to [`WorkerLabels::observe`] and then renders
//! it.

use std::collections::HashMap;

use crate::engine::{Event, ExitStatus, Stream, WorkerIndex, WorkerKind};

use super::RenderOptions;
use super::ansi::{finish, pad, sanitize, width as display_width};
use super::markdown::{hang, wrap};
use super::style::Styles;
use crate::findings::format_us;

/// Columns the time takes in a tag: `+` and the longest [`format_us`].
const TIME_WIDTH: usize = 7;

/// Below this many columns for the text, the tag gets a line of its own and
/// the text goes underneath, rather than a word per line beside it.
const MIN_TEXT_WIDTH: usize = 16;

/// What is known about a worker from its `Started` event.
#[derive(Debug, Clone)]
struct Known {
    label: String,
    kind: WorkerKind,
}

/// The labels (`P1`, `T2`) and kinds of the workers seen starting, and the
/// widths that keep every tag of a demo the same size.
#[derive(Debug, Clone, Default)]
pub struct WorkerLabels {
    workers: HashMap<WorkerIndex, Known>,
    label_width: usize,
    pid_width: usize,
}

impl WorkerLabels {
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns from `event`: a `Started` names a worker; any event with a
    /// pid may widen the tags.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::Started {
                worker,
                label,
                kind,
                pid,
                ..
            } => {
                let label = sanitize(label, " ");
                self.label_width = self.label_width.max(display_width(&label));
                self.pid_width = self.pid_width.max(pid.to_string().len());
                self.workers.insert(*worker, Known { label, kind: *kind });
            }
            Event::Line { pid, .. } | Event::Exited { pid, .. } => {
                self.pid_width = self.pid_width.max(pid.to_string().len());
            }
            Event::Note { .. } | Event::Progress { .. } => {}
        }
    }

    /// The worker's label, or `?` for a worker never seen starting.
    pub fn label(&self, worker: WorkerIndex) -> &str {
        self.workers.get(&worker).map_or("?", |known| &known.label)
    }

    /// Whether the worker is a process or a thread, once it has started.
    pub fn kind(&self, worker: WorkerIndex) -> Option<WorkerKind> {
        self.workers.get(&worker).map(|known| known.kind)
    }
}

/// `event` as display lines at most `width` columns wide, each closing its
/// own styles. Show the event to [`WorkerLabels::observe`] first, so a
/// `Started` event's tag is already as wide as the others.
pub fn render_event(
    event: &Event,
    labels: &WorkerLabels,
    width: usize,
    opts: &RenderOptions,
) -> Vec<String> {
    let styles = Styles::new(opts);
    let width = width.max(1);
    let lines = match event {
        // Shown as a progress bar by the front end, not as a line.
        Event::Progress { .. } => return Vec::new(),
        Event::Note { text, .. } => {
            let text = styles.accent(&sanitize(text, "    "));
            hang(
                &styles.accent("──"),
                3,
                wrap(&text, width.saturating_sub(3)),
            )
        }
        Event::Started {
            worker, pid, t_us, ..
        }
        | Event::Line {
            worker, pid, t_us, ..
        }
        | Event::Exited {
            worker, pid, t_us, ..
        } => {
            let tag = worker_tag(*worker, *pid, *t_us, labels, &styles);
            tagged(&tag, &event_text(event, labels, &styles), width)
        }
    };
    finish(&lines.join("\n"), width, opts.color)
        .split('\n')
        .map(str::to_string)
        .collect()
}

/// `[ +1.2ms P2 pid 4242]`, padded to the width every tag of the demo has
/// so far: time dim, the worker in its colour. Threads show `tid`, their
/// kernel thread id, since a thread has no pid of its own.
pub fn worker_tag(
    worker: WorkerIndex,
    pid: i32,
    t_us: u64,
    labels: &WorkerLabels,
    styles: &Styles,
) -> String {
    let label = labels.label(worker);
    let label_width = labels.label_width.max(display_width(label));
    let pid_width = labels.pid_width.max(pid.to_string().len());
    let id_word = match labels.kind(worker) {
        Some(WorkerKind::Thread) => "tid",
        _ => "pid",
    };
    let time = format!("+{}", format_us(t_us));
    let who = format!("{label:<label_width$} {id_word} {pid}");
    let tag = format!(
        "{}{} {}{}",
        styles.dim("["),
        styles.dim(&format!("{time:>TIME_WIDTH$}")),
        styles.worker(worker, &who),
        styles.dim("]"),
    );
    // `[`, time, space, label, space, id word, space, pid, `]`.
    let full = 1 + TIME_WIDTH + 1 + label_width + 1 + id_word.len() + 1 + pid_width + 1;
    pad(&tag, full)
}

/// What the event says, after the tag.
fn event_text(event: &Event, labels: &WorkerLabels, styles: &Styles) -> String {
    match event {
        Event::Started {
            name, kind, ppid, ..
        } => {
            let name = styles.strong(&sanitize(name, " "));
            match kind {
                WorkerKind::Process => format!("started as {name} (parent pid {ppid})"),
                WorkerKind::Thread => format!("started as {name} (a thread in pid {ppid})"),
            }
        }
        Event::Line { stream, text, .. } => {
            let text = sanitize(text, "    ");
            match stream {
                Stream::Stdout => text,
                // The `!` says "stderr" even without colour.
                Stream::Stderr => styles.error(&format!("! {text}")),
            }
        }
        Event::Exited {
            worker,
            status,
            cpu_us,
            ..
        } => {
            let cpu = styles.dim(&format!("· cpu {}", format_us(*cpu_us)));
            let thread = labels.kind(*worker) == Some(WorkerKind::Thread);
            let ending = match status {
                ExitStatus::Code(0) if thread => "finished".to_string(),
                ExitStatus::Code(0) => "exited with code 0".to_string(),
                ExitStatus::Code(code) if thread => styles.error(&format!("failed (code {code})")),
                ExitStatus::Code(code) => styles.error(&format!("exited with code {code}")),
                ExitStatus::Signal(name) => {
                    styles.error(&format!("killed by {}", sanitize(name, " ")))
                }
            };
            format!("{ending} {cpu}")
        }
        Event::Note { text, .. } => sanitize(text, "    "),
        Event::Progress { done, total, .. } => format!("{done} of {total} done"),
    }
}

/// `text` wrapped beside `tag` with a hanging indent under the text; on a
/// column too narrow for that, the tag above and the text indented below.
fn tagged(tag: &str, text: &str, width: usize) -> Vec<String> {
    let indent = display_width(tag) + 1;
    if width >= indent + MIN_TEXT_WIDTH {
        return hang(tag, indent, wrap(text, width - indent));
    }
    let mut lines = vec![tag.to_string()];
    lines.extend(hang("", 2, wrap(text, width.saturating_sub(2))));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_events::{
        error_line, exited, killed, line, note, sample_events, started, started_thread,
    };

    fn plain_lines(event: &Event, labels: &WorkerLabels, width: usize) -> Vec<String> {
        render_event(event, labels, width, &RenderOptions::plain(width))
    }

    fn labels_for(events: &[Event]) -> WorkerLabels {
        let mut labels = WorkerLabels::new();
        for event in events {
            labels.observe(event);
        }
        labels
    }

    #[test]
    fn labels_come_from_started_events() {
        let labels = labels_for(&[started(2, "P3", 4244, 0), started_thread(5, "T1", 99, 0)]);
        assert_eq!(labels.label(2), "P3");
        assert_eq!(labels.kind(5), Some(WorkerKind::Thread));
        assert_eq!(labels.label(7), "?");
    }

    #[test]
    fn a_line_is_tagged_with_time_label_and_pid() {
        let labels = labels_for(&[started(1, "P2", 4242, 0)]);
        let shown = plain_lines(&line(1, 4242, "hello", 1_230), &labels, 80);
        assert_eq!(shown, ["[ +1.2ms P2 pid 4242] hello"]);
    }

    #[test]
    fn started_and_exited_say_what_happened() {
        let labels = labels_for(&[started(1, "P2", 4242, 0)]);
        let start = plain_lines(&started(1, "P2", 4242, 300), &labels, 80);
        assert_eq!(
            start,
            ["[ +300µs P2 pid 4242] started as Process-2 (parent pid 4240)"]
        );
        let exit = plain_lines(&exited(1, 4242, 0, 5_100), &labels, 80);
        assert_eq!(
            exit,
            ["[ +5.1ms P2 pid 4242] exited with code 0 · cpu 1.7ms"]
        );
        let crash = plain_lines(&killed(1, 4242, "SIGSEGV", 6_000), &labels, 80);
        assert!(
            crash[0].ends_with("killed by SIGSEGV · cpu 2.0ms"),
            "{crash:?}"
        );
    }

    #[test]
    fn threads_show_their_tid_and_process() {
        let start = started_thread(3, "T1", 4245, 700);
        let labels = labels_for(std::slice::from_ref(&start));
        let shown = plain_lines(&start, &labels, 80);
        assert_eq!(
            shown,
            ["[ +700µs T1 tid 4245] started as Thread-1 (a thread in pid 4240)"]
        );
        let done = plain_lines(&exited(3, 4245, 0, 9_800), &labels, 80);
        assert!(done[0].contains("] finished · cpu"), "{done:?}");
    }

    #[test]
    fn stderr_is_marked_even_without_colour() {
        let labels = labels_for(&[started(0, "P1", 7, 0)]);
        let shown = plain_lines(&error_line(0, 7, "oops", 10), &labels, 60);
        assert!(shown[0].ends_with("] ! oops"), "{shown:?}");
    }

    #[test]
    fn long_text_wraps_under_the_text_not_the_tag() {
        let labels = labels_for(&[started(0, "P1", 4242, 0)]);
        let text = "word ".repeat(30);
        let shown = plain_lines(&line(0, 4242, &text, 10), &labels, 50);
        assert!(shown.len() > 1);
        let indent = "[  +10µs P1 pid 4242] ".chars().count();
        for continued in &shown[1..] {
            assert!(continued.starts_with(&" ".repeat(indent)), "{continued:?}");
            assert!(!continued[indent..].starts_with(' '), "{continued:?}");
        }
        assert!(shown.iter().all(|line| display_width(line) <= 50));
    }

    #[test]
    fn tags_line_up_across_workers_and_pid_lengths() {
        let events = [started(0, "P1", 7, 0), started(11, "P12", 123_456, 0)];
        let labels = labels_for(&events);
        let short = plain_lines(&line(0, 7, "x", 5), &labels, 80);
        let long = plain_lines(&line(11, 123_456, "x", 5), &labels, 80);
        assert_eq!(short[0].find('x'), long[0].find('x'));
    }

    #[test]
    fn a_very_narrow_column_puts_the_tag_above() {
        let labels = labels_for(&[started(0, "P1", 4242, 0)]);
        let shown = plain_lines(&line(0, 4242, "some words to wrap", 10), &labels, 30);
        assert_eq!(shown[0], "[  +10µs P1 pid 4242]");
        assert!(shown[1].starts_with("  some"), "{shown:?}");
        assert!(shown.iter().all(|line| display_width(line) <= 30));
    }

    #[test]
    fn notes_have_no_tag() {
        let shown = plain_lines(&note("phase 2", 5), &WorkerLabels::new(), 40);
        assert_eq!(shown, ["── phase 2"]);
    }

    #[test]
    fn colour_paints_the_worker_and_closes_every_line() {
        let events = sample_events();
        let labels = labels_for(&events);
        let opts = RenderOptions {
            width: 50,
            measure: crate::render::DEFAULT_MEASURE,
            color: true,
            show_notes: false,
            theme: Default::default(),
        };
        for event in &events {
            for shown in render_event(event, &labels, 50, &opts) {
                assert!(display_width(&shown) <= 50, "{shown:?}");
                let last_escape = shown.rfind('\x1b').map(|at| &shown[at..]);
                assert!(
                    last_escape.is_none_or(|code| code.starts_with("\x1b[0m")),
                    "{shown:?}"
                );
            }
        }
        let tag = worker_tag(1, 4243, 0, &labels, &Styles::new(&opts));
        assert!(tag.contains(&Styles::new(&opts).worker(1, "P2 pid 4243")));
    }

    #[test]
    fn control_characters_in_worker_output_cannot_break_the_layout() {
        let labels = labels_for(&[started(0, "P1", 1, 0)]);
        let shown = plain_lines(&line(0, 1, "a\tb\x1b[31mc\r", 0), &labels, 60);
        assert!(!shown.concat().contains('\x1b'));
        assert!(shown[0].ends_with("a    b\u{fffd}[31mc"), "{shown:?}");
    }
}
