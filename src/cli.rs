//! Command-line flags and the one-shot commands, as clap sees them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Learn multiprocessing and multithreading by watching real processes and threads.
///
/// With no command, opens the interactive course. When standard input is not
/// a terminal, reads REPL commands from it line by line, as a script.
#[derive(Debug, Parser)]
#[command(name = "mptutor", version, about, long_about = None)]
pub struct Cli {
    /// Load the course in DIR (the folder holding course.toml) instead of the built-in one.
    #[arg(long, value_name = "DIR", global = true)]
    pub lessons: Option<PathBuf>,

    /// Render for N columns instead of the terminal's width (100 when not a terminal).
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u16).range(40..=1000))]
    pub width: Option<u16>,

    /// Wrap prose at most N characters wide, however wide the terminal (default 88).
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u16).range(40..=1000))]
    pub measure: Option<u16>,

    /// When to use colour. `auto`: on a terminal, unless NO_COLOR is set
    /// (not empty) or CLICOLOR=0; CLICOLOR_FORCE (not empty, not 0) colours
    /// output that is not a terminal too. `always` and `never` override them all.
    #[arg(long, value_name = "WHEN", global = true, default_value = "auto")]
    pub color: ColorChoice,

    /// Colours for the room: dark, light (a white background) or high-contrast; the REPL's `theme` saves one in config.toml.
    #[arg(long, value_name = "NAME", global = true, value_parser = theme_parser())]
    pub theme: Option<crate::render::Theme>,

    /// Keep progress in FILE instead of progress.toml in your data folder.
    #[arg(long, value_name = "FILE")]
    pub progress: Option<PathBuf>,

    /// Instructor mode (`present` in the REPL): save no progress, keep the
    /// notes off the projected screen and let `mptutor notes` show them in
    /// another terminal.
    #[arg(long)]
    pub instructor: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The command line, parsed; a mistake in it (or `--help`,
    /// `--version`) is printed here and becomes the exit code.
    pub fn parse_args() -> Result<Cli, std::process::ExitCode> {
        Cli::try_parse().map_err(|error| print_usage_error(&error))
    }
}

/// Prints what clap says about the command line as clap would, except that
/// a mistake is plain text through the terminal filter: clap quotes the
/// word it did not understand, which may hold escapes (pasted from a
/// course's text), colours among them that clap's own could not be told
/// from.
fn print_usage_error(error: &clap::Error) -> std::process::ExitCode {
    let code = std::process::ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    if error.use_stderr() {
        let text = error.render().to_string();
        eprint!("{}", crate::render::terminal_safe(&text, false));
    } else {
        // `--help` and `--version`: mptutor's own text.
        let _ = error.print();
    }
    code
}

/// `--theme`'s names, as completion and `--help` list them.
fn theme_parser() -> impl clap::builder::TypedValueParser<Value = crate::render::Theme> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(crate::render::Theme::ALL.map(|theme| theme.name()))
        .map(|name| crate::render::Theme::from_name(&name).unwrap_or_default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The start method `check --start-method` runs the examples under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartMethodChoice {
    Fork,
    Spawn,
    Forkserver,
    /// Each of fork, spawn and forkserver.
    All,
}

impl StartMethodChoice {
    /// The methods, as `multiprocessing` names them, in the order they run.
    pub fn methods(self) -> Vec<&'static str> {
        match self {
            StartMethodChoice::Fork => vec!["fork"],
            StartMethodChoice::Spawn => vec!["spawn"],
            StartMethodChoice::Forkserver => vec!["forkserver"],
            StartMethodChoice::All => crate::python::START_METHODS.to_vec(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the lessons of the course.
    List,
    /// List every exercise of the course, done or to do, from your
    /// progress file (or --progress FILE).
    Exercises,
    /// Print a lesson (or one step of it) and exit.
    Show {
        /// Lesson id (`q3`) or number (`3`).
        lesson: String,
        /// Only this step, counting from 1.
        #[arg(long, value_name = "N")]
        step: Option<usize>,
        /// Include the instructor's notes.
        #[arg(long)]
        notes: bool,
    },
    /// Run a lesson's demo, with optional parameters such as workers=8.
    Run {
        /// Lesson id (`q6`) or number.
        lesson: String,
        /// Demo parameters as key=value.
        #[arg(value_name = "KEY=VALUE")]
        params: Vec<String>,
        /// Print the events as JSON lines, then a result object, instead of the live view.
        #[arg(long)]
        json: bool,
    },
    /// Run a lesson's Python example with your python3, as the REPL's
    /// `python` does: live beside its code, then its checks and how the
    /// lesson's speed claim fared on this machine.
    Python {
        /// Lesson id (`q1`) or number.
        lesson: String,
        /// The example of this step, counting from 1 (default: the lesson's first).
        #[arg(long, value_name = "N")]
        step: Option<usize>,
        /// Stop it, and every process it started, after S seconds (default 30).
        #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..=600))]
        timeout: Option<u64>,
        /// Print the events as JSON lines, then the checked outcome, instead of the live view.
        #[arg(long)]
        json: bool,
    },
    /// Run any Python program as mptutor runs the lessons' examples, live,
    /// then show its X-ray: every process, thread and pool task it ran,
    /// with their CPU use over time. Exits with the program's exit code
    /// (128 + the signal's number when a signal ended it, 124 when it was
    /// stopped at its timeout, 1 when mptutor could not run it).
    #[command(arg_required_else_help = true)]
    Trace {
        /// The program to run; everything after it goes to the program
        /// (its `sys.argv[1:]`).
        #[arg(value_name = "FILE.py", required_unless_present = "code")]
        file: Option<PathBuf>,
        /// Arguments for the program.
        #[arg(
            value_name = "ARGS",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        args: Vec<String>,
        /// Run CODE instead of a file, as `python3 -c CODE` does.
        #[arg(short = 'c', value_name = "CODE", conflicts_with_all = ["file", "args"])]
        code: Option<String>,
        /// The Python interpreter to run it with: a path, or a name on PATH
        /// (default: python3).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
        /// Stop it, and every process it started, after S seconds (default 30).
        #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..=600))]
        timeout: Option<u64>,
        /// Print the events as JSON lines, then the X-ray, instead of the live view.
        #[arg(long)]
        json: bool,
    },
    /// Run the processes-vs-threads experiments on this machine and show
    /// lesson q2's table with a "measured here" column.
    Compare {
        /// Only this row: memory, failure, overhead, cpu, io, communication
        /// or start_methods (default: all of them).
        row: Option<String>,
        /// Print the results as one JSON object instead of the live view.
        #[arg(long)]
        json: bool,
    },
    /// Follow the presenting REPL (`present`, or `mptutor --instructor`)
    /// from another terminal: the step it shows, with that step's notes and
    /// quiz answers and the next step's title, redrawn whenever it moves.
    /// q or Ctrl-C leaves.
    Notes,
    /// Runs one worker of a demo; used by the spawn start method.
    #[command(hide = true)]
    Worker {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Exercises the demo engine's safety promises (see `selftest`):
    /// `flood BYTES` or `hold MS WORKERS [fork|spawn|forkserver]`; prints JSON.
    #[command(hide = true)]
    Selftest {
        case: String,
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Measure the engine against the bare system calls and against Python's
    /// multiprocessing, and show the figures with their targets.
    Bench {
        /// Only these operations (default: all of them).
        #[arg(value_enum)]
        ops: Vec<crate::bench::Op>,
        /// Fewer iterations and smaller inputs: done in about 20 seconds,
        /// under 10 without the X-ray's operations (xray-q1, xray-pool).
        #[arg(long)]
        quick: bool,
        /// Print the figures as one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check a course folder and run its Python examples against their
    /// check blocks; report every problem, exit 1 if there are any.
    ///
    /// Each example with check blocks runs with python3 under its default
    /// start method, unless --start-method, --python or --every-python ask
    /// for more; every exercise's starter and solution run under fork,
    /// spawn and forkserver, with each interpreter. A table at the end
    /// shows, for each interpreter and start method, how many examples
    /// passed and failed and how long they took.
    Check {
        /// The folder holding course.toml (default: --lessons, else the built-in course).
        dir: Option<PathBuf>,
        /// Only load the course; do not run the Python examples.
        #[arg(long)]
        no_run: bool,
        /// Stop each example, and every process it started, after S seconds (default 30).
        #[arg(long, value_name = "S", value_parser = clap::value_parser!(u64).range(1..=600))]
        timeout: Option<u64>,
        /// Run the examples under this start method (`all`: under fork,
        /// spawn and forkserver, one after another) instead of the
        /// interpreter's default; an example that chooses its own method
        /// still gets it.
        #[arg(long, value_name = "METHOD", conflicts_with = "no_run")]
        start_method: Option<StartMethodChoice>,
        /// Run the examples and exercises with this interpreter: a path,
        /// or a name on PATH. Give it again for each other one.
        #[arg(long, value_name = "PATH", conflicts_with = "no_run")]
        python: Vec<PathBuf>,
        /// Run them with python3 and with every CPython 3.8 or newer that
        /// pyenv holds (`$(pyenv root)/versions/*`), besides any --python.
        #[arg(long, conflicts_with = "no_run")]
        every_python: bool,
    },
    /// Print a completion script for SHELL, e.g.
    /// `mptutor completions bash > ~/.local/share/bash-completion/completions/mptutor`.
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print mptutor's man page (roff) on standard output, e.g.
    /// `mptutor man > ~/.local/share/man/man1/mptutor.1`.
    Man,
    /// Start a new lesson: write a lesson file to fill in and add it to the
    /// course.toml of --lessons DIR (default: the current folder), creating
    /// the course folder if needed.
    New {
        /// The new lesson's id, e.g. `pipes` (letters, digits, `-` and `_`).
        id: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_args(args: &[&str]) -> Result<Command, String> {
        let line = ["mptutor", "check"].iter().chain(args).copied();
        Cli::try_parse_from(line)
            .map_err(|error| error.to_string())
            .and_then(|cli| cli.command.ok_or_else(|| "no command".to_string()))
    }

    #[test]
    fn check_takes_a_start_method_and_several_pythons() {
        let parsed = check_args(&[
            "lessons",
            "--start-method",
            "all",
            "--python",
            "/usr/bin/python3",
            "--python",
            "python3.12",
            "--every-python",
        ]);
        let Ok(Command::Check {
            dir,
            start_method,
            python,
            every_python,
            no_run,
            ..
        }) = parsed
        else {
            panic!("{parsed:?}");
        };
        assert_eq!(dir, Some(PathBuf::from("lessons")));
        assert_eq!(start_method, Some(StartMethodChoice::All));
        assert_eq!(
            start_method.map(StartMethodChoice::methods),
            Some(vec!["fork", "spawn", "forkserver"])
        );
        assert_eq!(
            python,
            [
                PathBuf::from("/usr/bin/python3"),
                PathBuf::from("python3.12")
            ]
        );
        assert!(every_python && !no_run);
    }

    #[test]
    fn check_without_options_uses_the_default_python_and_method() {
        let parsed = check_args(&[]);
        let Ok(Command::Check {
            start_method,
            python,
            every_python,
            ..
        }) = parsed
        else {
            panic!("{parsed:?}");
        };
        assert_eq!(start_method, None);
        assert!(python.is_empty() && !every_python);
    }

    #[test]
    fn each_single_start_method_is_itself() {
        for (word, method) in [
            ("fork", "fork"),
            ("spawn", "spawn"),
            ("forkserver", "forkserver"),
        ] {
            let parsed = check_args(&["--start-method", word]);
            let Ok(Command::Check { start_method, .. }) = parsed else {
                panic!("{parsed:?}");
            };
            assert_eq!(
                start_method.map(StartMethodChoice::methods),
                Some(vec![method])
            );
        }
    }

    #[test]
    fn check_refuses_an_unknown_start_method_naming_the_choices() {
        let error = check_args(&["--start-method", "thread"]).expect_err("refused");
        assert!(error.contains("'thread'"), "{error}");
        for choice in ["fork", "spawn", "forkserver", "all"] {
            assert!(error.contains(choice), "{error}");
        }
    }

    #[test]
    fn running_options_do_not_go_with_no_run() {
        for args in [
            &["--no-run", "--start-method", "spawn"][..],
            &["--no-run", "--every-python"],
            &["--no-run", "--python", "python3"],
        ] {
            let error = check_args(args).expect_err("refused");
            assert!(error.contains("cannot be used with"), "{args:?}: {error}");
        }
    }
}
