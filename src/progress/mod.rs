//! The student's saved state: which steps of each lesson they have seen,
//! how they answered each quiz question, and where they were, kept between
//! sessions in `$XDG_DATA_HOME/mptutor/progress.toml`.
//!
//! # Why a save never leaves half a file
//!
//! A student closes the laptop, the terminal is killed, the power goes: at
//! whatever moment that happens, the file must hold the state before the
//! save or the state after it — never a mix, never nothing. So
//! [`ProgressFile::update`] writes the whole state to a temporary file in
//! the same folder, `fsync`s it (its bytes are on disk), renames it over the
//! old file (a rename within one folder is atomic: a reader sees the old
//! file or the new one) and then `fsync`s the folder (the rename itself is
//! on disk).
//!
//! # Why two sessions never lose each other's work
//!
//! A student may have mptutor open in two terminals. Writing each
//! session's whole state would let the last writer erase the other's
//! steps. Instead a session saves the [`Change`]s it made: holding an
//! exclusive lock on `progress.toml.lock` (`flock`), it reads the file as
//! it is now, applies its changes to that in order, writes the result as
//! above and only then lets go. So every step seen in either terminal
//! stays; an answer ends as the student last gave it, in whichever
//! terminal; the place to resume is the saving session's own; and a
//! `reset` removes exactly what was saved before it — a session still
//! showing the old steps never brings them back, because it writes what it
//! did, not what it remembers. No clock decides anything, so a clock set
//! wrong cannot reorder answers.
//!
//! A saver holds the lock for as long as its temporary file exists, so a
//! session that holds the lock knows every temporary file there is the
//! leftover of a killed save: [`ProgressFile::load`] removes them at once.
//!
//! # Why a bad file is moved, not deleted
//!
//! A file that cannot be read or parsed (edited by hand, written by a newer
//! mptutor, a disk error) may still hold weeks of a student's work, so it is
//! renamed next to the original and the student is told where; the course
//! starts fresh. mptutor never stops over it. A path that is not a regular
//! file at all (a named pipe, a device) is left alone, and nothing is saved.

mod file;

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

pub use file::{Loaded, ProgressError, ProgressFile, apply};

/// The layout of `progress.toml` this mptutor writes; files with a higher
/// number come from a newer mptutor and are set aside, not misread.
pub const FORMAT_VERSION: u32 = 1;

/// Everything saved, for every course the student has used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The layout of this file: [`FORMAT_VERSION`] when written by this mptutor.
    pub format_version: u32,
    /// Progress per course, keyed by the course's title, so the built-in
    /// course and a teacher's course with lesson ids in common stay apart.
    #[serde(default)]
    pub courses: BTreeMap<String, CourseProgress>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            format_version: FORMAT_VERSION,
            courses: BTreeMap::new(),
        }
    }
}

impl Progress {
    /// The progress kept for the course titled `title`, if any.
    pub fn course(&self, title: &str) -> Option<&CourseProgress> {
        self.courses.get(title)
    }

    /// The progress for the course titled `title`, created empty if new.
    pub fn course_mut(&mut self, title: &str) -> &mut CourseProgress {
        self.courses.entry(title.to_string()).or_default()
    }
}

/// What the student did in one course.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseProgress {
    /// Where the student was when they last moved; start-up offers to go
    /// back there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_place: Option<Place>,
    /// Per lesson, keyed by lesson id (`q3`).
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    /// How many sessions have answered `review` questions: the clock of
    /// the review's spacing (see [`ReviewBox`]). Absent in files written
    /// before reviews were spaced, which counts as none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub review_sessions: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// A step of a lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    /// The lesson's id (`q3`).
    pub lesson: String,
    /// The step, counting from 1 as the prompt does.
    pub step: usize,
}

/// What the student did in one lesson.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Steps shown at least once, counting from 1.
    #[serde(default)]
    pub steps_seen: BTreeSet<usize>,
    /// Quiz questions, numbered from 1 in lesson order, whose latest answer
    /// was right.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub right: BTreeSet<usize>,
    /// Quiz questions whose latest answer was wrong; `review` asks them again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub wrong: BTreeSet<usize>,
    /// Of the questions in `right`, those whose latest answer was right
    /// only on the second try.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub right_on_retry: BTreeSet<usize>,
    /// Quizzes stopped before their last question, to resume there: at
    /// most one per step, and one for `quiz all`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopped_quizzes: Vec<StoppedQuiz>,
    /// Each question's place in the review's spacing, by question number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review: Vec<ReviewBox>,
    /// When a step of this lesson was last shown, in seconds since the Unix
    /// epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<u64>,
    /// The lesson's exercises the student ran, by exercise id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub exercises: BTreeMap<String, ExerciseProgress>,
}

/// A quiz stopped part-way: which one, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoppedQuiz {
    /// The step (from 1) whose questions were asked; absent for `quiz all`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<usize>,
    /// How many of its questions were answered: the next one asked is
    /// number `answered + 1` of the quiz.
    pub answered: usize,
    /// Of those, how many were right on the first try…
    #[serde(default)]
    pub right_first_try: usize,
    /// …and how many on the second.
    #[serde(default)]
    pub right_on_retry: usize,
}

/// A question's place in the review's spacing (Leitner's boxes, counted
/// in review sessions): answered right `streak` times in a row in review,
/// the latest in review session `session`. A question answered right twice
/// in a row is learned and drops out; any other is asked again in a later
/// session than its last review, and never twice in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewBox {
    /// The question's number in its lesson, from 1.
    pub question: usize,
    /// Right answers in a row in review; a wrong one sets it to 0.
    pub streak: u32,
    /// The review session (see [`CourseProgress::review_sessions`]) of
    /// its latest review answer.
    pub session: u64,
}

/// Right answers in a row in review after which a question drops out.
pub const LEARNED_STREAK: u32 = 2;

/// What the student did with one exercise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseProgress {
    /// Runs checked, passed or not.
    #[serde(default)]
    pub runs: u32,
    /// Runs that failed a check.
    #[serde(default)]
    pub failed_runs: u32,
    /// When it first passed, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed_at: Option<u64>,
    /// Hints shown so far.
    #[serde(default)]
    pub hints_shown: usize,
}

impl ExerciseProgress {
    pub fn passed(&self) -> bool {
        self.passed_at.is_some()
    }
}

/// One thing the student did that is saved. A session keeps the changes
/// it has not saved yet and applies them to the file's current contents
/// (see the module docs), so changes, not states, are what sessions share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Step `step` (from 1) of `lesson` was shown at `at` (seconds since
    /// the Unix epoch).
    SawStep {
        lesson: String,
        step: usize,
        at: u64,
    },
    /// Question `question` (from 1) of `lesson` was answered in a quiz:
    /// `right` on the first try, or on the second when `retried`.
    Answered {
        lesson: String,
        question: usize,
        right: bool,
        retried: bool,
    },
    /// Question `question` of `lesson` was answered in review session
    /// `session`.
    Reviewed {
        lesson: String,
        question: usize,
        right: bool,
        session: u64,
    },
    /// A quiz of `lesson` got as far as `place` and is not finished.
    QuizStopped { lesson: String, place: StoppedQuiz },
    /// The quiz of `lesson` asking step `step`'s questions (`None`: all of
    /// them) was finished: nothing to resume.
    QuizFinished { lesson: String, step: Option<usize> },
    /// One lesson, or the whole course when `None`, was reset.
    Reset { lesson: Option<String> },
    /// A run of exercise `exercise` of `lesson` was checked at `at`: it
    /// `passed` every check, or `failed` one (neither: it could not be
    /// judged, a busy machine's speed check).
    ExerciseRun {
        lesson: String,
        exercise: String,
        passed: bool,
        failed: bool,
        at: u64,
    },
    /// `shown` hints of exercise `exercise` of `lesson` have been shown.
    ExerciseHints {
        lesson: String,
        exercise: String,
        shown: usize,
    },
}

impl CourseProgress {
    /// Applies one change.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::SawStep { lesson, step, at } => self.saw_step(lesson, *step, *at),
            Change::Answered {
                lesson,
                question,
                right,
                retried,
            } => self.answered(lesson, *question, *right, *retried),
            Change::Reviewed {
                lesson,
                question,
                right,
                session,
            } => self.reviewed(lesson, *question, *right, *session),
            Change::QuizStopped { lesson, place } => {
                let stopped = &mut self
                    .lessons
                    .entry(lesson.clone())
                    .or_default()
                    .stopped_quizzes;
                stopped.retain(|other| other.step != place.step);
                stopped.push(place.clone());
            }
            Change::QuizFinished { lesson, step } => {
                if let Some(entry) = self.lessons.get_mut(lesson) {
                    entry.stopped_quizzes.retain(|other| other.step != *step);
                }
            }
            Change::Reset { lesson } => self.reset(lesson.as_deref()),
            Change::ExerciseRun {
                lesson,
                exercise,
                passed,
                failed,
                at,
            } => {
                let entry = self.exercise_mut(lesson, exercise);
                entry.runs = entry.runs.saturating_add(1);
                if *failed {
                    entry.failed_runs = entry.failed_runs.saturating_add(1);
                }
                if *passed {
                    // Another session may have saved an earlier pass.
                    entry.passed_at = Some(entry.passed_at.map_or(*at, |first| first.min(*at)));
                }
            }
            Change::ExerciseHints {
                lesson,
                exercise,
                shown,
            } => {
                let entry = self.exercise_mut(lesson, exercise);
                entry.hints_shown = entry.hints_shown.max(*shown);
            }
        }
    }

    fn exercise_mut(&mut self, lesson: &str, exercise: &str) -> &mut ExerciseProgress {
        self.lessons
            .entry(lesson.to_string())
            .or_default()
            .exercises
            .entry(exercise.to_string())
            .or_default()
    }

    /// The progress of exercise `exercise` of `lesson`, if it was ever run.
    pub fn exercise(&self, lesson: &str, exercise: &str) -> Option<&ExerciseProgress> {
        self.lessons.get(lesson)?.exercises.get(exercise)
    }

    /// Step `step` (from 1) of lesson `lesson` was shown at `now`.
    pub fn saw_step(&mut self, lesson: &str, step: usize, now: u64) {
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        entry.steps_seen.insert(step);
        // Another session may have saved a later visit already.
        entry.last_visit = entry.last_visit.max(Some(now));
        self.last_place = Some(Place {
            lesson: lesson.to_string(),
            step,
        });
    }

    /// Question `question` (from 1) of lesson `lesson` was just answered
    /// in a quiz, on the second try when `retried`.
    pub fn answered(&mut self, lesson: &str, question: usize, right: bool, retried: bool) {
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        if right {
            entry.wrong.remove(&question);
            entry.right.insert(question);
            if retried {
                entry.right_on_retry.insert(question);
            } else {
                entry.right_on_retry.remove(&question);
            }
        } else {
            entry.right.remove(&question);
            entry.right_on_retry.remove(&question);
            entry.wrong.insert(question);
            // A question got wrong in a quiz is not learned any more.
            if let Some(spaced) = entry.review.iter_mut().find(|b| b.question == question) {
                spaced.streak = 0;
            }
        }
    }

    /// Question `question` of lesson `lesson` was answered in review
    /// session `session` (one try: no retry in review).
    pub fn reviewed(&mut self, lesson: &str, question: usize, right: bool, session: u64) {
        self.answered(lesson, question, right, false);
        self.review_sessions = self.review_sessions.max(session);
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        let index = match entry.review.iter().position(|b| b.question == question) {
            Some(index) => index,
            None => {
                entry.review.push(ReviewBox {
                    question,
                    streak: 0,
                    session,
                });
                entry.review.len() - 1
            }
        };
        let spaced = &mut entry.review[index];
        // A second right answer in the same session is no spacing: the
        // streak counts sessions.
        spaced.streak = match (right, spaced.session == session && spaced.streak > 0) {
            (false, _) => 0,
            (true, true) => spaced.streak,
            (true, false) => spaced.streak.saturating_add(1),
        };
        spaced.session = session;
        entry.review.sort_by_key(|b| b.question);
    }

    /// The review box of question `question` of `lesson`, if it was ever
    /// answered in review.
    pub fn review_box(&self, lesson: &str, question: usize) -> Option<&ReviewBox> {
        self.lessons
            .get(lesson)?
            .review
            .iter()
            .find(|b| b.question == question)
    }

    /// Where the quiz of `lesson` asking step `step`'s questions (`None`:
    /// all) stopped, if it did.
    pub fn stopped_quiz(&self, lesson: &str, step: Option<usize>) -> Option<&StoppedQuiz> {
        self.lessons
            .get(lesson)?
            .stopped_quizzes
            .iter()
            .find(|stopped| stopped.step == step)
    }

    /// Forgets one lesson, or every lesson when `lesson` is `None`.
    pub fn reset(&mut self, lesson: Option<&str>) {
        match lesson {
            None => *self = CourseProgress::default(),
            Some(id) => {
                self.lessons.remove(id);
                if self
                    .last_place
                    .as_ref()
                    .is_some_and(|place| place.lesson == id)
                {
                    self.last_place = None;
                }
            }
        }
    }

    /// Every question whose latest answer was wrong: (lesson id, question
    /// number from 1), in lesson-id order.
    pub fn wrong_answers(&self) -> Vec<(String, usize)> {
        self.lessons
            .iter()
            .flat_map(|(id, lesson)| lesson.wrong.iter().map(|q| (id.clone(), *q)))
            .collect()
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Progress {
        let mut progress = Progress::default();
        let course = progress.course_mut("Test course");
        course.saw_step("q3", 1, 100);
        course.saw_step("q3", 2, 200);
        course.answered("q3", 1, true, false);
        course.answered("q3", 2, false, false);
        progress
    }

    #[test]
    fn a_later_answer_replaces_an_earlier_one() {
        let mut progress = sample();
        let course = progress.course_mut("Test course");
        course.answered("q3", 2, true, false);
        assert!(course.wrong_answers().is_empty());
        assert_eq!(course.lessons["q3"].right.len(), 2);
    }

    #[test]
    fn resetting_a_lesson_forgets_it_and_the_place_in_it() {
        let mut progress = sample();
        let course = progress.course_mut("Test course");
        course.reset(Some("q3"));
        assert!(course.lessons.is_empty());
        assert!(course.last_place.is_none());
    }

    const COURSE: &str = "Test course";

    fn lesson_id() -> impl Strategy<Value = String> {
        prop_oneof![Just("q1".to_string()), Just("q2".to_string())]
    }

    /// Any change to lessons q1 and q2, with small step and question
    /// numbers so that sessions collide.
    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            6 => (lesson_id(), 1..6usize, 0..1000u64)
                .prop_map(|(lesson, step, at)| Change::SawStep { lesson, step, at }),
            4 => (lesson_id(), 1..4usize, any::<bool>(), any::<bool>()).prop_map(
                |(lesson, question, right, retried)| {
                    Change::Answered { lesson, question, right, retried }
                }
            ),
            2 => (lesson_id(), 1..4usize, any::<bool>(), 1..4u64).prop_map(
                |(lesson, question, right, session)| {
                    Change::Reviewed { lesson, question, right, session }
                }
            ),
            1 => proptest::option::of(lesson_id()).prop_map(|lesson| Change::Reset { lesson }),
            3 => (lesson_id(), any::<bool>(), any::<bool>(), 0..1000u64).prop_map(
                |(lesson, passed, failed, at)| Change::ExerciseRun {
                    exercise: format!("{lesson}-ex"),
                    lesson,
                    passed,
                    failed: failed && !passed,
                    at,
                }
            ),
            1 => (lesson_id(), 0..4usize).prop_map(|(lesson, shown)| Change::ExerciseHints {
                exercise: format!("{lesson}-ex"),
                lesson,
                shown,
            }),
        ]
    }

    fn lesson_of(change: &Change) -> Option<&str> {
        match change {
            Change::SawStep { lesson, .. }
            | Change::Answered { lesson, .. }
            | Change::Reviewed { lesson, .. }
            | Change::QuizStopped { lesson, .. }
            | Change::QuizFinished { lesson, .. }
            | Change::ExerciseRun { lesson, .. }
            | Change::ExerciseHints { lesson, .. } => Some(lesson),
            Change::Reset { lesson } => lesson.as_deref(),
        }
    }

    /// Two sessions' saves, interleaved: each session's batches in its own
    /// order, `order` saying whose batch is saved next.
    fn interleave(a: &[Vec<Change>], b: &[Vec<Change>], order: &[bool]) -> Vec<Change> {
        let (mut a, mut b) = (a.iter(), b.iter());
        let mut saved = Vec::new();
        for take_a in order
            .iter()
            .copied()
            .chain(std::iter::repeat_n(true, a.len()))
            .chain(std::iter::repeat_n(false, b.len()))
        {
            let batch = if take_a { a.next() } else { b.next() };
            saved.extend(batch.into_iter().flatten().cloned());
        }
        saved
    }

    fn saved_course(changes: &[Change]) -> CourseProgress {
        apply(Progress::default(), COURSE, changes)
            .course(COURSE)
            .cloned()
            .unwrap_or_default()
    }

    proptest! {
        /// Whatever the order two sessions save in, every step seen and
        /// every answer given after the last reset that covers it is in
        /// the file, and nothing from before that reset is.
        #[test]
        fn merged_saves_keep_everything_newer_than_a_reset(
            a in proptest::collection::vec(proptest::collection::vec(change(), 0..4), 0..6),
            b in proptest::collection::vec(proptest::collection::vec(change(), 0..4), 0..6),
            order in proptest::collection::vec(any::<bool>(), 0..12),
        ) {
            let saved = interleave(&a, &b, &order);
            let course = saved_course(&saved);
            for lesson in ["q1", "q2"] {
                let since_reset = saved
                    .iter()
                    .rposition(|change| {
                        matches!(change, Change::Reset { .. })
                            && lesson_of(change).is_none_or(|id| id == lesson)
                    })
                    .map_or(0, |at| at + 1);
                let after = &saved[since_reset..];
                let mut steps = BTreeSet::new();
                let mut answers = BTreeMap::new();
                for change in after {
                    match change {
                        Change::SawStep { lesson: id, step, .. } if id == lesson => {
                            steps.insert(*step);
                        }
                        Change::Answered { lesson: id, question, right, .. }
                        | Change::Reviewed { lesson: id, question, right, .. }
                            if id == lesson =>
                        {
                            answers.insert(*question, *right);
                        }
                        _ => {}
                    }
                }
                let entry = course.lessons.get(lesson).cloned().unwrap_or_default();
                prop_assert_eq!(&entry.steps_seen, &steps);
                let right: BTreeSet<usize> =
                    answers.iter().filter(|(_, r)| **r).map(|(q, _)| *q).collect();
                let wrong: BTreeSet<usize> =
                    answers.iter().filter(|(_, r)| !**r).map(|(q, _)| *q).collect();
                prop_assert_eq!(&entry.right, &right);
                prop_assert_eq!(&entry.wrong, &wrong);
            }
        }

        /// Steps seen in two sessions merge to the same steps and visits in
        /// either order, and saving the same steps again changes nothing.
        #[test]
        fn merging_seen_steps_is_commutative_and_idempotent(
            a in proptest::collection::vec((lesson_id(), 1..6usize, 0..1000u64), 0..8),
            b in proptest::collection::vec((lesson_id(), 1..6usize, 0..1000u64), 0..8),
        ) {
            let seen = |steps: &[(String, usize, u64)]| -> Vec<Change> {
                steps
                    .iter()
                    .map(|(lesson, step, at)| Change::SawStep {
                        lesson: lesson.clone(),
                        step: *step,
                        at: *at,
                    })
                    .collect()
            };
            let (a, b) = (seen(&a), seen(&b));
            let ab = saved_course(&[a.clone(), b.clone()].concat());
            let ba = saved_course(&[b.clone(), a.clone()].concat());
            prop_assert_eq!(&ab.lessons, &ba.lessons);
            let twice = saved_course(&[a.clone(), b.clone(), a.clone(), b.clone()].concat());
            prop_assert_eq!(&twice.lessons, &ab.lessons);
        }
    }

    #[test]
    fn a_reset_saved_after_another_sessions_steps_removes_them_and_only_them() {
        let saved = [
            Change::SawStep {
                lesson: "q1".into(),
                step: 1,
                at: 10,
            },
            Change::SawStep {
                lesson: "q2".into(),
                step: 1,
                at: 11,
            },
            Change::Reset {
                lesson: Some("q1".into()),
            },
            Change::SawStep {
                lesson: "q1".into(),
                step: 3,
                at: 5,
            },
        ];
        let course = saved_course(&saved);
        assert_eq!(course.lessons["q1"].steps_seen, BTreeSet::from([3]));
        assert_eq!(course.lessons["q2"].steps_seen, BTreeSet::from([1]));
        // A step shown earlier by the clock still counts: order is the
        // order of saving, not of timestamps.
        assert_eq!(course.lessons["q1"].last_visit, Some(5));
    }
}
