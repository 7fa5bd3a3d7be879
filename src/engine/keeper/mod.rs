//! A run's keeper: the small process between mptutor and a program it
//! executes (a student's Python example), whose one job is that nothing
//! the program starts outlives the run, whatever ends mptutor.
//!
//! Why a process of its own: a program's children can leave its process
//! group (`os.setsid()`), be started by code that runs no at-fork hooks
//! (`subprocess`), or be orphaned when their parent exits; and mptutor
//! itself may die of SIGKILL, when no cleanup of its own can run. So
//! mptutor forks the keeper, which makes itself a child subreaper
//! (PR_SET_CHILD_SUBREAPER) and then forks and executes the program:
//! every orphan among the program's descendants, however it got there,
//! becomes the keeper's child. When the program exits, when mptutor's end
//! of the keeper's lifeline closes (mptutor is gone, by any signal, or
//! dropped its [`Keeper`]), the keeper kills every child it has and reaps
//! it, over and over, until it has none: then nothing of the run is left.
//!
//! The keeper ignores SIGHUP, SIGINT, SIGTERM and SIGQUIT, so closing the
//! terminal or `kill` cannot take it away before it has cleaned up; only
//! SIGKILL can. It talks to mptutor as the fork server does, on a status
//! pipe ([`wire::Record`](super::forkserver::wire::Record)): the program's
//! pid, then how it ended, with the CPU time and peak memory `wait4` gave
//! the keeper; the CPU time also counts the orphans the keeper reaped (a
//! fork server, with the workers it reaped), so it is the whole run's.
//! That record comes once everything the program started is gone, so a
//! run whose program has been reported ended has nothing left.

mod keep;

use std::ffi::CString;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::engine::error::EngineError;
use crate::engine::forkserver::wire::Record;
use crate::engine::forkserver::{Heard, Launched, StatusPipe};
use crate::engine::sys;

/// How long mptutor waits for the keeper to start the program and say so.
const START_PATIENCE: Duration = Duration::from_secs(10);
/// How long the keeper may take to kill and reap what is left and exit,
/// once asked to, before mptutor kills it.
const STOP_PATIENCE: Duration = Duration::from_secs(5);

/// What the keeper executes, and how.
#[derive(Debug, Clone)]
pub struct KeptProgram {
    pub program: CString,
    pub argv: Vec<CString>,
    /// The whole environment, `KEY=value` entries.
    pub env: Vec<CString>,
    /// Its working folder; `None` keeps mptutor's.
    pub cwd: Option<PathBuf>,
    /// At most this many bytes of address space (RLIMIT_AS) for the
    /// program and everything it starts.
    pub memory_limit: Option<u64>,
}

/// mptutor's side of a running keeper. Dropping it ends the run: the
/// lifeline closes, so the keeper kills whatever of the run is left and
/// exits, and mptutor reaps it.
pub struct Keeper {
    pid: Pid,
    /// `None` once closed.
    lifeline: Option<OwnedFd>,
}

impl Keeper {
    /// Forks a keeper from this single-threaded process, which starts
    /// `program` writing into `stdout` and `stderr` in a process group the
    /// program leads; returns once it has started (or could not).
    pub fn start(
        program: KeptProgram,
        stdout: BorrowedFd<'_>,
        stderr: BorrowedFd<'_>,
    ) -> Result<(Keeper, Launched), EngineError> {
        let (ours, theirs) = sys::socket::seqpacket_pair()?;
        let (status_read, status_write) = sys::pipe()?;
        fcntl(&status_read, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        let gate = sys::ForkGate::open()?;
        let keep = [
            theirs.as_raw_fd(),
            status_write.as_raw_fd(),
            stdout.as_raw_fd(),
            stderr.as_raw_fd(),
        ];
        let pid = gate.fork_service(&keep, sys::Tether::Lifeline, move |gate, kept| {
            keep::keep(gate, kept, program)
        })?;
        drop(theirs);
        drop(status_write);
        let keeper = Keeper {
            pid,
            lifeline: Some(ours),
        };
        let mut status = StatusPipe::new(status_read);
        match status.hear_within(Instant::now() + START_PATIENCE) {
            Heard::Record(Record::Started {
                pid,
                pgid,
                forked_ns,
            }) => {
                let launched = Launched {
                    pid: Pid::from_raw(pid),
                    pgid: Pid::from_raw(pgid),
                    forked_ns,
                    status,
                };
                Ok((keeper, launched))
            }
            Heard::Record(Record::Refused { why }) => Err(EngineError::Refused(why)),
            Heard::Record(Record::LimitReached { why }) => Err(EngineError::StartRefused {
                what: "the Python interpreter".to_string(),
                why,
            }),
            Heard::Record(Record::Exited { .. }) | Heard::Ended => Err(EngineError::Refused(
                format!("the run's keeper (pid {pid}) stopped before starting the program"),
            )),
            Heard::Nothing => Err(EngineError::Refused(format!(
                "the run's keeper (pid {pid}) did not start the program within {} s",
                START_PATIENCE.as_secs()
            ))),
        }
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }
}

impl Drop for Keeper {
    fn drop(&mut self) {
        self.lifeline = None;
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
