//! Course files that are not what they seem: a named pipe, a device, a
//! socket or a folder where a lesson or `course.toml` should be, a lesson
//! too big to be one, a student's copy of an example replaced by a pipe.
//! None of them may block mptutor or fill its memory; each is refused with
//! its path and what it is, and the rest of the course still loads.

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

use mptutor::course::{Diagnostic, add_lesson, load_dir};

use crate::support::{TempCourse, lesson, run_guarded, without_blocking};

fn mkfifo(path: &Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
}

/// Every problem of the course in `dir`, loaded on a thread that must not
/// block.
fn problems_of(dir: &Path) -> Vec<Diagnostic> {
    let dir = dir.to_path_buf();
    without_blocking("loading the course", move || match load_dir(&dir) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.diagnostics,
    })
}

/// The one problem reported for `path`, which must name the whole file.
fn problem_with<'a>(problems: &'a [Diagnostic], path: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = problems.iter().filter(|p| p.path == path).collect();
    assert_eq!(found.len(), 1, "one problem for {path} in {problems:#?}");
    assert_eq!(found[0].position, None, "{}", found[0]);
    found[0]
}

#[test]
fn special_files_as_lessons_are_refused_each_with_its_path_and_the_rest_still_load() {
    let broken = "+++\nid = \"broken\"\n+++\n\n## Step\n";
    let course = TempCourse::new(&[("a.md", &lesson("a")), ("broken.md", broken)]);
    let dir = course.path();
    mkfifo(&dir.join("pipe.md"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.md")).expect("symlink");
    std::os::unix::fs::symlink("/dev/null", dir.join("null.md")).expect("symlink");
    std::fs::create_dir(dir.join("q9.md")).expect("folder");
    let _socket = UnixListener::bind(dir.join("x.md")).expect("socket");
    let names = ["a", "pipe", "zero", "null", "q9", "x", "broken"];
    let listed: Vec<String> = names.iter().map(|name| format!("\"{name}.md\"")).collect();
    std::fs::write(
        dir.join("course.toml"),
        format!(
            "format_version = 1\ntitle = \"T\"\nlessons = [{}]\n",
            listed.join(", ")
        ),
    )
    .expect("write course.toml");

    let problems = problems_of(dir);
    for (name, what) in [
        ("pipe.md", "it is a named pipe (FIFO), not a regular file"),
        ("zero.md", "it is a character device, not a regular file"),
        ("null.md", "it is a character device, not a regular file"),
        ("q9.md", "it is a folder, not a regular file"),
        ("x.md", "it is a socket, not a regular file"),
    ] {
        let problem = problem_with(&problems, &course.shown(name));
        assert!(problem.message.starts_with(what), "{problem}");
        assert!(
            problem
                .to_string()
                .starts_with(&format!("{}: {what}", course.shown(name))),
            "{problem}"
        );
    }
    // The lesson after them was still read and judged; the good one passed.
    assert!(
        problems
            .iter()
            .any(|p| p.path == course.shown("broken.md") && p.message.contains("title")),
        "{problems:#?}"
    );
    assert!(!problems.iter().any(|p| p.path == course.shown("a.md")));
    assert_eq!(problems.len(), 6, "{problems:#?}");
}

#[test]
fn a_device_node_inside_the_course_is_refused_without_reading_it() {
    use nix::sys::stat::{Mode, SFlag, makedev, mknod};
    let course = TempCourse::new(&[("a.md", &lesson("a"))]);
    let node = course.path().join("zero.md");
    // The `/dev/zero` device itself: only root may make one.
    if mknod(&node, SFlag::S_IFCHR, Mode::S_IRUSR, makedev(1, 5)).is_err() {
        eprintln!("mknod needs root: skipping");
        return;
    }
    std::fs::write(
        course.path().join("course.toml"),
        "format_version = 1\ntitle = \"T\"\nlessons = [\"a.md\", \"zero.md\"]\n",
    )
    .expect("write course.toml");
    let problems = problems_of(course.path());
    let problem = problem_with(&problems, &course.shown("zero.md"));
    assert!(
        problem.message.starts_with("it is a character device"),
        "{problem}"
    );
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn a_lesson_over_four_mib_is_refused_with_its_size() {
    let big = format!("{}{}", lesson("big"), "x".repeat(5 * 1024 * 1024));
    let big = &big[..5 * 1024 * 1024];
    let course = TempCourse::new(&[("a.md", &lesson("a")), ("big.md", big)]);
    let problems = problems_of(course.path());
    let problem = problem_with(&problems, &course.shown("big.md"));
    assert!(
        problem
            .message
            .starts_with("5.0 MiB is more than a lesson may be (4 MiB)"),
        "{problem}"
    );
    assert_eq!(problems.len(), 1, "{problems:#?}");
    // At the cap itself a lesson still loads.
    let at_cap = format!("{}{}", lesson("big"), "x".repeat(4 * 1024 * 1024));
    let at_cap = &at_cap[..4 * 1024 * 1024];
    let course = TempCourse::new(&[("big.md", at_cap)]);
    assert_eq!(problems_of(course.path()), Vec::new());
}

#[test]
fn a_course_toml_that_is_not_a_regular_file_or_too_big_is_refused_with_its_path() {
    let course = TempCourse::new(&[("a.md", &lesson("a"))]);
    let index = course.path().join("course.toml");
    std::fs::remove_file(&index).expect("remove course.toml");
    std::os::unix::fs::symlink("/dev/zero", &index).expect("symlink");
    let problems = problems_of(course.path());
    let problem = problem_with(&problems, &course.shown("course.toml"));
    assert!(
        problem.message.starts_with("it is a character device"),
        "{problem}"
    );

    std::fs::remove_file(&index).expect("remove the link");
    let padding = "# padding\n".repeat(500 * 1024);
    std::fs::write(&index, format!("{padding}format_version = 1\n")).expect("write");
    let problems = problems_of(course.path());
    let problem = problem_with(&problems, &course.shown("course.toml"));
    assert!(
        problem
            .message
            .starts_with("4.9 MiB is more than course.toml may be (4 MiB)"),
        "{problem}"
    );
}

#[test]
fn a_named_pipe_course_toml_stops_neither_check_nor_start_up() {
    let course = TempCourse::new(&[("a.md", &lesson("a"))]);
    let index = course.path().join("course.toml");
    std::fs::remove_file(&index).expect("remove course.toml");
    mkfifo(&index);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let expected = format!(
        "{}: it is a named pipe (FIFO), not a regular file",
        index.display()
    );
    for args in [
        vec!["check", "--no-run", &dir],
        vec!["--lessons", &dir, "list"],
        vec!["--lessons", &dir],
    ] {
        let output = run_guarded(home.path(), &args, "list\n");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&expected), "{args:?}: {stderr}");
    }
}

#[test]
fn new_refuses_a_course_toml_that_is_a_named_pipe() {
    let dir = tempfile::tempdir().expect("temporary directory");
    mkfifo(&dir.path().join("course.toml"));
    let folder = dir.path().to_path_buf();
    let error = without_blocking("mptutor new", move || {
        add_lesson(&folder, "pipes", true).expect_err("a FIFO course.toml is refused")
    });
    let message = error.to_string();
    assert!(message.contains("course.toml"), "{message}");
    assert!(message.contains("named pipe (FIFO)"), "{message}");
    assert!(!dir.path().join("pipes.md").exists(), "nothing is written");
}

/// Where `try` keeps the student's copy of q6's first example.
fn copy_of_q6(home: &Path) -> PathBuf {
    home.join("mptutor").join("scratch").join("q6_step1.py")
}

#[test]
fn try_refuses_a_copy_replaced_by_a_named_pipe() {
    let home = tempfile::tempdir().expect("temporary directory");
    let copy = copy_of_q6(home.path());
    std::fs::create_dir_all(copy.parent().expect("scratch folder")).expect("scratch folder");
    mkfifo(&copy);
    let output = run_guarded(home.path(), &[], "open q6\ntry\ntry reset\nlist\n");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    // Messages are wrapped to the width; read them as one line each.
    let stderr = String::from_utf8_lossy(&output.stderr).replace('\n', " ");
    let refusals: Vec<&str> = stderr
        .split("mptutor: ")
        .filter(|message| message.contains(&copy.display().to_string()))
        .filter(|message| message.contains("named pipe (FIFO)"))
        .collect();
    assert_eq!(refusals.len(), 2, "both `try` and `try reset`: {stderr}");
    assert!(refusals[0].starts_with("<stdin>:2:"), "{stderr}");
    assert!(refusals[1].starts_with("<stdin>:3:"), "{stderr}");
    // The session carried on.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Create a process"), "{stdout}");
}

#[test]
fn a_course_folder_that_is_a_file_or_a_pipe_is_called_not_a_folder() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let pipe = dir.path().join("course");
    mkfifo(&pipe);
    let file = dir.path().join("course.txt");
    std::fs::write(&file, "title = \"x\"\n").expect("write");
    for path in [&pipe, &file] {
        let problems = problems_of(path);
        let shown = problem_with(&problems, &path.display().to_string()).to_string();
        assert!(shown.contains("not a folder"), "{shown}");
    }
    let missing = dir.path().join("nowhere");
    let problems = problems_of(&missing);
    let shown = problem_with(&problems, &missing.display().to_string()).to_string();
    assert!(shown.contains("no such folder"), "{shown}");
}
