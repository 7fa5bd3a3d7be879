//! A real process pool: worker processes started once, fed chunks of inputs
//! over their request pipes, answering on their result pipes (the protocol
//! is in `pool_worker`).
//!
//! It behaves like Python's `multiprocessing.Pool` where that teaches
//! something — every worker holds one chunk at a time and a free worker gets
//! the next one, results land in input order whatever order they finish in —
//! and deliberately differs where Python's pool hangs: a worker that dies
//! holding a chunk fails only that chunk's items, naming the worker and its
//! signal, and a replacement worker carries on with the rest.
//!
//! A worker's result pipe is read through a bounded line reader (at most
//! `lines::MAX_LINES` lines per worker), so the pool counts the lines each
//! worker will send and retires a worker before it reaches the bound, the
//! way `maxtasksperchild` does. Nothing is ever silently dropped, and a map
//! of 100 000 single-input tasks works with memory that stays bounded.

use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::context::{DemoContext, DemoError, StartMethod};
use super::event::{ExitStatus, WorkerIndex};
use super::lines::MAX_LINES;
use super::pool_outcome::{
    ChunkEvent, CompletionOrder, ItemOutcome, MapRun, Observer, WorkerInfo, chunk_range, span,
};
use super::pool_worker::result_lines;
use super::process_group::ProcessGroup;
use super::task::WorkerTask;

/// Result lines a worker may send before it is retired and replaced.
const LINE_BUDGET: usize = MAX_LINES - 1_000;
/// The longest one round of waiting for results lasts.
const WAIT: Duration = Duration::from_millis(20);
/// Replacements for dead workers before the pool gives up: a worker that
/// cannot even start would otherwise be replaced forever.
const MAX_REPLACEMENTS: usize = 64;

/// What workers do to each input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// The result is x².
    Square,
    /// Spin for x ms of CPU; the result is x. The worker announces each task.
    Work,
}

impl Job {
    fn word(self) -> &'static str {
        match self {
            Job::Square => "square",
            Job::Work => "work",
        }
    }
}

/// One live worker of the pool and what it holds.
struct Slot {
    worker: WorkerInfo,
    /// The chunk it is computing and when it was sent.
    holding: Option<(usize, Instant)>,
    /// Result lines it has been asked for so far.
    lines_asked: usize,
}

/// A map in progress.
struct MapState<'i> {
    job: Job,
    inputs: &'i [i64],
    chunksize: usize,
    pace_ms: u64,
    crash_on: i64,
    items: Vec<ItemOutcome>,
    /// Results received so far, per chunk.
    received: Vec<usize>,
    order: CompletionOrder,
    /// Chunks to hand out again (a send failed), before `next`.
    again: Vec<usize>,
    next: usize,
    run: MapRun,
}

impl MapState<'_> {
    fn range(&self, chunk: usize) -> Range<usize> {
        chunk_range(chunk, self.chunksize, self.inputs.len())
    }

    /// Gives the items of `chunk` still without a result this error.
    fn fail(&mut self, chunk: usize, holder: Option<WorkerIndex>, error: &Arc<str>) -> usize {
        let range = self.range(chunk);
        let first = range.start + self.received[chunk].min(range.len());
        for item in &mut self.items[first..range.end] {
            item.result = Err(Arc::clone(error));
            item.worker = holder;
        }
        self.order.complete(chunk, 0);
        range.end - first
    }
}

/// A pool of process workers. Dropping it kills whatever is left.
pub struct Pool {
    group: ProcessGroup,
    slots: Vec<Slot>,
    /// Every worker started, in order; the next one gets index `len()`.
    started: Vec<WorkerInfo>,
}

impl Pool {
    /// Starts `workers` pool workers by the context's start method.
    pub fn start(ctx: &mut DemoContext<'_>, workers: usize) -> Result<Pool, DemoError> {
        let mut pool = Pool {
            group: ProcessGroup::new(),
            slots: Vec::new(),
            started: Vec::new(),
        };
        for _ in 0..workers.max(1) {
            let slot = pool.start_worker(ctx)?;
            pool.slots.push(slot);
        }
        Ok(pool)
    }

    /// The live workers, in slot order.
    pub fn workers(&self) -> Vec<WorkerInfo> {
        self.slots.iter().map(|slot| slot.worker.clone()).collect()
    }

    fn start_worker(&mut self, ctx: &mut DemoContext<'_>) -> Result<Slot, DemoError> {
        let index = self.started.len();
        let label = format!("P{}", index + 1);
        // Python names them ForkPoolWorker-1, SpawnPoolWorker-2, …
        let method = match ctx.start_method {
            StartMethod::Fork => "Fork",
            StartMethod::Spawn => "Spawn",
        };
        let name = format!("{method}PoolWorker-{}", index + 1);
        let task = WorkerTask::PoolWorker {
            name: label.clone(),
        };
        let pid = self.group.spawn(ctx, index, &name, &task, true)?;
        let worker = WorkerInfo {
            index,
            label,
            pid: pid.as_raw(),
        };
        self.started.push(worker.clone());
        Ok(Slot {
            worker,
            holding: None,
            lines_asked: 0,
        })
    }

    /// Runs `job` over `inputs` in chunks of `chunksize`, one chunk per
    /// worker at a time; returns every outcome in input order. A worker
    /// that gets the input `crash_on` (when not 0) dies of SIGSEGV.
    #[allow(clippy::too_many_arguments)]
    pub fn map(
        &mut self,
        ctx: &mut DemoContext<'_>,
        job: Job,
        inputs: &[i64],
        chunksize: usize,
        pace_ms: u64,
        crash_on: i64,
        observe: &mut Observer<'_>,
    ) -> Result<MapRun, DemoError> {
        let began = Instant::now();
        let chunksize = chunksize.max(1);
        let chunks = inputs.len().div_ceil(chunksize);
        let not_sent: Arc<str> = Arc::from("not computed");
        let mut state = MapState {
            job,
            inputs,
            chunksize,
            pace_ms,
            crash_on,
            items: inputs
                .iter()
                .map(|&input| ItemOutcome {
                    input,
                    result: Err(Arc::clone(&not_sent)),
                    worker: None,
                })
                .collect(),
            received: vec![0; chunks],
            order: CompletionOrder::new(chunks),
            again: Vec::new(),
            next: 0,
            run: MapRun::default(),
        };
        loop {
            self.dispatch(ctx, &mut state, observe)?;
            if state.order.all_done() {
                break;
            }
            if ctx.remaining().is_zero() {
                self.stop_at_timeout(ctx, &mut state, observe)?;
                break;
            }
            for (index, line) in self.group.pump(ctx, WAIT)? {
                self.take_result(ctx, &mut state, index, &line, observe);
            }
            self.replace_dead(ctx, &mut state)?;
        }
        let mut run = std::mem::take(&mut state.run);
        run.items = state.items;
        run.workers = self.started.clone();
        run.out_of_order = state.order.out_of_order;
        run.elapsed = began.elapsed();
        Ok(run)
    }

    /// Hands the next chunk to every idle worker.
    fn dispatch(
        &mut self,
        ctx: &mut DemoContext<'_>,
        state: &mut MapState<'_>,
        observe: &mut Observer<'_>,
    ) -> Result<(), DemoError> {
        let mut position = 0;
        while position < self.slots.len() {
            if self.slots[position].holding.is_some() {
                position += 1;
                continue;
            }
            let chunk = match state.again.pop() {
                Some(chunk) => chunk,
                None if state.next < state.received.len() => {
                    state.next += 1;
                    state.next - 1
                }
                None => return Ok(()),
            };
            let range = state.range(chunk);
            let lines = result_lines(range.len());
            if self.slots[position].lines_asked + lines > LINE_BUDGET {
                state.again.push(chunk);
                self.retire(ctx, position, state.run.retired == 0)?;
                state.run.retired += 1;
                continue;
            }
            let inputs = &state.inputs[range];
            let mut request = format!(
                "{} {} {} {}",
                chunk + 1,
                state.job.word(),
                state.pace_ms,
                state.crash_on
            );
            for input in inputs {
                request.push(' ');
                request.push_str(&input.to_string());
            }
            let slot = &mut self.slots[position];
            if self.group.send(slot.worker.index, &request).is_err() {
                // It is dying or dead: let `replace_dead` deal with it, and
                // give the chunk to someone else.
                state.again.push(chunk);
                let _ = kill(Pid::from_raw(slot.worker.pid), Signal::SIGKILL);
                position += 1;
                continue;
            }
            slot.holding = Some((chunk, Instant::now()));
            slot.lines_asked += lines;
            let sent = ChunkEvent::Sent {
                task: chunk + 1,
                worker: &slot.worker,
                inputs,
            };
            observe(ctx, sent);
            position += 1;
        }
        Ok(())
    }

    /// Closes a worker's request pipe (it exits once idle) and starts a
    /// fresh worker in its slot.
    fn retire(
        &mut self,
        ctx: &mut DemoContext<'_>,
        position: usize,
        explain: bool,
    ) -> Result<(), DemoError> {
        let old = self.slots[position].worker.clone();
        self.group.close_requests(old.index);
        let fresh = self.start_worker(ctx)?;
        if explain {
            ctx.note(format!(
                "{} (pid {}) has sent {LINE_BUDGET} result lines, as many as mptutor reads from \
                 one worker: it retires and {} (pid {}) takes its place, as with \
                 Pool(maxtasksperchild=…)",
                old.label, old.pid, fresh.worker.label, fresh.worker.pid
            ));
        }
        self.slots[position] = fresh;
        Ok(())
    }

    /// Files one result line: `<task> <result> …`.
    fn take_result(
        &mut self,
        ctx: &mut DemoContext<'_>,
        state: &mut MapState<'_>,
        index: WorkerIndex,
        line: &str,
        observe: &mut Observer<'_>,
    ) {
        let mut words = line.split_ascii_whitespace();
        let Some(chunk) = words
            .next()
            .and_then(|word| word.parse::<usize>().ok())
            .and_then(|task| task.checked_sub(1))
        else {
            return;
        };
        // Only the worker holding the chunk may answer for it, once.
        let Some(slot) = self.slots.iter_mut().find(|slot| {
            slot.worker.index == index && matches!(slot.holding, Some((held, _)) if held == chunk)
        }) else {
            return;
        };
        let range = state.range(chunk);
        for word in words {
            let got = state.received[chunk];
            if got >= range.len() {
                break;
            }
            let item = &mut state.items[range.start + got];
            item.result = word
                .parse()
                .map_err(|_| Arc::from(format!("unreadable result `{word}`")));
            item.worker = Some(index);
            state.received[chunk] += 1;
        }
        if state.received[chunk] == range.len() {
            let busy = slot
                .holding
                .take()
                .map_or(Duration::ZERO, |(_, at)| at.elapsed());
            state.order.complete(chunk, range.len());
            let done = ChunkEvent::Done {
                task: chunk + 1,
                worker: &slot.worker,
                items: &state.items[range],
                busy,
            };
            observe(ctx, done);
        }
    }

    /// Fails the chunk of every worker that has died, and replaces it.
    /// Runs after the lines of this round were filed, and a worker counts
    /// as finished only once its pipes are drained: every result it wrote
    /// before dying has been taken.
    fn replace_dead(
        &mut self,
        ctx: &mut DemoContext<'_>,
        state: &mut MapState<'_>,
    ) -> Result<(), DemoError> {
        for position in 0..self.slots.len() {
            let dead = self.slots[position].worker.clone();
            if !self.group.has_finished(dead.index) {
                continue;
            }
            let how = match self.group.status(dead.index) {
                Some(ExitStatus::Signal(name)) => format!("died of {name}"),
                Some(ExitStatus::Code(code)) => format!("exited with code {code}"),
                None => "ended".to_string(),
            };
            let error: Arc<str> =
                Arc::from(format!("worker {} (pid {}) {how}", dead.label, dead.pid));
            match self.slots[position].holding.take() {
                Some((chunk, _)) if !state.order.is_done(chunk) => {
                    let range = state.range(chunk);
                    let failed = state.fail(chunk, Some(dead.index), &error);
                    let inputs = &state.inputs[range];
                    let lost = if failed == 1 {
                        "that input fails".to_string()
                    } else {
                        format!("those {failed} inputs fail")
                    };
                    ctx.note(format!(
                        "{error} while computing task {} (input{} {}): {lost} with this error, \
                         and the map goes on",
                        chunk + 1,
                        if inputs.len() == 1 { "" } else { "s" },
                        span(inputs),
                    ));
                }
                _ => ctx.note(error.to_string()),
            }
            if state.run.replacements >= MAX_REPLACEMENTS {
                return Err(DemoError::Os(format!(
                    "pool workers keep dying ({error}); check that mptutor can start processes"
                )));
            }
            let fresh = self.start_worker(ctx)?;
            ctx.note(format!(
                "the pool started {} (pid {}) to replace {}, and carries on",
                fresh.worker.label, fresh.worker.pid, dead.label
            ));
            self.slots[position] = fresh;
            state.run.replacements += 1;
        }
        Ok(())
    }

    /// The timeout passed: kill every worker, keep what already came back,
    /// and fail the rest.
    fn stop_at_timeout(
        &mut self,
        ctx: &mut DemoContext<'_>,
        state: &mut MapState<'_>,
        observe: &mut Observer<'_>,
    ) -> Result<(), DemoError> {
        for (index, line) in self.group.wait_all(ctx)? {
            self.take_result(ctx, state, index, &line, observe);
        }
        let error: Arc<str> = Arc::from("not computed: the timeout stopped the pool");
        for chunk in 0..state.received.len() {
            if !state.order.is_done(chunk) {
                let holder = self
                    .slots
                    .iter()
                    .find(|slot| matches!(slot.holding, Some((held, _)) if held == chunk))
                    .map(|slot| slot.worker.index);
                state.fail(chunk, holder, &error);
            }
        }
        self.slots.clear();
        state.run.timed_out = true;
        Ok(())
    }

    /// `close()` then `join()`: closes every request pipe, so each worker
    /// finishes and exits, and waits until all are reaped.
    pub fn shutdown(mut self, ctx: &mut DemoContext<'_>) -> Result<(), DemoError> {
        for slot in self.slots.drain(..) {
            self.group.close_requests(slot.worker.index);
        }
        self.group.wait_all(ctx)?;
        Ok(())
    }
}
