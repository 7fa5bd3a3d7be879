//! A real process pool: worker processes started once, fed chunks of inputs
//! over their request pipes, answering on their result pipes (the protocol
//! is in `pool_worker`).
//!
//! It behaves like Python's `multiprocessing.Pool` where that teaches
//! something — a free worker gets the next chunk, results land in input
//! order whatever order they finish in — and deliberately differs where
//! Python's pool hangs: a worker that dies holding a chunk fails only that
//! chunk's items, naming the worker and its signal, and a replacement
//! worker carries on with the rest.
//!
//! Work that pauses or takes CPU time goes out one chunk per worker at a
//! time, so a free worker always gets the next one. Quick jobs (`square`,
//! without a pause) keep up to [`QUICK_QUEUE`] small chunks queued per worker
//! instead: as Python's task queue does, that lets a worker start its next
//! task the moment it finishes one, instead of waiting for mptutor to hear
//! back and answer, which at chunksize 1 was most of each task's time (see
//! `mptutor bench`). The requests queued for one worker go out in one
//! write, and a worker that has the next request in hand already sends its
//! results with the next ones.
//!
//! What is queued for a worker, at most [`QUICK_INPUTS`] inputs, fits in
//! the smallest pipe Linux makes (one page), both ways: mptutor never
//! blocks writing requests to a worker that is blocked writing results
//! mptutor is not reading. Memory stays bounded for a map of 100 000
//! single-input tasks.

pub mod book;
pub mod protocol;
pub mod thread_pool;
mod worker;

pub use book::{ChunkEvent, ItemOutcome, MapBook, MapRun, Observer, WorkerInfo, span};
pub use thread_pool::ThreadPool;
pub use worker::POOL_WORKER;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{ExitStatus, WorkerIndex};
use crate::engine::process_group::{ProcessGroup, Spawn, label};
use crate::engine::task::Task;

/// The longest one round of waiting for results lasts.
const WAIT: Duration = Duration::from_millis(20);
/// Chunks queued per worker for quick jobs.
pub const QUICK_QUEUE: usize = 16;
/// Inputs queued per worker for quick jobs, unless one chunk is more. A
/// request or result takes at most 21 bytes an input and 24 a chunk, so
/// this many stay under a page however they are chunked.
pub const QUICK_INPUTS: usize = 64;
const _: () = assert!(QUICK_INPUTS * 21 + QUICK_QUEUE * 24 < 4096);
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
    pub fn word(self) -> &'static str {
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
    /// Milliseconds slept per input after its work (pool-queue's `pause`).
    pub pause_ms: u64,
    /// The worker that gets this input dies of SIGSEGV; 0 for none.
    pub crash_on: i64,
}

impl MapOptions {
    /// How many chunks a worker may hold at once (see the module docs).
    pub fn depth(self) -> usize {
        if self.job == Job::Square && self.pause_ms == 0 {
            (QUICK_INPUTS / self.chunksize.max(1)).clamp(1, QUICK_QUEUE)
        } else {
            1
        }
    }
}

/// A chunk sent to a worker.
#[derive(Debug, Clone, Copy)]
struct Held {
    chunk: usize,
    sent: Instant,
}

/// One live worker of the pool and what it holds.
struct Slot {
    worker: WorkerInfo,
    /// The chunks sent to it and not answered yet, in the order it works
    /// on them: the first is the one it is computing.
    holding: VecDeque<Held>,
    /// When it last answered (or started): the chunk after that began then
    /// at the earliest.
    answered: Instant,
    /// A request to it failed: it is dying, and gets nothing more.
    refused: bool,
}

impl Slot {
    fn holds(&self, chunk: usize) -> bool {
        self.holding.iter().any(|held| held.chunk == chunk)
    }
}

/// A pool of process workers. Dropping it kills whatever is left.
pub struct Pool {
    group: ProcessGroup,
    slots: Vec<Slot>,
    /// Every worker started, in order; the next one gets index `len()`.
    started: Vec<WorkerInfo>,
    /// The requests of one dispatch, per slot, kept for the next.
    requests: Vec<String>,
    /// The chunks of one dispatch, in the order they were handed out, with
    /// the slot that got each.
    handed: Vec<(usize, usize)>,
}

impl Pool {
    /// Starts `workers` pool workers by the context's start method.
    pub fn start(ctx: &mut RunContext<'_>, workers: usize) -> Result<Pool, EngineError> {
        let mut pool = Pool {
            group: ProcessGroup::new(),
            slots: Vec::new(),
            started: Vec::new(),
            requests: Vec::new(),
            handed: Vec::new(),
        };
        let slots = pool.start_workers(ctx, workers.max(1))?;
        pool.slots = slots;
        Ok(pool)
    }

    /// The live workers, in slot order.
    pub fn workers(&self) -> Vec<WorkerInfo> {
        self.slots.iter().map(|slot| slot.worker.clone()).collect()
    }

    /// Starts `count` more workers, forked in a row (see
    /// [`ProcessGroup::spawn_all`]).
    fn start_workers(
        &mut self,
        ctx: &mut RunContext<'_>,
        count: usize,
    ) -> Result<Vec<Slot>, EngineError> {
        let first = self.started.len();
        // Python names them ForkPoolWorker-1, SpawnPoolWorker-2, …
        let method = ctx.start_method.python_prefix();
        let tasks: Vec<Task> = (first..first + count)
            .map(|index| Task::new(&POOL_WORKER).text(label(index)))
            .collect();
        let spawns = (first..).zip(&tasks).map(|(index, task)| Spawn {
            index,
            name: format!("{method}PoolWorker-{}", index + 1).into(),
            task,
        });
        let pids = self.group.spawn_all(ctx, spawns, true)?;
        let mut slots = Vec::with_capacity(count);
        for (index, pid) in (first..).zip(pids) {
            let worker = WorkerInfo {
                index,
                label: label(index).into_owned(),
                pid: pid.as_raw(),
            };
            self.started.push(worker.clone());
            slots.push(Slot {
                worker,
                holding: VecDeque::new(),
                answered: Instant::now(),
                refused: false,
            });
        }
        Ok(slots)
    }

    /// Runs the job over `inputs`, a free worker getting the next chunk;
    /// returns every outcome in input order.
    pub fn map(
        &mut self,
        ctx: &mut RunContext<'_>,
        inputs: &[i64],
        options: MapOptions,
        observe: &mut Observer<'_>,
    ) -> Result<MapRun, EngineError> {
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

    /// Hands the next chunk to every worker with room for one, until each
    /// holds as many as the job allows; one write per worker.
    fn dispatch(
        &mut self,
        ctx: &mut RunContext<'_>,
        book: &mut MapBook<'_>,
        options: MapOptions,
        observe: &mut Observer<'_>,
    ) -> Result<(), EngineError> {
        let MapOptions {
            job,
            pause_ms,
            crash_on,
            ..
        } = options;
        self.requests.resize_with(self.slots.len(), String::new);
        self.handed.clear();
        // Round by round, so a short map spreads over every worker before
        // any worker gets a second chunk.
        'rounds: for depth in 1..=options.depth() {
            let before = self.handed.len();
            for (position, slot) in self.slots.iter_mut().enumerate() {
                if slot.refused || slot.holding.len() >= depth {
                    continue;
                }
                let Some(chunk) = book.next_chunk() else {
                    break 'rounds;
                };
                let range = book.range(chunk);
                protocol::encode_request(
                    &mut self.requests[position],
                    chunk + 1,
                    job.word(),
                    pause_ms,
                    crash_on,
                    &book.inputs[range],
                );
                slot.holding.push_back(Held {
                    chunk,
                    sent: Instant::now(),
                });
                self.handed.push((chunk, position));
            }
            if self.handed.len() == before {
                break;
            }
        }
        for (position, slot) in self.slots.iter_mut().enumerate() {
            let requests = &mut self.requests[position];
            if requests.is_empty() {
                continue;
            }
            let sent = self
                .group
                .send_lines(slot.worker.index, requests.as_bytes());
            requests.clear();
            if sent.is_err() {
                // It is dying or dead: `replace_dead` deals with it, and
                // its chunks go to someone else, first the first.
                slot.refused = true;
                let _ = kill(Pid::from_raw(slot.worker.pid), Signal::SIGKILL);
                let fresh =
                    slot.holding.len() - self.handed.iter().filter(|h| h.1 == position).count();
                for held in slot.holding.drain(fresh..).rev() {
                    book.hand_back(held.chunk);
                }
            }
        }
        for &(chunk, position) in &self.handed {
            let slot = &self.slots[position];
            if slot.refused {
                continue;
            }
            let sent = ChunkEvent::Sent {
                task: chunk + 1,
                worker: &slot.worker,
                inputs: &book.inputs[book.range(chunk)],
            };
            observe(ctx, sent);
        }
        Ok(())
    }

    /// Files one result line, `<task> <result> …`, from the worker holding
    /// that task (anyone else's answer for it is ignored).
    fn take_result(
        &mut self,
        ctx: &mut RunContext<'_>,
        book: &mut MapBook<'_>,
        index: WorkerIndex,
        line: &str,
        observe: &mut Observer<'_>,
    ) {
        let Some((chunk, results)) = protocol::decode_result(line) else {
            return;
        };
        let Some(slot) = self
            .slots
            .iter_mut()
            .find(|slot| slot.worker.index == index && slot.holds(chunk))
        else {
            return;
        };
        let results = results
            .map(|result| result.map_err(|word| Arc::from(format!("unreadable result `{word}`"))));
        if book.file(chunk, index, results) {
            // It began this chunk once it was sent and the one before was
            // answered, whichever came later.
            let now = Instant::now();
            let busy = slot
                .holding
                .iter()
                .position(|held| held.chunk == chunk)
                .and_then(|at| slot.holding.remove(at))
                .map_or(Duration::ZERO, |held| {
                    now.saturating_duration_since(held.sent.max(slot.answered))
                });
            slot.answered = now;
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
        ctx: &mut RunContext<'_>,
        book: &mut MapBook<'_>,
        run: &mut MapRun,
        options: MapOptions,
    ) -> Result<(), EngineError> {
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
            // It works through its chunks in order, and whatever it
            // answered has been filed: the first one left is the one it
            // died on, and the rest it never began, so they go back.
            let mut held = std::mem::take(&mut self.slots[position].holding);
            let lost = held.pop_front().map(|first| {
                (
                    first.chunk,
                    book.fail(first.chunk, Some(dead.index), &error),
                )
            });
            for rest in held.into_iter().rev() {
                book.hand_back(rest.chunk);
            }
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
                return Err(EngineError::Refused(format!(
                    "pool workers keep dying ({error}); check that mptutor can start processes"
                )));
            }
            let Some(fresh) = self.start_workers(ctx, 1)?.pop() else {
                return Err(EngineError::Refused("no worker was started".into()));
            };
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
        ctx: &mut RunContext<'_>,
        book: &mut MapBook<'_>,
        observe: &mut Observer<'_>,
    ) -> Result<(), EngineError> {
        for (index, line) in self.group.wait_all(ctx)? {
            self.take_result(ctx, book, index, &line, observe);
        }
        let error: Arc<str> = Arc::from("not computed: the timeout stopped the pool");
        for chunk in 0..book.chunks() {
            let holder = self
                .slots
                .iter()
                .find(|slot| slot.holds(chunk))
                .map(|slot| slot.worker.index);
            book.fail(chunk, holder, &error);
        }
        self.slots.clear();
        Ok(())
    }

    /// `close()` then `join()`: closes every request pipe, so each worker
    /// finishes and exits, and waits until all are reaped.
    pub fn shutdown(mut self, ctx: &mut RunContext<'_>) -> Result<(), EngineError> {
        for slot in self.slots.drain(..) {
            self.group.close_requests(slot.worker.index);
        }
        self.group.wait_all(ctx)?;
        Ok(())
    }
}
