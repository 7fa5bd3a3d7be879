//! The X-ray of a real Python run, as `mptutor python --json` reports it:
//! every process and thread of the program, whether it printed or not,
//! when each ran, how it ended, its CPU use over time, its zombie time,
//! and what was killed at the end. Tests that need `python3` say so and
//! pass when it is missing.

use mptutor::xray::model::{ProcessExit, Role, Xray, XrayProcess};

use crate::support::TempCourse;
use crate::support::have_python3;

/// Runs `program` as a lesson's example with `mptutor python --json` and
/// returns its X-ray and its stdout lines.
fn xray_of(program: &str) -> (Xray, Vec<String>) {
    let (xray, stdout, _) = xray_with_path(program, real_python_first());
    (xray, stdout)
}

/// The X-ray of `program`, and the cores' worth of CPU other programs of
/// the machine used meanwhile, when that could be read.
fn xray_and_others_of(program: &str) -> (Xray, Option<f64>) {
    let (xray, _, others) = xray_with_path(program, real_python_first());
    (xray, others)
}

fn xray_with_path(program: &str, path: std::ffi::OsString) -> (Xray, Vec<String>, Option<f64>) {
    let lesson = format!(
        "+++\nid = \"ex\"\ntitle = \"Example\"\n+++\n\n## The example\n\nProse.\n\n\
         ```python\n{program}```\n\n```check\nexit_code = 0\n```\n"
    );
    let course = TempCourse::new(&[("ex.md", &lesson)]);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let mut command = crate::support::mptutor(home.path());
    command.env("PATH", path);
    let output = crate::support::run_with_command(
        command,
        &[
            "--lessons",
            &dir,
            "python",
            "ex",
            "--json",
            "--timeout",
            "20",
        ],
        "",
    );
    let text = String::from_utf8_lossy(&output.stdout);
    let result = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|value| value["type"] == "python")
        .unwrap_or_else(|| panic!("a python result in {text}\n{:?}", output.stderr));
    let xray: Xray = serde_json::from_value(result["xray"].clone()).expect("an X-ray");
    let stdout = serde_json::from_value(result["stdout"].clone()).expect("stdout lines");
    let load: Option<mptutor::engine::Load> = serde_json::from_value(result["load"].clone()).ok();
    (xray, stdout, load.and_then(|load| load.others_cores()))
}

/// `PATH` with the folder of the interpreter `python3` runs first: a
/// version manager's `python3` (pyenv's shim) is a shell script whose own
/// helpers would be processes of the run too.
fn real_python_first() -> std::ffi::OsString {
    let executable = real_python();
    let mut folders: Vec<std::path::PathBuf> = std::path::Path::new(&executable)
        .parent()
        .map(std::path::Path::to_path_buf)
        .into_iter()
        .collect();
    folders.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(folders).expect("a PATH")
}

fn real_python() -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The processes other than the interpreter.
fn children(xray: &Xray) -> Vec<&XrayProcess> {
    xray.processes
        .iter()
        .filter(|process| process.role != Role::Main)
        .collect()
}

fn interval(process: &XrayProcess) -> (u64, u64) {
    let end = process.end_us.expect("every process ended");
    (process.start_us, end)
}

fn overlap(a: (u64, u64), b: (u64, u64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

const FOUR_NAPS: &str = "import time, multiprocessing as mp\n\n\
    def nap():\n    time.sleep(0.3)\n\n\
    if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n";

#[test]
fn four_children_joined_one_by_one_never_overlap_and_started_together_all_do() {
    if !have_python3() {
        return;
    }
    let one_by_one = format!(
        "{FOUR_NAPS}    for _ in range(4):\n        p = mp.Process(target=nap)\n        \
         p.start()\n        p.join()\n"
    );
    let together = format!(
        "{FOUR_NAPS}    ps = [mp.Process(target=nap) for _ in range(4)]\n    \
         for p in ps:\n        p.start()\n    for p in ps:\n        p.join()\n"
    );
    for (program, overlapping) in [(one_by_one, false), (together, true)] {
        let (xray, _) = xray_of(&program);
        assert_eq!(xray.processes.len(), 5, "{:#?}", xray.processes);
        assert_eq!(xray.main().map(|main| main.role), Some(Role::Main));
        let lanes: Vec<(u64, u64)> = children(&xray).into_iter().map(interval).collect();
        for (at, a) in lanes.iter().enumerate() {
            for b in &lanes[at + 1..] {
                assert_eq!(overlap(*a, *b), overlapping, "{lanes:?}");
            }
        }
    }
}

#[test]
fn a_child_not_joined_for_a_second_is_a_zombie_until_its_parent_reaps_it() {
    if !have_python3() {
        return;
    }
    let (xray, _) = xray_of(
        "import time, multiprocessing as mp\n\n\
         def quick():\n    time.sleep(0.05)\n\n\
         if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n    \
         joined = mp.Process(target=quick)\n    joined.start()\n    joined.join()\n    \
         left = mp.Process(target=quick)\n    left.start()\n    time.sleep(1.0)\n    \
         left.join()\n",
    );
    let kids = children(&xray);
    assert_eq!(kids.len(), 2, "{:#?}", xray.processes);
    let (joined, left) = (kids[0], kids[1]);
    let main = xray.main().expect("the interpreter");
    let main_lifetime = main.end_us.expect("ended") - main.start_us;
    let zombie_us = left.zombie_us.expect("a zombie");
    // The parent slept for most of its life with the child dead.
    assert!(
        zombie_us * 2 >= main_lifetime,
        "{zombie_us} of {main_lifetime}"
    );
    assert!(zombie_us > 4 * joined.zombie_us.unwrap_or(0), "{kids:#?}");
    // Reaped by its parent's join, before the parent itself exited.
    let reaped = left.reaped_us.expect("reaped");
    assert!(reaped <= main.end_us.expect("ended"), "{left:#?}");
    assert!(!left.killed_at_end);
    assert_eq!(left.exit, Some(ProcessExit::Code(0)));
}

const SPIN: &str = "import time, threading, multiprocessing as mp\n\n\
    def spin():\n    end = time.monotonic() + 0.6\n    n = 0\n    \
    while time.monotonic() < end:\n        n += 1\n\n\
    if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n";

#[test]
fn every_thread_of_cpu_bound_threads_or_processes_has_a_cpu_series_sampled_50_times_a_second() {
    if !have_python3() {
        return;
    }
    let threads = format!(
        "{SPIN}    ws = [threading.Thread(target=spin) for _ in range(2)]\n    \
         for w in ws:\n        w.start()\n    for w in ws:\n        w.join()\n"
    );
    let processes = format!(
        "{SPIN}    ws = [mp.Process(target=spin) for _ in range(2)]\n    \
         for w in ws:\n        w.start()\n    for w in ws:\n        w.join()\n"
    );
    for (program, spinners_are_threads) in [(threads, true), (processes, false)] {
        let (xray, others) = xray_and_others_of(&program);
        // Sampling is mptutor's own work, done between the program's: on
        // a machine other programs keep busy it gets less CPU to do it.
        // That is the only reason it may take fewer than 50 a second.
        if others.is_some_and(|others| others >= 0.25) {
            eprintln!(
                "couldn't tell the sampling rate: other programs used {:.1} cores;                  {:.0} samples a second",
                others.unwrap_or_default(),
                xray.samples_per_s
            );
            assert!(xray.samples_per_s >= 5.0, "{}", xray.samples_per_s);
        } else {
            assert!(xray.samples_per_s >= 50.0, "{}", xray.samples_per_s);
        }
        let main = xray.main().expect("the interpreter").pid;
        let spinners: Vec<_> = xray
            .threads
            .iter()
            .filter(|thread| {
                if spinners_are_threads {
                    thread.pid == main && thread.tid != main
                } else {
                    thread.pid != main && thread.tid == thread.pid
                }
            })
            .collect();
        assert_eq!(spinners.len(), 2, "{:#?}", xray.threads);
        for spinner in spinners {
            let series = xray
                .cpu
                .iter()
                .find(|series| series.tid == spinner.tid)
                .expect("a CPU series for every thread");
            assert!(series.points.len() >= 10, "{series:?}");
            assert!(series.points.windows(2).all(|pair| pair[0] <= pair[1]));
            assert!(spinner.cpu_us > 0, "{spinner:?}");
        }
        let main_thread = xray
            .threads
            .iter()
            .find(|thread| thread.tid == main)
            .expect("the main thread");
        assert_eq!(main_thread.name, "MainThread");
    }
}

#[test]
fn a_child_killed_with_sigkill_shows_the_signal() {
    if !have_python3() {
        return;
    }
    let (xray, stdout) = xray_of(
        "import os, signal, time, multiprocessing as mp\n\n\
         def wait():\n    time.sleep(10)\n\n\
         if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n    \
         p = mp.Process(target=wait)\n    p.start()\n    time.sleep(0.2)\n    \
         os.kill(p.pid, signal.SIGKILL)\n    time.sleep(0.3)\n    p.join()\n    \
         print(p.exitcode)\n",
    );
    assert_eq!(stdout, ["-9"]);
    let kids = children(&xray);
    assert_eq!(kids.len(), 1, "{:#?}", xray.processes);
    assert_eq!(kids[0].exit, Some(ProcessExit::Signal("SIGKILL".into())));
    assert!(!kids[0].killed_at_end, "its parent killed it, not mptutor");
    assert_eq!(
        xray.main().and_then(|main| main.exit.clone()),
        Some(ProcessExit::Code(0))
    );
}

#[test]
fn a_program_left_running_at_exit_is_seen_by_its_name_and_killed() {
    if !have_python3() {
        return;
    }
    let (xray, _) =
        xray_of("import subprocess, time\n\nsubprocess.Popen(['sleep', '5'])\ntime.sleep(0.3)\n");
    let sleep = xray
        .processes
        .iter()
        .find(|process| process.name == "sleep")
        .unwrap_or_else(|| panic!("sleep among {:#?}", xray.processes));
    assert_eq!(sleep.role, Role::Other);
    assert!(!sleep.python);
    assert_eq!(sleep.ppid, xray.main().expect("the interpreter").pid);
    assert!(sleep.killed_at_end, "{sleep:#?}");
    assert_eq!(sleep.exit, Some(ProcessExit::Signal("SIGKILL".into())));
    assert!(!xray.main().expect("the interpreter").killed_at_end);
    assert!(
        !std::path::Path::new(&format!("/proc/{}", sleep.pid)).exists(),
        "nothing is left running"
    );
}

#[test]
fn records_the_program_sends_give_names_roles_threads_and_tasks() {
    if !have_python3() {
        return;
    }
    let (xray, _) = xray_of(
        "import json, os, socket, threading, time\n\n\
         out = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n\n\
         def send(*records):\n    lines = ''.join(r if isinstance(r, str) else json.dumps(r) + '\\n' \
         for r in records)\n    out.sendto(lines.encode(), os.environ['MPTUTOR_XRAY'])\n\n\
         def work():\n    time.sleep(0.3)\n\n\
         pid = os.fork()\n\
         if pid == 0:\n    time.sleep(0.2)\n    now = time.monotonic_ns()\n    \
         send({'r': 'role', 'pid': os.getpid(), 'name': 'Worker-7', 'role': 'pool_worker', \
         'start_method': 'fork', 't_ns': now},\n         \
         {'r': 'task', 'pid': os.getpid(), 'function': 'square', 'items': 3, \
         'start_ns': now - 1000, 'end_ns': now, 'ok': True, 'error': None},\n         \
         'not json\\n')\n    os._exit(0)\n\
         t = threading.Thread(target=work)\nt.start()\ntime.sleep(0.1)\n\
         send({'r': 'thread_start', 'pid': os.getpid(), 'tid': t.native_id, \
         'name': 'Thread-1 (work)', 't_ns': time.monotonic_ns()})\n\
         os.waitpid(pid, 0)\nt.join()\n",
    );
    let worker = children(&xray)
        .into_iter()
        .find(|process| process.name == "Worker-7")
        .unwrap_or_else(|| panic!("the named child among {:#?}", xray.processes));
    assert_eq!(worker.role, Role::PoolWorker);
    assert_eq!(worker.start_method.as_deref(), Some("fork"));
    assert!(worker.python);
    assert_eq!(xray.tasks.len(), 1, "{:?}", xray.tasks);
    assert_eq!(xray.tasks[0].pid, worker.pid);
    assert_eq!(xray.tasks[0].function, "square");
    assert_eq!(xray.tasks[0].items, 3);
    assert!(
        xray.threads
            .iter()
            .any(|thread| thread.name == "Thread-1 (work)"),
        "{:#?}",
        xray.threads
    );
    assert!(
        xray.notes
            .iter()
            .any(|note| note.contains("1 X-ray record")),
        "{:?}",
        xray.notes
    );
}

#[test]
fn what_a_launcher_script_runs_before_python_is_not_part_of_the_xray() {
    if !have_python3() {
        return;
    }
    // As pyenv's `python3` does: a shell script that runs a few helpers,
    // then executes the real interpreter in its place.
    let launcher = tempfile::tempdir().expect("temporary directory");
    let script = launcher.path().join("python3");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n/bin/sleep 0.05\n/bin/sleep 0.05\nexec {} \"$@\"\n",
            real_python()
        ),
    )
    .expect("write the launcher");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mut folders = vec![launcher.path().to_path_buf()];
    folders.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path = std::env::join_paths(folders).expect("a PATH");
    let (xray, _, _) = xray_with_path(
        "import time, multiprocessing as mp\n\n\
         def nap():\n    time.sleep(0.2)\n\n\
         if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n    \
         p = mp.Process(target=nap)\n    p.start()\n    p.join()\n",
        path,
    );
    let names: Vec<&str> = xray.processes.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(xray.processes.len(), 2, "{names:?}");
    assert!(!names.contains(&"sleep"), "{names:?}");
}

#[test]
fn a_child_killed_and_reaped_at_once_still_shows_the_signal_where_the_kernel_keeps_it() {
    if !have_python3() {
        return;
    }
    // Never seen as a zombie: its parent reaps it the moment it dies.
    let (xray, _) = xray_of(
        "import os, signal, time, multiprocessing as mp\n\n\
         def wait():\n    time.sleep(10)\n\n\
         if __name__ == \"__main__\":\n    mp.set_start_method(\"fork\")\n    \
         p = mp.Process(target=wait)\n    p.start()\n    time.sleep(0.2)\n    \
         os.kill(p.pid, signal.SIGKILL)\n    p.join()\n",
    );
    let kids = children(&xray);
    assert_eq!(kids.len(), 1, "{:#?}", xray.processes);
    match &kids[0].exit {
        None => eprintln!("this kernel keeps no exit status for a pidfd (before Linux 6.15)"),
        exit => assert_eq!(exit, &Some(ProcessExit::Signal("SIGKILL".into()))),
    }
    assert!(!kids[0].killed_at_end);
}

/// A program a `subprocess` runs sends no records and may end between two
/// looks at /proc: its parent's record says when it started it, and what,
/// and its wait says how it ended.
#[test]
fn every_short_subprocess_is_seen_with_its_program_parent_and_exit() {
    if !have_python3() {
        return;
    }
    let (xray, _) = xray_of(
        "import subprocess\n\n\
         for code in range(6):\n\
         \x20   subprocess.run([\"sh\", \"-c\", \"exit %d\" % code])\n",
    );
    let main = xray
        .processes
        .iter()
        .find(|process| process.role == Role::Main)
        .expect("the main process");
    let mut codes: Vec<i32> = children(&xray)
        .iter()
        .filter(|process| process.name == "sh")
        .map(|process| {
            assert_eq!(process.ppid, main.pid, "{process:?}");
            let (start, end) = interval(process);
            assert!(start <= end, "{process:?}");
            match process.exit {
                Some(ProcessExit::Code(code)) => code,
                ref other => panic!("{process:?} ended with {other:?}"),
            }
        })
        .collect();
    codes.sort_unstable();
    assert_eq!(codes, [0, 1, 2, 3, 4, 5], "{:#?}", xray.processes);
}

/// A helper of multiprocessing that sends no record (killed as the run
/// ends before its interpreter got to report, on a loaded machine) is
/// still known by its command line, and never counted as one of the
/// program's own processes.
#[test]
fn a_helper_that_sends_no_record_is_known_by_its_command_line() {
    if !have_python3() {
        return;
    }
    let (xray, _) = xray_of(
        "import os, subprocess, sys\n\n\
         quiet = {k: v for k, v in os.environ.items() if not k.startswith(('MPTUTOR', 'PYTHONPATH'))}\n\
         helper = subprocess.Popen([sys.executable, '-c', \
         \"'from multiprocessing.resource_tracker import main'; import time; time.sleep(0.5)\"], env=quiet)\n\
         helper.wait()\n",
    );
    let helper = xray
        .processes
        .iter()
        .find(|process| process.role == Role::ResourceTracker)
        .unwrap_or_else(|| panic!("no resource tracker in {:#?}", xray.processes));
    assert_eq!(helper.name, "resource_tracker");
}
