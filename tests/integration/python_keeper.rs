//! Nothing a Python run started outlives mptutor, whatever kills it:
//! children under every start method, one that left its session
//! (`os.setsid()`), a `subprocess` one, the fork server and the resource
//! tracker. Run with every Python 3.8 or newer found (the one on `PATH`,
//! and each version pyenv holds); without any, the tests say so and pass.

use std::path::{Path, PathBuf};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::proc_table::{self, Mptutor, eventually};
use crate::support::TempCourse;

/// Long enough for every process to die on a loaded machine.
const DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// A Python 3.8 or newer: the folder to put first on `PATH` (`None`: the
/// `python3` already on it), and its version, for messages.
pub struct Interpreter {
    pub bin: Option<PathBuf>,
    pub version: String,
}

/// Every Python 3.8 or newer on this machine, as `mptutor check
/// --every-python` finds them: the one on `PATH`, then each of pyenv's
/// versions.
pub fn interpreters() -> Vec<Interpreter> {
    let every = mptutor::python::every_python();
    for note in &every.notes {
        eprintln!("{note}: skipping");
    }
    let on_path = mptutor::python::find_python3().ok();
    let found: Vec<Interpreter> = every
        .found
        .into_iter()
        .map(|python| Interpreter {
            bin: match &on_path {
                Some(python3) if *python3 == python.path => None,
                _ => python.path.parent().map(Path::to_path_buf),
            },
            version: format!("Python {}", python.version),
        })
        .collect();
    if found.is_empty() {
        eprintln!("no python3 of version 3.8 or newer is installed: skipping");
    }
    found
}

/// `PATH` with `bin` first.
pub fn path_with(bin: Option<&Path>) -> std::ffi::OsString {
    let mut parts: Vec<PathBuf> = bin.map(Path::to_path_buf).into_iter().collect();
    if let Some(path) = std::env::var_os("PATH") {
        parts.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(parts).unwrap_or_default()
}

/// A program that starts a child under each start method, one that calls
/// `os.setsid()`, and `sleep 300` by `subprocess`, all sleeping, and
/// writes each pid (its own, the fork server's and the resource
/// tracker's too) to `pids`, one a line.
fn program_recording_pids(pids: &Path) -> String {
    format!(
        r#"import multiprocessing as mp, os, subprocess, time

PIDS = {pids:?}

def record(pid):
    with open(PIDS, "a") as file:
        file.write("%d\n" % pid)

def sleep():
    record(os.getpid())
    time.sleep(300)

def detach():
    os.setsid()
    record(os.getpid())
    time.sleep(300)

if __name__ == "__main__":
    record(os.getpid())
    for method in ("fork", "spawn", "forkserver"):
        mp.get_context(method).Process(target=sleep).start()
    mp.get_context("fork").Process(target=detach).start()
    record(subprocess.Popen(["sleep", "300"]).pid)
    from multiprocessing import forkserver, resource_tracker
    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        for name in ("_forkserver_pid", "_pid"):
            pid = getattr(helper, name, None)
            if pid:
                record(pid)
    while len(open(PIDS).read().split()) < 6:
        time.sleep(0.01)
    print("all " + "started", flush=True)
    time.sleep(300)
"#,
        pids = pids.display().to_string()
    )
}

/// The pids written to `file` so far.
fn recorded(file: &Path) -> Vec<i32> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

/// Still running: present and not a zombie.
fn alive(pid: i32) -> bool {
    proc_table::stat(pid).is_some_and(|stat| stat.state != 'Z')
}

/// Runs the program with `interpreter` under `mptutor python`, kills
/// mptutor with `signal` once every child runs, and returns the recorded
/// processes still alive after [`DEADLINE`] (killing them, so a failing
/// test leaves nothing behind).
fn survivors(interpreter: &Interpreter, signal: Signal) -> Vec<i32> {
    let work = tempfile::tempdir().expect("temporary directory");
    let pids = work.path().join("pids");
    let lesson = format!(
        "+++\nid = \"ex\"\ntitle = \"Example\"\n+++\n\n## The example\n\nProse.\n\n\
         ```python\n{}```\n",
        program_recording_pids(&pids)
    );
    let course = TempCourse::new(&[("ex.md", &lesson)]);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let mut tutor = Mptutor::start_with_path(
        home.path(),
        &[
            "--lessons",
            &dir,
            "--width",
            "100",
            "python",
            "ex",
            "--timeout",
            "120",
        ],
        &path_with(interpreter.bin.as_deref()),
    );
    tutor.read_until("all started");
    let started = recorded(&pids);
    assert!(started.len() >= 6, "{}: {started:?}", interpreter.version);
    tutor.signal(signal);
    let _ = tutor.wait();
    let mut left = Vec::new();
    eventually(DEADLINE, || {
        left = started.iter().copied().filter(|pid| alive(*pid)).collect();
        left.is_empty()
    });
    for pid in &left {
        let _ = kill(Pid::from_raw(*pid), Signal::SIGKILL);
    }
    left
}

fn assert_nothing_outlives_mptutor_killed_by(signal: Signal) {
    for interpreter in interpreters() {
        let left = survivors(&interpreter, signal);
        assert!(
            left.is_empty(),
            "{}: after {signal}, still running: {:?}",
            interpreter.version,
            left.iter()
                .filter_map(|pid| proc_table::stat(*pid))
                .collect::<Vec<_>>()
        );
        eprintln!("{}: nothing left after {signal}", interpreter.version);
    }
}

#[test]
fn nothing_a_python_run_started_outlives_mptutor_killed_by_sigkill() {
    assert_nothing_outlives_mptutor_killed_by(Signal::SIGKILL);
}

#[test]
fn nothing_a_python_run_started_outlives_mptutor_killed_by_sigterm() {
    assert_nothing_outlives_mptutor_killed_by(Signal::SIGTERM);
}

#[test]
fn nothing_a_python_run_started_outlives_mptutor_killed_by_sighup() {
    assert_nothing_outlives_mptutor_killed_by(Signal::SIGHUP);
}
