//! `mptutor notes`: follows the newest presenting REPL and redraws its
//! notes whenever it moves.
//!
//! The positions are tiny files, so the folder is simply read again four
//! times a second; between two reads the loop waits for a key (`q`
//! leaves). A Ctrl-C is caught rather than left to kill mptutor, so the
//! terminal's settings are put back before it ends with status 130, as a
//! shell reports a program ended by Ctrl-C.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use crate::course::{self, Course};
use crate::engine::interrupt::{self, InterruptGuard};
use crate::engine::sys::keys::{Key, SingleKeys};
use crate::engine::sys::terminal::RestoreOnExit;
use crate::render::{self, Following, RenderOptions};

use super::position::{CourseSource, PresenterPosition, presenters};

/// What `notes` says when no presenting REPL runs.
pub const NO_PRESENTER: &str = "no presenting mptutor is running; start one with `present` \
     (or `mptutor --instructor`) in another terminal";

/// The exit status after Ctrl-C: 128 + SIGINT.
pub const INTERRUPTED_EXIT: u8 = 130;

/// How often the positions are read again.
const POLL: Duration = Duration::from_millis(250);

/// Clears a terminal and puts the cursor at its top left.
const CLEAR_SCREEN: &[u8] = b"\x1b[H\x1b[2J";

/// How the notes screen is drawn.
#[derive(Debug, Clone, Copy)]
pub struct NotesSettings {
    pub color: bool,
    pub theme: crate::render::Theme,
    /// The longest line of prose (`--measure`).
    pub measure: usize,
    /// Columns fixed by `--width`; otherwise the terminal's, read before
    /// every redraw so a resized window is followed.
    pub fixed_width: Option<usize>,
}

/// Follows the newest presenting session in `dir` until `q` or Ctrl-C.
/// The screens go to `out` (through the terminal filter); `screen` gets
/// only the code that clears a terminal between two of them. Returns the
/// exit status: 0 after `q`, 130 after Ctrl-C, 1 when no presenting REPL
/// runs at the start (said on `err`).
pub fn follow(
    dir: &Path,
    settings: NotesSettings,
    out: &mut dyn Write,
    screen: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    if presenters(dir).is_empty() {
        writeln!(err, "mptutor notes: {NO_PRESENTER}")?;
        return Ok(1);
    }
    let terminal = io::stdout().is_terminal();
    // However this ends (q, Ctrl-C, SIGTERM, a closed terminal), the
    // terminal gets its settings back.
    let _restore = RestoreOnExit::arm();
    let _interrupts = InterruptGuard::install();
    interrupt::clear();
    let keys = SingleKeys::start();
    let mut courses = Courses::default();
    let mut drawn = String::new();
    let status = loop {
        if interrupt::requested() {
            break INTERRUPTED_EXIT;
        }
        let options = RenderOptions {
            width: settings
                .fixed_width
                .unwrap_or_else(crate::repl::terminal_width),
            color: settings.color,
            theme: settings.theme,
            measure: settings.measure,
            show_notes: true,
        };
        let text = notes_screen(&presenters(dir), &mut courses, &options);
        if text != drawn {
            out.flush()?;
            if terminal {
                screen.write_all(CLEAR_SCREEN)?;
                screen.flush()?;
            } else if !drawn.is_empty() {
                writeln!(out, "{}", "─".repeat(options.columns()))?;
            }
            writeln!(out, "{text}")?;
            out.flush()?;
            drawn = text;
        }
        match keys.wait(POLL) {
            // Ctrl-C typed on a terminal that does not send it as a signal.
            Key::Typed(typed) if typed.contains(&0x03) => break INTERRUPTED_EXIT,
            Key::Typed(typed) if typed.iter().any(|key| matches!(key, b'q' | b'Q')) => break 0,
            Key::Closed => break 0,
            Key::Typed(_) | Key::Nothing => {}
        }
    };
    drop(keys);
    if terminal {
        writeln!(out)?;
    }
    out.flush()?;
    Ok(status)
}

/// The courses presenters have open, each loaded once.
#[derive(Default)]
struct Courses {
    loaded: HashMap<CourseSource, Result<Course, String>>,
}

impl Courses {
    fn get(&mut self, source: &CourseSource) -> &Result<Course, String> {
        self.loaded.entry(source.clone()).or_insert_with(|| {
            match source {
                CourseSource::BuiltIn => course::load_builtin(),
                CourseSource::Dir(dir) => course::load_dir(dir),
            }
            .map_err(|errors| errors.to_string())
        })
    }
}

/// The screen for the presenters running now (the newest first).
fn notes_screen(
    running: &[PresenterPosition],
    courses: &mut Courses,
    options: &RenderOptions,
) -> String {
    let Some(newest) = running.first() else {
        let message = "No presenting mptutor is running any more; start one with `present` (or \
                       `mptutor --instructor`) in another terminal, and its notes appear here.";
        return render::render_presenter_message(None, message, options);
    };
    let following = Following {
        pid: newest.pid,
        others: running[1..].iter().map(|other| other.pid).collect(),
    };
    let message = |text: &str| render::render_presenter_message(Some(&following), text, options);
    let (Some(lesson), Some(step)) = (&newest.lesson, newest.step) else {
        return message(
            "The presenter has not opened a lesson yet; its notes appear here when it does.",
        );
    };
    let course = match courses.get(&newest.course) {
        Ok(course) => course,
        Err(problem) => {
            let name = match &newest.course {
                CourseSource::BuiltIn => "the built-in course".to_string(),
                CourseSource::Dir(dir) => format!("the course in {}", dir.display()),
            };
            return message(&format!(
                "The presenter shows {name}, which cannot be read here:\n\n{problem}"
            ));
        }
    };
    match course.find_lesson(lesson) {
        Some(index) if (1..=course.lesson(index).steps.len()).contains(&step) => {
            render::render_presenter_notes(course, index, step - 1, &following, options)
        }
        _ => message(&format!(
            "The presenter shows step {step} of lesson `{lesson}`, which this course does not have \
             (was the course changed since it was opened?)."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presenting::position::FORMAT;

    fn at(lesson: Option<&str>, step: Option<usize>) -> PresenterPosition {
        PresenterPosition {
            format: FORMAT,
            pid: 77,
            pid_started: None,
            started_ms: 1,
            course: CourseSource::BuiltIn,
            lesson: lesson.map(str::to_string),
            step,
        }
    }

    #[test]
    fn the_screen_follows_the_newest_presenter_to_its_step() {
        let mut courses = Courses::default();
        let older = PresenterPosition {
            pid: 66,
            ..at(Some("q1"), Some(1))
        };
        let shown = notes_screen(
            &[at(Some("q3"), Some(2)), older],
            &mut courses,
            &RenderOptions::plain(100),
        );
        assert!(shown.contains("q3 · Create a process   step 2/"), "{shown}");
        assert!(
            shown.contains("The newest of 2 presenting sessions; the other: pid 66."),
            "{shown}"
        );
    }

    #[test]
    fn the_screen_says_what_it_waits_for() {
        let mut courses = Courses::default();
        let options = RenderOptions::plain(100);
        let none = notes_screen(&[], &mut courses, &options);
        assert!(
            none.contains("No presenting mptutor is running any more"),
            "{none}"
        );
        let closed = notes_screen(&[at(None, None)], &mut courses, &options);
        assert!(closed.contains("has not opened a lesson yet"), "{closed}");
        let gone = notes_screen(&[at(Some("q42"), Some(1))], &mut courses, &options);
        assert!(gone.contains("which this course does not have"), "{gone}");
        let missing = PresenterPosition {
            course: CourseSource::Dir("/nonexistent/mptutor-course".into()),
            ..at(Some("q1"), Some(1))
        };
        let unread = notes_screen(&[missing], &mut courses, &options);
        assert!(unread.contains("cannot be read here"), "{unread}");
    }
}
