//! `pace`: a paced run is recorded at full speed and replayed, so the
//! workers are never slowed and every time shown is the recorded one; and
//! `hold`, which keeps q3's zombie long enough to find it with `ps`.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::sys::termios::LocalFlags;

use crate::proc_table::{self, Mptutor};
use crate::pty::Terminal;
use crate::support;

/// `shown` with every run of whitespace one space: a sentence wrapped
/// over two lines reads as one.
fn flat(shown: &str) -> String {
    shown.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The number in `Replaying 14 events at …`.
fn replayed_events(shown: &str) -> usize {
    shown
        .split("Replaying ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("no `Replaying N events` in:\n{shown}"))
}

/// `+1.2ms` as microseconds (`µs`, `ms`, `s`).
fn tag_time_us(time: &str) -> Option<u64> {
    let number_end = time.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = time.split_at(number_end);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "µs" => 1.0,
        "ms" => 1_000.0,
        "s" => 1_000_000.0,
        _ => return None,
    };
    Some((number * scale).round() as u64)
}

/// The times in the tags of worker lines: `[ +1.2ms P1 pid 4242]`.
fn tag_times_us(shown: &str) -> Vec<u64> {
    shown
        .split("[ ")
        .skip(1)
        .filter_map(|rest| rest.trim_start().strip_prefix('+'))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter_map(tag_time_us)
        .collect()
}

#[test]
fn a_paced_demo_runs_at_full_speed_and_its_replay_takes_the_pace() {
    const PACE_MS: u64 = 200;
    let home = tempfile::tempdir().expect("temporary directory");
    let began = Instant::now();
    let output = support::run_guarded(
        home.path(),
        &["--width", "100"],
        &format!("open q6\nrun workers=4 pace={PACE_MS}\nquit\n"),
    );
    let took = began.elapsed();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(
        flat(&shown).contains("recorded at full speed in"),
        "{shown}"
    );
    let events = replayed_events(&shown);
    assert!(events > 4, "{shown}");
    let times = tag_times_us(&shown);
    assert!(!times.is_empty(), "no tagged lines in:\n{shown}");
    let recorded_span = times.iter().copied().max().unwrap_or(0);
    let paced_us = events as u64 * PACE_MS * 1_000;
    // The workers were not slowed: what they did took a small part of what
    // the replay waited (slept, so never less).
    assert!(
        recorded_span < paced_us / 4,
        "recorded over {recorded_span} µs, against {paced_us} µs of pace:\n{shown}"
    );
    let waits = Duration::from_millis((events as u64 - 1) * PACE_MS);
    assert!(
        took >= waits,
        "the replay took {took:?}, less than {waits:?}"
    );
}

#[test]
fn a_paced_python_run_is_recorded_at_full_speed_and_replayed_in_full() {
    if !support::have_python3() {
        return;
    }
    let home = tempfile::tempdir().expect("temporary directory");
    let output = support::run_guarded(
        home.path(),
        &["--width", "100"],
        "pace 1\nopen q6\npython\nquit\n",
    );
    let shown = flat(&String::from_utf8_lossy(&output.stdout));
    assert!(
        shown.contains("Running at full speed and recording"),
        "{shown}"
    );
    assert!(shown.contains("recorded at full speed in"), "{shown}");
}

#[test]
fn pace_step_shows_one_event_per_key_and_q_shows_the_rest_at_once() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q6\r");
    terminal.wait_for("mptutor q6 ");
    terminal.type_bytes(b"pace step\r");
    terminal.wait_for("mptutor q6 ");
    terminal.type_bytes(b"run workers=2\r");
    terminal.wait_for("Replaying ");
    let count = terminal.wait_for(" events");
    let events: usize = count
        .trim_end_matches(" events")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no event count in {count:?}"));
    // Nothing moves on without a key.
    let idle = terminal.wait_within("shown at once.", Duration::from_millis(500));
    assert!(
        idle.is_none(),
        "the replay ran on without a key:\n{}",
        terminal.shown()
    );
    // One Enter: a second event; then `q`: the rest at once.
    terminal.type_bytes(b"\r");
    terminal.type_bytes(b"q");
    let summary = terminal.wait_for("shown at once.");
    assert!(
        summary.contains(&format!("the last {} of {events} events", events - 2)),
        "{summary}"
    );
    terminal.wait_for("mptutor q6 ");
    // The terminal is back in the line editor's hands, and mptutor leaves
    // it with line editing and echo on.
    terminal.type_bytes(b"quit\r");
    let status = terminal.wait();
    assert_eq!(status.code(), Some(0), "{}", terminal.shown());
    let settings = terminal.settings();
    assert!(
        settings
            .local_flags
            .contains(LocalFlags::ICANON | LocalFlags::ECHO),
        "the terminal was left without line editing or echo: {:?}",
        settings.local_flags
    );
}

#[test]
fn q_ends_a_timed_replay_in_a_terminal_and_the_rest_is_shown_at_once() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q6\r");
    terminal.wait_for("mptutor q6 ");
    // Five seconds between events: without the `q`, a minute of replay.
    terminal.type_bytes(b"run workers=2 pace=5000\r");
    terminal.wait_for("Replaying ");
    terminal.type_bytes(b"q");
    terminal.wait_for("The replay was ended by `q`");
    terminal.wait_for("mptutor q6 ");
    terminal.type_bytes(b"quit\r");
    assert_eq!(terminal.wait().code(), Some(0), "{}", terminal.shown());
}

#[test]
fn pace_step_without_a_terminal_falls_back_to_a_fixed_pace_and_says_so() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = support::run_guarded(
        home.path(),
        &["--width", "100"],
        "open q3\nrun pace=step\nquit\n",
    );
    let shown = flat(&String::from_utf8_lossy(&output.stdout));
    assert!(output.status.success(), "{output:?}");
    assert!(shown.contains("at 300 ms per event"), "{shown}");
    assert!(shown.contains("standard input is not one"), "{shown}");
}

/// Reads up to the `ps -o pid,stat,cmd -p 4242` the hold shows; its pid.
fn held_pid(mptutor: &mut Mptutor) -> i32 {
    mptutor.read_until("(Ctrl-C ends the hold)");
    mptutor.read_until("ps -o pid,stat,cmd -p ");
    let pid = mptutor.read_until("\n");
    pid.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no pid after `ps`: {pid:?}\n{}", mptutor.output))
}

/// Whether `pid` is still a zombie of mptutor's (`parent`).
fn zombie_of(pid: i32, parent: i32) -> bool {
    proc_table::stat(pid).is_some_and(|stat| stat.state == 'Z' && stat.ppid == parent)
}

#[test]
fn a_held_zombie_is_in_state_z_during_the_hold_and_reaped_after_even_when_paced() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut mptutor = Mptutor::start(home.path(), &["--width", "100"]);
    // Paced: a held run is still shown as it happens.
    mptutor.send_line("pace 300");
    mptutor.send_line("open q3");
    mptutor.send_line("run join=false hold=2");
    let pid = held_pid(&mut mptutor);
    assert!(
        proc_table::stat(pid).is_some_and(|stat| stat.state == 'Z'),
        "pid {pid} is not a zombie during the hold: {:?}",
        proc_table::stat(pid)
    );
    mptutor.read_until("the hold is over after");
    let after = mptutor.read_until("the zombie has been reaped");
    assert!(after.contains(&format!("/proc/{pid} is gone")), "{after}");
    assert!(
        !zombie_of(pid, mptutor.pid()),
        "pid {pid} is still a zombie"
    );
    mptutor.send_line("quit");
    assert_eq!(mptutor.wait(), Some(0), "{}", mptutor.output);
}

#[test]
fn ctrl_c_ends_a_hold_early_and_the_zombie_is_still_reaped() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut mptutor = Mptutor::start(home.path(), &["--width", "100"]);
    mptutor.send_line("open q3");
    mptutor.send_line("run join=false hold=120");
    let pid = held_pid(&mut mptutor);
    mptutor.signal(Signal::SIGINT);
    mptutor.read_until("Ctrl-C ended the hold after");
    mptutor.read_until("the zombie has been reaped");
    assert!(
        !zombie_of(pid, mptutor.pid()),
        "pid {pid} is still a zombie"
    );
    mptutor.send_line("quit");
    assert_eq!(mptutor.wait(), Some(0), "{}", mptutor.output);
}

#[test]
fn sigterm_or_sighup_during_a_hold_reaps_the_zombie_before_mptutor_ends() {
    for signal in [Signal::SIGTERM, Signal::SIGHUP] {
        let home = tempfile::tempdir().expect("temporary directory");
        let mut mptutor = Mptutor::start(home.path(), &["--width", "100"]);
        mptutor.send_line("open q3");
        mptutor.send_line("run join=false hold=120");
        held_pid(&mut mptutor);
        mptutor.signal(signal);
        mptutor.read_until(&format!("{} ended the hold after", signal.as_str()));
        mptutor.read_until("the zombie has been reaped");
        assert_eq!(mptutor.wait(), None, "{signal} did not end mptutor");
    }
}

#[test]
fn hold_without_join_false_is_refused_saying_what_to_type() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = support::run_guarded(
        home.path(),
        &["--width", "100"],
        "open q3\nrun hold=5\nquit\n",
    );
    let shown = flat(&String::from_utf8_lossy(&output.stdout));
    assert!(shown.contains("join=false hold=N"), "{shown}");
}
