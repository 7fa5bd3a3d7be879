//! The collector: turns a running Python program into an [`Xray`].
//!
//! It is called between two rounds of reading the program's output
//! ([`Collector::poll`], at least 50 times a second) and each time
//! - reads the records the program's `sitecustomize` sent to the run's
//!   datagram socket ([`super::wire`]);
//! - walks the run's process tree in `/proc` from the run's keeper down,
//!   so a child that runs no Python (`sleep`) or that Python never
//!   reported is seen too, and opens a pidfd on each new process;
//! - sees which processes have exited (their pidfd is readable, or `/proc`
//!   shows them as zombies, `Z`, with the status their parent will get)
//!   and which are gone from `/proc` (reaped);
//! - samples every live thread's CPU time and every process's peak
//!   memory.
//!
//! What changed comes back as [`Sighting`]s, which the run turns into
//! live events (a lane per process and thread). The records say what only
//! Python knows (names, roles, tasks, who reaped whom); `/proc` and the
//! pidfds say when, so a program that reports nothing is still seen.

mod records;
mod result;
mod sighting;

pub use result::RunEnd;
pub use sighting::Sighting;

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixDatagram;
use std::path::Path;

use crate::engine::ExitStatus;
use crate::engine::sys::proc_sample;
use crate::xray::model::{CpuSeries, ProcessExit, Role, XrayProcess, XrayTask, XrayThread};
use crate::xray::wire;

/// Samples are at least this far apart (µs): 100 a second at most.
pub const SAMPLE_EVERY_US: u64 = 10_000;

/// Full looks (exits, new processes, samples) are at least this far
/// apart (µs); in between, a poll only reads the side channel, which may
/// wake the run thousands of times a second (its queue holds few
/// datagrams, and a sender waits while it is full).
const LOOK_EVERY_US: u64 = 1_000;

/// The receive buffer asked for the side channel: a burst of records
/// from many processes waits there until the next poll.
const SOCKET_BUFFER: usize = 4 << 20;

/// One process the collector knows, and what it has told of it.
struct Tracked {
    process: XrayProcess,
    pidfd: Option<OwnedFd>,
    comm: String,
    /// Its name came from its records, not from `/proc`.
    named: bool,
    first_seen_us: u64,
    /// Seen in `/proc` as a zombie.
    zombie_seen: bool,
    /// Gone from `/proc`, or a `reaped` record said so.
    gone: bool,
    /// Still running when the run began to end (the interpreter exited,
    /// or the timeout), so the keeper or mptutor killed it.
    alive_at_end: bool,
    told_start: bool,
    told_zombie: bool,
    told_exit: bool,
    told_reaped: bool,
}

/// One thread the collector knows.
struct TrackedThread {
    thread: XrayThread,
    cpu: CpuSeries,
    named: bool,
    first_seen_us: u64,
    told_start: bool,
    told_exit: bool,
}

/// Watches one run; see the module docs.
pub struct Collector {
    socket: Option<UnixDatagram>,
    /// The run's start on CLOCK_MONOTONIC, which records are stamped on.
    started_ns: u64,
    /// The keeper: its descendants are the run's processes.
    root: Option<i32>,
    main: Option<i32>,
    processes: Vec<Tracked>,
    by_pid: HashMap<i32, usize>,
    threads: Vec<TrackedThread>,
    by_tid: HashMap<(i32, i32), usize>,
    tasks: Vec<XrayTask>,
    samples: u64,
    last_sample_us: Option<u64>,
    last_look_us: Option<u64>,
    unreadable: usize,
    notes: Vec<String>,
    ending: bool,
    /// The interpreter is still a shell running a script that will become
    /// it (pyenv's `python3` is one): what that script runs first is not
    /// the student's program, and is not shown.
    launching: bool,
    buffer: Vec<u8>,
}

/// Programs that run a script: an interpreter mptutor was given that runs
/// one of them is a launcher (a version manager's shim) until it executes
/// the real Python.
const SCRIPT_RUNNERS: [&str; 7] = ["sh", "bash", "dash", "zsh", "ksh", "busybox", "env"];

impl Collector {
    /// A collector listening at `socket_path` (its records' clock starts
    /// at `started_ns`). Without a socket (it could not be bound) it
    /// still watches `/proc`, and says so in the X-ray's notes.
    pub fn new(socket_path: &Path, started_ns: u64) -> Collector {
        let mut notes = Vec::new();
        let socket = match crate::engine::sys::socket::bind_datagram(socket_path, SOCKET_BUFFER) {
            Ok(socket) => Some(socket),
            Err(error) => {
                notes.push(format!(
                    "{}: {error}; names, roles and pool tasks are not seen",
                    socket_path.display()
                ));
                None
            }
        };
        Collector {
            socket,
            started_ns,
            root: None,
            main: None,
            processes: Vec::new(),
            by_pid: HashMap::new(),
            threads: Vec::new(),
            by_tid: HashMap::new(),
            tasks: Vec::new(),
            samples: 0,
            last_sample_us: None,
            last_look_us: None,
            unreadable: 0,
            notes,
            ending: false,
            launching: true,
            buffer: vec![0; wire::MAX_DATAGRAM],
        }
    }

    /// The interpreter started, as `main`, by the keeper `keeper`.
    pub fn watch(&mut self, main: i32, keeper: Option<i32>, t_us: u64) {
        self.main = Some(main);
        self.root = keeper;
        let at = self.track(main, keeper.unwrap_or(0), t_us);
        let tracked = &mut self.processes[at];
        tracked.process.role = Role::Main;
        // The engine announces the interpreter itself.
        tracked.told_start = true;
    }

    /// How long the run may wait for output before the next poll is due.
    pub fn next_wait(&self, now_us: u64) -> std::time::Duration {
        let due = self
            .last_sample_us
            .map_or(0, |last| (last + SAMPLE_EVERY_US).saturating_sub(now_us));
        std::time::Duration::from_micros(due.clamp(1_000, SAMPLE_EVERY_US))
    }

    /// The side channel, for the run's wait to end as soon as records
    /// arrive.
    pub fn wake_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        self.socket.as_ref().map(AsFd::as_fd)
    }

    /// Reads the side channel, and takes a full look ([`Collector::look`])
    /// when the last was at least [`LOOK_EVERY_US`] ago.
    pub fn poll(&mut self, now_us: u64, timed_out: bool) -> Vec<Sighting> {
        let due = self
            .last_look_us
            .is_none_or(|last| now_us >= last + LOOK_EVERY_US);
        if due || (timed_out && !self.ending) {
            self.look(now_us, timed_out)
        } else {
            self.drain_socket();
            Vec::new()
        }
    }

    /// One look at the run; see the module docs. `timed_out`: the run's
    /// timeout has passed and everything is being killed.
    pub fn look(&mut self, now_us: u64, timed_out: bool) -> Vec<Sighting> {
        self.last_look_us = Some(now_us);
        self.drain_socket();
        if timed_out && !self.ending {
            let running = self.running();
            self.begin_ending(&running, None);
        }
        self.see_exits(now_us);
        self.end_threads_of_ended();
        self.discover(now_us);
        if self
            .last_sample_us
            .is_none_or(|last| now_us >= last + SAMPLE_EVERY_US)
        {
            self.sample(now_us);
        }
        self.sightings(now_us)
    }

    fn drain_socket(&mut self) {
        let Some(socket) = &self.socket else {
            return;
        };
        let mut datagrams = Vec::new();
        // Anything but a datagram (WouldBlock included) ends the round.
        while let Ok(len) = socket.recv(&mut self.buffer) {
            datagrams.push(wire::decode_datagram(&self.buffer[..len]));
        }
        for (records, unreadable) in datagrams {
            self.unreadable += unreadable;
            for record in records {
                self.apply(record);
            }
        }
    }

    /// Starts tracking `pid`, seen at `t_us`; returns its place.
    fn track(&mut self, pid: i32, ppid: i32, t_us: u64) -> usize {
        if let Some(at) = self.by_pid.get(&pid) {
            return *at;
        }
        let stat = proc_sample::process_stat(pid);
        let comm = stat
            .as_ref()
            .map_or_else(|| pid.to_string(), |stat| stat.comm.clone());
        let ppid = stat.as_ref().map_or(ppid, |stat| stat.ppid);
        let at = self.processes.len();
        self.processes.push(Tracked {
            process: XrayProcess {
                pid,
                ppid,
                name: comm.clone(),
                role: Role::Other,
                start_method: None,
                python: false,
                start_us: t_us,
                end_us: None,
                reaped_us: None,
                exit: None,
                cpu_us: 0,
                peak_rss_kb: 0,
                zombie_us: None,
                killed_at_end: false,
                exception: None,
            },
            pidfd: crate::engine::sys::pidfd_open(nix::unistd::Pid::from_raw(pid)),
            comm,
            named: false,
            first_seen_us: t_us,
            zombie_seen: false,
            gone: stat.is_none(),
            alive_at_end: false,
            told_start: false,
            told_zombie: false,
            told_exit: false,
            told_reaped: false,
        });
        self.by_pid.insert(pid, at);
        at
    }

    fn track_thread(&mut self, pid: i32, tid: i32, t_us: u64) -> usize {
        if let Some(at) = self.by_tid.get(&(pid, tid)) {
            return *at;
        }
        let process = self.track(pid, 0, t_us);
        let name = proc_sample::thread_comm(pid, tid)
            .unwrap_or_else(|| self.processes[process].comm.clone());
        let at = self.threads.len();
        self.threads.push(TrackedThread {
            thread: XrayThread {
                pid,
                tid,
                name,
                start_us: t_us,
                end_us: None,
                cpu_us: 0,
            },
            cpu: CpuSeries {
                pid,
                tid,
                points: Vec::new(),
            },
            named: false,
            first_seen_us: t_us,
            told_start: tid == pid,
            told_exit: tid == pid,
        });
        self.by_tid.insert((pid, tid), at);
        at
    }

    /// The run is ending: whatever still ran at the last look, apart from
    /// `except` (the interpreter that just exited), is killed from here on
    /// (by the keeper, as soon as the interpreter has gone, or by mptutor
    /// at the timeout).
    fn begin_ending(&mut self, running: &[bool], except: Option<i32>) {
        self.ending = true;
        for (tracked, running) in self.processes.iter_mut().zip(running) {
            if *running && Some(tracked.process.pid) != except {
                tracked.alive_at_end = true;
            }
        }
    }

    fn running(&self) -> Vec<bool> {
        self.processes
            .iter()
            .map(|tracked| tracked.process.end_us.is_none())
            .collect()
    }

    fn see_exits(&mut self, now_us: u64) {
        let running = self.running();
        let mut main_ended = false;
        for tracked in &mut self.processes {
            if tracked.gone {
                continue;
            }
            let exited = tracked
                .pidfd
                .as_ref()
                .is_some_and(proc_sample::pidfd_has_exited);
            let stat = proc_sample::process_stat(tracked.process.pid);
            match &stat {
                None => tracked.gone = true,
                Some(stat) if stat.state == 'Z' => {
                    tracked.zombie_seen = true;
                    if tracked.process.exit.is_none()
                        && let Some(code) = stat.exit_code
                    {
                        tracked.process.exit =
                            Some(exit_of(&proc_sample::decode_wait_status(code)));
                    }
                }
                Some(_) => {}
            }
            let ended = exited || tracked.gone || tracked.zombie_seen;
            if ended && tracked.process.end_us.is_none() {
                tracked.process.end_us = Some(now_us);
                main_ended |= Some(tracked.process.pid) == self.main;
            }
            if tracked.gone && tracked.process.reaped_us.is_none() {
                tracked.process.reaped_us = Some(now_us);
            }
            // Reaped by its parent before mptutor saw it as a zombie: the
            // kernel may still say how it ended.
            if tracked.gone
                && tracked.process.exit.is_none()
                && let Some(status) = tracked
                    .pidfd
                    .as_ref()
                    .and_then(proc_sample::pidfd_exit_status)
            {
                tracked.process.exit = Some(exit_of(&proc_sample::decode_wait_status(status)));
            }
        }
        if main_ended && !self.ending {
            self.begin_ending(&running, self.main);
        }
    }

    /// A process's threads end with it.
    fn end_threads_of_ended(&mut self) {
        for tracked in &mut self.threads {
            if tracked.thread.end_us.is_none()
                && let Some(process) = self.by_pid.get(&tracked.thread.pid)
                && let Some(end_us) = self.processes[*process].process.end_us
            {
                tracked.thread.end_us = Some(end_us);
            }
        }
    }

    /// Every descendant of the keeper not yet known.
    fn discover(&mut self, now_us: u64) {
        let Some(root) = self.root.or(self.main) else {
            return;
        };
        if self.launching {
            let Some(main) = self.main else {
                return;
            };
            // Until the keeper's fork has executed the interpreter, it
            // still runs mptutor.
            let launcher = proc_sample::runs_own_program(main)
                || proc_sample::executable_name(main)
                    .is_some_and(|name| SCRIPT_RUNNERS.contains(&name.as_str()));
            if launcher {
                return;
            }
            self.launching = false;
        }
        let mut parents = vec![root];
        while let Some(parent) = parents.pop() {
            for child in proc_sample::children_of(parent) {
                if !self.by_pid.contains_key(&child) {
                    self.track(child, parent, now_us);
                }
                parents.push(child);
            }
        }
    }

    /// The role of a process no record has named, from its command line:
    /// multiprocessing's helpers run a `-c` program of their own. Their
    /// records may come late or never (a helper killed as the run ends
    /// before its interpreter has started), and a helper must not be taken
    /// for one of the program's processes.
    fn role_from_command_line(tracked: &mut Tracked) {
        if tracked.named || tracked.process.role != Role::Other {
            return;
        }
        let Some(line) = proc_sample::command_line(tracked.process.pid) else {
            return;
        };
        let role = if line.contains("from multiprocessing.forkserver import main") {
            Role::Forkserver
        } else if line.contains("from multiprocessing.resource_tracker import main")
            || line.contains("from multiprocessing.semaphore_tracker import main")
        {
            Role::ResourceTracker
        } else {
            return;
        };
        tracked.process.role = role;
        tracked.process.python = true;
        // As its own records would name it.
        tracked.process.name = match role {
            Role::Forkserver => "forkserver",
            _ => "resource_tracker",
        }
        .to_string();
    }

    fn sample(&mut self, now_us: u64) {
        self.samples += 1;
        self.last_sample_us = Some(now_us);
        for at in 0..self.processes.len() {
            let (pid, running) = {
                let tracked = &self.processes[at];
                (tracked.process.pid, tracked.process.end_us.is_none())
            };
            if !running {
                continue;
            }
            let tids = proc_sample::thread_ids(pid);
            let mut threads_cpu = 0;
            for &tid in &tids {
                let thread = self.track_thread(pid, tid, now_us);
                if let Some(cpu_us) = proc_sample::thread_cpu_us(pid, tid) {
                    let tracked = &mut self.threads[thread];
                    tracked.thread.cpu_us = cpu_us;
                    tracked.cpu.points.push((now_us, cpu_us));
                }
                threads_cpu += self.threads[thread].thread.cpu_us;
            }
            for tracked in &mut self.threads {
                if tracked.thread.pid == pid
                    && tracked.thread.end_us.is_none()
                    && !tids.contains(&tracked.thread.tid)
                    && !tids.is_empty()
                {
                    tracked.thread.end_us = Some(now_us);
                }
            }
            let tracked = &mut self.processes[at];
            Self::role_from_command_line(tracked);
            let stat = proc_sample::process_stat(pid);
            let ticks = stat
                .as_ref()
                .map_or(0, |stat| proc_sample::ticks_to_us(stat.cpu_ticks));
            // A forked child that then executes a program (`subprocess`)
            // is that program from then on.
            if let Some(stat) = stat
                && stat.comm != tracked.comm
            {
                if !tracked.named {
                    tracked.process.name = stat.comm.clone();
                }
                tracked.comm = stat.comm;
            }
            tracked.process.cpu_us = tracked.process.cpu_us.max(threads_cpu).max(ticks);
            if let Some(kb) = proc_sample::peak_rss_kb(pid) {
                tracked.process.peak_rss_kb = tracked.process.peak_rss_kb.max(kb);
            }
        }
    }
}

fn exit_of(status: &ExitStatus) -> ProcessExit {
    match status {
        ExitStatus::Code(code) => ProcessExit::Code(*code),
        ExitStatus::Signal(name) => ProcessExit::Signal(name.clone()),
    }
}

fn status_of(exit: &ProcessExit) -> ExitStatus {
    match exit {
        ProcessExit::Code(code) => ExitStatus::Code(*code),
        ProcessExit::Signal(name) => ExitStatus::Signal(name.clone()),
    }
}
