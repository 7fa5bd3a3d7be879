//! What each record of the Python side adds to what `/proc` shows.

use super::{Collector, exit_of};
use crate::engine::sys::proc_sample::decode_wait_status;
use crate::xray::model::{ProcessExit, Role, XrayTask};
use crate::xray::wire::Record;

impl Collector {
    /// A record's time as the run's.
    fn run_us(&self, t_ns: u64) -> u64 {
        t_ns.saturating_sub(self.started_ns) / 1_000
    }

    pub(super) fn apply(&mut self, record: Record) {
        match record {
            Record::Process {
                pid, ppid, t_ns, ..
            } => {
                let t_us = self.run_us(t_ns);
                let at = self.track(pid, ppid, t_us);
                let process = &mut self.processes[at].process;
                process.python = true;
                process.start_us = process.start_us.min(t_us);
            }
            Record::Role {
                pid,
                name,
                role,
                start_method,
                t_ns,
            } => {
                let t_us = self.run_us(t_ns);
                let is_main = Some(pid) == self.main;
                let at = self.track(pid, 0, t_us);
                let tracked = &mut self.processes[at];
                tracked.named = true;
                let process = &mut tracked.process;
                process.python = true;
                process.name = name;
                process.role = if is_main { Role::Main } else { role };
                process.start_method = start_method;
            }
            Record::ThreadStart {
                pid,
                tid,
                name,
                t_ns,
            } => {
                let t_us = self.run_us(t_ns);
                let at = self.track_thread(pid, tid, t_us);
                let tracked = &mut self.threads[at];
                tracked.named = true;
                tracked.thread.name = name;
                tracked.thread.start_us = tracked.thread.start_us.min(t_us);
            }
            Record::ThreadEnd { pid, tid, t_ns } => {
                let t_us = self.run_us(t_ns);
                let at = self.track_thread(pid, tid, t_us);
                let thread = &mut self.threads[at].thread;
                thread.end_us = Some(thread.end_us.map_or(t_us, |end| end.min(t_us)));
            }
            Record::Task {
                pid,
                function,
                items,
                start_ns,
                end_ns,
                ok,
                error,
            } => {
                let (start_us, end_us) = (self.run_us(start_ns), self.run_us(end_ns));
                self.track(pid, 0, start_us);
                self.tasks.push(XrayTask {
                    pid,
                    function,
                    items,
                    start_us,
                    end_us,
                    ok,
                    error,
                });
            }
            Record::Exception { pid, error, t_ns } => {
                let at = self.track(pid, 0, self.run_us(t_ns));
                self.processes[at].process.exception = Some(error);
            }
            Record::Spawned {
                pid,
                child,
                program,
                t_ns,
            } => {
                let t_us = self.run_us(t_ns);
                let at = self.track(child, pid, t_us);
                let tracked = &mut self.processes[at];
                let process = &mut tracked.process;
                process.start_us = process.start_us.min(t_us);
                if process.ppid == 0 {
                    process.ppid = pid;
                }
                // The program it runs, which /proc may not have shown yet
                // (it was still the fork) or no longer shows (it is gone);
                // a Python child's records name it themselves.
                if !tracked.named && !process.python {
                    process.name.clone_from(&program);
                    tracked.comm = program;
                }
            }
            Record::Reaped {
                pid,
                child,
                status,
                t_ns,
            } => {
                let t_us = self.run_us(t_ns);
                let at = self.track(child, pid, t_us);
                let tracked = &mut self.processes[at];
                tracked.gone = true;
                let process = &mut tracked.process;
                if process.ppid == 0 {
                    process.ppid = pid;
                }
                // The parent's wait status is the last word on how it ended.
                process.exit = Some(exit_of(&decode_wait_status(status)));
                process.end_us = Some(process.end_us.map_or(t_us, |end| end.min(t_us)));
                process.reaped_us = Some(process.reaped_us.map_or(t_us, |end| end.min(t_us)));
            }
            Record::Exit { pid, code, t_ns } => {
                let at = self.track(pid, 0, self.run_us(t_ns));
                let process = &mut self.processes[at].process;
                if process.exit.is_none() {
                    process.exit = Some(ProcessExit::Code(code));
                }
            }
            Record::HookOff { pid, hook, why } => {
                let note = format!("the {hook} hook is off in pid {pid}: {why}");
                if !self.notes.contains(&note) {
                    self.notes.push(note);
                }
            }
        }
    }
}
