//! The X-ray drawn live in a terminal while a Python run goes on: lesson
//! q6's four children one after another, then four at once, as lanes
//! that appear while the children run, and the live picture gone once
//! the closing one is printed.

use regex::Regex;

use crate::pty::Terminal;
use crate::support::have_python3;

/// The live panel's lane of `Process-N`, and whether it is still running.
fn lane(n: usize) -> Regex {
    Regex::new(&format!(
        r"Process-{n} \d+ process fork +│[^│\n]*│( running)?"
    ))
    .expect("a lane pattern")
}

/// The pictures the panel drew in `shown`, each from its headline on.
fn frames(shown: &str) -> Vec<&str> {
    shown.split("X-ray, live:").skip(1).collect()
}

#[test]
fn q6_lanes_appear_one_after_another_then_four_at_once_while_the_run_goes_on() {
    if !have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q6\r");
    terminal.wait_for("mptutor q6 1/");
    terminal.type_bytes(b"next\r");
    terminal.wait_for("mptutor q6 2/");
    terminal.type_bytes(b"python\r");

    // The program prints its first line once its four children have run
    // one at a time (half a second each): by then the panel has drawn
    // each of them, running and then ended, one after another.
    let sequential = terminal.wait_for("] start, join, start, join...");
    let frames_before = frames(&sequential);
    assert!(
        !frames_before.is_empty(),
        "no live X-ray before the program's first line:\n{sequential}"
    );
    for n in 1..=4 {
        let running_alone = frames_before.iter().any(|frame| {
            lane(n)
                .captures_iter(frame)
                .any(|lane| lane.get(1).is_some())
                && (1..=4).filter(|&other| other != n).all(|other| {
                    lane(other)
                        .captures_iter(frame)
                        .all(|lane| lane.get(1).is_none())
                })
        });
        assert!(
            running_alone,
            "Process-{n} was never drawn running on its own:\n{sequential}"
        );
    }

    // Then four start together: one picture shows all four running.
    let together = terminal.wait_for("] start all, then join all");
    let all_running = frames(&together).iter().any(|frame| {
        (5..=8).all(|n| {
            lane(n)
                .captures_iter(frame)
                .any(|lane| lane.get(1).is_some())
        })
    });
    assert!(
        all_running,
        "no live picture showed Process-5 to Process-8 running at once:\n{together}"
    );

    // The closing picture replaces the live one.
    let closing = terminal.wait_for("What the X-ray shows");
    let after_exit = closing
        .split("exited with code 0 after")
        .nth(1)
        .expect("the run's end is said");
    assert!(after_exit.contains("X-ray: 9 processes"), "{closing}");
    assert!(!after_exit.contains("X-ray, live:"), "{closing}");
}
