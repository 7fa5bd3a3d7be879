//! `record FILE`: a transcript never hangs the REPL, and a transcript that
//! cannot be written says so instead of silently keeping nothing.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::mptutor;

/// Runs mptutor's script mode on `script`, killing it if it has not
/// finished after a minute (a hang guard, not a timing).
fn run_guarded(home: &Path, script: &str) -> Output {
    let mut child = mptutor(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .expect("write the script");
    }
    let started = Instant::now();
    while child.try_wait().expect("poll mptutor").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reap mptutor");
            panic!("mptutor hung: {output:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait for mptutor")
}

#[test]
fn recording_to_a_named_pipe_is_refused_at_once() {
    let home = tempfile::tempdir().expect("temporary directory");
    let fifo = home.path().join("class.txt");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let output = run_guarded(home.path(), &format!("record {}\nlist\n", fifo.display()));
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&fifo.display().to_string()), "{stderr}");
    assert!(stderr.contains("named pipe (FIFO)"), "{stderr}");
}

#[test]
fn recording_to_a_full_device_reports_the_write_error() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(home.path(), "record /dev/full\nlist\nrecord off\n");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

/// Every escape sequence in `text` is a colour (SGR: `ESC [ digits;… m`)
/// or `clear`'s `ESC [H ESC [2J`, mptutor's own.
fn only_mptutors_escapes(text: &str) -> bool {
    text.split('\x1b').skip(1).all(|rest| {
        let Some(params) = rest.strip_prefix('[') else {
            return false;
        };
        let end = params
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(params.len());
        matches!(params[end..].chars().next(), Some('m' | 'H' | 'J'))
    })
}

#[test]
fn a_cast_record_of_a_scripted_session_is_asciicast_v2() {
    let home = tempfile::tempdir().expect("temporary directory");
    let cast = home.path().join("class.cast");
    let script = format!(
        "record {}\nopen q6\nrun workers=2\nnext\nclear\nrecord off\nhelp\n",
        cast.display()
    );
    let output = crate::support::run_guarded(
        home.path(),
        &["--color", "always", "--width", "90"],
        &script,
    );
    assert!(output.status.success(), "{output:?}");
    let recorded = std::fs::read_to_string(&cast).expect("the recording");
    let mut lines = recorded.lines();
    let header: serde_json::Value =
        serde_json::from_str(lines.next().expect("a header line")).expect("the header is JSON");
    assert_eq!(header["version"], 2, "{header}");
    assert_eq!(header["width"], 90, "{header}");
    assert!(
        header["height"].as_u64().is_some_and(|rows| rows > 0),
        "{header}"
    );
    assert!(
        header["timestamp"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000),
        "{header}"
    );
    assert_eq!(header["env"]["TERM"], "xterm-256color", "{header}");
    assert!(header["env"].get("SHELL").is_some(), "{header}");
    let mut last = 0.0;
    let mut shown = String::new();
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).expect("each event is JSON");
        let event = event.as_array().expect("an event is an array");
        assert_eq!(event.len(), 3, "{line}");
        let time = event[0].as_f64().expect("a time in seconds");
        assert!(time >= last, "times go forward: {time} after {last}");
        last = time;
        assert_eq!(event[1], "o", "{line}");
        shown.push_str(event[2].as_str().expect("output text"));
    }
    // What the terminal showed: the step, the demo live, its tables, in
    // colour, lines ended as a terminal ends them, and nothing after `off`.
    assert!(shown.contains("Four processes, four numbers"), "{shown}");
    assert!(shown.contains("live output"), "{shown}");
    assert!(shown.contains("\x1b["), "colours are kept");
    assert!(shown.contains("\r\n"), "{shown:?}");
    assert!(!shown.replace("\r\n", "").contains('\n'), "{shown:?}");
    assert!(only_mptutors_escapes(&shown), "{shown:?}");
    assert!(
        !shown.contains("what it does"),
        "`help` came after `record off`"
    );
    // In a script `clear` sends nothing to the terminal.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("\x1b[2J"), "{stdout:?}");
}

#[test]
fn a_cast_file_that_already_holds_a_recording_is_not_overwritten() {
    let home = tempfile::tempdir().expect("temporary directory");
    let cast = home.path().join("old.cast");
    std::fs::write(&cast, "{\"version\": 2}\n").expect("write");
    let output = run_guarded(home.path(), &format!("record {}\nlist\n", cast.display()));
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already holds"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&cast).expect("kept"),
        "{\"version\": 2}\n"
    );
}

#[test]
fn recording_to_a_folder_says_so_and_the_session_goes_on() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(
        home.path(),
        &format!("record {}\nlist\n", home.path().display()),
    );
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Cannot record to"), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("q6"));
}

#[test]
fn a_markdown_record_holds_step_headings_code_and_a_demo_verdict_but_no_prompt_or_note() {
    let home = tempfile::tempdir().expect("temporary directory");
    let notes = home.path().join("class.md");
    let script = format!(
        "present\nrecord {}\nopen q6\nrun workers=2\ngoto q6 5\nshow notes\nrecord off\n",
        notes.display()
    );
    let output = crate::support::run_guarded(home.path(), &["--color", "always"], &script);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Grading tip"), "the screen shows the notes");
    let text = std::fs::read_to_string(&notes).expect("the notes");
    assert!(
        text.contains(
            "## Four processes, each printing a different number · Four processes, four numbers"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "## Four processes, each printing a different number · Checking your own program"
        ),
        "{text}"
    );
    assert!(text.contains("```python\nimport os\n"), "{text}");
    assert!(text.contains("### Demo `print-numbers`"), "{text}");
    assert!(
        text.contains("| --- |") || text.contains("|---|"),
        "a table: {text}"
    );
    assert!(
        text.lines().any(|line| ["- ✓ ", "- ✗ ", "- ? "]
            .iter()
            .any(|mark| line.starts_with(mark))),
        "a finding with its verdict: {text}"
    );
    assert!(!text.contains("mptutor>"), "{text}");
    assert!(!text.contains("mptutor present"), "{text}");
    assert!(
        !text.contains("Grading tip"),
        "no instructor's notes: {text}"
    );
    assert!(!text.contains('\x1b'), "{text:?}");
}
