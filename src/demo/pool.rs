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
//! Memory stays bounded for a map of 100 000 single-input tasks: each
//! worker holds one chunk at a time, so at most one chunk's results per
//! worker are ever in flight.

use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::context::{DemoContext, DemoError, StartMethod};
use super::event::{ExitStatus, WorkerIndex};
use super::pool_outcome::{ChunkEvent, MapBook, MapRun, Observer, WorkerInfo, span};
use super::pool_protocol;
use super::process_group::ProcessGroup;
use super::task::WorkerTask;

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

/// How a map hands out its inputs.
#[derive(Debug, Clone, Copy)]
pub struct MapOptions {
    pub job: Job,
    /// Inputs per task.
    pub chunksize: usize,
    /// Milliseconds slept per input, to slow a demo for a class.
    pub pace_ms: u64,
    /// The worker that gets this input dies of SIGSEGV; 0 for none.
    pub crash_on: i64,
}

/// One live worker of the pool and what it holds.
struct Slot {
    worker: WorkerInfo,
    /// The chunk it is computing and when it was sent.
    holding: Option<(usize, Instant)>,
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
        })
    }

    /// Runs the job over `inputs`, one chunk per worker at a time;
    /// returns every outcome in input order.
    pub fn map(
        &mut self,
        ctx: &mut DemoContext<'_>,
        inputs: &[i64],
        options: MapOptions,
        observe: &mut Observer<'_>,
    ) -> Result<MapRun, DemoError> {
        let began = Instant::now();
        let mut book = MapBook::new(inputs, options.chunksize, "not computed");
        let mut run = MapRun::default();
        loop {
            self.dispatch(ctx, &mut book, options, observe)?;
            if book.order.all_done() {
                break;
            }
            if ctx.remaining().is_zero() {
                self.stop_at_timeout(ctx, &mut book, observe)?;
                run.timed_out = true;
                break;
            }
            for (index, line) in self.group.pump(ctx, WAIT)? {
                self.take_result(ctx, &mut book, index, &line, observe);
            }
            self.replace_dead(ctx, &mut book, &mut run, options)?;
        }
        run.out_of_order = book.order.out_of_order;
        run.items = book.items;
        run.workers = self.started.clone();
        run.elapsed = began.elapsed();
        Ok(run)
    }

    /// Hands the next chunk to every idle worker.
    fn dispatch(
        &mut self,
        ctx: &mut DemoContext<'_>,
        book: &mut MapBook<'_>,
        options: MapOptions,
        observe: &mut Observer<'_>,
    ) -> Result<(), DemoError> {
        let mut position = 0;
        while position < self.slots.len() {
            if self.slots[position].holding.is_some() {
                position += 1;
                continue;
            }
            let Some(chunk) = book.next_chunk() else {
                return Ok(());
            };
            let range = book.range(chunk);
            let inputs = &book.inputs[range];
            let MapOptions {
                job,
                pace_ms,
                crash_on,
                ..
            } = options;
            let request =
                pool_protocol::encode_request(chunk + 1, job.word(), pace_ms, crash_on, inputs);
            let slot = &mut self.slots[position];
            position += 1;
            if self.group.send(slot.worker.index, &request).is_err() {
                // It is dying or dead: `replace_dead` deals with it, and
                // the chunk goes to someone else.
                book.hand_back(chunk);
                let _ = kill(Pid::from_raw(slot.worker.pid), Signal::SIGKILL);
                continue;
            }
            slot.holding = Some((chunk, Instant::now()));
            let sent = ChunkEvent::Sent {
                task: chunk + 1,
                worker: &slot.worker,
                inputs,
            };
            observe(ctx, sent);
        }
        Ok(())
    }

    /// Files one result line, `<task> <result> …`, from the worker holding
    /// that task (anyone else's answer for it is ignored).
    fn take_result(
        &mut self,
        ctx: &mut DemoContext<'_>,
        book: &mut MapBook<'_>,
        index: WorkerIndex,
        line: &str,
        observe: &mut Observer<'_>,
    ) {
        let Some((chunk, results)) = pool_protocol::decode_result(line) else {
            return;
        };
        let Some(slot) = self.slots.iter_mut().find(|slot| {
            slot.worker.index == index && matches!(slot.holding, Some((held, _)) if held == chunk)
        }) else {
            return;
        };
        let results = results
            .map(|result| result.map_err(|word| Arc::from(format!("unreadable result `{word}`"))));
        if book.file(chunk, index, results) {
            let busy = slot
                .holding
                .take()
                .map_or(Duration::ZERO, |(_, at)| at.elapsed());
            let done = ChunkEvent::Done {
                task: chunk + 1,
                worker: &slot.worker,
                items: &book.items[book.range(chunk)],
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
        book: &mut MapBook<'_>,
        run: &mut MapRun,
        options: MapOptions,
    ) -> Result<(), DemoError> {
        for position in 0..self.slots.len() {
            if !self.group.has_finished(self.slots[position].worker.index) {
                continue;
            }
            let dead = self.slots[position].worker.clone();
            let how = match self.group.status(dead.index) {
                Some(ExitStatus::Signal(name)) => format!("died of {name}"),
                Some(ExitStatus::Code(code)) => format!("exited with code {code}"),
                None => "ended".to_string(),
            };
            let error: Arc<str> =
                Arc::from(format!("worker {} (pid {}) {how}", dead.label, dead.pid));
            let lost = self.slots[position]
                .holding
                .take()
                .map(|(chunk, _)| (chunk, book.fail(chunk, Some(dead.index), &error)));
            match lost {
                Some((chunk, failed)) if failed > 0 => {
                    let inputs = &book.inputs[book.range(chunk)];
                    let fail = match failed {
                        1 => "that input fails".to_string(),
                        _ => format!("those {failed} inputs fail"),
                    };
                    ctx.note(format!(
                        "{error} while computing task {}, {}({}): {fail} with this error, and \
                         the map goes on",
                        chunk + 1,
                        options.job.word(),
                        span(inputs),
                    ));
                }
                _ => ctx.note(error.to_string()),
            }
            if run.replacements >= MAX_REPLACEMENTS {
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
            run.replacements += 1;
        }
        Ok(())
    }

    /// The timeout passed: kill every worker, keep what already came back,
    /// and fail the rest.
    fn stop_at_timeout(
        &mut self,
        ctx: &mut DemoContext<'_>,
        book: &mut MapBook<'_>,
        observe: &mut Observer<'_>,
    ) -> Result<(), DemoError> {
        for (index, line) in self.group.wait_all(ctx)? {
            self.take_result(ctx, book, index, &line, observe);
        }
        let error: Arc<str> = Arc::from("not computed: the timeout stopped the pool");
        for chunk in 0..book.chunks() {
            let holder = self
                .slots
                .iter()
                .find(|slot| matches!(slot.holding, Some((held, _)) if held == chunk))
                .map(|slot| slot.worker.index);
            book.fail(chunk, holder, &error);
        }
        self.slots.clear();
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
