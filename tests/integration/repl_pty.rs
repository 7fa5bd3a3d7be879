//! The REPL driven in a real pseudo-terminal, the way a student types.

use rexpect::session::PtySession;

use crate::support::mptutor;

const TIMEOUT_MS: u64 = 10_000;

/// Types `keys` without a newline, as keystrokes reach the REPL at once.
fn press(repl: &mut PtySession, keys: &str) {
    repl.send(keys).expect("send keys");
    repl.flush().expect("flush keys");
}

fn start(home: &std::path::Path) -> PtySession {
    let mut command = mptutor(home);
    command.args(["--width", "100"]);
    rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).expect("start mptutor in a pty")
}

#[test]
fn student_lists_completes_steps_and_leaves_with_ctrl_d() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = start(home.path());
    repl.exp_string("mptutor> ").expect("first prompt");

    repl.send_line("list").expect("type list");
    repl.exp_string("q6").expect("list shows the lessons");
    repl.exp_string("mptutor> ").expect("prompt after list");

    // Tab completes `ope` to `open `, then lists the lessons starting with q;
    // the line `open q3` only opens q3 if both completions happened.
    press(&mut repl, "ope\t");
    press(&mut repl, "q\t\t");
    repl.exp_regex(r"q1\s+q2\s+q3\s+q4\s+q5\s+q6")
        .expect("Tab lists the lessons");
    press(&mut repl, "3\r");
    repl.exp_string("mptutor q3 1/")
        .expect("q3 opened at step 1");

    // Enter alone moves to the next step.
    press(&mut repl, "\r");
    repl.exp_string("mptutor q3 2/")
        .expect("Enter advanced to step 2");

    // Ctrl-C clears the line and keeps the REPL alive.
    press(&mut repl, "half-typed");
    repl.send_control('c').expect("Ctrl-C");
    repl.exp_string("Ctrl-C clears the line")
        .expect("Ctrl-C explained");
    repl.exp_string("mptutor q3 2/").expect("still at step 2");

    repl.send_control('d').expect("Ctrl-D");
    repl.exp_eof().expect("Ctrl-D leaves mptutor");

    let history = std::fs::read_to_string(home.path().join("mptutor").join("history.txt"))
        .expect("history saved in the data directory");
    assert!(history.contains("list"), "{history}");
}

#[test]
fn unknown_command_gets_a_suggestion() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = start(home.path());
    repl.exp_string("mptutor> ").expect("first prompt");
    repl.send_line("lsit").expect("type a typo");
    repl.exp_regex(r"Did you mean \S*list").expect("suggestion");
    repl.send_line("quit").expect("quit");
    repl.exp_eof().expect("quit leaves mptutor");
}

#[test]
fn clear_and_ctrl_l_clear_the_screen_and_draw_the_prompt_again() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = start(home.path());
    repl.exp_string("mptutor> ").expect("first prompt");
    repl.send_line("open q6").expect("open q6");
    repl.exp_string("mptutor q6 1/").expect("q6 opened");
    repl.send_line("clear").expect("clear");
    repl.exp_string("\x1b[H\x1b[2J")
        .expect("clear sends home and erase");
    repl.exp_string("mptutor q6 1/")
        .expect("the prompt, drawn again");
    // The line editor's own Ctrl-L: home, then erase.
    repl.send_control('l').expect("Ctrl-L");
    repl.exp_regex("\x1b\\[H\x1b\\[2?J")
        .expect("Ctrl-L clears the screen");
    repl.exp_string("mptutor q6 1/")
        .expect("the prompt after Ctrl-L");
    repl.send_line("quit").expect("quit");
    repl.exp_eof().expect("quit leaves mptutor");
}
