//! Watching and reaping processes: pidfds, `wait4` with resource usage,
//! the state a process is in, and adopting orphans.

use std::os::fd::{OwnedFd, RawFd};
use std::time::{Duration, Instant};

use nix::unistd::Pid;

use crate::engine::event::ExitStatus;

/// How a reaped child ended, with what it used.
#[derive(Debug, Clone)]
pub struct Reaped {
    pub status: ExitStatus,
    pub cpu_us: u64,
    pub max_rss_kb: u64,
}

/// A descriptor that turns readable when `pid` exits, for `poll`; `None`
/// where the kernel has no `pidfd_open` (before Linux 5.3) or `pid` is gone.
pub fn pidfd_open(pid: Pid) -> Option<OwnedFd> {
    // SAFETY: a plain system call on integers.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid.as_raw(), 0) };
    let fd = RawFd::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the kernel just returned this new descriptor; nothing else owns it.
    Some(unsafe { super::fds::take_fd(fd) })
}

/// Reaps `pid` if it has ended: `Ok(None)` while it runs.
pub fn try_reap(pid: Pid) -> std::io::Result<Option<Reaped>> {
    wait4(pid.as_raw(), libc::WNOHANG).map(|found| found.map(|(_, reaped)| reaped))
}

/// Waits for `pid` to end and reaps it.
pub fn reap_blocking(pid: Pid) -> Option<Reaped> {
    loop {
        match wait4(pid.as_raw(), 0) {
            Ok(reaped) => return reaped.map(|(_, reaped)| reaped),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        }
    }
}

/// Reaps any ended child, without waiting: its pid and how it ended.
pub fn try_reap_any() -> std::io::Result<Option<(Pid, Reaped)>> {
    wait4(-1, libc::WNOHANG).map(|found| found.map(|(pid, reaped)| (Pid::from_raw(pid), reaped)))
}

fn wait4(pid: libc::pid_t, flags: libc::c_int) -> std::io::Result<Option<(libc::pid_t, Reaped)>> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, fully written by wait4 on success.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers refer to live locals of the right types.
    let result = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
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
    let micros = |time: libc::timeval| {
        u64::try_from(time.tv_sec).unwrap_or(0) * 1_000_000
            + u64::try_from(time.tv_usec).unwrap_or(0)
    };
    Ok(Some((
        result,
        Reaped {
            status: exit,
            cpu_us: micros(usage.ru_utime) + micros(usage.ru_stime),
            max_rss_kb: u64::try_from(usage.ru_maxrss).unwrap_or(0),
        },
    )))
}

/// `SIGSEGV` for 11, and so on; `signal 99` for numbers without a name.
pub fn signal_name(number: i32) -> String {
    nix::sys::signal::Signal::try_from(number)
        .map(|signal| signal.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {number}"))
}

/// The state letter of a process from `/proc/<pid>/stat` (R, S, Z, …);
/// `None` once it is gone.
pub fn process_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; the state
    // follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Makes orphaned descendants this process's children instead of init's,
/// or stops doing so.
pub fn set_child_subreaper(on: bool) -> std::io::Result<()> {
    nix::sys::prctl::set_child_subreaper(on).map_err(std::io::Error::from)
}

/// Reaps every child of process group `pgid` (all just sent SIGKILL),
/// waiting at most `patience` for them to die.
pub fn reap_group(pgid: Pid, patience: Duration) {
    use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
    let deadline = Instant::now() + patience;
    let anyone_in_group = Pid::from_raw(-pgid.as_raw());
    loop {
        match waitpid(anyone_in_group, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// The pids of this process's children, running or not yet reaped: from
/// `/proc/self/task/<pid>/children` (the calling process is
/// single-threaded, so its one thread holds them all), or, on a kernel
/// built without that file, from every `/proc/<pid>/stat` whose parent is
/// this process.
pub fn children_of_self() -> Vec<Pid> {
    let own = std::process::id();
    if let Ok(listed) = std::fs::read_to_string(format!("/proc/self/task/{own}/children")) {
        return listed
            .split_ascii_whitespace()
            .filter_map(|pid| pid.parse().ok())
            .map(Pid::from_raw)
            .collect();
    }
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| parent_of(*pid) == Some(own))
        .map(Pid::from_raw)
        .collect()
}

/// The parent pid in `/proc/<pid>/stat`; `None` once it is gone.
fn parent_of(pid: i32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_ascii_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
