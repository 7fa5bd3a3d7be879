//! Lesson q7's deadlock, run for real: a child that put 4 MB on a queue
//! cannot exit before the parent reads it, so the example that joins first
//! never ends by itself and is stopped at its timeout, and the same
//! program reading first ends on its own and passes its checks. The first
//! example has no check block (it has no correct output), so only this
//! test keeps the lesson's "it hangs" true.

use mptutor::json::{Message, read_line};
use mptutor::python::CheckedRun;

use crate::support::{have_python3, run_guarded};

/// `mptutor python q7 --step STEP --timeout 5 --json`: the checked run.
fn run_q7_step(step: &str) -> CheckedRun {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(
        home.path(),
        &["python", "q7", "--step", step, "--timeout", "5", "--json"],
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut messages: Vec<Message> = stdout
        .lines()
        .map(|line| read_line::<Message>(line).expect("each line reads back"))
        .collect();
    match messages.pop() {
        Some(Message::Python(run)) => run,
        other => panic!("ends with the checked run, not {other:?}: {stdout}"),
    }
}

#[test]
fn q7_joining_a_child_before_reading_its_queue_hangs_until_the_timeout() {
    if !have_python3() {
        return;
    }
    let run = run_q7_step("7");
    assert!(run.outcome.timed_out, "the join never returned: {run:?}");
    assert!(
        run.outcome
            .stdout
            .iter()
            .any(|line| line == "parent: joining the child before reading the queue"),
        "{:?}",
        run.outcome.stdout
    );
    assert!(
        !run.outcome
            .stdout
            .iter()
            .any(|line| line.starts_with("parent: got")),
        "the parent never got past join(): {:?}",
        run.outcome.stdout
    );
}

#[test]
fn q7_reading_the_queue_before_joining_ends_by_itself_and_passes_its_checks() {
    if !have_python3() {
        return;
    }
    let run = run_q7_step("8");
    assert!(!run.outcome.timed_out, "{run:?}");
    assert!(!run.checks.is_empty(), "the fixed example has checks");
    assert!(
        run.checks.iter().all(|check| check.verdict.passed()),
        "{:?}",
        run.checks
    );
}
