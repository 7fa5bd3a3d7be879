//! `mptutor bench`: it runs, and its JSON holds every operation with every
//! field and reads back into the bench's types. No timing is checked here:
//! on a shared, busy machine figures mean nothing to a test; the targets
//! live in the bench's own output. What is checked is that a target is
//! never called missed on a machine the run itself measured busy.

use std::path::Path;
use std::process::Command;

use mptutor::bench::{Op, PythonSide, Target};
use mptutor::findings::{Verdict, speed::OTHERS_BUSY};
use mptutor::json::{Message, SCHEMA, read_line};
use serde_json::Value;

use crate::support::mptutor;

const OPERATIONS: [&str; 11] = [
    "process_fork",
    "process_spawn",
    "process_forkserver",
    "thread",
    "pool_create_map5_shutdown",
    "pool_round_trip_per_item",
    "cpu_all_cores",
    "live_output_latency",
    "startup_to_prompt",
    "xray_q1_example",
    "xray_pool_map_20000",
];

fn is_number(value: &Value) -> bool {
    value.as_f64().is_some_and(f64::is_finite)
}

/// `mptutor bench` at the lowest priority, under `nice` when there is one:
/// it keeps both cores busy for seconds, and the tests beside it that judge
/// a speed-up (the compare rows) should not pay for it.
fn bench_command(home: &std::path::Path) -> Command {
    let plain = mptutor(home);
    if !Path::new("/usr/bin/nice").exists() {
        return plain;
    }
    let mut nice = Command::new("/usr/bin/nice");
    nice.env_clear();
    nice.args(["-n", "19"]).arg(plain.get_program());
    for (key, value) in plain.get_envs() {
        match value {
            Some(value) => nice.env(key, value),
            None => nice.env_remove(key),
        };
    }
    nice
}

#[test]
fn quick_json_bench_reports_every_operation_with_every_field() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = bench_command(home.path())
        .args(["bench", "--quick", "--json"])
        .output()
        .expect("run mptutor bench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mptutor bench failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.trim();
    assert_eq!(line.lines().count(), 1, "one JSON object:\n{stdout}");
    let report: Value = serde_json::from_str(line).expect("one JSON object");
    assert_eq!(report["schema"], SCHEMA);
    assert_eq!(report["type"], "bench");
    assert_eq!(report["quick"], Value::Bool(true));
    assert!(report["cores"].as_u64().is_some_and(|cores| cores >= 1));
    assert!(report["unix_time"].as_u64().is_some_and(|time| time > 0));

    let Ok(Message::Bench(run)) = read_line::<Message>(line) else {
        panic!("does not read back as a bench run: {line}");
    };
    let python_ran = matches!(run.python, PythonSide::Version(_));
    let names: Vec<&str> = run
        .operations
        .iter()
        .map(|operation| operation.measured.op.key())
        .collect();
    // The X-ray's operations need a python3, and say why they were skipped.
    let skipped: Vec<&str> = run.skipped.iter().map(|skip| skip.op.key()).collect();
    let expected: Vec<&str> = OPERATIONS
        .into_iter()
        .filter(|name| !skipped.contains(name))
        .collect();
    assert_eq!(names, expected);
    assert!(
        skipped.iter().all(|name| name.starts_with("xray_")),
        "{skipped:?}"
    );
    let operations = report["operations"].as_array().expect("an operations list");
    for (operation, raw) in run.operations.iter().zip(operations) {
        let name = operation.measured.op.key();
        for value in [
            &raw["mptutor"]["median_us"],
            &raw["floor"]["median_us"],
            &raw["mptutor"]["p99_us"],
            &raw["ratio_floor"],
        ] {
            assert!(is_number(value), "{name}: {raw}");
        }
        for value in [&raw["python"], &raw["ratio_python"]] {
            assert!(
                value.is_null() || value.is_object() || is_number(value),
                "{name}: {raw}"
            );
        }
        assert!(raw["label"].is_string(), "{name}: {raw}");
        assert!(operation.measured.runs > 0, "{name}: no runs");
        assert_eq!(
            operation.target.is_some(),
            operation.verdict.is_some(),
            "{name}: a target and its verdict go together"
        );
        // Every operation measured the machine while it ran…
        let load = operation.load.expect("the load during the operation");
        assert!(load.wall_us > 0, "{name}: {load:?}");
        // …and a target is only called missed when it was quiet.
        if operation.verdict == Some(Verdict::Contradicted) {
            match operation.measured.extra.cpu_load {
                Some(cpu) => assert!(!cpu.speed.busy(), "{name}: {cpu:?}"),
                None => {
                    let python = operation
                        .python_load
                        .filter(|_| matches!(operation.target, Some(Target::FasterThanPython(_))));
                    for turn in std::iter::once(load).chain(python) {
                        assert!(
                            turn.others_cores()
                                .is_some_and(|others| others < OTHERS_BUSY),
                            "{name}: missed on a busy machine: {turn:?}"
                        );
                    }
                }
            }
        }
    }
    // Python's figures exist for every operation it can do, when it ran.
    if python_ran {
        for operation in &run.operations {
            let name = operation.measured.op.key();
            if name != "cpu_all_cores" && !operation.measured.op.is_xray() {
                assert!(
                    operation.measured.python.is_some(),
                    "{name}: no Python figure"
                );
            }
        }
    }
    let extra = |op: Op| {
        run.operations
            .iter()
            .find(|operation| operation.measured.op == op)
            .map(|operation| operation.measured.extra)
            .expect("the operation was measured")
    };
    let cpu = extra(Op::CpuAllCores);
    assert!(
        cpu.efficiency.and_then(|sides| sides.mptutor).is_some(),
        "{cpu:?}"
    );
    let speed = cpu.cpu_load.expect("the CPU-bound runs' load").speed;
    assert!(
        speed.parallel_cores.is_some() && speed.baseline_cores.is_some(),
        "{speed:?}"
    );
    let startup = extra(Op::Startup);
    assert!(
        startup
            .peak_rss_kb
            .and_then(|sides| sides.mptutor)
            .is_some(),
        "{startup:?}"
    );
}

/// The bench's JSON, read back, from `bench ARGS --quick --json`.
fn quick_json_bench(mut command: Command, ops: &[&str]) -> mptutor::bench::BenchRun {
    let output = command
        .arg("bench")
        .args(ops)
        .args(["--quick", "--json"])
        .output()
        .expect("run mptutor bench");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mptutor bench failed:\n{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Ok(Message::Bench(run)) = read_line::<Message>(stdout.trim()) else {
        panic!("does not read back as a bench run: {stdout}");
    };
    run
}

#[test]
fn the_xray_pool_bench_gives_the_traced_and_the_untraced_median() {
    let found = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        eprintln!("python3 is not installed: skipping");
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let run = quick_json_bench(bench_command(home.path()), &["xray-pool"]);
    assert!(run.skipped.is_empty(), "{:?}", run.skipped);
    let [operation] = run.operations.as_slice() else {
        panic!("one operation: {:?}", run.operations);
    };
    assert_eq!(operation.measured.op, Op::XrayPool);
    // No ratio is checked: on a shared machine it is noise to a test.
    let (traced, untraced) = (operation.measured.mptutor, operation.measured.floor);
    for side in [traced, untraced] {
        assert!(
            side.median_us.is_finite() && side.median_us > 0.0,
            "{side:?}"
        );
        assert_eq!(side.samples, operation.measured.runs);
    }
    assert!(operation.measured.paired_ratio.is_some(), "{operation:?}");
    assert_eq!(operation.target, Some(Target::WithinFloor(1.10)));
    assert!(operation.verdict.is_some(), "{operation:?}");
    assert!(operation.measured.python.is_none(), "{operation:?}");
    assert!(
        operation
            .measured
            .notes
            .iter()
            .any(|note| note.contains("untraced")),
        "{:?}",
        operation.measured.notes
    );
}

#[test]
fn without_python3_the_xray_operations_are_skipped_saying_why() {
    let home = tempfile::tempdir().expect("temporary directory");
    let empty = tempfile::tempdir().expect("an empty folder for PATH");
    let mut command = mptutor(home.path());
    command.env("PATH", empty.path());
    let run = quick_json_bench(command, &["xray-q1", "xray-pool"]);
    assert!(run.operations.is_empty(), "{:?}", run.operations);
    let skipped: Vec<Op> = run.skipped.iter().map(|skip| skip.op).collect();
    assert_eq!(skipped, [Op::XrayQ1, Op::XrayPool]);
    for skip in &run.skipped {
        assert!(skip.why.contains("python3 is not on PATH"), "{skip:?}");
    }
}
