//! A demo's process workers: started in one process group (by fork, by
//! spawn, or by the run's fork server), read with `poll` on the calling
//! thread, reaped with their resource usage (or, for the fork server's,
//! told of it by the server that reaped them), and killed together with
//! `killpg` when the demo ends, times out or is interrupted. Dropping a
//! [`ProcessGroup`] kills and reaps whatever is left, so no path out of a
//! demo leaves a zombie or a stray process.

mod launch;
mod read;
mod reap;
mod start;

use std::borrow::Cow;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;

use nix::unistd::Pid;
use smallvec::SmallVec;

use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{ExitStatus, Stream, WorkerIndex};
use crate::engine::forkserver::StatusPipe;
use crate::engine::lines::LineSplitter;
use crate::engine::sys::Reaped;

pub use start::Spawn;

/// The longest a single poll waits, so Ctrl-C and the timeout are noticed
/// quickly even when no worker prints anything.
const POLL_SLICE: Duration = Duration::from_millis(20);

/// How often a worker whose pipes are still open is asked whether it has
/// ended (one closes its pipes as it exits, and is asked every round). A
/// pool round trip takes microseconds, and a `wait4` per worker per round
/// was most of its system calls; only a worker that exits while a process
/// it started holds its pipes waits this long to be seen.
const REAP_SWEEP: Duration = Duration::from_millis(20);

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

/// How mptutor learns that a worker the fork server forked has exited.
///
/// It is not mptutor's child, so mptutor cannot `wait4` it: the server
/// reaps it and reports its exit on the worker's status pipe. As with
/// [`ExitWatch`], mptutor keeps copies of the ends the worker writes to
/// until then, so its exit shows once, as a record, and its pipes end
/// only after it.
struct ServerWatch {
    status: StatusPipe,
    /// The ends the worker writes its stdout and stderr to.
    _output: [OwnedFd; 2],
    _results: Option<OwnedFd>,
}

/// `P1`, `P2`, …: the labels of the first workers, made once.
static LABELS: LazyLock<Vec<String>> =
    LazyLock::new(|| (1..=64).map(|number| format!("P{number}")).collect());

/// The tag of the worker at `place` in its run (from 0; see
/// [`crate::engine::RunContext::place_in_run`]).
pub fn label(place: usize) -> Cow<'static, str> {
    match LABELS.get(place) {
        Some(label) => Cow::Borrowed(label),
        None => Cow::Owned(format!("P{}", place + 1)),
    }
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
    /// For a worker the fork server forked: `None` once its exit has been
    /// reported.
    server: Option<ServerWatch>,
    /// The fork server forked it: the server, not mptutor, reaps it.
    by_server: bool,
    reaped: Option<Reaped>,
    /// When the fork server reaped it: its `Exited` event's time, however
    /// much later mptutor reads of it or joins it.
    reaped_t_us: Option<u64>,
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
    /// The group's id: the first worker's pid (under forkserver, the pid
    /// of the worker that leads the group now, see
    /// [`ProcessGroup::follow_group`]).
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
    /// The keepers of the programs started with
    /// [`spawn_program`](ProcessGroup::spawn_program): dropped (and so
    /// reaped) after the workers they keep.
    keepers: Vec<crate::engine::keeper::Keeper>,
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
            keepers: Vec::new(),
        }
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
        ctx: &mut RunContext<'_>,
        wait: Duration,
    ) -> Result<ChannelLines, EngineError> {
        self.pump_waking(ctx, wait, None)
    }

    /// [`ProcessGroup::pump`], whose wait also ends as soon as `wake` is
    /// readable (the caller reads it).
    pub fn pump_waking(
        &mut self,
        ctx: &mut RunContext<'_>,
        wait: Duration,
        wake: Option<BorrowedFd<'_>>,
    ) -> Result<ChannelLines, EngineError> {
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(EngineError::Interrupted);
        }
        let mut channel_lines = Vec::new();
        self.read_ready(ctx, wait.min(POLL_SLICE), wake, &mut channel_lines)?;
        if self.reaping {
            self.reap_ended(ctx)?;
        }
        Ok(channel_lines)
    }

    /// Ends the keepers of the programs this group started, once their
    /// workers have finished: each kills what is left of its run, if
    /// anything, and is reaped, so its CPU time and its program's count
    /// among this process's reaped children from here on.
    pub fn release_keepers(&mut self) {
        self.keepers.clear();
    }

    /// Pumps until every worker has finished. At the timeout, every worker
    /// is killed (and reported with its signal).
    pub fn wait_all(&mut self, ctx: &mut RunContext<'_>) -> Result<ChannelLines, EngineError> {
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
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if self.workers.iter().any(|worker| worker.reaped.is_none()) {
            self.kill_all();
        }
    }
}
