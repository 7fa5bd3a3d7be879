//! The terminal resized under mptutor, as a window dragged or a font
//! zoomed in front of a class does: between two commands, and while a
//! demo runs. What is printed after the resize fits the new width.

use crate::pty::Terminal;

/// The widest line of `text` as the terminal shows it: colours and the
/// line editor's escapes left out, the pty's carriage returns too.
fn widest(text: &str) -> (usize, String) {
    console::strip_ansi_codes(text)
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .map(|line| (console::measure_text_width(line), line.to_string()))
        .max_by_key(|(width, _)| *width)
        .unwrap_or_default()
}

fn assert_fits(text: &str, columns: usize, what: &str) {
    let (width, line) = widest(text);
    assert!(
        width <= columns,
        "{what}: a line {width} wide at {columns} columns: {line:?}\nin:\n{text}"
    );
}

#[test]
fn a_command_entered_after_a_resize_is_laid_out_at_the_new_width() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start_sized(home.path(), &[], 100);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q3\r");
    terminal.wait_for("next: Enter");
    terminal.wait_for("mptutor q3 1/");

    // Narrower between two commands: the step shown again fits 60.
    terminal.resize(60);
    let narrow = terminal.mark();
    terminal.type_bytes(b"show\r");
    terminal.wait_for("next: Enter");
    terminal.wait_for("mptutor q3 1/");
    let shown = terminal.shown_since(narrow);
    assert!(shown.contains("Starting a child"), "{shown}");
    assert_fits(&shown, 60, "show after narrowing to 60");

    // Wider: the example goes beside the prose, and still nothing is
    // wider than the terminal.
    terminal.resize(200);
    let wide = terminal.mark();
    terminal.type_bytes(b"show\r");
    terminal.wait_for("next: Enter");
    terminal.wait_for("mptutor q3 1/");
    let shown = terminal.shown_since(wide);
    assert_fits(&shown, 200, "show after widening to 200");
    let beside = console::strip_ansi_codes(&shown)
        .lines()
        .any(|line| line.contains(" 1 │ ") && !line.trim_start().starts_with("1 │"));
    assert!(
        beside,
        "the code should sit beside the prose at 200:\n{shown}"
    );

    // `help` and messages keep to the reading measure on a wide terminal.
    let help = terminal.mark();
    terminal.type_bytes(b"help\r");
    terminal.wait_for("says more.");
    assert_fits(&terminal.shown_since(help), 88, "help at 200 columns");

    terminal.type_bytes(b"quit\r");
    assert!(terminal.wait().success(), "{}", terminal.shown());
}

#[test]
fn a_demo_resized_while_it_runs_prints_the_rest_at_the_new_width() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut terminal = Terminal::start_sized(home.path(), &[], 100);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open q4\r");
    terminal.wait_for("mptutor q4 1/");
    // One worker taking 400 ms a task: a few seconds of live output.
    terminal.type_bytes(b"run workers=1 tasks=6 pace=400\r");
    let mut before = terminal.wait_for("live output");
    before.push_str(&terminal.wait_for("\n"));
    let (width_before, _) = widest(&before);
    assert!(width_before > 50, "laid out at 100 at first:\n{before}");

    terminal.resize(50);
    let resized = terminal.mark();
    terminal.wait_for("Verdict");
    terminal.wait_for("mptutor q4 1/");
    let after = terminal.shown_since(resized);
    // The first line may have been on its way when the terminal changed.
    let rest = after.split_once('\n').map_or("", |(_, rest)| rest);
    assert!(rest.contains("Verdict"), "{after}");
    // The resize came while the demo ran: its workers took tasks after it.
    assert!(rest.contains("takes task"), "{after}");
    assert_fits(rest, 50, "a demo's output after narrowing to 50");

    terminal.type_bytes(b"quit\r");
    assert!(terminal.wait().success(), "{}", terminal.shown());
}
