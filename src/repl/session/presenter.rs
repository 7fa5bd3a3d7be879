//! While presenting, the session says where it is for `mptutor notes` in
//! another terminal (see [`crate::presenting`]): on `present`, and after
//! every move (`next`, `back`, `step`, `goto`, `open`).

use std::path::PathBuf;

use super::{Reply, Session};
use crate::presenting::{CourseSource, Publisher};

impl Session {
    /// Publish the presenter's position in `dir` while presenting, so
    /// `mptutor notes` can follow it. Without this call nothing is
    /// published (scripts of tests, a second front end).
    pub fn publish_presenting_in(&mut self, dir: PathBuf) {
        self.presenter_dir = Some(dir);
        if self.presenting {
            self.start_publishing();
        }
    }

    /// Starts (or keeps) publishing, with the current position.
    pub(super) fn start_publishing(&mut self) {
        let Some(dir) = &self.presenter_dir else {
            return;
        };
        if self.publisher.is_none() {
            match Publisher::start(dir, CourseSource::of(&self.course.origin)) {
                Ok(publisher) => {
                    self.publisher = Some(publisher);
                    self.publish_failure = None;
                }
                Err(error) => {
                    self.publish_failure = Some(error.to_string());
                    return;
                }
            }
        }
        let _ = self.publish_position();
    }

    /// Stops publishing: the position file is removed.
    pub(super) fn stop_publishing(&mut self) {
        self.publisher = None;
    }

    /// Writes the current position; the error when that failed.
    fn publish_position(&mut self) -> Result<(), String> {
        let (Some(publisher), Some(at)) = (&mut self.publisher, self.position) else {
            return Ok(());
        };
        let lesson = &self.course.lesson(at.lesson).id;
        publisher
            .publish(lesson, at.step + 1)
            .map_err(|error| format!("{}: {error}", publisher.file().display()))
    }

    /// After a move: publishes it while presenting, and adds to `reply`
    /// why `mptutor notes` cannot follow, the first time a write fails.
    pub(super) fn published(&mut self, mut reply: Reply) -> Reply {
        if !self.presenting {
            return reply;
        }
        match self.publish_position() {
            Ok(()) if self.publisher.is_some() => self.publish_failure = None,
            Ok(()) => {}
            Err(problem) => {
                if self.publish_failure.is_none() {
                    let warning = self.say(&format!(
                        "`mptutor notes` cannot follow this move: {problem}. `show notes` shows \
                         the notes here."
                    ));
                    reply.text = format!("{}\n\n{}", reply.text, warning.text);
                }
                self.publish_failure = Some(problem);
            }
        }
        reply
    }

    /// Where the notes are while presenting, for `present`'s message.
    pub(super) fn notes_whereabouts(&self) -> String {
        let styles = crate::render::Styles::new(&self.options);
        let notes = styles.command("mptutor notes");
        let show = styles.command("show notes");
        match (&self.publisher, &self.publish_failure) {
            (Some(_), _) => format!(
                "The notes are not on this screen: run {notes} in another terminal (your \
                 laptop) to follow them, or type {show} here."
            ),
            (None, Some(problem)) => format!(
                "The notes are not on this screen, and {notes} cannot follow this session \
                 ({problem}); type {show} to see them here."
            ),
            (None, None) => format!("The notes are not on this screen; type {show} to see them."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presenting::presenters;
    use crate::render::RenderOptions;

    fn presenting_session(dir: &std::path::Path) -> Session {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut session = Session::new(course, RenderOptions::plain(100));
        session.publish_presenting_in(dir.to_path_buf());
        session.set_presenting(true);
        session
    }

    #[test]
    fn presenting_publishes_every_move_and_present_off_withdraws_it() {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("mptutor");
        let mut session = presenting_session(&dir);
        let found = presenters(&dir);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].lesson.as_deref(), found[0].step), (None, None));
        for (line, lesson, step) in [
            ("goto q3 2", "q3", 2),
            ("next", "q3", 3),
            ("back", "q3", 2),
            ("open q5", "q5", 1),
            ("step 4", "q5", 4),
        ] {
            let reply = session.handle(line);
            assert!(!reply.is_error, "{line}: {}", reply.text);
            let found = presenters(&dir);
            assert_eq!(
                (found[0].lesson.as_deref(), found[0].step),
                (Some(lesson), Some(step)),
                "{line}"
            );
        }
        session.handle("present off");
        assert!(presenters(&dir).is_empty());
        session.handle("goto q1");
        assert!(presenters(&dir).is_empty());
    }

    #[test]
    fn the_projected_screen_shows_notes_only_when_asked() {
        let root = tempfile::tempdir().expect("temporary directory");
        let mut session = presenting_session(&root.path().join("mptutor"));
        let present = session.handle("present");
        assert!(present.text.contains("mptutor notes"), "{}", present.text);
        assert!(present.text.contains("show notes"), "{}", present.text);
        // q1's first step has notes for the instructor.
        let step = session.handle("goto q1 1");
        assert!(!step.text.contains("Instructor notes"), "{}", step.text);
        let asked = session.handle("show notes");
        assert!(asked.text.contains("Instructor notes"), "{}", asked.text);
    }

    #[test]
    fn a_folder_that_cannot_be_used_is_said_and_show_notes_still_works() {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("mptutor");
        std::fs::write(&dir, "a file, not a folder").expect("write");
        let mut session = presenting_session(&dir);
        let present = session.handle("present");
        assert!(present.text.contains("cannot follow"), "{}", present.text);
        assert!(!session.handle("goto q3 2").is_error);
    }
}
