//! After a Python example ran: how it ended, which processes printed,
//! whether its output passed the step's ```` ```check ```` blocks, and how
//! a block's speed claim fared, marked ✓, ✗ or ? like every finding.

use crate::course::{OutputCheck, OutputProblem, line_like, problem_in_words};
use crate::engine::ExitStatus;
use crate::python::{CheckReport, PythonOutcome};

use super::RenderOptions;
use super::ansi::finish;
use super::findings::render_findings;
use super::markdown::{hang, markdown_lines, render_markdown};
use super::style::Styles;
use super::table::render_table;
use super::xray::render_xray;
use super::xray_table::render_xray_findings;
use crate::findings::format_us;

/// One check block and how a run fared against it.
#[derive(Debug, Clone, Copy)]
pub struct CheckResult<'c> {
    pub check: &'c OutputCheck,
    pub report: &'c CheckReport,
}

/// The closing part of a Python run's live view. `step` names where the
/// checks are, as a student finds it (`q1 step 2, "Counting primes"`).
pub fn render_python_outcome(
    outcome: &PythonOutcome,
    checks: &[CheckResult<'_>],
    step: &str,
    opts: &RenderOptions,
) -> String {
    let styles = Styles::new(opts);
    let (ok, ending) = ending(outcome);
    let mut parts = vec![marked(ok, &ending, &styles, opts)];
    if outcome.processes.len() > 1 {
        parts.push(printing_processes(outcome, opts));
    }
    if checks.is_empty() {
        parts.push(render_markdown(
            "This example has no check block, so its output was not checked.",
            opts,
        ));
    }
    let printed: Vec<&str> = outcome.stdout.iter().map(String::as_str).collect();
    let place = if step.is_empty() {
        String::new()
    } else {
        format!(" ({step})")
    };
    for result in checks {
        let passed = result.report.verdict.passed();
        let text = if passed {
            format!("**Check passed**{place}: {}.", describe(result.check))
        } else {
            let mut problems = result.check.line_problems(&printed);
            if outcome.exit_code != result.check.exit_code {
                problems.push(OutputProblem::ExitCode {
                    code: outcome.exit_code,
                    wanted: result.check.exit_code,
                });
            }
            let problems: Vec<String> = problems
                .iter()
                .map(|problem| format!("- {}", problem_in_words(problem)))
                .collect();
            format!(
                "**Check failed**{place}; it wants {}:\n\n{}",
                describe(result.check),
                problems.join("\n")
            )
        };
        parts.push(marked(passed, &text, &styles, opts));
        if let Some(speed) = &result.report.speed {
            parts.push(render_findings(std::slice::from_ref(&speed.finding), opts));
        }
    }
    parts.join("\n\n")
}

/// `mptutor trace`'s closing: how the program ended, then its X-ray (or,
/// without one, which processes printed).
pub fn render_trace_outcome(outcome: &PythonOutcome, opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let (ok, ending) = ending(outcome);
    let mut parts = vec![marked(ok, &ending, &styles, opts)];
    if !outcome.xray.processes.is_empty() {
        parts.push(render_xray_with_findings(outcome, opts));
    } else if outcome.processes.len() > 1 {
        parts.push(printing_processes(outcome, opts));
    }
    parts.join("\n\n")
}

/// The run's X-ray, then what its figures show (each finding made from
/// them, judged with the machine's load during the run).
pub fn render_xray_with_findings(outcome: &PythonOutcome, opts: &RenderOptions) -> String {
    let summary = crate::xray::findings::summarize(&outcome.xray, &outcome.load);
    let sentences: Vec<String> = summary.findings.iter().map(|found| found.text()).collect();
    let mut shown = render_xray(&outcome.xray, opts);
    let findings = render_xray_findings(&sentences, opts);
    if !findings.is_empty() {
        shown.push_str("\n\n");
        shown.push_str(&findings);
    }
    shown
}

/// Whether the run ended well, and how it ended in words.
fn ending(outcome: &PythonOutcome) -> (bool, String) {
    let took = format_us(outcome.elapsed_us);
    if outcome.timed_out {
        (
            false,
            format!(
                "**Stopped at the timeout**, after {took}: mptutor killed process group {} — \
                 python3 and every process it started.",
                outcome.group
            ),
        )
    } else {
        match &outcome.status {
            ExitStatus::Code(0) => (true, format!("python3 exited with code 0 after {took}.")),
            ExitStatus::Code(code) => (
                false,
                format!(
                    "python3 exited with code {code} after {took}; what it printed on stderr \
                     (a traceback?) says why."
                ),
            ),
            ExitStatus::Signal(name) => (
                false,
                format!(
                    "python3 was killed by {name} (exit code {}) after {took}.",
                    outcome.exit_code
                ),
            ),
        }
    }
}

/// Which processes printed, and what each is to the program.
fn printing_processes(outcome: &PythonOutcome, opts: &RenderOptions) -> String {
    let header: Vec<String> = ["pid", "parent", "lines printed", "what it is"]
        .map(String::from)
        .to_vec();
    let main = outcome.processes.first().map_or(0, |first| first.pid);
    let rows: Vec<Vec<String>> = outcome
        .processes
        .iter()
        .map(|seen| {
            let role = if seen.pid == main {
                "python3: your program"
            } else if seen.ppid == main {
                "a child of your program"
            } else {
                "started by another process"
            };
            vec![
                seen.pid.to_string(),
                seen.ppid.to_string(),
                seen.lines.to_string(),
                role.to_string(),
            ]
        })
        .collect();
    render_table(&header, &rows, opts)
}

/// Markdown with a `✓` or `✗` hanging before it.
fn marked(ok: bool, markdown: &str, styles: &Styles, opts: &RenderOptions) -> String {
    let mark = if ok {
        styles.ok("✓")
    } else {
        styles.error("✗")
    };
    let columns = opts.prose();
    let lines = hang(&mark, 2, markdown_lines(markdown, columns - 2, styles));
    finish(&lines.join("\n"), columns, opts.color)
}

/// What a check asks for, in words: `each of 4 lines exactly once, in any
/// order; 5 lines in all; exit code 0`.
pub fn describe(check: &OutputCheck) -> String {
    let mut wants = Vec::new();
    match check.each_once.len() {
        0 => {}
        1 => wants.push("its one expected line exactly once".to_string()),
        n => wants.push(format!(
            "each of {n} expected lines exactly once, in any order"
        )),
    }
    if let Some((pattern, count)) = &check.matching {
        let like = line_like(pattern);
        wants.push(match count {
            Some(1) => format!("one line {like}"),
            Some(n) => format!("{n} lines {like}"),
            None => format!("lines {like}"),
        });
    }
    if !check.in_order.is_empty() {
        wants.push(format!("{} lines in a fixed order", check.in_order.len()));
    }
    if let Some(pattern) = &check.last_line {
        wants.push(format!("a last line {}", line_like(pattern)));
    }
    if let Some(lines) = check.line_count {
        wants.push(format!("{lines} lines in all"));
    }
    wants.push(format!("exit code {}", check.exit_code));
    wants.join("; ")
}
