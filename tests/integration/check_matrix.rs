//! `mptutor check --start-method all --every-python` runs each example
//! with every Python the machine has, under fork, spawn and forkserver,
//! and names the method and the interpreter of each failure. Without
//! pyenv it says so and uses python3 alone; without python3 the test
//! says so and passes.

use std::process::Output;

use crate::support::{TempCourse, have_python3, mptutor};

/// One lesson: an example that passes under every start method (its
/// fence on line 10, its check on line 21), and one that reads a global
/// only its main guard sets (fence on line 25, check on line 39): a
/// forked child has it, a spawned one re-imports the program without
/// running the guard, and so has not.
const LESSON: &str = r#"+++
id = "ex"
title = "Example"
+++

## Both

Prose.

```python
from multiprocessing import Pool

def square(n):
    return n * n

if __name__ == "__main__":
    with Pool(2) as pool:
        print("total", sum(pool.map(square, range(5))))
```

```check
each_once = ['total 30']
```

```python
import multiprocessing

def greet():
    print(GREETING)

if __name__ == "__main__":
    GREETING = "hello from the child"
    child = multiprocessing.Process(target=greet)
    child.start()
    child.join()
    print("child exit code", child.exitcode)
```

```check
each_once = ['hello from the child', 'child exit code 0']
```
"#;

fn check(course: &TempCourse, args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut command = mptutor(home.path());
    // The private home hides pyenv's default root; the one the tests see
    // is the one mptutor should find.
    if let Some(root) = mptutor::python::pyenv_root() {
        command.env("PYENV_ROOT", root);
    }
    command
        .arg("check")
        .arg(course.path())
        .args(args)
        .output()
        .expect("run mptutor check")
}

#[test]
fn check_names_the_start_method_and_python_of_each_failure() {
    if !have_python3() {
        return;
    }
    let course = TempCourse::new(&[("ex.md", LESSON)]);
    let lesson = course.shown("ex.md");
    let output = check(&course, &["--start-method", "all", "--every-python"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let every = mptutor::python::every_python();
    if mptutor::python::pyenv_root().is_none() {
        assert!(stderr.contains("pyenv is not installed"), "{stderr}");
        eprintln!("pyenv is not installed: checking with python3 alone");
    }
    assert!(!every.found.is_empty(), "{:?}", every.notes);
    for python in &every.found {
        let label = python.label();
        for method in ["fork", "spawn", "forkserver"] {
            let under = format!("under {method} with {label}: ");
            let passing = format!("{lesson}:21:1: {under}");
            let failing = format!("{lesson}:39:1: {under}the example at line 25 fails this check");
            assert!(!stderr.contains(&passing), "{passing}\n{stderr}");
            // A spawned child, and one the fork server starts, imports
            // the program without running its main guard.
            assert_eq!(
                stderr.contains(&failing),
                method != "fork",
                "{failing}\n{stderr}"
            );
            assert!(
                stdout.contains(&format!("{label}, under {method}:")),
                "{stdout}"
            );
        }
        // The summary: a row for each Python, its first line what passed
        // under each method, its second what failed.
        let lines: Vec<&str> = stdout.lines().collect();
        let row = lines
            .iter()
            .position(|line| line.starts_with(&format!("│ {} ", python.version)))
            .unwrap_or_else(|| panic!("no row for {label}\n{stdout}"));
        let (passed, failed) = (lines[row], lines.get(row + 1).copied().unwrap_or_default());
        assert_eq!(passed.matches("2 passed").count(), 1, "{passed}\n{stdout}");
        assert_eq!(passed.matches("1 passed").count(), 2, "{passed}\n{stdout}");
        assert_eq!(failed.matches("0 failed").count(), 1, "{failed}\n{stdout}");
        assert_eq!(failed.matches("1 FAILED").count(), 2, "{failed}\n{stdout}");
    }
    let runs = 2 * 3 * every.found.len();
    assert!(
        stderr.contains(&format!(
            "{} of the {runs} runs of 2 Python examples",
            2 * every.found.len()
        )),
        "{stderr}"
    );
}

#[test]
fn check_under_one_start_method_runs_the_examples_under_it_alone() {
    if !have_python3() {
        return;
    }
    let course = TempCourse::new(&[("ex.md", LESSON)]);
    let lesson = course.shown("ex.md");
    let fork = check(&course, &["--start-method", "fork"]);
    let stdout = String::from_utf8_lossy(&fork.stdout);
    assert_eq!(
        fork.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&fork.stderr)
    );
    assert!(stdout.contains("2 Python examples run with"), "{stdout}");
    let spawn = check(&course, &["--start-method", "spawn"]);
    let stderr = String::from_utf8_lossy(&spawn.stderr);
    assert_eq!(spawn.status.code(), Some(1), "{stderr}");
    let failing = format!("{lesson}:39:1: under spawn: the example at line 25 fails this check");
    assert!(stderr.contains(&failing), "{failing}\n{stderr}");
    assert!(!stderr.contains("under fork"), "{stderr}");
}

#[test]
fn check_refuses_a_python_that_is_not_one_before_running_anything() {
    let course = TempCourse::new(&[("ex.md", LESSON)]);
    let output = check(&course, &["--python", "/bin/true"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`/bin/true` did not answer as a Python interpreter"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("running the course's own Python code"),
        "{stderr}"
    );
}

/// An exercise (its fence on line 8) whose starter joins each child
/// before starting the next, and whose solution starts both at once but
/// has no main guard: it passes under fork and fails under spawn and
/// forkserver.
const EXERCISE: &str = r#"+++
id = "a"
title = "A"
+++

## Step

```exercise
id = "two-at-once"
task = "Start both children before joining either."
starter = '''
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
'''
solution = '''
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
'''

[output]
each_once = ['child 1', 'child 2']

[behaviour]
alive_at_once = { at_least = 2 }
exit_code = 0
```
"#;

#[test]
fn check_verifies_the_exercises_with_each_python_asked_for() {
    let every = mptutor::python::every_python();
    let (Some(first), Some(last)) = (every.found.first(), every.found.last()) else {
        eprintln!("no python3 of version 3.8 or newer is installed: skipping");
        return;
    };
    let course = TempCourse::new(&[("a.md", EXERCISE)]);
    let lesson = course.shown("a.md");
    let (first_path, last_path) = (
        first.path.display().to_string(),
        last.path.display().to_string(),
    );
    let output = check(&course, &["--python", &first_path, "--python", &last_path]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    for python in [first, last] {
        let label = python.label();
        assert!(
            stdout.contains(&format!("The exercises with {label}:")),
            "{stdout}"
        );
        let at = format!("{lesson}:8:1: with {label}: exercise two-at-once, solution under");
        for method in ["spawn", "forkserver"] {
            assert!(
                stderr.contains(&format!("{at} {method}: ✗ ")),
                "{method}: {stderr}"
            );
        }
        assert!(!stderr.contains(&format!("{at} fork:")), "{stderr}");
    }
}
