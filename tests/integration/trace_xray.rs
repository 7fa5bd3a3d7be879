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
