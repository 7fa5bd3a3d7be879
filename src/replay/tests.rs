use std::borrow::Cow;

use super::*;
use crate::engine::{EngineError, ExitStatus, Recorder, Stream, WorkerKind};
use crate::live_view::LiveView;
use crate::render::RenderOptions;

/// A worker that starts, prints two lines and exits, over 1.25 s.
fn one_worker_run() -> Vec<Event> {
    vec![
        Event::Note {
            text: "the main process starts one child".into(),
            t_us: 10,
        },
        Event::Started {
            worker: 0,
            label: Cow::Borrowed("P1"),
            name: Cow::Borrowed("Process-1"),
            kind: WorkerKind::Process,
            pid: 4242,
            ppid: 4241,
            t_us: 120,
        },
        Event::Line {
            worker: 0,
            pid: 4242,
            stream: Stream::Stdout,
            text: "hello from the child".into(),
            t_us: 600_000,
        },
        Event::Progress {
            done: 1,
            total: 2,
            t_us: 700_000,
        },
        Event::Line {
            worker: 0,
            pid: 4242,
            stream: Stream::Stdout,
            text: "goodbye".into(),
            t_us: 1_250_000,
        },
        Event::Exited {
            worker: 0,
            pid: 4242,
            status: ExitStatus::Code(0),
            cpu_us: 900,
            max_rss_kb: 2_000,
            t_us: 1_260_000,
        },
    ]
}

fn recorded(events: &[Event]) -> Recording {
    let mut recording = Recording::start();
    for event in events {
        recording.event(event);
    }
    recording.finish();
    recording
}

/// Answers each wait from a script; counts the waits.
struct Scripted {
    answers: Vec<Option<CutShort>>,
    waits: usize,
}

impl Waiter for Scripted {
    fn wait(&mut self) -> Option<CutShort> {
        let answer = self.answers.get(self.waits).copied().flatten();
        self.waits += 1;
        answer
    }
}

/// Counts waits through a pointer the test keeps.
struct Counting(std::rc::Rc<std::cell::Cell<usize>>);

impl Waiter for Counting {
    fn wait(&mut self) -> Option<CutShort> {
        self.0.set(self.0.get() + 1);
        None
    }
}

#[test]
fn a_replay_sends_every_event_in_order_with_its_recorded_time_and_no_progress() {
    let run = one_worker_run();
    let recording = recorded(&run);
    let waits = std::rc::Rc::new(std::cell::Cell::new(0));
    let replayer = Replayer::with_waiter(Box::new(Counting(waits.clone())), "1 ms per event");
    let mut sink = Recorder::default();
    let replayed = replayer.play(&recording, &mut sink);
    let expected: Vec<Event> = run
        .into_iter()
        .filter(|event| !matches!(event, Event::Progress { .. }))
        .collect();
    assert_eq!(sink.events, expected);
    assert_eq!(waits.get(), expected.len() - 1, "a wait between two events");
    assert_eq!((replayed.paced, replayed.at_once), (expected.len(), 0));
    assert_eq!(replayed.summary(), None);
}

#[test]
fn q_ends_a_replay_and_the_rest_is_shown_at_once_saying_so() {
    let recording = recorded(&one_worker_run());
    let script = Scripted {
        answers: vec![None, Some(CutShort::Quit)],
        waits: 0,
    };
    let mut sink = Recorder::default();
    let replayed = Replayer::with_waiter(Box::new(script), "one event per key press")
        .play(&recording, &mut sink);
    assert_eq!(sink.events.len(), 5, "every event is still shown");
    assert_eq!((replayed.paced, replayed.at_once), (2, 3));
    assert_eq!(replayed.cut_short, Some(CutShort::Quit));
    let summary = replayed.summary().unwrap_or_default();
    assert!(summary.contains("the last 3 of 5 events"), "{summary}");
}

#[test]
fn a_stopped_run_is_replayed_at_once_without_waiting() {
    let recording = recorded(&one_worker_run());
    let replayer = Replayer::at_once();
    let header = replayer.header(&recording);
    assert!(header.contains("Stopped while recording"), "{header}");
    let mut sink = Recorder::default();
    let replayed = replayer.play(&recording, &mut sink);
    assert_eq!((replayed.paced, replayed.at_once), (0, 5));
    assert_eq!(sink.events.len(), 5);
}

#[test]
fn the_header_says_it_is_a_replay_at_what_pace_of_how_many_events_recorded_how_fast() {
    let recording = recorded(&one_worker_run());
    let header = Replayer::with_waiter(Box::new(Counting(Default::default())), "300 ms per event")
        .header(&recording);
    assert!(header.starts_with("**Replaying** 5 events"), "{header}");
    assert!(header.contains("5 events at 300 ms per event"), "{header}");
    assert!(header.contains("recorded at full speed in"), "{header}");
    let took = format!("{:.2} s", recording.took().as_secs_f64());
    assert!(header.contains(&took), "{header}");
}

#[test]
fn the_tags_and_timeline_of_a_replay_show_the_recorded_times() {
    let run = one_worker_run();
    let options = RenderOptions::plain(100);
    let mut direct = Vec::new();
    {
        let mut view = LiveView::start(&mut direct, "A child.", options);
        for event in &run {
            view.event(event);
        }
        view.finish(&Err(EngineError::Interrupted));
    }
    let recording = recorded(&run);
    let mut replayed = Vec::new();
    {
        let mut view = LiveView::start(&mut replayed, "A child.", options);
        Replayer::with_waiter(Box::new(Counting(Default::default())), "1 ms per event")
            .play(&recording, &mut view);
        view.finish(&Err(EngineError::Interrupted));
    }
    let direct = String::from_utf8_lossy(&direct);
    let replayed = String::from_utf8_lossy(&replayed);
    assert_eq!(replayed, direct, "a replay shows what the run showed");
    // The replay took no time at all; the tags still say 1.25 s, and the
    // timeline's axis ends at the recorded end.
    assert!(replayed.contains("+1.25s"), "{replayed}");
    assert!(replayed.contains("1.26s"), "{replayed}");
}

#[test]
fn lines_past_the_text_budget_keep_their_time_but_not_their_text() {
    let mut recording = Recording::start();
    let long = "x".repeat(1 << 20);
    for n in 0..10_u64 {
        recording.event(&Event::Line {
            worker: 0,
            pid: 7,
            stream: Stream::Stdout,
            text: long.clone(),
            t_us: n,
        });
    }
    recording.finish();
    let kept: Vec<(u64, bool)> = recording
        .events()
        .iter()
        .map(|event| match event {
            Event::Line { text, t_us, .. } => (*t_us, text == &long),
            other => (other.t_us(), false),
        })
        .collect();
    assert_eq!(kept.len(), 10);
    assert!(kept[..8].iter().all(|(_, whole)| *whole), "{kept:?}");
    assert!(kept[8..].iter().all(|(_, whole)| !*whole), "{kept:?}");
    assert_eq!(kept[9].0, 9, "the time is kept");
    let mut sink = Recorder::default();
    let replayed = Replayer::with_waiter(Box::new(Counting(Default::default())), "1 ms")
        .play(&recording, &mut sink);
    let summary = replayed.summary().unwrap_or_default();
    assert!(
        summary.contains("2 lines printed past the first 8 MiB"),
        "{summary}"
    );
}
