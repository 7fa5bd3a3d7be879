//! The closing `--json` object of an X-rayed run.

use serde_json::Value;

use super::super::model::{ProcessExit, Role, XrayTask};
use super::super::result::XrayResult;
use super::*;
use crate::json::{Message, XrayRun, read_line, write_line};

/// The closing line of `trace --json` for `result`.
fn message(result: XrayResult) -> Message {
    Message::Xray(XrayRun {
        exit_code: 0,
        elapsed_us: result.wall_us,
        result,
    })
}

fn xray_result_json(xray: &Xray, load: &crate::engine::Load) -> Value {
    let mut line = Vec::new();
    write_line(&mut line, message(XrayResult::new(xray, load))).expect("written");
    serde_json::from_slice(&line).expect("JSON")
}

/// A run with a bit of everything: a killed pool worker, a zombie, two
/// threads, a failed task, a timeout.
fn run() -> Xray {
    let mut killed = process(
        101,
        "ForkPoolWorker-1",
        Role::PoolWorker,
        10_000,
        Some(400_000),
    );
    killed.exit = Some(ProcessExit::Signal("SIGKILL".into()));
    killed.reaped_us = Some(900_000);
    killed.zombie_us = Some(500_000);
    killed.cpu_us = 300_000;
    let mut stuck = process(102, "ForkPoolWorker-2", Role::PoolWorker, 10_000, None);
    stuck.killed_at_end = true;
    let mut run = xray(3_000_000, vec![killed, stuck]);
    run.processes[0].killed_at_end = true;
    run.timed_out = true;
    run.threads = vec![
        thread(MAIN, MAIN + 1, 0, 2_000_000, 900_000),
        thread(MAIN, MAIN + 2, 0, 2_000_000, 900_000),
    ];
    run.cpu = run.threads.iter().map(even_samples).collect();
    run.tasks = vec![XrayTask {
        pid: 101,
        function: "square".into(),
        items: 4,
        start_us: 20_000,
        end_us: 30_000,
        ok: false,
        error: Some("ValueError: no".into()),
    }];
    run
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn has_all(value: &Value, names: &[&str]) {
    let present = keys(value);
    for name in names {
        assert!(present.contains(name), "`{name}` missing from {value}");
    }
}

#[test]
fn the_result_names_every_field_the_issue_lists_under_the_schema() {
    let json = xray_result_json(&run(), &quiet());
    assert_eq!(json["schema"], "mptutor/2");
    assert_eq!(json["type"], "xray");
    has_all(
        &json,
        &[
            "processes",
            "threads",
            "tasks",
            "max_concurrent_processes",
            "cpu_parallelism",
            "timed_out",
            "findings",
        ],
    );
    let processes = json["processes"].as_array().expect("processes");
    assert_eq!(processes.len(), 3);
    for process in processes {
        has_all(
            process,
            &[
                "pid",
                "ppid",
                "name",
                "role",
                "start_method",
                "start_us",
                "end_us",
                "exit",
                "cpu_us",
                "zombie_us",
            ],
        );
    }
    assert_eq!(processes[0]["exit"], serde_json::json!({"code": 0}));
    assert_eq!(
        processes[1]["exit"],
        serde_json::json!({"signal": "SIGKILL"})
    );
    assert_eq!(processes[1]["role"], "pool_worker");
    assert_eq!(processes[2]["end_us"], Value::Null);
    for thread in json["threads"].as_array().expect("threads") {
        has_all(
            thread,
            &["pid", "tid", "name", "start_us", "end_us", "cpu_us"],
        );
    }
    for task in json["tasks"].as_array().expect("tasks") {
        has_all(task, &["pid", "function", "items", "start_us", "end_us"]);
    }
    assert_eq!(json["max_concurrent_processes"], 2);
    assert_eq!(json["timed_out"], true);
    assert_eq!(json["cpu_parallelism"], 0.1);
    let findings = json["findings"].as_array().expect("findings");
    let kinds: Vec<&str> = findings
        .iter()
        .map(|finding| finding["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "concurrency",
            "processes_cpu",
            "threads_cpu",
            "zombies",
            "pool_worker_killed",
            "worker_exceptions",
            "killed_at_end"
        ]
    );
    for finding in findings {
        assert!(
            finding["text"]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "{finding}"
        );
    }
}

#[test]
fn the_result_reads_back_as_written() {
    let result = XrayResult::new(&run(), &busy());
    let mut line = Vec::new();
    write_line(&mut line, message(result.clone())).expect("written");
    let line = String::from_utf8(line).expect("UTF-8");
    assert!(
        line.starts_with(r#"{"schema":"mptutor/2","type":"xray","exit_code":0,"#),
        "{line}"
    );
    let back: Message = read_line(line.trim()).expect("reads back");
    assert_eq!(back, message(result));
}
