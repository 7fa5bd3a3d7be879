//! The demo engine's safety promises, checked from outside on real
//! processes: every worker is reaped, lives in its own process group,
//! reads /dev/null, dumps no core, dies with mptutor, and cannot blow up
//! mptutor's memory; a crash is reported by its signal. The promises that
//! need a terminal (Ctrl-C, terminal settings) are in [`terminal`].

mod terminal;

use nix::sys::signal::Signal;
use serde_json::Value;

use crate::proc_table::{self, Mptutor, PATIENCE, eventually};

/// Runs `run_line` in lesson `lesson` in script mode, reads until the demo
/// printed `done` (its closing findings, written after every worker was
/// reaped), and checks that nothing mptutor started is left, not even a
/// zombie, while mptutor still runs and waits for its next command.
fn assert_demo_leaves_no_process(lesson: &str, run_line: &str, done: &str, workers: usize) {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut mptutor = Mptutor::start(home.path(), &["--width", "100"]);
    mptutor.send_line(&format!("open {lesson}"));
    mptutor.send_line(run_line);
    let shown = mptutor.read_until(done);
    let pids = proc_table::tagged_pids(&shown);
    assert_eq!(pids.len(), workers, "worker pids in:\n{shown}");

    // Each worker's group is led by the first worker of its round, so the
    // worker pids include every group id.
    let left = proc_table::leftovers(mptutor.pid(), &pids);
    assert!(
        left.is_empty(),
        "after `{run_line}` mptutor ({}) left {left:?}",
        mptutor.pid()
    );
    for pid in pids {
        if let Some(process) = proc_table::stat(pid) {
            assert_ne!(process.state, 'Z', "worker {pid} is a zombie");
        }
    }

    mptutor.send_line("quit");
    assert_eq!(mptutor.wait(), Some(0), "{}", mptutor.output);
}

#[test]
fn forked_workers_are_all_reaped_before_the_next_command() {
    assert_demo_leaves_no_process("q6", "run repeat=3", "Every number appeared", 12);
}

#[test]
fn spawned_workers_are_all_reaped_before_the_next_command() {
    assert_demo_leaves_no_process(
        "q6",
        "run repeat=3 start=spawn",
        "Every number appeared",
        12,
    );
}

#[test]
fn an_unjoined_child_is_reaped_before_the_next_command() {
    assert_demo_leaves_no_process("q3", "run join=false", "The child got its own pid", 1);
}

#[test]
fn a_crashed_worker_is_reaped_before_the_next_command() {
    assert_demo_leaves_no_process(
        "q6",
        "run crash=segfault",
        "Every process that kept running printed its number exactly once",
        4,
    );
}

/// Reads JSON events from `mptutor` until `workers` workers have started;
/// returns their pids.
fn started_workers(mptutor: &mut Mptutor, workers: usize) -> Vec<i32> {
    let mut pids = Vec::new();
    while pids.len() < workers {
        let event: Value = serde_json::from_str(&mptutor.read_until("\n")).expect("a JSON event");
        if event["event"] == "started" {
            pids.push(
                event["pid"]
                    .as_i64()
                    .and_then(|pid| i32::try_from(pid).ok())
                    .expect("pid"),
            );
        }
    }
    pids
}

/// Reads JSON events until the closing `result` line.
fn result_line(mptutor: &mut Mptutor) -> Value {
    loop {
        let event: Value = serde_json::from_str(&mptutor.read_until("\n")).expect("a JSON event");
        if event["type"] == "demo" || event["type"] == "error" {
            return event;
        }
    }
}

#[test]
fn each_demo_runs_in_its_own_process_group_stopped_as_one() {
    for start in ["start=fork", "start=spawn"] {
        let home = tempfile::tempdir().expect("temporary directory");
        // A pool of 3 workers kept busy for seconds.
        let args = [
            "run",
            "q4",
            "--json",
            "workers=3",
            "pause=200",
            "tasks=40",
            start,
        ];
        let mut mptutor = Mptutor::start(home.path(), &args);
        let pids = started_workers(&mut mptutor, 3);
        let own_group = proc_table::stat(mptutor.pid())
            .expect("mptutor's stat")
            .pgrp;
        let groups: Vec<i32> = pids
            .iter()
            .map(|pid| proc_table::stat(*pid).expect("a busy worker").pgrp)
            .collect();
        assert_ne!(
            groups[0], own_group,
            "{start}: workers share mptutor's group"
        );
        assert_eq!(
            groups[0], pids[0],
            "{start}: the first worker leads the group"
        );
        assert!(
            groups.iter().all(|group| *group == groups[0]),
            "{start}: one group for all workers: {groups:?}"
        );

        // SIGINT is what Ctrl-C sends mptutor: the whole group is stopped
        // and reaped, and mptutor reports the demo as interrupted.
        mptutor.signal(Signal::SIGINT);
        let result = result_line(&mut mptutor);
        assert_eq!(result["interrupted"], true, "{start}: {result}");
        assert!(
            proc_table::leftovers(mptutor.pid(), &groups[..1]).is_empty(),
            "{start}: workers left after the interrupt"
        );
        assert_eq!(
            mptutor.wait(),
            Some(130),
            "{start}: an interrupted demo ends as Ctrl-C ends a command"
        );
    }
}

#[test]
fn ctrl_c_ends_a_one_shot_run_with_exit_code_130() {
    let home = tempfile::tempdir().expect("temporary directory");
    // The live view, as a user runs it; a pool kept busy for seconds.
    let mut mptutor = Mptutor::start(
        home.path(),
        &["run", "q4", "workers=2", "pause=200", "tasks=40"],
    );
    mptutor.close_stdin();
    let me = mptutor.pid();
    let mut workers = Vec::new();
    assert!(
        eventually(PATIENCE, || {
            workers = proc_table::all()
                .into_iter()
                .filter(|process| process.ppid == me)
                .map(|process| process.pid)
                .collect();
            workers.len() >= 2
        }),
        "the demo's workers never started"
    );
    mptutor.signal(Signal::SIGINT);
    assert_eq!(mptutor.wait(), Some(130), "{}", mptutor.output);
    assert!(
        workers.iter().all(|pid| proc_table::stat(*pid).is_none()),
        "workers left after Ctrl-C: {workers:?}"
    );
}

/// Runs `mptutor run q6 --json crash=… start=…` and returns its events.
fn crash_events(crash: &str, start: &str) -> Vec<Value> {
    let home = tempfile::tempdir().expect("temporary directory");
    let (crash, start) = (format!("crash={crash}"), format!("start={start}"));
    let mut mptutor = Mptutor::start(home.path(), &["run", "q6", "--json", &crash, &start]);
    mptutor.close_stdin();
    let mut events = Vec::new();
    loop {
        let event: Value = serde_json::from_str(&mptutor.read_until("\n")).expect("a JSON event");
        let last = event["type"] == "demo" || event["type"] == "error";
        events.push(event);
        if last {
            break;
        }
    }
    assert_eq!(mptutor.wait(), Some(0), "{crash} {start}: {events:?}");
    events
}

#[test]
fn a_dead_worker_is_reported_by_its_signal_while_the_others_finish() {
    let cases = [
        ("segfault", serde_json::json!({"signal": "SIGSEGV"})),
        ("abort", serde_json::json!({"signal": "SIGABRT"})),
        ("panic", serde_json::json!({"code": 101})),
    ];
    for start in ["fork", "spawn", "forkserver"] {
        for (crash, expected) in &cases {
            let events = crash_events(crash, start);
            let case = format!("crash={crash} start={start}");
            let exited: Vec<&Value> = events.iter().filter(|e| e["event"] == "exited").collect();
            assert_eq!(exited.len(), 4, "{case}: {events:?}");
            for event in exited {
                let status = &event["status"];
                if event["worker"] == 1 {
                    assert_eq!(status, expected, "{case}: Process-2's status");
                } else {
                    assert_eq!(status, &serde_json::json!({"code": 0}), "{case}: {event}");
                }
            }
            let printed: Vec<&str> = events
                .iter()
                .filter(|e| e["event"] == "line")
                .filter_map(|e| e["text"].as_str())
                .collect();
            for number in [10, 30, 40] {
                assert!(
                    printed
                        .iter()
                        .any(|text| text.ends_with(&format!("prints {number}"))),
                    "{case}: {number} missing from {printed:?}"
                );
            }
            let result = events.last().expect("a result line");
            assert_eq!(result["type"], "demo", "{case}: {result}");
        }
    }
}

/// Kills, on drop, any of `pids` still in `group`: if mptutor's death
/// failed to take its workers along, the test still leaves nothing behind.
struct Stragglers {
    group: i32,
    pids: Vec<i32>,
}

impl Drop for Stragglers {
    fn drop(&mut self) {
        for pid in &self.pids {
            if proc_table::stat(*pid).is_some_and(|process| process.pgrp == self.group) {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid), Signal::SIGKILL);
            }
        }
    }
}

/// What a worker inherits, read from `/proc`.
#[derive(Debug, PartialEq, Eq)]
struct WorkerSetup {
    /// Where fd 0 points.
    stdin: String,
    /// Every open descriptor.
    fds: Vec<i32>,
    /// Soft and hard "Max core file size".
    core_limits: Vec<String>,
}

impl WorkerSetup {
    fn read(pid: i32) -> Option<Self> {
        let stdin = std::fs::read_link(format!("/proc/{pid}/fd/0")).ok()?;
        let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        fds.sort_unstable();
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
        let core = limits
            .lines()
            .find(|line| line.starts_with("Max core file size"))?;
        Some(WorkerSetup {
            stdin: stdin.display().to_string(),
            fds,
            core_limits: core
                .split_whitespace()
                .skip(4)
                .take(2)
                .map(str::to_string)
                .collect(),
        })
    }
}

#[test]
fn workers_read_dev_null_dump_no_core_and_die_with_mptutor() {
    for start in ["fork", "spawn"] {
        let home = tempfile::tempdir().expect("temporary directory");
        // They would sleep far longer than the test waits for them to die.
        let mut mptutor = Mptutor::start(home.path(), &["selftest", "hold", "120000", "2", start]);
        let pids = started_workers(&mut mptutor, 2);
        let _stragglers = Stragglers {
            group: pids[0],
            pids: pids.clone(),
        };
        for pid in &pids {
            // `started` is sent right after fork, so the child may still be
            // setting itself up: wait until it looks as promised, then show
            // how it looked if it never did.
            let expected = WorkerSetup {
                stdin: "/dev/null".into(),
                fds: vec![0, 1, 2],
                core_limits: vec!["0".into(), "0".into()],
            };
            let mut seen = None;
            eventually(PATIENCE, || {
                seen = WorkerSetup::read(*pid);
                seen.as_ref() == Some(&expected)
            });
            assert_eq!(seen, Some(expected), "{start}: worker {pid}");
        }

        mptutor.signal(Signal::SIGKILL);
        let _ = mptutor.wait();
        // A worker killed with mptutor is gone once init reaps it; until
        // then it is a zombie, which is dead too.
        let all_dead = eventually(PATIENCE, || {
            pids.iter()
                .all(|pid| proc_table::stat(*pid).is_none_or(|process| process.state == 'Z'))
        });
        let alive: Vec<_> = pids
            .iter()
            .filter_map(|pid| proc_table::stat(*pid))
            .collect();
        assert!(all_dead, "{start}: workers outlived mptutor: {alive:?}");
    }
}

#[test]
fn a_worker_flooding_100_mb_leaves_mptutor_memory_bounded() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut mptutor = Mptutor::start(home.path(), &["selftest", "flood", "100000000"]);
    mptutor.close_stdin();
    let report: Value =
        serde_json::from_str(&mptutor.read_until("\n")).expect("the selftest's JSON");
    assert_eq!(mptutor.wait(), Some(0), "{report}");
    assert_eq!(report["schema"], "mptutor/2", "{report}");
    assert_eq!(report["type"], "selftest", "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        report["exited"],
        serde_json::json!([{"code": 0}]),
        "{report}"
    );
    // The line bounds forward a few thousand lines and count the rest.
    let seen = report["lines_seen"].as_u64().expect("lines_seen");
    assert!((1..=10_000).contains(&seen), "{report}");
    assert!(
        report["notes"].to_string().contains("more lines"),
        "{report}"
    );
    let peak_kib = report["peak_rss_kb"].as_u64().expect("peak_rss_kb");
    assert!(
        (1..64 * 1024).contains(&peak_kib),
        "mptutor's peak memory was {peak_kib} KiB"
    );
}

/// mptutor's own peak memory is its own, whatever started it: Linux
/// carries the peak of a process's memory from before `execve` into
/// `ru_maxrss`, so mptutor started by a large process (here a helper that
/// holds 160 MiB, as a test harness running many tests can) must not
/// report that process's peak as its own.
#[test]
fn the_peak_memory_reported_is_mptutors_not_its_starters() {
    let home = tempfile::tempdir().expect("temporary directory");
    let starter = format!(
        "big = bytearray(160 * 1024 * 1024)\nfor i in range(0, len(big), 4096):\n    big[i] = 1\n\
         import subprocess, sys\nsys.stdout.write(subprocess.run([{:?}, 'selftest', 'flood', \
         '1000000'], capture_output=True, text=True, stdin=subprocess.DEVNULL).stdout)\n",
        env!("CARGO_BIN_EXE_mptutor")
    );
    let Ok(output) = std::process::Command::new("python3")
        .args(["-c", &starter])
        .env("HOME", home.path())
        .output()
    else {
        eprintln!("python3 is not on PATH: skipping");
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(stdout.lines().next().unwrap_or_default())
        .unwrap_or_else(|error| panic!("the selftest's JSON ({error}): {output:?}"));
    let peak_kib = report["peak_rss_kb"].as_u64().expect("peak_rss_kb");
    assert!(
        (1..64 * 1024).contains(&peak_kib),
        "mptutor's peak memory was {peak_kib} KiB: {report}"
    );
}

#[test]
fn the_process_table_helpers_read_real_processes() {
    let me = i32::try_from(std::process::id()).expect("pid");
    let own = proc_table::stat(me).expect("this test's own stat");
    assert_eq!(own.ppid, nix::unistd::getppid().as_raw());
    assert_eq!(own.pgrp, nix::unistd::getpgrp().as_raw());
    assert_eq!(
        proc_table::tagged_pids("[ +1ms P1 pid 12] x (pid 12) [ +2ms P2 pid 34] pid 5"),
        [12, 34]
    );
}
