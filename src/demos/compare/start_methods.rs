//! Start-methods row (and Portability): what it costs to start a worker
//! process by `fork`, by `spawn` and by `forkserver`.
//!
//! `fork` makes the child a clone of mptutor, ready to run at once (the
//! kernel copies the page tables and shares every page copy-on-write, so
//! the memory itself is not copied); `spawn`
//! forks and then executes the mptutor binary afresh (`mptutor worker …`),
//! which must load, start up and read its task from its arguments, as a
//! spawned Python child boots an interpreter and imports the main module;
//! `forkserver` asks a server process, forked once early, to fork the
//! worker. A method the engine refuses (the fork server, where it is not
//! built) is reported as not measured, never as a failure of the claim.
//! Each worker is started and joined before the next, so the figure is the
//! cost of one start, not of many overlapping, and the median of the
//! starts is kept, so a moment when another program held the CPU does not
//! decide the row. A worker is timed from the
//! start until it has run and exited (its pipes close), not until it is
//! reaped: how soon the engine's poll loop gets round to reaping is not a
//! cost of the start method.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Cell, Judged, micros, ratio};
use crate::engine::context::RunContext;
use crate::engine::context::{EngineError, StartMethod};
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::findings::{Finding, Unclear, Verdict, format_us, words};

const STARTS: usize = 10;
const SHOWN: usize = 1;

/// What one start method cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodCost {
    pub method: StartMethod,
    /// The median time from start to exit, in microseconds; `None` when
    /// it was not measured.
    pub median_us: Option<u64>,
    /// Why it was not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_measured: Option<String>,
}

/// What starting workers cost by each method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartMethodsResult {
    /// Workers started by each method.
    pub starts: usize,
    /// Fork, spawn and forkserver, in that order.
    pub methods: Vec<MethodCost>,
}

const SPAWN_OVER_FORK: &str = "spawn costs more than fork";
const SPAWN_OVER_SERVER: &str = "spawn costs more than forkserver";

impl StartMethodsResult {
    fn cost(&self, method: StartMethod) -> Option<&MethodCost> {
        self.methods.iter().find(|cost| cost.method == method)
    }

    fn median(&self, method: StartMethod) -> Option<u64> {
        self.cost(method).and_then(|cost| cost.median_us)
    }

    fn why_not(&self, method: StartMethod) -> String {
        self.cost(method)
            .and_then(|cost| cost.not_measured.clone())
            .unwrap_or_else(|| format!("{} was not run", method.name()))
    }

    /// Spawn against `other`: holds when spawn costs more.
    fn spawn_over(&self, other: StartMethod) -> Verdict {
        match (self.median(StartMethod::Spawn), self.median(other)) {
            (Some(spawn), Some(other)) => Verdict::of(spawn > other),
            (None, _) => Verdict::CouldntTell(Unclear::NotMeasured {
                why: self.why_not(StartMethod::Spawn),
            }),
            (_, None) => Verdict::CouldntTell(Unclear::NotMeasured {
                why: self.why_not(other),
            }),
        }
    }

    /// `3.1×`: spawn's cost over `other`'s.
    fn times(&self, other: StartMethod) -> String {
        match (self.median(StartMethod::Spawn), self.median(other)) {
            (Some(spawn), Some(other)) => words::times(ratio(spawn as f64, other as f64)),
            _ => words::times(f64::NAN),
        }
    }

    fn shown(&self, method: StartMethod) -> String {
        self.median(method)
            .map_or_else(|| "not measured".to_string(), format_us)
    }

    fn server_measured(&self) -> bool {
        self.median(StartMethod::ForkServer).is_some()
    }

    fn measured_methods(&self) -> Vec<String> {
        self.methods
            .iter()
            .filter(|cost| cost.median_us.is_some())
            .map(|cost| cost.method.name().to_string())
            .collect()
    }

    /// The Portability cell: which methods started workers on `os`.
    pub fn portability_cell(&self, os: &str) -> Cell {
        let mut text = format!(
            "{os}: {} started workers here",
            words::and_list(&self.measured_methods())
        );
        if !self.server_measured() {
            text.push_str(" (forkserver not measured)");
        }
        Cell::fact(text)
    }
}

impl Judged for StartMethodsResult {
    fn findings(&self) -> Vec<Finding> {
        let (fork, spawn, server) = (
            self.shown(StartMethod::Fork),
            self.shown(StartMethod::Spawn),
            self.shown(StartMethod::ForkServer),
        );
        let verdict = self.spawn_over(StartMethod::Fork);
        let text = match &verdict {
            Verdict::Holds => format!(
                "Starting and joining a worker took {fork} by fork and {spawn} by spawn ({} as \
                 long): a forked child is ready the moment it exists, while a spawned one must \
                 start the program again and be told what to do.",
                self.times(StartMethod::Fork)
            ),
            Verdict::Contradicted => format!(
                "Starting and joining a worker took {fork} by fork and {spawn} by spawn ({} as \
                 long): here spawn was no slower. Each figure is the median of {}, so a moment's \
                 load cannot decide it alone, but a machine busy for the whole run can; type \
                 `compare start_methods` to measure again.",
                self.times(StartMethod::Fork),
                words::count(self.starts as u64, "start", "starts")
            ),
            Verdict::CouldntTell(why) => format!(
                "Fork and spawn could not both be timed ({}): fork {fork}, spawn {spawn}.",
                why.words()
            ),
        };
        let mut findings = vec![Finding::judged(SPAWN_OVER_FORK, verdict, text)];
        if self.server_measured() {
            let verdict = self.spawn_over(StartMethod::ForkServer);
            let text = match &verdict {
                Verdict::Holds => format!(
                    "By forkserver a start took {server}, and spawn {} as long: the server, \
                     already running, forks itself for each worker, and the clone shares its \
                     memory copy-on-write.",
                    self.times(StartMethod::ForkServer)
                ),
                Verdict::Contradicted => format!(
                    "By forkserver a start took {server} against spawn's {spawn} ({} as long): \
                     here the server was no quicker than starting the program afresh. Type \
                     `compare start_methods` to measure again.",
                    self.times(StartMethod::ForkServer)
                ),
                Verdict::CouldntTell(why) => format!(
                    "By forkserver a start took {server}, but {}, so it cannot be set against \
                     spawn.",
                    why.words()
                ),
            };
            findings.push(Finding::judged(SPAWN_OVER_SERVER, verdict, text));
        } else {
            findings.push(Finding::fact(format!(
                "forkserver was not measured: {}.",
                self.why_not(StartMethod::ForkServer)
            )));
        }
        findings
    }

    fn cell(&self) -> Cell {
        let mut figures = format!(
            "fork {}, spawn {} ({})",
            self.shown(StartMethod::Fork),
            self.shown(StartMethod::Spawn),
            self.times(StartMethod::Fork)
        );
        if self.server_measured() {
            figures.push_str(&format!(
                ", forkserver {}",
                self.shown(StartMethod::ForkServer)
            ));
            let verdict = Verdict::all([
                self.spawn_over(StartMethod::Fork),
                self.spawn_over(StartMethod::ForkServer),
            ]);
            return Cell::judged(figures, verdict);
        }
        Cell::join([
            Cell::judged(figures, self.spawn_over(StartMethod::Fork)),
            Cell::fact("forkserver not measured"),
        ])
    }
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<StartMethodsResult, EngineError> {
    let mut methods = Vec::new();
    for method in StartMethod::ALL {
        let cost = match per_start(ctx, method) {
            Ok(median_us) => MethodCost {
                method,
                median_us: Some(median_us),
                not_measured: None,
            },
            Err(EngineError::Refused(why)) => {
                ctx.note(format!("{} not measured: {why}", method.name()));
                MethodCost {
                    method,
                    median_us: None,
                    not_measured: Some(why),
                }
            }
            Err(error) => return Err(error),
        };
        methods.push(cost);
    }
    Ok(StartMethodsResult {
        starts: STARTS,
        methods,
    })
}

/// Starts and joins [`STARTS`] workers one at a time by `method`; returns
/// the median microseconds per worker.
fn per_start(ctx: &mut RunContext<'_>, method: StartMethod) -> Result<u64, EngineError> {
    ctx.note(format!(
        "starting {STARTS} processes by {}, one at a time, each joined before the next",
        method.name()
    ));
    let previous = ctx.start_method;
    ctx.start_method = method;
    ctx.show_first(SHOWN);
    let mut took = Vec::with_capacity(STARTS);
    let mut outcome = Ok(());
    for (slot, index) in ctx.workers(STARTS).enumerate() {
        // A group per worker: a group whose last member has been reaped
        // is gone, and no new process could join it.
        let mut group = ProcessGroup::new();
        let task = Task::new(&SLEEP).int(0);
        let began = Instant::now();
        outcome = run_one(ctx, &mut group, index, slot, &task);
        took.push(began.elapsed());
        outcome = outcome.and_then(|()| group.wait_all(ctx).map(drop));
        if outcome.is_err() {
            break;
        }
    }
    ctx.start_method = previous;
    ctx.show_all_counting("processes");
    outcome?;
    took.sort_unstable();
    Ok(took.get(took.len() / 2).map_or(0, |median| micros(*median)))
}

/// Starts one worker and pumps until it has exited (or the time limit).
fn run_one(
    ctx: &mut RunContext<'_>,
    group: &mut ProcessGroup,
    index: usize,
    slot: usize,
    task: &Task,
) -> Result<(), EngineError> {
    group.spawn(ctx, index, format!("Process-{}", slot + 1), task, false)?;
    while !group.output_closed(index) && !ctx.remaining().is_zero() {
        group.pump(ctx, Duration::from_millis(20))?;
    }
    Ok(())
}
