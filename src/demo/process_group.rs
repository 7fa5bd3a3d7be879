//! A demo's process workers: started in one process group, read with
//! `poll` on the calling thread, reaped with their resource usage, and
//! killed together with `killpg` when the demo ends, times out or is
//! interrupted. Dropping a [`ProcessGroup`] kills and reaps whatever is
//! left, so no path out of a demo leaves a zombie or a stray process.

use std::borrow::Cow;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use smallvec::SmallVec;

use super::context::{DemoContext, DemoError, StartMethod};
use super::event::{Event, ExitStatus, Stream, WorkerIndex, WorkerKind};
use super::lines::LineSplitter;
use super::sys::{self, ChildBody, Reaped};
use super::task::WorkerTask;

/// The longest a single poll waits, so Ctrl-C and the timeout are noticed
/// quickly even when no worker prints anything.
const POLL_SLICE: Duration = Duration::from_millis(20);

/// How often a worker whose pipes are still open is asked whether it has
/// ended (one closes its pipes as it exits, and is asked every round). A
/// pool round trip takes microseconds, and a `wait4` per worker per round
/// was most of its system calls; only a worker that exits while a process
/// it started holds its pipes waits this long to be seen.
const REAP_SWEEP: Duration = Duration::from_millis(20);

/// The read buffer starts at one page and doubles, up to [`MAX_READ`],
/// each time a read fills it. Not a 64 KiB array on the stack: right after
/// a fork every page mptutor writes costs a copy-on-write fault, and the
/// stack probe of a 64 KiB frame writes sixteen of them on every round.
/// One buffer serves every group, so a read that returns nothing (a pipe
/// closing) writes no page at all.
const MIN_READ: usize = 4096;
/// In `read_ready`'s list of descriptors: a worker's pidfd.
const EXIT_WATCH: usize = usize::MAX - 1;
const MAX_READ: usize = 65536;

thread_local! {
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// One output pipe of a worker.
struct Pipe {
    fd: OwnedFd,
    stream: Stream,
    lines: LineSplitter,
}

/// The private channel of a pool worker: requests in, results out.
struct Channel {
    requests: Option<OwnedFd>,
    results: Option<OwnedFd>,
    lines: LineSplitter,
}

/// How mptutor learns that a worker has exited: with one wake-up, not two.
///
/// Left alone, a worker's exit shows twice: its pipes close as the kernel
/// tears it down, waking mptutor, which finds it not yet reapable and must
/// sleep until it is. So mptutor keeps its own copies of the worker's ends
/// of its pipes, which keeps them from closing, and polls a pidfd, which
/// turns readable only once the worker can be reaped. Then it reads the
/// output pipes dry and either drops the copies (the pipes end once
/// drained) or, for a worker whose pipes nobody else can hold, keeps the
/// pipes for the next worker (see [`SPARE_PIPES`]).
struct ExitWatch {
    pidfd: OwnedFd,
    /// The ends the worker writes its stdout and stderr to.
    output: [OwnedFd; 2],
    _results: Option<OwnedFd>,
}

/// One worker for [`ProcessGroup::spawn_all`] to start.
pub struct Spawn<'a> {
    pub index: WorkerIndex,
    /// The name a Python programmer would see, e.g. `Process-1`.
    pub name: Cow<'static, str>,
    pub task: &'a WorkerTask,
}

/// Workers started in one batch without a heap allocation.
const INLINE_BATCH: usize = 4;

/// `P1`, `P2`, …: the labels of the first workers, made once.
static LABELS: LazyLock<Vec<String>> =
    LazyLock::new(|| (1..=64).map(|number| format!("P{number}")).collect());

/// The tag of worker `index`.
pub fn label(index: WorkerIndex) -> Cow<'static, str> {
    match LABELS.get(index) {
        Some(label) => Cow::Borrowed(label),
        None => Cow::Owned(format!("P{}", index + 1)),
    }
}

/// What one worker needs made before it is forked.
struct Ready {
    output: sys::OutputPipes,
    /// The request pipe's read end and the result pipe's write end, for
    /// the child (a pool worker's).
    child_ends: Option<[OwnedFd; 2]>,
    channel: Option<Channel>,
    /// The program and arguments to run, for the spawn start method.
    exec: Option<(CString, Vec<CString>)>,
}

impl Ready {
    fn new(worker: &Spawn<'_>, channel: bool, start: StartMethod) -> Result<Ready, DemoError> {
        let (child_ends, channel) = if channel {
            let (request_read, request_write) = sys::pipe()?;
            let (result_read, result_write) = sys::pipe()?;
            (
                Some([request_read, result_write]),
                Some(Channel {
                    requests: Some(request_write),
                    results: Some(result_read),
                    lines: LineSplitter::unbounded(),
                }),
            )
        } else {
            (None, None)
        };
        let (output, exec) = match start {
            StartMethod::Fork => (output_pipes(std::process::id())?, None),
            StartMethod::Spawn => (sys::OutputPipes::new()?, Some(spawn_command(worker.task)?)),
        };
        Ok(Ready {
            output,
            child_ends,
            channel,
            exec,
        })
    }

    /// The descriptors the child gets as 3 and 4, and how many there are.
    fn child_fds(&self) -> ([i32; 2], usize) {
        match &self.child_ends {
            Some([request_read, result_write]) => {
                ([request_read.as_raw_fd(), result_write.as_raw_fd()], 2)
            }
            None => ([-1, -1], 0),
        }
    }
}

/// A worker just forked, with what the parent keeps of its pipes.
struct Fresh {
    forked: sys::Forked,
    /// Requests to it and results from it, for a pool worker.
    channel: Option<Channel>,
    /// The end it writes results to (kept, see [`ExitWatch`]).
    result_write: Option<OwnedFd>,
    /// Whether its output pipes may go to the next worker.
    recycle: bool,
}

/// Output pipes kept for the next worker, with the process they belong
/// to (a forked child that starts workers of its own has its own).
///
/// Two pipes made and closed for every worker were a fifth of what a
/// process start cost mptutor over a bare `fork` (see `mptutor bench`). A
/// worker that runs mptutor's own task in a forked copy starts no process
/// of its own, so once it has exited and its pipes are read dry nobody
/// else can write to them, and they serve the next worker. Pipes of a
/// program mptutor executes are never kept: it may leave children behind
/// that still hold them.
struct SparePipes {
    pid: u32,
    /// Kept in the thread's own storage, not on the heap (see
    /// [`ProcessGroup::spawn_all`]).
    pipes: SmallVec<[sys::OutputPipes; MAX_SPARE_PIPES]>,
}

/// Most pipe pairs kept (four descriptors each).
const MAX_SPARE_PIPES: usize = 16;

thread_local! {
    static SPARE_PIPES: std::cell::RefCell<SparePipes> = const {
        std::cell::RefCell::new(SparePipes {
            pid: 0,
            pipes: SmallVec::new_const(),
        })
    };
}

/// Output pipes for a new worker: kept ones when there are, else fresh.
fn output_pipes(pid: u32) -> std::io::Result<sys::OutputPipes> {
    let kept = SPARE_PIPES.with_borrow_mut(|spare| {
        if spare.pid != pid {
            // Inherited from the process this one was forked from: those
            // descriptors were closed when it started.
            std::mem::forget(std::mem::take(&mut spare.pipes));
            spare.pid = pid;
        }
        spare.pipes.pop()
    });
    kept.map_or_else(sys::OutputPipes::new, Ok)
}

/// Keeps empty output pipes for the next worker, if there is room.
fn keep_pipes(pipes: sys::OutputPipes) {
    SPARE_PIPES.with_borrow_mut(|spare| {
        if spare.pid == std::process::id() && spare.pipes.len() < MAX_SPARE_PIPES {
            spare.pipes.push(pipes);
        }
    });
}

/// Up to this many descriptors are polled without a heap allocation: every
/// heap page mptutor writes between two forks costs it a copy-on-write
/// fault (see `mptutor bench`), and a group polls on every round.
const INLINE_FDS: usize = 24;

struct Worker {
    index: WorkerIndex,
    label: Cow<'static, str>,
    pid: Pid,
    /// Stdout and stderr, until each closes.
    pipes: SmallVec<[Pipe; 2]>,
    channel: Option<Channel>,
    /// `None` once it has exited, or where the kernel has no pidfd.
    exit_watch: Option<ExitWatch>,
    reaped: Option<Reaped>,
    /// Its `Exited` event has been sent.
    finished: bool,
    /// Its output pipes may serve another worker once it has exited.
    recycle: bool,
}

impl Worker {
    fn open_fds(&self) -> usize {
        self.pipes.len()
            + self
                .channel
                .as_ref()
                .map_or(0, |channel| usize::from(channel.results.is_some()))
    }
}

/// What one round of [`ProcessGroup::pump`] brought from pool channels.
pub type ChannelLines = Vec<(WorkerIndex, String)>;

/// The process workers of one demo.
pub struct ProcessGroup {
    /// The group's id: the first worker's pid.
    pgid: Option<Pid>,
    /// Inline for a group of one: a demo of one process, or mptutor bench's
    /// start + join, then touches no heap page for it (see
    /// [`ProcessGroup::spawn_all`]).
    workers: SmallVec<[Worker; 1]>,
    /// When false, ended workers are left unreaped (zombies) until
    /// [`ProcessGroup::set_reaping`] turns it back on.
    reaping: bool,
    /// When every unreaped worker was last asked whether it has ended.
    last_sweep: Instant,
}

impl Default for ProcessGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl ProcessGroup {
    pub fn new() -> Self {
        ProcessGroup {
            pgid: None,
            workers: SmallVec::new(),
            reaping: true,
            last_sweep: Instant::now(),
        }
    }

    /// Starts a worker running `task`, by the context's start method.
    /// With `channel`, the worker also gets a request pipe on fd 3 and a
    /// result pipe on fd 4 (pool workers).
    pub fn spawn(
        &mut self,
        ctx: &mut DemoContext<'_>,
        index: WorkerIndex,
        name: impl Into<Cow<'static, str>>,
        task: &WorkerTask,
        channel: bool,
    ) -> Result<Pid, DemoError> {
        let spawn = Spawn {
            index,
            name: name.into(),
            task,
        };
        let pids = self.spawn_all(ctx, [spawn], channel)?;
        pids.first()
            .copied()
            .ok_or_else(|| DemoError::Os("no worker was started".into()))
    }

    /// Starts several workers, as [`spawn`](Self::spawn) does, forking
    /// them one right after another.
    ///
    /// Each page mptutor writes to while a forked worker still shares it
    /// is copied first, a page fault that costs more than a system call
    /// (see `mptutor bench`). So everything the workers need is made
    /// before the first fork, they are taken into the group and announced
    /// once all are forked, and a batch of a few, its labels and a group
    /// of one live on the stack, not the heap.
    pub fn spawn_all<'t>(
        &mut self,
        ctx: &mut DemoContext<'_>,
        workers: impl IntoIterator<Item = Spawn<'t>>,
        channel: bool,
    ) -> Result<SmallVec<[Pid; INLINE_BATCH]>, DemoError> {
        // Starting 64 workers by spawn takes a few hundred milliseconds on
        // a small machine, so Ctrl-C is checked before each one too, not
        // only by `pump` once they all run.
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(DemoError::Interrupted);
        }
        // Only a forked copy running mptutor's own task leaves its pipes
        // to nobody else (see `SparePipes`).
        let recycle = ctx.start_method == StartMethod::Fork;
        let mut ready: SmallVec<[(Spawn<'t>, Ready); INLINE_BATCH]> = SmallVec::new();
        for worker in workers {
            let made = Ready::new(&worker, channel, ctx.start_method)?;
            ready.push((worker, made));
        }
        let mut forked: SmallVec<[_; INLINE_BATCH]> = SmallVec::new();
        let mut failed = None;
        match sys::ForkGate::open() {
            Ok(gate) => {
                for (worker, ready) in ready {
                    if !forked.is_empty() && ctx.interrupted() {
                        failed = Some(DemoError::Interrupted);
                        break;
                    }
                    let (extra, passed) = ready.child_fds();
                    let body = match ready.exec {
                        Some((program, argv)) => ChildBody::Exec { program, argv },
                        None => ChildBody::Task(worker.task),
                    };
                    match gate.fork_worker(self.pgid, ready.output, &extra[..passed], body) {
                        Ok(child) => {
                            self.join_group(child.pid);
                            forked.push((worker, child, ready.channel, ready.child_ends));
                        }
                        Err(error) => {
                            failed = Some(error.into());
                            break;
                        }
                    }
                }
            }
            Err(error) => failed = Some(error.into()),
        }
        let mut pids = SmallVec::new();
        for (worker, child, channel, child_ends) in forked {
            // The child has its own copies now. The end it writes results
            // to is kept with its output pipes' (see `ExitWatch`); the end
            // it reads requests from goes at once, so that a request to a
            // dead worker fails instead of filling a pipe nobody reads.
            let result_write = child_ends.map(|[request_read, result_write]| {
                drop(request_read);
                result_write
            });
            let fresh = Fresh {
                forked: child,
                channel,
                result_write,
                recycle,
            };
            pids.push(self.adopt(ctx, worker.index, worker.name, fresh));
        }
        match failed {
            Some(DemoError::Interrupted) => {
                self.kill_all_reporting(ctx);
                Err(DemoError::Interrupted)
            }
            Some(error) => Err(error),
            None => Ok(pids),
        }
    }

    /// Starts an arbitrary program as a worker: forks, and the child only
    /// sets itself up (see [`sys::fork_worker`]) and execs `program` with
    /// `argv` and exactly the environment `env`. How a student's Python
    /// example runs.
    pub fn spawn_program(
        &mut self,
        ctx: &mut DemoContext<'_>,
        index: WorkerIndex,
        name: &str,
        program: CString,
        argv: Vec<CString>,
        env: Vec<CString>,
    ) -> Result<Pid, DemoError> {
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(DemoError::Interrupted);
        }
        let body = ChildBody::ExecWithEnv { program, argv, env };
        let forked = sys::fork_worker(self.pgid, sys::OutputPipes::new()?, &[], body)?;
        self.join_group(forked.pid);
        let fresh = Fresh {
            forked,
            channel: None,
            result_write: None,
            recycle: false,
        };
        Ok(self.adopt(ctx, index, Cow::Owned(name.to_string()), fresh))
    }

    /// Puts a just-forked worker in the group, which it leads if it is the
    /// first. The child does the same; doing it from this side too means
    /// the group exists before mptutor might signal it (the child may not
    /// have run yet).
    fn join_group(&mut self, pid: Pid) {
        let pgid = *self.pgid.get_or_insert(pid);
        let _ = nix::unistd::setpgid(pid, pgid);
    }

    /// Takes a just-forked worker into the group and announces it.
    fn adopt(
        &mut self,
        ctx: &mut DemoContext<'_>,
        index: WorkerIndex,
        name: Cow<'static, str>,
        fresh: Fresh,
    ) -> Pid {
        let Fresh {
            forked,
            channel: parent_channel,
            result_write,
            recycle,
        } = fresh;
        let label = label(index);
        ctx.emit(Event::Started {
            worker: index,
            label: label.clone(),
            name,
            kind: WorkerKind::Process,
            pid: forked.pid.as_raw(),
            ppid: nix::unistd::getpid().as_raw(),
            t_us: ctx.t_us(),
        });
        let sys::OutputPipes {
            stdout: (stdout, stdout_write),
            stderr: (stderr, stderr_write),
        } = forked.output;
        let exit_watch = sys::pidfd_open(forked.pid).map(|pidfd| ExitWatch {
            pidfd,
            output: [stdout_write, stderr_write],
            _results: result_write,
        });
        self.workers.push(Worker {
            index,
            label,
            pid: forked.pid,
            pipes: smallvec::smallvec![
                Pipe {
                    fd: stdout,
                    stream: Stream::Stdout,
                    lines: LineSplitter::default(),
                },
                Pipe {
                    fd: stderr,
                    stream: Stream::Stderr,
                    lines: LineSplitter::default(),
                },
            ],
            channel: parent_channel,
            // Without a pidfd the pipes must close to show the exit.
            recycle: recycle && exit_watch.is_some(),
            exit_watch,
            reaped: None,
            finished: false,
        });
        forked.pid
    }

    /// Workers whose `Exited` event has not been sent yet.
    pub fn running(&self) -> usize {
        self.workers
            .iter()
            .filter(|worker| !worker.finished)
            .count()
    }

    /// The group's id (its first worker's pid), once a worker started.
    pub fn group_id(&self) -> Option<Pid> {
        self.pgid
    }

    pub fn pid(&self, index: WorkerIndex) -> Option<Pid> {
        self.find(index).map(|worker| worker.pid)
    }

    pub fn label(&self, index: WorkerIndex) -> Option<&str> {
        self.find(index).map(|worker| &*worker.label)
    }

    /// How a finished worker ended.
    pub fn status(&self, index: WorkerIndex) -> Option<&ExitStatus> {
        self.find(index)
            .and_then(|worker| worker.reaped.as_ref())
            .map(|reaped| &reaped.status)
    }

    /// True when the worker has ended and every pipe of it is drained.
    pub fn has_finished(&self, index: WorkerIndex) -> bool {
        self.find(index).is_some_and(|worker| worker.finished)
    }

    /// True when the worker's output pipes are closed (it has exited or
    /// closed them), whether or not it has been reaped.
    pub fn output_closed(&self, index: WorkerIndex) -> bool {
        self.find(index)
            .is_some_and(|worker| worker.pipes.is_empty())
    }

    fn find(&self, index: WorkerIndex) -> Option<&Worker> {
        self.workers.iter().find(|worker| worker.index == index)
    }

    pub fn set_reaping(&mut self, on: bool) {
        self.reaping = on;
    }

    /// Sends one request line to a pool worker.
    pub fn send(&mut self, index: WorkerIndex, line: &str) -> std::io::Result<()> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.send_lines(index, &bytes)
    }

    /// Writes `lines`, each already ending in a newline, to a pool
    /// worker's request pipe in one write: a pool sends one request per
    /// item, so each system call saved counts (see `mptutor bench`).
    pub fn send_lines(&mut self, index: WorkerIndex, lines: &[u8]) -> std::io::Result<()> {
        let worker = self
            .workers
            .iter_mut()
            .find(|worker| worker.index == index)
            .ok_or_else(|| std::io::Error::other("no such worker"))?;
        let requests = worker
            .channel
            .as_mut()
            .and_then(|channel| channel.requests.as_mut())
            .ok_or_else(|| std::io::Error::other("worker has no request pipe"))?;
        let mut unsent = lines;
        while !unsent.is_empty() {
            match nix::unistd::write(&*requests, unsent) {
                Ok(written) => unsent = &unsent[written..],
                Err(nix::errno::Errno::EINTR) => {}
                Err(error) => return Err(error.into()),
            }
        }
        Ok(())
    }

    /// Closes a pool worker's request pipe: it finishes and exits.
    pub fn close_requests(&mut self, index: WorkerIndex) {
        if let Some(channel) = self
            .workers
            .iter_mut()
            .find(|worker| worker.index == index)
            .and_then(|worker| worker.channel.as_mut())
        {
            channel.requests = None;
        }
    }

    /// One round: waits up to `wait` for output, forwards complete lines as
    /// events, reaps ended workers and sends their `Exited` events. Returns
    /// the lines pool workers wrote on their result channels.
    pub fn pump(
        &mut self,
        ctx: &mut DemoContext<'_>,
        wait: Duration,
    ) -> Result<ChannelLines, DemoError> {
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(DemoError::Interrupted);
        }
        let mut channel_lines = Vec::new();
        self.read_ready(ctx, wait.min(POLL_SLICE), &mut channel_lines)?;
        if self.reaping {
            self.reap_ended(ctx)?;
        }
        Ok(channel_lines)
    }

    /// Pumps until every worker has finished. At the timeout, every worker
    /// is killed (and reported with its signal).
    pub fn wait_all(&mut self, ctx: &mut DemoContext<'_>) -> Result<ChannelLines, DemoError> {
        let mut all_lines = Vec::new();
        while self.running() > 0 {
            if ctx.remaining().is_zero() && !ctx.timed_out {
                ctx.timed_out = true;
                ctx.note("timeout reached: stopping every worker");
                self.signal_all(Signal::SIGKILL);
            }
            all_lines.extend(self.pump(ctx, POLL_SLICE)?);
        }
        Ok(all_lines)
    }

    fn read_ready(
        &mut self,
        ctx: &mut DemoContext<'_>,
        wait: Duration,
        channel_lines: &mut ChannelLines,
    ) -> Result<(), DemoError> {
        // (worker position, which fd: pipe number, usize::MAX for the
        // channel, or EXIT_WATCH)
        let mut owners: SmallVec<[(usize, usize); INLINE_FDS]> = SmallVec::new();
        let mut fds: SmallVec<[PollFd<'_>; INLINE_FDS]> = SmallVec::new();
        for (position, worker) in self.workers.iter().enumerate() {
            if let Some(watch) = &worker.exit_watch {
                owners.push((position, EXIT_WATCH));
                fds.push(PollFd::new(watch.pidfd.as_fd(), PollFlags::POLLIN));
            }
            for (number, pipe) in worker.pipes.iter().enumerate() {
                owners.push((position, number));
                fds.push(PollFd::new(pipe.fd.as_fd(), PollFlags::POLLIN));
            }
            if let Some(results) = worker
                .channel
                .as_ref()
                .and_then(|channel| channel.results.as_ref())
            {
                owners.push((position, usize::MAX));
                fds.push(PollFd::new(results.as_fd(), PollFlags::POLLIN));
            }
        }
        if fds.is_empty() {
            self.wait_for_exits(wait);
            return Ok(());
        }
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::ZERO);
        match poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
        // Keep the owners of the ready descriptors, in place.
        let mut ready = 0;
        for (position, fd) in fds.iter().enumerate() {
            if fd.revents().is_some_and(|events| !events.is_empty()) {
                owners[ready] = owners[position];
                ready += 1;
            }
        }
        drop(fds);
        owners.truncate(ready);
        let ready = owners;
        let mut buffer = READ_BUFFER.take();
        if buffer.is_empty() {
            buffer.resize(MIN_READ, 0);
        }
        let mut closed: SmallVec<[(usize, usize); INLINE_FDS]> = SmallVec::new();
        let mut exited: SmallVec<[usize; INLINE_FDS]> = SmallVec::new();
        for (position, number) in ready {
            let worker = &mut self.workers[position];
            if number == EXIT_WATCH {
                // It can be reaped now. Its pipes end once drained, or are
                // read dry and kept, once this round's reading is done.
                if worker.recycle {
                    exited.push(position);
                } else {
                    worker.exit_watch = None;
                }
                continue;
            }
            let (fd, splitter) = if number == usize::MAX {
                match worker.channel.as_mut() {
                    Some(Channel {
                        results: Some(fd),
                        lines,
                        ..
                    }) => (&*fd, lines),
                    _ => continue,
                }
            } else {
                let pipe = &mut worker.pipes[number];
                (&pipe.fd, &mut pipe.lines)
            };
            match nix::unistd::read(fd, &mut buffer) {
                Ok(0) => closed.push((position, number)),
                Ok(count) => {
                    if count == buffer.len() && buffer.len() < MAX_READ {
                        buffer.resize(buffer.len() * 2, 0);
                    }
                    let lines = splitter.feed(&buffer[..count]);
                    if number == usize::MAX {
                        channel_lines.extend(lines.into_iter().map(|line| (worker.index, line)));
                    } else {
                        emit_lines(ctx, worker, worker.pipes[number].stream, lines);
                    }
                }
                Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => {}
                Err(_) => closed.push((position, number)),
            }
        }
        // Remove closed pipes highest first so positions stay valid.
        closed.sort_unstable_by(|a, b| b.cmp(a));
        for (position, number) in closed {
            self.close_pipe(ctx, position, number, channel_lines);
        }
        for position in exited {
            self.recycle_output(ctx, position, &mut buffer);
        }
        READ_BUFFER.set(buffer);
        Ok(())
    }

    /// A worker whose pipes may serve another has exited: reads them dry
    /// (everything it wrote is in them, and nobody else can write), sends
    /// the last lines, and keeps the pipes for the next worker.
    fn recycle_output(&mut self, ctx: &mut DemoContext<'_>, position: usize, buffer: &mut [u8]) {
        let worker = &mut self.workers[position];
        let Some(watch) = worker.exit_watch.take() else {
            return;
        };
        for number in 0..worker.pipes.len() {
            loop {
                let pipe = &mut worker.pipes[number];
                match nix::unistd::read(&pipe.fd, buffer) {
                    Ok(0) => break,
                    Ok(count) => {
                        let (stream, lines) = (pipe.stream, pipe.lines.feed(&buffer[..count]));
                        emit_lines(ctx, worker, stream, lines);
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    // EAGAIN: read dry.
                    Err(_) => break,
                }
            }
        }
        let [stdout_write, stderr_write] = watch.output;
        let (mut stdout, mut stderr) = (None, None);
        while !self.workers[position].pipes.is_empty() {
            let last = self.workers[position].pipes.len() - 1;
            match self.close_pipe(ctx, position, last, &mut Vec::new()) {
                Some((Stream::Stdout, fd)) => stdout = Some(fd),
                Some((Stream::Stderr, fd)) => stderr = Some(fd),
                None => {}
            }
        }
        if let (Some(stdout), Some(stderr)) = (stdout, stderr) {
            keep_pipes(sys::OutputPipes {
                stdout: (stdout, stdout_write),
                stderr: (stderr, stderr_write),
            });
        }
    }

    /// Nothing left to read, but workers not reaped yet: a worker closes
    /// its pipes a moment before it can be reaped, or a worker closed them
    /// and runs on. Waits on their pidfds, which turn readable the moment
    /// each exits, so the exit is seen at once rather than after a sleep;
    /// where the kernel has no pidfd (before Linux 5.3), sleeps a little.
    fn wait_for_exits(&self, wait: Duration) {
        let pidfds: Vec<OwnedFd> = if self.reaping {
            self.workers
                .iter()
                .filter(|worker| worker.reaped.is_none())
                .filter_map(|worker| sys::pidfd_open(worker.pid))
                .collect()
        } else {
            Vec::new()
        };
        if pidfds.is_empty() {
            std::thread::sleep(wait.min(Duration::from_millis(2)));
            return;
        }
        let mut fds: Vec<PollFd<'_>> = pidfds
            .iter()
            .map(|fd| PollFd::new(fd.as_fd(), PollFlags::POLLIN))
            .collect();
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::ZERO);
        let _ = poll(&mut fds, timeout);
    }

    /// Ends one of a worker's pipes: sends what is left in it as lines,
    /// and hands back an output pipe's read end with its stream.
    fn close_pipe(
        &mut self,
        ctx: &mut DemoContext<'_>,
        position: usize,
        number: usize,
        channel_lines: &mut ChannelLines,
    ) -> Option<(Stream, OwnedFd)> {
        let worker = &mut self.workers[position];
        if number == usize::MAX {
            if let Some(channel) = worker.channel.as_mut() {
                channel.results = None;
                channel_lines.extend(
                    channel
                        .lines
                        .flush()
                        .into_iter()
                        .map(|line| (worker.index, line)),
                );
            }
            return None;
        }
        let mut pipe = worker.pipes.remove(number);
        emit_lines(ctx, worker, pipe.stream, pipe.lines.flush());
        if pipe.lines.dropped > 0 {
            let stream = match pipe.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            };
            ctx.note(format!(
                "{} printed {} more lines on {stream} than are shown",
                worker.label, pipe.lines.dropped
            ));
        }
        Some((pipe.stream, pipe.fd))
    }

    fn reap_ended(&mut self, ctx: &mut DemoContext<'_>) -> Result<(), DemoError> {
        let sweep = self.last_sweep.elapsed() >= REAP_SWEEP;
        if sweep {
            self.last_sweep = Instant::now();
        }
        for worker in &mut self.workers {
            if worker.reaped.is_none() && (sweep || worker.open_fds() == 0) {
                match sys::try_reap(worker.pid) {
                    Ok(Some(reaped)) => worker.reaped = Some(reaped),
                    Ok(None) => {}
                    Err(error) if error.raw_os_error() == Some(libc::ECHILD) => {
                        // Someone else reaped it; nothing more to learn.
                        worker.reaped = Some(Reaped {
                            status: ExitStatus::Code(-1),
                            cpu_us: 0,
                            max_rss_kb: 0,
                        });
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            // A worker is finished once reaped and its output drained. A
            // descendant still holding the pipes open is not waited for.
            if let Some(reaped) = &worker.reaped
                && !worker.finished
                && (worker.open_fds() == 0 || ctx.timed_out)
            {
                worker.finished = true;
                worker.pipes.clear();
                worker.exit_watch = None;
                let event = Event::Exited {
                    worker: worker.index,
                    pid: worker.pid.as_raw(),
                    status: reaped.status.clone(),
                    cpu_us: reaped.cpu_us,
                    max_rss_kb: reaped.max_rss_kb,
                    t_us: ctx.t_us(),
                };
                ctx.emit(event);
            }
        }
        Ok(())
    }

    /// Sends `signal` to every process in the group.
    pub fn signal_all(&self, signal: Signal) {
        if let Some(pgid) = self.pgid {
            let _ = killpg(pgid, signal);
        }
    }

    /// Kills every worker and reaps them all, blocking until done.
    pub fn kill_all(&mut self) {
        self.signal_all(Signal::SIGKILL);
        for worker in &mut self.workers {
            worker.pipes.clear();
            worker.channel = None;
            worker.exit_watch = None;
            if worker.reaped.is_none() {
                let _ = nix::sys::signal::kill(worker.pid, Signal::SIGKILL);
                worker.reaped = Some(sys::reap_blocking(worker.pid).unwrap_or(Reaped {
                    status: ExitStatus::Signal("SIGKILL".to_string()),
                    cpu_us: 0,
                    max_rss_kb: 0,
                }));
            }
        }
    }

    /// Kills every worker, reaps them, and reports each one not reported
    /// yet with its `Exited` event, so the summary shows how they ended.
    pub fn kill_all_reporting(&mut self, ctx: &mut DemoContext<'_>) {
        self.kill_all();
        for worker in &mut self.workers {
            if let Some(reaped) = worker.reaped.as_ref().filter(|_| !worker.finished) {
                let event = Event::Exited {
                    worker: worker.index,
                    pid: worker.pid.as_raw(),
                    status: reaped.status.clone(),
                    cpu_us: reaped.cpu_us,
                    max_rss_kb: reaped.max_rss_kb,
                    t_us: ctx.t_us(),
                };
                ctx.emit(event);
            }
            worker.finished = true;
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if self.workers.iter().any(|worker| worker.reaped.is_none()) {
            self.kill_all();
        }
    }
}

/// Sends each of `lines`, which `worker` printed on `stream`.
fn emit_lines(ctx: &mut DemoContext<'_>, worker: &Worker, stream: Stream, lines: Vec<String>) {
    for text in lines {
        let event = Event::Line {
            worker: worker.index,
            pid: worker.pid.as_raw(),
            stream,
            text,
            t_us: ctx.t_us(),
        };
        ctx.emit(event);
    }
}

/// `mptutor worker <task…>`, by the path of the running binary.
fn spawn_command(task: &WorkerTask) -> Result<(CString, Vec<CString>), DemoError> {
    let exe = std::env::current_exe()
        .map_err(|error| DemoError::Os(format!("cannot find mptutor's binary: {error}")))?;
    let program = CString::new(exe.as_os_str().as_encoded_bytes())
        .map_err(|_| DemoError::Os("mptutor's path contains a NUL byte".to_string()))?;
    let mut argv = vec![program.clone(), c"worker".to_owned()];
    for word in task.to_args() {
        argv.push(
            CString::new(word)
                .map_err(|_| DemoError::Os("a worker argument contains a NUL byte".to_string()))?,
        );
    }
    Ok((program, argv))
}
