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
/// ended and what it used.
pub(super) fn process_table(xray: &Xray, opts: &RenderOptions) -> String {
    let header: Vec<String> = [
        "pid", "ppid", "name", "role", "ran", "exit", "CPU", "peak mem", "zombie",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = xray.processes.iter().map(process_row).collect();
    render_table(&header, &rows, opts)
}

fn process_row(process: &XrayProcess) -> Vec<String> {
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
    let role = super::xray::role_word(process.role);
    let role = match &process.start_method {
        Some(method) => format!("{role} ({method})"),
        None => role.to_string(),
    };
    // Still running when the run ended: until the end.
    let until = process.end_us.map_or("end".to_string(), format_us);
    let ran = format!("{} → {until}", format_us(process.start_us));
    vec![
        process.pid.to_string(),
        process.ppid.to_string(),
        process.name.clone(),
        role,
        ran,
        exit,
        format_us(process.cpu_us),
        memory(process.peak_rss_kb),
        process
            .zombie_us
            .filter(|us| *us > 0)
            .map_or(String::new(), format_us),
    ]
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
    let columns = opts.columns();
    let narrower = RenderOptions {
        width: columns.saturating_sub(2),
        ..*opts
    };
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
