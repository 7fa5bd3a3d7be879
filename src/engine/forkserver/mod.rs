//! The `forkserver` start method, as Python has used by default on Linux
//! since 3.14: a server process forked once per run, early, from a
//! single-threaded mptutor, forks each worker when mptutor asks.
//!
//! Why a server at all: a program that has started threads cannot safely
//! fork (a lock held by another thread would stay locked in the child), and
//! one that has grown large pays for copying its page tables at every fork.
//! The server is forked while mptutor is still small and single-threaded
//! and stays that way, so every worker it forks is a clean copy of that
//! moment, whatever mptutor does afterwards.
//!
//! What a student can see: a forkserver worker's parent is the server, not
//! mptutor (`Event::Started.ppid`, `os.getppid()` in Python), and it is the
//! server that reaps it, the moment it exits, then passes its exit status
//! on, so the program itself never sees a zombie.
//!
//! The pieces: [`ForkServer`] is mptutor's side (start, ask for a worker,
//! stop), [`server`] the server's loop, [`wire`] the messages between them.
//! The server lives in a process group of its own (the terminal's Ctrl-C
//! never reaches it: mptutor decides what stops), dies with mptutor
//! (PR_SET_PDEATHSIG), and its workers die with it the same way, so the
//! chain holds when mptutor is killed with `kill -9`.

mod server;
pub mod wire;

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::engine::error::EngineError;
use crate::engine::sys;
use crate::engine::task::Bodies;
use wire::{Record, Request};

/// How long mptutor waits for the server to fork a worker and say so. A
/// fork takes microseconds; only a stuck server takes this long.
const LAUNCH_PATIENCE: Duration = Duration::from_secs(10);
/// How long the server may take to stop its workers and exit at the end
/// of a run before it is killed.
const STOP_PATIENCE: Duration = Duration::from_secs(2);

/// mptutor's side of a running fork server. Dropping it ends the run's
/// server: its control socket closes, so it kills and reaps whatever it
/// still runs and exits, and mptutor reaps it.
pub struct ForkServer {
    pid: Pid,
    /// `None` once closed, on drop.
    control: Option<OwnedFd>,
}

/// A worker the server has just forked.
pub struct Launched {
    pub pid: Pid,
    /// The process group it is in.
    pub pgid: Pid,
    /// CLOCK_MONOTONIC just before it was forked.
    pub forked_ns: u64,
    /// Where its exit will be reported.
    pub status: StatusPipe,
}

impl ForkServer {
    /// Forks the server from this single-threaded process (refused with
    /// more than one thread, like every fork). It finds the bodies it is
    /// asked for among `bodies`.
    pub fn start(bodies: Bodies) -> Result<ForkServer, EngineError> {
        let (ours, theirs) = sys::socket::seqpacket_pair()?;
        let gate = sys::ForkGate::open()?;
        let pid = gate.fork_service(
            &[theirs.as_raw_fd()],
            sys::Tether::DeathSignal,
            move |gate, kept| match kept.into_iter().next() {
                Some(control) => server::serve(gate, control, bodies),
                None => 127,
            },
        )?;
        drop(theirs);
        Ok(ForkServer {
            pid,
            control: Some(ours),
        })
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Asks the server for a worker running `request`, writing into
    /// `stdout` and `stderr`, with `extra` as its fds 3, 4; returns once it
    /// is forked (or refused). The server gets copies of the descriptors;
    /// mptutor's own stay open.
    pub fn launch(
        &self,
        request: &Request,
        stdout: BorrowedFd<'_>,
        stderr: BorrowedFd<'_>,
        extra: &[BorrowedFd<'_>],
    ) -> Result<Launched, EngineError> {
        let control = self
            .control
            .as_ref()
            .ok_or_else(|| EngineError::Refused("the fork server has been stopped".into()))?;
        let (status_read, status_write) = sys::pipe()?;
        fcntl(&status_read, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        let mut fds = vec![stdout, stderr, status_write.as_fd()];
        fds.extend_from_slice(extra);
        let request = Request {
            extra_fds: extra.len(),
            ..request.clone()
        };
        sys::socket::send_with_fds(control.as_fd(), &request.encode(), &fds).map_err(|error| {
            EngineError::Refused(format!(
                "the fork server (pid {}) is not answering ({error}); run the demo again",
                self.pid
            ))
        })?;
        // Only the server holds the write end now: the pipe ends when it
        // has reported the worker's exit, or when it dies.
        drop(fds);
        drop(status_write);
        let mut status = StatusPipe::new(status_read);
        match status.hear_within(Instant::now() + LAUNCH_PATIENCE) {
            Heard::Record(Record::Started {
                pid,
                pgid,
                forked_ns,
            }) => Ok(Launched {
                pid: Pid::from_raw(pid),
                pgid: Pid::from_raw(pgid),
                forked_ns,
                status,
            }),
            Heard::Record(Record::Refused { why }) => Err(EngineError::Refused(format!(
                "the fork server refused to start `{}`: {why}",
                request.body
            ))),
            Heard::Record(Record::LimitReached { why }) => Err(EngineError::StartRefused {
                what: format!("`{}`", request.body),
                why,
            }),
            Heard::Record(Record::Exited { .. }) | Heard::Ended => {
                Err(EngineError::Refused(format!(
                    "the fork server (pid {}) stopped before starting `{}`; run the demo again",
                    self.pid, request.body
                )))
            }
            Heard::Nothing => Err(EngineError::Refused(format!(
                "the fork server (pid {}) did not start `{}` within {} s",
                self.pid,
                request.body,
                LAUNCH_PATIENCE.as_secs()
            ))),
        }
    }
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        self.control = None;
        let deadline = Instant::now() + STOP_PATIENCE;
        loop {
            match sys::try_reap(self.pid) {
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Ok(None) => {
                    let _ = kill(self.pid, Signal::SIGKILL);
                    let _ = sys::reap_blocking(self.pid);
                    return;
                }
                Ok(Some(_)) | Err(_) => return,
            }
        }
    }
}

/// What a status pipe said.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    Record(Record),
    /// Nothing yet.
    Nothing,
    /// The pipe has ended (the server closed it, or died), or said
    /// something that is not a record.
    Ended,
}

/// mptutor's end of one worker's status pipe: what the server reports
/// about that worker, a line a record.
pub struct StatusPipe {
    fd: OwnedFd,
    /// Bytes read but not yet a whole line.
    pending: Vec<u8>,
    ended: bool,
}

impl StatusPipe {
    pub(crate) fn new(fd: OwnedFd) -> StatusPipe {
        StatusPipe {
            fd,
            pending: Vec::new(),
            ended: false,
        }
    }

    /// For `poll`.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The next record, without waiting.
    pub fn hear(&mut self) -> Heard {
        loop {
            if let Some(end) = self.pending.iter().position(|byte| *byte == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).collect();
                return match Record::decode_line(&line[..end]) {
                    Ok(record) => Heard::Record(record),
                    Err(_) => {
                        self.ended = true;
                        Heard::Ended
                    }
                };
            }
            if self.ended {
                return Heard::Ended;
            }
            let mut buffer = [0u8; 512];
            match nix::unistd::read(&self.fd, &mut buffer) {
                Ok(0) => self.ended = true,
                Ok(count) => self.pending.extend_from_slice(&buffer[..count]),
                Err(nix::errno::Errno::EINTR) => {}
                Err(nix::errno::Errno::EAGAIN) => return Heard::Nothing,
                Err(_) => self.ended = true,
            }
        }
    }

    /// The next record, waiting for it until `deadline`; `Nothing` if it
    /// has not come by then.
    pub fn hear_within(&mut self, deadline: Instant) -> Heard {
        loop {
            match self.hear() {
                Heard::Nothing => {}
                heard => return heard,
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Heard::Nothing;
            }
            let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
            let timeout = PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX);
            match poll(&mut fds, timeout) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(_) => return Heard::Ended,
            }
        }
    }
}
