//! Timing the student's program against a baseline on this machine, for
//! an exercise's speed check: whole runs, taking turns (baseline, program,
//! baseline, program, …) so that a swing in the machine's speed lands on
//! both, with the machine's load measured over all of them. Nothing is
//! shown: the live run came before.

use std::path::Path;
use std::time::Duration;

use super::{PythonOutcome, PythonProgram, RunLimits, run_limited};
use crate::engine::{Event, EventSink, Load, LoadMeter};

/// Runs of each side.
pub const ROUNDS: usize = 3;

/// The wall times of both sides and the machine's load meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedPair {
    /// The student's program, each run's wall time (µs).
    pub program_us: Vec<u64>,
    /// The baseline's.
    pub baseline_us: Vec<u64>,
    /// Each run's CPU time (µs), in the order of the wall times.
    pub program_cpu_us: Vec<u64>,
    pub baseline_cpu_us: Vec<u64>,
    pub load: Load,
    /// Why the timing stopped early (a run failed or timed out), if it did.
    pub stopped: Option<String>,
}

/// A sink that drops every event: the timed runs are not shown.
struct Unseen;

impl EventSink for Unseen {
    fn event(&mut self, _event: &Event) {}

    fn interrupted(&self) -> bool {
        crate::engine::interrupt::requested()
    }
}

/// Times `program` against the Python source `baseline` with
/// `interpreter`, [`ROUNDS`] runs each, each run stopped after `timeout`.
pub fn time_against(
    interpreter: &Path,
    program: &PythonProgram,
    baseline: &str,
    timeout: Duration,
) -> TimedPair {
    let baseline = PythonProgram::Source {
        code: baseline.to_string(),
        file_name: "baseline.py".to_string(),
    };
    let meter = LoadMeter::start();
    // [baseline, program]: wall and CPU times of each run.
    let mut wall: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut cpu: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut stopped = None;
    'rounds: for _ in 0..ROUNDS {
        for (side, source, name) in [(0, &baseline, "the baseline"), (1, program, "your program")] {
            match run_limited(
                interpreter,
                source,
                RunLimits::timeout(timeout),
                &mut Unseen,
            ) {
                Ok(outcome) if ended_well(&outcome) => {
                    wall[side].push(outcome.elapsed_us);
                    cpu[side].push(outcome.cpu_us);
                }
                Ok(outcome) => {
                    stopped = Some(if outcome.timed_out {
                        format!("{name} ran out of time while being timed")
                    } else {
                        format!("{name} ended with {} while being timed", outcome.status)
                    });
                    break 'rounds;
                }
                Err(error) => {
                    stopped = Some(format!("{name} could not be run: {error}"));
                    break 'rounds;
                }
            }
        }
    }
    let [baseline_us, program_us] = wall;
    let [baseline_cpu_us, program_cpu_us] = cpu;
    TimedPair {
        program_us,
        baseline_us,
        program_cpu_us,
        baseline_cpu_us,
        load: meter.finish(),
        stopped,
    }
}

fn ended_well(outcome: &PythonOutcome) -> bool {
    !outcome.timed_out && outcome.exit_code == 0
}
