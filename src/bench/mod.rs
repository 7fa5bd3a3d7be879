//! `mptutor bench`: the engine measured against the system's floor and
//! against Python, in one run.
//!
//! Instructors ask how expensive a process really is on their machine, and
//! we need to know that the engine adds little to what the operating system
//! itself costs. So every operation is measured three ways in the same run:
//!
//! - **mptutor**: through the engine's real paths —
//!   [`ProcessGroup::spawn`](crate::engine::process_group::ProcessGroup::spawn)
//!   and `wait_all`, the process [`Pool`](crate::engine::pool::Pool), the
//!   [`ThreadPool`](crate::engine::pool::thread_pool::ThreadPool) — with a sink that
//!   discards the events;
//! - **floor**: the same operation done with the bare system calls and
//!   nothing else (`floor`): `fork` + `_exit` + `waitpid`, a thread spawn
//!   and join, a pool over raw pipes;
//! - **Python**: real `multiprocessing` code, written to a temporary file
//!   and run by the `python3` on `PATH` (`python`), when there is one.
//!
//! The X-ray's own cost (`xray`) is the exception: a Python program run
//! traced, as `python` runs it, is held against the same program run
//! untraced, which takes the floor's place and its column.
//!
//! Honesty rules, each kept by construction:
//! - mptutor and the floor run the same iteration counts and warm-up, are
//!   timed by the same clock in the same runner (`alternate`), and take
//!   turns, one iteration each, so a burst of noise on a shared machine
//!   lands on both rather than on one;
//! - Python's figures are Python's own measurements, printed as raw samples
//!   and reduced to medians here by the same code ([`Stats::of`]);
//! - every figure is a median, and every target a ratio of two figures of
//!   the same run (or a bound), so the machine's speed cancels;
//! - its business does not, so the load is measured while each operation
//!   runs: a missed target is ✗ only on a quiet machine, and "couldn't
//!   tell", with the load's figures, on a busy one (see `verdict`).
//!
//! Forking needs a single-threaded process (see `engine::sys::fork`), so the thread
//! benchmarks join every thread they start before anything forks again.
//!
//! One file per group of operations: `process`, `thread`, `pool`, `cpu`,
//! `latency`, `startup`, `xray`; the bare system calls are in `floor`, Python's side
//! in `python`. [`Plans`] holds every iteration count, [`Measured`] what an
//! operation found, [`Operation`] whether it met its [`Target`], and
//! `report` draws the table; `--json` prints the [`BenchRun`] itself.

mod cpu;
pub mod floor;
mod latency;
mod measured;
mod plans;
mod pool;
mod process;
mod python;
mod report;
mod startup;
mod stats;
mod thread;
mod verdict;
mod xray;

use std::io::Write;
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::interrupt::{self, InterruptGuard};
use crate::engine::{EngineError, Event, EventSink, LoadMeter, RunContext, StartMethod};

pub use measured::{BenchRun, CpuLoad, Extra, Measured, PythonSide, Sides, Skipped, Target};
pub use plans::{LatencyPlan, Plan, Plans};
pub use report::render_table;
pub use stats::Stats;
pub use verdict::Operation;

/// What one `mptutor bench` run does.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Fewer iterations and smaller inputs: done in about 20 s, under 10 s
    /// without the X-ray's two operations, which run whole Python programs.
    pub quick: bool,
    /// The operations to measure; empty means all of them.
    pub only: Vec<Op>,
}

impl Settings {
    fn wants(&self, op: Op) -> bool {
        self.only.is_empty() || self.only.contains(&op)
    }
}

/// Why the bench stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("cannot {action}: {source}")]
    Io {
        action: &'static str,
        source: std::io::Error,
    },
    #[error("{0}")]
    Failed(String),
}

impl BenchError {
    fn io(action: &'static str) -> impl FnOnce(std::io::Error) -> BenchError {
        move |source| BenchError::Io { action, source }
    }
}

impl From<nix::Error> for BenchError {
    fn from(error: nix::Error) -> Self {
        BenchError::Engine(error.into())
    }
}

/// The operations measured, in the order they run and are shown. Their
/// short names (`fork`, `round-trip`, …) pick some of them on the command
/// line: `mptutor bench fork thread`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Op {
    /// Process start + join, by fork.
    #[value(name = "fork")]
    ProcessFork,
    /// Process start + join, by the spawn start method.
    #[value(name = "spawn")]
    ProcessSpawn,
    /// Process start + join, forked by the run's fork server.
    #[value(name = "forkserver")]
    ProcessForkServer,
    /// Thread start + join.
    #[value(name = "thread")]
    Thread,
    /// A pool of 4: create, map 5 items, shut down.
    #[value(name = "pool")]
    PoolLifecycle,
    /// Pool round trip per item, chunksize 1.
    #[value(name = "round-trip")]
    PoolRoundTrip,
    /// CPU-bound speed-up and efficiency on every core.
    #[value(name = "cpu")]
    CpuAllCores,
    /// From a child's write to mptutor's line event.
    #[value(name = "latency")]
    OutputLatency,
    /// mptutor's start-up to a ready prompt, and its memory.
    #[value(name = "startup")]
    Startup,
    /// Lesson q1's Python example, traced by the X-ray versus untraced.
    #[value(name = "xray-q1")]
    XrayQ1,
    /// `Pool(4).map` over 20 000 inputs at chunksize 1, traced versus
    /// untraced.
    #[value(name = "xray-pool")]
    XrayPool,
}

/// Every operation, in order.
pub const OPERATIONS: [Op; 11] = [
    Op::ProcessFork,
    Op::ProcessSpawn,
    Op::ProcessForkServer,
    Op::Thread,
    Op::PoolLifecycle,
    Op::PoolRoundTrip,
    Op::CpuAllCores,
    Op::OutputLatency,
    Op::Startup,
    Op::XrayQ1,
    Op::XrayPool,
];

impl Op {
    /// Its name in the JSON, and in the Python script's output.
    pub fn key(self) -> &'static str {
        match self {
            Op::ProcessFork => "process_fork",
            Op::ProcessSpawn => "process_spawn",
            Op::ProcessForkServer => "process_forkserver",
            Op::Thread => "thread",
            Op::PoolLifecycle => "pool_create_map5_shutdown",
            Op::PoolRoundTrip => "pool_round_trip_per_item",
            Op::CpuAllCores => "cpu_all_cores",
            Op::OutputLatency => "live_output_latency",
            Op::Startup => "startup_to_prompt",
            Op::XrayQ1 => "xray_q1_example",
            Op::XrayPool => "xray_pool_map_20000",
        }
    }

    /// What it is, for the table.
    pub fn label(self) -> &'static str {
        match self {
            Op::ProcessFork => "process start+join (fork)",
            Op::ProcessSpawn => "process start+join (spawn)",
            Op::ProcessForkServer => "process start+join (forkserver)",
            Op::Thread => "thread start+join",
            Op::PoolLifecycle => "pool of 4: create, map 5, close",
            Op::PoolRoundTrip => "pool round trip per item",
            Op::CpuAllCores => "CPU-bound, all cores (processes)",
            Op::OutputLatency => "child's write → line event",
            Op::Startup => "start-up to prompt (pty)",
            Op::XrayQ1 => "X-ray: q1's example, traced",
            Op::XrayPool => "X-ray: Pool(4).map 20 000, traced",
        }
    }

    /// The figure it must reach, if it has one.
    pub fn target(self) -> Option<Target> {
        match self {
            Op::ProcessFork | Op::Thread => Some(Target::WithinFloor(1.3)),
            Op::PoolLifecycle => Some(Target::FasterThanPython(10.0)),
            Op::PoolRoundTrip => Some(Target::FasterThanPython(5.0)),
            Op::CpuAllCores => Some(Target::Efficiency(0.9)),
            Op::OutputLatency => Some(Target::MedianBelowUs(1000.0)),
            // The floor is the untraced run.
            Op::XrayQ1 => Some(Target::WithinFloor(1.05)),
            Op::XrayPool => Some(Target::WithinFloor(1.10)),
            Op::ProcessSpawn | Op::ProcessForkServer | Op::Startup => None,
        }
    }

    /// Whether it measures the X-ray: the same Python program traced and
    /// untraced, so its floor is the untraced run and it has no Python
    /// turn of its own.
    pub fn is_xray(self) -> bool {
        matches!(self, Op::XrayQ1 | Op::XrayPool)
    }

    /// What its floor column holds, in a word: `floor`, or `untraced`.
    pub fn floor_name(self) -> &'static str {
        if self.is_xray() { "untraced" } else { "floor" }
    }
}

/// An operation is written by its [`Op::key`], as the Python script
/// names it too.
impl Serialize for Op {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        OPERATIONS
            .into_iter()
            .find(|op| op.key() == key)
            .ok_or_else(|| serde::de::Error::custom(format!("no bench operation `{key}`")))
    }
}

/// A sink that drops every event: the engine still builds and sends them,
/// as it does for the live view, but nothing is drawn.
#[derive(Debug, Default)]
pub struct Discard;

impl EventSink for Discard {
    fn event(&mut self, _: &Event) {}
}

/// How long one engine operation may take before it counts as hung.
const ENGINE_TIMEOUT: Duration = Duration::from_secs(60);

/// A fresh demo context over a discarding sink.
fn context(sink: &mut Discard, start: StartMethod) -> RunContext<'_> {
    RunContext::new(sink, start, ENGINE_TIMEOUT)
}

/// Runs `engine` and `floor` in turn, one iteration each: `plan.warmup`
/// rounds unrecorded, then `plan.runs` rounds recorded. Each closure
/// returns its iteration's sample in microseconds; most are wrapped in
/// [`timed`], so both sides are timed by the same clock in the same way.
fn alternate(
    plan: Plan,
    mut engine: impl FnMut() -> Result<f64, BenchError>,
    mut floor: impl FnMut() -> Result<f64, BenchError>,
) -> Result<(Vec<f64>, Vec<f64>), BenchError> {
    let mut samples = (Vec::with_capacity(plan.runs), Vec::with_capacity(plan.runs));
    for round in 0..plan.warmup + plan.runs {
        check_interrupt()?;
        let engine_us = engine()?;
        let floor_us = floor()?;
        if round >= plan.warmup {
            samples.0.push(engine_us);
            samples.1.push(floor_us);
        }
    }
    Ok(samples)
}

/// The median of `engine[i] ÷ floor[i]` over the rounds of [`alternate`].
fn paired_ratio(engine: &[f64], floor: &[f64]) -> Option<f64> {
    let ratios: Vec<f64> = engine
        .iter()
        .zip(floor)
        .filter(|(_, floor)| **floor > 0.0)
        .map(|(engine, floor)| engine / floor)
        .collect();
    Stats::of(&ratios).map(|stats| stats.median_us)
}

/// Times `operation`, which returns how many items it handled: the sample
/// is the time per item, in microseconds.
fn timed(
    mut operation: impl FnMut() -> Result<usize, BenchError>,
) -> impl FnMut() -> Result<f64, BenchError> {
    move || {
        let started = Instant::now();
        let items = operation()?;
        Ok(micros(started.elapsed()) / items.max(1) as f64)
    }
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn check_interrupt() -> Result<(), BenchError> {
    if interrupt::requested() {
        Err(EngineError::Interrupted.into())
    } else {
        Ok(())
    }
}

/// Stats of samples that must exist.
fn stats(samples: &[f64], what: &str) -> Result<Stats, BenchError> {
    Stats::of(samples).ok_or_else(|| BenchError::Failed(format!("{what}: no samples")))
}

/// Waits until this process has a single thread again (a joined thread can
/// linger in the kernel's count for a moment), so it may fork.
fn ensure_single_threaded() -> Result<(), BenchError> {
    for _ in 0..500 {
        if crate::engine::sys::thread_count() == Some(1) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Err(BenchError::Failed(
        "the bench has more than one thread and must not fork".into(),
    ))
}

/// Measures every operation, telling `progress` what it is doing.
pub fn run(settings: Settings, progress: &mut dyn Write) -> Result<BenchRun, BenchError> {
    let _guard = InterruptGuard::install();
    let quick = settings.quick;
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut say = |text: &str| {
        let _ = writeln!(progress, "mptutor bench: {text}");
    };
    let plans = Plans::new(quick);
    let mut operations = Vec::new();
    // Python's turn at each operation comes right after mptutor's, so the
    // two meet the machine in the same mood. Once python3 cannot be run,
    // the rest is measured without it, and the table says why. `None`
    // until Python has first run.
    let mut python: Option<Result<String, String>> = None;
    let mut executable = None;
    // The interpreter the X-ray's operations run, found once.
    let mut xray_python: Option<Result<std::path::PathBuf, String>> = None;
    let mut skipped = Vec::new();
    for op in OPERATIONS.into_iter().filter(|&op| settings.wants(op)) {
        // mptutor's and the floor's turn, then Python's, each with the
        // machine's load: a target missed while other programs were busy
        // says nothing about mptutor.
        let meter = LoadMeter::start();
        let mut one_process_seconds = plans.cpu_seconds;
        let mut measured = match op {
            Op::ProcessFork => {
                say("process start + join (fork)…");
                process::fork(plans.fork)?
            }
            Op::ProcessSpawn => {
                say("process start + join (spawn)…");
                process::spawn(plans.spawn)?
            }
            Op::ProcessForkServer => {
                say("process start + join (forkserver)…");
                process::forkserver(plans.forkserver)?
            }
            Op::Thread => {
                say("thread start + join…");
                thread::start_join(plans.thread)?
            }
            Op::PoolLifecycle => {
                say("a pool's life: create, map, close…");
                pool::lifecycle(plans.pool_lifecycle)?
            }
            Op::PoolRoundTrip => {
                say("pool round trips…");
                pool::round_trip(plans.round_trip, plans.round_trip_items)?
            }
            Op::CpuAllCores => {
                say(&format!("CPU-bound work on {cores} cores…"));
                let cpu = cpu::all_cores(plans.cpu, cores, plans.cpu_seconds)?;
                one_process_seconds = cpu.one_process_seconds;
                cpu.measured
            }
            Op::OutputLatency => {
                say("live-output latency…");
                latency::output(plans.latency)?
            }
            Op::Startup => {
                say("start-up to a ready prompt…");
                startup::to_prompt(plans.startup)?
            }
            Op::XrayQ1 | Op::XrayPool => {
                let found = match xray_python.get_or_insert_with(xray::interpreter) {
                    Ok(found) => found.clone(),
                    Err(why) => {
                        say(&format!("{}: skipped, {why}", op.label()));
                        let why = why.clone();
                        skipped.push(Skipped { op, why });
                        continue;
                    }
                };
                say(&format!("{}, and untraced…", op.label()));
                let plan = match op {
                    Op::XrayQ1 => plans.xray_q1,
                    _ => plans.xray_pool,
                };
                xray::cost(op, plan, &found)?
            }
        };
        let turn = meter.finish();
        let mut python_turn = None;
        // The X-ray's operations are Python against itself.
        if !op.is_xray() && !matches!(python, Some(Err(_))) {
            let meter = LoadMeter::start();
            // Python's start-up is timed here, in a pty; its script then
            // only has to say which python3 it is, and only if no other
            // operation has run it yet.
            say("the same in Python…");
            let startup = op == Op::Startup;
            if !startup || executable.is_none() {
                let keys: &[&str] = if startup { &[] } else { &[op.key()] };
                match python::measure(&plans, keys, cores, one_process_seconds) {
                    Ok(figures) => {
                        figures.apply(&mut measured);
                        python = Some(Ok(figures.version.clone()));
                        executable = Some(figures.executable);
                    }
                    Err(why) => python = Some(Err(why)),
                }
            }
            if let (true, Some(found)) = (startup, &executable) {
                startup::python_to_prompt(plans.startup, found, &mut measured);
            }
            python_turn = Some(meter.finish());
        }
        operations.push(Operation::new(measured, Some(turn), python_turn));
    }
    let python = match python {
        Some(Ok(version)) => PythonSide::Version(version),
        Some(Err(why)) => PythonSide::Missing(why),
        None => PythonSide::Missing("no operation was compared with Python".into()),
    };
    Ok(BenchRun {
        quick,
        cores,
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs()),
        python,
        operations,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paired_ratio_is_the_median_of_each_rounds_ratio() {
        // A machine that slows down half-way: each round's ratio is 1.1.
        let engine = [110.0, 110.0, 330.0, 330.0, 330.0];
        let floor = [100.0, 100.0, 300.0, 300.0, 300.0];
        let ratio = paired_ratio(&engine, &floor).unwrap_or(0.0);
        assert!((ratio - 1.1).abs() < 1e-9, "{ratio}");
        assert_eq!(paired_ratio(&[], &[]), None);
    }

    #[test]
    fn the_xray_operations_are_picked_by_name_and_held_to_their_targets() {
        use clap::ValueEnum;
        let picked = |name: &str| Op::from_str(name, false).ok();
        assert_eq!(picked("xray-q1"), Some(Op::XrayQ1));
        assert_eq!(picked("xray-pool"), Some(Op::XrayPool));
        assert_eq!(Op::XrayQ1.target(), Some(Target::WithinFloor(1.05)));
        assert_eq!(Op::XrayPool.target(), Some(Target::WithinFloor(1.10)));
        assert_eq!(&OPERATIONS[9..], [Op::XrayQ1, Op::XrayPool]);
        for op in OPERATIONS {
            assert_eq!(op.is_xray(), op.floor_name() == "untraced", "{op:?}");
            // Each reads back from its key, as the JSON writes it.
            let text = serde_json::to_string(&op).expect("serializes");
            assert_eq!(text, format!("\"{}\"", op.key()));
            let back: Op = serde_json::from_str(&text).expect("reads back");
            assert_eq!(back, op);
        }
    }

    #[test]
    fn the_xray_operations_run_a_handful_of_whole_python_runs() {
        let quick = Plans::new(true);
        for plan in [quick.xray_q1, quick.xray_pool] {
            assert_eq!(plan, Plan { warmup: 1, runs: 3 });
        }
        // Whole runs of about half a second: enough pairs for a steady
        // median, few enough for the bench to end within a minute.
        let full = Plans::new(false);
        assert_eq!(
            full.xray_q1,
            Plan {
                warmup: 1,
                runs: 11
            }
        );
        assert_eq!(
            full.xray_pool,
            Plan {
                warmup: 1,
                runs: 21
            }
        );
    }
}
