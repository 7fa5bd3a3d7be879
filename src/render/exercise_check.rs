//! What `mptutor check` says about each exercise it ran: one line per
//! program and start method, whether it was what it must be (a starter
//! that fails, a solution that passes), with each `?` a solution's run
//! could not tell, and the summary line under them all.

use crate::exercise::Status;
use crate::findings::words;
use crate::python::{ExerciseReport, ExerciseRun, START_METHODS, Version};

/// The exercise's place and id, then one indented line per run.
pub fn render_exercise_check(report: &ExerciseReport) -> String {
    let verdict = if report.problems.is_empty() {
        "fails as given and passes when solved"
    } else {
        "HAS PROBLEMS"
    };
    let mut text = format!("  {} exercise {}: {verdict}", report.place, report.id);
    for run in &report.runs {
        text.push_str(&format!("\n    {}", run_line(run)));
        if run.version == Version::Solution {
            for line in run.verdict.iter().flat_map(|verdict| verdict.unjudged()) {
                text.push_str(&format!("\n      {} {}", line.status.mark(), line.text));
            }
        }
    }
    text
}

fn run_line(run: &ExerciseRun) -> String {
    let which = format!("{} under {}", run.version.word(), run.method);
    let Some(verdict) = &run.verdict else {
        return format!("{which}: could not be run");
    };
    let checks = verdict.lines.len() as u64;
    let failed = verdict.failures() as u64;
    let untold = verdict.unjudged().count() as u64;
    let mut said = match (run.version, failed) {
        (Version::Starter, 0) if untold == 0 => {
            "passes every check: it should fail one".to_string()
        }
        (Version::Starter, 0) => "fails no check".to_string(),
        (Version::Starter, _) => format!(
            "{} fails {failed} of {}, as it should",
            Status::Fail.mark(),
            words::count(checks, "check", "checks")
        ),
        (Version::Solution, 0) if untold == 0 => {
            format!("{} passes all {checks} checks", Status::Pass.mark())
        }
        (Version::Solution, 0) => format!("{} fails no check", Status::Pass.mark()),
        (Version::Solution, _) => format!(
            "{} FAILS {failed} of {}",
            Status::Fail.mark(),
            words::count(checks, "check", "checks")
        ),
    };
    if untold > 0 {
        said.push_str(&format!(
            "; {} could not be told ({})",
            words::count(untold, "check", "checks"),
            Status::CouldntTell.mark()
        ));
    }
    if let Some(own) = &run.own_method {
        said.push_str(&format!(
            "; the program sets its own start method, {own}, and its children used it"
        ));
    }
    format!("{which}: {said} ({})", super::format_us(run.elapsed_us))
}

/// The line under every exercise when none has a problem: how many were
/// verified, under which methods, and how many checks could not be told.
pub fn render_exercises_verified(reports: &[ExerciseReport], interpreter: &str) -> String {
    let untold: usize = reports
        .iter()
        .flat_map(|report| &report.runs)
        .filter(|run| run.version == Version::Solution)
        .flat_map(|run| run.verdict.iter().flat_map(|verdict| verdict.unjudged()))
        .count();
    let untold = match untold {
        0 => String::new(),
        n => format!(
            "; {} of the solutions could not be told on this machine (marked ?, above), which \
             fails nothing",
            words::count(n as u64, "check", "checks")
        ),
    };
    let methods: Vec<String> = START_METHODS
        .iter()
        .map(|method| method.to_string())
        .collect();
    format!(
        "{} verified under {} start methods ({}) with {interpreter}: every starter fails its \
         checks and every solution passes them{untold}",
        words::count(reports.len() as u64, "exercise", "exercises"),
        START_METHODS.len(),
        words::and_list(&methods),
    )
}
