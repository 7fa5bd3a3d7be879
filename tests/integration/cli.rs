//! The one-shot commands and the script mode, run as a user runs them.

use std::process::{Output, Stdio};

use crate::support::{TempCourse, lesson, mptutor};

/// Runs mptutor with `args`, feeding `stdin`; stdout is a pipe, not a terminal.
fn run(args: &[&str], stdin: &str) -> Output {
    let home = tempfile::tempdir().expect("temporary directory");
    crate::support::run_with_input(home.path(), args, stdin)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn list_shows_every_lesson_without_escape_codes_when_piped() {
    let output = run(&["list"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for id in ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
    assert!(!text.contains('\x1b'), "escape codes in piped output");
}

#[test]
fn show_prints_one_step_and_respects_the_width() {
    let output = run(&["show", "q3", "--step", "2", "--width", "80"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("q3"), "{text}");
    assert!(text.contains("2/"), "step number missing:\n{text}");
    for line in text.lines() {
        assert!(
            console::measure_text_width(line) <= 80,
            "line too wide: {line:?}"
        );
    }
}

#[test]
fn measure_keeps_prose_to_n_characters_on_a_wide_terminal_and_refuses_below_40() {
    let output = run(&["--width", "250", "--measure", "60", "show", "q1"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let shown = stdout(&output);
    // Prose lines: not a table's, not a code panel's.
    let prose = shown
        .lines()
        .filter(|line| !line.contains('│') && !line.contains('┆') && !line.contains('─'));
    for line in prose {
        assert!(
            console::measure_text_width(line) <= 60,
            "{} wide: {line:?}",
            console::measure_text_width(line)
        );
    }
    assert!(
        shown
            .lines()
            .any(|line| console::measure_text_width(line) > 50)
    );

    let refused = run(&["--measure", "30", "list"], "");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--measure"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn show_of_an_unknown_lesson_suggests_one_and_fails() {
    let output = run(&["show", "q33"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no lesson `q33`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn colour_always_styles_the_output_and_never_does_not() {
    let coloured = stdout(&run(
        &["--color", "always", "show", "q1", "--step", "1"],
        "",
    ));
    assert!(coloured.contains('\x1b'));
    let plain = stdout(&run(&["--color", "never", "show", "q1", "--step", "1"], ""));
    assert!(!plain.contains('\x1b'));
}

#[test]
fn check_passes_the_built_in_course() {
    // Loading only: running every example judges q1's speed claim, which
    // belongs with the speed tests (tests/speed/python_claim.rs).
    let output = run(&["check", "--no-run"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("no problems found"));
}

#[test]
fn check_reports_problems_with_positions_and_exits_1() {
    let course = TempCourse::new(&[("a.md", "## no front matter\n"), ("b.md", &lesson("b"))]);
    let dir = course.path().display().to_string();
    let output = run(&["check", &dir], "");
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains(&format!(
            "{}:1:1: missing front matter",
            course.shown("a.md")
        )),
        "{text}"
    );
    assert!(text.contains("1 problem found"), "{text}");
}

#[test]
fn lessons_flag_loads_another_course() {
    let course = TempCourse::new(&[("a.md", &lesson("intro"))]);
    let dir = course.path().display().to_string();
    let output = run(&["--lessons", &dir, "list"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("intro"));
    assert!(!stdout(&output).contains("q1"));
}

#[test]
fn run_refuses_a_parameter_out_of_range_and_names_the_range() {
    let output = run(&["run", "q6", "workers=100"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("`workers` must be a whole number from 1 to 64, not 100"));
    assert!(stdout(&output).is_empty(), "nothing ran");
}

#[test]
fn run_shows_real_processes_printing_each_number_once() {
    let output = run(&["run", "q6", "repeat=2", "--width", "100"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for number in [10, 20, 30, 40] {
        let printed = text.matches(&format!(") prints {number}")).count();
        assert_eq!(
            printed, 2,
            "{number} printed {printed} times in 2 runs:\n{text}"
        );
    }
    assert!(
        text.contains("Every number appeared exactly once in every one of the 2 runs"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "escape codes in piped output");
}

#[test]
fn a_script_runs_a_demo_in_the_repl() {
    let output = run(&[], "open q3\nrun\nquit\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("child: my pid is"), "{text}");
    assert!(text.contains("the main process is finished"), "{text}");
}

#[test]
fn a_piped_script_runs_commands_without_prompts_or_escapes() {
    let output = run(&[], "open q3\nnext\nquit\nlist\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("1/"), "first step missing:\n{text}");
    assert!(text.contains("2/"), "second step missing:\n{text}");
    assert!(
        !text.contains("mptutor q3"),
        "a prompt was printed:\n{text}"
    );
    assert!(!text.contains('\x1b'));
    // `quit` ends the script: `list` after it does not run.
    assert!(!text.contains("q6"), "commands after quit ran:\n{text}");
}

#[test]
fn a_script_reports_bad_lines_with_their_number_and_fails() {
    let output = run(&[], "open q1\nnxet\nnext\n");
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.contains("<stdin>:2: Unknown command `nxet`. Did you mean `next`?"),
        "{errors}"
    );
    assert!(stdout(&output).contains("2/"), "later lines still run");
}

#[test]
fn a_script_can_take_a_quiz() {
    // q1's first answer is 2: `1` is wrong, `b` right on the second try.
    let output = run(&[], "open q1\nquiz all\n1\nb\nstop\n");
    let text = stdout(&output);
    assert!(text.contains("Question 1 of"), "{text}");
    assert!(text.contains("Try once"), "{text}");
    assert!(text.contains("Question 2 of"), "{text}");
    assert!(text.contains("Quiz stopped"), "{text}");
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut child = mptutor(home.path())
        .args(["show", "q2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("wait for mptutor");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn completions_for_bash_name_the_subcommands() {
    let output = run(&["completions", "bash"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let script = stdout(&output);
    assert!(!script.trim().is_empty());
    for command in ["show", "run", "python", "trace", "check", "man"] {
        assert!(script.contains(command), "no `{command}` in:\n{script}");
    }
}

#[test]
fn completions_refuse_an_unknown_shell_naming_the_choices() {
    let output = run(&["completions", "tcsh"], "");
    assert_eq!(output.status.code(), Some(2));
    let said = stderr(&output);
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(said.contains(shell), "{said}");
    }
}

#[test]
fn man_prints_a_roff_page() {
    let output = run(&["man"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(page.starts_with(".TH"), "{page}");
    assert!(page.contains("completions"), "{page}");
}

#[test]
fn show_prints_no_repl_only_footers() {
    for args in [
        &["show", "q3", "--step", "1"][..],
        &["show", "q3", "--step", "2"],
        &["show", "q3"],
    ] {
        let output = run(args, "");
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        for repl_only in ["next: Enter", "type quiz", "type run", "Type exercise"] {
            assert!(
                !text.contains(repl_only),
                "{args:?}: {repl_only} in:\n{text}"
            );
        }
    }
}

#[test]
fn clicolor_force_colours_piped_output_and_no_color_wins() {
    let home = tempfile::tempdir().expect("temporary directory");
    let with = |vars: &[(&str, &str)]| {
        let mut command = crate::support::mptutor(home.path());
        for (name, value) in vars {
            command.env(name, value);
        }
        stdout(&crate::support::run_with_command(
            command,
            &["show", "q1", "--step", "1"],
            "",
        ))
    };
    assert!(with(&[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!with(&[("CLICOLOR_FORCE", "0")]).contains('\x1b'));
    assert!(!with(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
    assert!(!with(&[]).contains('\x1b'));
}

#[test]
fn demo_labels_restart_with_each_run_so_p1_is_process_1() {
    let output = run(&["run", "q6", "--json", "repeat=2"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let mut started = Vec::new();
    for line in stdout(&output).lines() {
        let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        if event["event"] == "started" {
            let label = event["label"].as_str().unwrap_or_default().to_string();
            let name = event["name"].as_str().unwrap_or_default().to_string();
            started.push((label, name));
        }
    }
    assert_eq!(started.len(), 8, "{started:?}");
    for (label, name) in &started {
        let number = label.strip_prefix('P').unwrap_or("?");
        assert_eq!(name, &format!("Process-{number}"), "{started:?}");
    }
    assert_eq!(
        started[4].0, "P1",
        "the second run starts from P1: {started:?}"
    );
}
