//! After `run`, the demo's result stays in view: the verdict first, then
//! the details, a table of more than a dozen rows cut short; `details`
//! shows the last run's tables whole.

use crate::support::run_with_input;

#[test]
fn a_long_worker_table_is_cut_short_after_run_and_shown_whole_by_details() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_with_input(
        home.path(),
        &["--width", "100"],
        "details\nopen q4\nrun workers=14 tasks=28\ndetails\n",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    let (before_run, rest) = stdout
        .split_once("── live output")
        .expect("the demo ran live");
    assert!(
        before_run.contains("No demo has run yet in this session"),
        "{before_run}"
    );
    let (run, details) = rest
        .split_once("`details` shows all.")
        .expect("the run's worker table is cut short, saying how to see it all");

    // The verdict comes first, before the timeline and the tables.
    let verdict = run
        .find("Verdict:")
        .expect("a verdict after the live output");
    let table = run.find("│ worker").expect("a worker table");
    assert!(verdict < table, "{run}");
    let rows = |text: &str| {
        text.lines()
            .filter(|line| line.starts_with("│ P") || line.starts_with("│ W"))
            .count()
    };
    assert!(
        rows(run) < 14,
        "the cut-short table shows fewer rows:\n{run}"
    );
    assert!(run.contains("… 6 more"), "{run}");

    // `details`: every one of the 14 workers, in one table.
    let after = details.split_once('\n').map_or("", |(_, rest)| rest);
    assert!(rows(after) >= 14, "details shows every worker:\n{after}");
    assert!(!after.contains("`details` shows all"), "{after}");
}
