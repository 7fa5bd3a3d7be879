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

use std::collections::HashMap;

use crate::engine::{Event, EventSink, Stream, WorkerIndex, WorkerKind};

/// Where a tag starts: `\x02mptutor:<pid>:<ppid>\x03`.
const TAG_START: &str = "\u{2}mptutor:";
const TAG_END: char = '\u{3}';

/// Most stdout lines kept for the checks (the engine forwards at most
/// 5 000 per stream anyway).
const MAX_KEPT_LINES: usize = 10_000;

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
        }
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

    /// The worker for `pid`, announcing it with `Started` if it is new.
    fn worker_for(&mut self, pid: i32, ppid: i32, t_us: u64) -> WorkerIndex {
        if let Some(worker) = self.workers.get(&pid) {
            return *worker;
        }
        let worker = self.next_worker;
        self.next_worker += 1;
        self.workers.insert(pid, worker);
        self.processes.push(ProcessSeen {
            pid,
            ppid,
            lines: 0,
        });
        self.inner.event(&Event::Started {
            worker,
            label: format!("P{}", worker + 1).into(),
            name: pid.to_string().into(),
            kind: WorkerKind::Process,
            pid,
            ppid,
            t_us,
        });
        worker
    }
}

impl EventSink for PidAttribution<'_> {
    fn event(&mut self, event: &Event) {
        match event {
            Event::Started {
                worker, pid, ppid, ..
            } => {
                self.main = Some((*worker, *pid));
                self.next_worker = self.next_worker.max(worker + 1);
                self.workers.insert(*pid, *worker);
                self.processes.push(ProcessSeen {
                    pid: *pid,
                    ppid: *ppid,
                    lines: 0,
                });
                self.inner.event(event);
            }
            Event::Line {
                worker,
                pid,
                stream,
                text,
                t_us,
            } => {
                let line = untag(text);
                let (pid, worker) = match line.origin {
                    Some((tagged, ppid)) => (tagged, self.worker_for(tagged, ppid, *t_us)),
                    None => self.main.map_or((*pid, *worker), |(w, p)| (p, w)),
                };
                if let Some(seen) = self.processes.iter_mut().find(|seen| seen.pid == pid) {
                    seen.lines += 1;
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

    #[test]
    fn each_new_pid_becomes_a_started_worker() {
        let mut recorder = Recorder::default();
        let mut attribution = PidAttribution::new(&mut recorder);
        attribution.event(&Event::Started {
            worker: 0,
            label: "P1".into(),
            name: "python3".into(),
            kind: WorkerKind::Process,
            pid: 100,
            ppid: 1,
            t_us: 0,
        });
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
}
