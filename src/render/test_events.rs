//! Hand-made demo events for the tests: what a small demo with three
//! processes and a thread reports, including one crash and one failure.

use crate::engine::{Event, ExitStatus, Stream, WorkerIndex, WorkerKind};

/// The parent every sample worker belongs to: mptutor itself.
pub(crate) const PARENT_PID: i32 = 4240;

/// A process `label` (`P1`) starting; threads use [`started_thread`].
pub(crate) fn started(worker: WorkerIndex, label: &str, pid: i32, t_us: u64) -> Event {
    let number = label.trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
    Event::Started {
        worker,
        label: label.to_string().into(),
        name: format!("Process-{number}").into(),
        kind: WorkerKind::Process,
        pid,
        ppid: PARENT_PID,
        t_us,
    }
}

pub(crate) fn started_thread(worker: WorkerIndex, label: &str, tid: i32, t_us: u64) -> Event {
    let number = label.trim_start_matches(|ch: char| ch.is_ascii_alphabetic());
    Event::Started {
        worker,
        label: label.to_string().into(),
        name: format!("Thread-{number}").into(),
        kind: WorkerKind::Thread,
        pid: tid,
        ppid: PARENT_PID,
        t_us,
    }
}

pub(crate) fn line(worker: WorkerIndex, pid: i32, text: &str, t_us: u64) -> Event {
    Event::Line {
        worker,
        pid,
        stream: Stream::Stdout,
        text: text.to_string(),
        t_us,
    }
}

pub(crate) fn error_line(worker: WorkerIndex, pid: i32, text: &str, t_us: u64) -> Event {
    Event::Line {
        worker,
        pid,
        stream: Stream::Stderr,
        text: text.to_string(),
        t_us,
    }
}

pub(crate) fn exited(worker: WorkerIndex, pid: i32, code: i32, t_us: u64) -> Event {
    ended(worker, pid, ExitStatus::Code(code), t_us)
}

pub(crate) fn killed(worker: WorkerIndex, pid: i32, signal: &str, t_us: u64) -> Event {
    ended(worker, pid, ExitStatus::Signal(signal.to_string()), t_us)
}

fn ended(worker: WorkerIndex, pid: i32, status: ExitStatus, t_us: u64) -> Event {
    Event::Exited {
        worker,
        pid,
        status,
        cpu_us: t_us / 3,
        max_rss_kb: 3_900 + 250 * worker as u64,
        t_us,
    }
}

pub(crate) fn note(text: &str, t_us: u64) -> Event {
    Event::Note {
        text: text.to_string(),
        t_us,
    }
}

/// Three processes and a thread: P1 prints and exits 0, P2 complains on
/// stderr and exits 3, P3 dies of SIGSEGV, T1 prints a long line and ends.
pub(crate) fn sample_events() -> Vec<Event> {
    vec![
        note("phase 1: three processes and a thread start", 0),
        started(0, "P1", 4242, 310),
        started(1, "P2", 4243, 450),
        started(2, "P3", 4244, 620),
        started_thread(3, "T1", 4245, 700),
        line(0, 4242, "P1 squared 1 -> 1", 1_200),
        line(1, 4243, "P2 squared 2 -> 4", 1_900),
        line(
            3,
            4245,
            "T1 shares the parent's memory, so it sees the counter the parent set \
             before it started: counter = 42",
            2_400,
        ),
        error_line(1, 4243, "P2: input 7 is not a number, giving up", 3_100),
        line(0, 4242, "P1 squared 3 -> 9", 4_000),
        exited(0, 4242, 0, 5_100),
        killed(2, 4244, "SIGSEGV", 6_050),
        exited(1, 4243, 3, 7_300),
        exited(3, 4245, 0, 9_800),
        note(
            "every worker is done; P3's crash did not take the others down",
            12_300,
        ),
    ]
}
