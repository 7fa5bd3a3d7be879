//! Pacing that keeps the data true: a paced run (`pace 300`, `pace step`)
//! is run at full speed into a [`Recording`], with each event's real time,
//! and only then replayed to the live view at the chosen pace.
//!
//! Slowing the view while the run went on would slow the run itself: a
//! worker blocks on a full pipe while nobody reads it, a pool hands out
//! its next task late, and every time the demo measures stretches with
//! the pace. Replayed events keep the `t_us` they were recorded with, so
//! the tags and the timeline show when things happened, never when they
//! were shown. What to wait on between two events (a clock, or a key) is a
//! [`Waiter`], so the replay's order of events and its ending can be
//! tested without a terminal.

use std::time::{Duration, Instant};

use crate::engine::interrupt::{self, InterruptGuard};
use crate::engine::sys::terminal_keys::{Key, KeyPresses};
use crate::engine::{Event, EventSink};

/// The pace `pace step` falls back to when there are no keys to read
/// (standard input is not a terminal).
pub const STEP_FALLBACK: Duration = Duration::from_millis(300);

/// Line text a recording keeps in all; later lines keep their worker, pid
/// and time, and their text is replaced by [`TEXT_NOT_KEPT`].
const MAX_KEPT_TEXT: usize = 8 << 20;
/// Events a recording keeps; a run that sends more has the rest counted,
/// not kept (hours of replay even at 1 ms per event).
const MAX_KEPT_EVENTS: usize = 200_000;
/// What a line past [`MAX_KEPT_TEXT`] shows in the replay.
const TEXT_NOT_KEPT: &str = "(this line's text was not kept for the replay: over 8 MiB of output)";

/// How a paced run is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// This long between two events of the replay.
    Every(Duration),
    /// One event per key press: Enter or space for the next, `q` or
    /// Ctrl-C for the rest at once.
    Step,
}

impl Pace {
    /// `300 ms per event`, `one event per key press`.
    pub fn describe(&self) -> String {
        match self {
            Pace::Every(every) => format!("{} ms per event", every.as_millis()),
            Pace::Step => "one event per key press".to_string(),
        }
    }
}

/// The events of a run, kept as they arrived, with their real times.
#[derive(Debug)]
pub struct Recording {
    events: Vec<Event>,
    text_bytes: usize,
    /// Lines whose text was replaced by [`TEXT_NOT_KEPT`].
    texts_not_kept: usize,
    /// Events past [`MAX_KEPT_EVENTS`], counted only.
    events_not_kept: usize,
    started: Instant,
    took: Option<Duration>,
}

impl Default for Recording {
    fn default() -> Self {
        Self::start()
    }
}

impl Recording {
    /// Starts the clock of the recording: the run begins now.
    pub fn start() -> Recording {
        Recording {
            events: Vec::new(),
            text_bytes: 0,
            texts_not_kept: 0,
            events_not_kept: 0,
            started: Instant::now(),
            took: None,
        }
    }

    /// The run has ended: how long it took is fixed now.
    pub fn finish(&mut self) {
        self.took.get_or_insert_with(|| self.started.elapsed());
    }

    /// How long the run took at full speed (so far, if not finished).
    pub fn took(&self) -> Duration {
        self.took.unwrap_or_else(|| self.started.elapsed())
    }

    /// The events kept, in the order they arrived.
    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

impl EventSink for Recording {
    fn event(&mut self, event: &Event) {
        // A progress bar redrawn in a replay would time the replay, not
        // the run; the events it summarises are replayed themselves.
        if matches!(event, Event::Progress { .. }) {
            return;
        }
        if self.events.len() >= MAX_KEPT_EVENTS {
            self.events_not_kept += 1;
            return;
        }
        let mut kept = event.clone();
        if let Event::Line { text, .. } = &mut kept {
            if self.text_bytes + text.len() > MAX_KEPT_TEXT {
                *text = TEXT_NOT_KEPT.to_string();
                self.texts_not_kept += 1;
            } else {
                self.text_bytes += text.len();
            }
        }
        self.events.push(kept);
    }
}

/// What ended a replay before its last event was paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutShort {
    /// `q` was pressed.
    Quit,
    /// Ctrl-C was pressed.
    Interrupt,
}

/// How a replay went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// Events shown at the pace.
    pub paced: usize,
    /// Events shown at once after the replay was cut short.
    pub at_once: usize,
    pub cut_short: Option<CutShort>,
    /// Lines whose text the recording did not keep.
    pub texts_not_kept: usize,
    /// Events the recording did not keep.
    pub events_not_kept: usize,
}

impl Replayed {
    /// What to say after the replay, when anything: it was cut short, or
    /// the recording did not keep everything (Markdown).
    pub fn summary(&self) -> Option<String> {
        let mut said = Vec::new();
        if let Some(cut) = self.cut_short {
            let by = match cut {
                CutShort::Quit => "`q`",
                CutShort::Interrupt => "Ctrl-C",
            };
            said.push(format!(
                "The replay was ended by {by}: the last {} of {} events were shown at once.",
                self.at_once,
                self.paced + self.at_once
            ));
        }
        if self.texts_not_kept > 0 {
            said.push(format!(
                "{} lines printed past the first 8 MiB of output were replayed without their text.",
                self.texts_not_kept
            ));
        }
        if self.events_not_kept > 0 {
            said.push(format!(
                "{} events after the first {MAX_KEPT_EVENTS} were not kept for the replay.",
                self.events_not_kept
            ));
        }
        (!said.is_empty()).then(|| said.join(" "))
    }
}

/// What a replay waits on between two events.
pub trait Waiter {
    /// Waits before the next event; says whether to go on pacing, or to
    /// show the rest at once.
    fn wait(&mut self) -> Option<CutShort>;
}

/// A fixed time between events; `q` (when standard input is a terminal)
/// or Ctrl-C ends the waiting.
struct Clock {
    every: Duration,
    keys: Option<KeyPresses>,
}

impl Waiter for Clock {
    fn wait(&mut self) -> Option<CutShort> {
        let until = Instant::now() + self.every;
        loop {
            if interrupt::requested() {
                return Some(CutShort::Interrupt);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            // Short slices, so a Ctrl-C is seen at once even where no
            // signal interrupts the wait.
            let slice = left.min(Duration::from_millis(20));
            match &self.keys {
                Some(keys) => {
                    if keys.next_key(Some(slice)) == Key::Quit {
                        return Some(CutShort::Quit);
                    }
                }
                None => std::thread::sleep(slice),
            }
        }
    }
}

/// One event per key press.
struct Keys(KeyPresses);

impl Waiter for Keys {
    fn wait(&mut self) -> Option<CutShort> {
        loop {
            if interrupt::requested() {
                return Some(CutShort::Interrupt);
            }
            // Woken by a key, or by the signal of a Ctrl-C; checked again
            // every so often in case a signal came just before the wait.
            match self.0.next_key(Some(Duration::from_millis(250))) {
                Key::Next => return None,
                Key::Quit => return Some(CutShort::Quit),
                Key::Other | Key::Nothing => {}
            }
        }
    }
}

/// A replay about to be shown, and what it waits on between two events.
pub struct Replayer {
    waiter: Box<dyn Waiter>,
    /// What the replay waits on, in words.
    shown_as: String,
    /// `pace step` could not read keys and fell back to a fixed pace.
    fell_back: bool,
    /// The run was stopped, so nothing is paced.
    at_once: bool,
}

impl Replayer {
    /// A replay at `pace`. `pace step` reads keys from the terminal; when
    /// standard input is not one, it falls back to [`STEP_FALLBACK`]
    /// between events, and [`Replayer::header`] says so.
    pub fn new(pace: Pace) -> Replayer {
        match pace {
            Pace::Every(every) => Replayer {
                waiter: Box::new(Clock {
                    every,
                    keys: KeyPresses::open(),
                }),
                shown_as: pace.describe(),
                fell_back: false,
                at_once: false,
            },
            Pace::Step => match KeyPresses::open() {
                Some(keys) => Replayer {
                    waiter: Box::new(Keys(keys)),
                    shown_as: pace.describe(),
                    fell_back: false,
                    at_once: false,
                },
                None => Replayer {
                    waiter: Box::new(Clock {
                        every: STEP_FALLBACK,
                        keys: None,
                    }),
                    shown_as: Pace::Every(STEP_FALLBACK).describe(),
                    fell_back: true,
                    at_once: false,
                },
            },
        }
    }

    /// A replay that waits on `waiter` (tests script their keys this way).
    pub fn with_waiter(waiter: Box<dyn Waiter>, shown_as: &str) -> Replayer {
        Replayer {
            waiter,
            shown_as: shown_as.to_string(),
            fell_back: false,
            at_once: false,
        }
    }

    /// A replay of everything at once, for a run that was stopped
    /// (Ctrl-C): whoever stopped it wants the prompt back, not a slow
    /// replay.
    pub fn at_once() -> Replayer {
        Replayer {
            waiter: Box::new(Clock {
                every: Duration::ZERO,
                keys: None,
            }),
            shown_as: String::new(),
            fell_back: false,
            at_once: true,
        }
    }

    /// The replayer for a run that has ended: at `pace`, or at once when
    /// it was stopped. Made after the run, so keys pressed while it was
    /// recorded do not count.
    pub fn after_run(pace: Pace, stopped: bool) -> Replayer {
        if stopped {
            Replayer::at_once()
        } else {
            Replayer::new(pace)
        }
    }

    /// What is shown while a paced run is recorded (Markdown).
    pub fn recording_line(pace: Pace) -> String {
        format!(
            "Running at full speed and recording; the replay follows, at {}, with the recorded \
             times…",
            pace.describe()
        )
    }

    /// The line before the replay (Markdown): it is a replay, at what
    /// pace, of how many events, recorded at full speed in how long.
    pub fn header(&self, recording: &Recording) -> String {
        let took = format!("{:.2} s", recording.took().as_secs_f64());
        let events = recording.events().len();
        let noun = if events == 1 { "event" } else { "events" };
        if self.at_once {
            return format!(
                "**Stopped while recording** (Ctrl-C) after {took} at full speed: the {events} \
                 {noun} recorded are shown at once."
            );
        }
        let how = if self.fell_back {
            format!(
                "at {} (`pace step` reads keys from a terminal, and standard input is not one)",
                self.shown_as
            )
        } else if self.shown_as == Pace::Step.describe() {
            "one per key press (Enter or space: the next; `q` or Ctrl-C: the rest at once)"
                .to_string()
        } else {
            format!("at {}", self.shown_as)
        };
        format!("**Replaying** {events} {noun} {how}; recorded at full speed in {took}.")
    }

    /// Replays `recording` into `sink`, waiting before every event but the
    /// first; a cut-short replay sends the rest at once. Each event keeps
    /// the time it was recorded with.
    pub fn play(mut self, recording: &Recording, sink: &mut dyn EventSink) -> Replayed {
        // Ctrl-C ends the replay, not mptutor; the guard forgets the press
        // when dropped, so it does not stop what comes after.
        let _guard = InterruptGuard::install();
        interrupt::clear();
        let mut replayed = Replayed {
            paced: 0,
            at_once: 0,
            cut_short: None,
            texts_not_kept: recording.texts_not_kept,
            events_not_kept: recording.events_not_kept,
        };
        for (at, event) in recording.events().iter().enumerate() {
            if at > 0 && !self.at_once && replayed.cut_short.is_none() {
                replayed.cut_short = self.waiter.wait();
            }
            if self.at_once || replayed.cut_short.is_some() {
                replayed.at_once += 1;
            } else {
                replayed.paced += 1;
            }
            sink.event(event);
        }
        replayed
    }
}

#[cfg(test)]
mod tests;
