//! Progress between sessions: every step shown and every answer is written
//! to the progress file at once (see [`crate::progress`] for why that is
//! safe at any moment), start-up offers to go back to where the student
//! was, `progress` shows it all and `reset` forgets it, after asking.

use super::{Pending, Position, Reply, Session};
use crate::course::LessonIndex;
use crate::progress::{Change, CourseProgress, ProgressFile};
use crate::render;

impl Session {
    /// Keeps progress in `file` from now on: loads what it holds and offers
    /// to resume there. Returns what the student should be told when the
    /// old file could not be used (it was moved aside).
    pub fn keep_progress_in(&mut self, file: ProgressFile) -> Option<String> {
        let loaded = file.load();
        self.progress = loaded.progress;
        self.not_saved = loaded.not_saved;
        self.progress_file = self.not_saved.is_none().then_some(file);
        self.resume = self.saved_place();
        self.review_session = None;
        loaded.warning
    }

    pub(super) fn saved(&self) -> Option<&CourseProgress> {
        self.progress.course(&self.course.title)
    }

    /// Where the student last was, if that lesson and step still exist.
    fn saved_place(&self) -> Option<Position> {
        let place = self.saved()?.last_place.as_ref()?;
        let lesson = self
            .course
            .lessons
            .iter()
            .position(|lesson| lesson.id == place.lesson)?;
        let steps = self.course.lessons[lesson].steps.len();
        (1..=steps).contains(&place.step).then_some(Position {
            lesson: LessonIndex(lesson),
            step: place.step - 1,
        })
    }

    /// "Last time you were at q3, step 2 of 5 — press Enter to continue
    /// there", while the offer stands.
    pub(super) fn resume_line(&self) -> Option<String> {
        let at = self.resume?;
        let lesson = self.course.lesson(at.lesson);
        let styles = render::Styles::new(&self.options);
        Some(format!(
            "Last time you were at {}, step {} of {} — press {} to continue there.",
            styles.strong(&lesson.id),
            at.step + 1,
            lesson.steps.len(),
            styles.command("Enter")
        ))
    }

    /// Applies `change` to this course's progress and saves it, unless
    /// presenting. A save merges with what other sessions saved meanwhile
    /// (see [`crate::progress`]), and this session then shows the merged
    /// state. A failed save does not stop the lesson: the change is kept
    /// for the next save and `reply` gets a warning, once per distinct
    /// problem.
    pub(super) fn update_progress(&mut self, reply: Reply, change: Change) -> Reply {
        self.save_changes(reply, vec![change])
    }

    /// Like [`Session::update_progress`], for changes saved together.
    pub(super) fn save_changes(&mut self, mut reply: Reply, changes: Vec<Change>) -> Reply {
        if self.presenting {
            return reply;
        }
        let title = self.course.title.clone();
        let saved = self.progress.course_mut(&title);
        for change in &changes {
            saved.apply(change);
        }
        let Some(file) = &self.progress_file else {
            return reply;
        };
        self.unsaved.extend(changes);
        match file.update(&title, &self.unsaved, &self.progress) {
            Ok(merged) => {
                self.progress = merged;
                self.unsaved.clear();
                self.save_failure = None;
            }
            Err(error) => {
                let message = error.to_string();
                if self.save_failure.as_ref() != Some(&message) {
                    let warning = render::render_markdown(
                        &format!(
                            "**Your progress could not be saved:** {message}. It is kept for \
                             this session; mptutor tries again at the next step."
                        ),
                        &self.options,
                    );
                    reply.text = format!("{}\n\n{warning}", reply.text);
                    self.save_failure = Some(message);
                }
            }
        }
        reply
    }

    /// `progress`: the table, and where it is kept.
    pub(super) fn progress_table(&self) -> Reply {
        let table = render::render_progress(
            &self.course,
            self.saved(),
            crate::progress::now_unix(),
            &self.options,
        );
        let kept = match (&self.progress_file, self.presenting) {
            (_, true) => "Presenting: nothing is saved until `present off`.".to_string(),
            (Some(file), false) => match &self.save_failure {
                None => format!(
                    "Saved in `{}` after every step and answer. `review` asks again what you \
                     got wrong; `reset` starts over.",
                    file.path().display()
                ),
                Some(why) => format!(
                    "**Not being saved:** the last save failed ({why}). Your progress is kept \
                     for this session, and every step and answer tries to save it again."
                ),
            },
            (None, false) => match &self.not_saved {
                Some(why) => format!(
                    "**Not being saved:** {why}. Your progress is kept for this session only \
                     (`--progress FILE` names another file)."
                ),
                None => "Kept for this session only: there is no data folder to save it in \
                         (`--progress FILE` names one)."
                    .to_string(),
            },
        };
        Reply::text(format!(
            "{table}\n\n{}",
            render::render_markdown(&kept, &self.options)
        ))
    }

    /// `reset [lesson]`: asks before forgetting anything.
    pub(super) fn reset(&mut self, lesson: Option<&str>) -> Reply {
        if self.presenting {
            return self.fail(
                "Presenting: progress is neither changed nor saved, so there is nothing to \
                 reset. `present off` first.",
            );
        }
        let target = match lesson {
            None => None,
            Some(name) => match self.course.find_lesson(name) {
                Some(index) => Some(index),
                None => return self.no_such_lesson(name),
            },
        };
        let what = match target {
            None => "every lesson of this course".to_string(),
            Some(index) => format!("lesson {}", self.course.lesson(index).id),
        };
        self.pending = Some(Pending::ConfirmReset(target));
        self.say(&format!(
            "This forgets the steps you have seen and your quiz answers in {what}. Type `y` to \
             reset, anything else to keep them."
        ))
    }

    /// The answer to `reset`'s question.
    pub(super) fn confirm_reset(&mut self, lesson: Option<LessonIndex>, answer: &str) -> Reply {
        if !["y", "yes"]
            .iter()
            .any(|yes| answer.eq_ignore_ascii_case(yes))
        {
            return self.say("Nothing was reset.");
        }
        let id = lesson.map(|index| self.course.lesson(index).id.clone());
        self.hints_shown
            .retain(|at, _| lesson.is_some_and(|index| at.lesson != index));
        if self
            .resume
            .is_some_and(|at| lesson.is_none_or(|index| at.lesson == index))
        {
            self.resume = None;
        }
        let done = match &id {
            Some(id) => format!("Lesson {id} is reset."),
            None => "Your progress in this course is reset.".to_string(),
        };
        self.update_progress(self.say(&done), Change::Reset { lesson: id })
    }
}
