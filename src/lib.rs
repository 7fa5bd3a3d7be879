//! mptutor: an interactive course on processes and threads.
//!
//! The library is the engine — [`course`] loads lessons, [`demo`] knows the
//! built-in demos, [`render`] turns both into text — and the binary is a thin
//! front end: [`run`] dispatches to the REPL in [`repl`] or to one of the
//! one-shot commands in [`oneshot`]. [`bench`] measures the engine against
//! the bare system calls and against Python.

// mptutor shows real processes through Linux's own interfaces: pidfds,
// prctl, close_range and /proc. They are all called from `engine::sys`,
// so a port is a new version of that one module.
#[cfg(not(target_os = "linux"))]
compile_error!(
    "mptutor runs on Linux only: it uses pidfd, prctl, close_range and /proc. \
     On Windows, build and run it inside WSL2; on macOS, in a Linux virtual machine or container."
);

pub mod address_space;
pub mod bench;
pub mod cli;
pub mod color;
pub mod compare_view;
pub mod config;
pub mod course;
pub mod demos;
pub mod engine;
pub mod exercise;
pub mod findings;
pub mod json;
pub mod live_view;
pub mod oneshot;
pub mod presenting;
pub mod progress;
pub mod python;
pub mod python_view;
pub mod render;
pub mod repl;
pub mod replay;
pub mod safe_output;
pub mod selftest;
pub mod shell_files;
pub mod suggest;
pub mod user_file;
pub mod xray;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cli::{Cli, ColorChoice, Command};
use course::{Course, CourseErrors};
use render::RenderOptions;
use safe_output::SafeOutput;

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
        measure: cli.measure.map_or(render::DEFAULT_MEASURE, usize::from),
        color: use_color(cli.color, stdout_is_terminal && !script_mode),
        show_notes: false,
        theme: Default::default(),
    };
    // A live demo re-lays itself out when the terminal is resized, unless
    // the width was fixed or output is not a terminal.
    engine::resize::follow_terminal(cli.width.is_none() && stdout_is_terminal);
    // Everything printed from here on may hold a course's or a program's
    // text: it reaches the terminal through the one filter, which keeps
    // colours only where mptutor draws them (`check`, `new` and every
    // message on stderr are plain text, so a course's own colour codes in a
    // file name or a title are shown as text there too).
    let styled = options.color
        && !matches!(
            cli.command,
            Some(Command::Check { .. } | Command::New { .. })
        );
    let mut out = SafeOutput::new(io::stdout().lock(), styled);
    let mut err = SafeOutput::new(io::stderr().lock(), false);

    if let Some(Command::Worker { args }) = &cli.command {
        // A spawned demo worker: no course, no terminal, just the task.
        let code = demos::worker_main(args);
        return Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)));
    }
    if let Some(Command::Selftest { case, args }) = &cli.command {
        // Engine diagnostics: no course needed either.
        let test = match selftest::Selftest::parse(case, args) {
            Ok(test) => test,
            Err(message) => {
                writeln!(err, "mptutor: {message}")?;
                return Ok(ExitCode::from(2));
            }
        };
        return Ok(exit_code(test.run(&mut out)?));
    }
    match &cli.command {
        Some(Command::Completions { shell }) => {
            shell_files::write_completions(*shell, &mut io::stdout().lock())?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Man) => {
            shell_files::write_man(&mut io::stdout().lock())?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let config = config::ConfigFile::in_config_dir();
    let options = RenderOptions {
        theme: choose_theme(cli.theme, config.as_ref(), &mut err)?,
        ..options
    };
    if let Some(refused) = address_space::check() {
        // Past this point an allocation that finds no room aborts
        // mptutor, so a limit too tight is refused before anything runs.
        writeln!(err, "{refused}")?;
        return Ok(ExitCode::from(1));
    }
    if let Some(Command::Bench { ops, quick, json }) = &cli.command {
        // Measures the engine: no course needed.
        let settings = bench::Settings {
            quick: *quick,
            only: ops.clone(),
        };
        return Ok(one_shot_exit(exit_code(oneshot::bench(
            settings, *json, &options, &mut out, &mut err,
        )?)));
    }
    if let Some(Command::Check {
        dir,
        no_run,
        timeout,
        start_method,
        python,
        every_python,
    }) = &cli.command
    {
        let result = load_course(dir.as_ref().or(cli.lessons.as_ref()));
        let run = (!no_run).then(|| oneshot::CheckRun {
            timeout: timeout.map_or(python_view::DEFAULT_TIMEOUT, std::time::Duration::from_secs),
            methods: start_method
                .map(cli::StartMethodChoice::methods)
                .unwrap_or_default(),
            pythons: python.clone(),
            every_python: *every_python,
        });
        return Ok(one_shot_exit(exit_code(oneshot::check(
            &result,
            run.as_ref(),
            &options,
            &mut out,
            &mut err,
        )?)));
    }
    if let Some(Command::Trace {
        file,
        args,
        code,
        python,
        timeout,
        json,
    }) = &cli.command
    {
        let program = match (file, code) {
            (_, Some(code)) => python::PythonProgram::Source {
                code: code.clone(),
                file_name: "mptutor_trace_c.py".to_string(),
            },
            (Some(path), None) => python::PythonProgram::File {
                path: path.clone(),
                args: args.clone(),
            },
            (None, None) => {
                writeln!(err, "mptutor trace: give a program, FILE.py or -c CODE")?;
                return Ok(ExitCode::from(2));
            }
        };
        let run = oneshot::TraceRun {
            program,
            python: python.clone(),
            timeout: timeout.map(std::time::Duration::from_secs),
            json: *json,
        };
        return Ok(one_shot_exit(ExitCode::from(oneshot::trace(
            &run, &options, &mut out, &mut err,
        )?)));
    }
    if let Some(Command::Notes) = &cli.command {
        // Follows whichever course the presenter has open, not --lessons.
        let settings = presenting::NotesSettings {
            color: options.color,
            theme: options.theme,
            measure: options.measure,
            fixed_width: cli.width.map(usize::from),
        };
        let dir = presenting::presenting_dir();
        let status = presenting::follow(&dir, settings, &mut out, &mut io::stdout(), &mut err)?;
        return Ok(ExitCode::from(status));
    }
    if let Some(Command::New { id }) = &cli.command {
        let created = oneshot::new_lesson(id, cli.lessons.as_deref(), &mut out, &mut err)?;
        return Ok(exit_code(created));
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
        Some(Command::Exercises) => {
            let file = cli
                .progress
                .clone()
                .or_else(|| data_dir().map(|dir| dir.join("progress.toml")));
            let progress = file.map(|path| progress::ProgressFile::new(path).load().progress);
            oneshot::exercises(&course, progress.as_ref(), &options, &mut out)?
        }
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
        }) => {
            let succeeded = oneshot::run(
                &course, &lesson, &params, json, &options, &mut out, &mut err,
            )?;
            return Ok(one_shot_exit(exit_code(succeeded)));
        }
        Some(Command::Python {
            lesson,
            step,
            timeout,
            json,
        }) => {
            let run = oneshot::PythonRun {
                lesson: &lesson,
                step,
                timeout: timeout.map(std::time::Duration::from_secs),
                json,
            };
            let succeeded = oneshot::python(&course, &run, &options, &mut out, &mut err)?;
            return Ok(one_shot_exit(exit_code(succeeded)));
        }
        Some(Command::Compare { row, json }) => {
            let succeeded =
                oneshot::compare(&course, row.as_deref(), json, &options, &mut out, &mut err)?;
            return Ok(one_shot_exit(exit_code(succeeded)));
        }
        Some(
            Command::Bench { .. }
            | Command::Check { .. }
            | Command::New { .. }
            | Command::Notes
            | Command::Trace { .. }
            | Command::Worker { .. }
            | Command::Completions { .. }
            | Command::Man
            | Command::Selftest { .. },
        ) => true,
        None if script_mode => {
            let mut session = new_session(course, options, &cli, config, &mut err)?;
            repl::run_script(&mut session, &mut io::stdin().lock(), &mut out, &mut err)?
        }
        None => {
            drop(out);
            let mut session = new_session(course, options, &cli, config, &mut err)?;
            session.set_editor(
                ["VISUAL", "EDITOR"]
                    .iter()
                    .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty())),
            );
            let settings = repl::Interactive {
                color: options.color,
                fixed_width: cli.width.map(usize::from),
                history: history_file(),
            };
            repl::run_interactive(session, &settings)?;
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

/// Colour only where it can be seen, or where `CLICOLOR_FORCE` asks for
/// it (see [`color::wants_color`]).
fn use_color(choice: ColorChoice, interactive_terminal: bool) -> bool {
    color::wants_color(
        choice,
        interactive_terminal,
        &color::ColorEnv::from_process(),
        || supports_color::on(supports_color::Stream::Stdout).is_some(),
    )
}

/// The exit status of a one-shot command: 130 (128 + SIGINT, as a shell
/// reports a command Ctrl-C ended) when Ctrl-C stopped it, whatever the
/// command made of being stopped.
fn one_shot_exit(code: ExitCode) -> ExitCode {
    if engine::interrupt::caught_since_start() {
        ExitCode::from(INTERRUPTED_EXIT)
    } else {
        code
    }
}

/// The theme: `--theme`, else the config file's, else dark. A config file
/// that cannot be used is reported on `err` and the default is used.
fn choose_theme(
    flag: Option<render::Theme>,
    config: Option<&config::ConfigFile>,
    err: &mut dyn Write,
) -> io::Result<render::Theme> {
    let saved = match config.map(config::ConfigFile::load) {
        None => None,
        Some(Ok(saved)) => saved.theme,
        Some(Err(error)) => {
            writeln!(err, "mptutor: warning: {error}; using the default settings")?;
            None
        }
    };
    Ok(flag.or(saved).unwrap_or_default())
}

/// The exit status after Ctrl-C: 128 + SIGINT's number.
pub const INTERRUPTED_EXIT: u8 = 130;

/// A REPL session as the flags ask: progress kept in `--progress FILE` or
/// the data directory (untouched while `--instructor` presents), `try`'s copies in
/// the data directory. A progress file that could not be used is reported
/// on `err`; it never stops the session.
fn new_session(
    course: Course,
    options: RenderOptions,
    cli: &Cli,
    config: Option<config::ConfigFile>,
    err: &mut dyn Write,
) -> io::Result<repl::Session> {
    let mut session = repl::Session::new(course, options);
    if let Some(file) = config {
        session.keep_settings_in(file);
    }
    let data = data_dir();
    if let Some(dir) = &data {
        session.set_scratch_dir(dir.join("scratch"));
    }
    if let Some(path) = cli
        .progress
        .clone()
        .or_else(|| data.map(|dir| dir.join("progress.toml")))
        && let Some(warning) = session.keep_progress_in(progress::ProgressFile::new(path))
    {
        writeln!(err, "mptutor: warning: {warning}")?;
    }
    // Presenting changes and writes nothing until `present off`, and says
    // where it is for `mptutor notes`.
    session.publish_presenting_in(presenting::presenting_dir());
    session.set_presenting(cli.instructor);
    Ok(session)
}

/// The user's data directory for mptutor: `$XDG_DATA_HOME/mptutor` on
/// Linux (`~/.local/share/mptutor`); `None` when there is no home.
fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "mptutor").map(|dirs| dirs.data_dir().to_path_buf())
}

/// `history.txt` in the user's data directory, created if needed; `None`
/// when there is no such directory.
fn history_file() -> Option<PathBuf> {
    let dir = data_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}
