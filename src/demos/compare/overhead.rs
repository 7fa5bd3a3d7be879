//! Overhead row: start and join 200 processes, then 200 threads, and
//! divide.
//!
//! The processes are started in batches of [`BATCH`], all of a batch
//! before any is joined, as `for p in ps: p.start()` then
//! `for p in ps: p.join()` would; batches keep the number of open pipes
//! well below any file-descriptor limit. Each process is a real worker of
//! the engine (a fork, its pipes, reaping with rusage) doing nothing; each
//! thread is a bare `std::thread` doing nothing. Only the first two of
//! each are shown.

use std::time::Instant;

use super::{Measurement, Row, RowResult, micros, ratio, times_word};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::render::format_us;

const WORKERS: usize = 200;
const BATCH: usize = 50;
const SHOWN: usize = 2;

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
    ctx.note(format!(
        "starting and joining {WORKERS} processes that do nothing, {BATCH} at a time"
    ));
    ctx.show_first(SHOWN);
    let began = Instant::now();
    let mut started = 0;
    while started < WORKERS {
        let mut group = ProcessGroup::new();
        for index in ctx.workers(BATCH.min(WORKERS - started)) {
            started += 1;
            let task = Task::new(&SLEEP).int(0);
            group.spawn(ctx, index, format!("Process-{started}"), &task, false)?;
        }
        group.wait_all(ctx)?;
    }
    let processes = micros(began.elapsed()) / WORKERS as f64;
    ctx.show_all_counting("processes");

    ctx.note(format!(
        "starting and joining {WORKERS} threads that do nothing, {BATCH} at a time"
    ));
    let began = Instant::now();
    let mut started = 0;
    while started < WORKERS {
        let mut handles = Vec::new();
        for _ in 0..BATCH.min(WORKERS - started) {
            started += 1;
            let spawned = std::thread::Builder::new()
                .name(format!("Thread-{started}"))
                .spawn(|| ());
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(error) => {
                    join_all(handles);
                    return Err(EngineError::Refused(format!(
                        "cannot start a thread: {error}"
                    )));
                }
            }
        }
        join_all(handles);
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
    }
    let threads = micros(began.elapsed()) / WORKERS as f64;
    let times = ratio(processes, threads);
    ctx.note(format!(
        "{} per process, {} per thread",
        format_us(processes.round() as u64),
        format_us(threads.round() as u64)
    ));
    Ok(RowResult {
        row: Row::Overhead,
        measurements: vec![
            Measurement::new("workers", WORKERS as f64, "count"),
            Measurement::new("processes_us_per_worker", processes.round(), "us"),
            Measurement::new("threads_us_per_worker", threads.round(), "us"),
            Measurement::new("ratio", (times * 10.0).round() / 10.0, "x"),
        ],
        agrees: Some(processes > threads),
        summary: format!(
            "{} vs {} per worker ({})",
            format_us(processes.round() as u64),
            format_us(threads.round() as u64),
            times_word(times)
        ),
        finding: format!(
            "Starting and joining a process took {} on average, a thread {}: a process costs {} as \
             much, because the kernel must copy the parent's address space for it and set up its \
             own resources, while a thread only needs a stack in the process it joins.",
            format_us(processes.round() as u64),
            format_us(threads.round() as u64),
            times_word(times)
        ),
    })
}

fn join_all(handles: Vec<std::thread::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.join();
    }
}
