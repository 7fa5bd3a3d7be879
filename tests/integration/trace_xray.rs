//! `mptutor trace --json` on whole programs, judged by what the X-ray
//! says of them: a pool whose worker is killed (Python's `Pool` then
//! waits for ever, CPython gh-66587) is stopped at the timeout with
//! nothing left running, and two CPU-bound threads never get more than a
//! core between them where two processes may get both, each judged only
//! as far as the machine could show it.

use std::path::Path;

use serde_json::Value;

use crate::support::have_python3;
use crate::support::run_with_input;

/// The closing X-ray object of `mptutor trace --json` on `program`, and
/// mptutor's exit code.
fn traced(home: &Path, program: &str, timeout: &str) -> (Value, Option<i32>) {
    let file = home.join("program.py");
    std::fs::write(&file, program).expect("write the program");
    let file = file.display().to_string();
    let output = run_with_input(home, &["trace", "--json", "--timeout", timeout, &file], "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str::<Value>(line).ok())
        .unwrap_or_else(|| panic!("no JSON: {stdout}\n{:?}", output.stderr));
    assert_eq!(last["type"], "xray", "{last}");
    (last, output.status.code())
}

fn finding<'v>(xray: &'v Value, kind: &str) -> Option<&'v Value> {
    xray["findings"]
        .as_array()?
        .iter()
        .find(|finding| finding["kind"] == kind)
}

fn alive(pid: i64) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit(')')
            .next()
            .unwrap_or_default()
            .trim_start()
            .starts_with('Z')
    })
}

#[test]
fn a_pool_whose_worker_is_killed_is_stopped_at_the_timeout_and_says_why() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let (xray, code) = traced(
        home.path(),
        "import os, signal, time\nfrom multiprocessing import Pool\n\n\
         def work(x):\n    if x == 3:\n        os.kill(os.getpid(), signal.SIGKILL)\n    \
         time.sleep(0.05)\n    return x\n\n\
         if __name__ == \"__main__\":\n    with Pool(2) as pool:\n        \
         print(pool.map(work, range(8), chunksize=1))\n",
        "4",
    );
    assert_eq!(xray["timed_out"], true, "{xray}");
    assert_eq!(code, Some(124), "{xray}");
    let processes = xray["processes"].as_array().expect("processes");
    let killed: Vec<&Value> = processes
        .iter()
        .filter(|process| {
            process["role"] == "pool_worker"
                && process["exit"] == serde_json::json!({"signal": "SIGKILL"})
                && process["killed_at_end"] == false
        })
        .collect();
    assert_eq!(killed.len(), 1, "the worker that killed itself: {xray}");
    let said = finding(&xray, "pool_worker_killed").expect("a finding on the lost worker");
    let text = said["text"].as_str().unwrap_or_default();
    assert!(text.contains("66587") && text.contains("timeout"), "{text}");
    for process in processes {
        let pid = process["pid"].as_i64().unwrap_or_default();
        assert!(!alive(pid), "pid {pid} still runs: {process}");
    }
}

#[test]
fn cpu_bound_threads_share_a_core_where_processes_may_use_every_core() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let (xray, code) = traced(
        home.path(),
        "import threading, time, multiprocessing as mp\n\n\
         def spin():\n    end = time.monotonic() + 1.0\n    while time.monotonic() < end:\n        \
         pass\n\n\
         if __name__ == \"__main__\":\n    for kind in (threading.Thread, mp.Process):\n        \
         workers = [kind(target=spin) for _ in range(2)]\n        for w in workers:\n            \
         w.start()\n        for w in workers:\n            w.join()\n",
        "30",
    );
    assert_eq!(code, Some(0), "{xray}");
    let threads = finding(&xray, "threads_cpu").expect("a finding on the threads");
    let processes = finding(&xray, "processes_cpu").expect("a finding on the processes");
    // Under the GIL of a standard build the two threads never hold more
    // than about a core between them, however quiet the machine.
    let thread_cores = threads["cores_used"].as_f64().expect("cores_used");
    assert!(thread_cores < 1.3, "{threads}");
    assert_ne!(threads["verdict"], "contradicted", "{threads}");
    // The processes have a core each where the machine had them free; a
    // busy machine is said to be why when it did not.
    let process_cores = processes["cores_used"].as_f64().expect("cores_used");
    let verdict = &processes["verdict"];
    if verdict == "holds" {
        assert!(process_cores >= 1.5, "{processes}");
    } else {
        assert!(verdict.get("couldnt_tell").is_some(), "{processes}");
        eprintln!("couldn't tell: {}", processes["text"]);
    }
    for finding in [threads, processes] {
        let text = finding["text"].as_str().unwrap_or_default();
        assert!(
            text.contains(&format!(
                "{:.1}",
                finding["cores_used"].as_f64().unwrap_or(-1.0)
            )),
            "{text}"
        );
    }
}

/// A run's `trace --json` lines: what the program printed on stdout, and
/// the closing X-ray.
fn traced_lines(home: &Path, program: &str) -> (Vec<String>, Value, Option<i32>) {
    let file = home.join("program.py");
    std::fs::write(&file, program).expect("write the program");
    let file = file.display().to_string();
    let output = run_with_input(home, &["trace", "--json", &file], "");
    let values: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let printed = values
        .iter()
        .filter(|value| value["event"] == "line" && value["stream"] == "stdout")
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect();
    let xray = values
        .iter()
        .rev()
        .find(|value| value["type"] == "xray")
        .cloned()
        .unwrap_or_else(|| panic!("no X-ray: {:?}", output));
    (printed, xray, output.status.code())
}

/// A hook whose `multiprocessing` internals are not as it expects (a
/// Python version that changed them) turns itself off with a note, and
/// one that fails while the program runs does the same: the program runs
/// on, and prints what it would have printed.
#[test]
fn a_hook_that_does_not_fit_this_python_turns_off_with_a_note_and_the_program_runs_on() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let (printed, xray, code) = traced_lines(
        home.path(),
        "import sys, types\nfrom multiprocessing import Pool\n\n\
         site = sys.modules[\"sitecustomize\"]\n\
         # A Pool worker that takes other parameters, as another Python's might.\n\
         site._xray._patch_pool(types.SimpleNamespace(worker=lambda jobs, answers, setup: None))\n\
         # A task shape the hook cannot read.\n\
         site._pool_task = lambda task: task[99]\n\n\
         def double(x):\n    return 2 * x\n\n\
         if __name__ == \"__main__\":\n\
         \x20   with Pool(2) as pool:\n\
         \x20       print(pool.map(double, range(6)))\n",
    );
    assert_eq!(code, Some(0), "{xray}");
    assert_eq!(printed, ["[0, 2, 4, 6, 8, 10]"], "{xray}");
    let notes: Vec<&str> = xray["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        notes
            .iter()
            .any(|note| note.starts_with("the pool hook is off")
                && note.contains("another signature on this Python")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|note| note.starts_with("the pool tasks hook is off")
                && note.contains("IndexError")),
        "{notes:?}"
    );
    // The processes are still seen: the pool's two workers, by /proc and
    // their own records.
    let workers = xray["processes"]
        .as_array()
        .expect("processes")
        .iter()
        .filter(|process| process["role"] == "pool_worker")
        .count();
    assert_eq!(workers, 2, "{xray}");
}
