//! mptutor: an interactive course on processes and threads.
//!
//! The library is the engine — [`course`] loads lessons, [`demo`] knows the
//! built-in demos, [`render`] turns both into text — and the binary is a thin
//! front end: [`run`] dispatches to the REPL in [`repl`] or to one of the
//! one-shot commands in [`oneshot`].

pub mod cli;
pub mod course;
pub mod demo;
pub mod live_view;
pub mod oneshot;
pub mod render;
pub mod repl;
pub mod suggest;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cli::{Cli, ColorChoice, Command};
use course::{Course, CourseErrors};
use render::RenderOptions;

/// Width used when output is not a terminal and `--width` is not given.
pub const DEFAULT_WIDTH: usize = 100;

/// Runs mptutor as the command line asks. Errors are for the caller to
/// print; problems already reported (a bad course, a failed command) come
/// back as exit code 1.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let stdout_is_terminal = io::stdout().is_terminal();
    let script_mode = cli.command.is_none() && !io::stdin().is_terminal();
    let options = RenderOptions {
        width: cli.width.map(usize::from).unwrap_or_else(|| {
            if stdout_is_terminal {
                repl::terminal_width()
            } else {
                DEFAULT_WIDTH
            }
        }),
        color: use_color(cli.color, stdout_is_terminal && !script_mode),
        show_notes: false,
    };
    let mut out = io::stdout().lock();
    let mut err = io::stderr().lock();

    if let Some(Command::Worker { args }) = &cli.command {
        // A spawned demo worker: no course, no terminal, just the task.
        let code = demo::worker_main(args);
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
    }
    if let Some(Command::Selftest { case, args }) = &cli.command {
        // Engine diagnostics: no course needed either.
        let test = match demo::selftest::Selftest::parse(case, args) {
            Ok(test) => test,
            Err(message) => {
                writeln!(err, "mptutor: {message}")?;
                return Ok(ExitCode::from(2));
            }
        };
        return Ok(exit_code(test.run(&mut out)?));
    }
    if let Some(Command::Check { dir }) = &cli.command {
        let result = load_course(dir.as_ref().or(cli.lessons.as_ref()));
        return Ok(exit_code(oneshot::check(&result, &mut out, &mut err)?));
    }
    let course = match load_course(cli.lessons.as_ref()) {
        Ok(course) => course,
        Err(errors) => {
            writeln!(err, "{errors}")?;
            return Ok(ExitCode::from(1));
        }
    };
    let succeeded = match cli.command {
        Some(Command::List) => oneshot::list(&course, &options, &mut out)?,
        Some(Command::Show {
            lesson,
            step,
            notes,
        }) => {
            let options = RenderOptions {
                show_notes: notes,
                ..options
            };
            oneshot::show(&course, &lesson, step, &options, &mut out, &mut err)?
        }
        Some(Command::Run {
            lesson,
            params,
            json,
        }) => oneshot::run(
            &course, &lesson, &params, json, &options, &mut out, &mut err,
        )?,
        Some(Command::Check { .. } | Command::Worker { .. } | Command::Selftest { .. }) => true,
        None if script_mode => {
            let mut session = repl::Session::new(course, options);
            repl::run_script(&mut session, &mut io::stdin().lock(), &mut out, &mut err)?
        }
        None => {
            drop(out);
            let settings = repl::Interactive {
                color: options.color,
                fixed_width: cli.width.map(usize::from),
                history: history_file(),
            };
            repl::run_interactive(repl::Session::new(course, options), &settings)?;
            true
        }
    };
    Ok(exit_code(succeeded))
}

fn load_course(dir: Option<&PathBuf>) -> Result<Course, CourseErrors> {
    match dir {
        Some(dir) => course::load_dir(dir),
        None => course::load_builtin(),
    }
}

fn exit_code(succeeded: bool) -> ExitCode {
    if succeeded {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Colour only where it can be seen: `auto` asks whether stdout is a
/// terminal that supports colour and `NO_COLOR` is not set.
fn use_color(choice: ColorChoice, interactive_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
            interactive_terminal
                && !no_color
                && supports_color::on(supports_color::Stream::Stdout).is_some()
        }
    }
}

/// `history.txt` in the user's data directory (`$XDG_DATA_HOME/mptutor` on
/// Linux), created if needed; `None` when there is no such directory.
fn history_file() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "mptutor")?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).ok()?;
    Some(dir.join("history.txt"))
}
