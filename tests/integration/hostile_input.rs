//! Whatever reaches the REPL's input, it answers and carries on: bytes
//! that are not UTF-8 (a Latin-1 terminal's `é`) typed at the prompt or
//! in a script, and arbitrary bytes (escape sequences, control keys,
//! broken UTF-8) typed at the prompt.

use std::io::Write;
use std::process::Stdio;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::proc_table;
use crate::pty::Terminal;

#[test]
fn a_byte_that_is_not_utf8_at_the_prompt_is_explained_and_the_repl_carries_on() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");

    // `é` and Enter typed on a Latin-1 terminal: `é` is one byte, 0xE9,
    // which in UTF-8 would start a three-byte character; Enter shows it
    // does not.
    terminal.type_bytes(b"\xe9\r");
    terminal.wait_for("not UTF-8 text");
    terminal.wait_for("mptutor> ");

    // A whole line with one such byte runs nothing of it: neither the
    // part before (`op`) nor the rest (`n q3`) opens a lesson.
    terminal.type_bytes(b"op\xe9n q3\r");
    terminal.wait_for("not UTF-8 text");
    let prompt = terminal.wait_for("> ");
    assert!(prompt.ends_with("mptutor> "), "{prompt:?}");

    terminal.type_bytes(b"list\r");
    terminal.wait_for("q6");
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"quit\r");
    let status = terminal.wait();
    assert_eq!(status.code(), Some(0), "{}", terminal.shown());
    assert!(
        !terminal.shown().contains("panicked"),
        "{}",
        terminal.shown()
    );
}

/// A terminal pastes a block of several commands as one bracketed paste,
/// which the line editor returns as one line with newlines in it: every
/// command of it runs, in order, none is dropped.
#[test]
fn a_pasted_block_of_commands_runs_every_one_of_them() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"\x1b[200~open q3\rnext\r\rbogus3\x1b[201~");
    terminal.type_bytes(b"\r");
    terminal.wait_for("Unknown command `bogus3`");
    terminal.wait_for("> ");
    terminal.type_bytes(b"quit\r");
    let status = terminal.wait();
    assert_eq!(status.code(), Some(0), "{}", terminal.shown());
    let shown = terminal.shown();
    let opened = shown.find("step 1/").expect("open q3 ran");
    let next = shown.find("step 2/").expect("next ran");
    let bogus = shown.find("Unknown command `bogus3`").expect("bogus3 ran");
    assert!(opened < next && next < bogus, "{shown}");
}

#[test]
fn a_script_line_that_is_not_utf8_is_reported_at_its_byte_and_skipped() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut child = crate::support::mptutor(home.path())
        .args(["--width", "100"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    let script = b"open q2\n# caf\xe9, a comment\nopen caf\xe9\nopen q3\n";
    child
        .stdin
        .take()
        .expect("mptutor's stdin")
        .write_all(script)
        .expect("write the script");
    let output = child.wait_with_output().expect("wait for mptutor");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);

    assert_eq!(
        stderr.trim_end(),
        "mptutor: <stdin>:3:9: byte 0xe9 is not UTF-8 text (save the script as UTF-8); \
         the line was ignored",
        "stdout:\n{stdout}"
    );
    // The lines around it ran: q2 opened before, q3 after.
    assert!(stdout.contains("q2 · "), "{stdout}");
    assert!(stdout.contains("q3 · Create a process"), "{stdout}");
    assert_eq!(output.status.code(), Some(1), "a line could not be read");
}

/// One piece of what a terminal (or a hostile paste) can send.
fn key() -> impl Strategy<Value = Vec<u8>> {
    // Ctrl-D (leaves the REPL on an empty line), Ctrl-Z (suspends it) and
    // Ctrl-\ are keys with their own promises, tested elsewhere.
    let control = (0u8..0x20)
        .prop_filter("keys that leave or suspend", |byte| {
            ![0x04, 0x1a, 0x1c].contains(byte)
        })
        .prop_map(|byte| vec![byte]);
    let printable = (0x20u8..0x7f).prop_map(|byte| vec![byte]);
    let high = (0x80u8..=0xff).prop_map(|byte| vec![byte]);
    let text = prop::sample::select(vec![
        "é", "€", "😀", "e\u{301}", "漢字", "\u{202e}", "\u{feff}",
    ])
    .prop_map(|text| text.as_bytes().to_vec());
    let broken = prop::sample::select(vec![
        &b"\xe2\x82"[..],
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\xff\xfe",
    ])
    .prop_map(<[u8]>::to_vec);
    // CSI sequences with parameters (cursor moves, keys, mouse reports),
    // SS3 keys, Alt-letter. A bracketed paste start (200~) is left out: a
    // terminal always sends its end, and until then a paste rightly takes
    // every key.
    let csi = (
        prop::collection::vec(0u16..200, 0..3),
        prop::sample::select(b"ABCDFHPQRSu~mMhlJKn".to_vec()),
        any::<bool>(),
    )
        .prop_map(|(numbers, last, private)| {
            let numbers: Vec<String> = numbers.iter().map(u16::to_string).collect();
            let mark = if private { "?" } else { "" };
            format!("\x1b[{mark}{}{}", numbers.join(";"), char::from(last)).into_bytes()
        });
    let other_escapes = prop::sample::select(vec![
        &b"\x1bOP"[..],
        b"\x1bb",
        b"\x1b\x7f",
        b"\x1b]52;c;aGk=\x07",
        b"\x1b]8;;http://x\x1b\\",
        b"\x1bc",
        b"\x1b",
    ])
    .prop_map(<[u8]>::to_vec);
    prop_oneof![
        4 => printable,
        2 => control,
        2 => high,
        1 => text,
        1 => broken,
        2 => csi,
        1 => other_escapes,
    ]
}

/// A typed line: up to 24 keys, then Enter.
fn typed_line() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(key(), 0..24).prop_map(|keys| {
        let mut line = keys.concat();
        line.push(b'\r');
        line
    })
}

/// Types `lines` into a fresh REPL, each followed by a marker it must
/// answer; then `list` and `quit`.
fn repl_survives(lines: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start(home.path(), &[]);
    terminal.wait_for("mptutor> ");
    for (number, line) in lines.iter().enumerate() {
        terminal.type_bytes(line);
        terminal.sync(&format!("marker{number}"));
    }
    // A known command still gets its known answer.
    terminal.type_bytes(b"list\r");
    terminal.wait_for("Four processes, each printing");
    terminal.wait_for("> ");
    let children: Vec<_> = proc_table::all()
        .into_iter()
        .filter(|process| process.ppid == terminal.pid())
        .collect();
    prop_assert!(children.is_empty(), "children left: {children:?}");
    terminal.type_bytes(b"quit\r");
    let status = terminal.wait();
    let shown = terminal.shown();
    prop_assert_eq!(status.code(), Some(0), "{}", shown);
    prop_assert!(!shown.contains("panicked"), "{}", shown);
    Ok(())
}

#[test]
fn arbitrary_bytes_typed_at_the_prompt_never_end_the_repl() {
    // 32 sessions of up to 6 lines: each session starts in a fraction of
    // a second, and each line is answered before the next is typed.
    let config = Config {
        cases: 32,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(typed_line(), 1..=6), |lines| {
        repl_survives(&lines)
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
