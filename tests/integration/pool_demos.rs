//! The pool demos, run as a student runs them (`mptutor run q5 --json …`)
//! on real processes and threads: results come back correct and in input
//! order, workers are real and distinct from mptutor, a worker that dies
//! costs only its own task and never hangs the pool, and every queued task
//! is done exactly once.
//!
//! The demos fork, which needs a single-threaded process, so they run in
//! the mptutor binary and never inside this (multi-threaded) test harness.

use std::collections::BTreeSet;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::mptutor;

/// Longest a demo may take before the test calls it a hang.
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// What one `--json` run printed.
struct Run {
    events: Vec<Value>,
    result: Value,
}

impl Run {
    /// The demo's typed result.
    fn typed(&self) -> &Value {
        &self.result["result"]
    }

    /// The finding whose claim mentions `part`.
    fn finding(&self, part: &str) -> &Value {
        self.result["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|finding| {
                finding["claim"]
                    .as_str()
                    .is_some_and(|claim| claim.contains(part))
            })
            .unwrap_or_else(|| panic!("no finding claims {part:?}: {}", self.result))
    }

    /// The pool worker that computed (or held) an item.
    fn worker_of(&self, item: &Value) -> &Value {
        let index = &item["worker"];
        self.typed()["pool"]
            .as_array()
            .expect("the pool's workers")
            .iter()
            .find(|worker| worker["index"] == *index)
            .unwrap_or_else(|| panic!("{item} names no pool worker"))
    }

    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.events
            .iter()
            .filter(move |event| event["event"] == kind)
    }

    /// mptutor's own pid: the parent of every worker it starts.
    fn mptutor_pid(&self) -> i64 {
        let parents: BTreeSet<i64> = self
            .of_kind("started")
            .filter_map(|event| event["ppid"].as_i64())
            .collect();
        assert_eq!(parents.len(), 1, "one parent for every worker: {parents:?}");
        parents.into_iter().next().expect("a parent pid")
    }

    fn started_pids(&self) -> BTreeSet<i64> {
        self.of_kind("started")
            .filter_map(|event| event["pid"].as_i64())
            .collect()
    }

    fn results(&self) -> &Vec<Value> {
        self.typed()["items"].as_array().expect("items array")
    }

    fn notes(&self) -> Vec<&str> {
        self.of_kind("note")
            .filter_map(|event| event["text"].as_str())
            .collect()
    }
}

/// Runs `mptutor run <lesson> --json <params>`, failing the test if it
/// takes longer than [`HANG_LIMIT`] (the child is killed first).
fn run_json(lesson: &str, params: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut child = mptutor(home.path())
        .args(["run", lesson, "--json"])
        .args(params)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    let mut stdout = child.stdout.take().expect("stdout pipe");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll mptutor") {
            break status;
        }
        if started.elapsed() > HANG_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`run {lesson} {params:?}` hung for more than {HANG_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = reader.join().expect("reader thread").expect("read stdout");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert!(
        status.success(),
        "`run {lesson} {params:?}` failed: {stderr}\n{text}"
    );
    let mut events: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let result = events.pop().expect("a result line");
    assert_eq!(result["schema"], "mptutor/2", "{result}");
    assert_eq!(result["type"], "demo", "{result}");
    Run { events, result }
}

/// Every worker that started was reported as ended.
fn assert_every_worker_ended(run: &Run) {
    let ended: BTreeSet<i64> = run
        .of_kind("exited")
        .filter_map(|event| event["pid"].as_i64())
        .collect();
    assert_eq!(run.started_pids(), ended, "workers started but never ended");
}

/// Results 1², 2², … items², in input order, none failed.
fn assert_squares_in_order(run: &Run, items: i64) {
    let results = run.results();
    assert_eq!(results.len() as i64, items);
    for (k, entry) in (1..).zip(results) {
        assert_eq!(entry["input"], k, "slot {k} holds {entry}");
        assert_eq!(entry["result"], k * k, "{entry}");
        assert_eq!(entry["error"], Value::Null, "{entry}");
    }
    let order = run.finding("input's slot");
    assert_eq!(order["verdict"], "holds", "{order}");
}

#[test]
fn process_pool_map_returns_squares_in_input_order_from_real_workers() {
    for start in ["start=fork", "start=spawn"] {
        for chunksize in ["chunksize=1", "chunksize=7"] {
            let run = run_json("q5", &["items=50", "workers=4", chunksize, start]);
            assert_squares_in_order(&run, 50);
            let me = run.mptutor_pid();
            let workers = run.started_pids();
            assert_eq!(
                workers.len(),
                4,
                "{start} {chunksize}: no worker should die"
            );
            assert!(!workers.contains(&me), "a worker has mptutor's pid {me}");
            for entry in run.results() {
                let pid = run.worker_of(entry)["pid"].as_i64().expect("a worker pid");
                assert!(workers.contains(&pid), "{entry} names no pool worker");
            }
            assert_eq!(run.typed()["replacements"], 0);
            assert_every_worker_ended(&run);
        }
    }
}

#[test]
fn thread_pool_map_runs_every_worker_inside_mptutor() {
    let run = run_json(
        "q5",
        &["items=50", "workers=4", "chunksize=3", "threads=true"],
    );
    assert_squares_in_order(&run, 50);
    assert_eq!(run.typed()["threads"], true);
    let me = run.mptutor_pid();
    assert!(
        run.of_kind("started")
            .all(|event| event["kind"] == "thread"),
        "every worker is a thread"
    );
    let tids = run.started_pids();
    assert_eq!(tids.len(), 4);
    assert!(
        !tids.contains(&me),
        "a worker thread is mptutor's main thread"
    );
    assert_eq!(run.typed()["process_pid"], me);
    for entry in run.results() {
        let worker = run.worker_of(entry);
        assert_eq!(worker["pid"], me, "{entry}: threads live in mptutor");
        let tid = worker["tid"].as_i64().expect("a thread id");
        assert!(tids.contains(&tid), "{entry} names no pool thread");
    }
    let inside = run.finding("one process");
    assert_eq!(inside["verdict"], "holds", "{inside}");
    assert_every_worker_ended(&run);
}

#[test]
fn pool_reports_dead_worker_instead_of_hanging() {
    for start in ["start=fork", "start=spawn"] {
        let run = run_json(
            "q5",
            &[
                "items=50",
                "workers=4",
                "chunksize=7",
                "crash=3",
                "timeout=20",
                start,
            ],
        );
        // Input 3 is in the first task, inputs 1 to 7: only those fail.
        let crashed: Vec<&Value> = run
            .of_kind("exited")
            .filter(|event| event["status"]["signal"] == "SIGSEGV")
            .collect();
        assert_eq!(crashed.len(), 1, "{start}: one worker dies of SIGSEGV");
        let dead_pid = crashed[0]["pid"].as_i64().expect("pid");
        for (k, entry) in (1..).zip(run.results()) {
            if k <= 7 {
                let error = entry["error"].as_str().expect("an error for the lost task");
                assert!(error.contains("SIGSEGV"), "{error}");
                assert!(error.contains(&dead_pid.to_string()), "{error}");
                assert_eq!(entry["result"], Value::Null);
            } else {
                assert_eq!(entry["result"], k * k, "{start}: {entry}");
                assert_eq!(entry["error"], Value::Null);
            }
        }
        assert_eq!(run.typed()["replacements"], 1);
        assert_eq!(run.typed()["timed_out"], false);
        let crash = run.finding("crashes");
        assert_eq!(crash["verdict"], "holds", "{start}: {crash}");
        assert_eq!(
            run.started_pids().len(),
            5,
            "{start}: 4 workers and a replacement"
        );
        let notes = run.notes().join("\n");
        assert!(notes.contains("to replace"), "{notes}");
        assert_every_worker_ended(&run);
    }
}

#[test]
fn a_crash_with_chunksize_one_fails_that_input_alone() {
    let run = run_json("q5", &["items=20", "crash=3", "timeout=20"]);
    for (k, entry) in (1..).zip(run.results()) {
        assert_eq!(entry["error"].is_string(), k == 3, "{entry}");
    }
    let findings = run.result["findings"].to_string();
    assert!(findings.contains("BrokenProcessPool"), "{findings}");
}

#[test]
fn a_pool_that_loses_its_only_worker_replaces_it_and_finishes_the_map() {
    // The group dies with its last member, so the replacement must lead a
    // group of its own: it starts, and computes everything after input 3.
    for start in ["start=fork", "start=spawn", "start=forkserver"] {
        let run = run_json(
            "q5",
            &["workers=1", "items=6", "crash=3", "timeout=20", start],
        );
        for (k, entry) in (1..).zip(run.results()) {
            assert_eq!(entry["error"].is_string(), k == 3, "{start}: {entry}");
        }
        assert_eq!(run.typed()["replacements"], 1, "{start}");
        let exits: Vec<&Value> = run.of_kind("exited").collect();
        assert_eq!(
            exits.len(),
            2,
            "{start}: the worker and its one replacement"
        );
        assert!(
            exits.iter().all(|exit| exit["status"]["code"] != 127),
            "{start}: a replacement could not start: {exits:?}"
        );
    }
}

#[test]
fn a_crash_late_in_a_long_map_fails_only_the_chunk_it_hit() {
    // Workers hold several queued chunks and send finished results in
    // batches: none finished before the crash may be lost, none queued
    // behind it may fail.
    for (chunksize, lost) in [(1, 1500..=1500), (7, 1499..=1505)] {
        let chunks = format!("chunksize={chunksize}");
        let run = run_json("q5", &["items=3000", "crash=1500", &chunks, "timeout=30"]);
        for (k, entry) in (1..).zip(run.results()) {
            assert_eq!(entry["input"], k, "{entry}");
            if lost.contains(&k) {
                assert!(entry["error"].is_string(), "{chunks}: {entry}");
            } else {
                assert_eq!(entry["result"], k * k, "{chunks}: {entry}");
            }
        }
        assert_eq!(run.results().len(), 3000);
        let crash = run.finding("crashes");
        assert_eq!(crash["verdict"], "holds", "{chunks}: {crash}");
        assert_every_worker_ended(&run);
    }
}

#[test]
fn a_chunk_bigger_than_one_result_line_arrives_whole() {
    // 1 000 results per task: several result lines each.
    let run = run_json("q5", &["items=2500", "workers=2", "chunksize=1000"]);
    assert_squares_in_order(&run, 2_500);
    assert_every_worker_ended(&run);
}

#[test]
fn a_long_map_of_single_input_tasks_keeps_every_result_on_the_same_workers() {
    // 2 workers × 10 000 single-input tasks: far more result lines than a
    // worker may print, yet the result channel drops none and no worker
    // needs replacing.
    let run = run_json("q5", &["items=20000", "workers=2", "chunksize=1"]);
    assert_squares_in_order(&run, 20_000);
    assert_eq!(run.typed()["replacements"], 0, "{}", run.typed());
    assert_eq!(run.started_pids().len(), 2);
    assert_every_worker_ended(&run);
}

#[test]
fn pool_queue_does_every_task_exactly_once() {
    let run = run_json("q4", &["tasks=20", "workers=3"]);
    assert_eq!(run.result["demo"], "pool-queue", "{}", run.result);
    let result = &run.result["result"];
    let done_once = &run.result["findings"][0];
    assert_eq!(
        done_once["claim"],
        "a pool does every task in the queue exactly once"
    );
    assert_eq!(done_once["verdict"], "holds", "{done_once}");
    assert_eq!(result["lost"], serde_json::json!([]), "{result}");
    let me = run.mptutor_pid();
    let workers = run.started_pids();
    let mut done = Vec::new();
    for worker in result["pool"].as_array().expect("the pool's workers") {
        let pid = worker["pid"].as_i64().expect("pid");
        assert!(workers.contains(&pid) && pid != me, "{worker}");
        done.extend(
            worker["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .filter_map(Value::as_u64),
        );
    }
    done.sort_unstable();
    assert_eq!(done, (1..=20).collect::<Vec<u64>>());
    // The workers said so themselves, once per task.
    let taken = run
        .of_kind("line")
        .filter(|event| {
            event["text"]
                .as_str()
                .is_some_and(|text| text.contains("takes task"))
        })
        .count();
    assert_eq!(taken, 20);
    let mut announced: Vec<u64> = result["announced"]
        .as_array()
        .expect("announced tasks")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    announced.sort_unstable();
    assert_eq!(announced, (1..=20).collect::<Vec<u64>>());
    // The machine's load was measured around the pool.
    assert!(result["load"]["wall_us"].as_u64() > Some(0), "{result}");
    assert_every_worker_ended(&run);
}

#[test]
fn a_short_map_spreads_over_every_worker() {
    // Quick jobs queue several chunks per worker, but a map of four hands one
    // to each of the four workers before any gets a second.
    let run = run_json("q5", &["items=4", "workers=4", "chunksize=1"]);
    assert_squares_in_order(&run, 4);
    let pids: BTreeSet<i64> = run
        .results()
        .iter()
        .filter_map(|entry| run.worker_of(entry)["pid"].as_i64())
        .collect();
    assert_eq!(pids.len(), 4, "{:?}", run.results());
    assert_every_worker_ended(&run);
}

#[test]
fn each_line_stays_with_the_worker_that_printed_it_across_runs() {
    // Later workers write into output pipes kept from earlier ones, one of
    // which panicked on stderr: no line may reach another worker.
    let run = run_json("q6", &["repeat=6", "crash=panic"]);
    let started = run.started_pids();
    assert_eq!(started.len(), 24, "6 runs of 4 workers");
    let crashed: BTreeSet<i64> = run
        .of_kind("exited")
        .filter(|event| event["status"]["code"] != 0)
        .filter_map(|event| event["pid"].as_i64())
        .collect();
    assert_eq!(crashed.len(), 6, "one panicking worker per run");
    let mut printed = 0;
    for line in run.of_kind("line") {
        let pid = line["pid"].as_i64().expect("a pid");
        let text = line["text"].as_str().expect("a text");
        let named = text
            .split("(pid ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .and_then(|number| number.parse::<i64>().ok());
        if let Some(named) = named {
            assert_eq!(named, pid, "{line}");
            printed += 1;
        }
        if line["stream"] == "stderr" {
            assert!(
                crashed.contains(&pid),
                "stderr of a worker that did not crash: {line}"
            );
        }
    }
    assert_eq!(printed, 18, "three numbers a run");
    assert_every_worker_ended(&run);
}
