//! `mptutor notes` on a second terminal, following a presenting REPL in
//! a first one, both in pseudo-terminals with the same runtime folder.

use std::path::{Path, PathBuf};

use nix::sys::signal::Signal;
use nix::sys::termios::LocalFlags;

use crate::pty::Terminal;
use crate::support::run_with_command;

/// A private home and runtime folder, as a login gives them.
struct Desk {
    home: tempfile::TempDir,
    runtime: PathBuf,
}

impl Desk {
    fn new() -> Self {
        let home = tempfile::tempdir().expect("temporary directory");
        let runtime = home.path().join("run");
        std::fs::create_dir(&runtime).expect("runtime folder");
        Desk { home, runtime }
    }

    fn start(&self, args: &[&str]) -> Terminal {
        Terminal::start_with_env(
            self.home.path(),
            &[("XDG_RUNTIME_DIR", self.runtime.as_path())],
            args,
        )
    }

    fn home(&self) -> &Path {
        self.home.path()
    }
}

/// The first few words of a note that Markdown leaves as they are.
fn plain_start(note: &str) -> String {
    note.split_whitespace()
        .take_while(|word| {
            word.chars()
                .all(|c| c.is_alphanumeric() || ",.'".contains(c))
        })
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn typed_mode_is_back(terminal: &Terminal) {
    let flags = terminal.settings().local_flags;
    assert!(
        flags.contains(LocalFlags::ICANON | LocalFlags::ECHO),
        "the terminal was left without line editing or echo: {flags:?}"
    );
}

#[test]
fn notes_follow_the_presenter_to_q3_step_2_and_leave_on_q() {
    let course = mptutor::course::load_builtin().expect("built-in course");
    let q3 = &course.lessons[course.find_lesson("q3").expect("q3").0];
    let note = q3.steps[1]
        .blocks
        .iter()
        .find_map(|block| match block {
            mptutor::course::Block::Note(note) => Some(note.clone()),
            _ => None,
        })
        .expect("q3's second step has a note");
    let words = plain_start(&note);
    assert!(!words.is_empty(), "{note}");

    let desk = Desk::new();
    let mut presenter = desk.start(&["--instructor"]);
    presenter.wait_for("mptutor present> ");
    let mut notes = desk.start(&["notes"]);
    notes.wait_for("has not opened a lesson yet");

    presenter.type_bytes(b"goto q3 2\r");
    let projected = presenter.wait_for("mptutor present q3 2/");
    assert!(
        !projected.contains("Instructor notes"),
        "the projected screen shows the notes:\n{projected}"
    );
    notes.wait_for(&format!(
        "q3 · Create a process   step 2/{}",
        q3.steps.len()
    ));
    notes.wait_for(&q3.steps[1].title);
    notes.wait_for("┃ Instructor notes");
    notes.wait_for(&words);
    notes.wait_for(&format!(
        "Next: step 3/{} · {}",
        q3.steps.len(),
        q3.steps[2].title
    ));

    // The presenter's `show notes` still shows them on its own screen.
    presenter.type_bytes(b"show notes\r");
    presenter.wait_for("┃ Instructor notes");

    notes.type_bytes(b"q");
    let status = notes.wait();
    assert_eq!(status.code(), Some(0), "{}", notes.shown());
    typed_mode_is_back(&notes);
}

#[test]
fn notes_without_a_presenting_repl_say_so_and_exit() {
    let desk = Desk::new();
    let mut command = crate::support::mptutor(desk.home());
    command.env("XDG_RUNTIME_DIR", &desk.runtime);
    let output = run_with_command(command, &["notes"], "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no presenting mptutor is running; start one with `present`"),
        "{stderr}"
    );
}

#[test]
fn notes_follow_the_newest_presenter_notice_dead_ones_and_end_on_ctrl_c() {
    let desk = Desk::new();
    let mut older = desk.start(&["--instructor"]);
    older.wait_for("mptutor present> ");
    older.type_bytes(b"goto q1\r");
    older.wait_for("mptutor present q1 1/");
    let mut newer = desk.start(&["--instructor"]);
    newer.wait_for("mptutor present> ");
    newer.type_bytes(b"goto q6 2\r");
    newer.wait_for("mptutor present q6 2/");

    let mut notes = desk.start(&["notes"]);
    notes.wait_for(&format!("following mptutor pid {}", newer.pid()));
    notes.wait_for(&format!(
        "The newest of 2 presenting sessions; the other: pid {}.",
        older.pid()
    ));
    notes.wait_for("q6 ·");

    // A presenter killed outright leaves its file behind; notes sees that
    // its process is gone and follows the one still running.
    newer.signal(Signal::SIGKILL);
    newer.wait();
    notes.wait_for(&format!("following mptutor pid {}\r\n\r\n", older.pid()));
    notes.wait_for("q1 ·");
    older.signal(Signal::SIGKILL);
    older.wait();
    notes.wait_for("No presenting mptutor is running any more");

    notes.signal(Signal::SIGINT);
    let status = notes.wait();
    assert_eq!(status.code(), Some(130), "{}", notes.shown());
    typed_mode_is_back(&notes);
    let left: Vec<_> = std::fs::read_dir(desk.runtime.join("mptutor"))
        .expect("the presenting folder")
        .flatten()
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "stale positions were kept: {left:?}");
}

#[test]
fn ctrl_c_typed_on_the_notes_terminal_ends_it_with_status_130() {
    use nix::sys::wait::WaitStatus;
    let desk = Desk::new();
    let mut presenter = desk.start(&["--instructor"]);
    presenter.wait_for("mptutor present> ");
    presenter.type_bytes(b"goto q5 3\r");
    presenter.wait_for("mptutor present q5 3/");
    // A terminal of its own, as its controlling terminal: the Ctrl-C key
    // reaches mptutor as SIGINT, as in a real terminal.
    let mut command = crate::support::mptutor(desk.home());
    command
        .env("XDG_RUNTIME_DIR", &desk.runtime)
        .args(["notes", "--width", "100", "--color", "never"]);
    let mut notes =
        rexpect::session::spawn_command(command, Some(30_000)).expect("start notes in a pty");
    // rexpect reads bytes as Latin-1: only ASCII needles.
    notes
        .exp_string("Chunksize: how inputs are batched")
        .expect("the notes of q5's third step");
    notes
        .exp_string("q or Ctrl-C leaves.")
        .expect("the whole screen");
    notes.send_control('c').expect("Ctrl-C");
    notes.exp_eof().expect("Ctrl-C ends notes");
    let status = notes.process().wait().expect("wait for notes");
    assert!(matches!(status, WaitStatus::Exited(_, 130)), "{status:?}");
}
