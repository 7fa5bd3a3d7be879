//! `mptutor compare`: the experiments behind lesson q2's table, run through
//! the binary (the test harness is multi-threaded, and the engine forks
//! only from a single-threaded process).
//!
//! What is checked is each row's outcome by its counts: the counter the
//! parent sees, who survives a segfault, how many updates are lost, that
//! waiting overlaps. Rows whose claims are speed-ups are judged in the
//! speed test binary (`tests/speed`), where nothing else competes for the
//! cores; here they are checked only for what their results must carry.

use std::process::Output;
use std::sync::Mutex;

use serde_json::Value;

/// One comparison at a time, so they do not take each other's cores.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `mptutor` with `args` and `stdin`, one comparison at a time.
fn run(args: &[&str], stdin: &str) -> Output {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let home = tempfile::tempdir().expect("temporary directory");
    crate::support::run_with_input(home.path(), args, stdin)
}

/// `mptutor compare <row> --json`: the one line it prints, checked to be
/// a comparison in mptutor's envelope.
pub fn compare_json(row: &str) -> Value {
    let output = run(&["compare", row, "--json"], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mptutor compare {row} failed ({:?}): {}\n{stdout}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout.trim().lines().count(), 1, "one JSON line: {stdout}");
    let line: Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("not JSON: {stdout}"));
    assert_eq!(line["schema"], "mptutor/2", "{line}");
    assert_eq!(line["type"], "compare", "{line}");
    line
}

/// The result of `row` in a comparison.
fn row<'v>(comparison: &'v Value, name: &str) -> &'v Value {
    comparison["rows"]
        .as_array()
        .expect("a list of rows")
        .iter()
        .find(|row| row["row"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {comparison}"))
}

/// What the row's result supports: its verdict, cell and findings.
fn judged<'v>(comparison: &'v Value, name: &str) -> &'v Value {
    comparison["judged"]
        .as_array()
        .expect("a list of judged rows")
        .iter()
        .find(|row| row["row"] == name)
        .unwrap_or_else(|| panic!("no judged row {name} in {comparison}"))
}

/// `14,999`, as mptutor writes counts.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn names(comparison: &Value) -> Vec<&str> {
    comparison["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|row| row["row"].as_str())
        .collect()
}

#[test]
fn child_processes_change_their_own_copy_and_threads_the_shared_counter() {
    let comparison = compare_json("memory");
    let memory = row(&comparison, "memory");
    assert_eq!(memory["after_processes"], 0, "{memory}");
    assert_eq!(memory["after_threads"], 4000, "{memory}");
    assert_eq!(memory["children_from_zero"], 4, "{memory}");
    assert_eq!(memory["process_pids"], 4, "{memory}");
    assert_eq!(memory["thread_pids"], 1, "{memory}");
    assert_eq!(judged(&comparison, "memory")["verdict"], "holds");
}

#[test]
fn a_segfault_kills_one_process_but_every_thread_and_mptutor_lives_on() {
    let comparison = compare_json("failure");
    let failure = row(&comparison, "failure");
    let statuses = failure["processes"].as_array().expect("statuses");
    let crasher = failure["crasher"].as_u64().expect("crasher") as usize;
    for (slot, status) in (1..).zip(statuses) {
        if slot == crasher {
            assert_eq!(status["signal"], "SIGSEGV", "{failure}");
        } else {
            assert_eq!(status["code"], 0, "{failure}");
        }
    }
    assert_eq!(failure["threads_finished"], 0, "{failure}");
    assert_eq!(failure["host"]["signal"], "SIGSEGV", "{failure}");
    // mptutor itself exited normally after reporting (compare_json checked
    // its status): the threads' crash happened in a sacrificial child.
    assert_eq!(judged(&comparison, "failure")["verdict"], "holds");
}

#[test]
fn waiting_overlaps_on_threads_and_processes_but_not_one_after_another() {
    let comparison = compare_json("io");
    let io = row(&comparison, "io");
    let us = |name: &str| {
        io[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name} in {io}"))
    };
    assert!(us("threads_us") < 2 * us("wait_us"), "{io}");
    assert!(us("processes_us") < 2 * us("wait_us"), "{io}");
    assert!(us("serial_us") >= us("tasks") * us("wait_us"), "{io}");
    assert_eq!(judged(&comparison, "io")["verdict"], "holds");
}

#[test]
fn threads_lose_updates_without_a_lock_and_processes_only_on_shared_memory() {
    let comparison = compare_json("synchronization");
    assert_eq!(names(&comparison), ["synchronization"]);
    let sync = row(&comparison, "synchronization");
    let count = |value: &Value| {
        value
            .as_u64()
            .unwrap_or_else(|| panic!("a count in {sync}"))
    };
    let expected = count(&sync["workers"]) * count(&sync["adds"]);
    assert!(count(&sync["threads_unlocked"]) < expected, "{sync}");
    assert_eq!(count(&sync["threads_locked"]), expected, "{sync}");
    for copy in sync["own_copies"].as_array().expect("own copies") {
        assert_eq!(copy, &sync["adds"], "{sync}");
    }
    assert_eq!(sync["parent_copy"], 0, "{sync}");
    assert_eq!(sync["shared"]["measured"], "counted", "{sync}");
    assert!(count(&sync["shared"]["unlocked"]) < expected, "{sync}");
    assert_eq!(count(&sync["shared"]["locked"]), expected, "{sync}");
    assert_eq!(sync["failed_processes"], 0, "{sync}");
    let judged = judged(&comparison, "synchronization");
    assert_eq!(judged["verdict"], "holds", "{judged}");
    let said = judged["findings"][0]["text"].as_str().unwrap_or_default();
    let tally = format!(
        "expected {}, got {}: {} updates lost",
        grouped(expected),
        grouped(count(&sync["threads_unlocked"])),
        grouped(expected - count(&sync["threads_unlocked"]))
    );
    assert!(said.contains(&tally), "{said}");
}

#[test]
fn compare_gil_runs_the_cpu_experiment_and_shows_the_gil_row() {
    let comparison = compare_json("GIL");
    assert_eq!(names(&comparison), ["cpu"]);
    let cpu = row(&comparison, "cpu");
    // Every split carries what judging it needs: CPU time and the load.
    for split in ["processes", "threads", "gil_threads"] {
        for run in ["one", "many"] {
            let timed = &cpu[split][run];
            assert!(
                timed["wall_us"].as_u64().is_some_and(|us| us > 0),
                "{timed}"
            );
            assert!(timed["cpu_us"].is_u64(), "{timed}");
            assert!(timed["load"]["wall_us"].is_u64(), "{timed}");
        }
    }
    let judged = judged(&comparison, "cpu");
    let summary = judged["summary"].as_str().unwrap_or_default();
    match judged["verdict"].as_str() {
        Some("holds") => assert!(!summary.contains('?') && !summary.contains('✗')),
        _ => assert!(summary.contains('?') || summary.contains('✗'), "{summary}"),
    }
    let output = run(&["compare", "gil", "--width", "120"], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("One shared: takes turns"), "{stdout}");
    assert!(stdout.contains("simulated GIL"), "{stdout}");
}

#[test]
fn json_has_every_row_with_its_verdict_and_the_machine() {
    let comparison = compare_json("all");
    assert_eq!(
        names(&comparison),
        [
            "memory",
            "failure",
            "overhead",
            "cpu",
            "io",
            "communication",
            "synchronization",
            "start_methods"
        ]
    );
    for judged in comparison["judged"].as_array().expect("judged rows") {
        let verdict = &judged["verdict"];
        assert!(
            verdict == "holds" || verdict == "contradicted" || verdict["couldnt_tell"].is_object(),
            "{judged}"
        );
        assert!(judged["summary"].is_string(), "{judged}");
        assert!(
            !judged["findings"].as_array().expect("findings").is_empty(),
            "{judged}"
        );
    }
    let methods = row(&comparison, "start_methods")["methods"]
        .as_array()
        .expect("methods");
    let measured: Vec<&str> = methods
        .iter()
        .filter(|method| method["median_us"].is_u64())
        .filter_map(|method| method["method"].as_str())
        .collect();
    assert!(
        measured.starts_with(&["fork", "spawn"]),
        "fork and spawn are always measured: {methods:?}"
    );
    let machine = &comparison["machine"];
    assert!(machine["cores"].as_u64().is_some_and(|cores| cores >= 1));
    assert!(machine["os"].is_string());
    let python = &machine["python"];
    assert!(
        python.is_null() || (python["version"].is_string() && python["gil_enabled"].is_boolean()),
        "{python}"
    );
}

#[test]
fn the_live_view_fills_in_the_lessons_table() {
    for width in ["80", "160"] {
        let output = run(&["compare", "memory", "--width", width], "");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}");
        assert!(stdout.contains("measured here"), "{stdout}");
        assert!(stdout.contains("0 vs 4,000 ✓"), "{stdout}");
        assert!(stdout.contains("Own copy per process"), "{stdout}");
        assert!(!stdout.contains('\x1b'), "{stdout}");
        let widest = stdout.lines().map(|line| line.chars().count()).max();
        assert!(widest.is_some_and(|widest| widest <= width.parse().unwrap_or(0)));
    }
}

#[test]
fn the_repl_takes_every_label_of_the_table_and_refuses_anything_else() {
    let output = run(
        &["--width", "100"],
        "compare mechanism\ncompare \"failure impact\"\ncompare speed\n",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("0 vs 4,000 ✓"), "{stdout}");
    assert!(stdout.contains("4 pids vs 1 pid ✓"), "{stdout}");
    assert!(stdout.contains("3 of 4 survive vs 0 of 4 ✓"), "{stdout}");
    assert!(
        stderr.contains("<stdin>:3:") && stderr.contains("synchronization"),
        "an unknown row is refused, naming the rows: {stderr}"
    );
    assert!(!output.status.success());
}

#[test]
fn an_unknown_row_is_refused_and_the_rows_named() {
    let output = run(&["compare", "speed", "--json"], "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("memory") && stderr.contains("best_for") && stderr.contains("gil"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
