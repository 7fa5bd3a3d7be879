//! The end of a run: the last look, what was killed, and the [`Xray`].

use super::{Collector, exit_of};
use crate::engine::ExitStatus;
use crate::xray::model::{ProcessExit, Xray, XrayProcess};

/// How the run's interpreter ended, as the keeper reported it.
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    pub now_us: u64,
    pub timed_out: bool,
    pub main_status: Option<ExitStatus>,
    /// The interpreter's CPU time as the kernel gave it at its reaping,
    /// with that of every process it waited for.
    pub main_cpu_us: u64,
}

impl Collector {
    /// What has been seen up to `now_us`, for a live view: the processes
    /// and threads already announced (so a Python process shows under its
    /// own name, not its command's), their CPU samples, no pool tasks.
    /// Whatever has not ended yet has no end.
    pub fn so_far(&self, now_us: u64) -> Xray {
        let shown: Vec<&XrayProcess> = self
            .processes
            .iter()
            .filter(|tracked| tracked.told_start)
            .map(|tracked| &tracked.process)
            .collect();
        let known = |pid: i32| shown.iter().any(|process| process.pid == pid);
        let threads: Vec<_> = self
            .threads
            .iter()
            .filter(|tracked| tracked.told_start && known(tracked.thread.pid))
            .collect();
        Xray {
            processes: shown.iter().map(|process| (*process).clone()).collect(),
            threads: threads
                .iter()
                .map(|tracked| tracked.thread.clone())
                .collect(),
            cpu: threads.iter().map(|tracked| tracked.cpu.clone()).collect(),
            tasks: Vec::new(),
            wall_us: now_us,
            timed_out: false,
            samples_per_s: 0.0,
            notes: Vec::new(),
        }
    }

    /// Everything the collector saw, once the run and all it left are
    /// gone (call [`Collector::poll`] one last time before).
    pub fn finish(mut self, end: &RunEnd) -> Xray {
        if self.unreadable > 0 {
            self.notes.push(format!(
                "{} X-ray record(s) could not be read and were skipped",
                self.unreadable
            ));
        }
        for tracked in &mut self.processes {
            let is_main = Some(tracked.process.pid) == self.main;
            let process = &mut tracked.process;
            if is_main {
                if let Some(status) = &end.main_status {
                    process.exit = Some(exit_of(status));
                }
                // The kernel's account at the reaping also holds every
                // process the interpreter waited for (its pool's workers):
                // only a run too short for any sample takes it instead.
                if process.cpu_us == 0 {
                    process.cpu_us = end.main_cpu_us;
                }
                if !process.python {
                    process.name = tracked.comm.clone();
                }
            }
            // Killed as the run ended, unless it said how it exited on
            // its own (a Python process's last record).
            let exited_itself = matches!(process.exit, Some(ProcessExit::Code(_)));
            if tracked.alive_at_end && !exited_itself {
                process.killed_at_end = true;
                process.exit = Some(ProcessExit::Signal("SIGKILL".into()));
            }
            let end_us = *process.end_us.get_or_insert(end.now_us);
            let reaped_us = process.reaped_us.unwrap_or(end.now_us);
            process.zombie_us = (tracked.zombie_seen || process.reaped_us.is_some())
                .then(|| reaped_us.saturating_sub(end_us));
        }
        for tracked in &mut self.threads {
            let thread = &mut tracked.thread;
            let process = self.by_pid.get(&thread.pid).map(|at| &self.processes[*at]);
            if thread.tid == thread.pid
                && let Some(process) = process
            {
                // A program's main thread goes by its program's name.
                let python = process.process.python || Some(thread.pid) == self.main;
                thread.name = if python {
                    "MainThread".into()
                } else {
                    process.comm.clone()
                };
            }
            if thread.end_us.is_none() {
                thread.end_us = self
                    .by_pid
                    .get(&thread.pid)
                    .and_then(|at| self.processes[*at].process.end_us)
                    .or(Some(end.now_us));
            }
        }
        let wall_s = end.now_us as f64 / 1e6;
        Xray {
            processes: self.processes.into_iter().map(|t| t.process).collect(),
            cpu: self
                .threads
                .iter()
                .map(|tracked| tracked.cpu.clone())
                .collect(),
            threads: self.threads.into_iter().map(|t| t.thread).collect(),
            tasks: self.tasks,
            wall_us: end.now_us,
            timed_out: end.timed_out,
            samples_per_s: if wall_s > 0.0 {
                self.samples as f64 / wall_s
            } else {
                0.0
            },
            notes: self.notes,
        }
    }
}
