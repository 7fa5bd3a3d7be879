//! What the Python side of an X-ray says.
//!
//! mptutor binds a Unix datagram socket in the run's temporary folder and
//! gives its path to every interpreter of the run in `MPTUTOR_XRAY`. The
//! `sitecustomize.py` it puts on `PYTHONPATH` sends [`Record`]s there:
//! JSON objects, one per line, one or more lines per datagram (a datagram
//! arrives whole or not at all, so records of two processes never mix).
//! Lifecycle records go out at once; pool tasks are batched (at most 64
//! records or 20 ms apart, and always before a fork and at exit), so a
//! `Pool.map` over 20 000 items costs a few hundred datagrams, not 20 000.
//!
//! Times are `time.monotonic_ns()`, the CLOCK_MONOTONIC that mptutor's
//! own events are measured on, so both line up exactly. Pids are the
//! kernel's; `tid` is a thread's `native_id` (the kernel's thread id).
//! A record mptutor cannot read is counted and skipped, never fatal.

use serde::{Deserialize, Serialize};

/// The environment variable that carries the socket's path.
pub const SOCKET_ENV: &str = "MPTUTOR_XRAY";

/// Longest datagram the Python side sends, in bytes.
pub const MAX_DATAGRAM: usize = 65_536;

/// What a Python process is to `multiprocessing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The interpreter mptutor started.
    Main,
    /// A `multiprocessing.Process` (any start method, any context).
    Process,
    /// A `multiprocessing.Pool` worker or a `ProcessPoolExecutor` worker.
    PoolWorker,
    /// The forkserver start method's server.
    Forkserver,
    /// `multiprocessing`'s resource tracker.
    ResourceTracker,
    /// A `multiprocessing.Manager`'s server process.
    Manager,
    /// Anything else: `os.fork()`, a `subprocess` running Python.
    Other,
}

/// How a process came to run Python code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Begun {
    /// A new interpreter started (the main program, a spawn or forkserver
    /// child's bootstrap, a `subprocess` running Python): sent when
    /// `sitecustomize` is imported.
    Interpreter,
    /// A fork of a process already reporting (`os.fork()`, the fork start
    /// method, a forkserver child): sent in the child right after the fork.
    Fork,
}

/// One thing the Python side reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "r", rename_all = "snake_case")]
pub enum Record {
    /// A process began running Python code.
    Process {
        pid: i32,
        ppid: i32,
        t_ns: u64,
        how: Begun,
        /// The interpreter's whole command line (`sys.orig_argv`, or
        /// `/proc/self/cmdline` before Python 3.10; at most 8 items of 200
        /// characters), not `sys.argv`, which is only `['-c']` for a
        /// `-c` child:
        /// how a forkserver or resource tracker is told apart.
        argv: Vec<String>,
    },
    /// What `multiprocessing` made of the process, once it knows: sent
    /// from `BaseProcess._bootstrap` before the target runs (and by the
    /// main program at start-up, as `MainProcess`/`main`).
    Role {
        pid: i32,
        /// `multiprocessing.current_process().name`: `Process-1`,
        /// `ForkPoolWorker-2`, `SpawnProcess-3`.
        name: String,
        role: Role,
        /// `fork`, `spawn` or `forkserver`; `None` for the main program
        /// and for processes `multiprocessing` did not start.
        start_method: Option<String>,
        t_ns: u64,
    },
    /// A thread began running (from `Thread._bootstrap_inner`).
    ThreadStart {
        pid: i32,
        tid: i32,
        name: String,
        t_ns: u64,
    },
    /// A thread's `run()` returned or raised.
    ThreadEnd { pid: i32, tid: i32, t_ns: u64 },
    /// One task of a pool, in the worker that ran it: from taking it off
    /// the task queue to handing its result back. A `map` chunk is one
    /// task of `items` inputs.
    Task {
        pid: i32,
        /// The student's function, `__qualname__`: `square`, not
        /// `mapstar`.
        function: String,
        items: u64,
        start_ns: u64,
        end_ns: u64,
        /// Whether it returned rather than raised.
        ok: bool,
        /// `ValueError: bad input`, when it raised.
        error: Option<String>,
    },
    /// An exception ended a `Process`'s `run()` (Python prints the
    /// traceback and the process exits with code 1).
    Exception {
        pid: i32,
        /// `ZeroDivisionError: division by zero`.
        error: String,
        t_ns: u64,
    },
    /// Process `pid` reaped `child` (`os.waitpid` or `os.wait` returned
    /// it): when its zombie ended, and its raw wait status.
    Reaped {
        pid: i32,
        child: i32,
        status: i32,
        t_ns: u64,
    },
    /// Process `pid` started `child` running `program` (a `subprocess`
    /// Popen), at `t_ns`: seen even when it ends before /proc shows it.
    Spawned {
        pid: i32,
        child: i32,
        program: String,
        t_ns: u64,
    },
    /// The process is about to exit with `code` (`os._exit`, or the
    /// interpreter's normal exit). A signal that ends it sends nothing.
    Exit { pid: i32, code: i32, t_ns: u64 },
    /// A hook into `multiprocessing` did not fit this Python and switched
    /// itself off; the program runs as it would without it.
    HookOff { pid: i32, hook: String, why: String },
}

impl Record {
    /// The process the record comes from.
    pub fn pid(&self) -> i32 {
        match self {
            Record::Process { pid, .. }
            | Record::Role { pid, .. }
            | Record::ThreadStart { pid, .. }
            | Record::ThreadEnd { pid, .. }
            | Record::Task { pid, .. }
            | Record::Exception { pid, .. }
            | Record::Reaped { pid, .. }
            | Record::Spawned { pid, .. }
            | Record::Exit { pid, .. }
            | Record::HookOff { pid, .. } => *pid,
        }
    }
}

/// The records of one datagram, and how many of its lines could not be
/// read.
pub fn decode_datagram(bytes: &[u8]) -> (Vec<Record>, usize) {
    let mut records = Vec::new();
    let mut unreadable = 0;
    for line in bytes.split(|byte| *byte == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(record) => records.push(record),
            Err(_) => unreadable += 1,
        }
    }
    (records, unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_of_several_lines_gives_each_record_and_counts_the_bad_ones() {
        let datagram = concat!(
            r#"{"r":"process","pid":7,"ppid":1,"t_ns":5,"how":"interpreter","argv":["x.py"]}"#,
            "\n",
            r#"{"r":"role","pid":7,"name":"MainProcess","role":"main","start_method":null,"t_ns":6}"#,
            "\nnot json\n",
            r#"{"r":"task","pid":8,"function":"square","items":3,"start_ns":1,"end_ns":2,"ok":true,"error":null}"#,
            "\n\n"
        );
        let (records, unreadable) = decode_datagram(datagram.as_bytes());
        assert_eq!(unreadable, 1);
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[1],
            Record::Role {
                pid: 7,
                name: "MainProcess".into(),
                role: Role::Main,
                start_method: None,
                t_ns: 6
            }
        );
        assert_eq!(records[2].pid(), 8);
    }

    #[test]
    fn every_record_reads_back_as_written() {
        let records = vec![
            Record::ThreadStart {
                pid: 1,
                tid: 2,
                name: "Thread-1 (work)".into(),
                t_ns: 3,
            },
            Record::ThreadEnd {
                pid: 1,
                tid: 2,
                t_ns: 4,
            },
            Record::Exception {
                pid: 1,
                error: "ValueError: no".into(),
                t_ns: 5,
            },
            Record::Reaped {
                pid: 1,
                child: 9,
                status: 9,
                t_ns: 6,
            },
            Record::Spawned {
                pid: 1,
                child: 10,
                program: "sh".into(),
                t_ns: 7,
            },
            Record::Exit {
                pid: 9,
                code: 0,
                t_ns: 7,
            },
            Record::HookOff {
                pid: 1,
                hook: "pool".into(),
                why: "multiprocessing.pool.worker has another signature".into(),
            },
        ];
        let text: String = records
            .iter()
            .map(|record| serde_json::to_string(record).unwrap_or_default() + "\n")
            .collect();
        assert_eq!(decode_datagram(text.as_bytes()), (records, 0));
    }
}
