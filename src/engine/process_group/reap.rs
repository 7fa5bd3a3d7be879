//! Reaping workers, and stopping them.

use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};

use super::{ProcessGroup, REAP_SWEEP};
use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{Event, ExitStatus};
use crate::engine::forkserver::Heard;
use crate::engine::forkserver::wire::Record;
use crate::engine::sys::{self, Reaped};

/// The longest [`ProcessGroup::kill_all`] waits for the fork server to
/// report the workers it killed: it reaps each at once, so only a server
/// that is stuck takes this long.
const SERVER_PATIENCE: Duration = Duration::from_secs(2);

impl ProcessGroup {
    pub(super) fn reap_ended(&mut self, ctx: &mut RunContext<'_>) -> Result<(), EngineError> {
        let sweep = self.last_sweep.elapsed() >= REAP_SWEEP;
        if sweep {
            self.last_sweep = Instant::now();
        }
        for worker in &mut self.workers {
            // The fork server reaps its own workers and says so (see
            // `read::take_status`); mptutor could not wait for them.
            if worker.reaped.is_none() && !worker.by_server && (sweep || worker.open_fds() == 0) {
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
                    t_us: worker.reaped_t_us.unwrap_or_else(|| ctx.t_us()),
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

    /// Kills every worker and reaps them all, blocking until done. The
    /// fork server's workers are reaped by the server: their status pipes
    /// are read to the end, for at most [`SERVER_PATIENCE`] in all, so a
    /// server that is stuck or gone cannot hang mptutor.
    pub fn kill_all(&mut self) {
        self.signal_all(Signal::SIGKILL);
        let deadline = Instant::now() + SERVER_PATIENCE;
        for worker in &mut self.workers {
            worker.pipes.clear();
            worker.channel = None;
            worker.exit_watch = None;
            if let Some(mut watch) = worker.server.take() {
                let killed = Reaped {
                    status: ExitStatus::Signal("SIGKILL".to_string()),
                    cpu_us: 0,
                    max_rss_kb: 0,
                };
                while worker.reaped.is_none() {
                    match watch.status.hear_within(deadline) {
                        Heard::Record(Record::Exited {
                            status,
                            cpu_us,
                            max_rss_kb,
                            ..
                        }) => {
                            worker.reaped = Some(Reaped {
                                status,
                                cpu_us,
                                max_rss_kb,
                            });
                        }
                        Heard::Record(_) => {}
                        Heard::Nothing | Heard::Ended => worker.reaped = Some(killed.clone()),
                    }
                }
            }
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
    pub fn kill_all_reporting(&mut self, ctx: &mut RunContext<'_>) {
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
