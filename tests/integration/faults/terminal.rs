//! The promises that need a terminal, in a real pseudo-terminal: Ctrl-C
//! stops a demo at once and leaves the REPL alive, and no demo changes the
//! terminal's settings.

use std::time::{Duration, Instant};

use nix::sys::termios::{Termios, tcgetattr};
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use crate::proc_table::{self, PATIENCE};

/// The longest Ctrl-C may take to stop a demo and give the prompt back.
const CTRL_C_BOUND: Duration = Duration::from_millis(200);

/// The REPL in a pseudo-terminal, with everything it printed so far.
struct Repl {
    session: PtySession,
    output: String,
    /// How much of `output` earlier waits consumed.
    seen: usize,
}

impl Repl {
    fn start(home: &std::path::Path) -> Self {
        let mut command = crate::support::mptutor(home);
        command.args(["--width", "100", "--color", "never"]);
        let mut session =
            rexpect::session::spawn_command(command, u64::try_from(PATIENCE.as_millis()).ok())
                .expect("start mptutor in a pty");
        // Dropping the session ends mptutor (SIGTERM), by SIGKILL if it
        // does not go within a second, so a failed test leaves nothing.
        session.process_mut().set_kill_timeout(Some(1_000));
        Repl {
            session,
            output: String::new(),
            seen: 0,
        }
    }

    /// Waits for `needle` after what earlier waits consumed, and returns
    /// the moment it arrived and the text up to it. Reads every
    /// millisecond: rexpect's own `exp_*` look only every 100 ms, too
    /// coarse for the Ctrl-C bound.
    fn wait_for(&mut self, needle: &str) -> (Instant, String) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            while let Some(c) = self.session.try_read() {
                self.output.push(c);
            }
            if let Some(at) = self.output[self.seen..].find(needle) {
                let arrived = Instant::now();
                let end = self.seen + at + needle.len();
                let text = self.output[self.seen..end].to_string();
                self.seen = end;
                return (arrived, text);
            }
            self.assert_alive(needle);
            assert!(
                Instant::now() < deadline,
                "no {needle:?} within {PATIENCE:?}; the terminal showed:\n{}",
                self.output
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn type_line(&mut self, line: &str) {
        self.session.send_line(line).expect("type a line");
        self.session.flush().expect("flush");
    }

    /// Fails at once, rather than at the deadline, when mptutor has died.
    fn assert_alive(&self, waiting_for: &str) {
        let status = self.session.process().status();
        assert!(
            status == Some(WaitStatus::StillAlive),
            "mptutor ended ({status:?}) while we waited for {waiting_for:?}; the terminal showed:\n{}",
            self.output
        );
    }

    /// Types `word` (not a command) until the REPL answers it, then waits
    /// for the prompt: everything typed before has been dealt with. It is
    /// typed again when no answer comes, because a Ctrl-C that reaches the
    /// terminal in its ordinary mode also discards the typed-ahead input.
    fn sync(&mut self, word: &str) {
        let answer = format!("Unknown command `{word}`");
        let deadline = Instant::now() + PATIENCE;
        loop {
            self.type_line(word);
            let retry = Instant::now() + Duration::from_millis(250);
            while Instant::now() < retry {
                while let Some(c) = self.session.try_read() {
                    self.output.push(c);
                }
                if self.output[self.seen..].contains(&answer) {
                    self.wait_for(&answer);
                    self.wait_for("> ");
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            self.assert_alive(word);
            assert!(
                Instant::now() < deadline,
                "no answer to {word:?}; the terminal showed:\n{}",
                self.output
            );
        }
    }

    /// Presses Ctrl-C; returns when the byte reached the terminal.
    fn ctrl_c(&mut self) -> Instant {
        self.session.send_control('c').expect("Ctrl-C");
        self.session.flush().expect("flush");
        Instant::now()
    }

    /// The terminal's settings. On Linux, `tcgetattr` on the master side
    /// of a pseudo-terminal reads the settings of its slave, the terminal
    /// mptutor sees.
    fn termios(&self) -> Termios {
        let master = self
            .session
            .process()
            .get_file_handle()
            .expect("the pty's master");
        tcgetattr(&master).expect("tcgetattr on the pty")
    }
}

/// Starts a long pool-queue demo (`start` is fork or spawn), waits until
/// a worker took a task, and returns the workers' pids and mptutor's (both
/// read from the live output).
fn start_long_demo(repl: &mut Repl, start: &str) -> (Vec<i32>, i32) {
    repl.type_line(&format!("run pause=1000 tasks=40 start={start}"));
    let (_, shown) = repl.wait_for(") takes task ");
    let workers = proc_table::tagged_pids(&shown);
    assert!(!workers.is_empty(), "no worker pids in:\n{shown}");
    let parent = shown
        .split("(parent pid ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .and_then(|pid| pid.parse().ok())
        .expect("mptutor's pid in the live output");
    (workers, parent)
}

/// Presses Ctrl-C during a demo and checks it stopped in time, every
/// worker gone, and the prompt back.
fn interrupt(repl: &mut Repl, workers: &[i32], mptutor: i32) {
    let pressed = repl.ctrl_c();
    let (stopped, _) = repl.wait_for("Stopped");
    let (prompt, _) = repl.wait_for("mptutor q4 ");
    assert!(
        stopped - pressed < CTRL_C_BOUND,
        "the demo took {:?} to stop after Ctrl-C",
        stopped - pressed
    );
    assert!(
        prompt - pressed < CTRL_C_BOUND,
        "the prompt took {:?} to come back after Ctrl-C",
        prompt - pressed
    );
    // "Stopped" is printed after every worker was killed and reaped.
    let left = proc_table::leftovers(mptutor, &workers[..1]);
    assert!(left.is_empty(), "workers survived Ctrl-C: {left:?}");
}

#[test]
fn ctrl_c_stops_a_demo_at_once_and_the_repl_carries_on() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = Repl::start(home.path());
    repl.wait_for("mptutor> ");

    // A demo that runs to its end shows every number.
    repl.type_line("open q6");
    repl.wait_for("mptutor q6 ");
    repl.type_line("run");
    let (_, shown) = repl.wait_for("Every number appeared");
    for number in [10, 20, 30, 40] {
        assert!(shown.contains(&format!("prints {number}")), "{shown}");
    }
    repl.wait_for("mptutor q6 ");

    // A long one is stopped by Ctrl-C.
    repl.type_line("open q4");
    repl.wait_for("mptutor q4 ");
    let (workers, mptutor) = start_long_demo(&mut repl, "fork");
    interrupt(&mut repl, &workers, mptutor);
    let (workers, mptutor) = start_long_demo(&mut repl, "spawn");
    interrupt(&mut repl, &workers, mptutor);

    repl.type_line("list");
    repl.wait_for("q6");
    repl.wait_for("mptutor q4 ");
    repl.type_line("quit");
    repl.session.exp_eof().expect("quit leaves mptutor");
}

#[test]
fn demos_and_ctrl_c_leave_the_terminal_settings_unchanged() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = Repl::start(home.path());
    repl.wait_for("mptutor> ");
    // Compared at the prompt, where the line editor has the terminal in
    // the same (raw) mode each time.
    let at_prompt = repl.termios();

    repl.type_line("open q6");
    repl.wait_for("mptutor q6 ");
    repl.type_line("run");
    repl.wait_for("Every number appeared");
    repl.wait_for("mptutor q6 ");
    assert_eq!(repl.termios(), at_prompt, "after a demo");

    // During a demo the line editor has given the terminal back in its
    // ordinary mode; a second demo after a Ctrl-C must find it the same.
    repl.type_line("open q4");
    repl.wait_for("mptutor q4 ");
    let (workers, mptutor) = start_long_demo(&mut repl, "fork");
    let during_demo = repl.termios();
    // Proof that the pty's settings are really read: the line editor's raw
    // mode at the prompt is not the ordinary mode a demo runs in.
    assert_ne!(
        during_demo, at_prompt,
        "raw and ordinary mode look the same"
    );
    interrupt(&mut repl, &workers, mptutor);
    assert_eq!(repl.termios(), at_prompt, "after Ctrl-C stopped a demo");

    let (workers, mptutor) = start_long_demo(&mut repl, "spawn");
    assert_eq!(repl.termios(), during_demo, "during a demo after Ctrl-C");
    interrupt(&mut repl, &workers, mptutor);
    assert_eq!(repl.termios(), at_prompt, "after the second Ctrl-C");

    repl.type_line("quit");
    repl.session.exp_eof().expect("quit leaves mptutor");
}

#[test]
fn ctrl_c_at_any_moment_around_a_demo_never_ends_the_repl() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut repl = Repl::start(home.path());
    repl.wait_for("mptutor> ");
    repl.type_line("open q6");
    repl.wait_for("mptutor q6 ");
    // The q6 demo runs for some 10 ms; pressing Ctrl-C 0 to 40 ms after
    // Enter lands before it starts, during it, and after it, while its
    // closing views are printed and before the line editor takes over.
    for delay_ms in (0..40).step_by(2) {
        repl.type_line("run");
        // When the key lands is what this test varies.
        std::thread::sleep(Duration::from_millis(delay_ms));
        repl.ctrl_c();
        // Commands run in order: once this one is answered, the REPL has
        // dealt with the demo and the Ctrl-C.
        repl.sync(&format!("marker{delay_ms}"));
        repl.assert_alive(&format!("the REPL after Ctrl-C {delay_ms} ms after Enter"));
    }
    repl.type_line("quit");
    repl.session.exp_eof().expect("quit leaves mptutor");
}
