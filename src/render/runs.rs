//! A finished demo's events regrouped per worker run, for the views drawn
//! afterwards (the timeline and the worker table).
//!
//! A *run* is one life of one worker: from its `Started` event to the
//! `Exited` with the same worker index and pid. Demos with phases reuse
//! worker indexes (`P1` in phase one and again in phase two), so a worker
//! may have several runs; the pid tells them apart. Events that arrive
//! without a matching `Started` (a demo cut short, a lost event) still get a
//! run, with what is known left empty, so nothing a worker did is dropped.

use crate::engine::{Event, ExitStatus, Stream, WorkerIndex, WorkerKind};

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exit {
    pub status: ExitStatus,
    pub cpu_us: u64,
    pub max_rss_kb: u64,
    pub t_us: u64,
}

/// One life of one worker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub worker: WorkerIndex,
    /// `P1`, `T2`; empty when the run was never seen starting.
    pub label: String,
    pub name: String,
    pub kind: Option<WorkerKind>,
    pub pid: i32,
    pub ppid: Option<i32>,
    pub start_us: Option<u64>,
    pub exit: Option<Exit>,
    /// When each line was printed.
    pub line_times: Vec<u64>,
    pub stderr_lines: usize,
}

impl Run {
    fn unseen(worker: WorkerIndex, pid: i32) -> Self {
        Run {
            worker,
            label: String::new(),
            name: String::new(),
            kind: None,
            pid,
            ppid: None,
            start_us: None,
            exit: None,
            line_times: Vec::new(),
            stderr_lines: 0,
        }
    }

    /// The label to show: the demo's, or `#3` (the index, from 1) when the
    /// run was never seen starting.
    pub fn display_label(&self) -> String {
        if self.label.is_empty() {
            format!("#{}", self.worker + 1)
        } else {
            self.label.clone()
        }
    }

    /// `pid` for a process, `tid` for a thread (its kernel thread id).
    pub fn id_word(&self) -> &'static str {
        match self.kind {
            Some(WorkerKind::Thread) => "tid",
            _ => "pid",
        }
    }
}

/// Every run in `events`, ordered by worker index, then by start time.
pub(crate) fn collect_runs(events: &[Event]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for event in events {
        match event {
            Event::Started {
                worker,
                label,
                name,
                kind,
                pid,
                ppid,
                t_us,
            } => runs.push(Run {
                label: label.to_string(),
                name: name.to_string(),
                kind: Some(*kind),
                ppid: Some(*ppid),
                start_us: Some(*t_us),
                ..Run::unseen(*worker, *pid)
            }),
            Event::Line {
                worker,
                pid,
                stream,
                t_us,
                ..
            } => {
                let run = open_run(&mut runs, *worker, *pid);
                run.line_times.push(*t_us);
                if *stream == Stream::Stderr {
                    run.stderr_lines += 1;
                }
            }
            Event::Exited {
                worker,
                pid,
                status,
                cpu_us,
                max_rss_kb,
                t_us,
            } => {
                open_run(&mut runs, *worker, *pid).exit = Some(Exit {
                    status: status.clone(),
                    cpu_us: *cpu_us,
                    max_rss_kb: *max_rss_kb,
                    t_us: *t_us,
                });
            }
            Event::Note { .. } | Event::Progress { .. } => {}
        }
    }
    // Stable: runs of one worker keep the order they started in.
    runs.sort_by_key(|run| run.worker);
    runs
}

/// The latest run of `worker` with `pid` that has not exited, made up if
/// there is none.
fn open_run(runs: &mut Vec<Run>, worker: WorkerIndex, pid: i32) -> &mut Run {
    let found = runs
        .iter()
        .rposition(|run| run.worker == worker && run.pid == pid && run.exit.is_none());
    let index = match found {
        Some(index) => index,
        None => {
            runs.push(Run::unseen(worker, pid));
            runs.len() - 1
        }
    };
    &mut runs[index]
}

/// When the demo's last event happened: the end of the shared time axis.
pub(crate) fn end_us(events: &[Event]) -> u64 {
    events.iter().map(Event::t_us).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_events::{exited, line, sample_events, started};

    #[test]
    fn each_start_begins_a_run_matched_to_its_exit_by_pid() {
        let runs = collect_runs(&sample_events());
        let workers: Vec<WorkerIndex> = runs.iter().map(|run| run.worker).collect();
        assert_eq!(workers, [0, 1, 2, 3]);
        let crashed = &runs[2];
        assert_eq!(
            crashed.exit.as_ref().map(|exit| &exit.status),
            Some(&ExitStatus::Signal("SIGSEGV".to_string()))
        );
    }

    #[test]
    fn a_reused_worker_index_gets_one_run_per_pid() {
        let events = [
            started(0, "P1", 100, 0),
            exited(0, 100, 0, 10),
            started(0, "P1", 200, 20),
            line(0, 200, "again", 25),
            exited(0, 200, 0, 30),
        ];
        let runs = collect_runs(&events);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[1].pid, 200);
        assert_eq!(runs[1].line_times, [25]);
        assert!(runs[0].line_times.is_empty());
    }

    #[test]
    fn events_without_a_start_still_get_a_run() {
        let runs = collect_runs(&[line(4, 77, "orphan", 5)]);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].display_label(), "#5");
        assert_eq!(runs[0].start_us, None);
    }
}
