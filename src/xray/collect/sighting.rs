//! What the live view is told of a run: each process and thread once it
//! is seen (by its Python name, when that comes soon enough), each end,
//! each zombie and its reaping, in that order for any one process.

use super::{Collector, status_of};
use crate::engine::ExitStatus;

/// How long a Python process or thread may go unannounced while its
/// name is awaited from its records (µs): longer, and it is shown by its
/// command name.
const NAME_PATIENCE_US: u64 = 100_000;

/// Something the live view should show now.
#[derive(Debug, Clone, PartialEq)]
pub enum Sighting {
    ProcessStarted {
        pid: i32,
        ppid: i32,
        name: String,
        t_us: u64,
    },
    /// `status` is `None` when nothing said how it ended.
    ProcessExited {
        pid: i32,
        status: Option<ExitStatus>,
        cpu_us: u64,
        max_rss_kb: u64,
        t_us: u64,
    },
    /// It has exited and its parent has not reaped it yet.
    Zombie { pid: i32, name: String, t_us: u64 },
    /// Its parent (or the keeper) reaped it, after `zombie_us` as a zombie.
    Reaped {
        pid: i32,
        name: String,
        zombie_us: u64,
        t_us: u64,
    },
    ThreadStarted {
        pid: i32,
        tid: i32,
        name: String,
        t_us: u64,
    },
    ThreadExited {
        pid: i32,
        tid: i32,
        cpu_us: u64,
        t_us: u64,
    },
}

impl Collector {
    /// What changed since the last call.
    pub(super) fn sightings(&mut self, now_us: u64) -> Vec<Sighting> {
        let mut sightings = Vec::new();
        for tracked in &mut self.processes {
            let process = &tracked.process;
            let (pid, name) = (process.pid, process.name.clone());
            let waited = now_us.saturating_sub(tracked.first_seen_us) >= NAME_PATIENCE_US;
            if !tracked.told_start
                && (tracked.named
                    || !tracked.comm.starts_with("python")
                    || waited
                    || process.end_us.is_some())
            {
                tracked.told_start = true;
                sightings.push(Sighting::ProcessStarted {
                    pid,
                    ppid: process.ppid,
                    name: name.clone(),
                    t_us: process.start_us,
                });
            }
            if !tracked.told_start {
                continue;
            }
            let Some(end_us) = process.end_us else {
                continue;
            };
            if tracked.zombie_seen && !tracked.gone && !tracked.told_zombie {
                tracked.told_zombie = true;
                sightings.push(Sighting::Zombie {
                    pid,
                    name: name.clone(),
                    t_us: end_us,
                });
            }
            if !tracked.told_exit && (process.exit.is_some() || tracked.gone) {
                tracked.told_exit = true;
                sightings.push(Sighting::ProcessExited {
                    pid,
                    status: process.exit.as_ref().map(status_of),
                    cpu_us: process.cpu_us,
                    max_rss_kb: process.peak_rss_kb,
                    t_us: end_us,
                });
            }
            if let Some(reaped_us) = process.reaped_us
                && tracked.told_zombie
                && !tracked.told_reaped
            {
                tracked.told_reaped = true;
                sightings.push(Sighting::Reaped {
                    pid,
                    name,
                    zombie_us: reaped_us.saturating_sub(end_us),
                    t_us: reaped_us,
                });
            }
        }
        for tracked in &mut self.threads {
            let thread = &tracked.thread;
            let waited = now_us.saturating_sub(tracked.first_seen_us) >= NAME_PATIENCE_US;
            if !tracked.told_start && (tracked.named || waited || thread.end_us.is_some()) {
                tracked.told_start = true;
                sightings.push(Sighting::ThreadStarted {
                    pid: thread.pid,
                    tid: thread.tid,
                    name: thread.name.clone(),
                    t_us: thread.start_us,
                });
            }
            if let Some(end_us) = thread.end_us
                && tracked.told_start
                && !tracked.told_exit
            {
                tracked.told_exit = true;
                sightings.push(Sighting::ThreadExited {
                    pid: thread.pid,
                    tid: thread.tid,
                    cpu_us: thread.cpu_us,
                    t_us: end_us,
                });
            }
        }
        sightings
    }
}
