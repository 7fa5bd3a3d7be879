//! `python`, `try` and `mptutor check` running lesson examples on the real
//! `python3`: lines tagged with the pid that printed them, checks that
//! accept any correct order, and nothing left running after a timeout.
//! Tests that need `python3` say so and pass when it is missing.

use std::process::{Output, Stdio};

use crate::proc_table::{self, Mptutor, PATIENCE, eventually};
use crate::support::have_python3;
use crate::support::{TempCourse, mptutor};

/// A course with one lesson whose step holds `python` and `check`.
fn course_with_example(python: &str, check: &str) -> TempCourse {
    let lesson = format!(
        "+++\nid = \"ex\"\ntitle = \"Example\"\n+++\n\n## The example\n\nProse.\n\n\
         ```python\n{python}```\n\n```check\n{check}```\n"
    );
    TempCourse::new(&[("ex.md", &lesson)])
}

fn run(home: &std::path::Path, args: &[&str], stdin: &str) -> Output {
    crate::support::run_with_input(home, args, stdin)
}

#[test]
fn each_line_is_tagged_with_the_pid_that_printed_it_and_the_check_passes() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run(home.path(), &["--width", "100"], "open q6\npython\n");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}\n{:?}", output.stderr);
    // `[ +12ms P3 pid 4242] Process-2 (pid 4242) says 20`: the tag's pid is
    // the pid the child printed, for every one of the four.
    let mut pids = Vec::new();
    for line in text.lines().filter_map(|line| {
        // The live column: the code beside it may say `says` too. The
        // tag's time is padded to a width: `[ +262µs`, `[  +90ms`.
        let tag = line
            .match_indices('[')
            .map(|(at, _)| at)
            .find(|&at| line[at + 1..].trim_start().starts_with('+'))?;
        line[tag..].contains(") says ").then(|| &line[tag..])
    }) {
        let tagged = line
            .split("pid ")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .unwrap_or_default();
        let printed = line
            .split("(pid ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_default();
        assert_eq!(tagged, printed, "{line}");
        pids.push(printed.to_string());
    }
    pids.sort();
    pids.dedup();
    assert_eq!(pids.len(), 4, "four children, four pids:\n{text}");
    assert!(!text.contains('\u{2}'), "the tags are stripped:\n{text}");
    assert!(text.contains("Check passed"), "{text}");
}

#[test]
fn a_failed_check_says_what_is_wrong_and_fails_the_script_line() {
    if !have_python3() {
        return;
    }
    let course = course_with_example(
        "for n in (10, 20, 20):\n    print(f\"says {n}\")\n",
        "each_once = ['says 10', 'says 20', 'says 30']\n",
    );
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run(home.path(), &["--lessons", &dir], "open ex\npython\n");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    // The step by its number and title; each line as one that would pass.
    assert!(
        text.contains("Check failed (ex step 1, \"The example\")"),
        "{text}"
    );
    assert!(
        text.contains("expected a line like `says 20` once; 2 such lines were printed"),
        "{text}"
    );
    assert!(
        text.contains("expected a line like `says 30` once; no such line was printed"),
        "{text}"
    );
    assert!(
        !text.contains("ex.md"),
        "a student reads no file path: {text}"
    );
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        errors.contains("<stdin>:2: the program's output failed 1 check"),
        "{errors}"
    );
}

#[test]
fn an_example_that_never_ends_is_killed_at_its_timeout_with_its_whole_group() {
    if !have_python3() {
        return;
    }
    let course = course_with_example(
        "import os, time\nfrom multiprocessing import Process\n\n\
         def spin():\n    print(f\"child {os.getpid()} spinning\", flush=True)\n    while True:\n        time.sleep(0.01)\n\n\
         if __name__ == \"__main__\":\n    Process(target=spin).start()\n    while True:\n        time.sleep(0.01)\n",
        "exit_code = 0\n",
    );
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let mut tutor = Mptutor::start(home.path(), &["--lessons", &dir, "--width", "100"]);
    tutor.send_line("open ex");
    tutor.send_line("python timeout=2");
    let shown = tutor.read_until("Stopped at the timeout");
    let pids = proc_table::tagged_pids(&shown);
    assert_eq!(pids.len(), 2, "the interpreter and its child:\n{shown}");
    let mut left = Vec::new();
    let gone = eventually(PATIENCE, || {
        left = proc_table::leftovers(tutor.pid(), &pids);
        left.is_empty()
    });
    assert!(gone, "left behind: {left:?}\n{shown}");
    tutor.send_line("quit");
    assert_eq!(tutor.wait(), Some(1), "the timed-out run fails its check");
}

#[test]
fn without_python3_the_student_is_told_how_to_get_it() {
    let home = tempfile::tempdir().expect("temporary directory");
    let empty = tempfile::tempdir().expect("an empty PATH");
    let output = mptutor(home.path())
        .env("PATH", empty.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut input) = child.stdin.take() {
                input.write_all(b"open q6\npython\n")?;
            }
            child.wait_with_output()
        })
        .expect("run mptutor");
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(errors.contains("python3 is not installed"), "{errors}");
    assert!(errors.contains("sudo apt install python3"), "{errors}");
    assert!(errors.contains("python.org"), "{errors}");
}

#[test]
fn try_without_an_editor_gives_a_copy_then_runs_the_edited_copy() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let mut tutor = Mptutor::start(home.path(), &["--width", "100"]);
    tutor.send_line("open q6");
    tutor.send_line("try");
    let shown = tutor.read_until("lesson's example.)");
    let copy = home
        .path()
        .join("mptutor")
        .join("scratch")
        .join("q6_step1.py");
    assert!(shown.contains(&copy.display().to_string()), "{shown}");
    let original = std::fs::read_to_string(&copy).expect("the copy");
    std::fs::write(&copy, original.replace("(10, 20, 30, 40)", "(10, 20, 30)"))
        .expect("edit the copy");
    tutor.send_line("try");
    let shown = tutor.read_until("Check failed");
    assert!(shown.contains("says 30"), "{shown}");
    let verdict = tutor.read_until("expected 5 lines in all; 4 were printed");
    assert!(verdict.contains("says 40"), "{verdict}");
    tutor.send_line("quit");
}

#[test]
fn check_runs_the_examples_and_reports_a_failed_check_at_its_block() {
    if !have_python3() {
        return;
    }
    let course = course_with_example("print('hello')\n", "each_once = ['goodbye']\n");
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run(home.path(), &["check", &dir], "");
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    // The check block opens on line 14 of ex.md; the example on line 10.
    let expected = format!(
        "{}:14:1: the example at line 10 fails this check: no line matches `goodbye`",
        course.shown("ex.md")
    );
    assert!(errors.contains(&expected), "{errors}");
    assert!(errors.contains("1 of 1 Python examples fail"), "{errors}");

    let skipped = run(home.path(), &["check", "--no-run", &dir], "");
    assert!(skipped.status.success(), "--no-run only loads the course");
}

#[test]
fn new_scaffolds_a_lesson_that_passes_check() {
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = home.path().join("course");
    let shown = dir.display().to_string();
    let output = run(home.path(), &["new", "pipes", "--lessons", &shown], "");
    assert!(output.status.success(), "{output:?}");
    let output = run(home.path(), &["new", "queues", "--lessons", &shown], "");
    assert!(output.status.success(), "{output:?}");
    let index = std::fs::read_to_string(dir.join("course.toml")).expect("course.toml");
    assert!(
        index.contains("lessons = [\"pipes.md\", \"queues.md\"]"),
        "{index}"
    );
    let again = run(home.path(), &["new", "pipes", "--lessons", &shown], "");
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing lesson is not overwritten"
    );

    let args: &[&str] = if have_python3() {
        &["check", &shown]
    } else {
        &["check", "--no-run", &shown]
    };
    let checked = run(home.path(), args, "");
    let text = String::from_utf8_lossy(&checked.stdout);
    assert!(checked.status.success(), "{text}{:?}", checked.stderr);
    assert!(text.contains("2 lessons"), "{text}");
}

#[test]
fn instructor_mode_saves_nothing_and_records_a_plain_transcript() {
    let home = tempfile::tempdir().expect("temporary directory");
    let transcript = home.path().join("class.txt");
    // The course's last step: `next` there says the course is done.
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let last = course.lessons.last().expect("a lesson");
    let steps = last.steps.len();
    // The projected screen shows no notes until `show notes` asks.
    let script = format!(
        "record {}\ngoto {} {steps}\nshow notes\nnext\nrecord off\nshow\n",
        transcript.display(),
        last.id
    );
    let at_last = format!("step {steps}/{steps}");
    let output = run(
        home.path(),
        &["--instructor", "--color", "always", "--width", "100"],
        &script,
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains('\x1b'), "the screen is in colour");
    assert_eq!(
        text.matches("Instructor notes").count(),
        1,
        "notes are shown once, for `show notes`:\n{text}"
    );
    let recorded = std::fs::read_to_string(&transcript).expect("the transcript");
    assert!(!recorded.contains('\x1b'), "no escape codes:\n{recorded}");
    assert!(recorded.contains(&at_last), "{recorded}");
    assert!(recorded.contains("Instructor notes"), "{recorded}");
    assert!(recorded.contains("last step of the course"), "{recorded}");
    // `show` after `record off` is on the screen, not in the transcript.
    assert_eq!(text.matches(&at_last).count(), 3, "{text}");
    assert_eq!(recorded.matches(&at_last).count(), 2, "{recorded}");
    let saved = home.path().join("mptutor").join("progress.toml");
    assert!(!saved.exists(), "instructor mode saves no progress");
}

#[test]
fn python_one_shot_prints_events_then_the_checked_run_and_a_claim_it_cannot_read() {
    use mptutor::findings::{Unclear, Verdict};
    use mptutor::json::{Message, read_line};
    if !have_python3() {
        return;
    }
    // The example prints its one-worker time but never a parallel one, so
    // the speed claim cannot be judged, whatever the machine does.
    let check = "each_once = ['1 worker: 0.50 s']\n\n[speedup]\n\
                 one_worker = '1 worker: (\\d+\\.\\d+) s'\n\
                 parallel = '2 workers: (\\d+\\.\\d+) s'\nworkers = 2\nat_least = 1.5\n";
    let course = course_with_example("print('1 worker: 0.50 s')\n", check);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run(
        home.path(),
        &["--lessons", &dir, "python", "ex", "--json"],
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{:?}", output.stderr);
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
    let Some(Message::Python(run)) = messages.last() else {
        panic!("ends with the checked run: {stdout}");
    };
    assert_eq!(run.outcome.stdout, ["1 worker: 0.50 s"]);
    let speed = run.checks[0].speed.as_ref().expect("a judged claim");
    assert!(run.checks[0].verdict.passed(), "{run:?}");
    assert!(
        matches!(
            speed.verdict(),
            Some(Verdict::CouldntTell(Unclear::NotMeasured { why }))
                if why.contains("no line of the output matches `2 workers:")
        ),
        "{speed:?}"
    );

    // Live, the same claim is said after the check, marked `?`.
    let live = run_live(home.path(), &dir, &["python", "ex"]);
    assert!(live.status.success(), "{live:?}");
    let text = String::from_utf8_lossy(&live.stdout);
    assert!(text.contains("✓ Check passed"), "{text}");
    assert!(
        text.contains("? Couldn't tell whether 2 processes are at least 1.5× as fast as 1"),
        "{text}"
    );
}

fn run_live(home: &std::path::Path, dir: &str, args: &[&str]) -> Output {
    let mut all = vec!["--width", "100", "--lessons", dir];
    all.extend_from_slice(args);
    run(home, &all, "")
}

#[test]
fn python_one_shot_fails_on_a_failed_check_and_a_step_out_of_range() {
    if !have_python3() {
        return;
    }
    let course = course_with_example("print('hello')\n", "each_once = ['goodbye']\n");
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let failed = run_live(home.path(), &dir, &["python", "ex"]);
    assert_eq!(failed.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&failed.stderr);
    assert!(
        errors.contains("the example's run failed 1 check block"),
        "{errors}"
    );
    let beyond = run_live(home.path(), &dir, &["python", "ex", "--step", "9"]);
    assert_eq!(beyond.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&beyond.stderr).contains("lesson ex has steps 1 to 1, not 9"),
        "{beyond:?}"
    );
}

#[test]
fn a_program_that_captures_a_nested_interpreters_output_gets_it_as_written() {
    if !have_python3() {
        return;
    }
    // The nested interpreter writes to pipes of the program's own: what
    // the program reads there is what was written, with no tags of
    // mptutor's in it, on stdout as on stderr.
    let course = course_with_example(
        "import subprocess, sys\n\
         nested = subprocess.run(\n\
         \x20   [sys.executable, '-c', \"import sys; print('out'); print('err', file=sys.stderr)\"],\n\
         \x20   capture_output=True, text=True)\n\
         print('captured', repr(nested.stdout), repr(nested.stderr))\n",
        "each_once = [\"captured 'out\\\\\\\\n' 'err\\\\\\\\n'\"]\n",
    );
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run(home.path(), &["--lessons", &dir, "python", "ex"], "");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("captured 'out\\n' 'err\\n'"), "{text}");
}

/// `mptutor python ex --json` on a course whose example is `program`,
/// checked by `check`: the checked run it ends with.
fn checked_json_run(program: &str, check: &str) -> mptutor::python::CheckedRun {
    use mptutor::json::{Message, read_line};
    let course = course_with_example(program, check);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run(
        home.path(),
        &["--lessons", &dir, "python", "ex", "--json"],
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{:?}", output.stderr);
    let Some(Ok(Message::Python(run))) = stdout.lines().last().map(read_line::<Message>) else {
        panic!("ends with the checked run: {stdout}");
    };
    run
}

#[test]
fn the_cpu_time_of_a_fork_servers_workers_counts_in_the_runs() {
    if !have_python3() {
        return;
    }
    // The worker is the fork server's child, not the interpreter's: the
    // interpreter's own account never holds its CPU time, the run's must
    // (or a speed claim would read the workers as idle).
    let program = "import multiprocessing as mp\nimport time\n\n\n\
                   def burn():\n    while time.process_time() < 0.4:\n        pass\n\n\n\
                   if __name__ == '__main__':\n    ctx = mp.get_context('forkserver')\n    \
                   p = ctx.Process(target=burn)\n    p.start()\n    p.join()\n    \
                   print('joined', p.exitcode)\n";
    let run = checked_json_run(program, "each_once = ['joined 0']\n");
    assert!(
        run.outcome.cpu_us >= 400_000,
        "the run's CPU time leaves out the worker's 0.4 s: {} µs",
        run.outcome.cpu_us
    );
}

#[test]
fn the_xray_gives_the_interpreter_its_own_cpu_time_not_its_workers() {
    use mptutor::xray::wire::Role;
    if !have_python3() {
        return;
    }
    // Two pool workers burn 0.3 s each while the interpreter waits: the
    // kernel's account of the interpreter holds all of it, the X-ray's
    // row for the interpreter must not.
    let program = "import multiprocessing as mp\nimport time\n\n\n\
                   def burn(_):\n    start = time.process_time()\n    \
                   while time.process_time() - start < 0.3:\n        pass\n\n\n\
                   if __name__ == '__main__':\n    \
                   with mp.get_context('fork').Pool(2) as pool:\n        \
                   pool.map(burn, range(2), chunksize=1)\n    print('done')\n";
    let run = checked_json_run(program, "each_once = ['done']\n");
    let processes = &run.outcome.xray.processes;
    let main = processes.iter().find(|process| process.role == Role::Main);
    let workers: u64 = processes
        .iter()
        .filter(|process| process.role == Role::PoolWorker)
        .map(|process| process.cpu_us)
        .sum();
    assert!(run.outcome.cpu_us >= 600_000, "{:?}", run.outcome);
    assert!(workers >= 400_000, "{processes:?}");
    assert!(
        main.is_some_and(|main| main.cpu_us < 300_000),
        "the interpreter is given its workers' CPU time: {processes:?}"
    );
}
