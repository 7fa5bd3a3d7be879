//! ```` ```exercise ```` blocks: a task the student solves by writing the
//! concurrent program, and how mptutor tells that it behaved as asked.
//!
//! Printing the right lines is not enough when the point is that four
//! processes really ran at once, that every child was joined or that a
//! pool made the work faster, so an exercise checks the program's X-ray
//! as well as its output. The block is TOML:
//!
//! ```toml
//! id = "q6-all-at-once"                  # unique in the course: a-z, 0-9, -
//! title = "Four at once"                 # optional; the step's title otherwise
//! task = """
//! Start four processes that each print a different number, **all four
//! running at the same time**, and join every one.
//! """
//! starter = '''
//! ...the program the student starts from (it must fail the checks)...
//! '''
//! solution = '''
//! ...a program that passes (never shown unless the student asks)...
//! '''
//! hints = ["Start them all before you join any.", "..."]
//!
//! [output]                               # any key of a ```check``` block
//! each_once = ['.* 10', '.* 20', '.* 30', '.* 40']
//! examples = ["Process-1 prints 10"]     # lines that pass, shown instead of patterns
//!
//! [behaviour]                            # from the run's X-ray
//! processes = { exactly = 4 }            # children started: exactly / at_least / at_most
//! alive_at_once = { at_least = 4 }       # most children alive at the same moment
//! pool_workers = { at_least = 2 }        # pool worker processes that ran tasks
//! threads = { at_least = 2 }             # threads started besides the main ones
//! all_joined = { zombie_ms = 200 }       # no child left a zombie longer than this
//! nothing_left_running = true            # nothing killed at the end
//! exit_code = 0
//! time_limit = 10                        # seconds the run may take
//!
//! [speed]                                # judged with the machine's load
//! at_least = 2.0                         # times faster than the baseline
//! against = "serial"                     # "starter", or "serial" with `serial`
//! serial = '''
//! ...the same work done one item at a time...
//! '''
//! ```
//!
//! This module holds the validated block; `exercise_block` parses and
//! checks the TOML into it, and `crate::exercise` judges a run against it.

use serde::{Deserialize, Serialize};

use super::output_check::OutputCheck;

/// A validated exercise block.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// Unique in the course: lowercase letters, digits and `-`.
    pub id: String,
    /// Shown in lists; the step's title when the block gives none.
    pub title: String,
    /// What to do, in Markdown.
    pub task: String,
    /// The program the student starts from; it fails the checks.
    pub starter: String,
    /// A program that passes the checks, shown only when asked for.
    pub solution: String,
    /// Help, gentlest first, revealed one at a time.
    pub hints: Vec<String>,
    pub checks: ExerciseChecks,
    /// 1-based line of the opening fence.
    pub line: usize,
}

/// Everything a run must show to pass; at least one check is set.
#[derive(Debug, Clone, Default)]
pub struct ExerciseChecks {
    /// What it prints, as a ```` ```check ```` block states it.
    pub output: Option<OutputCheck>,
    /// Lines that would pass `output`, shown to the student instead of
    /// its patterns.
    pub examples: Vec<String>,
    pub behaviour: BehaviourChecks,
    pub speed: Option<SpeedCheck>,
}

/// What the run's X-ray must show. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BehaviourChecks {
    /// Child processes the program started (every process but the main
    /// one, the forkserver and the resource tracker).
    pub processes: Option<CountRule>,
    /// The most children alive at the same moment.
    pub alive_at_once: Option<CountRule>,
    /// Pool worker processes that ran at least one task.
    pub pool_workers: Option<CountRule>,
    /// Threads started besides each process's main thread.
    pub threads: Option<CountRule>,
    /// Every child was reaped by its parent, none a zombie longer than
    /// this many milliseconds.
    pub all_joined: Option<JoinRule>,
    /// Nothing was still running when the program ended (mptutor killed
    /// nothing).
    pub nothing_left_running: bool,
    /// The exit code a correct run ends with.
    pub exit_code: Option<i32>,
    /// How long the run may take, in seconds.
    pub time_limit_s: Option<f64>,
}

/// A count that must be exact, or within bounds; at least one is set and
/// they agree (`at_least` ≤ `at_most`, `exactly` alone).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountRule {
    pub exactly: Option<u32>,
    pub at_least: Option<u32>,
    pub at_most: Option<u32>,
}

impl CountRule {
    /// Whether `count` satisfies the rule.
    pub fn holds(&self, count: u32) -> bool {
        self.exactly.is_none_or(|exactly| count == exactly)
            && self.at_least.is_none_or(|least| count >= least)
            && self.at_most.is_none_or(|most| count <= most)
    }
}

/// How long a child may stay a zombie before its parent reaps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRule {
    pub zombie_ms: u64,
}

/// The run must be at least `at_least` times as fast as `against`,
/// measured in the same session on this machine.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedCheck {
    /// More than 1.
    pub at_least: f64,
    pub against: SpeedBaseline,
}

/// What the student's program is timed against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpeedBaseline {
    /// The exercise's starter program.
    Starter,
    /// A serial version of the same work, given in the block.
    Serial(String),
}

impl SpeedCheck {
    /// The baseline program's source, given the exercise's starter.
    pub fn baseline<'a>(&'a self, starter: &'a str) -> &'a str {
        match &self.against {
            SpeedBaseline::Starter => starter,
            SpeedBaseline::Serial(code) => code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_rule_holds_within_its_bounds_only() {
        let exactly = CountRule {
            exactly: Some(4),
            ..CountRule::default()
        };
        assert!(exactly.holds(4));
        assert!(!exactly.holds(3) && !exactly.holds(5));
        let between = CountRule {
            at_least: Some(2),
            at_most: Some(4),
            ..CountRule::default()
        };
        assert!(!between.holds(1));
        assert!(between.holds(2) && between.holds(4));
        assert!(!between.holds(5));
    }
}
