//! I/O row: 16 tasks that each wait 100 ms, done one after another, on 16
//! threads, and on 16 processes.
//!
//! Waiting needs no CPU, so every worker can wait at the same time: on
//! threads and on processes alike the whole batch takes about one wait,
//! where one after another takes sixteen. The claim holds when both
//! parallel totals stay under two waits while the serial one is over ten.

use std::time::{Duration, Instant};

use super::{Measurement, Row, RowResult, micros, ratio, times_word};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::engine::threads::{Job, Voice, run_threads};
use crate::render::format_us;

const TASKS: usize = 16;
const WAIT: Duration = Duration::from_millis(100);
const SHOWN: usize = 2;
/// How often the serial worker says how far it is.
const REPORT_EVERY: usize = 4;

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
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

    let [serial_s, threads_s, processes_s, wait_s] =
        [serial, threads, processes, WAIT].map(|time| time.as_secs_f64());
    let agrees = threads_s < 2.0 * wait_s && processes_s < 2.0 * wait_s && serial_s > 10.0 * wait_s;
    let show = |time: Duration| format_us(micros(time) as u64);
    Ok(RowResult {
        row: Row::Io,
        measurements: vec![
            Measurement::new("tasks", TASKS as f64, "count"),
            Measurement::new("wait_ms", wait_ms as f64, "ms"),
            Measurement::new("serial_ms", millis(serial), "ms"),
            Measurement::new("threads_ms", millis(threads), "ms"),
            Measurement::new("processes_ms", millis(processes), "ms"),
        ],
        agrees: Some(agrees),
        summary: format!(
            "{} vs {} (one after another: {})",
            show(processes),
            show(threads),
            show(serial)
        ),
        finding: format!(
            "{TASKS} waits of {wait_ms}ms took {} one after another, {} on {TASKS} threads and {} \
             on {TASKS} processes: waiting overlaps on both, {} and {} faster than waiting in turn.",
            show(serial),
            show(threads),
            show(processes),
            times_word(ratio(serial_s, threads_s)),
            times_word(ratio(serial_s, processes_s))
        ),
    })
}

fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}
