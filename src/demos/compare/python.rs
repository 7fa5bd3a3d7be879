//! The CPU row in real Python, when `python3` is on PATH: the same loop in
//! two threads and in two processes, timed against one run of it.
//!
//! mptutor's own threads have no GIL, so the CPU row simulates one; this
//! asks the real interpreter. The program is written to a temporary file
//! (multiprocessing needs a main module it can import again under `spawn`
//! and `forkserver`) and run in a process group of its own, so its worker
//! processes can be killed with it on Ctrl-C or at the time limit. It
//! prints `key value` lines, read here. Each timing is the faster of two
//! runs, as in the CPU row.

use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::Serialize;

use crate::engine::context::{EngineError, RunContext};

/// The longest the timed Python run may take.
const MEASURE_LIMIT: Duration = Duration::from_secs(12);
/// The longest asking Python its version may take.
const PROBE_LIMIT: Duration = Duration::from_secs(5);
/// Seconds one run of the loop should take.
const TARGET_SECONDS: f64 = 0.15;
/// Most output kept from the program.
const MAX_OUTPUT: usize = 64 * 1024;

const PROGRAM: &str = r#"
import platform
import sys
import threading
import time
import multiprocessing


def work(n):
    total = 0
    for i in range(n):
        total += i % 7
    return total


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def fastest(function, *args):
    return min(timed(function, *args) for _ in range(2))


def together(kind, n):
    workers = [kind(target=work, args=(n,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    gil = getattr(sys, "_is_gil_enabled", None)
    print("version", platform.python_version())
    print("gil_enabled", gil() if gil else True)
    print("start_method", multiprocessing.get_start_method())
    sys.stdout.flush()
    if sys.argv[1] == "probe":
        sys.exit(0)
    target = float(sys.argv[1])
    n = 50_000
    while True:
        took = timed(work, n)
        if took >= 0.04 or n >= 1 << 30:
            break
        n *= 2
    n = max(1, int(n * target / max(took, 1e-6)))
    print("loop", n)
    print("one", fastest(work, n))
    print("threads", fastest(together, threading.Thread, n))
    print("processes", fastest(together, multiprocessing.Process, n))
"#;

/// The interpreter found on PATH.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PythonInfo {
    /// `3.11.7`.
    pub version: String,
    /// False only on a free-threaded build running without its GIL.
    pub gil_enabled: bool,
}

/// What the timed run found.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonRun {
    pub info: PythonInfo,
    /// Twice the work of one run, on 2 threads: one run's time × 2 / time.
    pub threads_speedup: f64,
    /// The same on 2 processes.
    pub processes_speedup: f64,
    /// multiprocessing's default start method there (`fork`, `forkserver`…).
    pub start_method: String,
}

/// Runs the comparison in real Python. `Ok(Err(why))` when there is no
/// usable `python3`; `Err` only when the student stopped the demo.
pub(super) fn measure(ctx: &mut RunContext<'_>) -> Result<Result<PythonRun, String>, EngineError> {
    let output = match run_program(ctx, &TARGET_SECONDS.to_string(), MEASURE_LIMIT)? {
        Ok(output) => output,
        Err(why) => return Ok(Err(why)),
    };
    let value = |key: &str| -> Option<&str> {
        output
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
    };
    let seconds = |key: &str| value(key).and_then(|text| text.trim().parse::<f64>().ok());
    let (Some(info), Some(one), Some(threads), Some(processes)) = (
        info_from(&output),
        seconds("one"),
        seconds("threads"),
        seconds("processes"),
    ) else {
        return Ok(Err(format!(
            "python3 printed something unexpected: {}",
            output.lines().last().unwrap_or("nothing")
        )));
    };
    Ok(Ok(PythonRun {
        info,
        threads_speedup: super::ratio(2.0 * one, threads),
        processes_speedup: super::ratio(2.0 * one, processes),
        start_method: value("start_method").unwrap_or("?").to_string(),
    }))
}

/// The `python3` on PATH, if any: its version and whether its GIL is on.
pub(super) fn probe(ctx: &mut RunContext<'_>) -> Result<Option<PythonInfo>, EngineError> {
    Ok(run_program(ctx, "probe", PROBE_LIMIT)?
        .ok()
        .and_then(|output| info_from(&output)))
}

fn info_from(output: &str) -> Option<PythonInfo> {
    let value = |key: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
    };
    Some(PythonInfo {
        version: value("version")?.trim().to_string(),
        gil_enabled: value("gil_enabled")?.trim() != "False",
    })
}

/// A temporary file that is removed when dropped.
struct TempProgram(PathBuf);

impl TempProgram {
    fn write() -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("mptutor-compare-{}-{nanos}.py", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        std::io::Write::write_all(&mut file, PROGRAM.as_bytes())?;
        Ok(TempProgram(path))
    }
}

impl Drop for TempProgram {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs the program with `argument`; `Ok(Err(why))` when Python is missing,
/// fails, or takes longer than `limit`.
fn run_program(
    ctx: &mut RunContext<'_>,
    argument: &str,
    limit: Duration,
) -> Result<Result<String, String>, EngineError> {
    let program = match TempProgram::write() {
        Ok(program) => program,
        Err(error) => return Ok(Err(format!("cannot write the Python program: {error}"))),
    };
    let spawned = Command::new("python3")
        .arg(&program.0)
        .arg(argument)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err("python3 is not on PATH".to_string()));
        }
        Err(error) => return Ok(Err(format!("cannot start python3: {error}"))),
    };
    let outcome = collect(ctx, &mut child, limit);
    // However it ended, nothing of the program's process group stays behind.
    if let Ok(pid) = i32::try_from(child.id()) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let status = child.wait();
    let (stdout, stderr) = outcome?;
    match status {
        Ok(status) if status.success() => Ok(Ok(stdout)),
        Ok(status) => Ok(Err(format!(
            "python3 ended with {status}: {}",
            stderr.lines().last().unwrap_or("no message")
        ))),
        Err(error) => Ok(Err(format!("cannot wait for python3: {error}"))),
    }
}

/// Reads the child's stdout and stderr until both close, or the limit
/// passes, or Ctrl-C (an `Err`). Returns what each held.
fn collect(
    ctx: &mut RunContext<'_>,
    child: &mut Child,
    limit: Duration,
) -> Result<(String, String), EngineError> {
    let began = Instant::now();
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Ok((String::new(), String::new()));
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut out_open, mut err_open) = (true, true);
    let mut buffer = [0u8; 8192];
    while out_open || err_open {
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
        if began.elapsed() > limit || ctx.remaining().is_zero() {
            err.extend_from_slice(b"\nno answer before the time limit");
            break;
        }
        let mut fds = Vec::new();
        if out_open {
            fds.push(PollFd::new(stdout.as_fd(), PollFlags::POLLIN));
        }
        if err_open {
            fds.push(PollFd::new(stderr.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, PollTimeout::from(20u8)) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
        let ready: Vec<bool> = fds
            .iter()
            .map(|fd| fd.revents().is_some_and(|events| !events.is_empty()))
            .collect();
        drop(fds);
        let mut ready = ready.into_iter();
        if out_open && ready.next() == Some(true) {
            out_open = read_some(&mut stdout, &mut buffer, &mut out);
        }
        if err_open && ready.next() == Some(true) {
            err_open = read_some(&mut stderr, &mut buffer, &mut err);
        }
    }
    Ok((
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    ))
}

/// One read into `kept` (up to [`MAX_OUTPUT`]); false once the pipe closed.
fn read_some(pipe: &mut impl Read, buffer: &mut [u8], kept: &mut Vec<u8>) -> bool {
    match pipe.read(buffer) {
        Ok(0) => false,
        Ok(count) => {
            let room = MAX_OUTPUT.saturating_sub(kept.len());
            kept.extend_from_slice(&buffer[..count.min(room)]);
            true
        }
        Err(error) if error.kind() == std::io::ErrorKind::Interrupted => true,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interpreter_is_read_from_its_key_value_lines() {
        let info = info_from("version 3.13.1\ngil_enabled False\nstart_method fork\n");
        assert_eq!(
            info,
            Some(PythonInfo {
                version: "3.13.1".into(),
                gil_enabled: false,
            })
        );
        assert_eq!(info_from("version 3.11.7\n"), None);
    }
}
