//! The Python side of the X-ray: `sitecustomize.py` run by every CPython
//! the machine has (the system's `python3` and each pyenv version from
//! 3.8), under fork, spawn and forkserver, reporting to a datagram socket
//! that the test drains while the program runs. A Python that is absent
//! is said so and skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mptutor::xray::wire::{Begun, MAX_DATAGRAM, Record, Role, decode_datagram};

const SITECUSTOMIZE: &str = include_str!("../../src/python/sitecustomize.py");
const START_METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

/// One Python run of these tests at a time: each starts a handful of
/// processes, and several at once would take every core from the other
/// tests.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Every CPython 3.8 or newer found, as `mptutor check --every-python`
/// finds them: the `python3` on `PATH`, then pyenv's; each by its own
/// executable, not a version manager's shim.
pub fn pythons() -> Vec<PathBuf> {
    let every = mptutor::python::every_python();
    for note in &every.notes {
        eprintln!("{note}: skipping");
    }
    every
        .found
        .into_iter()
        .map(|python| python.executable)
        .collect()
}

/// What one run printed and reported.
struct Run {
    records: Vec<Record>,
    unreadable: usize,
    stdout: String,
    stderr: String,
    code: Option<i32>,
    /// Every pid a tag of the output named.
    pids: BTreeSet<String>,
}

impl Run {
    fn main_pid(&self) -> i32 {
        self.records
            .iter()
            .find_map(|record| match record {
                Record::Role {
                    pid,
                    role: Role::Main,
                    ..
                } => Some(*pid),
                _ => None,
            })
            .expect("the main program reports itself")
    }

    /// `(pid, name, start_method)` of each process with `role`.
    fn roles(&self, wanted: Role) -> Vec<(i32, String, Option<String>)> {
        self.records
            .iter()
            .filter_map(|record| match record {
                Record::Role {
                    pid,
                    name,
                    role,
                    start_method,
                    ..
                } if *role == wanted => Some((*pid, name.clone(), start_method.clone())),
                _ => None,
            })
            .collect()
    }

    fn began(&self, wanted: i32) -> Option<(i32, Begun)> {
        self.records.iter().find_map(|record| match record {
            Record::Process { pid, ppid, how, .. } if *pid == wanted => Some((*ppid, *how)),
            _ => None,
        })
    }

    fn reaped(&self) -> BTreeSet<i32> {
        self.records
            .iter()
            .filter_map(|record| match record {
                Record::Reaped { child, .. } => Some(*child),
                _ => None,
            })
            .collect()
    }

    /// `(pid, function, items, ok)` of each task.
    fn tasks(&self) -> Vec<(i32, String, u64, bool)> {
        self.records
            .iter()
            .filter_map(|record| match record {
                Record::Task {
                    pid,
                    function,
                    items,
                    ok,
                    ..
                } => Some((*pid, function.clone(), *items, *ok)),
                _ => None,
            })
            .collect()
    }

    fn hooks_off(&self) -> Vec<String> {
        self.records
            .iter()
            .filter_map(|record| match record {
                Record::HookOff { hook, why, .. } => Some(format!("{hook}: {why}")),
                _ => None,
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}\nrecords:\n{:#?}",
            self.code, self.stdout, self.stderr, self.records
        )
    }
}

/// Runs `program` with `python`, with mptutor's `sitecustomize.py` first
/// on `PYTHONPATH` (then `extra_path`), reporting to a socket when
/// `xray`; collects every record until the run and its children are gone.
fn run(python: &Path, program: &str, xray: bool, extra_path: Option<&Path>) -> Run {
    let _turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().expect("temporary directory");
    let site = dir.path().join("site");
    std::fs::create_dir(&site).expect("site folder");
    std::fs::write(site.join("sitecustomize.py"), SITECUSTOMIZE).expect("sitecustomize.py");
    let script = dir.path().join("main.py");
    std::fs::write(&script, program).expect("main.py");
    let socket_path = dir.path().join("xray.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind the X-ray socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("read timeout");
    let done = Arc::new(AtomicBool::new(false));
    let drain = {
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut records = Vec::new();
            let mut unreadable = 0;
            let mut buffer = vec![0; MAX_DATAGRAM];
            loop {
                match socket.recv(&mut buffer) {
                    Ok(length) => {
                        let (more, bad) = decode_datagram(&buffer[..length]);
                        records.extend(more);
                        unreadable += bad;
                    }
                    Err(_) if done.load(Ordering::SeqCst) => break,
                    Err(_) => {}
                }
            }
            (records, unreadable)
        })
    };
    let mut path = site.into_os_string();
    if let Some(extra) = extra_path {
        path.push(":");
        path.push(extra);
    }
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(&script)
        .current_dir(dir.path())
        .env("PYTHONPATH", path)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("MPTUTOR_XRAY")
        .env_remove("MPTUTOR_XRAY_ROOT");
    if xray {
        command.env("MPTUTOR_XRAY", &socket_path);
    }
    // Waits for the pipes' end too, so for every child that kept them.
    let output = command.output().expect("run python");
    done.store(true, Ordering::SeqCst);
    // The run's folder, which changes from run to run, as one word.
    let folder = dir.path().to_string_lossy().into_owned();
    let untagged = |bytes: &[u8]| untagged(bytes).replace(&folder, "<dir>");
    let (records, unreadable) = drain.join().expect("drain thread");
    let mut pids = tagged_pids(&output.stdout);
    pids.extend(tagged_pids(&output.stderr));
    Run {
        records,
        unreadable,
        pids,
        stdout: untagged(&output.stdout),
        stderr: untagged(&output.stderr),
        code: output.status.code(),
    }
}

fn untagged(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|line| mptutor::python::untag(line).text + "\n")
        .collect()
}

/// Runs `body` for every Python and start method, with `{method}` in
/// `program` replaced by the method.
fn for_each_python_and_method(program: &str, check: impl Fn(&Path, &str, &Run)) {
    for python in pythons() {
        for method in START_METHODS {
            let run = run(&python, &program.replace("{method}", method), true, None);
            assert_eq!(run.unreadable, 0, "{}", run.describe());
            assert!(
                run.hooks_off().is_empty(),
                "{} {method}: {:?}",
                python.display(),
                run.hooks_off()
            );
            check(&python, method, &run);
        }
    }
}

#[test]
fn processes_report_their_names_roles_start_method_parents_and_reaping() {
    let program = r#"
import multiprocessing as mp

def hello(n):
    print("child", n)

if __name__ == "__main__":
    mp.set_start_method("{method}")
    children = [mp.Process(target=hello, args=(n,)) for n in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print("pids", *[child.pid for child in children])
"#;
    for_each_python_and_method(program, |python, method, run| {
        let context = format!("{} {method}:\n{}", python.display(), run.describe());
        assert_eq!(run.code, Some(0), "{context}");
        let main = run.main_pid();
        let printed: BTreeSet<i32> = run
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("pids "))
            .expect("the program prints its children's pids")
            .split(' ')
            .map(|pid| pid.parse().expect("a pid"))
            .collect();
        let processes = run.roles(Role::Process);
        let names: BTreeSet<&str> = processes.iter().map(|(_, name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            BTreeSet::from(["Process-1", "Process-2"]),
            "{context}"
        );
        let pids: BTreeSet<i32> = processes.iter().map(|(pid, _, _)| *pid).collect();
        assert_eq!(pids, printed, "{context}");
        for (_, _, start_method) in &processes {
            assert_eq!(start_method.as_deref(), Some(method), "{context}");
        }
        let forkserver = run.roles(Role::Forkserver);
        for pid in &pids {
            let (ppid, how) = run.began(*pid).expect("each child reports its start");
            match method {
                "forkserver" => {
                    assert_eq!(how, Begun::Fork, "{context}");
                    assert_eq!(
                        Some(ppid),
                        forkserver.first().map(|server| server.0),
                        "{context}"
                    );
                }
                "fork" => assert_eq!((ppid, how), (main, Begun::Fork), "{context}"),
                _ => assert_eq!((ppid, how), (main, Begun::Interpreter), "{context}"),
            }
        }
        assert!(
            pids.is_subset(&run.reaped()),
            "both children reaped: {context}"
        );
        assert_eq!(
            forkserver.len(),
            usize::from(method == "forkserver"),
            "{context}"
        );
        let trackers = run.roles(Role::ResourceTracker);
        assert_eq!(trackers.len(), usize::from(method != "fork"), "{context}");
        if let Some((tracker, _, _)) = trackers.first() {
            // Its parent is the main program, unless the main program had
            // exited before the tracker's interpreter got to report (on a
            // loaded machine): an orphan's parent is whoever adopted it.
            let (parent, how) = run.began(*tracker).expect("the tracker reported");
            assert_eq!(how, Begun::Interpreter, "{context}");
            if parent != main {
                // Orphaned: adopted by a process outside the run.
                let run_pids: BTreeSet<i32> = run
                    .records
                    .iter()
                    .filter_map(|record| match record {
                        Record::Process { pid, .. } => Some(*pid),
                        _ => None,
                    })
                    .collect();
                assert!(
                    !run_pids.contains(&parent),
                    "the tracker's parent was {parent} of this run, not {main}: {context}"
                );
            }
        }
    });
}

#[test]
fn pool_and_executor_tasks_name_the_function_and_count_every_item() {
    let program = r#"
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

def square(x):
    return x * x

def cube(x):
    return x * x * x

if __name__ == "__main__":
    mp.set_start_method("{method}")
    pool = mp.Pool(2)
    print(pool.map(square, range(8), chunksize=1))
    pool.close()
    pool.join()
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(cube, range(8))))
"#;
    for_each_python_and_method(program, |python, method, run| {
        let context = format!("{} {method}:\n{}", python.display(), run.describe());
        assert_eq!(run.code, Some(0), "{context}");
        let workers = run.roles(Role::PoolWorker);
        let pool_workers: BTreeSet<i32> = workers
            .iter()
            .filter(|(_, name, _)| name.contains("PoolWorker"))
            .map(|(pid, _, _)| *pid)
            .collect();
        assert_eq!(pool_workers.len(), 2, "{context}");
        let executor_workers: BTreeSet<i32> = workers
            .iter()
            .filter(|(_, name, _)| !name.contains("PoolWorker"))
            .map(|(pid, _, _)| *pid)
            .collect();
        // An executor starts its workers as work comes (3.9 on): one or two.
        assert!((1..=2).contains(&executor_workers.len()), "{context}");
        for (function, workers) in [("square", &pool_workers), ("cube", &executor_workers)] {
            let tasks: Vec<_> = run
                .tasks()
                .into_iter()
                .filter(|task| task.1 == function)
                .collect();
            assert_eq!(tasks.iter().map(|task| task.2).sum::<u64>(), 8, "{context}");
            assert!(tasks.iter().all(|task| task.3), "{context}");
            assert!(
                tasks.iter().all(|task| workers.contains(&task.0)),
                "{context}"
            );
        }
        assert_eq!(run.tasks().len(), 16, "one task per item: {context}");
    });
}

#[test]
fn threads_report_their_start_and_end_with_native_ids() {
    let program = r#"
import threading

def work():
    print("tid", threading.get_native_id())

threads = [threading.Thread(target=work, name="worker-%d" % n) for n in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
"#;
    for python in pythons() {
        let run = run(&python, program, true, None);
        let context = format!("{}:\n{}", python.display(), run.describe());
        let printed: BTreeSet<i32> = run
            .stdout
            .lines()
            .filter_map(|line| line.strip_prefix("tid "))
            .map(|tid| tid.parse().expect("a native id"))
            .collect();
        let started: BTreeMap<i32, String> = run
            .records
            .iter()
            .filter_map(|record| match record {
                Record::ThreadStart { tid, name, .. } => Some((*tid, name.clone())),
                _ => None,
            })
            .collect();
        let ended: BTreeSet<i32> = run
            .records
            .iter()
            .filter_map(|record| match record {
                Record::ThreadEnd { tid, .. } => Some(*tid),
                _ => None,
            })
            .collect();
        assert_eq!(printed.len(), 3, "{context}");
        assert_eq!(
            started.keys().copied().collect::<BTreeSet<_>>(),
            printed,
            "{context}"
        );
        assert_eq!(ended, printed, "{context}");
        let names: BTreeSet<&str> = started.values().map(String::as_str).collect();
        assert_eq!(
            names,
            BTreeSet::from(["worker-0", "worker-1", "worker-2"]),
            "{context}"
        );
        assert!(!printed.contains(&run.main_pid()), "{context}");
    }
}

#[test]
fn an_os_fork_child_and_a_python_subprocess_are_reported_with_their_parent() {
    let program = r#"
import os, subprocess, sys

pid = os.fork()
if pid == 0:
    os._exit(3)
os.waitpid(pid, 0)
print("forked", pid)
child = subprocess.Popen([sys.executable, "-c", "pass"])
child.wait()
print("subprocess", child.pid)
"#;
    for python in pythons() {
        let run = run(&python, program, true, None);
        let context = format!("{}:\n{}", python.display(), run.describe());
        let printed = |prefix: &str| -> i32 {
            run.stdout
                .lines()
                .find_map(|line| line.strip_prefix(prefix))
                .and_then(|pid| pid.parse().ok())
                .expect("the program prints the pid")
        };
        let (forked, spawned) = (printed("forked "), printed("subprocess "));
        let main = run.main_pid();
        assert_eq!(run.began(forked), Some((main, Begun::Fork)), "{context}");
        assert_eq!(
            run.began(spawned),
            Some((main, Begun::Interpreter)),
            "{context}"
        );
        let others: BTreeMap<i32, String> = run
            .roles(Role::Other)
            .into_iter()
            .map(|(pid, name, _)| (pid, name))
            .collect();
        assert_eq!(
            others.get(&forked).map(String::as_str),
            Some("os.fork() child"),
            "{context}"
        );
        assert!(others.contains_key(&spawned), "{context}");
        assert!(
            run.records.iter().any(|record| matches!(record,
                Record::Reaped { pid, child, status, .. }
                    if *pid == main && *child == forked && *status == 3 << 8)),
            "{context}"
        );
        assert!(run.reaped().contains(&spawned), "{context}");
        assert!(
            run.records.iter().any(|record| matches!(record,
                Record::Exit { pid, code: 3, .. } if *pid == forked)),
            "{context}"
        );
        // Its parent says it started it, and what it runs.
        assert!(
            run.records.iter().any(|record| matches!(record,
                Record::Spawned { pid, child, program, .. }
                    if *pid == main && *child == spawned && program.starts_with("python"))),
            "{context}"
        );
        assert!(run.hooks_off().is_empty(), "{context}");
    }
}

#[test]
fn an_exception_in_a_process_is_reported_and_python_still_prints_it_and_exits_1() {
    let program = r#"
import multiprocessing as mp

def fail():
    raise ValueError("bad input")

if __name__ == "__main__":
    mp.set_start_method("{method}")
    child = mp.Process(target=fail)
    child.start()
    child.join()
    print("exitcode", child.exitcode, "pid", child.pid)
"#;
    for_each_python_and_method(program, |python, method, run| {
        let context = format!("{} {method}:\n{}", python.display(), run.describe());
        let line = run
            .stdout
            .lines()
            .find_map(|line| line.strip_prefix("exitcode "))
            .expect("the program prints the exit code");
        let (code, pid) = line.split_once(" pid ").expect("exit code and pid");
        assert_eq!(code, "1", "{context}");
        let pid: i32 = pid.parse().expect("a pid");
        let errors: Vec<&str> = run
            .records
            .iter()
            .filter_map(|record| match record {
                Record::Exception {
                    pid: from, error, ..
                } if *from == pid => Some(error.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(errors, ["ValueError: bad input"], "{context}");
        assert!(
            run.records.iter().any(|record| matches!(record,
                Record::Exit { pid: from, code: 1, .. } if *from == pid)),
            "{context}"
        );
        // Python's own report, with no frame of mptutor's in it.
        assert!(
            run.stderr.contains("Process Process-1:\nTraceback"),
            "{context}"
        );
        assert!(run.stderr.contains("ValueError: bad input"), "{context}");
        assert!(!run.stderr.contains("sitecustomize"), "{context}");
    });
}

#[test]
fn a_sitecustomize_of_the_students_own_still_runs() {
    let theirs = tempfile::tempdir().expect("temporary directory");
    std::fs::write(
        theirs.path().join("sitecustomize.py"),
        "import sys\nprint('their sitecustomize ran as', __name__)\nsys.their_mark = 1\n",
    )
    .expect("their sitecustomize.py");
    let program = "import sys\nprint('mark', getattr(sys, 'their_mark', None))\n";
    for python in pythons() {
        for xray in [true, false] {
            let run = run(&python, program, xray, Some(theirs.path()));
            assert_eq!(
                run.stdout,
                "their sitecustomize ran as sitecustomize\nmark 1\n",
                "{} (X-ray {xray}):\n{}",
                python.display(),
                run.describe()
            );
        }
    }
}

/// A run's output with what changes from run to run taken out: pids
/// (every number a tag names, and numbers near them, where the kernel
/// gave the children that print nothing theirs), times (numbers with
/// a decimal point) and the order of lines, which processes printing at
/// once change. With `all_numbers`, every number.
fn comparable(run: &Run, all_numbers: bool) -> (Vec<String>, Vec<String>, Option<i32>) {
    let pids: BTreeSet<i64> = run.pids.iter().filter_map(|pid| pid.parse().ok()).collect();
    let newest = pids.iter().max().copied();
    let mask = |number: &str| -> String {
        if number.is_empty() {
            return String::new();
        }
        if all_numbers || number.contains('.') {
            return "<n>".into();
        }
        let value: i64 = number.parse().unwrap_or(-1);
        let near = newest.is_some_and(|newest| (newest - 5000..newest + 5000).contains(&value));
        if pids.contains(&value) || near {
            "<pid>".into()
        } else {
            number.into()
        }
    };
    let normal = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text
            .lines()
            .map(|line| {
                let mut out = String::new();
                let mut number = String::new();
                let mut chars = line.chars().peekable();
                while let Some(char) = chars.next() {
                    let continues = char.is_ascii_digit()
                        || (char == '.'
                            && !number.is_empty()
                            && chars.peek().is_some_and(char::is_ascii_digit));
                    if continues {
                        number.push(char);
                        continue;
                    }
                    out.push_str(&mask(&number));
                    number.clear();
                    out.push(char);
                }
                out.push_str(&mask(&number));
                out
            })
            .collect();
        lines.sort();
        lines
    };
    (normal(&run.stdout), normal(&run.stderr), run.code)
}

/// The pids named by the tags of a run's raw output.
fn tagged_pids(bytes: &[u8]) -> BTreeSet<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter_map(|line| mptutor::python::untag(line).origin)
        .flat_map(|(pid, ppid)| [pid.to_string(), ppid.to_string()])
        .collect()
}

#[test]
fn every_course_example_prints_the_same_traced_and_untraced() {
    let course = mptutor::course::load_builtin().expect("the built-in course");
    let examples: Vec<String> = course
        .lessons
        .iter()
        .flat_map(|lesson| lesson.python_examples())
        // Those with checks: what `mptutor check` runs to its end. An
        // example without one may be a program shown to hang (q7's join
        // before reading a queue), which a student stops at its timeout.
        .filter(|example| !example.checks.is_empty())
        .map(|example| example.code.code.clone())
        .collect();
    assert!(examples.len() >= 6, "{} examples", examples.len());
    let all = pythons();
    // The system's Python, the oldest and the newest: every example three
    // times on each of seven Pythons would take minutes.
    let chosen: BTreeSet<&PathBuf> = [all.first(), all.get(1), all.last()]
        .into_iter()
        .flatten()
        .collect();
    for python in chosen {
        for code in &examples {
            let traced = run(python, code, true, None);
            let untraced = run(python, code, false, None);
            assert!(!traced.records.is_empty(), "the X-ray was on: {code}");
            assert!(untraced.records.is_empty(), "the X-ray was off: {code}");
            // What an example prints the same way each time untraced must
            // be printed so traced; what changes by itself from run to run
            // (which worker ran how many tasks, in which order results
            // came) must keep its shape. More runs of each, when the first
            // two differ, tell the one from the other.
            let mut traced_outputs = vec![comparable(&traced, false)];
            let mut untraced_outputs = vec![comparable(&untraced, false)];
            let (same, varies) = loop {
                let same = traced_outputs
                    .iter()
                    .any(|output| untraced_outputs.contains(output));
                let varies = traced_outputs
                    .iter()
                    .any(|output| *output != traced_outputs[0])
                    || untraced_outputs
                        .iter()
                        .any(|output| *output != untraced_outputs[0]);
                if same || varies || traced_outputs.len() == 5 {
                    break (same, varies);
                }
                traced_outputs.push(comparable(&run(python, code, true, None), false));
                untraced_outputs.push(comparable(&run(python, code, false, None), false));
            };
            assert!(
                same || (varies && comparable(&traced, true) == comparable(&untraced, true)),
                "{}:\n{code}\ntraced:\n{}\nuntraced:\n{}",
                python.display(),
                traced.describe(),
                untraced.describe()
            );
        }
    }
}
