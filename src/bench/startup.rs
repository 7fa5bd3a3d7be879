//! Start-up to a ready prompt, and resident memory: mptutor started in a
//! pseudo-terminal, as a student starts it, timed until its first prompt
//! appears. The pty answers the line editor's cursor-position query the way
//! a terminal does, so no time is lost waiting for a reply that never
//! comes. The floor is `/bin/true` started the same way, timed until
//! reaped; Python is `python3 -i -c "import multiprocessing"` up to its
//! `>>> ` prompt.
//!
//! Memory is the peak resident set (`VmHWM` in `/proc/<pid>/status`) at
//! the prompt. Not `wait4`'s figure: a child's peak counts the memory of
//! the process it was forked from until it execs, which here is the bench
//! itself, grown by its own measurements.

use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::{BenchError, Extra, Measured, Op, Plan, Sides, alternate, paired_ratio, stats};
use crate::engine::sys;

/// The longest one start may take.
const LIMIT: Duration = Duration::from_secs(10);
/// What a terminal answers to "where is the cursor?" (`ESC [ 6 n`).
const CURSOR_QUERY: &[u8] = b"\x1b[6n";
const CURSOR_AT_LEFT: &[u8] = b"\x1b[1;1R";

/// A program to start in a pty: until `ready` appears (then `leave` is
/// typed), or, with no `ready`, until it exits.
struct PtyStart<'a> {
    program: &'a Path,
    args: &'a [&'a str],
    ready: Option<&'a [u8]>,
    leave: &'a [u8],
    home: &'a Path,
}

/// How long it took, and its peak resident memory in KiB at the prompt.
struct Started {
    micros: f64,
    peak_rss_kb: Option<u64>,
}

fn start_in_pty(start: &PtyStart<'_>) -> Result<Started, BenchError> {
    let size = Winsize {
        ws_row: 30,
        ws_col: 100,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let pty = openpty(&size, None)?;
    let terminal = |fd: &OwnedFd| fd.try_clone().map(Stdio::from);
    let mut command = Command::new(start.program);
    command
        .args(start.args)
        .stdin(terminal(&pty.slave).map_err(BenchError::io("open the pty"))?)
        .stdout(terminal(&pty.slave).map_err(BenchError::io("open the pty"))?)
        .stderr(terminal(&pty.slave).map_err(BenchError::io("open the pty"))?)
        .env("HOME", start.home)
        .env("XDG_DATA_HOME", start.home)
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .env("PYTHON_BASIC_REPL", "1")
        .env_remove("PYTHONSTARTUP");
    let began = Instant::now();
    let child = command
        .spawn()
        .map_err(BenchError::io("start a program in a pty"))?;
    // Only the child may hold the terminal's other end, or the end of its
    // output would never be seen.
    drop(command);
    drop(pty.slave);
    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    // The child is reaped below with wait4, which std's handle never does.
    drop(child);
    let outcome = watch(&pty.master, start, began, pid);
    if outcome.is_err() {
        let _ = kill(pid, Signal::SIGKILL);
    }
    let reaped = sys::reap_blocking(pid);
    let (ready_at, peak_rss_kb) = outcome?;
    let reaped = reaped.ok_or_else(|| BenchError::Failed("the started program vanished".into()))?;
    if !reaped.status.success() {
        return Err(BenchError::Failed(format!(
            "{} ended with {}",
            start.program.display(),
            reaped.status
        )));
    }
    let took = ready_at.unwrap_or_else(|| began.elapsed());
    Ok(Started {
        micros: super::micros(took),
        peak_rss_kb,
    })
}

/// Reads the terminal until the program has closed it; returns when
/// `ready` appeared, if it is awaited, and the peak memory then.
fn watch(
    master: &OwnedFd,
    start: &PtyStart<'_>,
    began: Instant,
    pid: Pid,
) -> Result<(Option<Duration>, Option<u64>), BenchError> {
    let mut seen = Vec::new();
    let mut ready_at = None;
    let mut peak_rss_kb = None;
    let mut buffer = [0u8; 4096];
    loop {
        let left = LIMIT.saturating_sub(began.elapsed());
        if left.is_zero() {
            return Err(BenchError::Failed(format!(
                "{} showed no prompt within {} s",
                start.program.display(),
                LIMIT.as_secs()
            )));
        }
        let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
        let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
        match poll(&mut fds, timeout) {
            Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
            Ok(_) => {}
            Err(error) => return Err(error.into()),
        }
        let count = match nix::unistd::read(master, &mut buffer) {
            Ok(0) | Err(nix::errno::Errno::EIO) => return Ok((ready_at, peak_rss_kb)),
            Ok(count) => count,
            Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => continue,
            Err(error) => return Err(error.into()),
        };
        let from = seen.len().saturating_sub(16);
        seen.extend_from_slice(&buffer[..count]);
        if contains(&seen[from..], CURSOR_QUERY) {
            nix::unistd::write(master, CURSOR_AT_LEFT)?;
        }
        if let Some(ready) = start.ready
            && ready_at.is_none()
            && contains(&seen, ready)
        {
            ready_at = Some(began.elapsed());
            peak_rss_kb = peak_rss_kb_of(pid);
            nix::unistd::write(master, start.leave)?;
        }
        // Only the tail matters for the searches.
        if seen.len() > 65536 {
            seen.drain(..seen.len() - 1024);
        }
    }
}

/// `VmHWM` of a running process, in KiB.
fn peak_rss_kb_of(pid: Pid) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn true_program() -> PathBuf {
    ["/bin/true", "/usr/bin/true"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("true"))
}

pub fn to_prompt(plan: Plan) -> Result<Measured, BenchError> {
    super::ensure_single_threaded()?;
    let home = tempfile::tempdir().map_err(BenchError::io("create a temporary home"))?;
    let exe = std::env::current_exe().map_err(BenchError::io("find mptutor's binary"))?;
    let floor_program = true_program();
    let mptutor = PtyStart {
        program: &exe,
        args: &[],
        ready: Some(b"mptutor> "),
        leave: b"quit\r",
        home: home.path(),
    };
    let bare = PtyStart {
        program: &floor_program,
        args: &[],
        ready: None,
        leave: b"",
        home: home.path(),
    };
    let mut engine_rss = Vec::new();
    let (engine, floor) = alternate(
        plan,
        || {
            let started = start_in_pty(&mptutor)?;
            engine_rss.extend(started.peak_rss_kb);
            Ok(started.micros)
        },
        || Ok(start_in_pty(&bare)?.micros),
    )?;
    Ok(Measured {
        op: Op::Startup,
        mptutor: stats(&engine, "start-up")?,
        floor: stats(&floor, "bare start-up")?,
        python: None,
        paired_ratio: paired_ratio(&engine, &floor),
        runs: plan.runs,
        extra: Extra {
            peak_rss_kb: Some(Sides {
                mptutor: engine_rss.iter().copied().max(),
                ..Sides::default()
            }),
            ..Extra::default()
        },
        notes: vec![format!(
            "in a pseudo-terminal, until the `mptutor> ` prompt (not the script-mode proxy); \
             floor: {} in the same pty, until reaped (its memory is not measured: it is gone \
             before it can be read); memory: the peak resident set at the prompt, VmHWM in \
             /proc/<pid>/status; Python: `python3 -i -c \"import multiprocessing\"` until `>>> `",
            floor_program.display()
        )],
    })
}

/// Python to its `>>> ` prompt, with multiprocessing imported, the same
/// number of times; fills in the Python figures of `measured`.
pub fn python_to_prompt(plan: Plan, python: &Path, measured: &mut Measured) {
    let Ok(home) = tempfile::tempdir() else {
        return;
    };
    let start = PtyStart {
        program: python,
        args: &["-q", "-i", "-c", "import multiprocessing"],
        ready: Some(b">>> "),
        leave: b"\x04",
        home: home.path(),
    };
    let mut times = Vec::new();
    let mut rss = Vec::new();
    for round in 0..plan.warmup + plan.runs {
        match start_in_pty(&start) {
            Ok(started) if round >= plan.warmup => {
                times.push(started.micros);
                rss.extend(started.peak_rss_kb);
            }
            Ok(_) => {}
            Err(error) => {
                measured
                    .notes
                    .push(format!("Python's start-up was not measured: {error}"));
                return;
            }
        }
    }
    measured.python = super::Stats::of(&times);
    if let Some(sides) = &mut measured.extra.peak_rss_kb {
        sides.python = rss.iter().copied().max();
    }
}
