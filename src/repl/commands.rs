//! The REPL's commands: their names, what they take, their help, and
//! turning a typed line into a [`Command`].

use crate::suggest::did_you_mean;

/// A command the student typed, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help(Option<String>),
    List,
    Open(String),
    Next,
    Back,
    /// `show`, or `show notes` for the instructor's notes too.
    Show {
        notes: bool,
    },
    Step(String),
    Run(Vec<String>),
    /// The last demo run's tables in full.
    Details,
    Code,
    /// The step's questions, or with `all` the lesson's.
    Quiz {
        all: bool,
    },
    /// Ask again every question answered wrong, in any lesson.
    Review,
    /// The current step's next hint; `hint all`: every hint seen so far.
    Hint {
        all: bool,
    },
    /// Run the step's Python example: `python [timeout=N]`.
    Python(Vec<String>),
    /// Copy the example to edit, then run the copy: `try [reset] [timeout=N]`.
    Try(Vec<String>),
    /// Start the step's exercise, or run it once more:
    /// `exercise [reset] [timeout=N] [python=PATH]`.
    Exercise(Vec<String>),
    /// Run and check the exercise each time its file is saved.
    Watch(Vec<String>),
    /// Show the exercise's solution, after asking.
    Solution,
    /// Every exercise of the course, done or to do.
    Exercises,
    /// Choose the interpreter of `python` and `try` for the session:
    /// `python=PATH`, or `python=` for `python3` on `PATH` again.
    Interpreter(String),
    Compare(Option<String>),
    Progress,
    /// Forget progress, in one lesson or all, after asking.
    Reset(Option<String>),
    /// Instructor mode: `present`, or `present off`.
    Present(Option<String>),
    /// Jump to a lesson and step: `goto q3 2`.
    Goto {
        lesson: String,
        step: Option<String>,
    },
    /// Replay runs slowly: `pace 300`, `pace step`, `pace off`, or `pace`
    /// to see it.
    Pace(Option<String>),
    /// Keep a transcript: `record FILE`, or `record off`.
    Record(String),
    /// Choose the colour theme: `theme light`, or `theme` to see it.
    Theme(Option<String>),
    /// Clear the screen and its scrollback.
    Clear,
    Quit,
}

impl Command {
    /// The name of the command in the table: what `help` lists it as.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help(_) => "help",
            Command::List => "list",
            Command::Open(_) => "open",
            Command::Next => "next",
            Command::Back => "back",
            Command::Show { .. } => "show",
            Command::Step(_) => "step",
            Command::Run(_) => "run",
            Command::Details => "details",
            Command::Code => "code",
            Command::Quiz { .. } => "quiz",
            Command::Review => "review",
            Command::Hint { .. } => "hint",
            Command::Python(_) => "python",
            Command::Try(_) => "try",
            Command::Exercise(_) => "exercise",
            Command::Watch(_) => "watch",
            Command::Solution => "solution",
            Command::Exercises => "exercises",
            Command::Interpreter(_) => "python",
            Command::Compare(_) => "compare",
            Command::Progress => "progress",
            Command::Reset(_) => "reset",
            Command::Present(_) => "present",
            Command::Goto { .. } => "goto",
            Command::Pace(_) => "pace",
            Command::Record(_) => "record",
            Command::Theme(_) => "theme",
            Command::Clear => "clear",
            Command::Quit => "quit",
        }
    }
}

/// One entry of the command table.
pub struct CommandInfo {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    /// Arguments, as shown in help (`<lesson>`).
    pub args: &'static str,
    pub summary: &'static str,
    /// Longer help for `help <command>`.
    pub details: &'static str,
    /// Reads the words after the command's name. Each command carries its
    /// own, so a command in the table is never read as another.
    pub parse: Parse,
}

/// How a command reads its arguments.
pub type Parse = fn(&CommandInfo, &[String]) -> Result<Command, ParseError>;

pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "help",
        aliases: &["?"],
        args: "[command]",
        summary: "list the commands, or explain one",
        details: "`help` lists every command; `help run` explains one in detail.",
        parse: |info, rest| optional(info, rest).map(Command::Help),
    },
    CommandInfo {
        name: "list",
        aliases: &["ls"],
        args: "",
        summary: "list the lessons of the course",
        details: "Shows every lesson with its id, title, number of steps and summary. The open lesson is marked.",
        parse: |info, rest| none(info, rest).map(|()| Command::List),
    },
    CommandInfo {
        name: "open",
        aliases: &[],
        args: "<lesson>",
        summary: "open a lesson at its first step (`q3` alone works too)",
        details: "`open q3` opens lesson q3 at step 1. Typing a lesson id on its own does the same, \
                  and so does its number: `open 3`.",
        parse: |info, rest| one(info, rest).map(Command::Open),
    },
    CommandInfo {
        name: "next",
        aliases: &["n"],
        args: "",
        summary: "go to the next step (or just press Enter)",
        details: "Moves to the next step. At the last step of a lesson, `next` opens the next lesson. \
                  An empty line does the same as `next`.",
        parse: |info, rest| none(info, rest).map(|()| Command::Next),
    },
    CommandInfo {
        name: "back",
        aliases: &["b", "prev"],
        args: "",
        summary: "go back one step",
        details: "Moves to the previous step of the open lesson.",
        parse: |info, rest| none(info, rest).map(|()| Command::Back),
    },
    CommandInfo {
        name: "show",
        aliases: &[],
        args: "[notes]",
        summary: "show the current step again (`show notes` adds the instructor's notes)",
        details: "Redraws the current step at the terminal's width. `show notes` also shows the notes \
                  the lesson keeps for whoever teaches it.",
        parse: |_, rest| match rest {
            [] => Ok(Command::Show { notes: false }),
            [word] if word.eq_ignore_ascii_case("notes") => Ok(Command::Show { notes: true }),
            _ => Err(ParseError::Usage("usage: show [notes]".to_string())),
        },
    },
    CommandInfo {
        name: "step",
        aliases: &[],
        args: "<n>",
        summary: "jump to step n of the open lesson",
        details: "`step 3` shows the third step of the open lesson.",
        parse: |info, rest| one(info, rest).map(Command::Step),
    },
    CommandInfo {
        name: "run",
        aliases: &["r"],
        args: "[key=value …]",
        summary: "run the step's demo on real processes or threads",
        details: "Runs the demo of the current step (or the lesson's first demo), with the lesson's \
                  parameters; `run workers=8 start=spawn` changes some for this run. Tab completes \
                  parameter names. `run view=live` shows the live output alone, at the whole \
                  width, without the explanation beside it (for a room), then the usual tables \
                  and findings.",
        parse: |_, rest| Ok(Command::Run(rest.to_vec())),
    },
    CommandInfo {
        name: "details",
        aliases: &[],
        args: "",
        summary: "the last demo run's tables in full",
        details: "After `run`, a table of more than a dozen rows (one row per worker, say) shows \
                  its first rows, so the demo's verdict stays in view; `details` shows every \
                  table of the last run whole, at the terminal's width now. `mptutor run <lesson> \
                  --json` has them all too.",
        parse: |info, rest| none(info, rest).map(|()| Command::Details),
    },
    CommandInfo {
        name: "code",
        aliases: &["c"],
        args: "",
        summary: "show the step's Python example on its own",
        details: "Shows the Python example of the current step, or the nearest one before it.",
        parse: |info, rest| none(info, rest).map(|()| Command::Code),
    },
    CommandInfo {
        name: "quiz",
        aliases: &["q"],
        args: "[all]",
        summary: "answer the step's questions (`quiz all`: the lesson's)",
        details: "Asks the questions of the current step one at a time; `quiz all` asks every \
                  question of the open lesson. Answer with the number or letter of a choice. A \
                  wrong answer may be tried once more; a second wrong one shows the right answer \
                  and why. `hint` gives the question's hint when it has one, `help` what you can \
                  type. `stop` (or `quit quiz`) leaves, and so does any other command; the quiz \
                  resumes at the question it stopped at the next time you ask for it at that step, \
                  even after a restart (not in instructor mode, which saves nothing). On a step \
                  without questions, `quiz` says which steps have some.",
        parse: |_, rest| match rest {
            [] => Ok(Command::Quiz { all: false }),
            [word] if word.eq_ignore_ascii_case("all") => Ok(Command::Quiz { all: true }),
            _ => Err(ParseError::Usage("usage: quiz [all]".to_string())),
        },
    },
    CommandInfo {
        name: "review",
        aliases: &[],
        args: "",
        summary: "ask again questions you have met, spaced out over sessions",
        details: "Asks again the questions you have come across (in a step you have seen, or in a \
                  quiz), in every lesson, spaced out \
                  over your sessions: first says how many are due and why (answered wrong last \
                  time, not yet reviewed, right once in review). Each question's choices are \
                  shuffled, so its letter changes; one try each. A question answered right in \
                  review comes back in a later session; right twice in a row it drops out. One \
                  answered wrong in review comes back in your next session; one answered wrong in \
                  a quiz is due at once. Each is asked at most once a session; `stop` leaves, and \
                  what is left stays due.",
        parse: |info, rest| none(info, rest).map(|()| Command::Review),
    },
    CommandInfo {
        name: "hint",
        aliases: &[],
        args: "[all]",
        summary: "a hint for this step (or its exercise), one more each time; `hint all` shows again those seen",
        details: "Shows the step's first hint; each `hint` after that shows the next one, gentlest \
                  first, until there are no more. `hint all` shows again every hint you have seen \
                  on this step, without giving a new one. On a step with an exercise, the hints \
                  are the exercise's, and how many you have seen is saved with your progress.",
        parse: |_, rest| match rest {
            [] => Ok(Command::Hint { all: false }),
            [word] if word.eq_ignore_ascii_case("all") => Ok(Command::Hint { all: true }),
            _ => Err(ParseError::Usage("usage: hint [all]".to_string())),
        },
    },
    CommandInfo {
        name: "python",
        aliases: &["py"],
        args: "[timeout=N] [python=PATH]",
        summary: "run the step's Python example with your python3, live",
        details: "Runs the step's Python example in a fresh `python3 -u`, in a process group of its \
                  own: its code on the left, each line it prints on the right with the pid of the \
                  process that printed it. Then its output is checked against what the lesson says \
                  a correct run prints, in any order. It is stopped after 30 s \
                  (`python timeout=5` changes that); Ctrl-C stops it sooner. Then its X-ray: a \
                  lane per process and thread with its CPU use over time, and every process in a \
                  table. `python=PATH` on its own line runs `python` and `try` with another \
                  interpreter for the rest of the session (`python=python3.13t`, a free-threaded \
                  build; `python=` goes back to `python3` on your PATH); `python \
                  python=/usr/bin/python3.12` uses one for this run only.",
        parse: |_, rest| Ok(Command::Python(rest.to_vec())),
    },
    CommandInfo {
        name: "try",
        aliases: &[],
        args: "[reset] [timeout=N] [python=PATH]",
        summary: "edit your own copy of the example, then run and check it",
        details: "Copies the step's example to a file of your own and opens it in `$EDITOR`; when \
                  you close the editor, your version runs and is checked like `python`. Without \
                  `$EDITOR`, `try` prints the file's path: edit it in any editor and type `try` \
                  again to run it. `try reset` starts again from the lesson's example.",
        parse: |_, rest| Ok(Command::Try(rest.to_vec())),
    },
    CommandInfo {
        name: "exercise",
        aliases: &[],
        args: "[reset] [timeout=N] [python=PATH]",
        summary: "start the step's exercise: write the program, mptutor checks how it behaved",
        details: "Shows the task and copies the starter program to a file of your own (its path is \
                  printed on a line of its own), then opens it in `$EDITOR`; when you close the \
                  editor it runs, with its X-ray, and every check says ✓ or ✗ in words: what it \
                  printed, how many processes ran and how many at once, whether each was joined, \
                  what was left running, and how much faster it was than the serial version on \
                  this machine (or why that could not be told). Without `$EDITOR`, edit the file \
                  in any editor and type `watch` or `exercise` again. `exercise reset` starts \
                  again from the starter; your file is never overwritten otherwise.",
        parse: |_, rest| Ok(Command::Exercise(rest.to_vec())),
    },
    CommandInfo {
        name: "watch",
        aliases: &[],
        args: "[reset] [timeout=N] [python=PATH]",
        summary: "run and check the exercise every time you save it",
        details: "Runs and checks your program for the step's exercise, then again each time you \
                  save the file, on a clean screen, until it passes or you press Enter or Ctrl-C.",
        parse: |_, rest| Ok(Command::Watch(rest.to_vec())),
    },
    CommandInfo {
        name: "solution",
        aliases: &[],
        args: "",
        summary: "show a program that passes the step's exercise, after asking",
        details: "Asks first, then shows the exercise's reference solution. Offered after three \
                  runs that did not pass.",
        parse: |info, rest| none(info, rest).map(|()| Command::Solution),
    },
    CommandInfo {
        name: "exercises",
        aliases: &[],
        args: "",
        summary: "list every exercise of the course, done or to do",
        details: "One line per exercise: its lesson and step, its id and title, and whether you \
                  passed it (and when) or how many runs you have made.",
        parse: |info, rest| none(info, rest).map(|()| Command::Exercises),
    },
    CommandInfo {
        name: "compare",
        aliases: &[],
        args: "[row]",
        summary: "the processes-vs-threads table, measured on this machine",
        details: "Runs the experiments behind the course's comparison of processes and threads on \
                  real processes and threads, and fills in the table's \"measured here\" column as \
                  they finish: about ten seconds for the whole table. Each cell says whether the \
                  row's claim holds here (✓), is contradicted (✗) or could not be told (?, with \
                  why: a busy machine, one core). `compare memory` runs one experiment (memory, \
                  failure, overhead, cpu, io, communication, synchronization, start_methods); a \
                  label of the table runs the experiments that test it (mechanism, gil, best_for, \
                  failure_impact, portability, performance; `compare \"best for\"` works too). \
                  Ctrl-C stops.",
        // A label of the table may be more than one word: `compare best
        // for`, `compare "failure impact"`.
        parse: |_, rest| {
            Ok(Command::Compare((!rest.is_empty()).then(|| {
                rest.join(" ").trim_matches(['"', '\'']).to_string()
            })))
        },
    },
    CommandInfo {
        name: "progress",
        aliases: &[],
        args: "",
        summary: "what you have seen and answered, saved between sessions",
        details: "A table of lessons with the steps you have seen, your quiz score and when you \
                  were last there. Progress is saved after every step and answer, in \
                  `progress.toml` in your data folder (`--progress FILE` picks another file).",
        parse: |info, rest| none(info, rest).map(|()| Command::Progress),
    },
    CommandInfo {
        name: "reset",
        aliases: &[],
        args: "[lesson]",
        summary: "forget your progress, in one lesson or all (asks first)",
        details: "`reset q3` forgets the steps seen and the answers in lesson q3; `reset` alone \
                  forgets the whole course. You are asked to confirm with `y`.",
        parse: |info, rest| optional(info, rest).map(Command::Reset),
    },
    CommandInfo {
        name: "present",
        aliases: &[],
        args: "[off]",
        summary: "instructor mode: notes on a second screen (`mptutor notes`), progress not saved",
        details: "For teaching a room. The projected screen shows the lesson without the \
                  instructor's notes; run `mptutor notes` in another terminal (your laptop) and it \
                  follows this session, showing each step's notes, its questions with their \
                  answers and the next step's title, redrawn at every `next`, `back`, `step`, \
                  `goto` and `open`; `show notes` shows them here instead. Nothing is saved to \
                  your progress: no steps seen, no answers, no exercise runs. `goto q6 3` jumps \
                  anywhere, `pace 300` slows live output so the room can follow, `record FILE` \
                  keeps a plain-text transcript. `present off` goes back to student mode; \
                  `mptutor --instructor` starts this way.",
        parse: |info, rest| optional(info, rest).map(Command::Present),
    },
    CommandInfo {
        name: "goto",
        aliases: &[],
        args: "<lesson> [step]",
        summary: "jump to any lesson and step: `goto q6 3`",
        details: "`goto q6 3` shows step 3 of lesson q6; `goto q6` its first step.",
        parse: |_, rest| match rest {
            [lesson] => Ok(Command::Goto {
                lesson: lesson.clone(),
                step: None,
            }),
            [lesson, step] => Ok(Command::Goto {
                lesson: lesson.clone(),
                step: Some(step.clone()),
            }),
            _ => Err(ParseError::Usage(
                "usage: goto <lesson> [step], e.g. `goto q6 3`".to_string(),
            )),
        },
    },
    CommandInfo {
        name: "pace",
        aliases: &[],
        args: "[ms|step|off]",
        summary: "replay runs slowly so a room can follow: `pace 300`, `pace step`",
        details: "`pace 300` runs each demo and Python run at full speed, recording every event \
                  with its real time, then replays the events with 300 ms between two; `pace \
                  step` shows one event per key press (Enter or space), reading keys from the \
                  terminal (without one, it replays at 300 ms per event and says so). `q` or \
                  Ctrl-C ends a replay and shows the rest at once. The workers are never slowed: \
                  the tags and the timeline show when each event really happened, and every \
                  demo, cpu-speedup and compare included, measures at full speed. `pace off` \
                  shows runs live again. For one run only: `run pace=300`, `run pace=step`.",
        parse: |info, rest| optional(info, rest).map(Command::Pace),
    },
    CommandInfo {
        name: "record",
        aliases: &[],
        args: "<file>|off",
        summary: "keep a record: plain text, Markdown notes (.md) or asciicast (.cast)",
        details: "The file's extension picks the format. `record class.txt` (or any other name) \
                  appends everything shown from now on, commands included, as plain text without \
                  colours. `record class.md` writes Markdown notes: a heading for each step visited, \
                  its explanation and code, and each demo's tables and findings; no prompts and no \
                  instructor's notes. `record class.cast` writes an asciicast v2 recording, colours \
                  and timing as shown, that `asciinema play class.cast` or the asciinema player \
                  replays. `record off` closes the file.",
        parse: |info, rest| one(info, rest).map(Command::Record),
    },
    CommandInfo {
        name: "theme",
        aliases: &[],
        args: "[dark|light|high-contrast]",
        summary: "colours for the room: `theme light` on a white background",
        details: "`theme light` uses dark colours for a white background (a projector in a lit \
                  room), `theme high-contrast` bold text in the strongest colours, `theme dark` the \
                  usual palette. The choice is saved in `config.toml` in your config folder \
                  (`~/.config/mptutor/` on Linux) and used next time; `mptutor --theme NAME` \
                  chooses for one run. `theme` alone says which is in use. No theme draws faint \
                  text.",
        parse: |info, rest| optional(info, rest).map(Command::Theme),
    },
    CommandInfo {
        name: "clear",
        aliases: &["cls"],
        args: "",
        summary: "clear the screen (Ctrl-L at the prompt does too)",
        details: "Clears the terminal and its scrollback and draws the prompt at the top; Ctrl-L \
                  at the prompt clears the screen too. In a script, or when the output is not a \
                  terminal, it does nothing.",
        parse: |info, rest| none(info, rest).map(|()| Command::Clear),
    },
    CommandInfo {
        name: "quit",
        aliases: &["exit"],
        args: "",
        summary: "leave mptutor (Ctrl-D does too)",
        details: "Leaves mptutor. Ctrl-D at an empty prompt does the same; Ctrl-C only clears the line.",
        parse: |info, rest| none(info, rest).map(|()| Command::Quit),
    },
];

/// Every name and alias a command answers to.
pub fn command_words() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|info| std::iter::once(info.name).chain(info.aliases.iter().copied()))
}

/// The command table entry for a name or alias.
pub fn find_command(word: &str) -> Option<&'static CommandInfo> {
    let word = word.to_ascii_lowercase();
    COMMANDS
        .iter()
        .find(|info| info.name == word || info.aliases.contains(&word.as_str()))
}

/// Why a line is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The first word is no command; maybe a lesson id (the caller checks).
    Unknown {
        word: String,
        suggestion: Option<&'static str>,
    },
    /// A command given the wrong arguments; the message says what it takes.
    Usage(String),
}

/// Turns a typed line into a command. An empty line means `next`.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(Command::Next);
    };
    let rest: Vec<String> = words.map(str::to_string).collect();
    if let Some((name, path)) = first.split_once('=')
        && name.eq_ignore_ascii_case("python")
    {
        return match rest.as_slice() {
            [] => Ok(Command::Interpreter(path.to_string())),
            _ => Err(ParseError::Usage(
                "usage: python=PATH, a path without spaces (or `python=` for python3 on your \
                 PATH)"
                    .to_string(),
            )),
        };
    }
    let Some(info) = find_command(first) else {
        return Err(ParseError::Unknown {
            word: first.to_string(),
            suggestion: did_you_mean(first, command_words()),
        });
    };
    (info.parse)(info, &rest)
}

/// No arguments.
fn none(info: &CommandInfo, rest: &[String]) -> Result<(), ParseError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(ParseError::Usage(format!(
            "`{}` takes no arguments",
            info.name
        )))
    }
}

/// Exactly one argument.
fn one(info: &CommandInfo, rest: &[String]) -> Result<String, ParseError> {
    match rest {
        [arg] => Ok(arg.clone()),
        _ => Err(usage(info)),
    }
}

/// None or one argument.
fn optional(info: &CommandInfo, rest: &[String]) -> Result<Option<String>, ParseError> {
    match rest {
        [] => Ok(None),
        [arg] => Ok(Some(arg.clone())),
        _ => Err(usage(info)),
    }
}

fn usage(info: &CommandInfo) -> ParseError {
    ParseError::Usage(format!("usage: {} {}", info.name, info.args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_line_means_next() {
        assert_eq!(parse("   "), Ok(Command::Next));
    }

    #[test]
    fn python_equals_chooses_the_interpreter() {
        assert_eq!(
            parse("python=/usr/bin/python3.12"),
            Ok(Command::Interpreter("/usr/bin/python3.12".to_string()))
        );
        assert_eq!(parse("Python="), Ok(Command::Interpreter(String::new())));
        assert!(matches!(parse("python=a b"), Err(ParseError::Usage(_))));
        assert_eq!(
            parse("python python=/x"),
            Ok(Command::Python(vec!["python=/x".to_string()]))
        );
    }

    #[test]
    fn aliases_and_case_are_accepted() {
        assert_eq!(parse("EXIT"), Ok(Command::Quit));
        assert_eq!(parse("n"), Ok(Command::Next));
        assert_eq!(parse("open q3"), Ok(Command::Open("q3".to_string())));
    }

    #[test]
    fn a_row_of_the_comparison_may_be_several_words_in_quotes() {
        assert_eq!(parse("compare"), Ok(Command::Compare(None)));
        assert_eq!(
            parse("compare \"best for\""),
            Ok(Command::Compare(Some("best for".to_string())))
        );
        assert_eq!(
            parse("compare failure impact"),
            Ok(Command::Compare(Some("failure impact".to_string())))
        );
    }

    #[test]
    fn typo_gets_a_suggestion() {
        assert_eq!(
            parse("nxet"),
            Err(ParseError::Unknown {
                word: "nxet".to_string(),
                suggestion: Some("next")
            })
        );
    }

    #[test]
    fn wrong_arguments_say_the_usage() {
        assert_eq!(
            parse("open"),
            Err(ParseError::Usage("usage: open <lesson>".to_string()))
        );
        assert_eq!(
            parse("list all"),
            Err(ParseError::Usage("`list` takes no arguments".to_string()))
        );
    }

    #[test]
    fn every_command_of_the_table_parses_as_itself() {
        for info in COMMANDS {
            let line = match info.name {
                "open" | "step" | "goto" | "record" => format!("{} 1", info.name),
                name => name.to_string(),
            };
            let command = parse(&line).unwrap_or_else(|error| panic!("{line}: {error:?}"));
            assert_eq!(command.name(), info.name, "{line}");
            for alias in info.aliases {
                let line = line.replacen(info.name, alias, 1);
                assert_eq!(parse(&line).map(|c| c.name()), Ok(info.name), "{line}");
            }
        }
    }
}
