//! The `cpu-speedup` demo (lesson q1), run through the binary's `--json`
//! output: every split must count the same primes, in real worker processes
//! of mptutor's own, read from the typed result. Speed-ups are judged
//! apart, in the `speed` test binary, where a busy machine is measured
//! rather than guessed at.

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

fn assert_every_split_counts_every_prime(extra: &[&str]) {
    let run = run_q1(extra);
    let line = run.result();
    assert_eq!(line["schema"], "mptutor/2", "{line}");
    assert_eq!(line["type"], "demo", "{line}");
    assert_eq!(line["demo"], "cpu-speedup", "{line}");
    let result = &line["result"];
    assert_eq!(result["limit"], 200_000);
    assert_eq!(
        result["own_loop"]["primes"], PRIMES_BELOW_200_000,
        "{result}"
    );

    let runs = result["runs"].as_array().expect("runs");
    let sizes: Vec<usize> = runs
        .iter()
        .map(|run| run["workers"].as_array().expect("workers").len())
        .collect();
    assert_eq!(sizes, [1, 2], "{result}");
    for split in runs {
        let workers = split["workers"].as_array().expect("workers");
        let counts: Vec<u64> = workers
            .iter()
            .map(|worker| {
                worker["primes"]
                    .as_u64()
                    .expect("a count from every worker")
            })
            .collect();
        assert_eq!(counts.iter().sum::<u64>(), PRIMES_BELOW_200_000, "{split}");
        // Slices cover the range without gaps.
        let edges: Vec<(u64, u64)> = workers
            .iter()
            .map(|worker| {
                let edge = |name: &str| worker[name].as_u64().expect("a slice edge");
                (edge("first"), edge("end"))
            })
            .collect();
        assert_eq!(edges.first().map(|edge| edge.0), Some(0), "{split}");
        assert_eq!(edges.last().map(|edge| edge.1), Some(200_000), "{split}");
        assert!(
            edges.windows(2).all(|pair| pair[0].1 == pair[1].0),
            "{split}"
        );
        // The machine's load was measured around the run.
        assert!(split["load"]["wall_us"].as_u64() > Some(0), "{split}");
    }
    let findings = line["findings"].as_array().expect("findings");
    assert_eq!(findings[0]["verdict"], "holds", "{findings:?}");
    assert!(
        findings[0]["text"]
            .as_str()
            .is_some_and(|text| text.contains("17,984 primes")),
        "{findings:?}"
    );

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
        .flat_map(|split| split["workers"].as_array().expect("workers"))
        .map(|worker| worker["pid"].as_i64().expect("pid"))
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
