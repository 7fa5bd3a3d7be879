//! `mptutor check` runs every exercise's starter and solution under each
//! start method, so a teacher knows before class that every exercise
//! fails as given and passes when solved, whichever method a student's
//! Python uses: a solution without its `if __name__ == "__main__":` guard
//! passes under fork and fails under spawn and forkserver.
//!
//! The start method is set without changing the author's code: a small
//! program ([`UNDER_METHOD`]) makes the method the default, as if it were
//! this Python's own, and runs the program with `runpy` as `__main__`,
//! its folder first on `sys.path`, as `python3 PROGRAM.py` would. A
//! program that calls `set_start_method` itself still may (a
//! `set_start_method(METHOD, force=True)` before it would make its own
//! call raise "context has already been set"); its children then start
//! the way it asked, and the report notes that method, read from the
//! run's X-ray.
//!
//! Each run is fenced in as an example of `check` is (see
//! [`super::examples`]): a temporary working folder, the same timeout,
//! [`CHECK_MEMORY_LIMIT`] of address space, and nothing left running.
//! The runs go one after another: a behaviour check that counts
//! processes alive at once, or a speed check, needs the cores to itself.

use std::path::Path;
use std::time::Duration;

use super::PythonError;
use super::examples::{CHECK_MEMORY_LIMIT, ran_out_of_memory};
use super::run::{PythonOutcome, PythonProgram, RunLimits, run_limited};
use crate::course::{Course, Diagnostic, Exercise};
use crate::engine::{EventSink, Recorder};
use crate::exercise::{ExerciseVerdict, Status, judge};
use crate::xray::model::Role;

/// The program that runs another under a start method:
/// `python3 under_method.py METHOD PROGRAM.py [ARGS…]`, the program in
/// its own folder.
const UNDER_METHOD: &str = include_str!("under_method.py");

/// The start methods every exercise is checked under, in this order.
pub const START_METHODS: [&str; 3] = ["fork", "spawn", "forkserver"];

/// Which of an exercise's two programs ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// Must fail at least one check.
    Starter,
    /// Must pass every check.
    Solution,
}

impl Version {
    pub fn word(self) -> &'static str {
        match self {
            Version::Starter => "starter",
            Version::Solution => "solution",
        }
    }
}

/// One run of one program of an exercise under one start method.
#[derive(Debug, Clone)]
pub struct ExerciseRun {
    pub version: Version,
    pub method: &'static str,
    /// The checks' verdict; `None` when the program could not be run.
    pub verdict: Option<ExerciseVerdict>,
    /// The start method the program's children used instead of
    /// `method`, when it sets its own.
    pub own_method: Option<String>,
    pub elapsed_us: u64,
}

impl ExerciseRun {
    /// The run is what its version must be: a starter with a ✗, a
    /// solution with none. A `?` (a speed the machine could not show)
    /// is neither.
    pub fn as_it_should_be(&self) -> bool {
        match (self.version, &self.verdict) {
            (_, None) => false,
            (Version::Starter, Some(verdict)) => !verdict.passed(),
            (Version::Solution, Some(verdict)) => !verdict.failed(),
        }
    }
}

/// What checking one exercise found.
#[derive(Debug, Clone)]
pub struct ExerciseReport {
    pub id: String,
    /// `lessons/q6.md:14`: the exercise's fence.
    pub place: String,
    /// Starter then solution, under each of [`START_METHODS`].
    pub runs: Vec<ExerciseRun>,
    /// Each at the exercise's fence: a starter that passes, each ✗ of a
    /// solution, a run that could not start, timed out or ran out of
    /// memory.
    pub problems: Vec<Diagnostic>,
}

/// How many exercises `course` has.
pub fn exercises_to_run(course: &Course) -> usize {
    course.exercises().count()
}

/// Runs the starter and the solution of every exercise of `course` under
/// each start method with `interpreter`, one run after another, calling
/// `done` as each exercise is finished.
pub fn check_exercises(
    course: &Course,
    interpreter: &Path,
    timeout: Duration,
    done: &mut dyn FnMut(&ExerciseReport),
) -> Vec<ExerciseReport> {
    let mut reports = Vec::new();
    for found in course.exercises() {
        let path = &course.lesson(found.lesson).path;
        let report = check_one(path, found.exercise, interpreter, timeout);
        done(&report);
        reports.push(report);
    }
    reports
}

fn check_one(
    path: &str,
    exercise: &Exercise,
    interpreter: &Path,
    timeout: Duration,
) -> ExerciseReport {
    let at = |message: String| Diagnostic {
        path: path.to_string(),
        position: Some((exercise.line, 1)),
        message,
        source_line: Some("```exercise".to_string()),
    };
    let limits = RunLimits {
        timeout,
        memory_limit: Some(CHECK_MEMORY_LIMIT),
        scratch_folder: true,
    };
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    for version in [Version::Starter, Version::Solution] {
        let code = match version {
            Version::Starter => &exercise.starter,
            Version::Solution => &exercise.solution,
        };
        let mut passing_starters = Vec::new();
        for method in START_METHODS {
            let which = format!(
                "exercise {}, {} under {method}",
                exercise.id,
                version.word()
            );
            let mut sink = Recorder::default();
            let outcome = match run_under_method(
                interpreter,
                code,
                &exercise.id,
                method,
                limits,
                &mut sink,
            ) {
                Ok(outcome) => outcome,
                Err(error) => {
                    problems.push(at(format!("{which}: could not be run: {error}")));
                    runs.push(ExerciseRun {
                        version,
                        method,
                        verdict: None,
                        own_method: None,
                        elapsed_us: 0,
                    });
                    continue;
                }
            };
            // The solution's speed is timed once, beside its first run,
            // against its baseline (3 runs each, taking turns); elsewhere
            // the speed line is "couldn't tell", which fails nothing.
            let speed = match (&exercise.checks.speed, version) {
                (Some(speed), Version::Solution) if method == START_METHODS[0] => {
                    let timed = super::timed::time_against(
                        interpreter,
                        &PythonProgram::Source {
                            code: code.clone(),
                            file_name: format!("{}.py", exercise.id.replace('-', "_")),
                        },
                        speed.baseline(&exercise.starter),
                        timeout,
                    );
                    if let Some(why) = &timed.stopped {
                        problems.push(at(format!("{which}: its timing stopped: {why}")));
                    }
                    Some(crate::exercise::SpeedMeasure {
                        student_wall_us: timed.program_us,
                        baseline_wall_us: timed.baseline_us,
                        student_cpu_us: timed.program_cpu_us,
                        baseline_cpu_us: timed.baseline_cpu_us,
                        load: timed.load,
                    })
                }
                _ => None,
            };
            let mut verdict = judge(&exercise.checks, &outcome, speed.as_ref());
            // The solution's speed is judged once, where it was timed; the
            // starter keeps its line, so that a starter whose only fault is
            // its speed is never taken for one that passes.
            if version == Version::Solution
                && exercise.checks.speed.is_some()
                && method != START_METHODS[0]
            {
                verdict
                    .lines
                    .retain(|line| line.check != crate::exercise::CheckKind::Speed);
            }
            if outcome.timed_out {
                problems.push(at(format!(
                    "{which}: did not finish within its timeout of {} s and was stopped with \
                     everything it started; make it finish sooner, or give it longer with \
                     `mptutor check --timeout S`",
                    timeout.as_secs()
                )));
            }
            if ran_out_of_memory(&sink) {
                problems.push(at(format!(
                    "{which}: ran out of memory: mptutor check gives each program, with every \
                     process it starts, {} GiB of address space",
                    CHECK_MEMORY_LIMIT >> 30
                )));
            }
            match version {
                Version::Starter if verdict.passed() => passing_starters.push(method),
                Version::Starter => {}
                Version::Solution => {
                    for line in verdict
                        .lines
                        .iter()
                        .filter(|line| line.status == Status::Fail)
                    {
                        problems.push(at(format!("{which}: {} {}", line.status.mark(), line.text)));
                    }
                }
            }
            runs.push(ExerciseRun {
                version,
                method,
                own_method: own_method(&outcome, method),
                elapsed_us: outcome.elapsed_us,
                verdict: Some(verdict),
            });
        }
        const NOTHING_TO_DO: &str =
            "the starter passes every check; a student would have nothing to do";
        if passing_starters.len() == START_METHODS.len() {
            problems.push(at(format!("exercise {}: {NOTHING_TO_DO}", exercise.id)));
        } else {
            for method in passing_starters {
                problems.push(at(format!(
                    "exercise {}, starter under {method}: {NOTHING_TO_DO}",
                    exercise.id
                )));
            }
        }
    }
    ExerciseReport {
        id: exercise.id.clone(),
        place: format!("{path}:{}", exercise.line),
        runs,
        problems,
    }
}

/// Runs the Python source `code` under the start method `method`
/// (`fork`, `spawn` or `forkserver`) as `check` does, without changing
/// it: see the module docs. The program is written as `NAME.py` (`-`
/// made `_`) in a temporary folder of its own.
pub(super) fn run_under_method(
    interpreter: &Path,
    code: &str,
    name: &str,
    method: &str,
    limits: RunLimits,
    sink: &mut dyn EventSink,
) -> Result<PythonOutcome, PythonError> {
    let folder = tempfile::Builder::new()
        .prefix("mptutor-exercise-")
        .tempdir()
        .map_err(PythonError::io(
            "create a temporary folder for the exercise",
        ))?;
    let file_name = format!("{}.py", name.replace('-', "_"));
    let program = folder.path().join(&file_name);
    let wrapper = folder.path().join("mptutor_under_method.py");
    std::fs::write(&program, code)
        .map_err(PythonError::io(format!("write {}", program.display())))?;
    std::fs::write(&wrapper, UNDER_METHOD)
        .map_err(PythonError::io(format!("write {}", wrapper.display())))?;
    let run = PythonProgram::File {
        path: wrapper,
        args: vec![method.to_string(), file_name],
    };
    run_limited(interpreter, &run, limits, sink)
}

/// The start method the run's children used when it is not `asked`: the
/// program set its own.
fn own_method(outcome: &PythonOutcome, asked: &str) -> Option<String> {
    outcome
        .xray
        .processes
        .iter()
        .filter(|process| matches!(process.role, Role::Process | Role::PoolWorker))
        .filter_map(|process| process.start_method.as_deref())
        .find(|method| *method != asked)
        .map(str::to_string)
}
