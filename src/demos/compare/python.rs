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
//!
//! A speed-up is judged only with the CPU behind it, so each phase also
//! reports how much CPU it got: the one run and the threads their process's
//! `time.process_time()`, the processes the `RUSAGE_CHILDREN` time of the
//! children joined meanwhile. mptutor meters the machine around the whole
//! program, which tells what other programs took while it ran.

use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::cpu::{SPEEDUP_AT_LEAST, baseline_cores, no_gain};
use super::ratio;
use crate::engine::context::{EngineError, RunContext};
use crate::engine::{Load, LoadMeter};
use crate::findings::Verdict;
use crate::findings::speed::{SpeedRun, judge_speedup};
use crate::findings::words;

/// The longest the timed Python run may take: about two seconds of CPU,
/// on a machine that may give it a fraction of a core.
const MEASURE_LIMIT: Duration = Duration::from_secs(20);
/// The longest asking Python its version may take.
const PROBE_LIMIT: Duration = Duration::from_secs(5);
/// Seconds of CPU one run of the loop should take.
const TARGET_SECONDS: f64 = 0.15;
/// Most output kept from the program.
const MAX_OUTPUT: usize = 64 * 1024;

/// The program: `key value` lines on stdout, the timings in seconds.
const PROGRAM: &str = include_str!("cpu_loop.py");

/// The interpreter found on PATH.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonInfo {
    /// `3.11.7`.
    pub version: String,
    /// False only on a free-threaded build running without its GIL.
    pub gil_enabled: bool,
}

/// What the timed run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonRun {
    pub info: PythonInfo,
    /// multiprocessing's default start method there (`fork`, `forkserver`…).
    pub start_method: String,
    /// Iterations of the loop in one run.
    pub loop_count: u64,
    /// One run of the loop.
    pub one: PythonPhase,
    /// Two runs at once, on 2 threads…
    pub threads: PythonPhase,
    /// …and on 2 processes.
    pub processes: PythonPhase,
    /// The machine while the whole program ran.
    pub load: Load,
}

/// One phase of the Python program, the faster of its two runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PythonPhase {
    pub wall_us: u64,
    /// The CPU time it got, as Python measured it.
    pub cpu_us: u64,
}

/// Two workers, as the Python program runs them.
const WORKERS: usize = 2;

impl PythonPhase {
    /// Cores' worth of CPU it got.
    pub fn cores(&self) -> f64 {
        ratio(self.cpu_us as f64, self.wall_us as f64)
    }
}

impl PythonRun {
    /// Twice the work of one run on 2 threads: one run's time × 2 / time.
    pub fn threads_speedup(&self) -> f64 {
        self.speedup(&self.threads)
    }

    /// The same on 2 processes.
    pub fn processes_speedup(&self) -> f64 {
        self.speedup(&self.processes)
    }

    fn speedup(&self, phase: &PythonPhase) -> f64 {
        ratio(2.0 * self.one.wall_us as f64, phase.wall_us as f64)
    }

    /// A phase as the speed judge reads it.
    fn speed_run(&self, phase: &PythonPhase, cores: usize) -> SpeedRun {
        SpeedRun {
            workers: WORKERS,
            cores,
            speedup: words::as_shown(self.speedup(phase)),
            parallel_cores: Some(phase.cores()),
            baseline_cores: Some(baseline_cores(
                self.one.cpu_us,
                phase.cpu_us / WORKERS as u64,
                self.one.wall_us,
            )),
            others_cores: self.load.others_cores(),
            per_worker_us: Some(phase.cpu_us / WORKERS as u64),
            // Twice the work of one run.
            parallel_work_cpu: (self.one.cpu_us > 0)
                .then(|| phase.cpu_us as f64 / (WORKERS as f64 * self.one.cpu_us as f64)),
        }
    }

    pub fn processes_run(&self, cores: usize) -> SpeedRun {
        self.speed_run(&self.processes, cores)
    }

    pub fn threads_run(&self, cores: usize) -> SpeedRun {
        self.speed_run(&self.threads, cores)
    }

    /// "Processes speed CPU work up".
    pub fn processes_verdict(&self, cores: usize) -> Verdict {
        judge_speedup(&self.processes_run(cores), SPEEDUP_AT_LEAST)
    }

    /// With the GIL on, "threads take turns" (no faster than one run);
    /// free-threaded, the opposite: they speed up.
    pub fn threads_verdict(&self, cores: usize) -> Verdict {
        let run = self.threads_run(cores);
        if self.info.gil_enabled {
            no_gain(&run, self.threads.cores())
        } else {
            judge_speedup(&run, SPEEDUP_AT_LEAST)
        }
    }
}

/// Runs the comparison in real Python. `Ok(Err(why))` when there is no
/// usable `python3`; `Err` only when the student stopped the demo.
pub(super) fn measure(ctx: &mut RunContext<'_>) -> Result<Result<PythonRun, String>, EngineError> {
    let meter = LoadMeter::start();
    let output = match run_program(ctx, &TARGET_SECONDS.to_string(), MEASURE_LIMIT)? {
        Ok(output) => output,
        Err(why) => return Ok(Err(why)),
    };
    // Python and its children were reaped: their CPU is mptutor's own.
    let load = meter.finish();
    Ok(read_run(&output, load).ok_or_else(|| {
        format!(
            "python3 printed something unexpected: {}",
            output.lines().last().unwrap_or("nothing")
        )
    }))
}

/// The run from the program's `key value` lines.
fn read_run(output: &str, load: Load) -> Option<PythonRun> {
    let value = |key: &str| -> Option<&str> {
        output
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
    };
    let micros = |key: &str| {
        let seconds = value(key)?.trim().parse::<f64>().ok()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1e6).round() as u64)
    };
    let phase = |name: &str| {
        Some(PythonPhase {
            wall_us: micros(&format!("{name}_wall"))?,
            cpu_us: micros(&format!("{name}_cpu"))?,
        })
    };
    Some(PythonRun {
        info: info_from(output)?,
        start_method: value("start_method").unwrap_or("?").trim().to_string(),
        loop_count: value("loop")?.trim().parse().ok()?,
        one: phase("one")?,
        threads: phase("threads")?,
        processes: phase("processes")?,
        load,
    })
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

    #[test]
    fn each_phase_is_read_with_the_cpu_it_got() {
        let output = "version 3.11.7\ngil_enabled True\nstart_method fork\nloop 900000\n\
                      one_wall 0.15\none_cpu 0.149\nthreads_wall 0.31\nthreads_cpu 0.3\n\
                      processes_wall 0.16\nprocesses_cpu 0.31\n";
        let load = Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: Some(1_000_000),
            own_us: 1_000_000,
        };
        let run = read_run(output, load).expect("a run");
        assert_eq!(run.one.cpu_us, 149_000);
        assert_eq!(run.processes.wall_us, 160_000);
        assert_eq!(run.loop_count, 900_000);
        assert!((run.processes_speedup() - 1.875).abs() < 1e-9);
        assert_eq!(read_run("version 3.11.7\ngil_enabled True\n", load), None);
    }
}
