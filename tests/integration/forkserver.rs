//! The `forkserver` start method, checked from outside on real processes:
//! one server per run is the parent of every worker (not mptutor), reaps
//! each at once so the program never sees a zombie, lives in a group of its
//! own while the workers live in theirs, and neither it nor any worker is
//! left after Ctrl-C or after mptutor is killed.

use std::collections::BTreeSet;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::proc_table::{self, Mptutor, PATIENCE, eventually};

/// Every JSON line of `mptutor run <args> --json`, which must exit 0;
/// each carries the schema.
fn run_json(args: &[&str]) -> Vec<Value> {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.push("--json");
    let output = crate::support::run_with_input(home.path(), &all, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{args:?}: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("a JSON line");
            assert_eq!(value["schema"], "mptutor/2", "{line}");
            value
        })
        .collect()
}

fn events<'a>(lines: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    lines.iter().filter(move |line| line["event"] == kind)
}

fn int(value: &Value) -> i64 {
    value.as_i64().expect("a number")
}

/// The closing `demo` line.
fn demo_line(lines: &[Value]) -> &Value {
    let last = lines.last().expect("some output");
    assert_eq!(last["type"], "demo", "{last}");
    last
}

/// The fork server the run announced: its pid, from the note that says so.
fn announced_server(lines: &[Value]) -> i64 {
    let notes: Vec<&str> = events(lines, "note")
        .filter_map(|note| note["text"].as_str())
        .filter(|text| text.starts_with("the fork server (pid "))
        .collect();
    assert_eq!(notes.len(), 1, "the server is announced once: {notes:?}");
    let pid = notes[0]["the fork server (pid ".len()..]
        .split(',')
        .next()
        .and_then(|pid| pid.parse().ok());
    pid.expect("the server's pid in the note")
}

/// Checks that every worker of the run had the announced server as its
/// parent, that the server is not mptutor, and that each exited cleanly;
/// returns the server's pid and the workers' pids.
fn workers_of_one_server(lines: &[Value], workers: usize) -> (i64, Vec<i64>) {
    let server = announced_server(lines);
    let started: Vec<&Value> = events(lines, "started").collect();
    assert_eq!(started.len(), workers, "{started:?}");
    let parents: BTreeSet<i64> = started.iter().map(|event| int(&event["ppid"])).collect();
    assert_eq!(parents, BTreeSet::from([server]), "one server parent");
    let exited: Vec<&Value> = events(lines, "exited").collect();
    assert_eq!(exited.len(), workers, "{exited:?}");
    for event in exited {
        assert_eq!(event["status"], serde_json::json!({"code": 0}), "{event}");
    }
    let pids = started.iter().map(|event| int(&event["pid"])).collect();
    (server, pids)
}

#[test]
fn four_q6_workers_have_one_fork_server_parent_that_is_not_mptutor() {
    let lines = run_json(&["q6", "start=forkserver"]);
    let (server, pids) = workers_of_one_server(&lines, 4);
    let result = &demo_line(&lines)["result"];
    let mptutor = int(&result["parent_pid"]);
    assert_ne!(server, mptutor, "the server is not mptutor");
    assert!(!pids.contains(&server) && !pids.contains(&mptutor));
    for worker in result["runs"][0]["workers"].as_array().expect("workers") {
        assert_eq!(int(&worker["ppid"]), server, "{worker}");
    }
    let printed: BTreeSet<&str> = events(&lines, "line")
        .filter_map(|line| line["text"].as_str())
        .collect();
    for number in [10, 20, 30, 40] {
        assert!(
            printed
                .iter()
                .any(|text| text.ends_with(&format!("prints {number}"))),
            "{number} in {printed:?}"
        );
    }
    let findings = demo_line(&lines)["findings"].to_string();
    assert!(
        findings.contains(&format!("the fork server, pid {server}")),
        "{findings}"
    );
}

/// True when some object under `value` has `"input": n` and another
/// field equal to n²: a pool's result for input n, however it is laid out.
fn has_square(value: &Value, n: i64) -> bool {
    match value {
        Value::Object(fields) => {
            let squared = fields.get("input").and_then(Value::as_i64) == Some(n)
                && fields
                    .iter()
                    .any(|(key, field)| key != "input" && field.as_i64() == Some(n * n));
            squared || fields.values().any(|field| has_square(field, n))
        }
        Value::Array(items) => items.iter().any(|item| has_square(item, n)),
        _ => false,
    }
}

#[test]
fn every_demo_that_takes_start_finishes_under_forkserver() {
    // q1: its workers count primes, and all of them come from the server.
    let lines = run_json(&["q1", "start=forkserver", "workers=2"]);
    let started = events(&lines, "started").count();
    workers_of_one_server(&lines, started);

    // q4: a pool of 3 drains its queue, every task taken by a worker.
    let lines = run_json(&["q4", "start=forkserver", "workers=3", "tasks=6"]);
    workers_of_one_server(&lines, 3);
    let takes = events(&lines, "line")
        .filter(|line| {
            line["text"]
                .as_str()
                .is_some_and(|t| t.contains("takes task"))
        })
        .count();
    assert_eq!(takes, 6, "{lines:?}");

    // q5: every square comes back from a pool of 4.
    let lines = run_json(&["q5", "start=forkserver", "workers=4", "items=20"]);
    workers_of_one_server(&lines, 4);
    let result = &demo_line(&lines)["result"];
    for n in 2..=20 {
        assert!(
            has_square(result, n),
            "no result {} for {n}: {result}",
            n * n
        );
    }

    // q3 joined: the child prints the server as its parent.
    let lines = run_json(&["q3", "start=forkserver"]);
    let (server, pids) = workers_of_one_server(&lines, 1);
    let printed = format!("my pid is {}, my parent's pid is {server}", pids[0]);
    assert!(
        events(&lines, "line")
            .any(|line| line["text"].as_str().is_some_and(|t| t.contains(&printed))),
        "{lines:?}"
    );
}

#[test]
fn the_unjoined_q3_child_is_reaped_by_the_server_and_never_a_zombie() {
    let lines = run_json(&["q3", "join=false", "start=forkserver"]);
    let (server, pids) = workers_of_one_server(&lines, 1);
    let demo = demo_line(&lines);
    let result = &demo["result"];
    assert_eq!(int(&result["fork_server_pid"]), server, "{result}");
    assert_ne!(int(&result["parent_pid"]), server, "{result}");
    assert_eq!(int(&result["child"]["pid"]), pids[0], "{result}");
    assert_eq!(int(&result["printed"]["ppid"]), server, "{result}");
    assert_eq!(int(&result["reaped_by"]), server, "{result}");
    let unjoined = &result["unjoined"];
    assert_eq!(unjoined["zombie_seen"], false, "{result}");
    assert_eq!(unjoined["last_state"], Value::Null, "{result}");
    assert_eq!(unjoined["gone_after_wait"], true, "{result}");
    let zombie = demo["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|finding| {
            finding["claim"]
                .as_str()
                .is_some_and(|c| c.contains("zombie"))
        })
        .expect("a zombie finding");
    assert_eq!(zombie["verdict"], "holds", "{zombie}");
}

/// Reads JSON events from `mptutor` until `workers` workers have started;
/// returns each one's pid and parent pid.
fn started_workers(mptutor: &mut Mptutor, workers: usize) -> Vec<(i32, i32)> {
    let mut started = Vec::new();
    while started.len() < workers {
        let event: Value = serde_json::from_str(&mptutor.read_until("\n")).expect("a JSON event");
        if event["event"] == "started" {
            let pid = |key: &str| i32::try_from(int(&event[key])).expect("a pid");
            started.push((pid("pid"), pid("ppid")));
        }
    }
    started
}

/// The server's pid, checked to be the one parent of `started`.
fn one_parent(started: &[(i32, i32)]) -> i32 {
    let parents: BTreeSet<i32> = started.iter().map(|(_, ppid)| *ppid).collect();
    assert_eq!(parents.len(), 1, "{started:?}");
    started[0].1
}

#[test]
fn after_ctrl_c_no_worker_and_no_server_is_left() {
    let home = tempfile::tempdir().expect("temporary directory");
    let args = [
        "run",
        "q4",
        "--json",
        "start=forkserver",
        "workers=3",
        "pause=200",
        "tasks=40",
    ];
    let mut mptutor = Mptutor::start(home.path(), &args);
    let started = started_workers(&mut mptutor, 3);
    let server = one_parent(&started);
    assert_ne!(server, mptutor.pid());
    let groups: Vec<i32> = started
        .iter()
        .filter_map(|(pid, _)| proc_table::stat(*pid))
        .map(|process| process.pgrp)
        .collect();
    assert_eq!(groups.len(), 3, "the workers are busy: {started:?}");

    mptutor.signal(Signal::SIGINT);
    let result = loop {
        let line: Value = serde_json::from_str(&mptutor.read_until("\n")).expect("a JSON line");
        if line["type"] == "demo" || line["type"] == "error" {
            break line;
        }
    };
    assert_eq!(result["interrupted"], true, "{result}");
    // mptutor has stopped and reaped the server before it says so.
    assert_eq!(proc_table::stat(server), None, "the server is left");
    let left: Vec<_> = proc_table::all()
        .into_iter()
        .filter(|process| {
            process.ppid == server
                || process.ppid == mptutor.pid()
                || groups.contains(&process.pgrp)
                || started.iter().any(|(pid, _)| *pid == process.pid)
        })
        .collect();
    assert!(left.is_empty(), "left after Ctrl-C: {left:?}");
    assert_eq!(
        mptutor.wait(),
        Some(130),
        "an interrupted demo ends as Ctrl-C ends a command"
    );
}

/// Kills, on drop, whichever of `pids` is still alive, so a failing test
/// leaves nothing running.
struct Stragglers(Vec<i32>);

impl Drop for Stragglers {
    fn drop(&mut self) {
        for pid in &self.0 {
            if proc_table::stat(*pid).is_some_and(|process| process.state != 'Z') {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid), Signal::SIGKILL);
            }
        }
    }
}

/// Where descriptor 0 of `pid` points, and its open descriptors.
fn descriptors(pid: i32) -> Option<(String, Vec<i32>)> {
    let stdin = std::fs::read_link(format!("/proc/{pid}/fd/0")).ok()?;
    let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    fds.sort_unstable();
    Some((stdin.display().to_string(), fds))
}

#[test]
fn the_server_and_its_workers_live_in_groups_of_their_own_and_die_with_mptutor() {
    let home = tempfile::tempdir().expect("temporary directory");
    // They would sleep far longer than the test waits for them to die.
    let args = ["selftest", "hold", "120000", "3", "forkserver"];
    let mut mptutor = Mptutor::start(home.path(), &args);
    let started = started_workers(&mut mptutor, 3);
    let server = one_parent(&started);
    let pids: Vec<i32> = started.iter().map(|(pid, _)| *pid).collect();
    let _stragglers = Stragglers(pids.iter().copied().chain([server]).collect());

    let stat = |pid: i32| proc_table::stat(pid).expect("a live process");
    let own_group = stat(mptutor.pid()).pgrp;
    let server_stat = stat(server);
    assert_eq!(server_stat.ppid, mptutor.pid(), "mptutor forked the server");
    assert_eq!(
        server_stat.pgrp, server,
        "the server leads a group of its own"
    );
    assert_ne!(server_stat.pgrp, own_group);
    for pid in &pids {
        let worker = stat(*pid);
        assert_eq!(worker.ppid, server, "{worker:?}");
        assert_eq!(
            worker.pgrp, pids[0],
            "one group, led by the first worker: {worker:?}"
        );
        assert!(
            worker.pgrp != server && worker.pgrp != own_group,
            "{worker:?}"
        );
    }

    // The server keeps only /dev/null, its control socket and, per worker,
    // a status pipe and a pidfd; each worker only /dev/null and its pipes.
    let mut seen = None;
    let settled = eventually(PATIENCE, || {
        seen = descriptors(server);
        seen.as_ref().is_some_and(|(stdin, fds)| {
            stdin == "/dev/null" && fds.len() <= 4 + 2 * pids.len() && fds[..4] == [0, 1, 2, 3]
        })
    });
    assert!(settled, "the server's descriptors: {seen:?}");
    for pid in &pids {
        let settled = eventually(PATIENCE, || {
            seen = descriptors(*pid);
            seen == Some(("/dev/null".into(), vec![0, 1, 2]))
        });
        assert!(settled, "worker {pid}'s descriptors: {seen:?}");
    }

    mptutor.signal(Signal::SIGKILL);
    let _ = mptutor.wait();
    // Gone, or a zombie waiting for init: dead either way.
    let dead = |pid: &i32| proc_table::stat(*pid).is_none_or(|process| process.state == 'Z');
    let all_dead = eventually(PATIENCE, || dead(&server) && pids.iter().all(dead));
    let alive: Vec<_> = pids
        .iter()
        .chain([&server])
        .filter_map(|pid| proc_table::stat(*pid))
        .collect();
    assert!(all_dead, "outlived mptutor: {alive:?}");
}

#[test]
fn a_fork_server_killed_mid_run_takes_its_workers_along_and_cannot_hang_mptutor() {
    let home = tempfile::tempdir().expect("temporary directory");
    let args = ["selftest", "hold", "120000", "2", "forkserver"];
    let mut mptutor = Mptutor::start(home.path(), &args);
    let started = started_workers(&mut mptutor, 2);
    let server = one_parent(&started);
    let pids: Vec<i32> = started.iter().map(|(pid, _)| *pid).collect();
    let _stragglers = Stragglers(pids.clone());

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(server), Signal::SIGKILL)
        .expect("kill the server");
    // mptutor hears the server's end on each worker's status pipe, says
    // so, and finishes long before the workers' two minutes.
    let said = mptutor.read_until("\"case\":\"hold\"");
    assert_eq!(
        said.matches("the fork server ended before it reported how")
            .count(),
        2,
        "{said}"
    );
    assert_eq!(mptutor.wait(), Some(0), "{}", mptutor.output);
    let dead = |pid: &i32| proc_table::stat(*pid).is_none_or(|process| process.state == 'Z');
    assert!(
        eventually(PATIENCE, || pids.iter().all(dead)),
        "workers outlived their server"
    );
}
