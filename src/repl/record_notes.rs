//! What a Markdown record (`record notes.md`) keeps: notes a student can
//! read later or put on a course page, not a copy of the screen.
//!
//! A step visited becomes a heading (the lesson's title and the step's),
//! its prose as the lesson wrote it, and its code in fenced blocks with
//! their language; a demo that ran becomes its parameters, its tables (as
//! Markdown tables) and its findings, each with its verdict. Prompts,
//! live output, instructor's notes, quizzes and hints are left out. The
//! transcript removes every control character when it writes them.

use crate::course::{Block, Lesson};
use crate::demos::DemoResult;
use crate::engine::EngineError;
use crate::findings::{Finding, Table};
use crate::live_view::DemoRequest;

/// Step `step` (0-based) of `lesson`, as Markdown notes.
pub fn step_markdown(lesson: &Lesson, step: usize) -> String {
    let Some(shown) = lesson.steps.get(step) else {
        return String::new();
    };
    let mut parts = vec![format!(
        "## {} · {}\n\n*{} step {} of {}*",
        one_line(&lesson.title),
        one_line(&shown.title),
        one_line(&lesson.id),
        step + 1,
        lesson.steps.len()
    )];
    for block in &shown.blocks {
        match block {
            Block::Prose(markdown) => parts.push(markdown.trim().to_string()),
            Block::Python(code) => parts.push(fenced("python", &code.code)),
            Block::Code(code) => parts.push(fenced(&code.lang, &code.code)),
            Block::Demo(demo) => parts.push(format!("*Demo:* `run` starts `{}`.", demo.demo.name)),
            Block::Exercise(exercise) => parts.push(format!(
                "### Exercise: {}\n\n{}",
                one_line(&exercise.title),
                exercise.task.trim()
            )),
            Block::Quiz(_) | Block::Note(_) | Block::Hint(_) | Block::Check(_) => {}
        }
    }
    parts.retain(|part| !part.is_empty());
    parts.join("\n\n")
}

/// A demo's closing tables and findings (or how it stopped), as Markdown.
pub fn demo_markdown(request: &DemoRequest, outcome: &Result<DemoResult, EngineError>) -> String {
    let params: Vec<String> = request
        .params
        .0
        .iter()
        .map(|(name, value)| format!("`{name}={value}`"))
        .collect();
    let mut parts = vec![format!(
        "### Demo `{}`{}",
        request.demo.name,
        if params.is_empty() {
            String::new()
        } else {
            format!(" ({})", params.join(", "))
        }
    )];
    match outcome {
        Ok(result) => {
            let report = result.report();
            parts.extend(report.tables.iter().map(markdown_table));
            let findings: Vec<String> = report
                .findings
                .iter()
                .filter(|finding| !finding.text.is_empty())
                .map(finding_item)
                .collect();
            if !findings.is_empty() {
                parts.push(findings.join("\n"));
            }
        }
        Err(EngineError::Interrupted) => {
            parts.push("**Stopped** (Ctrl-C): every worker was killed and reaped.".to_string());
        }
        Err(error) => parts.push(format!("**The demo failed:** {error}")),
    }
    parts.join("\n\n")
}

/// A finding as a list item: its verdict's mark, then its sentences.
fn finding_item(finding: &Finding) -> String {
    let mark = finding
        .verdict
        .as_ref()
        .map_or(String::new(), |verdict| format!("{} ", verdict.mark()));
    let text = finding.text.trim().lines().collect::<Vec<_>>().join("\n  ");
    format!("- {mark}{text}")
}

/// A table as a Markdown table; `|` in a cell is escaped, a line break
/// becomes a space.
fn markdown_table(table: &Table) -> String {
    let cell = |text: &str| one_line(text).replace('|', "\\|");
    let row = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|text| cell(text)).collect();
        format!("| {} |", cells.join(" | "))
    };
    let mut lines = vec![
        row(&table.header),
        format!("|{}|", vec!["---"; table.header.len().max(1)].join("|")),
    ];
    lines.extend(table.rows.iter().map(|cells| row(cells)));
    lines.join("\n")
}

/// `code` in a fence longer than any run of backticks inside it.
fn fenced(lang: &str, code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!(
        "{fence}{}\n{}\n{fence}",
        one_line(lang),
        code.trim_end_matches('\n')
    )
}

/// `text` on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_becomes_a_heading_its_prose_and_fenced_code_without_notes() {
        let course = crate::course::load_builtin().expect("built-in course");
        let index = course.find_lesson("q3").expect("q3");
        let lesson = course.lesson(index);
        let notes = step_markdown(lesson, 0);
        assert!(
            notes.starts_with(&format!("## {} · {}", lesson.title, lesson.steps[0].title)),
            "{notes}"
        );
        assert!(notes.contains("```python\n"), "{notes}");
        for block in &lesson.steps[0].blocks {
            if let Block::Note(note) = block {
                let first = note.lines().find(|line| !line.trim().is_empty());
                assert!(!notes.contains(first.unwrap_or("\u{0}")), "{notes}");
            }
        }
    }

    #[test]
    fn tables_escape_bars_and_fences_outgrow_backticks() {
        let table = Table {
            header: vec!["a".to_string(), "b".to_string()],
            rows: vec![vec!["x | y".to_string(), "two\nlines".to_string()]],
        };
        assert_eq!(
            markdown_table(&table),
            "| a | b |\n|---|---|\n| x \\| y | two lines |"
        );
        assert_eq!(fenced("text", "```\n"), "````text\n```\n````");
    }
}
