//! Starting workers: by fork, by spawn, by the run's fork server, or an
//! arbitrary program.

use std::borrow::Cow;
use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use nix::unistd::Pid;
use smallvec::SmallVec;

use super::{Channel, ExitWatch, Pipe, ProcessGroup, ServerWatch, Worker, label};

use crate::engine::context::{EngineError, RunContext, StartMethod};
use crate::engine::event::{Event, Stream, WorkerIndex, WorkerKind};
use crate::engine::forkserver::StatusPipe;
use crate::engine::keeper::{Keeper, KeptProgram};
use crate::engine::lines::LineSplitter;
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::sys::{self, ChildBody};
use crate::engine::task::Task;

/// One worker for [`ProcessGroup::spawn_all`] to start.
pub struct Spawn<'a> {
    pub index: WorkerIndex,
    /// The name a Python programmer would see, e.g. `Process-1`.
    pub name: Cow<'static, str>,
    pub task: &'a Task,
}

/// Workers started in one batch without a heap allocation.
pub(super) const INLINE_BATCH: usize = 4;

/// What one worker needs made before it is forked.
pub(super) struct Ready {
    pub(super) output: sys::OutputPipes,
    /// The request pipe's read end and the result pipe's write end, for
    /// the child (a pool worker's).
    pub(super) child_ends: Option<[OwnedFd; 2]>,
    pub(super) channel: Option<Channel>,
    /// The program and arguments to run, for the spawn start method.
    exec: Option<(CString, Vec<CString>)>,
}

impl Ready {
    fn new(worker: &Spawn<'_>, channel: bool, start: StartMethod) -> Result<Ready, EngineError> {
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
            StartMethod::ForkServer => (sys::OutputPipes::new()?, None),
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
pub(super) struct Fresh {
    pub(super) forked: sys::Forked,
    /// Requests to it and results from it, for a pool worker.
    pub(super) channel: Option<Channel>,
    /// The end it writes results to (kept, see [`ExitWatch`]).
    pub(super) result_write: Option<OwnedFd>,
    /// Whether its output pipes may go to the next worker.
    pub(super) recycle: bool,
    /// Who forked it: mptutor, or the fork server.
    pub(super) parent: Pid,
    /// Where the fork server reports its exit, for the server's workers.
    pub(super) status: Option<StatusPipe>,
    /// When the server forked it (CLOCK_MONOTONIC), for the server's
    /// workers; a forked one starts now.
    pub(super) forked_ns: Option<u64>,
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
pub(super) fn keep_pipes(pipes: sys::OutputPipes) {
    SPARE_PIPES.with_borrow_mut(|spare| {
        if spare.pid == std::process::id() && spare.pipes.len() < MAX_SPARE_PIPES {
            spare.pipes.push(pipes);
        }
    });
}

impl ProcessGroup {
    /// Starts a worker running `task`, by the context's start method.
    /// With `channel`, the worker also gets a request pipe on fd 3 and a
    /// result pipe on fd 4 (pool workers).
    pub fn spawn(
        &mut self,
        ctx: &mut RunContext<'_>,
        index: WorkerIndex,
        name: impl Into<Cow<'static, str>>,
        task: &Task,
        channel: bool,
    ) -> Result<Pid, EngineError> {
        let spawn = Spawn {
            index,
            name: name.into(),
            task,
        };
        let pids = self.spawn_all(ctx, [spawn], channel)?;
        pids.first()
            .copied()
            .ok_or_else(|| EngineError::Refused("no worker was started".into()))
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
        ctx: &mut RunContext<'_>,
        workers: impl IntoIterator<Item = Spawn<'t>>,
        channel: bool,
    ) -> Result<SmallVec<[Pid; INLINE_BATCH]>, EngineError> {
        // Starting 64 workers by spawn takes a few hundred milliseconds on
        // a small machine, so Ctrl-C is checked before each one too, not
        // only by `pump` once they all run.
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(EngineError::Interrupted);
        }
        self.forget_empty_group();
        // Only a forked copy running mptutor's own task leaves its pipes
        // to nobody else (see `SparePipes`).
        let recycle = ctx.start_method == StartMethod::Fork;
        let mut ready: SmallVec<[(Spawn<'t>, Ready); INLINE_BATCH]> = SmallVec::new();
        for worker in workers {
            let made = Ready::new(&worker, channel, ctx.start_method)?;
            ready.push((worker, made));
        }
        if ctx.start_method == StartMethod::ForkServer {
            return self.launch_all(ctx, ready);
        }
        let parent = nix::unistd::getpid();
        let mut forked: SmallVec<[_; INLINE_BATCH]> = SmallVec::new();
        let mut failed = None;
        let batch = ready.len();
        match sys::ForkGate::open() {
            Ok(gate) => {
                for (place, (worker, ready)) in ready.into_iter().enumerate() {
                    if !forked.is_empty() && ctx.interrupted() {
                        failed = Some(EngineError::Interrupted);
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
                            let what = if batch > 1 {
                                format!("process {} of {batch}", place + 1)
                            } else {
                                ctx.worker_place("process", worker.index)
                            };
                            failed = Some(
                                explain_refusal(NewTask::Process, what, &error)
                                    .unwrap_or_else(|| error.into()),
                            );
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
                parent,
                status: None,
                forked_ns: None,
            };
            pids.push(self.adopt(ctx, worker.index, worker.name, fresh));
        }
        match failed {
            Some(EngineError::Interrupted) => {
                self.kill_all_reporting(ctx);
                Err(EngineError::Interrupted)
            }
            Some(error @ EngineError::StartRefused { .. }) => {
                // The run cannot go on as asked: the workers it has are
                // stopped now and shown so, not left "running" on screen.
                self.kill_all_reporting(ctx);
                Err(error)
            }
            Some(error) => Err(error),
            None => Ok(pids),
        }
    }

    /// Starts a program as a worker, through a keeper (see
    /// [`crate::engine::keeper`]): the keeper, mptutor's child, forks and
    /// executes `program` in a process group the program leads, reaps it,
    /// and reports how it ended once nothing it started is left. The
    /// worker's parent is the keeper. How a student's Python example runs.
    pub fn spawn_program(
        &mut self,
        ctx: &mut RunContext<'_>,
        index: WorkerIndex,
        name: &str,
        program: KeptProgram,
    ) -> Result<Pid, EngineError> {
        if ctx.interrupted() {
            self.kill_all_reporting(ctx);
            return Err(EngineError::Interrupted);
        }
        let output = sys::OutputPipes::new()?;
        let (keeper, launched) =
            Keeper::start(program, output.stdout.1.as_fd(), output.stderr.1.as_fd())?;
        let parent = keeper.pid();
        self.keepers.push(keeper);
        self.follow_group(launched.pgid);
        let fresh = Fresh {
            forked: sys::Forked {
                pid: launched.pid,
                output,
            },
            channel: None,
            result_write: None,
            recycle: false,
            parent,
            status: Some(launched.status),
            forked_ns: Some(launched.forked_ns),
        };
        Ok(self.adopt(ctx, index, Cow::Owned(name.to_string()), fresh))
    }

    /// A group whose every member has been reaped is gone, and no process
    /// can join it again: the next worker (a pool replacing its last one)
    /// leads a new group, which is the one signalled from then on.
    fn forget_empty_group(&mut self) {
        if !self.workers.is_empty() && self.workers.iter().all(|worker| worker.reaped.is_some()) {
            self.pgid = None;
        }
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
    pub(super) fn adopt(
        &mut self,
        ctx: &mut RunContext<'_>,
        index: WorkerIndex,
        name: Cow<'static, str>,
        fresh: Fresh,
    ) -> Pid {
        let Fresh {
            forked,
            channel: parent_channel,
            result_write,
            recycle,
            parent,
            status,
            forked_ns,
        } = fresh;
        let label = label(ctx.place_in_run(index));
        ctx.emit(Event::Started {
            worker: index,
            label: label.clone(),
            name,
            kind: WorkerKind::Process,
            pid: forked.pid.as_raw(),
            ppid: parent.as_raw(),
            t_us: forked_ns.map_or_else(|| ctx.t_us(), |ns| ctx.t_us_of_monotonic(ns)),
        });
        let sys::OutputPipes {
            stdout: (stdout, stdout_write),
            stderr: (stderr, stderr_write),
        } = forked.output;
        let by_server = status.is_some();
        let (exit_watch, server) = match status {
            Some(status) => (
                None,
                Some(ServerWatch {
                    status,
                    _output: [stdout_write, stderr_write],
                    _results: result_write,
                }),
            ),
            None => (
                sys::pidfd_open(forked.pid).map(|pidfd| ExitWatch {
                    pidfd,
                    output: [stdout_write, stderr_write],
                    _results: result_write,
                }),
                None,
            ),
        };
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
            server,
            by_server,
            reaped: None,
            reaped_t_us: None,
            finished: false,
        });
        forked.pid
    }
}

/// `mptutor worker <task…>`, by the path of the running binary.
fn spawn_command(task: &Task) -> Result<(CString, Vec<CString>), EngineError> {
    let exe = std::env::current_exe().map_err(EngineError::cannot("find mptutor's binary"))?;
    let program = CString::new(exe.as_os_str().as_encoded_bytes())
        .map_err(|_| EngineError::Refused("mptutor's path contains a NUL byte".to_string()))?;
    let mut argv = vec![program.clone(), c"worker".to_owned()];
    for word in task.to_words() {
        argv.push(CString::new(word).map_err(|_| {
            EngineError::Refused("a worker argument contains a NUL byte".to_string())
        })?);
    }
    Ok((program, argv))
}
