//! The progress file itself: reading it, setting a bad one aside, and
//! saving changes to it under its lock (see the parent module's docs).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Change, FORMAT_VERSION, Progress, now_unix};
use crate::engine::sys::lock::{FileLock, lock_exclusive};
use crate::user_file;

/// The most a progress file may hold. A student's progress in a course is
/// a few kilobytes; anything near this is not a progress file.
const MAX_FILE_BYTES: user_file::SizeCap = user_file::SizeCap {
    bytes: 4 * 1024 * 1024,
    of: "a progress file",
};

/// How long a save waits for another session to finish its own. A save
/// takes milliseconds; a session stopped with Ctrl-Z mid-save must not
/// freeze this one.
const LOCK_PATIENCE: Duration = Duration::from_secs(5);

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

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ProgressError {
    let path = path.to_path_buf();
    move |source| ProgressError::Io {
        action,
        path,
        source,
    }
}

/// What [`ProgressFile::load`] found.
#[derive(Debug)]
pub struct Loaded {
    pub progress: Progress,
    /// Something the student should know: the old file was unreadable and
    /// where it went.
    pub warning: Option<String>,
    /// Why this session cannot save, when it cannot: an unreadable file
    /// that could not be moved aside (saving would overwrite it), or a
    /// path that is not a regular file.
    pub not_saved: Option<String>,
}

/// What the file holds now.
enum OnDisk {
    Missing,
    Parsed(Progress),
    /// It cannot be used, and why; it may be moved aside.
    Unusable(String),
    /// Not a regular file (a named pipe, a device): left alone.
    NotAFile(String),
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

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map_or_else(|| "progress".into(), |name| name.to_string_lossy())
            .into_owned()
    }

    /// The prefix of this file's temporary files: `.progress.toml.`.
    fn temporary_prefix(&self) -> String {
        format!(".{}.", self.file_name())
    }

    /// The file every session locks while it reads and replaces this one:
    /// `progress.toml.lock`, beside it. (The progress file itself cannot
    /// carry the lock: each save replaces it with a new file.)
    pub fn lock_path(&self) -> PathBuf {
        self.folder().join(format!("{}.lock", self.file_name()))
    }

    fn lock(&self) -> Result<FileLock, ProgressError> {
        let path = self.lock_path();
        user_file::open_regular_for_locking(&path)
            .and_then(|file| lock_exclusive(file, LOCK_PATIENCE))
            .map_err(io_error("lock", &path))
    }

    fn read(&self) -> OnDisk {
        match user_file::read_regular(&self.path, MAX_FILE_BYTES) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => OnDisk::Missing,
            Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
                OnDisk::NotAFile(error.to_string())
            }
            Err(error) => OnDisk::Unusable(format!("it cannot be read ({error})")),
            Ok(text) => match toml::from_str::<Progress>(&text) {
                Ok(progress) if progress.format_version <= FORMAT_VERSION => {
                    OnDisk::Parsed(progress)
                }
                Ok(progress) => OnDisk::Unusable(format!(
                    "it was written by a newer mptutor (format {}; this one reads {FORMAT_VERSION})",
                    progress.format_version
                )),
                Err(error) => OnDisk::Unusable(format!(
                    "it is not valid progress TOML ({})",
                    error.message().trim_end()
                )),
            },
        }
    }

    /// Reads the saved progress. A missing file is a first run; a file that
    /// cannot be read or parsed is moved aside (see the module docs).
    pub fn load(&self) -> Loaded {
        // Without the folder there is nothing to lock or clean; a lock that
        // cannot be had leaves the temporaries for a later start (and each
        // save reports its own trouble with the lock).
        if self.folder().is_dir() && self.lock().is_ok() {
            self.remove_temporaries();
        }
        let fresh = |warning: Option<String>, not_saved: Option<String>| Loaded {
            progress: Progress::default(),
            warning,
            not_saved,
        };
        let shown = self.path.display();
        let problem = match self.read() {
            OnDisk::Missing => return fresh(None, None),
            OnDisk::Parsed(progress) => {
                return Loaded {
                    progress,
                    warning: None,
                    not_saved: None,
                };
            }
            OnDisk::NotAFile(what) => {
                let why = format!("{shown} is not a file progress can be kept in: {what}");
                return fresh(
                    Some(format!(
                        "{why}. Progress will not be saved this session; `--progress FILE` \
                         names another file."
                    )),
                    Some(why),
                );
            }
            OnDisk::Unusable(problem) => problem,
        };
        match self.move_aside() {
            Ok(kept) => fresh(
                Some(format!(
                    "your progress file {shown} could not be used: {problem}. It was moved to {} \
                     and your progress starts afresh.",
                    kept.display()
                )),
                None,
            ),
            Err(error) => fresh(
                Some(format!(
                    "your progress file {shown} could not be used: {problem}, and it could not be \
                     moved aside ({error}). Progress will not be saved this session, so the file \
                     stays as it is; move or fix it, then start mptutor again."
                )),
                Some(format!(
                    "{shown} could not be used ({problem}) nor moved aside ({error})"
                )),
            ),
        }
    }

    /// Renames the file to `progress.toml.unreadable-<seconds>` (with a
    /// counter if that exists); returns the new path.
    fn move_aside(&self) -> std::io::Result<PathBuf> {
        let stamp = now_unix();
        let name = self.file_name();
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

    /// Removes the temporary files killed saves left behind. Called with
    /// the lock held: a live save holds it while its temporary file exists,
    /// so none of these can be in use.
    fn remove_temporaries(&self) {
        let Ok(entries) = std::fs::read_dir(self.folder()) else {
            return;
        };
        let prefix = self.temporary_prefix();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(&prefix) && name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Saves `changes` to course `course`: under the lock, applies them to
    /// what the file holds now (another session may have saved since) and
    /// writes the result atomically and durably, creating the folder if
    /// needed. Returns what was written. When the file on disk cannot be
    /// used it is moved aside and `fallback` (this session's own view,
    /// `changes` included) is written instead.
    pub fn update(
        &self,
        course: &str,
        changes: &[Change],
        fallback: &Progress,
    ) -> Result<Progress, ProgressError> {
        let folder = self.folder();
        std::fs::create_dir_all(&folder).map_err(io_error("create the folder", &folder))?;
        let _lock = self.lock()?;
        let progress = match self.read() {
            OnDisk::Missing => apply(Progress::default(), course, changes),
            OnDisk::Parsed(progress) => apply(progress, course, changes),
            OnDisk::NotAFile(what) => {
                return Err(ProgressError::Io {
                    action: "save to",
                    path: self.path.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::InvalidInput, what),
                });
            }
            OnDisk::Unusable(_) => {
                self.move_aside()
                    .map_err(io_error("move aside", &self.path))?;
                fallback.clone()
            }
        };
        self.write_atomically(&progress)?;
        Ok(progress)
    }

    /// Writes `progress` over the file: temporary file, `fsync`, rename,
    /// `fsync` of the folder. The caller holds the lock.
    fn write_atomically(&self, progress: &Progress) -> Result<(), ProgressError> {
        let folder = self.folder();
        let text = toml::to_string(progress)?;
        let mut temporary = tempfile::Builder::new()
            .prefix(&self.temporary_prefix())
            .suffix(".tmp")
            .tempfile_in(&folder)
            .map_err(io_error("create a temporary file in", &folder))?;
        let written = temporary.path().to_path_buf();
        temporary
            .write_all(text.as_bytes())
            .and_then(|()| temporary.as_file().sync_all())
            .map_err(io_error("write", &written))?;
        temporary
            .persist(&self.path)
            .map_err(|error| io_error("replace", &self.path)(error.error))?;
        // The rename is only durable once the folder's entry is on disk.
        std::fs::File::open(&folder)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error("sync the folder", &folder))?;
        Ok(())
    }
}

/// `changes` applied in order to course `course` of `progress`: the merge
/// of a session's work into what is saved.
pub fn apply(mut progress: Progress, course: &str, changes: &[Change]) -> Progress {
    let saved = progress.course_mut(course);
    for change in changes {
        saved.apply(change);
    }
    progress
}

#[cfg(test)]
mod tests {
    use super::*;

    const COURSE: &str = "Test course";

    fn sample_changes() -> Vec<Change> {
        vec![
            Change::SawStep {
                lesson: "q3".into(),
                step: 1,
                at: 100,
            },
            Change::SawStep {
                lesson: "q3".into(),
                step: 2,
                at: 200,
            },
            Change::Answered {
                lesson: "q3".into(),
                question: 1,
                right: true,
                retried: false,
            },
            Change::Answered {
                lesson: "q3".into(),
                question: 2,
                right: false,
                retried: false,
            },
        ]
    }

    fn sample() -> Progress {
        apply(Progress::default(), COURSE, &sample_changes())
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read folder")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn progress_round_trips_through_the_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ProgressFile::new(dir.path().join("progress.toml"));
        let written = file
            .update(COURSE, &sample_changes(), &Progress::default())
            .expect("save");
        assert_eq!(written, sample());
        let loaded = file.load();
        assert_eq!(loaded.progress, sample());
        assert!(loaded.warning.is_none());
        assert!(loaded.not_saved.is_none());
        assert_eq!(
            names_in(dir.path()),
            ["progress.toml", "progress.toml.lock"]
        );
    }

    #[test]
    fn two_sessions_saving_at_once_keep_every_step_and_answer_of_both() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        const ROUNDS: usize = 40;
        let sessions: Vec<_> = ["q1", "q2"]
            .into_iter()
            .map(|lesson| {
                let file = ProgressFile::new(&path);
                std::thread::spawn(move || {
                    let mut view = file.load().progress;
                    for round in 1..=ROUNDS {
                        let changes = [
                            Change::SawStep {
                                lesson: lesson.into(),
                                step: round,
                                at: 1,
                            },
                            Change::Answered {
                                lesson: lesson.into(),
                                question: round,
                                right: round % 2 == 0,
                                retried: false,
                            },
                        ];
                        view = apply(view, COURSE, &changes);
                        view = file.update(COURSE, &changes, &view).expect("save");
                    }
                })
            })
            .collect();
        for session in sessions {
            session.join().expect("a session thread");
        }
        let saved = ProgressFile::new(&path).load().progress;
        let course = saved.course(COURSE).expect("the course");
        for lesson in ["q1", "q2"] {
            let entry = &course.lessons[lesson];
            assert_eq!(entry.steps_seen, (1..=ROUNDS).collect());
            assert_eq!(entry.right, (1..=ROUNDS).filter(|q| q % 2 == 0).collect());
            assert_eq!(entry.wrong, (1..=ROUNDS).filter(|q| q % 2 == 1).collect());
        }
    }

    #[test]
    fn two_sessions_running_one_exercise_keep_every_run_and_the_first_pass() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        const ROUNDS: u32 = 30;
        let sessions: Vec<_> = [100_u64, 200]
            .into_iter()
            .map(|start| {
                let file = ProgressFile::new(&path);
                std::thread::spawn(move || {
                    let mut view = file.load().progress;
                    for round in 1..=ROUNDS {
                        // Each session fails twice, then passes every time.
                        let changes = [
                            Change::ExerciseRun {
                                lesson: "q6".into(),
                                exercise: "q6-all-at-once".into(),
                                passed: round > 2,
                                failed: round <= 2,
                                at: start + u64::from(round),
                            },
                            Change::ExerciseHints {
                                lesson: "q6".into(),
                                exercise: "q6-all-at-once".into(),
                                shown: usize::try_from(round % 3).expect("small"),
                            },
                        ];
                        view = apply(view, COURSE, &changes);
                        view = file.update(COURSE, &changes, &view).expect("save");
                    }
                })
            })
            .collect();
        for session in sessions {
            session.join().expect("a session thread");
        }
        let saved = ProgressFile::new(&path).load().progress;
        let course = saved.course(COURSE).expect("the course");
        let exercise = course
            .exercise("q6", "q6-all-at-once")
            .expect("the exercise");
        assert_eq!(exercise.runs, 2 * ROUNDS);
        assert_eq!(exercise.failed_runs, 4);
        // The first pass of either session: round 3 of the one that started at 100.
        assert_eq!(exercise.passed_at, Some(103));
        assert_eq!(exercise.hints_shown, 2);
        // Resetting the lesson forgets its exercises.
        let mut reset = course.clone();
        reset.apply(&Change::Reset {
            lesson: Some("q6".into()),
        });
        assert!(reset.exercise("q6", "q6-all-at-once").is_none());
    }

    #[test]
    fn temporaries_of_killed_saves_go_at_the_next_start_however_new() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ProgressFile::new(dir.path().join("progress.toml"));
        file.update(COURSE, &sample_changes(), &Progress::default())
            .expect("save");
        std::fs::write(dir.path().join(".progress.toml.a1b2c3.tmp"), "half").expect("a leftover");
        std::fs::write(dir.path().join("notes.tmp"), "someone else's").expect("another file");
        assert_eq!(file.load().progress, sample());
        assert_eq!(
            names_in(dir.path()),
            ["notes.tmp", "progress.toml", "progress.toml.lock"]
        );
    }

    #[test]
    fn a_temporary_is_kept_while_another_session_holds_the_lock() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ProgressFile::new(dir.path().join("progress.toml"));
        let saving = file.lock().expect("the lock");
        let in_flight = dir.path().join(".progress.toml.x9y8z7.tmp");
        std::fs::write(&in_flight, "being written").expect("a save's temporary");
        let _ = file.load();
        assert!(in_flight.exists());
        drop(saving);
    }

    #[test]
    fn a_corrupt_file_mid_session_is_moved_aside_and_the_session_keeps_its_view() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        let file = ProgressFile::new(&path);
        std::fs::write(&path, "format_version = [oops").expect("write");
        let written = file
            .update(COURSE, &sample_changes()[..1], &sample())
            .expect("save");
        assert_eq!(written, sample());
        assert!(
            names_in(dir.path())
                .iter()
                .any(|name| name.contains("unreadable"))
        );
    }

    #[test]
    fn a_named_pipe_as_the_progress_file_is_refused_without_waiting() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let loaded = ProgressFile::new(&path).load();
        let why = loaded.not_saved.unwrap_or_default();
        assert!(why.contains("named pipe (FIFO)"), "{why}");
        assert!(why.contains(&path.display().to_string()), "{why}");
        let error = ProgressFile::new(&path)
            .update(COURSE, &sample_changes(), &sample())
            .expect_err("a FIFO is not saved to");
        assert!(error.to_string().contains("named pipe (FIFO)"), "{error}");
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_kept() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        std::fs::write(&path, "format_version = [oops").expect("write");
        let loaded = ProgressFile::new(&path).load();
        assert_eq!(loaded.progress, Progress::default());
        assert!(loaded.not_saved.is_none());
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
    fn an_old_progress_file_without_the_quiz_fields_loads() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("progress.toml");
        // As mptutor wrote it before retries, stopped quizzes and spaced
        // reviews were saved.
        std::fs::write(
            &path,
            "format_version = 1\n\n[courses.\"Test course\".last_place]\nlesson = \"q3\"\n\
             step = 2\n\n[courses.\"Test course\".lessons.q3]\nsteps_seen = [1, 2]\n\
             right = [1]\nwrong = [2]\nlast_visit = 200\n",
        )
        .expect("write");
        let loaded = ProgressFile::new(&path).load();
        assert!(loaded.warning.is_none(), "{:?}", loaded.warning);
        assert_eq!(loaded.progress, sample());
        let course = loaded.progress.course(COURSE).expect("the course");
        assert_eq!(course.review_sessions, 0);
        let q3 = &course.lessons["q3"];
        assert!(q3.right_on_retry.is_empty() && q3.stopped_quizzes.is_empty());
        assert!(q3.review.is_empty());
    }

    #[test]
    fn stopped_quizzes_retries_and_review_boxes_round_trip() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ProgressFile::new(dir.path().join("progress.toml"));
        let changes = [
            Change::Answered {
                lesson: "q3".into(),
                question: 5,
                right: true,
                retried: true,
            },
            Change::QuizStopped {
                lesson: "q3".into(),
                place: super::super::StoppedQuiz {
                    step: Some(5),
                    answered: 1,
                    right_first_try: 0,
                    right_on_retry: 1,
                },
            },
            Change::Reviewed {
                lesson: "q6".into(),
                question: 2,
                right: true,
                session: 3,
            },
        ];
        let written = file
            .update(COURSE, &changes, &Progress::default())
            .expect("save");
        let loaded = file.load().progress;
        assert_eq!(loaded, written);
        let course = loaded.course(COURSE).expect("the course");
        assert!(course.lessons["q3"].right_on_retry.contains(&5));
        assert_eq!(
            course
                .stopped_quiz("q3", Some(5))
                .map(|stopped| stopped.answered),
            Some(1)
        );
        assert!(course.stopped_quiz("q3", None).is_none());
        assert_eq!(course.review_sessions, 3);
        assert_eq!(
            course.review_box("q6", 2).map(|spaced| spaced.streak),
            Some(1)
        );
        let finished = apply(
            loaded,
            COURSE,
            &[Change::QuizFinished {
                lesson: "q3".into(),
                step: Some(5),
            }],
        );
        let course = finished.course(COURSE).expect("the course");
        assert!(course.stopped_quiz("q3", Some(5)).is_none());
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
