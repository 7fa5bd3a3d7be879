//! Running a lesson's Python example on the student's own `python3`.
//!
//! The demos in [`crate::demos`] are mptutor's re-enactments; this runs the
//! real thing. The example is written to a temporary `.py` file, its
//! `if __name__ == "__main__":` guard as written, and started with
//! `python3 -u` as a worker of the demo engine: in a process group of its
//! own, read with `poll`, killed with the whole group at its timeout or on
//! Ctrl-C (see [`run`]). Processes the program starts print into the same
//! pipe, so a small `sitecustomize.py` tags every line with the pid that
//! printed it and [`pid_lines`] turns each pid into a worker of its own.
//! What the program printed on stdout and its exit code then go to the
//! step's ```` ```check ```` blocks ([`CheckedRun`]), and a block's speed
//! claim is judged with the machine's load during the run ([`speed`]).

mod checked;
mod examples;
mod exercises;
mod interpreter;
pub mod pid_lines;
mod run;
pub mod speed;
pub mod timed;

pub use checked::{CheckReport, CheckedRun};
pub use examples::{
    CHECK_MEMORY_LIMIT, ExampleReport, ExampleSetting, check_examples, examples_to_run,
};
pub use exercises::{
    ExerciseReport, ExerciseRun, START_METHODS, Version, check_exercises, exercises_to_run,
};
pub use interpreter::{
    EveryPython, FoundPython, OLDEST_PYTHON, PythonError, chosen_interpreter, describe_python,
    every_python, find_python3, pyenv_root,
};
pub use pid_lines::{PidAttribution, ProcessSeen, TaggedLine, untag};
pub use run::{PythonOutcome, PythonProgram, RunLimits, run_limited, run_program};
