//! The fork server's loop: the process that forks every worker of a
//! `forkserver` run and is their parent.
//!
//! It waits, with one `poll`, for a request on its control socket or for
//! one of its children to exit (a pidfd per child; where the kernel has
//! none, it looks every few milliseconds). A request is checked, its body
//! found by name among the run's bodies, and the worker forked with the
//! same set-up as every worker (`sys::fork`); its pid goes back on the
//! worker's status pipe at once. A child that exits is reaped at once with
//! `wait4`, so it is never a zombie for longer than the server takes to
//! wake, and its exit status, CPU time and peak memory go back on the same
//! pipe, which is then closed. When mptutor closes the control socket the
//! run is over: the server kills whatever it still runs, reaps it, and
//! exits.
//!
//! The server is single-threaded and is the only one that reaps its
//! children, so while it handles a request none of them can vanish: a
//! process group that still has a member when the request is read still
//! has it when the worker joins.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use super::wire::{MAX_REQUEST, Record, Request};
use crate::engine::error::EngineError;
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::sys::{self, ForkGate, Reaped};
use crate::engine::task::{Bodies, monotonic_ns, task_from_words};

/// How often children are looked at where the kernel has no pidfd.
const SWEEP: Duration = Duration::from_millis(5);

/// A worker the server forked and has not reaped yet.
struct Child {
    pid: Pid,
    /// Where its pid went and its exit goes.
    status: OwnedFd,
    /// Readable once it has exited; `None` before Linux 5.3.
    pidfd: Option<OwnedFd>,
}

/// Serves requests on `control` until mptutor closes it; the exit code.
pub(super) fn serve(gate: &ForkGate, control: OwnedFd, bodies: Bodies) -> i32 {
    let mut children: Vec<Child> = Vec::new();
    let mut buffer = vec![0u8; MAX_REQUEST + 1];
    while let Ok(request_waiting) = wait(&control, &children) {
        reap_ended(&mut children);
        if request_waiting {
            match sys::socket::receive_with_fds(control.as_fd(), &mut buffer) {
                Ok(Some(message)) => {
                    let bytes = &buffer[..message.len.min(buffer.len())];
                    if let Some(child) = start(gate, bodies, bytes, message.truncated, message.fds)
                    {
                        children.push(child);
                    }
                }
                // mptutor closed its end: the run is over.
                Ok(None) | Err(_) => break,
            }
        }
    }
    shut_down(children);
    0
}

/// Waits for a request or a child's exit; true when a request (or the
/// end of the control socket) is waiting.
fn wait(control: &OwnedFd, children: &[Child]) -> nix::Result<bool> {
    let mut fds = Vec::with_capacity(children.len() + 1);
    fds.push(PollFd::new(control.as_fd(), PollFlags::POLLIN));
    fds.extend(
        children
            .iter()
            .filter_map(|child| child.pidfd.as_ref())
            .map(|pidfd| PollFd::new(pidfd.as_fd(), PollFlags::POLLIN)),
    );
    let watched = fds.len() - 1;
    let timeout = if watched < children.len() {
        PollTimeout::try_from(SWEEP).unwrap_or(PollTimeout::ZERO)
    } else {
        PollTimeout::NONE
    };
    match poll(&mut fds, timeout) {
        Ok(_) => Ok(fds[0].revents().is_some_and(|events| !events.is_empty())),
        Err(nix::errno::Errno::EINTR) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Reads one request and forks its worker; the child to watch, or `None`
/// when the request was refused (and the refusal written where the status
/// pipe, if one came, lets mptutor read it).
fn start(
    gate: &ForkGate,
    bodies: Bodies,
    bytes: &[u8],
    truncated: bool,
    fds: Vec<OwnedFd>,
) -> Option<Child> {
    let refuse = |fds: Vec<OwnedFd>, why: String| {
        if let Some(status) = fds.into_iter().nth(2) {
            write_record(&status, &Record::Refused { why });
        }
        None
    };
    if truncated {
        return refuse(fds, "the request was cut off".into());
    }
    let request = match Request::decode(bytes, fds.len()) {
        Ok(request) => request,
        Err(error) => return refuse(fds, error.to_string()),
    };
    let words: Vec<String> = std::iter::once(request.body.clone())
        .chain(request.args.iter().cloned())
        .collect();
    let Some(task) = task_from_words(bodies, &words) else {
        let known: Vec<&str> = bodies.iter().map(|body| body.name).collect();
        return refuse(
            fds,
            format!(
                "no worker body is called {:?}; this run knows {}",
                request.body,
                known.join(", ")
            ),
        );
    };
    // A group with nobody left in it is gone and cannot be joined; the
    // worker then leads a new one, and says so in its record.
    let group = request
        .group
        .map(Pid::from_raw)
        .filter(|group| killpg(*group, None).is_ok());
    let mut fds = fds.into_iter();
    let (Some(stdout), Some(stderr), Some(status)) = (fds.next(), fds.next(), fds.next()) else {
        return None;
    };
    let extra: Vec<OwnedFd> = fds.collect();
    let extra_raw: Vec<i32> = extra.iter().map(AsRawFd::as_raw_fd).collect();
    let forked_ns = monotonic_ns();
    let pid = match gate.fork_task(
        group,
        stdout.as_raw_fd(),
        stderr.as_raw_fd(),
        &extra_raw,
        &task,
    ) {
        Ok(pid) => pid,
        Err(error) => {
            // The server shares mptutor's user and control group, so the
            // limits it reads are the ones that refused the fork.
            let record = match explain_refusal(NewTask::Process, String::new(), &error) {
                Some(EngineError::StartRefused { why, .. }) => Record::LimitReached { why },
                _ => Record::Refused {
                    why: format!("fork failed: {error}"),
                },
            };
            write_record(&status, &record);
            return None;
        }
    };
    // The child joins its group itself too; doing it here as well means
    // the group holds it before mptutor learns its pid and might signal it.
    let pgid = group.unwrap_or(pid);
    let _ = nix::unistd::setpgid(pid, pgid);
    write_record(
        &status,
        &Record::Started {
            pid: pid.as_raw(),
            pgid: pgid.as_raw(),
            forked_ns,
        },
    );
    Some(Child {
        pid,
        status,
        pidfd: sys::pidfd_open(pid),
    })
}

/// Reaps every child that has exited and reports each on its status pipe.
fn reap_ended(children: &mut Vec<Child>) {
    while let Ok(Some((pid, reaped))) = sys::try_reap_any() {
        if let Some(at) = children.iter().position(|child| child.pid == pid) {
            let child = children.swap_remove(at);
            report_exit(&child, reaped);
        }
    }
}

fn report_exit(child: &Child, reaped: Reaped) {
    write_record(
        &child.status,
        &Record::Exited {
            status: reaped.status,
            cpu_us: reaped.cpu_us,
            max_rss_kb: reaped.max_rss_kb,
            reaped_ns: monotonic_ns(),
        },
    );
}

/// The run is over: kills every child still running, reaps and reports it.
fn shut_down(children: Vec<Child>) {
    for child in &children {
        let _ = kill(child.pid, Signal::SIGKILL);
    }
    for child in children {
        if let Some(reaped) = sys::reap_blocking(child.pid) {
            report_exit(&child, reaped);
        }
    }
}

/// Writes one record in one `write` (a line well under `PIPE_BUF` is never
/// interleaved). A reader that is gone is no error of the server's.
fn write_record(status: &OwnedFd, record: &Record) {
    let line = record.encode_line();
    let mut unsent = &line[..];
    while !unsent.is_empty() {
        match nix::unistd::write(status, unsent) {
            Ok(written) => unsent = &unsent[written..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return,
        }
    }
}
