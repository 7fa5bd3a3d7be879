//! The built-in lessons' checks pass every correct program a student may
//! write from them, not only the one the lesson shows: an example rewritten
//! as another lesson advises still passes its check.

use std::path::Path;
use std::process::Command;

use mptutor::course::{OutputCheck, load_builtin};

use crate::support::have_python3;

/// Each start method, with the class name its context's processes get.
const CONTEXTS: [(&str, &str); 3] = [
    ("fork", "ForkProcess-"),
    ("spawn", "SpawnProcess-"),
    ("forkserver", "ForkServerProcess-"),
];

/// `program` with its `Process` taken from `get_context(method)`, as lesson
/// q2 advises when the start method matters.
fn with_context(program: &str, method: &str) -> String {
    let import = "from multiprocessing import Process, current_process\n";
    assert!(program.contains(import), "no `{import}` in:\n{program}");
    program.replace(
        import,
        &format!(
            "import multiprocessing\nfrom multiprocessing import current_process\n\n\
             Process = multiprocessing.get_context(\"{method}\").Process\n"
        ),
    )
}

/// Runs `program` with `python3` from a file of its own in `dir`: its
/// standard output and exit code. Buffered (no `-u`, no `PYTHONUNBUFFERED`)
/// so that each line leaves its process in one write, as under mptutor's
/// `try`, and two children's lines never run together.
fn run_python(dir: &Path, program: &str) -> (String, i32) {
    let file = dir.join("student.py");
    std::fs::write(&file, program).expect("write the program");
    let output = Command::new("python3")
        .arg(&file)
        .env_remove("PYTHONUNBUFFERED")
        .current_dir(dir)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.trim().is_empty(),
        "{program}\nwrote to stderr:\n{stderr}"
    );
    (stdout, output.status.code().unwrap_or(-1))
}

/// Runs `program` rewritten for each context and judges it with `checks`.
fn passes_with_every_context(label: &str, program: &str, checks: &[&OutputCheck]) {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (method, name) in CONTEXTS {
        let (stdout, code) = run_python(dir.path(), &with_context(program, method));
        assert!(
            stdout.contains(name),
            "{label} under {method} printed no {name} name:\n{stdout}"
        );
        let lines: Vec<&str> = stdout.lines().collect();
        for check in checks {
            let verdict = check.evaluate(&lines, code);
            assert!(
                verdict.passed(),
                "{label} with get_context(\"{method}\") fails its check: {:?}\n{stdout}",
                verdict.problems
            );
        }
    }
}

#[test]
fn q6_checks_pass_processes_made_from_a_context() {
    if !have_python3() {
        return;
    }
    let course = load_builtin().unwrap_or_else(|errors| panic!("{errors}"));
    let q6 = course
        .find_lesson("q6")
        .map(|index| course.lesson(index))
        .expect("lesson q6");
    let examples = q6.python_examples();
    let first = examples.first().expect("q6 has an example");
    assert!(!first.checks.is_empty(), "q6's first example has no check");
    passes_with_every_context("q6's first example", &first.code.code, &first.checks);

    let exercise = course
        .find_exercise("q6-all-at-once")
        .expect("q6's exercise")
        .exercise;
    let output = exercise.checks.output.as_ref().expect("an [output] check");
    passes_with_every_context("q6's exercise solution", &exercise.solution, &[output]);
}
