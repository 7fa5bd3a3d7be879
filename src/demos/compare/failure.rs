//! Failure row: one of four workers hits a real segmentation fault.
//!
//! As processes, the crash ends only the worker it happens in: the other
//! three finish their work and mptutor, the parent, reads `SIGSEGV` from
//! the crashed one's exit status. As threads, the same fault kills the
//! whole process with every thread in it. That process must not be
//! mptutor, so the four threads run inside a sacrificial child process
//! ([`CRASHING_THREADS`]), and mptutor reports what became of it.

use std::time::{Duration, Instant};

use super::{Measurement, Row, RowResult};
use crate::demos::primes::{self, count_primes};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::event::ExitStatus;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Crash, Task, WorkerBody, bad_args};

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
    std::thread::scope(|scope| {
        for number in 1..=threads {
            scope.spawn(move || {
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
        }
    });
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

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
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
    let statuses: Vec<Option<ExitStatus>> = workers
        .iter()
        .map(|&index| group.status(index).cloned())
        .collect();
    let survivors = statuses
        .iter()
        .flatten()
        .filter(|status| status.success())
        .count();
    let crash_status = statuses
        .get(CRASHER - 1)
        .cloned()
        .flatten()
        .map_or_else(|| "no status".to_string(), |status| status.to_string());
    ctx.note(format!(
        "mptutor saw Process-{CRASHER} end with {crash_status}; {survivors} of {WORKERS} processes finished"
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
    let lines = ctx.take_recorded();
    let finished_threads = lines
        .iter()
        .filter(|(_, line)| line.ends_with(" finished"))
        .count();
    let host_status = group.status(index).cloned();
    let host_word = host_status
        .as_ref()
        .map_or_else(|| "no status".to_string(), ToString::to_string);
    let me = std::process::id();
    ctx.note(format!(
        "the child holding the threads ended with {host_word}: {finished_threads} of {WORKERS} threads \
         finished; mptutor (pid {me}) is still running"
    ));

    let segfault = ExitStatus::Signal("SIGSEGV".to_string());
    let agrees = survivors == WORKERS - 1
        && crash_status == "SIGSEGV"
        && finished_threads == 0
        && host_status.as_ref() == Some(&segfault);
    let lost_threads = WORKERS - finished_threads;
    let signal_number = |status: Option<&ExitStatus>| match status {
        Some(ExitStatus::Signal(name)) if name == "SIGSEGV" => f64::from(libc::SIGSEGV),
        _ => 0.0,
    };
    Ok(RowResult {
        row: Row::Failure,
        measurements: vec![
            Measurement::new("processes_survivors", survivors as f64, "count"),
            Measurement::new("processes_lost", (WORKERS - survivors) as f64, "count"),
            Measurement::new(
                "processes_crash_signal",
                signal_number(statuses.get(CRASHER - 1).and_then(Option::as_ref)),
                "signal",
            ),
            Measurement::new("threads_survivors", finished_threads as f64, "count"),
            Measurement::new("threads_lost", lost_threads as f64, "count"),
            Measurement::new(
                "threads_process_signal",
                signal_number(host_status.as_ref()),
                "signal",
            ),
        ],
        agrees: Some(agrees),
        summary: format!("{survivors} of {WORKERS} survive vs {finished_threads} of {WORKERS}"),
        finding: format!(
            "Process-{CRASHER}'s segfault ended only that process ({crash_status}); the other {} \
             finished their work. The same segfault in Thread-{CRASHER} ended the whole process \
             holding the threads ({host_word}), and {lost_threads} of {WORKERS} threads were lost \
             with it. mptutor survived because that process was a sacrificial child.",
            survivors
        ),
    })
}
