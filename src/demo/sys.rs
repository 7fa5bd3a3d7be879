//! The few system calls that need `unsafe`: forking a worker, setting it up
//! in the child, and reaping it with its resource usage.
//!
//! # Why fork is sound here
//!
//! After `fork()` only the calling thread exists in the child. If another
//! thread held a lock (the allocator's, stdout's) at that moment, the child
//! would inherit it locked forever. So [`fork_worker`] refuses to fork unless
//! the process has exactly one thread (read from `/proc/self/status`), and
//! the engine never keeps reader threads: it reads every pipe with `poll` on
//! the calling thread. With one thread, no lock can be held by anyone else,
//! and the child may run ordinary Rust code: allocate, format, write.
//!
//! Everything the child does before running its task is a plain system call
//! on file descriptors and process attributes, done in an order that leaves
//! no window where the child could outlive mptutor or read its terminal.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use nix::fcntl::OFlag;
use nix::unistd::Pid;

use super::event::ExitStatus;

/// What the child does once it is set up.
pub enum ChildBody<'a> {
    /// Run this in the forked copy of mptutor; its result is the exit code.
    Run(&'a mut dyn FnMut() -> i32),
    /// Replace the process image: `argv[0]` is run as a new program
    /// (the spawn start method re-executes mptutor itself).
    Exec {
        program: CString,
        argv: Vec<CString>,
    },
    /// Like `Exec`, with `env` (`KEY=value` entries) as the whole
    /// environment: how a student's Python program is started.
    ExecWithEnv {
        program: CString,
        argv: Vec<CString>,
        env: Vec<CString>,
    },
}

/// The parent's ends of a new worker's output pipes.
pub struct Forked {
    pub pid: Pid,
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
}

/// How a reaped child ended, with what it used.
#[derive(Debug, Clone)]
pub struct Reaped {
    pub status: ExitStatus,
    pub cpu_us: u64,
    pub max_rss_kb: u64,
}

/// A pipe whose both ends close on exec, so no program started later
/// inherits it by accident.
pub fn pipe() -> nix::Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(OFlag::O_CLOEXEC)
}

/// Number of threads in this process, from `/proc/self/status`.
pub fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
}

/// True once this process has one thread. A thread that was just joined
/// can linger in the kernel's count for a moment, so wait briefly.
fn wait_until_single_threaded() -> bool {
    for _ in 0..200 {
        if thread_count() == Some(1) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}

/// Forks a worker.
///
/// In the child: joins process group `group` (or leads a new one when
/// `None`), asks to be killed when mptutor dies, disables core dumps, reads
/// stdin from `/dev/null`, writes stdout and stderr into fresh pipes, moves
/// `extra` descriptors to 3, 4, … and closes everything else, restores
/// default signal handling, then runs `body`.
pub fn fork_worker(
    group: Option<Pid>,
    extra: &[RawFd],
    body: ChildBody<'_>,
) -> std::io::Result<Forked> {
    if !wait_until_single_threaded() {
        return Err(std::io::Error::other(
            "refusing to fork: mptutor has more than one thread, and a forked child could deadlock",
        ));
    }
    let (stdout_read, stdout_write) = pipe()?;
    let (stderr_read, stderr_write) = pipe()?;
    let dev_null = std::fs::File::open("/dev/null")?;
    let parent = std::process::id();
    // Anything still buffered in our stdout would be written again by the child.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();

    // SAFETY: the process is single-threaded (checked above), so the child
    // starts with no lock held by a vanished thread.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        let code = child_setup(
            group,
            parent,
            dev_null.as_raw_fd(),
            stdout_write.as_raw_fd(),
            stderr_write.as_raw_fd(),
            extra,
        )
        .map_or(127, |()| run_body(body));
        // SAFETY: `_exit` ends the child at once, without running the
        // parent's atexit handlers or flushing its inherited buffers twice.
        unsafe { libc::_exit(code) }
    }
    Ok(Forked {
        pid: Pid::from_raw(pid),
        stdout: stdout_read,
        stderr: stderr_read,
    })
}

fn check(result: libc::c_int) -> Result<(), ()> {
    if result < 0 { Err(()) } else { Ok(()) }
}

fn child_setup(
    group: Option<Pid>,
    parent: u32,
    stdin: RawFd,
    stdout: RawFd,
    stderr: RawFd,
    extra: &[RawFd],
) -> Result<(), ()> {
    // SAFETY (whole function): each call is a plain system call on integers
    // and file descriptors this child owns; none touches Rust-managed memory.
    unsafe {
        check(libc::setpgid(0, group.map_or(0, Pid::as_raw)))?;
        check(libc::prctl(
            libc::PR_SET_PDEATHSIG,
            libc::SIGKILL as libc::c_ulong,
            0,
            0,
            0,
        ))?;
        // mptutor may have died between fork and prctl: then nobody would
        // send the signal, so leave now.
        if libc::getppid() as u32 != parent {
            return Err(());
        }
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        check(libc::setrlimit(libc::RLIMIT_CORE, &no_core))?;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGPIPE, libc::SIGQUIT] {
            libc::signal(signal, libc::SIG_DFL);
        }
        // Move the extra descriptors above every target first, so that
        // placing one at 3 cannot clobber another that happens to be 4.
        let mut lifted = Vec::with_capacity(extra.len());
        for fd in extra {
            let high = libc::fcntl(*fd, libc::F_DUPFD_CLOEXEC, 100);
            check(high)?;
            lifted.push(high);
        }
        check(libc::dup2(stdin, 0))?;
        check(libc::dup2(stdout, 1))?;
        check(libc::dup2(stderr, 2))?;
        for (target, fd) in (3..).zip(&lifted) {
            check(libc::dup2(*fd, target))?;
        }
        let first_unused = 3 + extra.len() as libc::c_uint;
        if libc::syscall(libc::SYS_close_range, first_unused, libc::c_uint::MAX, 0) < 0 {
            for fd in first_unused..1024 {
                libc::close(fd as libc::c_int);
            }
        }
    }
    Ok(())
}

fn run_body(body: ChildBody<'_>) -> i32 {
    match body {
        ChildBody::Run(task) => {
            let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task)).unwrap_or(101);
            let _ = std::io::stdout().flush();
            code
        }
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
        ChildBody::ExecWithEnv { program, argv, env } => {
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

/// Reaps `pid` if it has ended: `Ok(None)` while it runs.
pub fn try_reap(pid: Pid) -> std::io::Result<Option<Reaped>> {
    wait4(pid, libc::WNOHANG)
}

/// Waits for `pid` to end and reaps it.
pub fn reap_blocking(pid: Pid) -> Option<Reaped> {
    loop {
        match wait4(pid, 0) {
            Ok(reaped) => return reaped,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

fn wait4(pid: Pid, flags: libc::c_int) -> std::io::Result<Option<Reaped>> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, fully written by wait4 on success.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers refer to live locals of the right types.
    let result = unsafe { libc::wait4(pid.as_raw(), &mut status, flags, &mut usage) };
    if result < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if result == 0 {
        return Ok(None);
    }
    let exit = if libc::WIFSIGNALED(status) {
        ExitStatus::Signal(signal_name(libc::WTERMSIG(status)))
    } else {
        ExitStatus::Code(libc::WEXITSTATUS(status))
    };
    let micros = |time: libc::timeval| (time.tv_sec as u64) * 1_000_000 + time.tv_usec as u64;
    Ok(Some(Reaped {
        status: exit,
        cpu_us: micros(usage.ru_utime) + micros(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss.max(0) as u64,
    }))
}

/// `SIGSEGV` for 11, and so on; `signal 99` for numbers without a name.
pub fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map(|signal| signal.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {number}"))
}

/// The kernel's id of the calling thread.
pub fn thread_id() -> i32 {
    nix::unistd::gettid().as_raw()
}

/// CPU time used so far by the calling thread.
pub fn thread_cpu_us() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(0, |time| {
        (time.tv_sec() as u64) * 1_000_000 + (time.tv_nsec() as u64) / 1_000
    })
}

/// Peak resident memory of this whole process, in KiB.
pub fn own_max_rss_kb() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF)
        .map_or(0, |usage| usage.max_rss().max(0) as u64)
}

/// Writes to an address no process may touch: the kernel answers with a
/// real SIGSEGV. Called only in a worker meant to die that way, after its
/// output is flushed.
pub fn segfault() -> ! {
    let unmapped = std::ptr::without_provenance_mut::<u8>(16);
    // SAFETY: not sound, on purpose: this is how the failure demos get a
    // genuine segmentation fault. It runs only in a disposable child.
    unsafe { unmapped.write_volatile(1) };
    std::process::abort()
}
