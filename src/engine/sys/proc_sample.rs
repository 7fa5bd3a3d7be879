//! What `/proc` says of a process and its threads while it runs: its
//! state, parent and command name, each thread's CPU time, its peak
//! memory, its children, and, once it is a zombie, how it ended. Also
//! whether a pidfd has turned readable (its process exited), and the
//! meaning of a raw wait status. The X-ray's collector samples these many
//! times a second, so each reader is one small file read and no more.

use std::os::fd::{AsFd, OwnedFd};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use crate::engine::event::ExitStatus;

/// The fields of `/proc/<pid>/stat` (or `/proc/<pid>/task/<tid>/stat`)
/// the X-ray reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcStat {
    /// The command name (`comm`), at most 15 bytes: `python3`, `sleep`.
    pub comm: String,
    /// `R`, `S`, `D`, `Z`, …
    pub state: char,
    pub ppid: i32,
    /// User plus system time, in clock ticks.
    pub cpu_ticks: u64,
    /// Field 52: the wait status the parent will get, once it exited.
    pub exit_code: Option<i32>,
}

/// Reads the fields after the command name, which is in parentheses and
/// may itself hold spaces and parentheses: the last `)` ends it.
pub fn parse_stat(text: &str) -> Option<ProcStat> {
    let open = text.find('(')?;
    let (head, rest) = text.rsplit_once(')')?;
    let comm = head.get(open + 1..)?.to_string();
    let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
    // `fields[0]` is field 3 (state); field N is `fields[N - 3]`.
    let field = |number: usize| fields.get(number - 3).copied();
    let number = |number: usize| field(number).and_then(|text| text.parse::<u64>().ok());
    Some(ProcStat {
        comm,
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        cpu_ticks: number(14)? + number(15)?,
        exit_code: field(52).and_then(|text| text.parse().ok()),
    })
}

/// `VmHWM` of `/proc/<pid>/status`, in kB; a zombie has none.
pub fn parse_vm_hwm_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// The first field of `schedstat`: time on the CPU, in nanoseconds.
pub fn parse_schedstat_ns(text: &str) -> Option<u64> {
    text.split_ascii_whitespace().next()?.parse().ok()
}

/// `/proc/<pid>/stat`; `None` once the process is gone (reaped).
pub fn process_stat(pid: i32) -> Option<ProcStat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The file name of the program `pid` runs (`/proc/<pid>/exe`):
/// `python3.11`, or `bash` for a script such as a version manager's
/// `python3`.
pub fn executable_name(pid: i32) -> Option<String> {
    Some(executable(pid)?.file_name()?.to_string_lossy().into_owned())
}

/// The command line of `pid`, its arguments joined by spaces (at most
/// 4 KiB of it); `None` once it is gone.
pub fn command_line(pid: i32) -> Option<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(format!("/proc/{pid}/cmdline"))
        .ok()?
        .take(4096)
        .read_to_end(&mut bytes)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.trim_end_matches('\0').replace('\0', " "))
}

/// The program `pid` runs, by its path.
pub fn executable(pid: i32) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// Whether `pid` still runs this process's program: forked, and not yet
/// executing what it was forked for.
pub fn runs_own_program(pid: i32) -> bool {
    executable(pid)
        .is_some_and(|program| std::fs::read_link("/proc/self/exe").ok() == Some(program))
}

/// The thread ids of `pid`, from `/proc/<pid>/task`.
pub fn thread_ids(pid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// A thread's command name (Python names none, so it is its process's
/// unless the program set one).
pub fn thread_comm(pid: i32, tid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/comm")).ok()?;
    Some(comm.trim_end_matches('\n').to_string())
}

/// CPU time a thread has used, in microseconds: `schedstat`'s
/// nanoseconds where the kernel keeps them, else `stat`'s clock ticks.
pub fn thread_cpu_us(pid: i32, tid: i32) -> Option<u64> {
    let task = format!("/proc/{pid}/task/{tid}");
    if let Some(ns) = std::fs::read_to_string(format!("{task}/schedstat"))
        .ok()
        .as_deref()
        .and_then(parse_schedstat_ns)
    {
        return Some(ns / 1_000);
    }
    let stat = parse_stat(&std::fs::read_to_string(format!("{task}/stat")).ok()?)?;
    Some(ticks_to_us(stat.cpu_ticks))
}

/// Clock ticks (of `stat`'s times) as microseconds.
pub fn ticks_to_us(ticks: u64) -> u64 {
    // SAFETY: sysconf reads a constant of the system; no memory is shared.
    let per_s = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .ok()
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100);
    ticks.saturating_mul(1_000_000) / per_s
}

/// Peak resident memory of `pid`, in kB.
pub fn peak_rss_kb(pid: i32) -> Option<u64> {
    parse_vm_hwm_kb(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// The children of every thread of `pid` (a child belongs to the thread
/// that forked it), from `/proc/<pid>/task/<tid>/children`.
pub fn children_of(pid: i32) -> Vec<i32> {
    let mut children = Vec::new();
    for tid in thread_ids(pid) {
        if let Ok(listed) = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/children")) {
            children.extend(
                listed
                    .split_ascii_whitespace()
                    .filter_map(|child| child.parse::<i32>().ok()),
            );
        }
    }
    children
}

/// Whether the process behind `pidfd` has exited (its pidfd is readable).
pub fn pidfd_has_exited(pidfd: &OwnedFd) -> bool {
    let mut fds = [PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)];
    matches!(poll(&mut fds, PollTimeout::ZERO), Ok(ready) if ready > 0)
}

/// `struct pidfd_info` of `<linux/pidfd.h>`, as far as its exit code
/// (`PIDFD_INFO_SIZE_VER0`, 64 bytes; the kernel fills what both know).
#[repr(C)]
#[derive(Default)]
struct PidfdInfo {
    mask: u64,
    cgroupid: u64,
    ids: [u32; 11],
    exit_code: i32,
}

/// `PIDFD_INFO_EXIT`: ask for (and, back, have) the exit code.
const PIDFD_INFO_EXIT: u64 = 1 << 3;

/// `PIDFD_GET_INFO`: `_IOWR(0xFF, 11, struct pidfd_info)`.
const PIDFD_GET_INFO: u64 =
    (3 << 30) | ((std::mem::size_of::<PidfdInfo>() as u64) << 16) | (0xFF << 8) | 11;

/// The wait status of the process behind `pidfd`, once it has exited and
/// been reaped, by whoever reaped it (Linux 6.15 and later keep it for
/// every pidfd open at the time; `None` before, or while it runs or is a
/// zombie).
pub fn pidfd_exit_status(pidfd: &OwnedFd) -> Option<i32> {
    use std::os::fd::AsRawFd;
    let mut info = PidfdInfo {
        mask: PIDFD_INFO_EXIT,
        ..PidfdInfo::default()
    };
    // SAFETY: `info` is a live, writable `struct pidfd_info` of the size
    // the request number says; the kernel writes at most that much.
    let result = unsafe {
        libc::ioctl(
            pidfd.as_raw_fd(),
            PIDFD_GET_INFO as _,
            std::ptr::from_mut(&mut info),
        )
    };
    (result == 0 && info.mask & PIDFD_INFO_EXIT != 0).then_some(info.exit_code)
}

/// How a raw wait status (`os.waitpid`'s, or a zombie's `exit_code`)
/// says the process ended.
pub fn decode_wait_status(status: i32) -> ExitStatus {
    if libc::WIFSIGNALED(status) {
        ExitStatus::Signal(super::signal_name(libc::WTERMSIG(status)))
    } else {
        ExitStatus::Code(libc::WEXITSTATUS(status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_gives_state_parent_cpu_and_exit_code_even_with_odd_names() {
        let line = "4242 (a (b) c) Z 4241 4242 4242 0 -1 4194560 97 0 0 0 7 5 0 0 20 0 1 0 \
                    1234 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 \
                    0 0 0 0 0 0 0 9";
        let stat = parse_stat(line).expect("a stat line");
        assert_eq!(stat.comm, "a (b) c");
        assert_eq!(stat.state, 'Z');
        assert_eq!(stat.ppid, 4241);
        assert_eq!(stat.cpu_ticks, 12);
        assert_eq!(stat.exit_code, Some(9));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn status_and_schedstat_give_peak_memory_and_nanoseconds() {
        let status = "Name:\tpython3\nVmPeak:\t  20000 kB\nVmHWM:\t    9876 kB\nVmRSS:\t 9000 kB\n";
        assert_eq!(parse_vm_hwm_kb(status), Some(9876));
        assert_eq!(parse_vm_hwm_kb("Name:\tzombie\nState:\tZ (zombie)\n"), None);
        assert_eq!(parse_schedstat_ns("1040729 0 1\n"), Some(1_040_729));
    }

    #[test]
    fn a_wait_status_tells_an_exit_code_from_a_signal() {
        assert_eq!(decode_wait_status(3 << 8), ExitStatus::Code(3));
        assert_eq!(decode_wait_status(0), ExitStatus::Code(0));
        assert_eq!(decode_wait_status(9), ExitStatus::Signal("SIGKILL".into()));
        assert_eq!(
            decode_wait_status(15 | 0x80),
            ExitStatus::Signal("SIGTERM".into())
        );
    }

    #[test]
    fn a_reaped_child_s_pidfd_tells_how_it_ended_where_the_kernel_keeps_it() {
        for (code, expected) in [
            (3, ExitStatus::Code(3)),
            (-9, ExitStatus::Signal("SIGKILL".into())),
        ] {
            let mut command = if code < 0 {
                let mut sleep = std::process::Command::new("sleep");
                sleep.arg("10");
                sleep
            } else {
                let mut shell = std::process::Command::new("sh");
                shell.args(["-c", "exit 3"]);
                shell
            };
            let mut child = command.spawn().expect("a child");
            let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
            let pidfd = super::super::pidfd_open(pid).expect("a pidfd");
            assert_eq!(pidfd_exit_status(&pidfd), None, "it has not ended");
            if code < 0 {
                child.kill().expect("killed");
            }
            child.wait().expect("reaped");
            assert!(pidfd_has_exited(&pidfd));
            match pidfd_exit_status(&pidfd) {
                Some(status) => assert_eq!(decode_wait_status(status), expected),
                None => eprintln!("this kernel keeps no exit status for a pidfd"),
            }
        }
    }

    #[test]
    fn this_process_reads_as_running_with_a_thread_and_cpu_time() {
        let pid = i32::try_from(std::process::id()).expect("pid");
        let stat = process_stat(pid).expect("own stat");
        assert_ne!(stat.state, 'Z');
        assert!(thread_ids(pid).contains(&pid));
        assert!(thread_cpu_us(pid, pid).is_some());
        assert!(peak_rss_kb(pid).is_some_and(|kb| kb > 0));
        let exe = std::env::current_exe().expect("own executable");
        let name = exe
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        assert_eq!(executable_name(pid), name);
    }
}
