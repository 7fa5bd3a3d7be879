//! SIGTERM, SIGHUP and SIGQUIT end mptutor as they would any program, but
//! leave the terminal as mptutor found it: not in the line editor's raw
//! mode, with bracketed paste off; and a demo running meanwhile leaves no
//! worker behind.

use std::os::unix::process::ExitStatusExt;

use nix::sys::signal::Signal;
use nix::sys::termios::{InputFlags, LocalFlags, Termios};

use crate::proc_table::{self, PATIENCE, eventually};
use crate::pty::Terminal;

/// The settings a shell needs after mptutor: what `stty sane` sets and
/// the line editor's raw mode clears.
const COOKED_LOCAL: LocalFlags = LocalFlags::ICANON
    .union(LocalFlags::ECHO)
    .union(LocalFlags::ISIG)
    .union(LocalFlags::IEXTEN);
const COOKED_INPUT: InputFlags = InputFlags::ICRNL.union(InputFlags::IXON);

/// Asserts that `after` is `before` in every flag and special character.
fn assert_same_settings(before: &Termios, after: &Termios, when: &str) {
    assert_eq!(after.local_flags, before.local_flags, "{when}: local flags");
    assert_eq!(after.input_flags, before.input_flags, "{when}: input flags");
    assert_eq!(
        after.output_flags, before.output_flags,
        "{when}: output flags"
    );
    assert_eq!(
        after.control_flags, before.control_flags,
        "{when}: control flags"
    );
    assert_eq!(
        after.control_chars, before.control_chars,
        "{when}: special characters"
    );
}

/// The last bracketed-paste switch in `shown` turned it off (or it was
/// never turned on).
fn bracketed_paste_left_off(shown: &str) -> bool {
    shown.rfind("\x1b[?2004h") < shown.rfind("\x1b[?2004l") || !shown.contains("\x1b[?2004h")
}

fn assert_signal_at_the_prompt_restores_the_terminal(signal: Signal) {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    let before = terminal.settings();
    assert!(
        before.local_flags.contains(COOKED_LOCAL) && before.input_flags.contains(COOKED_INPUT),
        "a new pseudo-terminal starts cooked: {before:?}"
    );
    terminal.wait_for("mptutor> ");
    // Proof that the test sees what mptutor does to the terminal: at the
    // prompt the line editor has it raw.
    let at_prompt = terminal.settings();
    assert!(
        !at_prompt
            .local_flags
            .intersects(LocalFlags::ICANON | LocalFlags::ECHO),
        "{signal}: the prompt is not in raw mode: {at_prompt:?}"
    );

    terminal.signal(signal);
    let status = terminal.wait();
    assert_eq!(
        status.signal(),
        Some(signal as i32),
        "{signal}: mptutor's exit status does not name the signal: {status:?}"
    );
    assert_same_settings(&before, &terminal.settings(), &format!("after {signal}"));
    assert!(
        bracketed_paste_left_off(&terminal.shown()),
        "{signal}: bracketed paste left on; the terminal showed:\n{:?}",
        terminal.shown()
    );
}

#[test]
fn sigterm_at_the_prompt_leaves_the_terminal_as_it_was() {
    assert_signal_at_the_prompt_restores_the_terminal(Signal::SIGTERM);
}

#[test]
fn sighup_at_the_prompt_leaves_the_terminal_as_it_was() {
    assert_signal_at_the_prompt_restores_the_terminal(Signal::SIGHUP);
}

#[test]
fn sigquit_at_the_prompt_leaves_the_terminal_as_it_was() {
    assert_signal_at_the_prompt_restores_the_terminal(Signal::SIGQUIT);
}

#[test]
fn quit_and_ctrl_d_leave_the_terminal_as_it_was() {
    for leave in [&b"quit\r"[..], b"\x04"] {
        let home = tempfile::tempdir().expect("temporary directory");
        let mut terminal = Terminal::start(home.path(), &[]);
        let before = terminal.settings();
        terminal.wait_for("mptutor> ");
        terminal.type_bytes(leave);
        let status = terminal.wait();
        assert_eq!(status.code(), Some(0), "{leave:?}: {}", terminal.shown());
        assert_same_settings(&before, &terminal.settings(), &format!("after {leave:?}"));
        assert!(bracketed_paste_left_off(&terminal.shown()), "{leave:?}");
    }
}

/// Ends mptutor with `signal` while a long demo started by `start` runs,
/// and checks that every worker died with it and the terminal is as
/// mptutor found it.
fn assert_signal_during_a_demo_leaves_nothing(signal: Signal, start: &str) {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    let before = terminal.settings();
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q4\r");
    terminal.wait_for("mptutor q4 ");
    terminal.type_bytes(format!("run pause=1000 tasks=40 start={start}\r").as_bytes());
    let shown = terminal.wait_for(") takes task ");
    let workers = proc_table::tagged_pids(&shown);
    assert!(!workers.is_empty(), "no worker pids in:\n{shown}");

    terminal.signal(signal);
    let status = terminal.wait();
    assert_eq!(status.signal(), Some(signal as i32), "{signal}: {status:?}");
    // A worker killed with mptutor is gone once init reaps it; until then
    // it is a zombie, which is dead too.
    let all_dead = eventually(PATIENCE, || {
        proc_table::all().iter().all(|process| {
            !(workers.contains(&process.pid) || workers.contains(&process.pgrp))
                || process.state == 'Z'
        })
    });
    assert!(
        all_dead,
        "{signal} during a {start} demo left workers running"
    );
    assert_same_settings(
        &before,
        &terminal.settings(),
        &format!("after {signal} during a demo"),
    );
}

#[test]
fn sigterm_during_a_demo_leaves_no_worker_and_the_terminal_as_it_was() {
    assert_signal_during_a_demo_leaves_nothing(Signal::SIGTERM, "fork");
}

#[test]
fn sighup_during_a_demo_leaves_no_worker_and_the_terminal_as_it_was() {
    assert_signal_during_a_demo_leaves_nothing(Signal::SIGHUP, "spawn");
}
