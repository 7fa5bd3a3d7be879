//! The speed check: ✓ on the figures, ✗ only on a quiet machine with the
//! cores, "couldn't tell" with the reason otherwise.

use super::*;
use crate::course::{SpeedBaseline, SpeedCheck};
use crate::findings::Unclear;

fn serial(at_least: f64) -> ExerciseChecks {
    ExerciseChecks {
        speed: Some(SpeedCheck {
            at_least,
            against: SpeedBaseline::Serial("work()".into()),
        }),
        ..ExerciseChecks::default()
    }
}

fn against_starter(at_least: f64) -> ExerciseChecks {
    ExerciseChecks {
        speed: Some(SpeedCheck {
            at_least,
            against: SpeedBaseline::Starter,
        }),
        ..ExerciseChecks::default()
    }
}

/// Three runs each: the baseline at one core, the student's at
/// `student_cores`, on `cores` cores with `others` used by other programs.
fn measure(
    baseline_ms: u64,
    student_ms: u64,
    student_cores: f64,
    cores: usize,
    others: Option<f64>,
) -> SpeedMeasure {
    let baseline: Vec<u64> = [baseline_ms + 10, baseline_ms, baseline_ms + 40]
        .map(|ms| ms * 1_000)
        .to_vec();
    let student: Vec<u64> = [student_ms, student_ms + 5, student_ms + 30]
        .map(|ms| ms * 1_000)
        .to_vec();
    let student_cpu = student
        .iter()
        .map(|us| (*us as f64 * student_cores) as u64)
        .collect();
    let baseline_cpu = baseline.iter().map(|us| us * 99 / 100).collect();
    let wall_us: u64 = baseline.iter().chain(&student).sum();
    SpeedMeasure {
        student_wall_us: student,
        baseline_wall_us: baseline,
        student_cpu_us: student_cpu,
        baseline_cpu_us: baseline_cpu,
        load: Load {
            wall_us,
            cores,
            machine_busy_us: others.map(|others| (others * wall_us as f64) as u64 + 1_000),
            own_us: 1_000,
        },
    }
}

fn speed_line(checks: &ExerciseChecks, measure: Option<&SpeedMeasure>) -> CheckLine {
    let verdict = judge(checks, &run(0, &[], xray(100_000, Vec::new())), measure);
    line_of(&verdict, CheckKind::Speed).clone()
}

#[test]
fn twice_as_fast_on_a_quiet_machine_passes_with_its_times() {
    let line = speed_line(&serial(1.5), Some(&measure(1_200, 620, 1.9, 2, Some(0.02))));
    assert_eq!(line.status, Status::Pass, "{line:?}");
    assert_eq!(
        line.text,
        "It is 1.9× as fast as the serial version (the middle of 3 runs each: 625ms against \
         1.21s); the task asks for at least 1.5×."
    );
}

#[test]
fn a_serial_solution_on_a_quiet_machine_fails_with_the_cores_it_got() {
    let line = speed_line(
        &serial(1.5),
        Some(&measure(1_200, 1_150, 1.0, 2, Some(0.02))),
    );
    assert_eq!(line.status, Status::Fail, "{line:?}");
    assert_eq!(
        line.text,
        "It is only 1.0× as fast as the serial version (the middle of 3 runs each: 1.16s \
         against 1.21s) on a quiet 2-core machine (other programs used 0.0 of a core and your \
         program got 1.0 core of the 2 cores); the task asks for at least 1.5×."
    );
}

#[test]
fn a_busy_machine_cannot_fail_the_speed_check() {
    let line = speed_line(
        &serial(1.5),
        Some(&measure(1_200, 1_150, 1.0, 2, Some(0.9))),
    );
    assert_eq!(line.status, Status::CouldntTell, "{line:?}");
    assert!(
        matches!(line.why, Some(Unclear::MachineBusy { .. })),
        "{line:?}"
    );
    assert!(
        line.text.contains("other programs used 0.9 of a core"),
        "{}",
        line.text
    );
    assert!(line.text.contains("run it again"), "{}", line.text);
    // Counters that could not be read cannot show a quiet machine either.
    let unread = speed_line(&serial(1.5), Some(&measure(1_200, 1_150, 1.6, 2, None)));
    assert_eq!(unread.status, Status::CouldntTell, "{unread:?}");
}

#[test]
fn too_few_cores_for_the_factor_is_said_with_what_to_try() {
    let one = speed_line(
        &serial(1.5),
        Some(&measure(1_200, 1_150, 1.0, 1, Some(0.0))),
    );
    assert_eq!(one.why, Some(Unclear::OneCore), "{one:?}");
    let two = speed_line(&serial(3.0), Some(&measure(1_200, 700, 1.9, 2, Some(0.0))));
    assert_eq!(two.status, Status::CouldntTell, "{two:?}");
    assert!(
        two.text.contains("this machine has 2 cores")
            && two
                .text
                .contains("Try it on a machine with 3 cores or more."),
        "{}",
        two.text
    );
}

#[test]
fn runs_too_short_to_time_cannot_be_judged() {
    let line = speed_line(&serial(1.5), Some(&measure(40, 38, 1.0, 2, Some(0.0))));
    assert_eq!(line.status, Status::CouldntTell, "{line:?}");
    assert!(
        line.text.contains("too short to time: under 50ms"),
        "{}",
        line.text
    );
}

#[test]
fn beating_the_starter_is_not_bounded_by_the_cores() {
    // q5: a good chunksize against chunksize 1, 3.9× on 2 cores.
    let line = speed_line(
        &against_starter(3.0),
        Some(&measure(2_000, 500, 1.9, 2, Some(0.05))),
    );
    assert_eq!(line.status, Status::Pass, "{line:?}");
    let slow = speed_line(
        &against_starter(3.0),
        Some(&measure(2_000, 1_900, 1.9, 2, Some(0.05))),
    );
    assert_eq!(slow.status, Status::Fail, "{slow:?}");
}

#[test]
fn a_speed_check_that_was_not_timed_is_not_judged() {
    let line = speed_line(&serial(1.5), None);
    assert_eq!(line.status, Status::CouldntTell);
    assert_eq!(
        line.text,
        "Couldn't tell whether it is at least 1.5× as fast as the serial version: it was not \
         timed against the serial version. Run it again."
    );
}
