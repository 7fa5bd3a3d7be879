//! What a process worker does, in a form that survives both start methods.
//!
//! With `fork` the child runs [`WorkerTask::run`] directly; with `spawn` the
//! child executes `mptutor worker <args>` and the fresh process rebuilds the
//! task from its arguments ([`WorkerTask::from_args`]) — the same way Python
//! pickles the target and arguments for a spawned child.

use std::io::Write;

/// Descriptor on which a pool worker reads its tasks (see `pool`).
pub const REQUEST_FD: i32 = 3;
/// Descriptor on which a pool worker writes its results.
pub const RESULT_FD: i32 = 4;

/// How a worker is made to crash, for the failure demos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// Writes through a null pointer: a real SIGSEGV.
    Segfault,
    /// `abort()`: SIGABRT.
    Abort,
    /// A Rust panic: exit code 101.
    Panic,
}

/// One process worker's job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkerTask {
    /// Print `<name> (pid N) prints <number>`.
    PrintNumber { name: String, number: i64 },
    /// Print this process's pid and its parent's, then exit.
    ShowIds { name: String },
    /// Count primes among `first, first+step, …` below `end`; print the count.
    CountPrimes { first: u64, end: u64, step: u64 },
    /// Serve pool requests from fd 3 until it closes (see `pool`).
    PoolWorker { name: String },
    /// Crash on purpose.
    Crash(Crash),
    /// Write this many bytes of output as fast as possible.
    Flood { bytes: u64 },
    /// Sleep, then exit 0.
    Sleep { ms: u64 },
    /// Print `lines` lines `gap_us` apart, each the CLOCK_MONOTONIC time
    /// in ns at which it was written (`mptutor bench`'s latency).
    Stamps { lines: u64, gap_us: u64 },
    /// Add to this process's copy of a counter and print it (`compare`).
    AddToCounter { name: String, times: u64 },
    /// Run threads, one of which segfaults, killing them all (`compare`).
    CrashingThreads { threads: u64, crasher: u64 },
    /// Read the request pipe to its end and print what came (`compare`).
    ReceiveBytes,
}

impl WorkerTask {
    /// Arguments for `mptutor worker …`.
    pub fn to_args(&self) -> Vec<String> {
        let words: Vec<String> = match self {
            WorkerTask::PrintNumber { name, number } => {
                vec!["print-number".into(), name.clone(), number.to_string()]
            }
            WorkerTask::ShowIds { name } => vec!["show-ids".into(), name.clone()],
            WorkerTask::CountPrimes { first, end, step } => {
                vec![
                    "count-primes".into(),
                    first.to_string(),
                    end.to_string(),
                    step.to_string(),
                ]
            }
            WorkerTask::PoolWorker { name } => vec!["pool-worker".into(), name.clone()],
            WorkerTask::Crash(how) => vec![
                "crash".into(),
                match how {
                    Crash::Segfault => "segfault",
                    Crash::Abort => "abort",
                    Crash::Panic => "panic",
                }
                .into(),
            ],
            WorkerTask::Flood { bytes } => vec!["flood".into(), bytes.to_string()],
            WorkerTask::Sleep { ms } => vec!["sleep".into(), ms.to_string()],
            WorkerTask::Stamps { lines, gap_us } => {
                vec!["stamps".into(), lines.to_string(), gap_us.to_string()]
            }
            WorkerTask::AddToCounter { name, times } => {
                vec!["add-to-counter".into(), name.clone(), times.to_string()]
            }
            WorkerTask::CrashingThreads { threads, crasher } => vec![
                "crashing-threads".into(),
                threads.to_string(),
                crasher.to_string(),
            ],
            WorkerTask::ReceiveBytes => vec!["receive-bytes".into()],
        };
        words
    }

    /// The task `mptutor worker <args>` names; `None` for anything else.
    pub fn from_args(args: &[String]) -> Option<Self> {
        let number = |index: usize| args.get(index).and_then(|word| word.parse::<u64>().ok());
        let text = |index: usize| args.get(index).cloned();
        Some(match args.first()?.as_str() {
            "print-number" => WorkerTask::PrintNumber {
                name: text(1)?,
                number: args.get(2)?.parse().ok()?,
            },
            "show-ids" => WorkerTask::ShowIds { name: text(1)? },
            "count-primes" => WorkerTask::CountPrimes {
                first: number(1)?,
                end: number(2)?,
                step: number(3)?.max(1),
            },
            "pool-worker" => WorkerTask::PoolWorker { name: text(1)? },
            "crash" => WorkerTask::Crash(match args.get(1)?.as_str() {
                "segfault" => Crash::Segfault,
                "abort" => Crash::Abort,
                "panic" => Crash::Panic,
                _ => return None,
            }),
            "flood" => WorkerTask::Flood { bytes: number(1)? },
            "sleep" => WorkerTask::Sleep { ms: number(1)? },
            "stamps" => WorkerTask::Stamps {
                lines: number(1)?,
                gap_us: number(2)?,
            },
            "add-to-counter" => WorkerTask::AddToCounter {
                name: text(1)?,
                times: number(2)?,
            },
            "crashing-threads" => WorkerTask::CrashingThreads {
                threads: number(1)?,
                crasher: number(2)?,
            },
            "receive-bytes" => WorkerTask::ReceiveBytes,
            _ => return None,
        })
    }

    /// Runs the task in the worker process; returns its exit code. What a
    /// task prints goes straight to fd 1 (see [`write_line`]).
    pub fn run(&self) -> i32 {
        let printed = match self {
            WorkerTask::PrintNumber { name, number } => write_line(format_args!(
                "{name} (pid {}) prints {number}",
                std::process::id()
            )),
            WorkerTask::ShowIds { name } => write_line(format_args!(
                "{name}: my pid is {}, my parent's pid is {}",
                std::process::id(),
                nix::unistd::getppid()
            )),
            WorkerTask::CountPrimes { first, end, step } => {
                let count = count_primes(*first, *end, *step);
                write_line(format_args!("counted {count} primes"))
            }
            WorkerTask::PoolWorker { name } => return super::pool_worker::serve(name),
            WorkerTask::Crash(how) => {
                let _ = write_line(format_args!("about to crash ({how:?})"));
                match how {
                    Crash::Segfault => super::sys::segfault(),
                    Crash::Abort => std::process::abort(),
                    Crash::Panic => panic!("this worker panics on purpose"),
                }
            }
            WorkerTask::Flood { bytes } => flood(*bytes),
            WorkerTask::Stamps { lines, gap_us } => stamps(*lines, *gap_us),
            WorkerTask::Sleep { ms } => {
                if *ms > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(*ms));
                }
                Ok(())
            }
            // These print through their own handles (from threads, too).
            WorkerTask::AddToCounter { name, times } => {
                return super::compare::memory::add_to_own_copy(name, *times);
            }
            WorkerTask::CrashingThreads { threads, crasher } => {
                return super::compare::crash_in_threads(*threads, *crasher);
            }
            WorkerTask::ReceiveBytes => return super::compare::receive_bytes(),
        };
        // Output errors (a closed pipe) end the worker quietly.
        i32::from(printed.is_err())
    }
}

/// Writes bytes to fd 1 as they are, without Rust's stdout.
///
/// A worker forked from mptutor inherits mptutor's stdout buffer and
/// lock. Writing around them means nothing mptutor had buffered is ever
/// written twice, so mptutor need not flush before each fork, and a
/// worker's thread never waits on a lock another thread held at the fork.
pub fn write_stdout(mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match nix::unistd::write(std::io::stdout(), bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => bytes = &bytes[written..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(())
}

/// Writes one line to fd 1 in one `write` (see [`write_stdout`]),
/// formatted on the stack.
pub fn write_line(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut text: smallvec::SmallVec<[u8; 256]> = smallvec::SmallVec::new();
    writeln!(text, "{line}")?;
    write_stdout(&text)
}

fn flood(bytes: u64) -> std::io::Result<()> {
    let mut line = [b'x'; 1024];
    line[1023] = b'\n';
    let mut written = 0u64;
    while written < bytes {
        write_stdout(&line)?;
        written += 1024;
    }
    Ok(())
}

/// Writes `lines` timestamps, each at once, `gap_us` apart.
fn stamps(lines: u64, gap_us: u64) -> std::io::Result<()> {
    for _ in 0..lines {
        write_line(format_args!("{}", monotonic_ns()))?;
        std::thread::sleep(std::time::Duration::from_micros(gap_us));
    }
    Ok(())
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the
/// machine, so a time written by a worker can be compared with mptutor's.
pub fn monotonic_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).map_or(0, |time| {
        u64::try_from(time.tv_sec()).unwrap_or(0) * 1_000_000_000
            + u64::try_from(time.tv_nsec()).unwrap_or(0)
    })
}

/// How many of `first, first + step, …` below `end` are prime, by trial
/// division: deliberately plain CPU work.
pub fn count_primes(first: u64, end: u64, step: u64) -> u64 {
    let mut count = 0;
    let mut n = first;
    while n < end {
        if is_prime(n) {
            count += 1;
        }
        n += step.max(1);
    }
    count
}

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n % divisor == 0 {
            return false;
        }
        divisor += 2;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_survives_the_trip_through_arguments() {
        let tasks = [
            WorkerTask::PrintNumber {
                name: "Process-1".into(),
                number: -7,
            },
            WorkerTask::ShowIds {
                name: "child".into(),
            },
            WorkerTask::CountPrimes {
                first: 3,
                end: 100,
                step: 4,
            },
            WorkerTask::PoolWorker { name: "P1".into() },
            WorkerTask::Crash(Crash::Segfault),
            WorkerTask::Flood { bytes: 10 },
            WorkerTask::Sleep { ms: 5 },
            WorkerTask::Stamps {
                lines: 3,
                gap_us: 500,
            },
            WorkerTask::AddToCounter {
                name: "Process-2".into(),
                times: 1000,
            },
            WorkerTask::CrashingThreads {
                threads: 4,
                crasher: 3,
            },
            WorkerTask::ReceiveBytes,
        ];
        for task in tasks {
            assert_eq!(WorkerTask::from_args(&task.to_args()), Some(task));
        }
    }

    #[test]
    fn primes_are_counted_across_strides() {
        assert_eq!(count_primes(0, 100, 1), 25);
        let split: u64 = (0..4).map(|k| count_primes(k, 100, 4)).sum();
        assert_eq!(split, 25);
    }
}
