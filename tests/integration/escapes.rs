//! A course is someone else's text and a program's output is the program's:
//! neither may drive the terminal. Every field of a course, its file names,
//! a quoted bad line, a failed check pattern and a Python example's output
//! hold clipboard writes (OSC 52), hyperlinks (OSC 8), a terminal reset,
//! cursor moves and C1 controls; in every output mode, what mptutor prints
//! holds none of them, only its own colours (`ESC [ … m`) when colour is on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use rexpect::session::PtySession;
use tempfile::TempDir;

use crate::support::{mptutor, write_file};

/// Everything a terminal must not be sent: a clipboard write, a hyperlink,
/// a full reset, a screen clear and a cursor move, a C1 CSI and a C1 OSC,
/// then a bare BEL, BS and CR; and, first, colours of the course's own
/// ([`COURSE_COLOUR`]), which are shown as text, not obeyed, either.
const HOSTILE: &str = "<\x1b[5;7mblink|\x1b]52;c;aGk=\x07|\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\|\x1bc|\x1b[2J\x1b[H|\u{9b}31m|\u{9d}0;t\x07|\x07\x08\r>";

/// Blinking reverse video: a colour code mptutor never writes itself.
const COURSE_COLOUR: &[u8] = b"\x1b[5;7m";

/// [`HOSTILE`] as a file name can hold it (no `/`).
const HOSTILE_NAME: &str =
    "\x1b[5;7m\x1b]52;c;aGk=\x07\x1b]8;;x\x1b\\\x1bc\x1b[2J\u{9b}31m\u{9d}0;t\x07";

/// [`HOSTILE`] on one line of a Markdown or Python file (a CR would end it).
fn hostile_line() -> String {
    HOSTILE.replace('\r', "")
}

/// `text` as a TOML basic string, every control character escaped.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for ch in text.chars() {
        match ch {
            '"' | '\\' => quoted.push_str(&format!("\\u{:04x}", u32::from(ch))),
            ch if ch.is_control() => quoted.push_str(&format!("\\u{:04x}", u32::from(ch))),
            ch => quoted.push(ch),
        }
    }
    quoted.push('"');
    quoted
}

/// A lesson with [`HOSTILE`] in every field, a Python example that prints
/// it (as Python escapes, and raw in a string literal) and a check block
/// whose pattern (holding it raw) no line matches. `extra_demo_line` goes
/// into the demo block, `extra_quiz_line` into the quiz.
fn lesson(extra_demo_line: &str, extra_quiz_line: &str) -> String {
    let raw = hostile_line();
    let escaped_for_python: String = HOSTILE
        .chars()
        .map(|ch| match ch {
            '\\' => "\\\\".to_string(),
            ch if ch.is_control() => format!("\\x{:02x}", u32::from(ch)),
            ch => ch.to_string(),
        })
        .collect();
    format!(
        "+++\nid = \"e1\"\ntitle = {title}\nsummary = {summary}\n+++\n\n\
         ## Step one {raw}\n\nProse {raw}\n\n\
         ```python\nprint(\"out {escaped_for_python}\")\nprint(\"raw {raw}\")\n```\n\n\
         ```check\nmatching = {pattern}\nline_count = 2\n```\n\n\
         ```hint\nHint {raw}\n```\n\n\
         ```demo\nname = \"print-numbers\"\nworkers = 2\n{extra_demo_line}```\n\n\
         ## Step two {raw}\n\n\
         ```quiz\nquestion = {question}\nchoices = [{a}, {b}]\nanswer = 1\nexplain = {explain}\n{extra_quiz_line}```\n\n\
         ```note\nNote {raw}\n```\n",
        title = toml_string(&format!("Lesson {HOSTILE}")),
        summary = toml_string(&format!("Summary {HOSTILE}")),
        pattern = toml_string(&format!("never {}", regex::escape(HOSTILE))),
        question = toml_string(&format!("Question {HOSTILE}")),
        a = toml_string(&format!("Choice A {HOSTILE}")),
        b = toml_string(&format!("Choice B {HOSTILE}")),
        explain = toml_string(&format!("Explain {HOSTILE}")),
    )
}

/// Two course folders, both named with [`HOSTILE_NAME`] and holding a
/// lesson file named with it: `good` loads; `bad` has a demo parameter
/// whose value is hostile and a quiz line whose key is, so its errors
/// quote hostile lines.
struct HostileCourses {
    _root: TempDir,
    good: PathBuf,
    bad: PathBuf,
}

impl HostileCourses {
    fn new() -> Self {
        let root = tempfile::tempdir().expect("temporary directory");
        let good = root.path().join(format!("good{HOSTILE_NAME}"));
        let bad = root.path().join(format!("bad{HOSTILE_NAME}"));
        let file = format!("l{HOSTILE_NAME}.md");
        let index = format!(
            "format_version = 1\ntitle = {}\nlessons = [{}]\n",
            toml_string(&format!("Course {HOSTILE}")),
            toml_string(&file)
        );
        for dir in [&good, &bad] {
            write_file(&dir.join("course.toml"), index.as_bytes());
        }
        write_file(&good.join(&file), lesson("", "").as_bytes());
        let bad_lesson = lesson(
            &format!("start = {}\n", toml_string(HOSTILE)),
            &format!("what{} = 3\n", hostile_line()),
        );
        write_file(&bad.join(&file), bad_lesson.as_bytes());
        HostileCourses {
            _root: root,
            good,
            bad,
        }
    }
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// `bytes` without mptutor's own colours, `ESC [ digits;… m` (allowed
/// only when `colour`).
fn without_colours(bytes: &[u8], colour: bool) -> Vec<u8> {
    if !colour {
        return bytes.to_vec();
    }
    let sgr = regex::bytes::Regex::new(r"\x1b\[[0-9;:]*m").expect("SGR pattern");
    sgr.replace_all(bytes, &b""[..]).into_owned()
}

/// Fails, showing where, if `bytes` (what mptutor wrote to `what`) hold
/// [`COURSE_COLOUR`], an ESC that does not start a colour (any ESC when
/// `colour` is off), a BEL, a BS, a CR that does not end a line, or any C1
/// control character.
fn assert_terminal_safe(bytes: &[u8], colour: bool, what: &str) {
    if let Some(at) = bytes
        .windows(COURSE_COLOUR.len())
        .position(|window| window == COURSE_COLOUR)
    {
        let context = String::from_utf8_lossy(&bytes[at.saturating_sub(60)..]);
        panic!("{what}: the course's own colour reaches the terminal in {context:?}");
    }
    let plain = without_colours(bytes, colour);
    let text = String::from_utf8_lossy(&plain);
    let chars: Vec<char> = text.chars().collect();
    for (at, ch) in chars.iter().enumerate() {
        let bare_cr = *ch == '\r' && chars.get(at + 1) != Some(&'\n');
        let forbidden = matches!(ch, '\x1b' | '\x07' | '\x08') || bare_cr || is_c1(*ch);
        if forbidden {
            let from = at.saturating_sub(60);
            let context: String = chars[from..(at + 20).min(chars.len())].iter().collect();
            panic!("{what}: control character {ch:?} reaches the terminal in {context:?}");
        }
    }
}

fn is_c1(ch: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&ch)
}

/// Runs mptutor with `args`, `stdin` fed to it; its home is `home`.
fn run(home: &Path, args: &[String], stdin: &str) -> Output {
    let mut child = mptutor(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for mptutor")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|arg| arg.to_string()).collect()
}

#[test]
fn one_shot_commands_pass_no_escape_from_a_course_or_its_program() {
    let courses = HostileCourses::new();
    let home = tempfile::tempdir().expect("temporary directory");
    let (good, bad) = (arg(&courses.good), arg(&courses.bad));
    let new_folder = arg(&courses.good.with_file_name(format!("new{HOSTILE_NAME}")));
    let commands: Vec<Vec<String>> = vec![
        strings(&["--lessons", &good, "list"]),
        strings(&["--lessons", &good, "show", "e1", "--notes"]),
        strings(&["--lessons", &good, "show", "e1", "--step", "2"]),
        strings(&["--lessons", &good, "show", HOSTILE]),
        strings(&["--lessons", &good, "python", "e1", "--timeout", "20"]),
        strings(&["--lessons", &good, "run", "e1"]),
        strings(&["--lessons", &good, "run", "e1", &format!("start={HOSTILE}")]),
        strings(&["check", &good, "--timeout", "20"]),
        strings(&["check", &bad, "--no-run"]),
        strings(&["--lessons", &bad, "list"]),
        strings(&[
            "--lessons",
            &format!("{good}/missing{HOSTILE_NAME}"),
            "list",
        ]),
        strings(&["new", "e2", "--lessons", &new_folder]),
    ];
    for colour in ["never", "always"] {
        for command in &commands {
            let mut args = strings(&["--color", colour, "--width", "100"]);
            args.extend(command.iter().cloned());
            let output = run(home.path(), &args, "");
            let what = format!("mptutor {}", command.join(" ").escape_debug());
            let colour = colour == "always";
            assert_terminal_safe(&output.stdout, colour, &format!("stdout of {what}"));
            assert_terminal_safe(&output.stderr, colour, &format!("stderr of {what}"));
        }
    }
}

#[test]
fn python_json_escapes_the_programs_control_characters_and_keeps_them_exact() {
    let courses = HostileCourses::new();
    let home = tempfile::tempdir().expect("temporary directory");
    let args = strings(&["--lessons", &arg(&courses.good), "python", "e1", "--json"]);
    let output = run(home.path(), &args, "");
    assert_terminal_safe(&output.stdout, false, "mptutor python --json");
    let text = String::from_utf8_lossy(&output.stdout);
    let result = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|value| value["type"] == "python")
        .unwrap_or_else(|| panic!("a python result line in {text}"));
    // The program's output is data here: escaped by the encoder, not lost.
    let lines: Vec<&str> = result["stdout"]
        .as_array()
        .map(|lines| lines.iter().filter_map(|line| line.as_str()).collect())
        .unwrap_or_default();
    let printed = format!("raw {}", hostile_line());
    assert!(lines.contains(&printed.as_str()), "{lines:?}");
}

/// The REPL commands that show each part of the hostile course, recorded
/// from half-way to `transcript`; with `typed_hostile`, hostile words and
/// a hostile path typed at it too (a script can hold them; keys typed at
/// the line editor are its own business).
fn session_lines(transcript: &Path, typed_hostile: bool) -> Vec<String> {
    let mut lines = strings(&[
        "list",
        "open e1",
        "show notes",
        "hint",
        "code",
        "python",
        "next",
        "quiz",
        "1",
        "stop",
        "progress",
        "back",
        "run",
    ]);
    if typed_hostile {
        lines.push(format!("run start={HOSTILE}"));
        lines.push(format!("open {}", hostile_line()));
        lines.push(format!(
            "record {}/y",
            arg(&transcript.with_file_name(HOSTILE_NAME))
        ));
    }
    lines.push(format!("record {}", arg(transcript)));
    lines.extend(strings(&[
        "show",
        "list",
        "python",
        "next",
        "quiz",
        "2",
        "record off",
    ]));
    lines
}

#[test]
fn script_mode_and_its_transcript_pass_no_escape() {
    let courses = HostileCourses::new();
    let home = tempfile::tempdir().expect("temporary directory");
    for colour in ["never", "always"] {
        let transcript = home.path().join(format!("class-{colour}.txt"));
        let script = session_lines(&transcript, true).join("\n") + "\n";
        let args = strings(&["--color", colour, "--lessons", &arg(&courses.good)]);
        let output = run(home.path(), &args, &script);
        let colour = colour == "always";
        assert_terminal_safe(&output.stdout, colour, "stdout of the script");
        assert_terminal_safe(&output.stderr, colour, "stderr of the script");
        let recorded = std::fs::read(&transcript).expect("the transcript was written");
        assert!(!recorded.is_empty());
        assert_terminal_safe(&recorded, false, "the transcript");
    }
}

#[test]
fn markdown_and_asciicast_records_pass_no_escape_of_the_course() {
    let courses = HostileCourses::new();
    let home = tempfile::tempdir().expect("temporary directory");
    for name in ["class.md", "class.cast"] {
        let record = home.path().join(name);
        let script = session_lines(&record, false).join("\n") + "\n";
        let args = strings(&["--color", "always", "--lessons", &arg(&courses.good)]);
        let output = run(home.path(), &args, &script);
        assert_terminal_safe(&output.stdout, true, "stdout of the script");
        let recorded = std::fs::read_to_string(&record).expect("the record was written");
        assert!(!recorded.is_empty());
        if name.ends_with(".md") {
            assert_terminal_safe(recorded.as_bytes(), false, "the Markdown record");
        } else {
            // What reached the terminal, decoded from the events' JSON.
            let shown: String = recorded
                .lines()
                .skip(1)
                .map(|line| {
                    let event: serde_json::Value = serde_json::from_str(line).expect("JSON");
                    event[2].as_str().unwrap_or_default().to_string()
                })
                .collect();
            assert!(!shown.is_empty());
            assert_terminal_safe(shown.as_bytes(), true, "the asciicast");
        }
    }
}

const TIMEOUT_MS: u64 = 60_000;

/// Everything the REPL wrote to its terminal, as bytes: rexpect hands
/// each byte over as one `char`.
fn bytes_of(text: &str) -> Vec<u8> {
    text.chars().map(|ch| u32::from(ch) as u8).collect()
}

/// Drops what the line editor draws itself (bracketed paste and
/// synchronized output on and off, clearing the line, moving the cursor
/// right past the prompt) and the CR before each LF a terminal adds.
fn without_line_editing(bytes: &[u8]) -> Vec<u8> {
    let editing =
        regex::bytes::Regex::new(r"\x1b\[\?(2004|2026)[hl]|\x1b\[K|\x1b\[[0-9]*C|\x1b\[6n|\r")
            .expect("line editing pattern");
    editing.replace_all(bytes, &b""[..]).into_owned()
}

fn repl_output(courses: &HostileCourses, colour: &str, transcript: &Path) -> Vec<u8> {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut command = mptutor(home.path());
    command.args(["--color", colour, "--width", "100", "--lessons"]);
    command.arg(&courses.good);
    let mut repl: PtySession =
        rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).expect("start mptutor in a pty");
    // The line editor turns bracketed paste on each time it starts
    // reading a line: once per prompt, however often it redraws it.
    let next_prompt = "\x1b[?2004h";
    let mut shown = repl.exp_string(next_prompt).expect("first prompt");
    for line in session_lines(transcript, false) {
        repl.send_line(&line).expect("type a command");
        let before = repl
            .exp_string(next_prompt)
            .unwrap_or_else(|error| panic!("prompt after {line:?}: {error}"));
        shown.push_str(&before);
    }
    repl.send_line("quit").expect("quit");
    shown.push_str(&repl.exp_eof().expect("quit leaves mptutor"));
    without_line_editing(&bytes_of(&shown))
}

#[test]
fn the_repl_in_a_terminal_passes_no_escape_with_or_without_colour() {
    let courses = HostileCourses::new();
    let home = tempfile::tempdir().expect("temporary directory");
    for colour in ["never", "always"] {
        let transcript = home.path().join(format!("class-{colour}.txt"));
        let shown = repl_output(&courses, colour, &transcript);
        let text = String::from_utf8_lossy(&shown);
        assert!(
            text.contains("Course <"),
            "the welcome names the course: {text}"
        );
        assert_terminal_safe(&shown, colour == "always", "the REPL's terminal");
        let recorded = std::fs::read(&transcript).expect("the transcript was written");
        assert!(!recorded.is_empty());
        assert_terminal_safe(&recorded, false, "the REPL's transcript");
    }
}

#[test]
fn a_command_line_mistake_shown_in_a_terminal_passes_no_escape() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut command = mptutor(home.path());
    command.arg(format!("open{}", hostile_line()));
    let mut shown =
        rexpect::session::spawn_command(command, Some(TIMEOUT_MS)).expect("start mptutor in a pty");
    let said = bytes_of(&shown.exp_eof().expect("mptutor stops at the mistake"));
    let text = String::from_utf8_lossy(&said);
    assert!(text.contains("unrecognized subcommand"), "{text:?}");
    assert_terminal_safe(&said, true, "the command-line mistake");
}

#[test]
fn a_check_pattern_still_matches_the_programs_escapes_as_printed() {
    let lesson = "+++\nid = \"r1\"\ntitle = \"R\"\n+++\n\n## Step\n\n\
                  ```python\nprint(\"\\x1b[31mred\\x1b[0m \\x9b2J\")\n```\n\n\
                  ```check\neach_once = [\"\\u001b\\\\[31mred\\u001b\\\\[0m \\u009b2J\"]\nline_count = 1\n```\n";
    let course = crate::support::TempCourse::new(&[("r.md", lesson)]);
    let home = tempfile::tempdir().expect("temporary directory");
    let args = strings(&["check", &arg(course.path())]);
    let output = run(home.path(), &args, "");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(said.contains("passes its checks"), "{said}");
}
