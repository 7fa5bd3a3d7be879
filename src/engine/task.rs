//! What a process worker runs: a [`Task`] is a named child-side body and
//! its arguments, in a form that survives every start method.
//!
//! The engine knows no demo. A demo declares its bodies as
//! [`WorkerBody`] values (a name and a function) and hands the engine
//! [`Task`]s naming them. Under `fork` the child calls the body's function
//! at once; under `spawn` it executes `mptutor worker <name> <args…>` and
//! the fresh process finds the body by name in the list the binary was
//! built with ([`worker_main`]); the fork server does the same lookup.
//! This is how Python finds a spawned child's target: by its qualified
//! name, in a module the child imports again — and why a body nobody
//! registered fails only under `spawn` and `forkserver`, as a function
//! defined in a notebook does.

use std::borrow::Cow;
use std::io::Write;

use smallvec::SmallVec;

/// Descriptor on which a pool worker reads its tasks (see `pool`).
pub const REQUEST_FD: i32 = 3;
/// Descriptor on which a pool worker writes its results.
pub const RESULT_FD: i32 = 4;

/// A child-side body: what a worker process runs, and the name it is
/// found by in a process that did not inherit it.
#[derive(Debug)]
pub struct WorkerBody {
    /// `print-number`: the first word after `mptutor worker`.
    pub name: &'static str,
    /// Runs in the worker; returns its exit code.
    pub run: fn(&Args<'_>) -> i32,
}

/// One argument of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Int(i64),
    Text(Cow<'static, str>),
}

impl std::fmt::Display for Arg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Arg::Int(n) => write!(f, "{n}"),
            Arg::Text(text) => f.write_str(text),
        }
    }
}

/// A body and its arguments. Most tasks hold a few numbers and a name, so
/// they live on the stack: every heap page mptutor writes between two
/// forks costs it a copy-on-write fault (see `mptutor bench`).
#[derive(Debug, Clone)]
pub struct Task {
    pub body: &'static WorkerBody,
    pub args: SmallVec<[Arg; 4]>,
}

impl PartialEq for Task {
    fn eq(&self, other: &Self) -> bool {
        self.body.name == other.body.name && self.args == other.args
    }
}

impl Task {
    pub const fn new(body: &'static WorkerBody) -> Self {
        Task {
            body,
            args: SmallVec::new_const(),
        }
    }

    /// Adds a whole-number argument.
    pub fn int(mut self, n: impl Into<i64>) -> Self {
        self.args.push(Arg::Int(n.into()));
        self
    }

    /// Adds an unsigned argument (counts, limits), capped at `i64::MAX`.
    pub fn uint(self, n: u64) -> Self {
        self.int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Adds a text argument.
    pub fn text(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.args.push(Arg::Text(text.into()));
        self
    }

    /// The words after `mptutor worker`: the body's name, then each
    /// argument.
    pub fn to_words(&self) -> Vec<String> {
        std::iter::once(self.body.name.to_string())
            .chain(self.args.iter().map(ToString::to_string))
            .collect()
    }

    /// Runs the body here, in the worker.
    pub fn run(&self) -> i32 {
        (self.body.run)(&Args(&self.args))
    }
}

/// A task's arguments as its body reads them: numbers given as numbers
/// (a forked child) or as words (a spawned one) read the same.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a>(pub &'a [Arg]);

impl Args<'_> {
    pub fn int(&self, index: usize) -> Option<i64> {
        match self.0.get(index)? {
            Arg::Int(n) => Some(*n),
            Arg::Text(text) => text.parse().ok(),
        }
    }

    pub fn uint(&self, index: usize) -> Option<u64> {
        self.int(index).and_then(|n| u64::try_from(n).ok())
    }

    pub fn text(&self, index: usize) -> Option<Cow<'_, str>> {
        match self.0.get(index)? {
            Arg::Int(n) => Some(Cow::Owned(n.to_string())),
            Arg::Text(text) => Some(Cow::Borrowed(text)),
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The bodies of a build, for finding one by name.
pub type Bodies = &'static [&'static WorkerBody];

/// Finds a body by name.
pub fn find_body(bodies: Bodies, name: &str) -> Option<&'static WorkerBody> {
    bodies.iter().copied().find(|body| body.name == name)
}

/// The task named by `words` (`print-number Process-1 10`), with its
/// arguments as words.
pub fn task_from_words(bodies: Bodies, words: &[String]) -> Option<Task> {
    let body = find_body(bodies, words.first()?)?;
    let mut task = Task::new(body);
    for word in &words[1..] {
        task = task.text(word.clone());
    }
    Some(task)
}

/// The entry point of a spawned worker, `mptutor worker <name> <args…>`:
/// finds the body among `bodies` and runs it.
pub fn worker_main(bodies: Bodies, words: &[String]) -> i32 {
    match task_from_words(bodies, words) {
        Some(task) => task.run(),
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "mptutor worker: no worker body is called {:?}; this build knows {}",
                words.first().map_or("", String::as_str),
                bodies
                    .iter()
                    .map(|body| body.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            2
        }
    }
}

/// A body's answer to arguments it cannot read: a message on stderr and
/// exit code 2, as a command-line tool would give.
pub fn bad_args(body: &str, args: &Args<'_>) -> i32 {
    let words: Vec<String> = args.0.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        std::io::stderr(),
        "mptutor worker {body}: unexpected arguments {words:?}"
    );
    2
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
    let mut text: SmallVec<[u8; 256]> = SmallVec::new();
    writeln!(text, "{line}")?;
    write_stdout(&text)
}

/// Marks the start of a stamped line: see [`write_stamped_line`].
pub const STAMP_START: u8 = 0x01;
/// Ends the stamp; the line's text follows.
pub const STAMP_END: u8 = 0x02;

/// Writes one line that carries the moment it was written: `\x01<ns>\x02`
/// before the text, the CLOCK_MONOTONIC time in nanoseconds. Every worker
/// writes into a pipe of its own, and lines that arrive in the same round
/// of reading would otherwise be ordered by worker, not by when they were
/// printed; the engine strips the stamp and times the line by it (see
/// `lines::Stamped`).
pub fn write_stamped_line(line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut text: SmallVec<[u8; 256]> = SmallVec::new();
    let mut number = itoa::Buffer::new();
    text.push(STAMP_START);
    text.extend_from_slice(number.format(monotonic_ns()).as_bytes());
    text.push(STAMP_END);
    writeln!(text, "{line}")?;
    write_stdout(&text)
}

/// CLOCK_MONOTONIC in nanoseconds: one clock for every process on the
/// machine, so a time written by a worker can be compared with mptutor's.
pub fn monotonic_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC).map_or(0, |time| {
        u64::try_from(time.tv_sec()).unwrap_or(0) * 1_000_000_000
            + u64::try_from(time.tv_nsec()).unwrap_or(0)
    })
}

/// How a worker is made to crash, for the failure demos.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// Writes to an unmapped address: a real SIGSEGV.
    Segfault,
    /// `abort()`: SIGABRT.
    Abort,
    /// A Rust panic: exit code 101.
    Panic,
}

impl Crash {
    pub fn word(self) -> &'static str {
        match self {
            Crash::Segfault => "segfault",
            Crash::Abort => "abort",
            Crash::Panic => "panic",
        }
    }

    pub fn from_word(word: &str) -> Option<Crash> {
        [Crash::Segfault, Crash::Abort, Crash::Panic]
            .into_iter()
            .find(|crash| crash.word() == word)
    }

    /// The task that crashes this way.
    pub fn task(self) -> Task {
        Task::new(&CRASH).text(self.word())
    }
}

/// Crashes on purpose: `crash segfault|abort|panic`.
pub static CRASH: WorkerBody = WorkerBody {
    name: "crash",
    run: |args| {
        let Some(how) = args.text(0).and_then(|word| Crash::from_word(&word)) else {
            return bad_args("crash", args);
        };
        let _ = write_line(format_args!("about to crash ({how:?})"));
        match how {
            Crash::Segfault => super::sys::segfault(),
            Crash::Abort => std::process::abort(),
            Crash::Panic => panic!("this worker panics on purpose"),
        }
    },
};

/// `sleep [MS]`: sleeps MS (none: not at all), then exits 0: a worker
/// that only exists.
pub static SLEEP: WorkerBody = WorkerBody {
    name: "sleep",
    run: |args| {
        let Some(ms) = (if args.is_empty() {
            Some(0)
        } else {
            args.uint(0)
        }) else {
            return bad_args("sleep", args);
        };
        if ms > 0 {
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
        0
    },
};

/// Writes `bytes` of output as fast as it can: `flood BYTES`.
pub static FLOOD: WorkerBody = WorkerBody {
    name: "flood",
    run: |args| {
        let Some(bytes) = args.uint(0) else {
            return bad_args("flood", args);
        };
        let mut line = [b'x'; 1024];
        line[1023] = b'\n';
        let mut written = 0u64;
        while written < bytes {
            if write_stdout(&line).is_err() {
                return 1;
            }
            written += 1024;
        }
        0
    },
};

/// Writes `lines` timestamps, each at once, `gap_us` apart: each line is
/// the CLOCK_MONOTONIC time in ns at which it was written (`mptutor
/// bench`'s latency).
pub static STAMPS: WorkerBody = WorkerBody {
    name: "stamps",
    run: |args| {
        let (Some(lines), Some(gap_us)) = (args.uint(0), args.uint(1)) else {
            return bad_args("stamps", args);
        };
        for _ in 0..lines {
            if write_line(format_args!("{}", monotonic_ns())).is_err() {
                return 1;
            }
            std::thread::sleep(std::time::Duration::from_micros(gap_us));
        }
        0
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    static BODIES: Bodies = &[&CRASH, &SLEEP, &FLOOD, &STAMPS];

    #[test]
    fn a_task_survives_the_trip_through_words() {
        for task in [
            Task::new(&SLEEP).int(5),
            Task::new(&STAMPS).uint(3).uint(500),
            Crash::Segfault.task(),
            Task::new(&FLOOD).text("1000"),
        ] {
            let back = task_from_words(BODIES, &task.to_words()).expect("a known body");
            assert_eq!(back.body.name, task.body.name);
            let words = |task: &Task| {
                task.args
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            };
            assert_eq!(words(&back), words(&task));
        }
    }

    #[test]
    fn numbers_read_the_same_given_as_numbers_or_as_words() {
        let given = [Arg::Int(-7), Arg::Text("42".into()), Arg::Text("x".into())];
        let args = Args(&given);
        assert_eq!(args.int(0), Some(-7));
        assert_eq!(args.uint(1), Some(42));
        assert_eq!(args.uint(0), None);
        assert_eq!(args.int(2), None);
        assert_eq!(args.text(0).as_deref(), Some("-7"));
    }

    #[test]
    fn an_unknown_body_is_refused_with_the_known_ones() {
        assert!(task_from_words(BODIES, &["nothing".to_string()]).is_none());
        assert_eq!(worker_main(BODIES, &["nothing".to_string()]), 2);
    }
}
