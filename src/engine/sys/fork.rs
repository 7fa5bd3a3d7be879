//! Forking a worker and setting it up in the child.
//!
//! # Why fork is sound here
//!
//! After `fork()` only the calling thread exists in the child. If another
//! thread held a lock (the allocator's, stdout's) at that moment, the child
//! would inherit it locked forever. So [`ForkGate::open`] refuses to fork
//! unless the process has exactly one thread (counted in `/proc/self`), and
//! the engine never keeps reader threads: it reads every pipe with `poll`
//! on the calling thread. With one thread, no lock can be held by anyone
//! else, and the child may run ordinary Rust code: allocate, format, write.
//!
//! The fork server ([`ForkGate::fork_service`]) is such a child: forked
//! from the single-threaded mptutor, it starts no thread of its own, so it
//! may fork workers in turn through a gate of its own.
//!
//! Everything the child does before running its task is a plain system
//! call on file descriptors and process attributes, done in an order that
//! leaves no window where the child could outlive its parent or read the
//! terminal.

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::fcntl::OFlag;
use nix::unistd::Pid;

pub use super::child_setup::Tether;
use super::child_setup::{MAX_EXTRA_FDS, RESET_FOR_EXEC, RESET_FOR_TASK, child_setup};
use super::fds::pipe;
use crate::engine::task::Task;

/// What the child does once it is set up.
pub enum ChildBody<'a> {
    /// Run this task in the forked copy of mptutor; its result is the
    /// exit code. (The task itself, not a closure around it: each function
    /// on the child's path is code the child must map in, page by page.)
    Task(&'a Task),
    /// Replace the process image: `argv[0]` is run as a new program
    /// (the spawn start method re-executes mptutor itself).
    Exec {
        program: CString,
        argv: Vec<CString>,
    },
    /// Like `Exec`, with `env` (`KEY=value` entries) as the whole
    /// environment, and at most `memory_limit` bytes of address space
    /// (RLIMIT_AS, inherited by everything the program starts) when set:
    /// how a student's Python program is started.
    ExecWithEnv {
        program: CString,
        argv: Vec<CString>,
        env: Vec<CString>,
        memory_limit: Option<u64>,
    },
}

/// A worker's stdout and stderr pipes, both ends of each. The ends mptutor
/// reads are non-blocking, so a pipe can be read dry without waiting.
pub struct OutputPipes {
    pub stdout: (OwnedFd, OwnedFd),
    pub stderr: (OwnedFd, OwnedFd),
}

impl OutputPipes {
    /// Two fresh pipes.
    pub fn new() -> std::io::Result<OutputPipes> {
        let fresh = || -> std::io::Result<(OwnedFd, OwnedFd)> {
            let (read, write) = pipe()?;
            nix::fcntl::fcntl(&read, nix::fcntl::FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
            Ok((read, write))
        };
        Ok(OutputPipes {
            stdout: fresh()?,
            stderr: fresh()?,
        })
    }
}

/// A forked worker, and its output pipes: the parent keeps both ends.
/// While the parent holds the ends the child writes to, the child's exit
/// does not show as the pipes closing; what to do with them is the
/// caller's choice.
pub struct Forked {
    pub pid: Pid,
    pub output: OutputPipes,
}

/// The files every fork needs, opened once by the process that forks (a
/// forked child that forks in turn opens its own): `/proc/self/task` and `/proc/self/stat` to count
/// threads, and `/dev/null` for workers' stdin. Opening them for each fork
/// cost more than the rest of the parent's preparation (see `mptutor
/// bench`).
struct ForkFiles {
    pid: u32,
    task_dir: std::fs::File,
    stat: std::fs::File,
    dev_null: std::fs::File,
}

impl ForkFiles {
    fn open(pid: u32) -> std::io::Result<ForkFiles> {
        Ok(ForkFiles {
            pid,
            task_dir: std::fs::File::open("/proc/self/task")?,
            stat: std::fs::File::open("/proc/self/stat")?,
            dev_null: std::fs::File::open("/dev/null")?,
        })
    }
}

/// The files of the first process to fork. Set once and only read after,
/// so asking for them writes no memory: every page mptutor writes between
/// two forks costs it a copy-on-write fault (a lock here was one).
static FORK_FILES: std::sync::OnceLock<ForkFiles> = std::sync::OnceLock::new();

/// Runs `use_files` on this process's [`ForkFiles`]: the kept ones, or, in
/// a forked child (whose `/proc/self` is not its parent's), fresh ones.
fn with_fork_files<T>(pid: u32, use_files: impl FnOnce(&ForkFiles) -> T) -> std::io::Result<T> {
    if FORK_FILES.get().is_none() {
        // Losing a race to another thread only drops the extra files.
        let _ = FORK_FILES.set(ForkFiles::open(pid)?);
    }
    match FORK_FILES.get() {
        Some(files) if files.pid == pid => Ok(use_files(files)),
        _ => ForkFiles::open(pid).map(|files| use_files(&files)),
    }
}

/// Number of threads in this process. This runs before every fork, so it
/// asks the cheapest way: Linux gives `/proc/self/task` one link per
/// thread plus two, and `fstat` on it costs well under a microsecond,
/// where producing `/proc/self/stat` costs tens right after a fork. Should
/// the count look wrong, field 20 of `/proc/self/stat` is the answer.
pub fn thread_count() -> Option<usize> {
    thread_count_of(std::process::id())
}

/// [`thread_count`] of this process, whose pid the caller knows.
fn thread_count_of(pid: u32) -> Option<usize> {
    use std::os::unix::fs::MetadataExt;
    let links = with_fork_files(pid, |files| files.task_dir.metadata())
        .and_then(|metadata| metadata)
        .map(|metadata| metadata.nlink());
    match links {
        Ok(links) if links >= 3 => usize::try_from(links - 2).ok(),
        _ => thread_count_from_stat(pid),
    }
}

/// Field 20 of `/proc/self/stat`, read with one `pread` into the stack
/// (not a growing String: each heap page written after a fork costs a
/// page fault).
fn thread_count_from_stat(pid: u32) -> Option<usize> {
    use std::os::unix::fs::FileExt;
    let mut buffer = [0u8; 1024];
    let count = with_fork_files(pid, |files| files.stat.read_at(&mut buffer, 0))
        .and_then(|read| read)
        .ok()?;
    let stat = std::str::from_utf8(&buffer[..count]).ok()?;
    // `pid (comm) state ppid …`: the name may hold spaces and parentheses,
    // so fields are counted from the last `)`; field 3 is the first after it.
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name
        .split_ascii_whitespace()
        .nth(20 - 3)?
        .parse()
        .ok()
}

/// True once this process has one thread. A thread that was just joined
/// can linger in the kernel's count for a moment, so wait briefly.
fn wait_until_single_threaded(pid: u32) -> bool {
    for _ in 0..200 {
        if thread_count_of(pid) == Some(1) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// Forks a worker: [`ForkGate::open`], then [`ForkGate::fork_worker`].
pub fn fork_worker(
    group: Option<Pid>,
    output: OutputPipes,
    extra: &[RawFd],
    body: ChildBody<'_>,
) -> std::io::Result<Forked> {
    ForkGate::open()?.fork_worker(group, output, extra, body)
}

/// What forking needs checked and at hand, done once for several forks in
/// a row: between them mptutor then writes to as few pages as it can, each
/// page written after a fork being a copy-on-write fault (see `mptutor
/// bench`). Good until mptutor starts a thread, so it lives in one
/// function's scope and cannot leave the thread.
pub struct ForkGate {
    parent: u32,
    dev_null: RawFd,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl ForkGate {
    /// Checks that this process has one thread. (Its stdout buffer is left
    /// alone: workers write around it, see `task::write_stdout`.)
    pub fn open() -> std::io::Result<ForkGate> {
        let parent = std::process::id();
        if !wait_until_single_threaded(parent) {
            return Err(std::io::Error::other(
                "refusing to fork: mptutor has more than one thread, and a forked child could \
                 deadlock",
            ));
        }
        // Stays open in FORK_FILES for as long as this process lives.
        let dev_null = with_fork_files(parent, |files| files.dev_null.as_raw_fd())?;
        Ok(ForkGate {
            parent,
            dev_null,
            _not_send: std::marker::PhantomData,
        })
    }

    /// Forks a worker.
    ///
    /// In the child: joins process group `group` (or leads a new one when
    /// `None`), asks to be killed when mptutor dies, disables core dumps,
    /// reads stdin from `/dev/null`, writes stdout and stderr into
    /// `output`, moves `extra` descriptors to 3, 4, … and closes everything
    /// else, restores default signal handling (see [`RESET_FOR_EXEC`]),
    /// then runs `body`.
    pub fn fork_worker(
        &self,
        group: Option<Pid>,
        output: OutputPipes,
        extra: &[RawFd],
        body: ChildBody<'_>,
    ) -> std::io::Result<Forked> {
        let (stdout, stderr) = (output.stdout.1.as_raw_fd(), output.stderr.1.as_raw_fd());
        let pid = self.fork_child(group, stdout, stderr, extra, body)?;
        Ok(Forked { pid, output })
    }

    /// Forks a worker running `task` that writes into `stdout` and
    /// `stderr`, the write ends alone: how the fork server starts a worker
    /// with pipes mptutor made and reads. Set up as in
    /// [`ForkGate::fork_worker`], dying with this process.
    pub fn fork_task(
        &self,
        group: Option<Pid>,
        stdout: RawFd,
        stderr: RawFd,
        extra: &[RawFd],
        task: &Task,
    ) -> std::io::Result<Pid> {
        self.fork_child(group, stdout, stderr, extra, ChildBody::Task(task))
    }

    /// Forks a worker running `body` that writes into `stdout` and
    /// `stderr`, the write ends alone: how a run's keeper starts the
    /// program it keeps. Set up as in [`ForkGate::fork_worker`], dying
    /// with this process.
    pub fn fork_body(
        &self,
        group: Option<Pid>,
        stdout: RawFd,
        stderr: RawFd,
        body: ChildBody<'_>,
    ) -> std::io::Result<Pid> {
        self.fork_child(group, stdout, stderr, &[], body)
    }

    /// Forks a long-lived helper of this process (the fork server, a
    /// run's keeper).
    ///
    /// The child leads a process group of its own, so the terminal's
    /// Ctrl-C never reaches it; it learns of this process's death as
    /// `tether` says, dumps no core, has `/dev/null` on descriptors 0, 1
    /// and 2 (nothing it does can reach the terminal, and descriptors it is
    /// given later never take those numbers), gets `keep` as descriptors
    /// 3, 4, … and has every other one closed. Then it runs `serve` with
    /// those descriptors and a gate of its own, for forking workers in
    /// turn, and exits with its result.
    pub fn fork_service(
        &self,
        keep: &[RawFd],
        tether: Tether,
        serve: impl FnOnce(&ForkGate, Vec<OwnedFd>) -> i32,
    ) -> std::io::Result<Pid> {
        if keep.len() > MAX_EXTRA_FDS {
            return Err(std::io::Error::other(format!(
                "a helper takes at most {MAX_EXTRA_FDS} descriptors"
            )));
        }
        let (parent, dev_null) = (self.parent, self.dev_null);
        // SAFETY: as in `fork_child`: the process is single-threaded while
        // the gate is held.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            let set_up = child_setup(
                None,
                tether,
                parent,
                dev_null,
                dev_null,
                dev_null,
                keep,
                &RESET_FOR_TASK,
            );
            let code = match set_up {
                Ok(()) => {
                    // It was forked from a single-threaded process and is
                    // single-threaded itself: it may fork in turn. Its
                    // stdin is /dev/null, so workers can share it.
                    let gate = ForkGate {
                        parent: std::process::id(),
                        dev_null: 0,
                        _not_send: std::marker::PhantomData,
                    };
                    let kept = (3..).take(keep.len()).map(|fd| {
                        // SAFETY: `child_setup` has just put `keep` on
                        // descriptors 3, 4, …, and nothing else in this
                        // process knows those descriptors.
                        unsafe { super::fds::take_fd(fd) }
                    });
                    let kept: Vec<OwnedFd> = kept.collect();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| serve(&gate, kept)))
                        .unwrap_or(101)
                }
                Err(()) => 127,
            };
            // SAFETY: as in `fork_child`, `_exit` ends the child at once.
            unsafe { libc::_exit(code) }
        }
        Ok(Pid::from_raw(pid))
    }

    fn fork_child(
        &self,
        group: Option<Pid>,
        stdout: RawFd,
        stderr: RawFd,
        extra: &[RawFd],
        body: ChildBody<'_>,
    ) -> std::io::Result<Pid> {
        if extra.len() > MAX_EXTRA_FDS {
            return Err(std::io::Error::other(format!(
                "a worker takes at most {MAX_EXTRA_FDS} extra descriptors"
            )));
        }
        let (parent, dev_null) = (self.parent, self.dev_null);

        // SAFETY: the process is single-threaded (checked when the gate
        // opened, or known of the fork server, which starts no thread; no
        // thread can start while the gate is held), so the child starts
        // with no lock held by a vanished thread.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(std::io::Error::last_os_error());
        }
        if pid == 0 {
            let set_up = child_setup(
                group,
                Tether::DeathSignal,
                parent,
                dev_null,
                stdout,
                stderr,
                extra,
                match body {
                    ChildBody::Task(_) => &RESET_FOR_TASK,
                    ChildBody::Exec { .. } | ChildBody::ExecWithEnv { .. } => &RESET_FOR_EXEC,
                },
            );
            let code = match set_up {
                Ok(()) => run_body(body),
                Err(()) => 127,
            };
            // SAFETY: `_exit` ends the child at once, without running the
            // parent's atexit handlers or flushing its inherited buffers twice.
            unsafe { libc::_exit(code) }
        }
        Ok(Pid::from_raw(pid))
    }
}

fn run_body(body: ChildBody<'_>) -> i32 {
    match body {
        // The task flushes what it prints itself (see `WorkerTask::run`):
        // a task that prints nothing then never touches stdout's lock and
        // buffer, two more pages this child would copy.
        ChildBody::Task(task) => std::panic::catch_unwind(|| task.run()).unwrap_or(101),
        ChildBody::Exec { program, argv } => {
            let mut pointers: Vec<*const libc::c_char> =
                argv.iter().map(|arg| arg.as_ptr()).collect();
            pointers.push(std::ptr::null());
            // SAFETY: `program` and every `argv` entry are NUL-terminated
            // CStrings that outlive the call, and the array ends in NULL.
            unsafe { libc::execv(program.as_ptr(), pointers.as_ptr()) };
            let _ = writeln!(
                std::io::stderr(),
                "mptutor: cannot start a spawn worker: {}",
                std::io::Error::last_os_error()
            );
            127
        }
        ChildBody::ExecWithEnv {
            program,
            argv,
            env,
            memory_limit,
        } => {
            if let Some(bytes) = memory_limit
                && let Err(error) = nix::sys::resource::setrlimit(
                    nix::sys::resource::Resource::RLIMIT_AS,
                    bytes,
                    bytes,
                )
            {
                let _ = writeln!(
                    std::io::stderr(),
                    "mptutor: cannot limit {}'s memory: {error}",
                    program.to_string_lossy()
                );
                return 127;
            }
            let null_terminated = |strings: &[CString]| {
                let mut pointers: Vec<*const libc::c_char> =
                    strings.iter().map(|s| s.as_ptr()).collect();
                pointers.push(std::ptr::null());
                pointers
            };
            let (arguments, environment) = (null_terminated(&argv), null_terminated(&env));
            // SAFETY: every pointer is into a NUL-terminated CString that
            // outlives the call, and both arrays end in NULL.
            unsafe { libc::execve(program.as_ptr(), arguments.as_ptr(), environment.as_ptr()) };
            let _ = writeln!(
                std::io::stderr(),
                "mptutor: cannot start {}: {}",
                program.to_string_lossy(),
                std::io::Error::last_os_error()
            );
            127
        }
    }
}
