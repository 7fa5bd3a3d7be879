//! The keeper's side: start the program, wait for it (or for mptutor to
//! go), then kill and reap every process left until there is none.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use super::KeptProgram;
use crate::engine::error::EngineError;
use crate::engine::forkserver::wire::Record;
use crate::engine::start_refused::{NewTask, explain_refusal};
use crate::engine::sys::{self, ChildBody, ForkGate, Reaped};
use crate::engine::task::monotonic_ns;

/// How often the keeper wakes while the program runs, to reap orphans
/// that ended (they are its children, and would be zombies until then).
const SWEEP: Duration = Duration::from_millis(50);
/// The longest the keeper spends killing what is left: only a process
/// stuck in the kernel (state D) takes this long. What it could not reap
/// by then falls to mptutor, or to init.
const CLEANUP_PATIENCE: Duration = Duration::from_secs(5);

/// Runs the keeper: `kept` holds its lifeline, its status pipe, and the
/// program's stdout and stderr, in that order. The exit code.
pub(super) fn keep(gate: &ForkGate, kept: Vec<OwnedFd>, program: KeptProgram) -> i32 {
    let mut kept = kept.into_iter();
    let (Some(lifeline), Some(status), Some(stdout), Some(stderr)) =
        (kept.next(), kept.next(), kept.next(), kept.next())
    else {
        return 127;
    };
    sys::ignore_stop_signals();
    let refuse = |why: String| {
        write_record(&status, &Record::Refused { why });
        1
    };
    if let Err(error) = sys::set_child_subreaper(true) {
        return refuse(format!(
            "cannot adopt the program's orphans (PR_SET_CHILD_SUBREAPER): {error}"
        ));
    }
    if let Some(cwd) = &program.cwd
        && let Err(error) = std::env::set_current_dir(cwd)
    {
        return refuse(format!("cannot work in {}: {error}", cwd.display()));
    }
    let shown = program.program.to_string_lossy().into_owned();
    let body = ChildBody::ExecWithEnv {
        program: program.program,
        argv: program.argv,
        env: program.env,
        memory_limit: program.memory_limit,
    };
    let forked_ns = monotonic_ns();
    let pid = match gate.fork_body(None, stdout.as_raw_fd(), stderr.as_raw_fd(), body) {
        Ok(pid) => pid,
        Err(error) => {
            // The keeper shares mptutor's user and control group, so the
            // limits it reads are the ones that refused the fork.
            let record = match explain_refusal(NewTask::Process, String::new(), &error) {
                Some(EngineError::StartRefused { why, .. }) => Record::LimitReached { why },
                _ => Record::Refused {
                    why: format!("cannot start {shown}: {error}"),
                },
            };
            write_record(&status, &record);
            return 1;
        }
    };
    // The child leads its group itself too; doing it here as well means
    // the group exists before mptutor learns the pid and might signal it.
    let _ = nix::unistd::setpgid(pid, pid);
    // Only the program's processes hold its output pipes now, so they end
    // when the last of them is gone.
    drop((stdout, stderr));
    write_record(
        &status,
        &Record::Started {
            pid: pid.as_raw(),
            pgid: pid.as_raw(),
            forked_ns,
        },
    );
    let mut orphans_cpu_us = 0;
    let mut exit = wait_for_program(pid, &lifeline, &mut orphans_cpu_us);
    end_everything(pid, &mut exit, &mut orphans_cpu_us);
    if let Some((reaped, reaped_ns)) = exit {
        write_record(
            &status,
            &Record::Exited {
                status: reaped.status,
                // The run's CPU time: the program's with every process it
                // waited for, and the orphans the keeper reaped with every
                // process they waited for (a fork server's workers).
                cpu_us: reaped.cpu_us.saturating_add(orphans_cpu_us),
                max_rss_kb: reaped.max_rss_kb,
                reaped_ns,
            },
        );
    }
    0
}

/// Waits until the program exits (then how it ended, and when it was
/// reaped) or the lifeline ends (then `None`: mptutor is gone, or wants
/// the run stopped). Orphans that end meanwhile are reaped as they go,
/// their CPU time added to `orphans_cpu_us`.
fn wait_for_program(
    pid: Pid,
    lifeline: &OwnedFd,
    orphans_cpu_us: &mut u64,
) -> Option<(Reaped, u64)> {
    let pidfd = sys::pidfd_open(pid);
    let timeout = PollTimeout::try_from(SWEEP).unwrap_or(PollTimeout::ZERO);
    loop {
        let mut fds = vec![PollFd::new(lifeline.as_fd(), PollFlags::POLLIN)];
        if let Some(pidfd) = &pidfd {
            fds.push(PollFd::new(pidfd.as_fd(), PollFlags::POLLIN));
        }
        let lifeline_ended = match poll(&mut fds, timeout) {
            Ok(_) => fds[0].revents().is_some_and(|events| !events.is_empty()),
            Err(nix::errno::Errno::EINTR) => false,
            Err(_) => true,
        };
        drop(fds);
        while let Ok(Some((ended, reaped))) = sys::try_reap_any() {
            if ended == pid {
                return Some((reaped, monotonic_ns()));
            }
            *orphans_cpu_us = orphans_cpu_us.saturating_add(reaped.cpu_us);
        }
        if lifeline_ended {
            return None;
        }
    }
}

/// Kills every process left of the run and reaps it, until the keeper has
/// no child: as a subreaper it inherits every orphan of the program's, so
/// none is left then. Records the program's own exit in `exit` if it is
/// reaped here, and every other's CPU time in `orphans_cpu_us`.
fn end_everything(pid: Pid, exit: &mut Option<(Reaped, u64)>, orphans_cpu_us: &mut u64) {
    if exit.is_none() {
        let _ = killpg(pid, Signal::SIGKILL);
    }
    let deadline = Instant::now() + CLEANUP_PATIENCE;
    loop {
        for child in sys::children_of_self() {
            let _ = kill(child, Signal::SIGKILL);
        }
        match sys::try_reap_any() {
            Ok(Some((ended, reaped))) => {
                if ended == pid {
                    if exit.is_none() {
                        *exit = Some((reaped, monotonic_ns()));
                    }
                } else {
                    *orphans_cpu_us = orphans_cpu_us.saturating_add(reaped.cpu_us);
                }
            }
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Ok(None) | Err(_) => return,
        }
    }
}

/// Writes one record in one `write`; a reader that is gone is no error of
/// the keeper's.
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
