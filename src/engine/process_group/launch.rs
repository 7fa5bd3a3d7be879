//! Starting workers through the run's fork server: each is asked for in
//! turn, and the server's answer (its pid, its group, when it was forked)
//! is what the group keeps.

use std::os::fd::{AsFd, BorrowedFd};

use nix::unistd::Pid;
use smallvec::SmallVec;

use super::ProcessGroup;
use super::start::{Fresh, INLINE_BATCH, Ready, Spawn};
use crate::engine::context::{EngineError, RunContext};
use crate::engine::forkserver::{Launched, wire};
use crate::engine::sys;

impl ProcessGroup {
    /// [`spawn_all`](Self::spawn_all) by the fork server: each worker is
    /// asked for in turn and taken into the group as soon as the server
    /// has forked it, so that whatever fails next, the workers already
    /// running are stopped with the rest.
    pub(super) fn launch_all<'t>(
        &mut self,
        ctx: &mut RunContext<'_>,
        ready: SmallVec<[(Spawn<'t>, Ready); INLINE_BATCH]>,
    ) -> Result<SmallVec<[Pid; INLINE_BATCH]>, EngineError> {
        let mut pids = SmallVec::new();
        for (worker, ready) in ready {
            if ctx.interrupted() {
                self.kill_all_reporting(ctx);
                return Err(EngineError::Interrupted);
            }
            let words = worker.task.to_words();
            let request = wire::Request {
                body: worker.task.body.name.to_string(),
                args: words[1..].to_vec(),
                group: self.pgid.map(Pid::as_raw),
                extra_fds: 0,
            };
            let extra: SmallVec<[BorrowedFd<'_>; 2]> =
                ready.child_ends.iter().flatten().map(AsFd::as_fd).collect();
            let server = ctx.fork_server()?;
            let parent = server.pid();
            let launched = server.launch(
                &request,
                ready.output.stdout.1.as_fd(),
                ready.output.stderr.1.as_fd(),
                &extra,
            );
            let Launched {
                pid,
                pgid,
                forked_ns,
                status,
            } = match launched {
                Ok(launched) => launched,
                Err(EngineError::StartRefused { why, .. }) => {
                    // As for a fork of mptutor's own: the workers already
                    // started are stopped now and shown so.
                    let what = ctx.worker_place("process", worker.index);
                    drop(extra);
                    self.kill_all_reporting(ctx);
                    return Err(EngineError::StartRefused { what, why });
                }
                Err(error) => return Err(error),
            };
            drop(extra);
            self.follow_group(pgid);
            // As for a forked worker: the server's copy of the request
            // pipe's read end is the worker's now, and mptutor's goes.
            let result_write = ready.child_ends.map(|[request_read, result_write]| {
                drop(request_read);
                result_write
            });
            let fresh = Fresh {
                forked: sys::Forked {
                    pid,
                    output: ready.output,
                },
                channel: ready.channel,
                result_write,
                recycle: false,
                parent,
                status: Some(status),
                forked_ns: Some(forked_ns),
            };
            pids.push(self.adopt(ctx, worker.index, worker.name, fresh));
        }
        Ok(pids)
    }

    /// The fork server put a worker in group `pgid`: the group's, or a new
    /// one that it leads. The server reaps a worker the moment it exits,
    /// and a group whose last member is reaped is gone, so a worker asked
    /// for after that cannot join it (see `forkserver::server`). The old
    /// group has nobody left and never will, so only the new one is
    /// signalled from now on, and later workers join it.
    pub(super) fn follow_group(&mut self, pgid: Pid) {
        self.pgid = Some(pgid);
    }
}
