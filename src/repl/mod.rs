//! The REPL: the interactive loop (rustyline) and the script loop used when
//! standard input is not a terminal. Both feed lines to one [`Session`].

mod commands;
mod effects;
mod helper;
mod reply;
mod session;
mod transcript;

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use anyhow::Context as _;
use rustyline::config::Configurer;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

pub use commands::{COMMANDS, Command, CommandInfo, command_words};
pub use reply::{EditRequest, Reply, TranscriptChange};
pub use session::Session;

use crate::safe_output::SafeOutput;
use effects::carry_out;
use helper::ReplHelper;
use transcript::Shown;

/// How the interactive REPL looks and where it keeps history.
pub struct Interactive {
    pub color: bool,
    /// Columns fixed by `--width`; otherwise the terminal's, read before
    /// every command so a resized window is followed.
    pub fixed_width: Option<usize>,
    /// The history file; `None` keeps history for this session only.
    pub history: Option<PathBuf>,
}

/// Runs the interactive REPL until `quit` or Ctrl-D.
pub fn run_interactive(mut session: Session, settings: &Interactive) -> anyhow::Result<()> {
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
    let mut out = Shown::new(SafeOutput::new(io::stdout().lock(), settings.color));
    writeln!(out, "{}\n", session.welcome())?;
    loop {
        if settings.fixed_width.is_none() {
            session.set_width(terminal_width());
        }
        if let Some(helper) = editor.helper_mut() {
            helper.in_quiz = session.in_quiz();
            helper.demo_params = session.demo_param_names();
        }
        let prompt = session.prompt();
        let styled = if settings.color {
            format!("\x1b[1;36m{prompt}\x1b[0m")
        } else {
            prompt.clone()
        };
        // A Ctrl-C from an earlier command is not meant for the next one;
        // one pressed from the moment Enter is read counts for it.
        crate::engine::interrupt::clear();
        match editor.readline(&(prompt.as_str(), styled.as_str())) {
            Ok(line) => {
                if !line.trim().is_empty() && !session.in_quiz() {
                    let _ = editor.add_history_entry(line.trim());
                    if let Some(path) = &settings.history {
                        let _ = editor.append_history(path);
                    }
                }
                out.record_only(&format!("{prompt}{line}\n"));
                let reply = session.handle(&line);
                if !reply.text.is_empty() {
                    writeln!(out, "{}\n", reply.text)?;
                }
                for notice in carry_out(&reply, &mut out, session.options())? {
                    if !notice.already_shown {
                        writeln!(out, "{}\n", notice.text)?;
                    }
                }
                // The notices themselves may be what filled the disk.
                if let Some(failure) = out.take_failure() {
                    writeln!(out, "{failure}\n")?;
                }
                if reply.quit {
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
            Err(error) => return Err(error).context("reading a line"),
        }
    }
    if let Some(Err(failure)) = out.stop_recording() {
        writeln!(out, "{failure}")?;
    }
    Ok(())
}

/// Runs commands read line by line from `input`, as a script: no prompts,
/// output to `out`, each failed command reported on `err` with its line
/// number. Lines starting with `#` are comments. Returns whether every
/// command succeeded.
pub fn run_script(
    session: &mut Session,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let mut out = Shown::new(out);
    let mut all_ok = true;
    let mut bytes = Vec::new();
    let mut number = 0usize;
    loop {
        bytes.clear();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            break;
        }
        number += 1;
        let line = String::from_utf8_lossy(&bytes);
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim_start().starts_with('#') {
            continue;
        }
        let reply = session.handle(line);
        if reply.is_error {
            all_ok = false;
            writeln!(err, "mptutor: <stdin>:{number}: {}", reply.text)?;
            out.record_only(&format!("{}\n\n", reply.text));
        } else if !reply.text.is_empty() {
            writeln!(out, "{}\n", reply.text)?;
        }
        for notice in carry_out(&reply, &mut out, session.options())? {
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

/// The terminal's width in columns, or [`crate::DEFAULT_WIDTH`] when it
/// cannot be read (some pseudo-terminals report 0).
pub fn terminal_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map(|(_, columns)| usize::from(columns))
        .filter(|columns| *columns > 0)
        .unwrap_or(crate::DEFAULT_WIDTH)
}
