//! The calling thread's id, CPU time and memory.

/// The kernel's id of the calling thread.
pub fn thread_id() -> i32 {
    nix::unistd::gettid().as_raw()
}

/// CPU time used so far by the calling thread.
pub fn thread_cpu_us() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map_or(0, |time| micros(time.tv_sec(), time.tv_nsec() / 1_000))
}

/// CPU time used so far by this whole process, every thread of it.
pub fn process_cpu_us() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_PROCESS_CPUTIME_ID)
        .map_or(0, |time| micros(time.tv_sec(), time.tv_nsec() / 1_000))
}

/// CPU time of this process's children that have ended and been reaped,
/// and of their reaped descendants.
pub fn reaped_children_cpu_us() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).map_or(
        0,
        |usage| {
            let (user, system) = (usage.user_time(), usage.system_time());
            micros(user.tv_sec(), user.tv_usec()) + micros(system.tv_sec(), system.tv_usec())
        },
    )
}

/// Peak resident memory of this whole process, in KiB. Asked with
/// `RUSAGE_THREAD`: Linux gives the process's peak for it all the same,
/// without adding up the CPU time of every thread first, which made this
/// call most of what a thread pool's shutdown cost (see `mptutor bench`).
pub fn own_max_rss_kb() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_THREAD)
        .map_or(0, |usage| u64::try_from(usage.max_rss()).unwrap_or(0))
}

/// Peak resident memory of this program since it was started, in KiB:
/// `VmHWM` of its own memory map. Slower than [`own_max_rss_kb`], and
/// exact where that one is not: Linux carries into `ru_maxrss` the peak of
/// the map a process had before `execve`, so mptutor started by a large
/// process (a test harness, an IDE) reports that process's peak as its
/// own there.
pub fn own_peak_rss_kb_since_exec() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))?;
            line.trim().trim_end_matches("kB").trim().parse().ok()
        })
        .unwrap_or_else(own_max_rss_kb)
}

fn micros(seconds: i64, micros: i64) -> u64 {
    u64::try_from(seconds)
        .unwrap_or(0)
        .saturating_mul(1_000_000)
        .saturating_add(u64::try_from(micros).unwrap_or(0))
}
