//! The limits on how many processes and threads may exist, and how many
//! do: read when the kernel refuses a new one, so that mptutor can say
//! which limit stopped it instead of only "Resource temporarily
//! unavailable". Every number is read from the kernel's own files and
//! calls; one that cannot be read is `None`, and the message then leaves
//! that limit out.

use std::path::{Path, PathBuf};

/// Why the kernel refused a new process or thread, by its error number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `EAGAIN`: a limit on processes or threads is reached (or, for a
    /// thread, its stack found no room).
    TryAgain,
    /// `ENOMEM`: no memory for the new process's tables, or no process
    /// id left.
    NoMemory,
}

impl Refusal {
    /// The refusal `error` is, if it is one.
    pub fn of(error: &std::io::Error) -> Option<Refusal> {
        match error.raw_os_error() {
            Some(libc::EAGAIN) => Some(Refusal::TryAgain),
            Some(libc::ENOMEM) => Some(Refusal::NoMemory),
            _ => None,
        }
    }

    /// `EAGAIN`, `ENOMEM`: the name a manual page uses.
    pub fn errno_name(self) -> &'static str {
        match self {
            Refusal::TryAgain => "EAGAIN",
            Refusal::NoMemory => "ENOMEM",
        }
    }
}

/// A control group's limit on tasks (`pids.max`) and its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPids {
    /// The `pids.max` file.
    pub path: PathBuf,
    pub max: u64,
    pub current: u64,
}

/// Every limit on new processes and threads mptutor can see, with how
/// much of each is used. Linux counts threads as tasks in all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskLimits {
    /// `RLIMIT_NPROC` (`ulimit -u`): soft and hard, `None` for unlimited.
    pub user_soft: Option<u64>,
    pub user_hard: Option<u64>,
    /// False when the kernel does not hold this process to
    /// `RLIMIT_NPROC`: root, or a process with `CAP_SYS_RESOURCE` or
    /// `CAP_SYS_ADMIN`.
    pub user_limit_applies: bool,
    /// Tasks whose real user is this process's: what `RLIMIT_NPROC` counts.
    pub user_tasks: Option<u64>,
    /// Tasks on the whole machine (`/proc/loadavg`).
    pub system_tasks: Option<u64>,
    /// `/proc/sys/kernel/threads-max`.
    pub threads_max: Option<u64>,
    /// `/proc/sys/kernel/pid_max`: every task takes one id.
    pub pid_max: Option<u64>,
    /// The tightest `pids.max` of this process's control group and the
    /// groups above it, if any is set.
    pub group: Option<GroupPids>,
    /// `RLIMIT_AS` (`ulimit -v`) in bytes, `None` for unlimited: a
    /// thread's stack must fit in it.
    pub address_space: Option<u64>,
    /// The address space this process uses, in bytes (`VmSize`).
    pub address_space_used: Option<u64>,
}

/// Reads every limit now.
pub fn task_limits() -> TaskLimits {
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};
    let finite = |value: u64| (value != RLIM_INFINITY).then_some(value);
    let (user_soft, user_hard) = getrlimit(Resource::RLIMIT_NPROC)
        .map_or((None, None), |(soft, hard)| (finite(soft), finite(hard)));
    // SAFETY: getuid only reads the calling process's credentials and
    // cannot fail.
    let uid = unsafe { libc::getuid() };
    TaskLimits {
        user_soft,
        user_hard,
        user_limit_applies: uid != 0 && !has_resource_capability(),
        user_tasks: tasks_of_user(uid),
        system_tasks: system_tasks(),
        threads_max: read_number(Path::new("/proc/sys/kernel/threads-max")),
        pid_max: read_number(Path::new("/proc/sys/kernel/pid_max")),
        group: tightest_group(),
        address_space: address_space_limit(),
        address_space_used: address_space_used(),
    }
}

/// `RLIMIT_AS` in bytes, `None` for unlimited.
pub fn address_space_limit() -> Option<u64> {
    use nix::sys::resource::{RLIM_INFINITY, Resource, getrlimit};
    getrlimit(Resource::RLIMIT_AS)
        .ok()
        .and_then(|(soft, _)| (soft != RLIM_INFINITY).then_some(soft))
}

/// The address space this process has mapped (`VmSize` of
/// `/proc/self/status`), in bytes.
pub fn address_space_used() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib.saturating_mul(1024))
}

fn read_number(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// `CAP_SYS_ADMIN` (bit 21) or `CAP_SYS_RESOURCE` (bit 24) in this
/// process's effective set, either of which lifts `RLIMIT_NPROC`.
fn has_resource_capability() -> bool {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|bits| u64::from_str_radix(bits.trim(), 16).ok())
        .is_some_and(|bits| bits & ((1 << 21) | (1 << 24)) != 0)
}

/// Threads of every process whose real user is `uid`, from each
/// `/proc/<pid>/status`. Processes that end while being read are skipped.
fn tasks_of_user(uid: u32) -> Option<u64> {
    let entries = std::fs::read_dir("/proc").ok()?;
    let mut tasks = 0u64;
    let mut seen = false;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name
            .to_string_lossy()
            .bytes()
            .all(|byte| byte.is_ascii_digit())
        {
            continue;
        }
        let Ok(status) = std::fs::read_to_string(entry.path().join("status")) else {
            continue;
        };
        if let Some(threads) = threads_of(&status, uid) {
            tasks = tasks.saturating_add(threads);
            seen = true;
        }
    }
    seen.then_some(tasks)
}

/// A process's threads, from its `status`, when its real user is `uid`.
fn threads_of(status: &str, uid: u32) -> Option<u64> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_ascii_whitespace().next())
    };
    let real: u32 = field("Uid:")?.parse().ok()?;
    (real == uid).then(|| field("Threads:")?.parse().ok())?
}

/// The fourth field of `/proc/loadavg`, `running/total`: every task on
/// the machine.
fn system_tasks() -> Option<u64> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    parse_loadavg_total(&loadavg)
}

fn parse_loadavg_total(loadavg: &str) -> Option<u64> {
    loadavg
        .split_ascii_whitespace()
        .nth(3)?
        .split_once('/')?
        .1
        .parse()
        .ok()
}

/// The `pids.max` with the least room left, of this process's control
/// group and every group above it, under cgroup v2 or v1's `pids`
/// hierarchy.
fn tightest_group() -> Option<GroupPids> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    group_dirs(&membership)
        .into_iter()
        .filter_map(|dir| {
            let path = dir.join("pids.max");
            let max = read_number(&path)?;
            let current = read_number(&dir.join("pids.current"))?;
            Some(GroupPids { path, max, current })
        })
        .min_by_key(|group| group.max.saturating_sub(group.current))
}

/// The folders of this process's control groups that may hold a
/// `pids.max`, from `/proc/self/cgroup`, innermost first.
fn group_dirs(membership: &str) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let roots: &[&str] = if id == "0" && controllers.is_empty() {
            &["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        } else if controllers.split(',').any(|name| name == "pids") {
            &["/sys/fs/cgroup/pids"]
        } else {
            continue;
        };
        let relative = path.trim_start_matches('/');
        for root in roots {
            let mut dir = Path::new(root).join(relative);
            loop {
                dirs.push(dir.clone());
                if dir == Path::new(root) || !dir.pop() {
                    break;
                }
            }
        }
    }
    dirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_counts_its_threads_for_its_real_user_only() {
        let status = "Name:\tpython3\nUid:\t1000\t0\t0\t0\nThreads:\t7\n";
        assert_eq!(threads_of(status, 1000), Some(7));
        assert_eq!(threads_of(status, 0), None);
    }

    #[test]
    fn loadavg_gives_every_task_on_the_machine() {
        assert_eq!(
            parse_loadavg_total("0.52 0.58 0.59 3/1234 56789\n"),
            Some(1234)
        );
        assert_eq!(parse_loadavg_total("garbage"), None);
    }

    #[test]
    fn a_group_and_those_above_it_are_looked_at_under_v1_and_v2() {
        let dirs = group_dirs("12:pids:/user.slice/session-3.scope\n0::/a/b\n4:memory:/x\n");
        let shown: Vec<String> = dirs.iter().map(|dir| dir.display().to_string()).collect();
        assert_eq!(
            shown,
            [
                "/sys/fs/cgroup/pids/user.slice/session-3.scope",
                "/sys/fs/cgroup/pids/user.slice",
                "/sys/fs/cgroup/pids",
                "/sys/fs/cgroup/a/b",
                "/sys/fs/cgroup/a",
                "/sys/fs/cgroup",
                "/sys/fs/cgroup/unified/a/b",
                "/sys/fs/cgroup/unified/a",
                "/sys/fs/cgroup/unified",
            ]
        );
    }

    #[test]
    fn this_machine_s_limits_can_be_read() {
        let limits = task_limits();
        assert!(
            limits.user_tasks.is_some_and(|tasks| tasks >= 1),
            "{limits:?}"
        );
        assert!(limits.system_tasks.is_some(), "{limits:?}");
    }
}
