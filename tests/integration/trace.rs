//! `mptutor trace` on any Python program, and the REPL's `python=` choice
//! of interpreter: arguments reach the program, its exit code comes back,
//! `--python` picks the interpreter (and a wrong one is refused at once),
//! `--timeout` stops a program that never ends, `--json` reads back.
//! Tests that need `python3`, or a second Python, say so and pass without.

use std::path::{Path, PathBuf};
use std::process::Output;

use mptutor::json::{Message, read_line};

use crate::support::have_python3;
use crate::support::{TempCourse, run_with_input};

/// A CPython from pyenv (`$(pyenv root)/versions/*/bin/python3`), if the
/// machine has one.
fn pyenv_python() -> Option<PathBuf> {
    let root = std::process::Command::new("pyenv")
        .arg("root")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pyenv")))?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .ok()?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path().join("bin").join("python3"))
        .filter(|python| python.is_file())
        .collect();
    found.sort();
    let python = found.into_iter().next();
    if python.is_none() {
        eprintln!("no pyenv Python on this machine: skipping");
    }
    python
}

fn trace(home: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--width", "100", "trace"];
    all.extend_from_slice(args);
    run_with_input(home, &all, "")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn trace_gives_the_program_its_arguments_and_ends_with_its_exit_code() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let program = home.path().join("args.py");
    std::fs::write(
        &program,
        "import sys\nprint('argv', sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n",
    )
    .expect("write the program");
    let path = program.display().to_string();
    // What follows the program is the program's, flags of mptutor's too.
    let output = trace(home.path(), &[&path, "3", "--json", "-c x"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(3),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("argv ['3', '--json', '-c x']"), "{stdout}");
    assert!(stdout.contains("exited with code 3"), "{stdout}");
}

#[test]
fn trace_c_runs_the_code_and_json_ends_with_the_xray() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = trace(home.path(), &["--json", "-c", "print('traced')"]);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    let messages: Vec<Message> = stdout
        .lines()
        .map(|line| read_line::<Message>(line).expect("each line reads back"))
        .collect();
    assert!(
        messages
            .iter()
            .any(|message| matches!(message, Message::Event(_))),
        "{stdout}"
    );
    assert!(stdout.contains("traced"), "{stdout}");
    let Some(Message::Xray(run)) = messages.last() else {
        panic!("ends with the X-ray: {stdout}");
    };
    assert_eq!(
        (run.exit_code, run.result.timed_out),
        (0, false),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or_default()
            .contains(r#""type":"xray","exit_code":0,"#),
        "{stdout}"
    );
    let last: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("JSON");
    for field in [
        "processes",
        "threads",
        "tasks",
        "max_concurrent_processes",
        "findings",
    ] {
        assert!(last.get(field).is_some(), "`{field}` missing: {last}");
    }
}

#[test]
fn trace_python_chooses_the_interpreter_and_refuses_one_that_is_not() {
    let home = tempfile::tempdir().expect("temporary directory");
    let missing = home.path().join("python3.99");
    let missing = missing.display().to_string();
    let output = trace(home.path(), &["--python", &missing, "-c", "print(1)"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("`{missing}` does not exist")),
        "{stderr}"
    );
    assert!(!text(&output.stdout).contains("live output"), "nothing ran");

    let Some(python) = pyenv_python() else {
        return;
    };
    let chosen = python.display().to_string();
    let output = trace(
        home.path(),
        &[
            "--python",
            &chosen,
            "-c",
            "import sys; print('exe', sys.executable)",
        ],
    );
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains(&format!("exe {chosen}")), "{stdout}");
}

#[test]
fn trace_timeout_stops_a_program_that_never_ends() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = trace(home.path(), &["--timeout", "1", "-c", "while True: pass"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(124), "{stderr}");
    assert!(stderr.contains("timed out after 1 s"), "{stderr}");
    assert!(text(&output.stdout).contains("Stopped at the timeout"));
}

#[test]
fn trace_of_a_program_killed_by_a_signal_exits_as_a_shell_says() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = trace(home.path(), &["-c", "import os; os.kill(os.getpid(), 9)"]);
    assert_eq!(output.status.code(), Some(128 + 9), "{output:?}");
}

/// A course whose one step's example prints which interpreter ran it.
fn course_printing_its_interpreter() -> TempCourse {
    let lesson = "+++\nid = \"ex\"\ntitle = \"Example\"\n+++\n\n## The example\n\nProse.\n\n\
                  ```python\nimport sys\nprint('exe', sys.executable)\n```\n";
    TempCourse::new(&[("ex.md", lesson)])
}

#[test]
fn python_equals_chooses_the_interpreter_for_the_session_or_for_one_run() {
    let Some(python) = pyenv_python() else {
        return;
    };
    let chosen = python.display().to_string();
    let course = course_printing_its_interpreter();
    let dir = course.path().display().to_string();
    let home = tempfile::tempdir().expect("temporary directory");
    let args = ["--lessons", &dir, "--width", "100"];

    let script = format!("python={chosen}\nopen ex\npython\n");
    let output = run_with_input(home.path(), &args, &script);
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(stdout.contains(&format!("exe {chosen}")), "{stdout}");

    let script = format!("open ex\npython python={chosen}\n");
    let output = run_with_input(home.path(), &args, &script);
    let stdout = text(&output.stdout);
    assert!(stdout.contains(&format!("exe {chosen}")), "{stdout}");
}

#[test]
fn python_equals_refuses_a_path_that_is_not_an_interpreter() {
    let course = course_printing_its_interpreter();
    let dir = course.path().display().to_string();
    let home = tempfile::tempdir().expect("temporary directory");
    let folder = home.path().display().to_string();
    let script = format!("python={folder}\nopen ex\npython python=/no/such/python3\n");
    let output = run_with_input(home.path(), &["--lessons", &dir], &script);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("<stdin>:1: `{folder}` is a folder")),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "<stdin>:3: `python=` wants an interpreter to run: `/no/such/python3` does not exist"
        ),
        "{stderr}"
    );
    assert!(!text(&output.stdout).contains("live output"), "nothing ran");
}
