//! The `cpu-speedup` demo (lesson q1), run through the binary's `--json`
//! output: every split must count the same primes, in real worker processes
//! of mptutor's own. Timings and speed-ups are not checked here: on a
//! shared, busy machine they mean nothing; they belong in benchmarks.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;

use serde_json::Value;

use crate::support::mptutor;

/// π(200 000): the primes below 200 000.
const PRIMES_BELOW_200_000: u64 = 17_984;

/// What one `run q1 --json` printed, and the pid of the mptutor that ran it.
struct JsonRun {
    mptutor_pid: i32,
    events: Vec<Value>,
}

impl JsonRun {
    fn of(kind: &str, events: &[Value]) -> Vec<Value> {
        events
            .iter()
            .filter(|event| event["event"] == kind)
            .cloned()
            .collect()
    }

    fn started(&self) -> Vec<Value> {
        Self::of("started", &self.events)
    }

    fn exited(&self) -> Vec<Value> {
        Self::of("exited", &self.events)
    }

    fn result(&self) -> Value {
        self.events
            .iter()
            .rfind(|event| event["type"] == "demo")
            .cloned()
            .expect("a closing result line")
    }
}

fn run_q1(extra: &[&str]) -> JsonRun {
    let home = tempfile::tempdir().expect("temporary directory");
    let child = mptutor(home.path())
        .args(["run", "q1", "--json", "limit=200000", "workers=2"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    let mptutor_pid = i32::try_from(child.id()).expect("a pid fits i32");
    let output = child.wait_with_output().expect("wait for mptutor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "mptutor failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let events = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    JsonRun {
        mptutor_pid,
        events,
    }
}

fn as_u64s(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item.as_u64().expect("a whole number"))
        .collect()
}

fn assert_every_split_counts_every_prime(extra: &[&str]) {
    let run = run_q1(extra);
    let result = run.result();
    assert_eq!(result["type"], "demo", "{result}");
    let data = &result["result"]["data"];
    assert_eq!(data["limit"], 200_000);
    assert_eq!(data["primes"], PRIMES_BELOW_200_000, "{data}");

    let runs = data["runs"].as_array().expect("runs");
    let sizes: Vec<u64> = runs
        .iter()
        .map(|run| run["workers"].as_u64().expect("workers"))
        .collect();
    assert_eq!(sizes, [1, 2], "{data}");
    for split in runs {
        let workers = split["workers"].as_u64().expect("workers");
        let counts = as_u64s(&split["worker_primes"]);
        assert_eq!(counts.len() as u64, workers, "{split}");
        assert_eq!(counts.iter().sum::<u64>(), PRIMES_BELOW_200_000, "{split}");
        assert_eq!(split["primes"], PRIMES_BELOW_200_000, "{split}");
        assert_eq!(split["correct"], true, "{split}");
        assert_eq!(as_u64s(&split["worker_pids"]).len() as u64, workers);
    }

    // Every worker is a process of its own, a child of this mptutor.
    let started = run.started();
    let pids: BTreeSet<i64> = started
        .iter()
        .map(|event| event["pid"].as_i64().expect("pid"))
        .collect();
    assert_eq!(pids.len(), 3, "1 + 2 distinct workers: {started:?}");
    assert!(!pids.contains(&i64::from(run.mptutor_pid)));
    for event in &started {
        assert_eq!(event["ppid"], run.mptutor_pid, "{event}");
    }
    let reported: BTreeSet<i64> = runs
        .iter()
        .flat_map(|split| as_u64s(&split["worker_pids"]))
        .map(|pid| i64::try_from(pid).expect("pid"))
        .collect();
    assert_eq!(reported, pids);

    // …and each one ended normally, reported once.
    let statuses: BTreeMap<i64, Value> = run
        .exited()
        .into_iter()
        .map(|event| (event["pid"].as_i64().expect("pid"), event["status"].clone()))
        .collect();
    assert_eq!(statuses.keys().copied().collect::<BTreeSet<_>>(), pids);
    for (pid, status) in statuses {
        assert_eq!(status, serde_json::json!({"code": 0}), "worker {pid}");
    }
}

#[test]
fn cpu_speedup_counts_every_prime_in_every_split_with_forked_workers() {
    assert_every_split_counts_every_prime(&[]);
}

#[test]
fn cpu_speedup_counts_every_prime_in_every_split_with_spawned_workers() {
    assert_every_split_counts_every_prime(&["start=spawn"]);
}
