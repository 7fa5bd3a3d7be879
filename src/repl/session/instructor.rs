//! Teaching a room: instructor mode (`present`, or `mptutor --instructor`)
//! shows the notes and saves nothing; `goto` jumps anywhere; `pace` slows
//! live output so the room can follow; `record` keeps a transcript.

use std::path::PathBuf;
use std::time::Duration;

use super::{Reply, Session, TranscriptChange};
use crate::demos::DemoInfo;
use crate::render;

/// The slowest pace, as for the demos' own `pace` parameter.
const MAX_PACE_MS: u64 = 5_000;

/// Demos that measure time: slowing their output would slow what they
/// measure, so `pace` leaves them alone.
const TIMED_DEMOS: &[&str] = &["cpu-speedup", "compare"];

impl Session {
    /// Instructor mode on or off. Presenting never offers to resume the
    /// student's place: a class starts where the instructor says.
    pub fn set_presenting(&mut self, on: bool) {
        self.presenting = on;
        if on {
            self.resume = None;
        }
    }

    pub(super) fn presenting_line(&self) -> String {
        let styles = render::Styles::new(&self.options);
        format!(
            "Instructor mode: notes are shown and nothing is saved. {} jumps anywhere, {} slows \
             live output, {} keeps a transcript.",
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
                self.say("Student mode: notes are hidden again and progress is saved.")
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

    /// `pace`, `pace 300`, `pace off`.
    pub(super) fn pace_command(&mut self, value: Option<&str>) -> Reply {
        let Some(value) = value else {
            return self.say(&match self.pace {
                None => "Live output runs at full speed. `pace 300` waits 300 ms after each line."
                    .to_string(),
                Some(pace) => format!(
                    "Live output waits {} ms after each line; `pace off` goes back to full speed.",
                    pace.as_millis()
                ),
            });
        };
        match parse_pace(value) {
            Ok(pace) => {
                self.pace = pace;
                self.say(&match pace {
                    None => "Live output runs at full speed again.".to_string(),
                    Some(pace) => format!(
                        "Live output now waits {} ms after each line of a demo or a Python run.",
                        pace.as_millis()
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

    /// The pace for one `run`, taking `pace=…` out of `assignments` where
    /// the demo has no such parameter (then the view is paced instead), and
    /// passing the session's pace to a demo that paces itself.
    pub(super) fn demo_pace(
        &self,
        demo: &DemoInfo,
        assignments: &mut Vec<String>,
    ) -> Result<Option<Duration>, String> {
        let given = assignments
            .iter()
            .position(|assignment| assignment.starts_with("pace="));
        if demo.param("pace").is_some() {
            if given.is_none()
                && let Some(pace) = self.pace
            {
                assignments.push(format!("pace={}", pace.as_millis()));
            }
            return Ok(None);
        }
        let pace = match given {
            Some(at) => {
                let assignment = assignments.remove(at);
                parse_pace(assignment.trim_start_matches("pace="))?
            }
            None => self.pace,
        };
        Ok(pace.filter(|_| !TIMED_DEMOS.contains(&demo.name)))
    }
}

/// `300` → 300 ms; `off` or `0` → none.
fn parse_pace(value: &str) -> Result<Option<Duration>, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match value.trim_end_matches("ms").parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(ms @ 1..=MAX_PACE_MS) => Ok(Some(Duration::from_millis(ms))),
        _ => Err(format!(
            "`pace` takes milliseconds from 0 to {MAX_PACE_MS} (or `off`), not `{value}`."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_is_milliseconds_or_off() {
        assert_eq!(parse_pace("300"), Ok(Some(Duration::from_millis(300))));
        assert_eq!(parse_pace("250ms"), Ok(Some(Duration::from_millis(250))));
        assert_eq!(parse_pace("off"), Ok(None));
        assert_eq!(parse_pace("0"), Ok(None));
        assert!(parse_pace("9000").is_err());
        assert!(parse_pace("fast").is_err());
    }
}
