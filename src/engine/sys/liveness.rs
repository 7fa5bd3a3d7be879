//! Whether a process named in a file is still the one that wrote it: the
//! presenting REPL leaves its pid in the runtime folder, and `mptutor
//! notes` must tell a live presenter from a file left by one that died
//! (`kill -9`, a closed terminal), even after the pid was reused.

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;

/// When `pid` started, in clock ticks after boot (field 22 of
/// `/proc/<pid>/stat`); `None` when there is no such process.
pub fn process_start_ticks(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    start_ticks_of(&text)
}

/// Field 22 of a `stat` line, counted after the command name, which is in
/// parentheses and may itself hold spaces and parentheses.
fn start_ticks_of(stat: &str) -> Option<u64> {
    let (_, rest) = stat.rsplit_once(')')?;
    // `rest` starts at field 3 (the state); field 22 is its 20th.
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

/// The calling process's start time, as [`process_start_ticks`] reads it.
pub fn own_start_ticks() -> Option<u64> {
    process_start_ticks(std::process::id())
}

/// Whether `pid` runs, and, when `started` is known, is the process that
/// started then rather than a later one given the same pid. A zombie (a
/// REPL that exited and was not reaped yet) does not run.
pub fn is_running(pid: u32, started: Option<u64>) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    if raw <= 0 {
        return false;
    }
    // Signal 0 checks that the process exists without sending anything;
    // EPERM says it exists but belongs to someone else.
    match kill(Pid::from_raw(raw), None) {
        Ok(()) | Err(Errno::EPERM) => {}
        Err(_) => return false,
    }
    if super::process::process_state(raw) == Some('Z') {
        return false;
    }
    match (started, process_start_ticks(pid)) {
        (Some(expected), Some(now)) => expected == now,
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The real user id of the calling process.
pub fn own_uid() -> u32 {
    // SAFETY: getuid only reads the calling process's credentials and
    // cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_is_read_past_a_command_name_with_parentheses() {
        let stat = "42 (a (b) c) S 1 42 42 0 -1 4194560 100 0 0 0 5 6 0 0 20 0 1 0 987654 1000 200";
        assert_eq!(start_ticks_of(stat), Some(987_654));
        assert_eq!(start_ticks_of("42 (x) S 1"), None);
    }

    #[test]
    fn this_process_runs_and_a_wrong_start_time_is_another_process() {
        let own = std::process::id();
        let started = own_start_ticks();
        assert!(started.is_some());
        assert!(is_running(own, started));
        assert!(!is_running(own, started.map(|ticks| ticks + 1)));
        assert!(!is_running(0, None));
    }
}
