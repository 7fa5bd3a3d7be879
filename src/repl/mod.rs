//! The REPL: the interactive loop (rustyline) and the script loop used when
//! standard input is not a terminal. Both feed lines to one [`Session`].

mod commands;
mod effects;
mod exercise_run;
mod helper;
mod record_notes;
mod reply;
mod session;
mod transcript;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use rustyline::config::Configurer;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

pub use commands::{COMMANDS, Command, CommandInfo, command_words};
pub use reply::{EditRequest, Reply, TranscriptChange};
pub use session::{ExerciseRan, Session};

use crate::safe_output::SafeOutput;
use effects::carry_out;
use helper::ReplHelper;
use transcript::Shown;

/// How the interactive REPL looks and where it keeps history.
pub struct Interactive {
    pub color: bool,
    /// Columns fixed by `--width`; otherwise the terminal's, read as each
    /// command is entered so a resized window is followed.
    pub fixed_width: Option<usize>,
    /// The history file; `None` keeps history for this session only.
    pub history: Option<PathBuf>,
}

/// Runs the interactive REPL until `quit` or Ctrl-D.
pub fn run_interactive(mut session: Session, settings: &Interactive) -> anyhow::Result<()> {
    // Before anything can change the terminal: however mptutor leaves from
    // here on (quit, an error, a panic, SIGTERM, SIGHUP, SIGQUIT), the
    // terminal is left as it was found.
    let _terminal = crate::engine::sys::terminal::RestoreOnExit::arm();
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)
        .context("configuring line editing")?
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> =
        Editor::with_config(config).context("starting line editing")?;
    editor
        .set_max_history_size(1000)
        .context("configuring history")?;
    let lesson_ids = session.course().lesson_ids().map(str::to_string).collect();
    editor.set_helper(Some(ReplHelper::new(lesson_ids, settings.color)));
    if let Some(path) = &settings.history {
        // A missing file is the normal first run; anything else is not worth
        // stopping a lesson for.
        let _ = editor.load_history(path);
    }

    // The line editor reads Ctrl-C as a key, but between two prompts the
    // terminal is in its ordinary mode, where Ctrl-C is SIGINT and would
    // end mptutor and the lesson. Catch it for the whole session instead
    // (a demo running meanwhile stops, see `engine::interrupt`).
    let _interrupts = crate::engine::interrupt::InterruptGuard::install();
    let mut out = Shown::new(
        SafeOutput::new(io::stdout().lock(), settings.color),
        settings.color,
    );
    writeln!(out, "{}\n", session.welcome())?;
    loop {
        if let Some(helper) = editor.helper_mut() {
            helper.in_quiz = session.in_quiz();
            helper.demo_params = session.demo_param_names();
            helper.theme = session.options().theme;
        }
        let prompt = session.prompt();
        let prompt_styles = crate::render::Styles::new(&session.options());
        let styled = prompt_styles.prompt(&prompt);
        // A Ctrl-C from an earlier command is not meant for the next one;
        // one pressed from the moment Enter is read counts for it.
        crate::engine::interrupt::clear();
        match editor.readline(&(prompt.as_str(), styled.as_str())) {
            Ok(typed) => {
                let mut quit = false;
                for (n, line) in pasted_lines(&typed).into_iter().enumerate() {
                    let prompt = if n == 0 {
                        prompt.clone()
                    } else {
                        // The paste is on screen already; each further
                        // command of it is shown again above what it does.
                        let prompt = session.prompt();
                        writeln!(out, "{}{line}", prompt_styles.prompt(&prompt))?;
                        prompt
                    };
                    quit =
                        handle_typed(&mut session, &mut editor, settings, &mut out, &prompt, line)?;
                    if quit {
                        break;
                    }
                }
                if quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                let text = session.interrupt().map_or_else(
                    || "(Ctrl-C clears the line; type quit or press Ctrl-D to leave)".to_string(),
                    |r| r.text,
                );
                writeln!(out, "{text}")?;
            }
            Err(ReadlineError::Eof) => break,
            Err(ReadlineError::Io(error)) if error.kind() == io::ErrorKind::InvalidData => {
                // The line editor stops at the first byte that cannot be
                // UTF-8 (after a lone 0xE9, which would begin a three-byte
                // character, that is the next key) and drops what it had
                // read past it; what the terminal still holds is the rest
                // of the same line or paste, not a command of its own.
                crate::engine::sys::terminal::discard_typed_ahead();
                writeln!(out, "{NOT_UTF8_TYPED}\n")?;
            }
            Err(error) => return Err(error).context("reading a line"),
        }
    }
    if let Some(Err(failure)) = out.stop_recording() {
        writeln!(out, "{failure}")?;
    }
    Ok(())
}

/// What the REPL says when a typed line is not UTF-8 (a Latin-1 terminal
/// sends `é` as the single byte 0xE9).
const NOT_UTF8_TYPED: &str = "That line held bytes that are not UTF-8 text (is the terminal set to UTF-8?); \
     it was ignored, with anything typed after it.";

/// Where a script line stops being UTF-8 text: the column of its first
/// bad byte (counting characters, from 1) and that byte; `None` for a line
/// of text.
fn first_non_utf8(bytes: &[u8]) -> Option<(usize, u8)> {
    let error = std::str::from_utf8(bytes).err()?;
    let valid = &bytes[..error.valid_up_to()];
    let column = String::from_utf8_lossy(valid).chars().count() + 1;
    Some((column, bytes.get(error.valid_up_to()).copied()?))
}

/// The commands in what the line editor returned: one, or each line of a
/// paste of several (the editor takes a bracketed paste whole, newlines
/// and all). Blank lines inside a paste are skipped, where a lone Enter
/// would turn the page; an empty line on its own is still one.
fn pasted_lines(typed: &str) -> Vec<&str> {
    let lines: Vec<&str> = typed
        .split(['\n', '\r'])
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() { vec![typed] } else { lines }
}

/// Runs one typed command: history, transcript, the session's reply and
/// what it asks for. Whether it was `quit`.
fn handle_typed<W: Write>(
    session: &mut Session,
    editor: &mut Editor<ReplHelper, DefaultHistory>,
    settings: &Interactive,
    out: &mut Shown<W>,
    prompt: &str,
    line: &str,
) -> io::Result<bool> {
    if !line.trim().is_empty() && !session.in_quiz() {
        let _ = editor.add_history_entry(line.trim());
        if let Some(path) = &settings.history {
            let _ = editor.append_history(path);
        }
    }
    // As the terminal showed it: a plain transcript drops the colour.
    let shown_prompt = crate::render::Styles::new(&session.options()).prompt(prompt);
    out.record_only(&format!("{shown_prompt}{line}\n"));
    // The width when the command is entered, not when the prompt was
    // drawn: a window resized (or a font zoomed) while the student types
    // is laid out at its new size.
    if settings.fixed_width.is_none() {
        session.set_width(terminal_width());
    }
    let reply = session.handle(line);
    if !reply.text.is_empty() {
        writeln!(out, "{}\n", reply.text)?;
    }
    if reply.clear && io::stdout().is_terminal() {
        // Home, then erase the screen; the prompt is drawn again at the top.
        out.send_control(&mut io::stdout(), CLEAR_SCREEN)?;
    }
    let options = session.options();
    for notice in carry_out(&reply, out, options, session)? {
        if !notice.already_shown {
            writeln!(out, "{}\n", notice.text)?;
        }
    }
    // The notices themselves may be what filled the disk.
    if let Some(failure) = out.take_failure() {
        writeln!(out, "{failure}\n")?;
    }
    Ok(reply.quit)
}

/// Runs commands read line by line from `input`, as a script: no prompts,
/// output to `out`, each failed command reported on `err` with its line
/// number. Lines starting with `#` are comments. A line that is not
/// UTF-8 text is reported (with the column of its first bad byte) and
/// skipped. Returns whether every line was read and every command
/// succeeded.
pub fn run_script(
    session: &mut Session,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let mut out = Shown::new(out, session.options().color);
    let mut all_ok = true;
    let mut bytes = Vec::new();
    let mut number = 0usize;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        if bytes.trim_ascii_start().starts_with(b"#") {
            continue;
        }
        if let Some((column, byte)) = first_non_utf8(&bytes) {
            all_ok = false;
            writeln!(
                err,
                "mptutor: <stdin>:{number}:{column}: byte 0x{byte:02x} is not UTF-8 text \
                 (save the script as UTF-8); the line was ignored"
            )?;
            continue;
        }
        let line = String::from_utf8_lossy(&bytes);
        let line = line.trim_end_matches(['\n', '\r']);
        let reply = session.handle(line);
        if reply.is_error {
            all_ok = false;
            writeln!(err, "mptutor: <stdin>:{number}: {}", reply.text)?;
            out.record_only(&format!("{}\n\n", reply.text));
        } else if !reply.text.is_empty() {
            writeln!(out, "{}\n", reply.text)?;
        }
        let options = session.options();
        for notice in carry_out(&reply, &mut out, options, session)? {
            if notice.is_error {
                all_ok = false;
                writeln!(err, "mptutor: <stdin>:{number}: {}", notice.text)?;
            } else {
                writeln!(out, "{}\n", notice.text)?;
            }
        }
        if let Some(failure) = out.take_failure() {
            all_ok = false;
            writeln!(err, "mptutor: <stdin>:{number}: {failure}")?;
        }
        if reply.quit {
            break;
        }
    }
    if let Some(Err(failure)) = out.stop_recording() {
        all_ok = false;
        writeln!(err, "mptutor: {failure}")?;
    }
    out.flush()?;
    Ok(all_ok)
}

/// What `clear` sends the terminal: cursor home, erase the screen.
const CLEAR_SCREEN: &str = "\x1b[H\x1b[2J";

/// The terminal's height in rows, or 24 when it cannot be read.
pub fn terminal_rows() -> usize {
    console::Term::stdout()
        .size_checked()
        .map(|(rows, _)| usize::from(rows))
        .filter(|rows| *rows > 0)
        .unwrap_or(24)
}

/// The terminal's width in columns, or [`crate::DEFAULT_WIDTH`] when it
/// cannot be read (some pseudo-terminals report 0).
pub fn terminal_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map(|(_, columns)| usize::from(columns))
        .filter(|columns| *columns > 0)
        .unwrap_or(crate::DEFAULT_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::first_non_utf8;

    #[test]
    fn a_bad_byte_is_placed_by_the_characters_before_it() {
        assert_eq!(first_non_utf8("open q3\n".as_bytes()), None);
        assert_eq!(first_non_utf8(b"open caf\xe9\n"), Some((9, 0xe9)));
        // `é` and `€` are two and three bytes, one column each.
        assert_eq!(first_non_utf8(b"\xc3\xa9\xe2\x82\xac\xff"), Some((3, 0xff)));
    }
}
