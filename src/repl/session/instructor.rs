//! Teaching a room: instructor mode (`present`, or `mptutor --instructor`)
//! saves nothing and keeps the notes off the projected screen (`mptutor
//! notes` shows them on a second one, see `presenter.rs`); `goto` jumps
//! anywhere; `pace` has runs recorded at full speed and replayed slowly
//! enough for the room to follow (see [`crate::replay`]); `record` keeps a
//! transcript.

use std::path::PathBuf;
use std::time::Duration;

use super::{Reply, Session, TranscriptChange};
use crate::render;
use crate::replay::Pace;

/// The slowest pace of a replay: 5 s between two events.
const MAX_PACE_MS: u64 = 5_000;

impl Session {
    /// Instructor mode on or off. Presenting never offers to resume the
    /// student's place: a class starts where the instructor says.
    pub fn set_presenting(&mut self, on: bool) {
        self.presenting = on;
        if on {
            self.resume = None;
            self.start_publishing();
        } else {
            self.stop_publishing();
        }
    }

    pub(super) fn presenting_line(&self) -> String {
        let styles = render::Styles::new(&self.options);
        format!(
            "Instructor mode: nothing is saved. {} {} jumps anywhere, {} replays runs slowly, \
             {} keeps a transcript.",
            self.notes_whereabouts(),
            styles.command("goto q3 2"),
            styles.command("pace 300"),
            styles.command("record FILE"),
        )
    }

    /// `present` or `present off`.
    pub(super) fn present_command(&mut self, argument: Option<&str>) -> Reply {
        match argument {
            None | Some("on") => {
                self.set_presenting(true);
                Reply::text(render::render_wrapped(
                    &self.presenting_line(),
                    &self.options,
                ))
            }
            Some(off) if off.eq_ignore_ascii_case("off") => {
                self.set_presenting(false);
                self.say("Student mode: progress is saved again, and `mptutor notes` no longer follows this session.")
            }
            Some(other) => self.fail(format!("usage: present [off], not `present {other}`")),
        }
    }

    /// `goto <lesson> [step]`.
    pub(super) fn goto(&mut self, lesson: &str, step: Option<&str>) -> Reply {
        let Some(index) = self.course.find_lesson(lesson) else {
            return self.no_such_lesson(lesson);
        };
        let count = self.course.lesson(index).steps.len();
        match step.map(str::parse::<usize>) {
            None => self.go_to(index, 0),
            Some(Ok(n)) if (1..=count).contains(&n) => self.go_to(index, n - 1),
            Some(_) => self.fail(format!(
                "Lesson {} has steps 1 to {count}, not `{}`.",
                self.course.lesson(index).id,
                step.unwrap_or_default()
            )),
        }
    }

    /// `pace`, `pace 300`, `pace step`, `pace off`.
    pub(super) fn pace_command(&mut self, value: Option<&str>) -> Reply {
        let Some(value) = value else {
            return self.say(&match self.pace {
                None => "Runs are shown live, as they happen. `pace 300` records them at full \
                         speed and replays them at 300 ms per event; `pace step` one event per \
                         key press."
                    .to_string(),
                Some(pace) => format!(
                    "Runs are recorded at full speed and replayed at {}; `pace off` shows them \
                     live again.",
                    pace.describe()
                ),
            });
        };
        match parse_pace(value) {
            Ok(pace) => {
                self.pace = pace;
                self.say(&match pace {
                    None => "Runs are shown live again, as they happen.".to_string(),
                    Some(pace) => format!(
                        "A demo or a Python run now runs at full speed, recorded with its real \
                         times, and is then replayed at {}{}.",
                        pace.describe(),
                        match pace {
                            Pace::Step =>
                                " (Enter or space: the next event; `q` or Ctrl-C: the \
                                           rest at once)",
                            Pace::Every(_) => " (`q` or Ctrl-C: the rest at once)",
                        }
                    ),
                })
            }
            Err(message) => self.fail(message),
        }
    }

    /// `record FILE` or `record off`.
    pub(super) fn record(&self, target: &str) -> Reply {
        if target.eq_ignore_ascii_case("off") {
            return Reply {
                transcript: Some(TranscriptChange::Stop),
                ..Reply::default()
            };
        }
        Reply {
            transcript: Some(TranscriptChange::Start(PathBuf::from(target))),
            ..Reply::default()
        }
    }

    /// The pace for one `run`: its `pace=…`, taken out of `assignments`
    /// (no demo has a parameter of that name: pacing never changes what a
    /// demo measures), or the session's.
    pub(super) fn demo_pace(&self, assignments: &mut Vec<String>) -> Result<Option<Pace>, String> {
        let given = assignments
            .iter()
            .position(|assignment| assignment.starts_with("pace="));
        match given {
            Some(at) => {
                let assignment = assignments.remove(at);
                parse_pace(assignment.trim_start_matches("pace="))
            }
            None => Ok(self.pace),
        }
    }
}

/// `300` → 300 ms between events; `step` → one per key; `off` or `0` →
/// none.
fn parse_pace(value: &str) -> Result<Option<Pace>, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    if value.eq_ignore_ascii_case("step") {
        return Ok(Some(Pace::Step));
    }
    match value.trim_end_matches("ms").parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(ms @ 1..=MAX_PACE_MS) => Ok(Some(Pace::Every(Duration::from_millis(ms)))),
        _ => Err(format!(
            "`pace` takes milliseconds from 0 to {MAX_PACE_MS}, `step` or `off`, not `{value}`."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_is_milliseconds_step_or_off() {
        let every = |ms| Ok(Some(Pace::Every(Duration::from_millis(ms))));
        assert_eq!(parse_pace("300"), every(300));
        assert_eq!(parse_pace("250ms"), every(250));
        assert_eq!(parse_pace("step"), Ok(Some(Pace::Step)));
        assert_eq!(parse_pace("off"), Ok(None));
        assert_eq!(parse_pace("0"), Ok(None));
        assert!(parse_pace("9000").is_err());
        assert!(parse_pace("fast").is_err());
    }
}
