//! The CPU row of `compare` and the `compare gil` label: speed-ups judged
//! on the real machine.
//!
//! Each claim must hold, or the row must say it couldn't tell, and then
//! only with the figures that showed why (the load of other programs, the
//! CPU the workers got, a disturbed baseline): a busy machine may leave a
//! claim untold, never pass or fail it silently.

use serde_json::Value;

use crate::one_at_a_time;

/// `mptutor compare <row> --json`, checked to be a comparison.
fn compare_json(row: &str) -> Value {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = crate::support::mptutor(home.path())
        .args(["compare", row, "--json"])
        .output()
        .expect("run mptutor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mptutor compare {row}: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(line["schema"], "mptutor/2");
    assert_eq!(line["type"], "compare");
    line
}

/// The verdict of `claim` in the CPU row, from the findings it printed.
fn verdict<'v>(comparison: &'v Value, claim: &str) -> Option<&'v Value> {
    comparison["judged"][0]["findings"]
        .as_array()?
        .iter()
        .find(|finding| finding["claim"] == claim)
        .map(|finding| &finding["verdict"])
}

/// A claim that holds, or couldn't be told with the measured reason: the
/// figures it names must be in the result. Returns whether it was decided.
fn holds_or_untold_for_a_measured_reason(comparison: &Value, claim: &str, split: &Value) -> bool {
    let verdict = verdict(comparison, claim).unwrap_or_else(|| panic!("no {claim}"));
    if verdict == "holds" {
        return true;
    }
    let why = &verdict["couldnt_tell"];
    assert!(why.is_object(), "{claim} was {verdict}: {split}");
    let load = &split["many"]["load"];
    match why["because"].as_str() {
        Some("machine_busy") => {
            // The figures given are the result's own: the CPU the workers
            // got over their wall time, and what the machine's counters
            // showed other programs using.
            let us = |value: &Value| value.as_u64().unwrap_or_else(|| panic!("{split}")) as f64;
            let got = us(&split["many"]["cpu_us"]) / us(&split["many"]["wall_us"]);
            let reported = why["got"].as_f64().expect("got");
            assert!((got - reported).abs() < 1e-6, "{why} against {split}");
            let others = load["machine_busy_us"]
                .as_u64()
                .map(|busy| (busy as f64 - us(&load["own_us"])).max(0.0) / us(&load["wall_us"]));
            match (others, why["others"].as_f64()) {
                (Some(others), Some(reported)) => {
                    assert!((others - reported).abs() < 1e-6, "{why} against {load}");
                    let short = got < 0.75 * why["needed"].as_f64().expect("needed");
                    assert!(
                        others >= 0.2 || short,
                        "busy, by figures that say otherwise: {why}"
                    );
                }
                (None, None) => {}
                (others, reported) => panic!("others {others:?} reported as {reported:?}"),
            }
        }
        Some("baseline_disturbed") => {
            assert!(
                why["baseline"].is_number() && why["speedup"].is_number(),
                "{why}"
            );
            assert!(split["one"]["cpu_us"].is_u64(), "{split}");
        }
        Some("one_core") => {
            assert_eq!(comparison["machine"]["cores"], 1, "{comparison}");
        }
        Some("too_little_work") => {
            assert!(split["many"]["busiest_us"].is_u64(), "{split}");
        }
        Some("cores_slower_together") => {
            // The same count needed that much more CPU split than whole:
            // the result's own CPU times show it.
            let us = |value: &Value| value.as_u64().unwrap_or_else(|| panic!("{split}")) as f64;
            let ratio = us(&split["many"]["cpu_us"]) / us(&split["one"]["cpu_us"]);
            let reported = why["cpu_ratio"].as_f64().expect("cpu_ratio");
            assert!((ratio - reported).abs() < 1e-6, "{why} against {split}");
            assert!(ratio > 1.25, "{why}");
        }
        other => panic!("{claim}: couldn't tell for {other:?}: {why}"),
    }
    false
}

#[test]
fn cpu_work_speeds_up_on_processes_and_not_on_threads_under_a_gil() {
    let _machine = one_at_a_time();
    // A decided verdict is wanted; a machine busy three times running may
    // leave it untold, with its figures.
    for _ in 0..3 {
        let comparison = compare_json("cpu");
        let cpu = &comparison["rows"][0];
        assert_eq!(cpu["row"], "cpu");
        let processes = holds_or_untold_for_a_measured_reason(
            &comparison,
            "CPU work speeds up on processes",
            &cpu["processes"],
        );
        let gil = holds_or_untold_for_a_measured_reason(
            &comparison,
            "threads under a GIL do not speed up",
            &cpu["gil_threads"],
        );
        if processes && gil {
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

#[test]
fn compare_gil_says_like_the_simulation_only_when_python_shows_both_claims() {
    let _machine = one_at_a_time();
    let comparison = compare_json("gil");
    let cpu = &comparison["rows"][0];
    assert_eq!(cpu["row"], "cpu");
    holds_or_untold_for_a_measured_reason(
        &comparison,
        "threads under a GIL do not speed up",
        &cpu["gil_threads"],
    );
    let text: String = comparison["judged"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|finding| finding["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    if cpu["python"]["ran"] != "measured" {
        assert!(!text.contains("like the simulation"), "{text}");
        return;
    }
    let processes = verdict(&comparison, "Python's processes speed CPU work up");
    let threads = verdict(&comparison, "Python's threads take turns on the GIL")
        .or_else(|| verdict(&comparison, "Python's threads, without the GIL, speed up"));
    let both = processes.is_some_and(|v| v == "holds") && threads.is_some_and(|v| v == "holds");
    let gil_on = cpu["python"]["info"]["gil_enabled"] == true;
    assert_eq!(
        text.contains("like the simulation"),
        both && gil_on,
        "{text}"
    );
    for phase in ["one", "threads", "processes"] {
        let phase = &cpu["python"][phase];
        assert!(
            phase["wall_us"].is_u64() && phase["cpu_us"].is_u64(),
            "{phase}"
        );
    }
}
