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

use serde::{Deserialize, Serialize};

use super::{Cell, Judged, micros, ratio};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::task::{SLEEP, Task};
use crate::findings::{Finding, Verdict, format_us, words};

const WORKERS: usize = 200;
const BATCH: usize = 50;
const SHOWN: usize = 2;

/// What starting and joining cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverheadResult {
    /// Workers of each kind.
    pub workers: usize,
    /// Starting and joining all the processes, in microseconds.
    pub processes_us: u64,
    /// The same for the threads.
    pub threads_us: u64,
}

const CLAIM: &str = "a process costs more to start than a thread";

impl OverheadResult {
    fn per_worker(&self, total_us: u64) -> u64 {
        (total_us as f64 / self.workers.max(1) as f64).round() as u64
    }

    fn process_us(&self) -> u64 {
        self.per_worker(self.processes_us)
    }

    fn thread_us(&self) -> u64 {
        self.per_worker(self.threads_us)
    }

    /// How many times a thread's cost a process's is, as it is printed.
    fn times(&self) -> String {
        words::times(ratio(self.processes_us as f64, self.threads_us as f64))
    }

    fn verdict(&self) -> Verdict {
        Verdict::of(self.processes_us > self.threads_us)
    }
}

impl Judged for OverheadResult {
    fn findings(&self) -> Vec<Finding> {
        let (process, thread) = (format_us(self.process_us()), format_us(self.thread_us()));
        let text = match self.verdict() {
            // fork(2): the child gets copies of the parent's page tables,
            // and its pages are shared copy-on-write, not copied.
            Verdict::Holds => format!(
                "Starting and joining a process took {process} on average, a thread {thread}: a \
                 process costs {} as much, because the kernel must give it an address space \
                 of its own (a copy of the parent's page tables, its pages shared \
                 copy-on-write) and resources of its own, while a thread only needs a stack \
                 in the process it joins.",
                self.times()
            ),
            _ => format!(
                "Starting and joining a process took {process} on average and a thread \
                 {thread} ({} as much): here a thread cost no less than a process. A machine \
                 that paused mptutor while its threads started does this; type `compare \
                 overhead` to measure again.",
                self.times()
            ),
        };
        vec![Finding::judged(CLAIM, self.verdict(), text)]
    }

    fn cell(&self) -> Cell {
        Cell::judged(
            format!(
                "{} vs {} per worker ({})",
                format_us(self.process_us()),
                format_us(self.thread_us()),
                self.times()
            ),
            self.verdict(),
        )
    }
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<OverheadResult, EngineError> {
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
    let processes_us = micros(began.elapsed());
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
                .stack_size(crate::engine::threads::THREAD_STACK)
                .spawn(|| ());
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(error) => {
                    join_all(handles);
                    let what = format!("thread {started} of {WORKERS}");
                    return Err(
                        explain_refusal(NewTask::Thread, what, &error).unwrap_or_else(|| {
                            EngineError::Refused(format!("cannot start a thread: {error}"))
                        }),
                    );
                }
            }
        }
        join_all(handles);
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
    }
    let result = OverheadResult {
        workers: WORKERS,
        processes_us,
        threads_us: micros(began.elapsed()),
    };
    ctx.note(format!(
        "{} per process, {} per thread",
        format_us(result.process_us()),
        format_us(result.thread_us())
    ));
    Ok(result)
}

fn join_all(handles: Vec<std::thread::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.join();
    }
}
