//! Which process printed each line of a Python run.
//!
//! Every process of a run writes into the one stdout pipe mptutor gave the
//! interpreter, so the pipe alone says only "someone printed this". The
//! `sitecustomize.py` installed for the run tags each line with the pid
//! (and parent pid) of the process that wrote it; [`PidAttribution`] reads
//! the tags back out. It sits between the engine and the real sink: the
//! engine reports every line as the interpreter's, and the attribution
//! turns each distinct pid into a worker of its own — announced with a
//! `Started` event the first time it prints, named by its pid — and strips
//! the tags, so the live view, the JSON output and the checks all see the
//! lines as the program printed them.
//!
//! The X-ray's collector sees more than what prints: every process of the
//! run and every thread ([`Sighting`]s). Each gets its worker as soon as it
//! is seen, named as Python names it (`Process-1`) once that is known,
//! and an `Exited` event when it ends; a zombie is told of by a note.
//!
//! Labels agree with those names: the interpreter is `main` (Python's
//! `MainProcess`), `Process-3` is `P3`, a pool's `ForkPoolWorker-2` is
//! `W2`, and any other process (a helper, a program `subprocess` ran, a
//! process with a name of its own, one seen printing before its name was
//! known) is `C1`, `C2`, … in the order they appear.

use std::collections::HashMap;

use crate::engine::{Event, EventSink, ExitStatus, Stream, WorkerIndex, WorkerKind};
use crate::xray::collect::Sighting;

/// Where a tag starts: `\x02mptutor:<pid>:<ppid>\x03`.
const TAG_START: &str = "\u{2}mptutor:";
const TAG_END: char = '\u{3}';

/// Most stdout lines kept for the checks (the engine forwards at most
/// 5 000 per stream anyway).
const MAX_KEPT_LINES: usize = 10_000;

/// The label of the interpreter mptutor started.
const MAIN_LABEL: &str = "main";

/// A line with its tags taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaggedLine {
    /// The pid and parent pid of the first tag, if the line had one.
    pub origin: Option<(i32, i32)>,
    /// The text, every tag removed.
    pub text: String,
}

/// Splits a raw line into its origin and text. A line normally has one
/// tag at its start; text flushed without its newline and finished later
/// brings more tags in the middle, which are removed too.
pub fn untag(raw: &str) -> TaggedLine {
    let mut origin = None;
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find(TAG_START) {
        let after = &rest[at + TAG_START.len()..];
        let Some(end) = after.find(TAG_END) else {
            break;
        };
        let ids = after[..end]
            .split_once(':')
            .and_then(|(pid, ppid)| Some((pid.parse().ok()?, ppid.parse().ok()?)));
        let Some(ids) = ids else {
            break;
        };
        text.push_str(&rest[..at]);
        origin = origin.or(Some(ids));
        rest = &after[end + TAG_END.len_utf8()..];
    }
    text.push_str(rest);
    TaggedLine { origin, text }
}

/// One process that printed during a run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessSeen {
    pub pid: i32,
    /// Its parent when it first printed (the interpreter for a child; for
    /// a forkserver child, the fork server).
    pub ppid: i32,
    /// Lines it printed, on stdout and stderr.
    pub lines: usize,
}

/// An [`EventSink`] that gives every pid of a Python run a worker of its
/// own; see the module docs.
pub struct PidAttribution<'s> {
    inner: &'s mut dyn EventSink,
    /// Worker index of each pid seen, and the processes in order of
    /// appearance.
    workers: HashMap<i32, WorkerIndex>,
    processes: Vec<ProcessSeen>,
    /// The interpreter mptutor started: untagged lines are its.
    main: Option<(WorkerIndex, i32)>,
    next_worker: WorkerIndex,
    stdout: Vec<String>,
    /// Worker index of each thread seen (`(pid, tid)`), and how many there
    /// were, for their `T1`, `T2` labels.
    threads: HashMap<(i32, i32), WorkerIndex>,
    /// The label of each process's worker (see the module docs).
    labels: HashMap<i32, String>,
    /// How many processes got a `C<n>` label.
    others: usize,
}

impl<'s> PidAttribution<'s> {
    pub fn new(inner: &'s mut dyn EventSink) -> Self {
        PidAttribution {
            inner,
            workers: HashMap::new(),
            processes: Vec::new(),
            main: None,
            next_worker: 0,
            stdout: Vec::new(),
            threads: HashMap::new(),
            labels: HashMap::new(),
            others: 0,
        }
    }

    /// The label of a process named `name` (see the module docs).
    fn label_for(&mut self, name: Option<&str>) -> String {
        // `Process-3`, `SpawnProcess-3` (a context's), `ForkPoolWorker-2`:
        // Python numbers them all from one counter, so a number is never
        // given twice.
        let numbered = |name: &str, kind: &str| {
            let (before, number) = name.rsplit_once(kind)?;
            let known = matches!(before, "" | "Fork" | "Spawn" | "ForkServer");
            (known && !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit()))
                .then(|| number.to_string())
        };
        if let Some(name) = name {
            if let Some(number) = numbered(name, "Process-") {
                return format!("P{number}");
            }
            if let Some(number) = numbered(name, "PoolWorker-") {
                return format!("W{number}");
            }
        }
        self.others += 1;
        format!("C{}", self.others)
    }

    /// What the program printed on stdout, tags removed, in order.
    pub fn stdout_lines(&self) -> &[String] {
        &self.stdout
    }

    /// Every process that printed (and the interpreter, even if silent),
    /// in order of appearance.
    pub fn processes(&self) -> &[ProcessSeen] {
        &self.processes
    }

    /// The worker for `pid`, announcing it with `Started` if it is new:
    /// by `name`, or by its pid when its name is not known.
    fn worker_for(&mut self, pid: i32, ppid: i32, name: Option<&str>, t_us: u64) -> WorkerIndex {
        if let Some(worker) = self.workers.get(&pid) {
            return *worker;
        }
        let worker = self.next_worker;
        self.next_worker += 1;
        self.workers.insert(pid, worker);
        let label = self.label_for(name);
        self.labels.insert(pid, label.clone());
        self.inner.event(&Event::Started {
            worker,
            label: label.into(),
            name: name.map_or_else(|| pid.to_string(), str::to_string).into(),
            kind: WorkerKind::Process,
            pid,
            ppid,
            t_us,
        });
        worker
    }

    /// Shows what the X-ray's collector saw: a process or thread began or
    /// ended, a zombie appeared or was reaped. The interpreter's own start
    /// and exit come from the engine.
    pub fn sighting(&mut self, sighting: &Sighting) {
        let is_main = |pid: &i32| self.main.is_some_and(|(_, main)| main == *pid);
        match sighting {
            Sighting::ProcessStarted {
                pid,
                ppid,
                name,
                t_us,
            } => {
                self.worker_for(*pid, *ppid, Some(name), *t_us);
            }
            Sighting::ProcessExited {
                pid,
                status,
                cpu_us,
                max_rss_kb,
                t_us,
            } if !is_main(pid) => {
                if let Some(worker) = self.workers.get(pid) {
                    self.inner.event(&Event::Exited {
                        worker: *worker,
                        pid: *pid,
                        // As the engine says of a worker someone else reaped.
                        status: status.clone().unwrap_or(ExitStatus::Code(-1)),
                        cpu_us: *cpu_us,
                        max_rss_kb: *max_rss_kb,
                        t_us: *t_us,
                    });
                }
            }
            Sighting::Zombie { pid, name, t_us } if !is_main(pid) => {
                let who = self.who(*pid, name);
                self.note(
                    format!("{who} has exited and is a zombie until its parent reaps it"),
                    *t_us,
                );
            }
            Sighting::Reaped {
                pid,
                name,
                zombie_us,
                t_us,
            } if !is_main(pid) => {
                let who = self.who(*pid, name);
                let seconds = *zombie_us as f64 / 1e6;
                self.note(
                    format!("{who} was reaped, after {seconds:.2} s as a zombie"),
                    *t_us,
                );
            }
            Sighting::ThreadStarted {
                pid,
                tid,
                name,
                t_us,
            } => {
                if self.threads.contains_key(&(*pid, *tid)) {
                    return;
                }
                let worker = self.next_worker;
                self.next_worker += 1;
                self.threads.insert((*pid, *tid), worker);
                self.inner.event(&Event::Started {
                    worker,
                    label: format!("T{}", self.threads.len()).into(),
                    name: name.clone().into(),
                    kind: WorkerKind::Thread,
                    pid: *tid,
                    ppid: *pid,
                    t_us: *t_us,
                });
            }
            Sighting::ThreadExited {
                pid,
                tid,
                cpu_us,
                t_us,
            } => {
                if let Some(worker) = self.threads.get(&(*pid, *tid)) {
                    self.inner.event(&Event::Exited {
                        worker: *worker,
                        pid: *tid,
                        status: ExitStatus::Code(0),
                        cpu_us: *cpu_us,
                        max_rss_kb: 0,
                        t_us: *t_us,
                    });
                }
            }
            _ => {}
        }
    }

    /// `P3 Process-2 (pid 123)`.
    fn who(&self, pid: i32, name: &str) -> String {
        match self.labels.get(&pid) {
            Some(label) => format!("{label} {name} (pid {pid})"),
            None => format!("{name} (pid {pid})"),
        }
    }

    fn note(&mut self, text: String, t_us: u64) {
        self.inner.event(&Event::Note { text, t_us });
    }
}

impl EventSink for PidAttribution<'_> {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started {
                worker,
                pid,
                ppid,
                name,
                kind,
                t_us,
                ..
            } => {
                // The interpreter: `main`, so that `P1` is `Process-1`.
                self.main = Some((*worker, *pid));
                self.next_worker = self.next_worker.max(worker + 1);
                self.workers.insert(*pid, *worker);
                self.labels.insert(*pid, MAIN_LABEL.to_string());
                self.processes.push(ProcessSeen {
                    pid: *pid,
                    ppid: *ppid,
                    lines: 0,
                });
                self.inner.event(&Event::Started {
                    worker: *worker,
                    label: MAIN_LABEL.into(),
                    name: name.clone(),
                    kind: *kind,
                    pid: *pid,
                    ppid: *ppid,
                    t_us: *t_us,
                });
            }
            Event::Line {
                worker,
                pid,
                stream,
                text,
                t_us,
            } => {
                let line = untag(text);
                let (pid, ppid, worker) = match line.origin {
                    Some((tagged, ppid)) => {
                        (tagged, ppid, self.worker_for(tagged, ppid, None, *t_us))
                    }
                    None => self.main.map_or((*pid, 0, *worker), |(w, p)| (p, 0, w)),
                };
                match self.processes.iter_mut().find(|seen| seen.pid == pid) {
                    Some(seen) => seen.lines += 1,
                    None => self.processes.push(ProcessSeen {
                        pid,
                        ppid,
                        lines: 1,
                    }),
                }
                if *stream == Stream::Stdout && self.stdout.len() < MAX_KEPT_LINES {
                    self.stdout.push(line.text.clone());
                }
                self.inner.event(&Event::Line {
                    worker,
                    pid,
                    stream: *stream,
                    text: line.text,
                    t_us: *t_us,
                });
            }
            other => self.inner.event(other),
        }
    }

    fn interrupted(&self) -> bool {
        self.inner.interrupted()
    }

    fn run_ends_by(&mut self, deadline: std::time::Instant) {
        self.inner.run_ends_by(deadline);
    }

    fn wants_xray(&self) -> bool {
        self.inner.wants_xray()
    }

    fn xray_so_far(&mut self, xray: &crate::xray::model::Xray) {
        self.inner.xray_so_far(xray);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Recorder;

    #[test]
    fn a_tagged_line_gives_its_pid_and_plain_text() {
        let line = untag("\u{2}mptutor:4242:4241\u{3}Process-1 says 10");
        assert_eq!(line.origin, Some((4242, 4241)));
        assert_eq!(line.text, "Process-1 says 10");
    }

    #[test]
    fn tags_inside_a_line_are_removed_and_the_first_counts() {
        let line = untag("\u{2}mptutor:7:1\u{3}...\u{2}mptutor:7:1\u{3}done");
        assert_eq!(line.origin, Some((7, 1)));
        assert_eq!(line.text, "...done");
    }

    #[test]
    fn an_untagged_or_broken_tag_is_left_as_text() {
        assert_eq!(untag("plain").origin, None);
        let broken = untag("\u{2}mptutor:abc\u{3}x");
        assert_eq!(broken.origin, None);
        assert_eq!(broken.text, "\u{2}mptutor:abc\u{3}x");
    }

    fn line(pid: i32, text: &str) -> Event {
        Event::Line {
            worker: 0,
            pid: 100,
            stream: Stream::Stdout,
            text: format!("\u{2}mptutor:{pid}:100\u{3}{text}"),
            t_us: 5,
        }
    }

    /// The engine's `Started` for the interpreter, pid 100.
    fn interpreter_started() -> Event {
        Event::Started {
            worker: 0,
            label: "P1".into(),
            name: "python3".into(),
            kind: WorkerKind::Process,
            pid: 100,
            ppid: 1,
            t_us: 0,
        }
    }

    #[test]
    fn labels_agree_with_the_names_python_gives() {
        let mut recorder = Recorder::default();
        let mut attribution = PidAttribution::new(&mut recorder);
        attribution.event(&interpreter_started());
        for (pid, name) in [
            (120, "resource_tracker"),
            (121, "Process-1"),
            (122, "Process-2"),
            (123, "ForkPoolWorker-1"),
            (124, "sleep"),
            (125, "SpawnProcess-4"),
        ] {
            attribution.sighting(&Sighting::ProcessStarted {
                pid,
                ppid: 100,
                name: name.into(),
                t_us: 1,
            });
        }
        let labels: Vec<String> = recorder
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Started { label, name, .. } => Some(format!("{label} {name}")),
                _ => None,
            })
            .collect();
        assert_eq!(
            labels,
            [
                "main python3",
                "C1 resource_tracker",
                "P1 Process-1",
                "P2 Process-2",
                "W1 ForkPoolWorker-1",
                "C2 sleep",
                "P4 SpawnProcess-4",
            ]
        );
    }

    #[test]
    fn each_new_pid_becomes_a_started_worker() {
        let mut recorder = Recorder::default();
        let mut attribution = PidAttribution::new(&mut recorder);
        attribution.event(&interpreter_started());
        attribution.event(&line(101, "a"));
        attribution.event(&line(101, "b"));
        attribution.event(&line(100, "parent"));
        assert_eq!(attribution.stdout_lines(), ["a", "b", "parent"]);
        let pids: Vec<(i32, usize)> = attribution
            .processes()
            .iter()
            .map(|seen| (seen.pid, seen.lines))
            .collect();
        assert_eq!(pids, vec![(100, 1), (101, 2)]);
        let starts: Vec<(usize, String)> = recorder
            .events
            .iter()
            .filter_map(|event| match event {
                Event::Started { worker, name, .. } => Some((*worker, name.to_string())),
                _ => None,
            })
            .collect();
        assert_eq!(starts, vec![(0, "python3".into()), (1, "101".into())]);
    }

    #[test]
    fn a_process_the_collector_saw_gets_a_named_worker_a_zombie_note_and_an_exit() {
        let mut recorder = Recorder::default();
        let mut attribution = PidAttribution::new(&mut recorder);
        attribution.event(&interpreter_started());
        attribution.sighting(&Sighting::ThreadStarted {
            pid: 100,
            tid: 101,
            name: "Thread-1 (work)".into(),
            t_us: 5,
        });
        attribution.sighting(&Sighting::ProcessStarted {
            pid: 123,
            ppid: 100,
            name: "Process-2".into(),
            t_us: 6,
        });
        attribution.sighting(&Sighting::Zombie {
            pid: 123,
            name: "Process-2".into(),
            t_us: 7,
        });
        attribution.sighting(&Sighting::ProcessExited {
            pid: 123,
            status: Some(ExitStatus::Signal("SIGKILL".into())),
            cpu_us: 1,
            max_rss_kb: 2,
            t_us: 7,
        });
        // The interpreter's exit is the engine's to report.
        attribution.sighting(&Sighting::ProcessExited {
            pid: 100,
            status: None,
            cpu_us: 1,
            max_rss_kb: 2,
            t_us: 8,
        });
        // A line from the process now goes to its worker.
        attribution.event(&line(123, "late"));
        let shown: Vec<String> = recorder
            .events
            .iter()
            .map(|event| match event {
                Event::Started {
                    worker,
                    label,
                    name,
                    kind,
                    ..
                } => format!("start {worker} {label} {name} {kind:?}"),
                Event::Exited { worker, status, .. } => format!("exit {worker} {status}"),
                Event::Note { text, .. } => text.clone(),
                Event::Line { worker, text, .. } => format!("line {worker} {text}"),
                Event::Progress { .. } => String::new(),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "start 0 main python3 Process",
                "start 1 T1 Thread-1 (work) Thread",
                "start 2 P2 Process-2 Process",
                "P2 Process-2 (pid 123) has exited and is a zombie until its parent reaps it",
                "exit 2 SIGKILL",
                "line 2 late",
            ]
        );
    }
}
