//! Thread workers for the experiments: each job on a thread of its own,
//! reported as a worker with the same events a process gets.
//!
//! As in `thread_pool`, the threads never touch the event sink: they send
//! what happens to the calling thread, which turns it into events. The
//! threads are scoped, so every one of them has been joined when
//! [`run_threads`] returns, whatever happened; the next experiment may
//! then fork. A thread cannot be killed, so Ctrl-C and the time limit are
//! cooperative: a job that loops asks [`Voice::stopped`].

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::event::{Event, ExitStatus, Stream, WorkerIndex, WorkerKind};
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::sys;

/// How often the calling thread looks up to check Ctrl-C and the time limit.
const WAIT: Duration = Duration::from_millis(20);

/// The stack of each thread mptutor starts: 128 KiB (musl's default),
/// where Rust's is 2 MiB. A worker thread runs small, flat code with its
/// buffers on the heap, and under an address-space limit (`ulimit -v`)
/// each thread's whole stack counts, and goes on counting once the thread
/// has ended (the C library keeps stacks for the next threads): 64
/// threads take 128 MiB at 2 MiB, far more than the 50 MiB a shell may
/// allow, and 8 MiB at 128 KiB.
pub const THREAD_STACK: usize = 128 * 1024;

/// What a thread tells the calling thread.
enum Report {
    Started {
        worker: WorkerIndex,
        tid: i32,
        name: String,
    },
    Line {
        worker: WorkerIndex,
        tid: i32,
        text: String,
    },
    Exited {
        worker: WorkerIndex,
        tid: i32,
        cpu_us: u64,
        panicked: bool,
    },
}

/// A thread worker's way to print a line, and to learn it should stop.
pub struct Voice<'a> {
    worker: WorkerIndex,
    tid: i32,
    reports: Sender<Report>,
    stop: &'a AtomicBool,
}

impl Voice<'_> {
    /// Prints a line, as a process worker would on its stdout.
    pub fn say(&self, text: impl Into<String>) {
        let _ = self.reports.send(Report::Line {
            worker: self.worker,
            tid: self.tid,
            text: text.into(),
        });
    }

    /// True once the demo is stopping (Ctrl-C or the time limit).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The kernel's id of this thread.
    pub fn tid(&self) -> i32 {
        self.tid
    }
}

/// What one thread does.
pub type Job<'a> = Box<dyn FnOnce(&Voice<'_>) + Send + 'a>;

/// How a batch of threads went.
pub struct Ran {
    /// From starting the first thread to the last one ending.
    pub wall: Duration,
    /// The workers the threads were.
    pub workers: Range<WorkerIndex>,
}

/// Runs every job on its own thread (`Thread-1`, `Thread-2`, … inside
/// mptutor), reporting each as a worker; returns once all are joined.
pub fn run_threads(ctx: &mut RunContext<'_>, jobs: Vec<Job<'_>>) -> Result<Ran, EngineError> {
    let workers = ctx.workers(jobs.len());
    let indices = workers.clone();
    let stop = AtomicBool::new(false);
    let me = nix::unistd::getpid().as_raw();
    let mut interrupted = false;
    let began = Instant::now();
    std::thread::scope(|scope| {
        let (reports, inbox) = mpsc::channel();
        let mut failed_to_start = None;
        for (slot, (worker, job)) in indices.zip(jobs).enumerate() {
            let (reports, stop) = (reports.clone(), &stop);
            let body = move || {
                let tid = sys::thread_id();
                let name = format!("Thread-{}", slot + 1);
                let _ = reports.send(Report::Started { worker, tid, name });
                let voice = Voice {
                    worker,
                    tid,
                    reports: reports.clone(),
                    stop,
                };
                let panicked = catch_unwind(AssertUnwindSafe(|| job(&voice))).is_err();
                let cpu_us = sys::thread_cpu_us();
                let _ = reports.send(Report::Exited {
                    worker,
                    tid,
                    cpu_us,
                    panicked,
                });
            };
            let spawned = std::thread::Builder::new()
                .name(format!("Thread-{}", slot + 1))
                .stack_size(THREAD_STACK)
                .spawn_scoped(scope, body);
            if let Err(error) = spawned {
                failed_to_start = Some((slot, error));
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        // Only the threads hold senders now: the inbox closes when the
        // last one ends.
        drop(reports);
        loop {
            if !interrupted && ctx.interrupted() {
                interrupted = true;
                stop.store(true, Ordering::Relaxed);
            }
            if ctx.remaining().is_zero() && !ctx.timed_out {
                ctx.timed_out = true;
                ctx.note("time limit reached: asking every thread to stop");
                stop.store(true, Ordering::Relaxed);
            }
            let report = match inbox.recv_timeout(WAIT) {
                Ok(report) => report,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let event = match report {
                // Labelled from `T1` in each call, as the threads are
                // named from `Thread-1`.
                Report::Started { worker, tid, name } => Event::Started {
                    worker,
                    label: format!("T{}", worker - workers.start + 1).into(),
                    name: name.into(),
                    kind: WorkerKind::Thread,
                    pid: tid,
                    ppid: me,
                    t_us: ctx.t_us(),
                },
                Report::Line { worker, tid, text } => Event::Line {
                    worker,
                    pid: tid,
                    stream: Stream::Stdout,
                    text,
                    t_us: ctx.t_us(),
                },
                Report::Exited {
                    worker,
                    tid,
                    cpu_us,
                    panicked,
                } => Event::Exited {
                    worker,
                    pid: tid,
                    status: ExitStatus::Code(if panicked { 101 } else { 0 }),
                    cpu_us,
                    max_rss_kb: sys::own_max_rss_kb(),
                    t_us: ctx.t_us(),
                },
            };
            ctx.emit(event);
        }
        match failed_to_start {
            Some((slot, error)) => {
                let what = format!("thread {} of {}", slot + 1, workers.len());
                Err(explain_refusal(NewTask::Thread, what, &error)
                    .unwrap_or_else(|| EngineError::cannot("start a thread")(error)))
            }
            None => Ok(()),
        }
    })?;
    let wall = began.elapsed();
    if interrupted {
        return Err(EngineError::Interrupted);
    }
    Ok(Ran { wall, workers })
}
