//! `mptutor check` runs every exercise's starter and solution under fork,
//! spawn and forkserver: a starter that passes, and a solution that
//! fails under some method, are reported at the exercise's block; a
//! program runs under each method unchanged, its own `set_start_method`
//! included.

use std::path::Path;

use mptutor::python::START_METHODS;
use serde_json::Value;

use crate::support::{TempCourse, have_python3, run_guarded, run_with_input, write_file};

/// Lines 1–7 of the test lesson; the exercise's fence is line 8.
const HEADER: &str = "+++\nid = \"a\"\ntitle = \"A\"\n+++\n\n## Step\n\n";

/// A starter that joins each child before starting the next (one alive
/// at a time): the misconception of the exercise.
const ONE_BY_ONE: &str = r#"
import time
from multiprocessing import Process

def work(n):
    time.sleep(0.4)
    print(f"child {n}")

if __name__ == "__main__":
    for n in (1, 2):
        p = Process(target=work, args=(n,))
        p.start()
        p.join()
"#;

/// Both started before either is joined.
const BOTH_AT_ONCE: &str = r#"
import time
from multiprocessing import Process

def work(n):
    time.sleep(0.4)
    print(f"child {n}")

if __name__ == "__main__":
    ps = [Process(target=work, args=(n,)) for n in (1, 2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
"#;

/// [`BOTH_AT_ONCE`] without its `if __name__ == "__main__":` guard: a
/// spawned child (or the forkserver) importing the program starts
/// processes of its own while it is still starting, and fails.
const NO_GUARD: &str = r#"
import time
from multiprocessing import Process

def work(n):
    time.sleep(0.4)
    print(f"child {n}")

ps = [Process(target=work, args=(n,)) for n in (1, 2)]
for p in ps:
    p.start()
for p in ps:
    p.join()
"#;

/// A lesson whose one step holds an exercise with these programs.
fn course(starter: &str, solution: &str) -> TempCourse {
    let block = format!(
        "id = \"two-at-once\"\ntask = \"Start both children before joining either.\"\n\
         starter = '''{starter}'''\nsolution = '''{solution}'''\n\n\
         [output]\neach_once = ['child 1', 'child 2']\n\n\
         [behaviour]\nprocesses = {{ exactly = 2 }}\nalive_at_once = {{ at_least = 2 }}\n\
         all_joined = {{ zombie_ms = 1000 }}\nexit_code = 0\n"
    );
    TempCourse::new(&[("a.md", &format!("{HEADER}```exercise\n{block}```\n"))])
}

/// `mptutor check DIR`: its exit code, stdout and stderr.
fn check(course: &TempCourse) -> (Option<i32>, String, String) {
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run_guarded(home.path(), &["check", &dir], "");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn check_reports_a_starter_that_passes_at_its_exercise_block() {
    if !have_python3() {
        return;
    }
    let course = course(BOTH_AT_ONCE, BOTH_AT_ONCE.replace("0.4", "0.3").as_str());
    let (code, out, err) = check(&course);
    assert_eq!(code, Some(1), "{out}{err}");
    let expected = format!(
        "{}:8:1: exercise two-at-once: the starter passes every check; a student would have \
         nothing to do",
        course.shown("a.md")
    );
    assert!(err.contains(&expected), "{out}{err}");
    assert!(err.contains("1 of 1 exercise has problems"), "{err}");
    // The solution passes under every method: nothing is said of it.
    assert!(!err.contains("two-at-once, solution under"), "{err}");
}

#[test]
fn check_reports_a_solution_that_fails_under_spawn_and_forkserver_only() {
    if !have_python3() {
        return;
    }
    let course = course(ONE_BY_ONE, NO_GUARD);
    let (code, out, err) = check(&course);
    assert_eq!(code, Some(1), "{out}{err}");
    let at = format!(
        "{}:8:1: exercise two-at-once, solution under",
        course.shown("a.md")
    );
    for method in ["spawn", "forkserver"] {
        let failure = format!("{at} {method}: ✗ ");
        assert!(err.contains(&failure), "{method}: {out}{err}");
    }
    assert!(
        !err.contains(&format!("{at} fork:")),
        "it passes under fork: {err}"
    );
    assert!(out.contains("solution under fork: ✓ passes"), "{out}");
    assert!(out.contains("solution under spawn: ✗ FAILS"), "{out}");
    assert!(
        !err.contains("two-at-once, starter") && !err.contains("two-at-once: the starter"),
        "the starter fails, as it should: {err}"
    );
}

#[test]
fn check_verifies_a_correct_exercise_under_every_start_method() {
    if !have_python3() {
        return;
    }
    let course = course(ONE_BY_ONE, BOTH_AT_ONCE);
    let (code, out, err) = check(&course);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("1 exercise verified under 3 start methods (fork, spawn and forkserver) with"),
        "{out}"
    );
    for method in START_METHODS {
        assert!(
            out.contains(&format!("starter under {method}: ✗ fails")),
            "{out}"
        );
        assert!(
            out.contains(&format!("solution under {method}: ✓ passes")),
            "{out}"
        );
    }
    let skipped = run_guarded(
        tempfile::tempdir().expect("temporary directory").path(),
        &["check", "--no-run", &course.path().display().to_string()],
        "",
    );
    let said = String::from_utf8_lossy(&skipped.stdout);
    assert!(
        skipped.status.success() && !said.contains("verified"),
        "{said}"
    );
}

/// The program `check` runs an exercise's program with, under a start
/// method: `python3 under_method.py METHOD PROGRAM.py`.
const UNDER_METHOD: &str = include_str!("../../src/python/under_method.py");

/// `mptutor trace --json` of `program` run by [`UNDER_METHOD`] under
/// `method` with `python`: what it printed, and the closing X-ray.
fn traced_under(python: &Path, method: &str, program: &str) -> (Vec<String>, Value) {
    let home = tempfile::tempdir().expect("temporary directory");
    let folder = home.path().join("exercise");
    write_file(&folder.join("under_method.py"), UNDER_METHOD.as_bytes());
    write_file(&folder.join("program.py"), program.as_bytes());
    let wrapper = folder.join("under_method.py").display().to_string();
    let python = python.display().to_string();
    let output = run_with_input(
        home.path(),
        &[
            "trace",
            "--json",
            "--python",
            &python,
            &wrapper,
            method,
            "program.py",
        ],
        "",
    );
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
        .unwrap_or_else(|| panic!("no X-ray: {output:?}"));
    (printed, xray)
}

/// Each child prints its `current_process().name` and pid, the parent
/// its own, so the lines can be held against the X-ray.
const NAMES_AND_PIDS: &str = r#"
import os
from multiprocessing import Process, current_process

def work():
    print(current_process().name, os.getpid())

if __name__ == "__main__":
    ps = [Process(target=work) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print(current_process().name, os.getpid(), [p.exitcode for p in ps])
"#;

#[test]
fn under_every_method_the_pids_names_and_roles_are_the_programs_own() {
    for python in crate::xray_python::pythons() {
        for method in START_METHODS {
            let (printed, xray) = traced_under(&python, method, NAMES_AND_PIDS);
            let context = format!("{} under {method}: {printed:?}\n{xray}", python.display());
            let processes = xray["processes"].as_array().expect("processes");
            let main = processes
                .iter()
                .find(|process| process["role"] == "main")
                .expect("the main process");
            // The interpreter mptutor started is the program's main process.
            let last = printed.last().expect("the main line");
            assert_eq!(
                last,
                &format!("MainProcess {} [0, 0]", main["pid"]),
                "{context}"
            );
            let mut names = Vec::new();
            for line in &printed[..printed.len() - 1] {
                let (name, pid) = line.split_once(' ').expect("a name and a pid");
                let pid: i64 = pid.parse().expect("a pid");
                let child = processes
                    .iter()
                    .find(|process| process["pid"] == pid)
                    .expect("the child is in the X-ray");
                assert_eq!(child["name"], name, "{context}");
                assert_eq!(child["role"], "process", "{context}");
                assert_eq!(child["start_method"], method, "{context}");
                names.push(name.to_string());
            }
            names.sort();
            assert_eq!(names, ["Process-1", "Process-2"], "{context}");
        }
    }
}

/// A program that sets its own start method, as its lesson may teach.
const SETS_SPAWN: &str = r#"
import multiprocessing as mp

def work():
    print("child", mp.get_start_method())

if __name__ == "__main__":
    mp.set_start_method("spawn")
    p = mp.Process(target=work)
    p.start()
    p.join()
    print("main", mp.get_start_method(), p.exitcode)
"#;

#[test]
fn a_program_that_sets_its_own_start_method_runs_under_it_unchanged() {
    for python in crate::xray_python::pythons() {
        for method in START_METHODS {
            let (printed, xray) = traced_under(&python, method, SETS_SPAWN);
            let context = format!("{} under {method}: {xray}", python.display());
            assert_eq!(printed, ["child spawn", "main spawn 0"], "{context}");
        }
    }
}

#[test]
fn check_notes_the_start_method_a_program_sets_itself() {
    if !have_python3() {
        return;
    }
    let own = BOTH_AT_ONCE.replace(
        "if __name__ == \"__main__\":\n",
        "if __name__ == \"__main__\":\n    import multiprocessing\n    \
         multiprocessing.set_start_method(\"spawn\")\n",
    );
    let course = course(ONE_BY_ONE, &own);
    let (code, out, err) = check(&course);
    assert_eq!(code, Some(0), "{out}{err}");
    let noted = |method: &str| {
        out.lines().any(|line| {
            line.contains(&format!("solution under {method}: ✓ passes"))
                && line.contains("; the program sets its own start method, spawn")
        })
    };
    assert!(noted("fork") && noted("forkserver"), "{out}");
    assert!(
        !noted("spawn"),
        "under spawn it is the method asked for: {out}"
    );
}
