//! Failure row: one of four workers hits a real segmentation fault.
//!
//! As processes, the crash ends only the worker it happens in: the other
//! three finish their work and mptutor, the parent, reads `SIGSEGV` from
//! the crashed one's exit status. As threads, the same fault kills the
//! whole process with every thread in it. That process must not be
//! mptutor, so the four threads run inside a sacrificial child process
//! ([`CRASHING_THREADS`]), and mptutor reports what became of it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Cell, Judged};
use crate::demos::primes::{self, count_primes};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::event::ExitStatus;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Crash, Task, WorkerBody, bad_args};
use crate::findings::{Finding, Verdict, words};

const WORKERS: usize = 4;
/// The worker that crashes, from 1.
const CRASHER: usize = 3;
/// The work each surviving worker does: enough to still be busy when the
/// crash comes.
const PRIMES_BELOW: u64 = 300_000;
/// How long the crashing thread lets the others work first.
const CRASH_AFTER: Duration = Duration::from_millis(30);
/// How long the other threads keep working before they would finish. The
/// crash ends them long before; this only bounds the worst case.
const THREADS_WORK_FOR: Duration = Duration::from_secs(2);

/// What the failure experiment saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureResult {
    /// Workers of each kind.
    pub workers: usize,
    /// The one that segfaults, from 1: `Process-3` and `Thread-3`.
    pub crasher: usize,
    /// How each process ended, in start order; `None` if no exit was seen.
    pub processes: Vec<Option<ExitStatus>>,
    /// Threads that finished their work.
    pub threads_finished: usize,
    /// How the child process holding the threads ended.
    pub host: Option<ExitStatus>,
}

const ONE_PROCESS: &str = "a crash in one process ends only that process";
const ALL_THREADS: &str = "a crash in one thread ends every thread of its process";

impl FailureResult {
    fn crash(&self) -> Option<&ExitStatus> {
        self.processes
            .get(self.crasher.wrapping_sub(1))
            .and_then(Option::as_ref)
    }

    /// Processes other than the crashing one that exited normally.
    fn survivors(&self) -> usize {
        (1..)
            .zip(&self.processes)
            .filter(|(slot, status)| {
                *slot != self.crasher && status.as_ref().is_some_and(ExitStatus::success)
            })
            .count()
    }

    fn others(&self) -> usize {
        self.workers.saturating_sub(1)
    }

    fn process_verdict(&self) -> Verdict {
        Verdict::of(
            is_segfault(self.crash())
                && self.processes.len() == self.workers
                && self.survivors() == self.others(),
        )
    }

    fn threads_verdict(&self) -> Verdict {
        Verdict::of(is_segfault(self.host.as_ref()) && self.threads_finished == 0)
    }
}

fn is_segfault(status: Option<&ExitStatus>) -> bool {
    matches!(status, Some(ExitStatus::Signal(name)) if name == "SIGSEGV")
}

fn status_words(status: Option<&ExitStatus>) -> String {
    status.map_or_else(|| "no exit seen".to_string(), ToString::to_string)
}

impl Judged for FailureResult {
    fn findings(&self) -> Vec<Finding> {
        let crasher = self.crasher;
        let crash = status_words(self.crash());
        let host = status_words(self.host.as_ref());
        let lost = self.workers.saturating_sub(self.threads_finished);
        let process = match self.process_verdict() {
            Verdict::Holds => format!(
                "Process-{crasher}'s segfault ended only that process ({crash}); the other {} \
                 finished their work, and mptutor, their parent, read how each one ended.",
                words::processes(self.others())
            ),
            _ => format!(
                "Process-{crasher} should have died of SIGSEGV while the other {} finished: it \
                 ended with {crash}, and {} of the other {} finished. A worker stopped by the \
                 time limit, or a machine out of processes, does this; type `compare failure` to \
                 measure again.",
                words::processes(self.others()),
                self.survivors(),
                self.others()
            ),
        };
        let threads = match self.threads_verdict() {
            Verdict::Holds => format!(
                "The same segfault in Thread-{crasher} ended the whole process holding the \
                 threads ({host}): {} of {} finished, though only one crashed; all {lost} were \
                 lost with it. mptutor survived because that process was a sacrificial child.",
                self.threads_finished,
                words::threads(self.workers)
            ),
            _ => format!(
                "The process holding the threads should have died of SIGSEGV with none of its \
                 {} finishing: it ended with {host}, and {} finished. Type `compare failure` \
                 to measure again.",
                words::threads(self.workers),
                words::count(self.threads_finished as u64, "thread", "threads")
            ),
        };
        vec![
            Finding::judged(ONE_PROCESS, self.process_verdict(), process),
            Finding::judged(ALL_THREADS, self.threads_verdict(), threads),
        ]
    }

    fn cell(&self) -> Cell {
        Cell::judged(
            format!(
                "{} of {} survive vs {} of {}",
                self.survivors(),
                self.workers,
                self.threads_finished,
                self.workers
            ),
            Verdict::all([self.process_verdict(), self.threads_verdict()]),
        )
    }
}

/// `crashing-threads THREADS CRASHER`, in the sacrificial child: THREADS
/// threads work, and thread number CRASHER (from 1) segfaults.
pub static CRASHING_THREADS: WorkerBody = WorkerBody {
    name: "crashing-threads",
    run: |args: &Args<'_>| match (args.uint(0), args.uint(1)) {
        (Some(threads), Some(crasher)) => crash_in_threads(threads, crasher),
        _ => bad_args("crashing-threads", args),
    },
};

fn crash_in_threads(threads: u64, crasher: u64) -> i32 {
    let pid = std::process::id();
    let started = std::thread::scope(|scope| {
        for number in 1..=threads {
            let thread =
                std::thread::Builder::new().stack_size(crate::engine::threads::THREAD_STACK);
            let spawned = thread.spawn_scoped(scope, move || {
                let tid = crate::engine::sys::thread_id();
                if number == crasher {
                    say(&format!(
                        "Thread-{number} (tid {tid}, in pid {pid}) will crash in a moment"
                    ));
                    std::thread::sleep(CRASH_AFTER);
                    say(&format!("Thread-{number} (tid {tid}) segfaults now"));
                    crate::engine::sys::segfault();
                }
                let primes = count_primes(0, PRIMES_BELOW, 1);
                say(&format!(
                    "Thread-{number} (tid {tid}, in pid {pid}) counted {primes} primes, still working"
                ));
                let began = Instant::now();
                while began.elapsed() < THREADS_WORK_FOR {
                    std::thread::sleep(Duration::from_millis(10));
                }
                say(&format!("Thread-{number} (tid {tid}) finished"));
            });
            if let Err(error) = spawned {
                say(&format!("cannot start Thread-{number}: {error}"));
                return false;
            }
        }
        true
    });
    if !started {
        return 1;
    }
    say(&format!("all {threads} threads finished"));
    0
}

/// Writes one line to stdout in a single `write`, without Rust's stdout
/// lock: mptutor's main thread holds that lock, and a forked child
/// inherits it held by the thread of that name, so this child's other
/// threads could never take it.
fn say(line: &str) {
    let _ = crate::engine::task::write_line(format_args!("{line}"));
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<FailureResult, EngineError> {
    ctx.note(format!(
        "{WORKERS} processes count primes; Process-{CRASHER} segfaults instead"
    ));
    let mut group = ProcessGroup::new();
    let workers: Vec<usize> = ctx.workers(WORKERS).collect();
    for (slot, &index) in workers.iter().enumerate() {
        let task = if slot + 1 == CRASHER {
            Crash::Segfault.task()
        } else {
            primes::task(0, PRIMES_BELOW, 1)
        };
        group.spawn(ctx, index, format!("Process-{}", slot + 1), &task, false)?;
    }
    group.wait_all(ctx)?;
    let processes: Vec<Option<ExitStatus>> = workers
        .iter()
        .map(|&index| group.status(index).cloned())
        .collect();
    ctx.note(format!(
        "mptutor saw Process-{CRASHER} end with {}",
        status_words(processes.get(CRASHER - 1).and_then(Option::as_ref))
    ));

    ctx.note(format!(
        "now {WORKERS} threads, Thread-{CRASHER} segfaulting, inside a sacrificial child process \
         (a crash in mptutor's own threads would end mptutor)"
    ));
    let mut group = ProcessGroup::new();
    let index = ctx.workers(1).start;
    let task = Task::new(&CRASHING_THREADS)
        .uint(WORKERS as u64)
        .uint(CRASHER as u64);
    ctx.start_recording();
    group.spawn(ctx, index, "threads-host", &task, false)?;
    group.wait_all(ctx)?;
    let threads_finished = ctx
        .take_recorded()
        .iter()
        .filter(|(_, line)| line.starts_with("Thread-") && line.ends_with(" finished"))
        .count();
    let host = group.status(index).cloned();
    ctx.note(format!(
        "the child holding the threads ended with {}; mptutor (pid {}) is still running",
        status_words(host.as_ref()),
        std::process::id()
    ));
    Ok(FailureResult {
        workers: WORKERS,
        crasher: CRASHER,
        processes,
        threads_finished,
        host,
    })
}
