//! I/O row: 16 tasks that each wait 100 ms, done one after another, on 16
//! threads, and on 16 processes.
//!
//! Waiting needs no CPU, so every worker can wait at the same time: on
//! threads and on processes alike the whole batch takes about one wait,
//! where one after another takes sixteen. The claim holds when both
//! parallel totals stay under two waits while the serial one takes (about)
//! all sixteen. This is not a speed-up over cores, which a busy machine can
//! fake, but waits overlapping, which need no CPU: 16 waits in the time of
//! one happen on one core too.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Aspect, Cell, Judged, micros, ratio};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::engine::threads::{Job, Voice, run_threads};
use crate::findings::{Finding, Verdict, format_us, words};

const TASKS: usize = 16;
const WAIT: Duration = Duration::from_millis(100);
const SHOWN: usize = 2;
/// How often the serial worker says how far it is.
const REPORT_EVERY: usize = 4;

/// How long the batch of waits took each way, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IoResult {
    pub tasks: usize,
    /// One task's wait.
    pub wait_us: u64,
    /// One thread doing every wait in turn.
    pub serial_us: u64,
    pub threads_us: u64,
    pub processes_us: u64,
}

const CLAIM: &str = "waiting overlaps on threads and on processes alike";

impl IoResult {
    /// Whether a batch overlapped: done within two waits.
    fn overlapped(&self, batch_us: u64) -> bool {
        batch_us < 2 * self.wait_us
    }

    /// Whether the waits in turn took about all of them (sleeping never
    /// ends early, so this is only a check that the waits were real).
    fn serial_was_serial(&self) -> bool {
        self.serial_us as f64 >= 0.9 * self.tasks as f64 * self.wait_us as f64
    }

    fn verdict(&self) -> Verdict {
        Verdict::of(
            self.overlapped(self.threads_us)
                && self.overlapped(self.processes_us)
                && self.serial_was_serial(),
        )
    }

    /// `16×`: how much sooner than waiting in turn.
    fn sooner(&self, batch_us: u64) -> String {
        words::times(ratio(self.serial_us as f64, batch_us as f64))
    }

    fn totals(&self) -> String {
        format!(
            "{} vs {}",
            format_us(self.processes_us),
            format_us(self.threads_us)
        )
    }
}

impl Judged for IoResult {
    fn findings(&self) -> Vec<Finding> {
        let tasks = self.tasks;
        let wait = format_us(self.wait_us);
        let measured = format!(
            "{tasks} waits of {wait} took {} one after another, {} on {} and {} on {}",
            format_us(self.serial_us),
            format_us(self.threads_us),
            words::threads(tasks),
            format_us(self.processes_us),
            words::processes(tasks),
        );
        let text = match self.verdict() {
            Verdict::Holds => format!(
                "{measured}: waiting overlaps on both, {} and {} sooner than waiting in turn. A \
                 waiting worker needs no CPU, so all of them can wait at once.",
                self.sooner(self.threads_us),
                self.sooner(self.processes_us)
            ),
            _ => {
                let mut slow = Vec::new();
                if !self.overlapped(self.threads_us) {
                    slow.push("the threads".to_string());
                }
                if !self.overlapped(self.processes_us) {
                    slow.push("the processes".to_string());
                }
                let why = if slow.is_empty() {
                    format!(
                        "the waits in turn should have taken about {}",
                        format_us(self.wait_us * tasks as u64)
                    )
                } else {
                    format!(
                        "{} took longer than two waits ({})",
                        words::and_list(&slow),
                        format_us(2 * self.wait_us)
                    )
                };
                format!(
                    "{measured} ({} and {} sooner than in turn): {why}. A machine so loaded \
                     that starting the workers took longer than the wait does this; type \
                     `compare io` to measure again.",
                    self.sooner(self.threads_us),
                    self.sooner(self.processes_us)
                )
            }
        };
        vec![Finding::judged(CLAIM, self.verdict(), text)]
    }

    fn cell(&self) -> Cell {
        Cell::judged(
            format!(
                "{} (one after another: {})",
                self.totals(),
                format_us(self.serial_us)
            ),
            self.verdict(),
        )
    }

    fn aspect_cell(&self, aspect: Aspect) -> Cell {
        let figures = match aspect {
            Aspect::Performance => format!(
                "I/O {} vs {} (vs one at a time)",
                self.sooner(self.processes_us),
                self.sooner(self.threads_us)
            ),
            _ => format!("I/O {}", self.totals()),
        };
        Cell::judged(figures, self.verdict())
    }
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<IoResult, EngineError> {
    let wait_ms = u64::try_from(WAIT.as_millis()).unwrap_or(100);
    ctx.note(format!(
        "{TASKS} processes each wait {wait_ms}ms (as for a network reply)"
    ));
    ctx.show_first(SHOWN);
    let mut group = ProcessGroup::new();
    let began = Instant::now();
    for (slot, index) in ctx.workers(TASKS).enumerate() {
        let task = Task::new(&SLEEP).uint(wait_ms);
        group.spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)?;
    }
    group.wait_all(ctx)?;
    let processes = began.elapsed();
    ctx.show_all_counting("processes");

    ctx.note(format!("{TASKS} threads each wait {wait_ms}ms"));
    ctx.show_first(SHOWN);
    let jobs: Vec<Job<'_>> = (0..TASKS)
        .map(|_| {
            Box::new(move |voice: &Voice<'_>| {
                std::thread::sleep(WAIT);
                voice.say(format!("waited {wait_ms}ms"));
            }) as Job<'_>
        })
        .collect();
    let threads = run_threads(ctx, jobs)?.wall;
    ctx.show_all_counting("threads");

    ctx.note(format!(
        "one thread does the {TASKS} waits one after another"
    ));
    let serial_job: Job<'_> = Box::new(move |voice: &Voice<'_>| {
        for done in 1..=TASKS {
            if voice.stopped() {
                return;
            }
            std::thread::sleep(WAIT);
            if done % REPORT_EVERY == 0 {
                voice.say(format!("{done} of {TASKS} waits done"));
            }
        }
    });
    let serial = run_threads(ctx, vec![serial_job])?.wall;

    Ok(IoResult {
        tasks: TASKS,
        wait_us: micros(WAIT),
        serial_us: micros(serial),
        threads_us: micros(threads),
        processes_us: micros(processes),
    })
}
