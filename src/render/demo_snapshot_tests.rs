//! Snapshots of what a student sees while a demo runs and after it, and the
//! module's promises held over arbitrary events.
//!
//! Plain text at 80 columns (stacked) and 160 (side by side), from the
//! hand-made events of [`sample_events`]: three processes and a thread, one
//! failing with exit 3 and one killed by SIGSEGV.

use proptest::prelude::*;

use super::ansi::width;
use super::test_events::{
    error_line, exited, killed, line, note, sample_events, started, started_thread,
};
use super::*;
use crate::engine::Event;

const EXPLANATION: &str = "\
Each worker is a separate **process** with its own pid; they share a \
parent, mptutor. Watch the `pid` in each tag.

When one process crashes, the others carry on: a crash ends only the \
process it happens in, and the parent sees how it ended.

A thread is different: it lives *inside* a process.";

/// Everything the REPL prints during a demo, as one text: the header, each
/// event beside or below the explanation, and the explanation's rest.
fn transcript(events: &[Event], opts: &RenderOptions) -> String {
    let explanation_opts = RenderOptions {
        width: LiveColumns::explanation_width(opts),
        ..*opts
    };
    let explanation = render_markdown(EXPLANATION, &explanation_opts);
    let mut live = LiveColumns::new(&explanation, opts);
    let mut labels = WorkerLabels::new();
    let mut printed = vec![live.header()];
    for event in events {
        labels.observe(event);
        let lines = render_event(event, &labels, live.right_width(), opts);
        printed.push(live.push(&lines));
    }
    printed.push(live.finish());
    printed.retain(|text| !text.is_empty());
    printed.join("\n")
}

/// Every demo view of `events`, for the promises every view keeps.
fn every_view(events: &[Event], opts: &RenderOptions) -> Vec<String> {
    vec![
        transcript(events, opts),
        render_timeline(events, opts),
        render_worker_summary(events, opts),
    ]
}

#[test]
fn live_transcript() {
    let events = sample_events();
    insta::assert_snapshot!("live_80", transcript(&events, &RenderOptions::plain(80)));
    insta::assert_snapshot!(
        "live_160_side_by_side",
        transcript(&events, &RenderOptions::plain(160))
    );
}

#[test]
fn timeline() {
    let events = sample_events();
    insta::assert_snapshot!(
        "timeline_80",
        render_timeline(&events, &RenderOptions::plain(80))
    );
    insta::assert_snapshot!(
        "timeline_160",
        render_timeline(&events, &RenderOptions::plain(160))
    );
}

#[test]
fn worker_summary() {
    let events = sample_events();
    insta::assert_snapshot!(
        "worker_summary_80",
        render_worker_summary(&events, &RenderOptions::plain(80))
    );
    insta::assert_snapshot!(
        "worker_summary_160",
        render_worker_summary(&events, &RenderOptions::plain(160))
    );
}

#[test]
fn colour_off_has_no_escapes_and_colour_on_does() {
    for color in [false, true] {
        for columns in [80, 160] {
            let opts = RenderOptions {
                width: columns,
                measure: crate::render::DEFAULT_MEASURE,
                color,
                show_notes: false,
                theme: Default::default(),
            };
            for view in every_view(&sample_events(), &opts) {
                assert_eq!(view.contains('\x1b'), color, "{view}");
            }
        }
    }
}

#[test]
fn every_line_fits_the_width() {
    for columns in [40, 60, 80, 100, 119, 120, 160, 240] {
        for color in [false, true] {
            let opts = RenderOptions {
                width: columns,
                measure: crate::render::DEFAULT_MEASURE,
                color,
                show_notes: false,
                theme: Default::default(),
            };
            for view in every_view(&sample_events(), &opts) {
                for line in view.lines() {
                    assert!(width(line) <= columns, "{columns}: {line:?}");
                }
            }
        }
    }
}

/// Any event a demo could send, with awkward text and extreme numbers.
fn any_event() -> impl Strategy<Value = Event> {
    let worker = 0usize..6;
    let pid = prop_oneof![Just(1), 100..5_000i32, Just(4_194_304)];
    let t = prop_oneof![Just(0u64), 0..50_000u64, Just(u64::MAX / 2)];
    let text = prop_oneof![
        Just(String::new()),
        "[a-z ]{0,40}",
        "[a-zA-Z0-9 _./-]{60,200}",
        Just("漢字かな\t\x1b[31mred\r".to_string()),
    ];
    prop_oneof![
        (worker.clone(), pid.clone(), t.clone()).prop_map(|(w, pid, t)| started(
            w,
            &format!("P{}", w + 1),
            pid,
            t
        )),
        (worker.clone(), pid.clone(), t.clone()).prop_map(|(w, pid, t)| started_thread(
            w,
            &format!("T{w}"),
            pid,
            t
        )),
        (worker.clone(), pid.clone(), text.clone(), t.clone())
            .prop_map(|(w, pid, text, t)| line(w, pid, &text, t)),
        (worker.clone(), pid.clone(), text.clone(), t.clone())
            .prop_map(|(w, pid, text, t)| error_line(w, pid, &text, t)),
        (worker.clone(), pid.clone(), -3..300i32, t.clone())
            .prop_map(|(w, pid, code, t)| exited(w, pid, code, t)),
        (worker, pid, t.clone()).prop_map(|(w, pid, t)| killed(w, pid, "SIGKILL", t)),
        (text, t).prop_map(|(text, t)| note(&text, t)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn demo_views_always_fit_the_width(
        events in prop::collection::vec(any_event(), 0..40),
        columns in 40usize..220,
        color: bool,
    ) {
        let opts = RenderOptions { width: columns, measure: crate::render::DEFAULT_MEASURE, color, show_notes: false, theme: Default::default() };
        for view in every_view(&events, &opts) {
            for line in view.lines() {
                prop_assert!(width(line) <= columns, "{} > {columns}: {line:?}", width(line));
                let last_escape = line.rfind('\x1b').map(|at| &line[at..]);
                prop_assert!(last_escape.is_none_or(|code| code.starts_with("\x1b[0m")), "{line:?}");
            }
            if !color {
                prop_assert!(!view.contains('\x1b'));
            }
        }
    }
}
