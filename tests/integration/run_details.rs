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
    // Both of the run's tables (a row per worker, and what each worker
    // did) are cut short.
    let (run, details) = rest
        .rsplit_once("`details` shows all.")
        .expect("the run's long tables are cut short, saying how to see them all");
    assert_eq!(
        run.matches("… 6 more; `details` shows all").count(),
        1,
        "{run}"
    );

    // The verdict comes first, before the timeline and the tables.
    let verdict = run
        .find("Verdict:")
        .expect("a verdict after the live output");
    let table = run.find("│ worker").expect("a worker table");
    assert!(verdict < table, "{run}");
    let row_of = |text: &str, worker: usize| {
        text.lines()
            .any(|line| line.starts_with(&format!("│ P{worker} ")))
    };
    assert!(row_of(run, 1) && row_of(run, 8), "{run}");
    assert!(!row_of(run, 9) && !row_of(run, 14), "{run}");

    // `details`: every one of the 14 workers, nothing cut.
    let after = details.split_once('\n').map_or("", |(_, rest)| rest);
    for worker in 1..=14 {
        assert!(row_of(after, worker), "details shows P{worker}:\n{after}");
    }
    assert!(!after.contains("more; `details`"), "{after}");
}
