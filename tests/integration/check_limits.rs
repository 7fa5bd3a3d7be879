//! `mptutor check` runs a course's Python fenced in: a timeout that fails
//! the check, a memory limit, a temporary working folder, nothing left
//! running afterwards, and a word on stderr before the course's code runs.
//! Tests that need `python3` say so and pass when it is missing.

use std::process::Output;

use crate::proc_table::{self, PATIENCE, eventually};
use crate::support::have_python3;
use crate::support::{TempCourse, mptutor};

/// A course whose one lesson holds `python` (its fence on line 10) and
/// `check` (its fence on line 14 when `python` is three lines).
fn course_with_example(python: &str, check: &str) -> TempCourse {
    let lesson = format!(
        "+++\nid = \"ex\"\ntitle = \"Example\"\n+++\n\n## The example\n\nProse.\n\n\
         ```python\n{python}```\n\n```check\n{check}```\n"
    );
    TempCourse::new(&[("ex.md", &lesson)])
}

/// `mptutor check DIR args…` run from the folder `cwd`.
fn check(course: &TempCourse, args: &[&str], cwd: &std::path::Path) -> Output {
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    mptutor(home.path())
        .arg("check")
        .arg(&dir)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run mptutor check")
}

#[test]
fn check_fails_an_example_that_never_ends_at_its_timeout_naming_both() {
    if !have_python3() {
        return;
    }
    let course = course_with_example(
        "import time\nwhile True:\n    time.sleep(0.05)\n",
        "exit_code = 0\n",
    );
    let here = tempfile::tempdir().expect("temporary directory");
    let output = check(&course, &["--timeout", "2"], here.path());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    let expected = format!(
        "{}:10:1: the example at line 10 did not finish within its timeout of 2 s",
        course.shown("ex.md")
    );
    assert!(errors.contains(&expected), "{errors}");
}

#[test]
fn check_stops_an_example_that_asks_for_4_gib_with_a_memory_message() {
    if !have_python3() {
        return;
    }
    // `bytes(n)` asks the system for zeroed memory it need not touch, so
    // without a limit this passes at once rather than filling the machine.
    let course = course_with_example(
        "data = bytes(4 * 1024 ** 3)\nprint('allocated', len(data))\n",
        "each_once = ['allocated 4294967296']\n",
    );
    let here = tempfile::tempdir().expect("temporary directory");
    let output = check(&course, &[], here.path());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    assert!(
        errors
            .contains("the example at line 10 ran out of memory: mptutor check gives each example"),
        "{errors}"
    );
    assert!(errors.contains("2 GiB"), "{errors}");
}

#[test]
fn check_runs_an_example_in_a_temporary_folder_and_says_so_on_stderr_first() {
    if !have_python3() {
        return;
    }
    let course = course_with_example(
        "with open('written-by-example.txt', 'w') as file:\n    file.write('x')\nprint('wrote')\n",
        "each_once = ['wrote']\n",
    );
    let here = tempfile::tempdir().expect("temporary directory");
    let output = check(&course, &[], here.path());
    let (text, errors) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{text}{errors}");
    for folder in [here.path(), course.path()] {
        assert!(
            !folder.join("written-by-example.txt").exists(),
            "written in {}",
            folder.display()
        );
    }
    assert!(
        errors.contains("running the course's own Python code now") && errors.contains("--no-run"),
        "{errors}"
    );
    assert!(
        !text.contains("own Python code"),
        "stdout is the report: {text}"
    );
}

#[test]
fn a_child_that_left_its_session_does_not_outlive_check() {
    if !have_python3() {
        return;
    }
    let work = tempfile::tempdir().expect("temporary directory");
    let pid_file = work.path().join("pid");
    let python = format!(
        "import os, time\nPID = {:?}\nif os.fork() == 0:\n    os.setsid()\n    \
         open(PID + '.part', 'w').write(str(os.getpid()))\n    os.rename(PID + '.part', PID)\n    \
         time.sleep(300)\nwhile not os.path.exists(PID):\n    time.sleep(0.01)\nprint('parent done')\n",
        pid_file.display().to_string()
    );
    let course = course_with_example(&python, "each_once = ['parent done']\n");
    let output = check(&course, &[], work.path());
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{errors}");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .expect("the child wrote its pid")
        .trim()
        .parse()
        .expect("a pid");
    let dead = eventually(PATIENCE, || {
        proc_table::stat(pid).is_none_or(|stat| stat.state == 'Z')
    });
    if !dead {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(dead, "the setsid'd child {pid} outlived mptutor check");
}
