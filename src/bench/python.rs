//! Python's figures: real `multiprocessing` code doing each operation, run
//! by the `python3` on `PATH`.
//!
//! The program ([`SCRIPT`]) is written to a temporary file — the spawn
//! start method needs a main module it can import again — and given the
//! same iteration counts as mptutor and the floor. It prints its raw samples
//! in microseconds, timed with `time.perf_counter_ns`, and the medians are
//! taken here by the same code as mptutor's. It runs in a process group of
//! its own, so at the time limit (or on Ctrl-C) it is killed with every
//! process it started.

use std::collections::HashMap;
use std::io::Read;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::{Measured, Op, Plan, Plans, Stats};
use crate::engine::interrupt;

/// The Python side of the bench.
const SCRIPT: &str = include_str!("bench.py");

/// What Python measured.
#[derive(Debug, Clone)]
pub struct PythonFigures {
    pub version: String,
    /// The interpreter itself (`sys.executable`), not a launcher in front of it.
    pub executable: PathBuf,
    /// Raw samples in microseconds, by name.
    samples: HashMap<String, Vec<f64>>,
    /// The limit Python counted primes below.
    cpu_limit: Option<u64>,
    cores: usize,
}

impl PythonFigures {
    /// Fills in Python's figures for `measured`'s operation.
    pub fn apply(&self, measured: &mut Measured) {
        match measured.op {
            Op::CpuAllCores => {
                let median = |key: &str| {
                    self.samples
                        .get(key)
                        .and_then(|samples| Stats::of(samples))
                        .map(|stats| stats.median_us)
                };
                let efficiency = median("cpu_one_process")
                    .zip(median(Op::CpuAllCores.key()))
                    .map(|(one, all)| one / all / self.cores as f64);
                if let Some(sides) = &mut measured.extra.efficiency {
                    sides.python = efficiency;
                }
                if let Some(limit) = self.cpu_limit {
                    measured
                        .notes
                        .push(format!("Python counted the odd primes below {limit}"));
                }
            }
            // Measured in a pty afterwards, by `startup::python_to_prompt`.
            Op::Startup => {}
            op => {
                measured.python = self
                    .samples
                    .get(op.key())
                    .and_then(|samples| Stats::of(samples));
            }
        }
    }
}

/// The iteration counts, and which operations to measure (by key), as the
/// script reads them.
fn config(plans: &Plans, ops: &[&str], cores: usize, cpu_seconds: f64) -> String {
    let pair = |plan: Plan| serde_json::json!([plan.warmup, plan.runs]);
    serde_json::json!({
        "process_fork": pair(plans.fork),
        "process_spawn": pair(plans.spawn),
        "process_forkserver": pair(plans.forkserver),
        "thread": pair(plans.thread),
        "pool_create_map5_shutdown": pair(plans.pool_lifecycle),
        "pool_round_trip_per_item": pair(plans.round_trip),
        "round_trip_items": plans.round_trip_items,
        "cpu": pair(plans.cpu),
        "cpu_seconds": cpu_seconds,
        "cores": cores,
        "latency_lines": plans.latency.lines,
        "latency_gap_us": plans.latency.gap.as_micros(),
        "latency_warmup": plans.latency.warmup,
        "ops": ops,
    })
    .to_string()
}

/// Runs the script for the operations in `ops` (their keys); `Err` says
/// why there are no Python figures.
pub fn measure(
    plans: &Plans,
    ops: &[&str],
    cores: usize,
    cpu_seconds: f64,
) -> Result<PythonFigures, String> {
    let python = crate::python::find_python3()
        .map_err(|_| "python3 is not on PATH, so Python was not measured".to_string())?;
    let folder = tempfile::Builder::new()
        .prefix("mptutor-bench-")
        .tempdir()
        .map_err(|error| format!("cannot create a temporary folder: {error}"))?;
    let script = folder.path().join("mptutor_bench.py");
    std::fs::write(&script, SCRIPT)
        .map_err(|error| format!("cannot write {}: {error}", script.display()))?;
    let limit = if plans.round_trip_items > 10_000 {
        Duration::from_secs(300)
    } else {
        Duration::from_secs(40)
    };
    let output = run_with_limit(
        Command::new(&python)
            .arg("-u")
            .arg(&script)
            .arg(config(plans, ops, cores, cpu_seconds))
            .current_dir(folder.path()),
        limit,
    )?;
    let mut figures = PythonFigures {
        version: String::new(),
        executable: python,
        samples: HashMap::new(),
        cpu_limit: None,
        cores,
    };
    for line in output.lines() {
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            Some("version") => figures.version = words.collect::<Vec<_>>().join(" "),
            Some("executable") => {
                if let Some(path) = line.strip_prefix("executable ") {
                    figures.executable = PathBuf::from(path);
                }
            }
            Some("cpu_limit") => figures.cpu_limit = words.next().and_then(|w| w.parse().ok()),
            Some("samples") => {
                if let Some(key) = words.next() {
                    let samples = words.filter_map(|word| word.parse().ok()).collect();
                    figures.samples.insert(key.to_string(), samples);
                }
            }
            _ => {}
        }
    }
    if figures.version.is_empty() {
        return Err("Python printed no figures".to_string());
    }
    Ok(figures)
}

/// Runs `command` in a process group of its own; its stdout, or why not.
/// At `limit` or on Ctrl-C the whole group is killed.
pub(super) fn run_with_limit(command: &mut Command, limit: Duration) -> Result<String, String> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|error| format!("cannot start python3: {error}"))?;
    let group = Pid::from_raw(i32::try_from(child.id()).unwrap_or(0));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let outcome = match (child.stdout.take(), child.stderr.take()) {
        (Some(out), Some(err)) => drain(out, err, &mut stdout, &mut stderr, limit),
        _ => Err("cannot read python3's output".to_string()),
    };
    // Whatever the script left behind goes with it.
    let _ = killpg(group, Signal::SIGKILL);
    let status = child.wait();
    outcome?;
    let stderr = String::from_utf8_lossy(&stderr);
    match status {
        Ok(status) if status.success() => Ok(String::from_utf8_lossy(&stdout).into_owned()),
        _ => {
            let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Err(format!("the Python script failed: {}", tail.join(" / ")))
        }
    }
}

fn drain(
    mut out: std::process::ChildStdout,
    mut err: std::process::ChildStderr,
    stdout: &mut Vec<u8>,
    stderr: &mut Vec<u8>,
    limit: Duration,
) -> Result<(), String> {
    let began = Instant::now();
    let (mut out_open, mut err_open) = (true, true);
    let mut buffer = [0u8; 8192];
    while out_open || err_open {
        if interrupt::requested() {
            return Err("stopped: Ctrl-C".to_string());
        }
        let left = limit.saturating_sub(began.elapsed());
        if left.is_zero() {
            return Err(format!(
                "Python took longer than {} s and was stopped",
                limit.as_secs()
            ));
        }
        let ready = {
            let mut fds = Vec::new();
            if out_open {
                fds.push(PollFd::new(out.as_fd(), PollFlags::POLLIN));
            }
            if err_open {
                fds.push(PollFd::new(err.as_fd(), PollFlags::POLLIN));
            }
            let wait = PollTimeout::try_from(left.min(Duration::from_millis(100)))
                .unwrap_or(PollTimeout::ZERO);
            match poll(&mut fds, wait) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(error) => return Err(format!("cannot wait for python3: {error}")),
            }
            let flags: Vec<bool> = fds
                .iter()
                .map(|fd| fd.revents().is_some_and(|events| !events.is_empty()))
                .collect();
            flags
        };
        let mut flags = ready.into_iter();
        if out_open && flags.next() == Some(true) {
            match out.read(&mut buffer) {
                Ok(0) | Err(_) => out_open = false,
                Ok(count) => stdout.extend_from_slice(&buffer[..count]),
            }
        }
        if err_open && flags.next() == Some(true) {
            match err.read(&mut buffer) {
                Ok(0) | Err(_) => err_open = false,
                Ok(count) if stderr.len() < 65536 => stderr.extend_from_slice(&buffer[..count]),
                Ok(_) => {}
            }
        }
    }
    Ok(())
}
