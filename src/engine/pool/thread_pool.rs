//! The same map on a pool of threads, as `multiprocessing.pool.ThreadPool`
//! does it: real `std::thread`s inside mptutor, started once, fed chunks
//! over channels and sending results back over one channel.
//!
//! Dispatch follows the process pool's rule exactly — each thread holds one
//! chunk at a time and a free thread gets the next — so comparing the two
//! changes one thing only: what a worker is. (With one queue that threads
//! drain themselves, the first thread to wake takes every tiny task before
//! the others are scheduled, and the table would show a single thread.)
//!
//! The threads never touch the event sink: they report to the calling
//! thread, which turns their reports into the same [`Event`]s a process
//! pool produces. A thread cannot be killed, so stopping (Ctrl-C, timeout)
//! is cooperative: a shared flag each thread checks as it works. Every
//! thread is joined before the pool is gone ([`ThreadPool::shutdown`], or
//! `Drop` on any early return), because a later demo may fork, and fork is
//! only sound in a single-threaded process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{Event, ExitStatus, WorkerIndex, WorkerKind};
use crate::engine::pool::book::{ChunkEvent, MapBook, MapRun, Observer, WorkerInfo};
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::sys;

/// How often the calling thread looks up from the channel to check for
/// Ctrl-C and the timeout.
const WAIT: Duration = Duration::from_millis(20);
/// Inputs a thread computes between two looks at the stop flag.
const STOP_CHECK_EVERY: usize = 1024;

/// A chunk for a thread: its task number and inputs.
struct Request {
    task: usize,
    inputs: Vec<i64>,
}

/// A finished chunk, from a worker thread to the calling thread.
struct Report {
    thread: WorkerIndex,
    task: usize,
    results: Vec<i64>,
    busy: Duration,
}

/// Where each thread writes its tid as its first act (0 until then). Not a
/// message on the report channel: that would make every new thread
/// allocate (the channel's first block, and the thread's own malloc
/// arena) only to say who it is (see `mptutor bench`).
struct Tids {
    tids: Mutex<Vec<i32>>,
    written: Condvar,
}

impl Tids {
    fn set(&self, thread: WorkerIndex, tid: i32) {
        let mut tids = self.tids.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = tids.get_mut(thread) {
            *slot = tid;
        }
        drop(tids);
        self.written.notify_all();
    }

    fn get(&self, thread: WorkerIndex) -> i32 {
        let tids = self.tids.lock().unwrap_or_else(PoisonError::into_inner);
        tids.get(thread).copied().unwrap_or(0)
    }

    /// Waits up to `wait` for every tid; true once all are known.
    fn wait_all(&self, wait: Duration) -> bool {
        let tids = self.tids.lock().unwrap_or_else(PoisonError::into_inner);
        let (tids, _) = self
            .written
            .wait_timeout_while(tids, wait, |tids| tids.contains(&0))
            .unwrap_or_else(PoisonError::into_inner);
        !tids.contains(&0)
    }
}

/// What a worker thread hands back when it is joined.
struct ThreadExit {
    tid: i32,
    cpu_us: u64,
}

struct Thread {
    info: WorkerInfo,
    requests: Option<Sender<Request>>,
    handle: Option<JoinHandle<ThreadExit>>,
    /// The chunk it is computing and when it was handed over.
    holding: Option<(usize, Instant)>,
    /// Its `Started` event has been sent (its tid is known).
    announced: bool,
}

/// A pool of worker threads. Dropping it stops and joins them.
pub struct ThreadPool {
    threads: Vec<Thread>,
    reports: Receiver<Report>,
    tids: Arc<Tids>,
    stop: Arc<AtomicBool>,
}

impl ThreadPool {
    /// Starts `count` threads. Each writes down its tid (for the `Started`
    /// event) as its first act; the pool collects them the first time it
    /// needs them — [`ThreadPool::workers`] or the first chunk; a thread
    /// shut down before either names itself as it is joined — rather than
    /// waiting here, which would hand control to each new thread and back
    /// before returning.
    pub fn start(ctx: &mut RunContext<'_>, count: usize) -> Result<ThreadPool, EngineError> {
        if ctx.interrupted() {
            return Err(EngineError::Interrupted);
        }
        let count = count.max(1);
        let (report_to, reports) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let tids = Arc::new(Tids {
            tids: Mutex::new(vec![0; count]),
            written: Condvar::new(),
        });
        let mut pool = ThreadPool {
            threads: Vec::with_capacity(count),
            reports,
            tids,
            stop,
        };
        for thread in 0..count {
            let (requests, inbox) = mpsc::channel();
            let (report_to, stop) = (report_to.clone(), Arc::clone(&pool.stop));
            let tids = Arc::clone(&pool.tids);
            let handle = std::thread::Builder::new()
                .name(format!("Thread-{}", thread + 1))
                .stack_size(crate::engine::threads::THREAD_STACK)
                .spawn(move || {
                    tids.set(thread, sys::thread_id());
                    drop(tids);
                    serve(thread, &inbox, &report_to, &stop)
                })
                .map_err(|error| {
                    let what = format!("thread {} of {count}", thread + 1);
                    explain_refusal(NewTask::Thread, what, &error)
                        .unwrap_or_else(|| EngineError::cannot("start a thread")(error))
                })?;
            pool.threads.push(Thread {
                info: WorkerInfo {
                    index: thread,
                    label: format!("T{}", thread + 1),
                    pid: 0,
                },
                requests: Some(requests),
                handle: Some(handle),
                holding: None,
                announced: false,
            });
        }
        Ok(pool)
    }

    /// Waits until every thread has written down its tid, and sends the
    /// `Started` event of each not announced yet. A thread writes its tid
    /// before anything else, so no report can come from a thread not yet
    /// announced.
    fn announce_all(&mut self, ctx: &mut RunContext<'_>) -> Result<(), EngineError> {
        if self.threads.iter().all(|thread| thread.announced) {
            return Ok(());
        }
        while !self.tids.wait_all(WAIT) {
            if ctx.interrupted() {
                self.stop.store(true, Ordering::SeqCst);
                return Err(EngineError::Interrupted);
            }
            if ctx.remaining().is_zero() {
                self.stop.store(true, Ordering::SeqCst);
                return Err(EngineError::Refused(
                    "the pool's threads did not all start before the timeout".into(),
                ));
            }
        }
        for thread in 0..self.threads.len() {
            if !self.threads[thread].announced {
                let tid = self.tids.get(thread);
                self.announce(ctx, thread, tid);
            }
        }
        Ok(())
    }

    /// Records a thread's tid and sends its `Started` event.
    fn announce(&mut self, ctx: &mut RunContext<'_>, thread: WorkerIndex, tid: i32) {
        let Some(worker) = self.threads.get_mut(thread) else {
            return;
        };
        worker.announced = true;
        worker.info.pid = tid;
        let event = Event::Started {
            worker: thread,
            label: worker.info.label.clone().into(),
            name: format!("Thread-{}", thread + 1).into(),
            kind: WorkerKind::Thread,
            pid: tid,
            ppid: nix::unistd::getpid().as_raw(),
            t_us: ctx.t_us(),
        };
        ctx.emit(event);
    }

    /// The threads, with their tids (waiting for them to announce).
    pub fn workers(&mut self, ctx: &mut RunContext<'_>) -> Result<Vec<WorkerInfo>, EngineError> {
        self.announce_all(ctx)?;
        Ok(self.known_workers())
    }

    fn known_workers(&self) -> Vec<WorkerInfo> {
        self.threads
            .iter()
            .map(|thread| thread.info.clone())
            .collect()
    }

    /// Waits for the next report: `None` once the timeout has passed (the
    /// threads are told to stop) or no thread is left.
    fn next_report(&mut self, ctx: &mut RunContext<'_>) -> Result<Option<Report>, EngineError> {
        loop {
            if ctx.interrupted() {
                self.stop.store(true, Ordering::SeqCst);
                return Err(EngineError::Interrupted);
            }
            if ctx.remaining().is_zero() {
                if !ctx.timed_out {
                    ctx.timed_out = true;
                    ctx.note(
                        "timeout reached: asking every thread to stop (a thread cannot be killed)",
                    );
                }
                self.stop.store(true, Ordering::SeqCst);
                return Ok(None);
            }
            match self.reports.recv_timeout(WAIT) {
                Ok(report) => return Ok(Some(report)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }

    /// Squares `inputs` in chunks of `chunksize`, one chunk per thread at a
    /// time; returns every outcome in input order.
    pub fn map(
        &mut self,
        ctx: &mut RunContext<'_>,
        inputs: &[i64],
        chunksize: usize,
        observe: &mut Observer<'_>,
    ) -> Result<MapRun, EngineError> {
        self.announce_all(ctx)?;
        let began = Instant::now();
        let mut book = MapBook::new(
            inputs,
            chunksize,
            "not computed: the timeout stopped the pool",
        );
        while !book.order.all_done() {
            for thread in &mut self.threads {
                if thread.holding.is_some() {
                    continue;
                }
                let Some(chunk) = book.next_chunk() else {
                    break;
                };
                let request = Request {
                    task: chunk + 1,
                    inputs: inputs[book.range(chunk)].to_vec(),
                };
                match &thread.requests {
                    Some(requests) if requests.send(request).is_ok() => {
                        thread.holding = Some((chunk, Instant::now()));
                    }
                    _ => book.hand_back(chunk),
                }
            }
            // None: the timeout, or no thread left; what came back stands.
            let Some(report) = self.next_report(ctx)? else {
                break;
            };
            let Report {
                thread,
                task,
                results,
                busy,
            } = report;
            let Some(worker) = self.threads.get_mut(thread) else {
                continue;
            };
            worker.holding = None;
            let chunk = task.saturating_sub(1);
            if book.file(chunk, thread, results.into_iter().map(Ok)) {
                let done = ChunkEvent::Done {
                    task,
                    worker: &worker.info,
                    items: &book.items[book.range(chunk)],
                    busy,
                };
                observe(ctx, done);
            }
        }
        Ok(MapRun {
            out_of_order: book.order.out_of_order,
            items: book.items,
            workers: self.known_workers(),
            timed_out: ctx.timed_out,
            elapsed: began.elapsed(),
            ..MapRun::default()
        })
    }

    /// `close()` then `join()`: each thread finishes and is joined, handing
    /// back its CPU time. The join is the report: a separate "exited"
    /// message cost one more hand-over between threads for every thread
    /// (see `mptutor bench`).
    pub fn shutdown(mut self, ctx: &mut RunContext<'_>) -> Result<(), EngineError> {
        for thread in &mut self.threads {
            thread.requests = None;
        }
        for position in 0..self.threads.len() {
            let Some(handle) = self.threads[position].handle.take() else {
                continue;
            };
            let (status, exit) = match handle.join() {
                Ok(exit) => (ExitStatus::Code(0), exit),
                // A panic in a worker thread is its crash.
                Err(_) => (
                    ExitStatus::Code(101),
                    ThreadExit {
                        tid: self.threads[position].info.pid,
                        cpu_us: 0,
                    },
                ),
            };
            if !self.threads[position].announced {
                // Shut down before it was ever asked for: its exit names
                // it, which spares waiting for its announcement first.
                self.announce(ctx, position, exit.tid);
            }
            let event = Event::Exited {
                worker: position,
                pid: exit.tid,
                status,
                cpu_us: exit.cpu_us,
                max_rss_kb: sys::own_max_rss_kb(),
                t_us: ctx.t_us(),
            };
            ctx.emit(event);
        }
        Ok(())
    }

    fn join_all(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for thread in &mut self.threads {
            thread.requests = None;
        }
        for thread in &mut self.threads {
            if let Some(handle) = thread.handle.take() {
                let _ = handle.join();
            }
        }
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.join_all();
    }
}

/// One worker thread: square each chunk it is given, until its request
/// channel closes or the pool says stop.
fn serve(
    thread: WorkerIndex,
    inbox: &Receiver<Request>,
    reports: &Sender<Report>,
    stop: &AtomicBool,
) -> ThreadExit {
    while let Ok(request) = inbox.recv() {
        let started = Instant::now();
        let mut results = Vec::with_capacity(request.inputs.len());
        for (position, x) in request.inputs.iter().enumerate() {
            if position % STOP_CHECK_EVERY == STOP_CHECK_EVERY - 1 && stop.load(Ordering::SeqCst) {
                break;
            }
            results.push(x.wrapping_mul(*x));
        }
        let done = Report {
            thread,
            task: request.task,
            results,
            busy: started.elapsed(),
        };
        if stop.load(Ordering::SeqCst) || reports.send(done).is_err() {
            break;
        }
    }
    ThreadExit {
        tid: sys::thread_id(),
        cpu_us: sys::thread_cpu_us(),
    }
}
