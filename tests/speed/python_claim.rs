//! Lesson q1's speed claim, judged on this machine: `mptutor python q1
//! --json` and `mptutor check` run the example, and the claim "4 processes
//! are at least 1.3× as fast as 1" must hold, or be "couldn't tell" with
//! the figures that show why. A contradiction fails: on a machine the run
//! measured quiet, the lesson would be telling the student something false.

use std::process::Stdio;

use mptutor::findings::{Unclear, Verdict};
use mptutor::json::{Message, SCHEMA, read_line};
use mptutor::python::CheckedRun;
use mptutor::python::speed::SpeedFinding;

use crate::one_at_a_time;
use crate::support::mptutor;

fn have_python3() -> bool {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        eprintln!("python3 is not installed: skipping");
    }
    found
}

/// A couldn't-tell is accepted only with the measurement that caused it.
fn assert_judged_honestly(speed: &SpeedFinding, run: &CheckedRun) {
    let shown = format!("{speed:#?}\nload: {:?}", run.outcome.load);
    match speed.verdict() {
        Some(Verdict::Holds) => {
            let (one, parallel) = speed.times.expect("the times it judged");
            assert!(one / parallel >= speed.at_least, "{shown}");
        }
        Some(Verdict::CouldntTell(why)) => {
            let judged = speed.run.expect("the figures it judged");
            match why {
                Unclear::MachineBusy { .. } => {
                    assert!(judged.busy(), "busy by its own figures: {shown}");
                    assert!(
                        judged.others_cores.is_some() || judged.parallel_cores.is_some(),
                        "{shown}"
                    );
                }
                Unclear::BaselineDisturbed { .. } => {
                    assert!(judged.baseline_disturbed(), "{shown}")
                }
                Unclear::TooLittleWork { per_worker_us } => {
                    assert_eq!(judged.per_worker_us, Some(*per_worker_us), "{shown}")
                }
                Unclear::OneCore => assert_eq!(run.outcome.load.cores, 1, "{shown}"),
                other => panic!("not a measured reason: {other:?}\n{shown}"),
            }
        }
        Some(Verdict::Contradicted) => {
            panic!("the lesson's speed claim is false on a quiet machine:\n{shown}")
        }
        None => panic!("the claim has no verdict: {shown}"),
    }
}

#[test]
fn q1_s_python_example_is_at_least_1_3_times_as_fast_on_four_processes_or_says_why_not() {
    let _machine = one_at_a_time();
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = mptutor(home.path())
        .args(["python", "q1", "--json"])
        .output()
        .expect("run mptutor python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let mut messages = Vec::new();
    for line in &lines {
        assert!(
            line.starts_with(&format!(r#"{{"schema":"{SCHEMA}","type":""#)),
            "{line}"
        );
        messages.push(read_line::<Message>(line).expect("each line reads back"));
    }
    assert!(
        messages[..messages.len() - 1]
            .iter()
            .all(|message| matches!(message, Message::Event(_))),
        "events first: {stdout}"
    );
    let Some(Message::Python(run)) = messages.last() else {
        panic!("the last line is the checked run: {stdout}");
    };
    assert_eq!(run.outcome.exit_code, 0, "{stdout}");
    assert_eq!(run.outcome.stdout.len(), 2, "{stdout}");
    assert!(run.outcome.cpu_us > 0, "the run's CPU time: {run:?}");
    assert!(run.outcome.load.wall_us > 0, "the machine's load: {run:?}");
    let [check] = run.checks.as_slice() else {
        panic!("q1's example has one check block: {run:?}");
    };
    assert!(check.verdict.passed(), "{check:?}");
    let speed = check
        .speed
        .as_ref()
        .expect("q1's check block makes a speed claim");
    assert_eq!((speed.workers, speed.at_least), (4, 1.3));
    assert_judged_honestly(speed, run);
}

#[test]
fn check_passes_the_built_in_course_with_its_speed_claim_judged() {
    let _machine = one_at_a_time();
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = mptutor(home.path())
        .arg("check")
        .output()
        .expect("run mptutor check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // A contradicted claim fails the check; couldn't-tell is reported.
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("every one passes its checks"), "{stdout}");
    // Every exercise of the course fails as given and passes when solved,
    // under each start method (a speed it could not time is a `?`).
    let exercises = mptutor::course::load_builtin()
        .expect("the built-in course")
        .exercises()
        .count();
    assert!(exercises >= 8, "the course has {exercises} exercises");
    assert!(
        stdout.contains(&format!(
            "{exercises} exercises verified under 3 start methods"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("every starter fails its checks and every solution passes them"),
        "{stdout}"
    );
    let q1 = stdout
        .lines()
        .skip_while(|line| !line.contains("lessons/q1.md:"))
        .nth(1)
        .unwrap_or_default();
    assert!(
        q1.trim_start().starts_with("✓ 4 processes took")
            || q1
                .trim_start()
                .starts_with("? Couldn't tell whether 4 processes"),
        "q1's speed claim is reported under it:\n{stdout}"
    );
}
