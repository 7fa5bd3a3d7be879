//! Where the presenting REPL is, in a file `mptutor notes` reads.
//!
//! Each presenting session keeps one small JSON file,
//! `presenting-<pid>.json`, in a private folder of the user's runtime
//! directory (`$XDG_RUNTIME_DIR/mptutor`, else `mptutor-<uid>` in the
//! temporary folder, mode 0700 either way). It is replaced atomically (a
//! temporary file in the same folder, then a rename) every time the
//! presenter moves, so a reader sees the old position or the new one,
//! never half of one, and removed when presenting stops. A REPL that dies
//! without removing it (`kill -9`, a closed terminal) leaves a stale file:
//! it names a pid that no longer runs, or that now belongs to a process
//! started at another time, and readers treat it as gone and delete it.

use std::fs::DirBuilder;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::course::CourseOrigin;
use crate::engine::sys::liveness;

/// The version of the file's format; a reader skips any other.
pub const FORMAT: u32 = 1;

/// Files bigger than this are not a position (the real ones are about 200 bytes).
const LARGEST_FILE: u64 = 64 * 1024;

/// Which course the presenter has open.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseSource {
    /// The course built into mptutor.
    BuiltIn,
    /// A course folder (`--lessons DIR`), as an absolute path.
    Dir(PathBuf),
}

impl CourseSource {
    pub fn of(origin: &CourseOrigin) -> Self {
        match origin {
            CourseOrigin::BuiltIn => CourseSource::BuiltIn,
            CourseOrigin::Dir(dir) => {
                CourseSource::Dir(std::path::absolute(dir).unwrap_or_else(|_| dir.clone()))
            }
        }
    }
}

/// One presenting session and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenterPosition {
    /// [`FORMAT`].
    pub format: u32,
    /// The presenting REPL's process.
    pub pid: u32,
    /// When that process started (clock ticks after boot), so a later
    /// process given the same pid is not taken for it.
    pub pid_started: Option<u64>,
    /// When presenting began, in milliseconds since the Unix epoch: the
    /// newest session is the one `notes` follows.
    pub started_ms: u64,
    pub course: CourseSource,
    /// The open lesson's id; `None` before one is opened.
    pub lesson: Option<String>,
    /// The step shown, counting from 1.
    pub step: Option<usize>,
}

/// The folder the positions live in: `mptutor` in `$XDG_RUNTIME_DIR`, or,
/// without one, `mptutor-<uid>` in the temporary folder.
pub fn presenting_dir() -> PathBuf {
    directories::BaseDirs::new()
        .and_then(|dirs| dirs.runtime_dir().map(|dir| dir.join("mptutor")))
        .unwrap_or_else(|| std::env::temp_dir().join(format!("mptutor-{}", liveness::own_uid())))
}

/// Creates `dir` with mode 0700, or checks that the one there is a folder
/// of this user's that nobody else can open: in a shared temporary folder
/// another user could have made it first.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => {
            return Err(io::Error::new(
                error.kind(),
                format!("cannot create {}: {error}", dir.display()),
            ));
        }
    }
    let metadata = std::fs::symlink_metadata(dir)?;
    let mode = metadata.permissions().mode() & 0o777;
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{} {why}; remove it and try again", dir.display()),
        ))
    };
    if !metadata.is_dir() {
        return refuse("is not a folder".to_string());
    }
    if metadata.uid() != liveness::own_uid() {
        return refuse(format!("belongs to user {}, not to you", metadata.uid()));
    }
    if mode & 0o077 != 0 {
        return refuse(format!(
            "can be opened by other users (mode {mode:o}, not 700)"
        ));
    }
    Ok(())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The presenting REPL's side: writes its position on every move and
/// removes the file when dropped.
#[derive(Debug)]
pub struct Publisher {
    dir: PathBuf,
    file: PathBuf,
    position: PresenterPosition,
}

impl Publisher {
    /// Starts publishing this process's position in `dir` (created if
    /// needed), with no lesson open yet.
    pub fn start(dir: &Path, course: CourseSource) -> io::Result<Publisher> {
        ensure_private_dir(dir)?;
        let pid = std::process::id();
        let publisher = Publisher {
            dir: dir.to_path_buf(),
            file: dir.join(format!("presenting-{pid}.json")),
            position: PresenterPosition {
                format: FORMAT,
                pid,
                pid_started: liveness::own_start_ticks(),
                started_ms: now_ms(),
                course,
                lesson: None,
                step: None,
            },
        };
        write_position(&publisher.dir, &publisher.file, &publisher.position)?;
        Ok(publisher)
    }

    /// Says the presenter now shows `step` (from 1) of `lesson`.
    pub fn publish(&mut self, lesson: &str, step: usize) -> io::Result<()> {
        self.position.lesson = Some(lesson.to_string());
        self.position.step = Some(step);
        write_position(&self.dir, &self.file, &self.position)
    }

    /// The file the position is in.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        // Only the presenting process itself withdraws its position, never
        // a forked copy of it that ends.
        if std::process::id() == self.position.pid {
            let _ = std::fs::remove_file(&self.file);
        }
    }
}

/// Replaces `file` (in `dir`) with `position`, atomically.
pub fn write_position(dir: &Path, file: &Path, position: &PresenterPosition) -> io::Result<()> {
    let text = serde_json::to_string(position).map_err(io::Error::other)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".presenting-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temporary.write_all(text.as_bytes())?;
    temporary.write_all(b"\n")?;
    temporary
        .persist(file)
        .map(drop)
        .map_err(|error| error.error)
}

/// Every presenting session whose REPL still runs, the newest first.
/// Files left by a REPL that died are removed; files that are not a
/// position of this format are skipped.
pub fn presenters(dir: &Path) -> Vec<PresenterPosition> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with("presenting-") && name.ends_with(".json")) {
            continue;
        }
        let path = entry.path();
        let Some(position) = read_position(&path) else {
            continue;
        };
        if liveness::is_running(position.pid, position.pid_started) {
            found.push(position);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
    found.sort_by_key(|position| std::cmp::Reverse((position.started_ms, position.pid)));
    found
}

fn read_position(path: &Path) -> Option<PresenterPosition> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > LARGEST_FILE {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let position: PresenterPosition = serde_json::from_str(&text).ok()?;
    (position.format == FORMAT).then_some(position)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_dir() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().expect("temporary directory");
        let dir = root.path().join("mptutor");
        (root, dir)
    }

    #[test]
    fn a_published_position_reads_back_as_written() {
        let (_root, dir) = private_dir();
        let course = CourseSource::Dir(PathBuf::from("/courses/mine"));
        let mut publisher = Publisher::start(&dir, course.clone()).expect("publish");
        let read = presenters(&dir);
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].lesson, None);
        publisher.publish("q3", 2).expect("publish a move");
        let read = presenters(&dir);
        assert_eq!(read.len(), 1, "{read:?}");
        assert_eq!(read[0].pid, std::process::id());
        assert_eq!(read[0].course, course);
        assert_eq!(read[0].lesson.as_deref(), Some("q3"));
        assert_eq!(read[0].step, Some(2));
        let mode = std::fs::metadata(&dir)
            .expect("folder")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn stopping_presenting_removes_the_position() {
        let (_root, dir) = private_dir();
        let publisher = Publisher::start(&dir, CourseSource::BuiltIn).expect("publish");
        let file = publisher.file().to_path_buf();
        assert!(file.exists());
        drop(publisher);
        assert!(!file.exists());
        assert!(presenters(&dir).is_empty());
    }

    #[test]
    fn a_position_left_by_a_dead_repl_is_stale_and_removed() {
        let (_root, dir) = private_dir();
        ensure_private_dir(&dir).expect("folder");
        let mut child = std::process::Command::new("true")
            .spawn()
            .expect("run true");
        let dead = child.id();
        child.wait().expect("reap true");
        let left = PresenterPosition {
            format: FORMAT,
            pid: dead,
            pid_started: Some(1),
            started_ms: 5,
            course: CourseSource::BuiltIn,
            lesson: Some("q1".into()),
            step: Some(1),
        };
        let file = dir.join(format!("presenting-{dead}.json"));
        write_position(&dir, &file, &left).expect("write");
        // This process, but said to have started at another time: a pid
        // reused by a later process.
        let reused = PresenterPosition {
            pid: std::process::id(),
            pid_started: liveness::own_start_ticks().map(|ticks| ticks + 1),
            ..left.clone()
        };
        let reused_file = dir.join("presenting-reused.json");
        write_position(&dir, &reused_file, &reused).expect("write");
        assert!(presenters(&dir).is_empty());
        assert!(!file.exists() && !reused_file.exists());
    }

    #[test]
    fn the_newest_session_comes_first() {
        let (_root, dir) = private_dir();
        ensure_private_dir(&dir).expect("folder");
        let own = |started_ms, lesson: &str| PresenterPosition {
            format: FORMAT,
            pid: std::process::id(),
            pid_started: liveness::own_start_ticks(),
            started_ms,
            course: CourseSource::BuiltIn,
            lesson: Some(lesson.into()),
            step: Some(1),
        };
        write_position(&dir, &dir.join("presenting-a.json"), &own(100, "q1")).expect("write");
        write_position(&dir, &dir.join("presenting-b.json"), &own(300, "q3")).expect("write");
        write_position(&dir, &dir.join("presenting-c.json"), &own(200, "q2")).expect("write");
        std::fs::write(dir.join("presenting-d.json"), "not a position").expect("write");
        let lessons: Vec<_> = presenters(&dir)
            .into_iter()
            .filter_map(|position| position.lesson)
            .collect();
        assert_eq!(lessons, ["q3", "q2", "q1"]);
    }

    #[test]
    fn a_folder_other_users_can_open_is_refused() {
        let (_root, dir) = private_dir();
        std::fs::create_dir(&dir).expect("folder");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let error = Publisher::start(&dir, CourseSource::BuiltIn).expect_err("refused");
        assert!(error.to_string().contains("mode 755"), "{error}");
    }
}
