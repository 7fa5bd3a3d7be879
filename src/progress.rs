//! The student's saved state: which steps of each lesson they have seen,
//! how they answered each quiz question, and where they were, kept between
//! sessions in `$XDG_DATA_HOME/mptutor/progress.toml`.
//!
//! # Why a save never leaves half a file
//!
//! A student closes the laptop, the terminal is killed, the power goes: at
//! whatever moment that happens, the file must hold the state before the
//! save or the state after it — never a mix, never nothing. So
//! [`ProgressFile::save`] writes the whole state to a temporary file in the
//! same folder, `fsync`s it (its bytes are on disk), renames it over the old
//! file (a rename within one folder is atomic: a reader sees the old file or
//! the new one) and then `fsync`s the folder (the rename itself is on disk).
//! A temporary file orphaned by a kill between those steps is removed by a
//! later [`ProgressFile::load`].
//!
//! # Why a bad file is moved, not deleted
//!
//! A file that cannot be read or parsed (edited by hand, written by a newer
//! mptutor, a disk error) may still hold weeks of a student's work, so it is
//! renamed next to the original and the student is told where; the course
//! starts fresh. mptutor never stops over it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// The layout of `progress.toml` this mptutor writes; files with a higher
/// number come from a newer mptutor and are set aside, not misread.
pub const FORMAT_VERSION: u32 = 1;

/// Temporary files older than this are leftovers of a killed save (a live
/// save takes milliseconds), so [`ProgressFile::load`] removes them.
const STALE_TEMPORARY: Duration = Duration::from_secs(60);

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
    /// When a step of this lesson was last shown, in seconds since the Unix
    /// epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<u64>,
}

impl CourseProgress {
    /// Step `step` (from 1) of lesson `lesson` was shown at `now`.
    pub fn saw_step(&mut self, lesson: &str, step: usize, now: u64) {
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        entry.steps_seen.insert(step);
        entry.last_visit = Some(now);
        self.last_place = Some(Place {
            lesson: lesson.to_string(),
            step,
        });
    }

    /// Question `question` (from 1) of lesson `lesson` was just answered.
    pub fn answered(&mut self, lesson: &str, question: usize, right: bool) {
        let entry = self.lessons.entry(lesson.to_string()).or_default();
        if right {
            entry.wrong.remove(&question);
            entry.right.insert(question);
        } else {
            entry.right.remove(&question);
            entry.wrong.insert(question);
        }
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

/// Why progress could not be saved. The message says what was tried.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write the progress as TOML: {0}")]
    Serialize(#[from] toml::ser::Error),
}

/// What [`ProgressFile::load`] found.
#[derive(Debug)]
pub struct Loaded {
    pub progress: Progress,
    /// Something the student should know: the old file was unreadable and
    /// where it went.
    pub warning: Option<String>,
    /// False when an unreadable file could not be moved aside; saving would
    /// overwrite it, so this session does not save.
    pub can_save: bool,
}

/// The file progress is kept in.
#[derive(Debug, Clone)]
pub struct ProgressFile {
    path: PathBuf,
}

impl ProgressFile {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ProgressFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder holding the file (`.` for a bare file name).
    fn folder(&self) -> PathBuf {
        match self.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// The prefix of this file's temporary files: `.progress.toml.`.
    fn temporary_prefix(&self) -> String {
        let name = self
            .path
            .file_name()
            .map_or_else(|| "progress".into(), |name| name.to_string_lossy());
        format!(".{name}.")
    }

    /// Reads the saved progress. A missing file is a first run; a file that
    /// cannot be read or parsed is moved aside (see the module docs).
    pub fn load(&self) -> Loaded {
        self.remove_stale_temporaries();
        let fresh = |warning: Option<String>, can_save: bool| Loaded {
            progress: Progress::default(),
            warning,
            can_save,
        };
        let problem = match std::fs::read_to_string(&self.path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return fresh(None, true);
            }
            Err(error) => format!("it cannot be read ({error})"),
            Ok(text) => match toml::from_str::<Progress>(&text) {
                Ok(progress) if progress.format_version <= FORMAT_VERSION => {
                    return Loaded {
                        progress,
                        warning: None,
                        can_save: true,
                    };
                }
                Ok(progress) => format!(
                    "it was written by a newer mptutor (format {}; this one reads {FORMAT_VERSION})",
                    progress.format_version
                ),
                Err(error) => format!(
                    "it is not valid progress TOML ({})",
                    error.message().trim_end()
                ),
            },
        };
        let shown = self.path.display();
        match self.move_aside() {
            Ok(kept) => fresh(
                Some(format!(
                    "your progress file {shown} could not be used: {problem}. It was moved to {} \
                     and your progress starts afresh.",
                    kept.display()
                )),
                true,
            ),
            Err(error) => fresh(
                Some(format!(
                    "your progress file {shown} could not be used: {problem}, and it could not be \
                     moved aside ({error}). Progress will not be saved this session, so the file \
                     stays as it is; move or fix it, then start mptutor again."
                )),
                false,
            ),
        }
    }

    /// Renames the file to `progress.toml.unreadable-<seconds>` (with a
    /// counter if that exists); returns the new path.
    fn move_aside(&self) -> std::io::Result<PathBuf> {
        let stamp = now_unix();
        let name = self
            .path
            .file_name()
            .map_or_else(|| "progress".into(), |name| name.to_string_lossy());
        let mut kept = self.folder().join(format!("{name}.unreadable-{stamp}"));
        let mut counter = 1;
        while kept.exists() {
            counter += 1;
            kept = self
                .folder()
                .join(format!("{name}.unreadable-{stamp}-{counter}"));
        }
        std::fs::rename(&self.path, &kept)?;
        Ok(kept)
    }

    /// Removes temporary files a killed save left behind. Recent ones may
    /// belong to a save in progress in another mptutor, so they stay.
    fn remove_stale_temporaries(&self) {
        let Ok(entries) = std::fs::read_dir(self.folder()) else {
            return;
        };
        let prefix = self.temporary_prefix();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let stale = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > STALE_TEMPORARY);
            if name.starts_with(&prefix) && name.ends_with(".tmp") && stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Writes `progress` atomically and durably (see the module docs),
    /// creating the folder if needed.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let folder = self.folder();
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| ProgressError::Io {
                action,
                path,
                source,
            }
        };
        std::fs::create_dir_all(&folder).map_err(io("create the folder", &folder))?;
        let text = toml::to_string(progress)?;
        let mut temporary = tempfile::Builder::new()
            .prefix(&self.temporary_prefix())
            .suffix(".tmp")
            .tempfile_in(&folder)
            .map_err(io("create a temporary file in", &folder))?;
        let written = temporary.path().to_path_buf();
        temporary
            .write_all(text.as_bytes())
            .and_then(|()| temporary.as_file().sync_all())
            .map_err(io("write", &written))?;
        temporary
            .persist(&self.path)
            .map_err(|error| io("replace", &self.path)(error.error))?;
        // The rename is only durable once the folder's entry is on disk.
        std::fs::File::open(&folder)
            .and_then(|dir| dir.sync_all())
            .map_err(io("sync the folder", &folder))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Progress {
        let mut progress = Progress::default();
        let course = progress.course_mut("Test course");
        course.saw_step("q3", 1, 100);
        course.saw_step("q3", 2, 200);
        course.answered("q3", 1, true);
        course.answered("q3", 2, false);
        progress
    }

    #[test]
    fn progress_round_trips_through_the_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ProgressFile::new(dir.path().join("progress.toml"));
        file.save(&sample()).expect("save");
        let loaded = file.load();
        assert_eq!(loaded.progress, sample());
        assert!(loaded.warning.is_none());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read folder")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("progress.toml")]);
    }

    #[test]
    fn a_later_answer_replaces_an_earlier_one() {
        let mut progress = sample();
        let course = progress.course_mut("Test course");
        course.answered("q3", 2, true);
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

    #[test]
    fn a_corrupt_file_is_moved_aside_and_kept() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        std::fs::write(&path, "format_version = [oops").expect("write");
        let loaded = ProgressFile::new(&path).load();
        assert_eq!(loaded.progress, Progress::default());
        assert!(loaded.can_save);
        let warning = loaded.warning.unwrap_or_default();
        assert!(warning.contains("moved to"), "{warning}");
        assert!(!path.exists());
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read folder")
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().contains("unreadable"))
            .collect();
        assert_eq!(kept.len(), 1);
        let text = std::fs::read_to_string(kept[0].path()).expect("kept file");
        assert_eq!(text, "format_version = [oops");
    }

    #[test]
    fn a_newer_format_is_set_aside_not_misread() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        std::fs::write(&path, "format_version = 99\n").expect("write");
        let loaded = ProgressFile::new(&path).load();
        let warning = loaded.warning.unwrap_or_default();
        assert!(warning.contains("newer mptutor"), "{warning}");
    }
}
