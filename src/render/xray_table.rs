//! The X-ray's figures under its lanes: every process in a table, what
//! each pool worker ran, and the sentences the run's findings say.

use std::collections::BTreeMap;

use super::ansi::{finish, sanitize};
use super::markdown::{hang, render_markdown};
use super::style::Styles;
use super::table::render_table;
use super::{MIN_WIDTH, RenderOptions};
use crate::findings::format_us;
use crate::findings::words;
use crate::xray::model::{ProcessExit, Xray, XrayProcess};

/// One row per process: who started it, what it was, when it ran, how it
/// ended and what it used. When a column each does not fit the width,
/// the cells stack what they say on two or three lines: `name` over
/// `pid ← parent`, the role over its start method, the start over the
/// end and the time as a zombie.
pub(super) fn process_table(xray: &Xray, opts: &RenderOptions) -> String {
    let header: Vec<String> = [
        "pid", "ppid", "name", "role", "ran", "exit", "CPU", "peak mem", "zombie",
    ]
    .map(String::from)
    .to_vec();
    let facts: Vec<ProcessFacts> = xray.processes.iter().map(ProcessFacts::of).collect();
    let rows: Vec<Vec<String>> = facts.iter().map(ProcessFacts::wide_row).collect();
    if natural_width(&header, &rows) <= opts.columns() {
        return render_table(&header, &rows, opts);
    }
    let header: Vec<String> = ["process", "role", "ran", "exit", "CPU", "memory"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = facts.iter().map(ProcessFacts::stacked_row).collect();
    render_table(&header, &rows, opts)
}

/// How wide a table of single-line cells is when nothing wraps.
fn natural_width(header: &[String], rows: &[Vec<String>]) -> usize {
    let widths = (0..header.len()).map(|column| {
        std::iter::once(&header[column])
            .chain(rows.iter().filter_map(|row| row.get(column)))
            .map(|cell| super::ansi::width(cell))
            .max()
            .unwrap_or(0)
    });
    // Each column: its cell, a space either side and a border after.
    widths.map(|width| width + 3).sum::<usize>() + 1
}

/// What one process's row says, before it is laid out.
struct ProcessFacts {
    pid: String,
    ppid: String,
    name: String,
    role: &'static str,
    method: Option<String>,
    start: String,
    until: String,
    exit: String,
    cpu: String,
    memory: String,
    zombie: String,
}

impl ProcessFacts {
    fn of(process: &XrayProcess) -> Self {
        let exit = match &process.exit {
            Some(ProcessExit::Code(code)) => code.to_string(),
            Some(ProcessExit::Signal(name)) => name.clone(),
            None => "—".to_string(),
        };
        let exit = match (&process.exception, process.killed_at_end) {
            (_, true) => format!("{exit} (killed at end)"),
            (Some(exception), false) => format!("{exit} ({})", last_line(exception)),
            (None, false) => exit,
        };
        ProcessFacts {
            pid: process.pid.to_string(),
            ppid: process.ppid.to_string(),
            name: process.name.clone(),
            role: super::xray::role_word(process.role),
            method: process.start_method.clone(),
            start: format_us(process.start_us),
            // Still running when the run ended: until the end.
            until: process.end_us.map_or("end".to_string(), format_us),
            exit,
            cpu: format_us(process.cpu_us),
            memory: memory(process.peak_rss_kb),
            zombie: process
                .zombie_us
                .filter(|us| *us > 0)
                .map_or(String::new(), format_us),
        }
    }

    fn wide_row(&self) -> Vec<String> {
        let role = match &self.method {
            Some(method) => format!("{} ({method})", self.role),
            None => self.role.to_string(),
        };
        vec![
            self.pid.clone(),
            self.ppid.clone(),
            self.name.clone(),
            role,
            format!("{} → {}", self.start, self.until),
            self.exit.clone(),
            self.cpu.clone(),
            self.memory.clone(),
            self.zombie.clone(),
        ]
    }

    fn stacked_row(&self) -> Vec<String> {
        let mut role = self.role.to_string();
        if let Some(method) = &self.method {
            role.push('\n');
            role.push_str(method);
        }
        let mut ran = format!("{}\n→ {}", self.start, self.until);
        if !self.zombie.is_empty() {
            ran.push_str(&format!("\nzombie {}", self.zombie));
        }
        vec![
            format!("{}\npid {} ← {}", self.name, self.pid, self.ppid),
            role,
            ran,
            self.exit.clone(),
            self.cpu.clone(),
            self.memory.clone(),
        ]
    }
}

/// `900 KiB`, `12.3 MiB`; nothing when it was never sampled.
fn memory(kb: u64) -> String {
    match kb {
        0 => String::new(),
        1..1024 => format!("{kb} KiB"),
        _ => format!("{:.1} MiB", kb as f64 / 1024.0),
    }
}

/// The last line of a traceback: the exception and its message.
fn last_line(text: &str) -> String {
    sanitize(text.lines().last().unwrap_or(text).trim(), " ")
}

/// `ForkPoolWorker-1 (pid 123): 4 tasks, 5 items of square, 800ms busy`,
/// one per process that ran pool tasks, in the worker's colour.
pub(super) fn worker_lines(xray: &Xray, styles: &Styles) -> Vec<String> {
    let mut pids: Vec<i32> = Vec::new();
    for task in &xray.tasks {
        if !pids.contains(&task.pid) {
            pids.push(task.pid);
        }
    }
    let place = |pid: i32| {
        xray.processes
            .iter()
            .position(|process| process.pid == pid)
            .unwrap_or(usize::MAX)
    };
    pids.sort_by_key(|&pid| (place(pid), pid));
    pids.iter()
        .map(|&pid| {
            let tasks: Vec<_> = xray.tasks.iter().filter(|task| task.pid == pid).collect();
            let mut items: BTreeMap<&str, u64> = BTreeMap::new();
            for task in &tasks {
                *items.entry(task.function.as_str()).or_default() += task.items;
            }
            let functions: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(index, (function, &n))| {
                    let function = sanitize(function, " ");
                    match index {
                        0 => format!("{} of {function}", words::count(n, "item", "items")),
                        _ => format!("{n} of {function}"),
                    }
                })
                .collect();
            let busy: u64 = tasks
                .iter()
                .map(|task| task.end_us.saturating_sub(task.start_us))
                .sum();
            let failed: Vec<&str> = tasks
                .iter()
                .filter(|task| !task.ok)
                .map(|task| task.error.as_deref().unwrap_or("an exception"))
                .collect();
            let name = xray.process(pid).map_or("a worker".to_string(), |process| {
                sanitize(&process.name, " ")
            });
            let mut line = format!(
                "{}: {}, {}, {} busy",
                styles.worker(place(pid), &format!("{name} (pid {pid})")),
                words::count(tasks.len() as u64, "task", "tasks"),
                words::and_list(&functions),
                format_us(busy)
            );
            if let Some(first) = failed.first() {
                line.push_str(&format!(
                    "; {} failed: {}",
                    failed.len(),
                    styles.error(&last_line(first))
                ));
            }
            line
        })
        .collect()
}

/// What the run's findings say, a paragraph each under a `•`.
pub fn render_xray_findings(sentences: &[String], opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let columns = opts.prose();
    let narrower = opts.within(columns.saturating_sub(2));
    let mut paragraphs = vec![styles.subheading("What the X-ray shows")];
    for sentence in sentences.iter().filter(|sentence| !sentence.is_empty()) {
        if columns < MIN_WIDTH + 2 {
            // No room to hang it: the bullet starts the paragraph.
            paragraphs.push(render_markdown(&format!("• {sentence}"), opts));
            continue;
        }
        let text = render_markdown(sentence, &narrower);
        let lines = text.lines().map(str::to_string).collect();
        paragraphs.push(hang("•", 2, lines).join("\n"));
    }
    if paragraphs.len() == 1 {
        return String::new();
    }
    finish(&paragraphs.join("\n"), columns, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_in_kib_then_mib() {
        assert_eq!(memory(0), "");
        assert_eq!(memory(900), "900 KiB");
        assert_eq!(memory(12_595), "12.3 MiB");
    }

    #[test]
    fn findings_hang_under_bullets_and_none_say_nothing() {
        let shown = render_xray_findings(
            &["The four children ran one after another. ".repeat(3)],
            &RenderOptions::plain(40),
        );
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[0], "What the X-ray shows");
        assert!(lines[1].starts_with("• The four"), "{shown}");
        assert!(
            lines.iter().all(|line| line.chars().count() <= 40),
            "{shown}"
        );
        let shown = render_xray_findings(
            &["The four children ran one after another. ".repeat(3)],
            &RenderOptions::plain(60),
        );
        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines[2].starts_with("  "), "{shown}");
        assert_eq!(render_xray_findings(&[], &RenderOptions::plain(40)), "");
    }
}
