//! Finding and reading a course: the built-in one embedded in the binary, or
//! a folder on disk. Both go through the same checks, so `mptutor check`
//! judges a teacher's course exactly as the REPL will load it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{CourseErrors, Diagnostic, Problem, report};
use super::lesson_file::{id_offset, parse_lesson};
use super::limits::{MAX_TITLE_CHARS, too_long};
use super::line_index::LineIndex;
use super::model::{Course, CourseOrigin, Lesson};
use crate::user_file::{self, SizeCap};

/// The course folder of this repository, embedded at build time so that
/// `mptutor` works from any directory.
static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");

/// The `format_version` this mptutor reads.
pub const FORMAT_VERSION: u32 = 1;

/// The keys `course.toml` may hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CourseToml {
    /// Version of the lesson format; 1 today.
    format_version: Option<Spanned<i64>>,
    /// The course's title, shown by `list` and at start-up.
    title: Option<Spanned<String>>,
    /// Lesson files relative to the folder, in teaching order.
    lessons: Option<Spanned<Vec<Spanned<String>>>>,
}

/// The most a lesson may hold. The longest built-in lesson is about
/// 12 KiB; a file of megabytes is a mistake, and reading it whole would
/// only fill memory.
const LESSON_CAP: SizeCap = SizeCap {
    bytes: 4 * 1024 * 1024,
    of: "a lesson",
};

/// The most `course.toml` may hold: a title and a list of file names.
pub(super) const INDEX_CAP: SizeCap = SizeCap {
    bytes: 4 * 1024 * 1024,
    of: "course.toml",
};

/// Why a listed file could not be read.
enum ReadProblem {
    Missing,
    Outside,
    /// A named pipe, a device, a socket or a folder: what it is.
    NotRegular(String),
    /// Over its cap: its size.
    TooLarge(String),
    Other(String),
}

impl From<std::io::Error> for ReadProblem {
    fn from(error: std::io::Error) -> Self {
        match error.kind() {
            std::io::ErrorKind::NotFound => ReadProblem::Missing,
            std::io::ErrorKind::InvalidInput => ReadProblem::NotRegular(error.to_string()),
            std::io::ErrorKind::FileTooLarge => ReadProblem::TooLarge(error.to_string()),
            _ => ReadProblem::Other(error.to_string()),
        }
    }
}

/// A course folder: the embedded one or one on disk.
trait CourseFiles {
    /// How a file in the folder is named in messages.
    fn display(&self, relative: &str) -> String;
    /// The bytes of a file of the folder, at most `cap` of them.
    fn read(&self, relative: &str, cap: SizeCap) -> Result<Vec<u8>, ReadProblem>;
    fn origin(&self) -> CourseOrigin;
}

struct BuiltIn;

impl CourseFiles for BuiltIn {
    fn display(&self, relative: &str) -> String {
        format!("lessons/{relative}")
    }

    fn read(&self, relative: &str, _cap: SizeCap) -> Result<Vec<u8>, ReadProblem> {
        if escapes(Path::new(relative)) {
            return Err(ReadProblem::Outside);
        }
        BUILT_IN
            .get_file(relative)
            .map(|file| file.contents().to_vec())
            .ok_or(ReadProblem::Missing)
    }

    fn origin(&self) -> CourseOrigin {
        CourseOrigin::BuiltIn
    }
}

struct Folder(PathBuf);

impl CourseFiles for Folder {
    fn display(&self, relative: &str) -> String {
        self.0.join(relative).display().to_string()
    }

    fn read(&self, relative: &str, cap: SizeCap) -> Result<Vec<u8>, ReadProblem> {
        if escapes(Path::new(relative)) {
            return Err(ReadProblem::Outside);
        }
        let path = self.0.join(relative);
        // What the path leads to comes first, found without opening it: a
        // named pipe would block the open, and a device (`/dev/zero`, a
        // link to it) is named rather than touched, wherever it lies.
        user_file::check_regular(&path)?;
        // A symbolic link may still lead out of the folder.
        if let (Ok(root), Ok(target)) = (self.0.canonicalize(), path.canonicalize())
            && !target.starts_with(root)
        {
            return Err(ReadProblem::Outside);
        }
        // Checked again on the open file, in case it changed meanwhile.
        Ok(user_file::read_regular_bytes(&path, cap)?)
    }

    fn origin(&self) -> CourseOrigin {
        CourseOrigin::Dir(self.0.clone())
    }
}

/// True when a relative path could leave the folder it is relative to.
fn escapes(path: &Path) -> bool {
    path.components()
        .any(|part| !matches!(part, Component::Normal(_) | Component::CurDir))
}

/// The exercises of `lesson` whose id an earlier one (in this lesson or
/// one before it, as `seen` records them: id → `file:line`) already uses,
/// each as its fence's line and the message saying so; the others are
/// added to `seen`.
fn exercises_used_before(
    lesson: &Lesson,
    shown: &str,
    seen: &mut HashMap<String, String>,
) -> Vec<(usize, String)> {
    let mut twice = Vec::new();
    for step in &lesson.steps {
        let Some(exercise) = step.exercise() else {
            continue;
        };
        match seen.get(&exercise.id) {
            Some(first) => twice.push((
                exercise.line,
                format!(
                    "exercise id `{}` is already used by the exercise at {first}; each exercise \
                     needs an id of its own (progress is saved under it)",
                    exercise.id
                ),
            )),
            None => {
                seen.insert(exercise.id.clone(), format!("{shown}:{}", exercise.line));
            }
        }
    }
    twice
}

/// Loads the course built into the binary.
pub fn load_builtin() -> Result<Course, CourseErrors> {
    load(&BuiltIn)
}

/// Loads the course in `dir` (the folder holding `course.toml`).
pub fn load_dir(dir: &Path) -> Result<Course, CourseErrors> {
    if !dir.is_dir() {
        let why = match std::fs::metadata(dir) {
            Ok(_) => "not a folder; give the folder that holds course.toml",
            Err(_) => "no such folder; give the folder that holds course.toml",
        };
        return Err(CourseErrors::from(Diagnostic::file(
            &dir.display().to_string(),
            why,
        )));
    }
    load(&Folder(dir.to_path_buf()))
}

fn load(files: &dyn CourseFiles) -> Result<Course, CourseErrors> {
    let mut problems = Vec::new();
    let index_path = files.display("course.toml");
    let index_bytes = match files.read("course.toml", INDEX_CAP) {
        Ok(bytes) => bytes,
        Err(problem) => {
            let message = match problem {
                ReadProblem::Missing => "not found; a course folder needs a course.toml listing \
                                         its lessons (see lessons/README.md)"
                    .to_string(),
                ReadProblem::NotRegular(what) => format!(
                    "{what}; course.toml must be a text file listing the lessons (see \
                     lessons/README.md)"
                ),
                ReadProblem::TooLarge(size) => format!(
                    "{size}; it only names the course and lists its lessons (see \
                     lessons/README.md)"
                ),
                ReadProblem::Outside => {
                    "leads outside the course folder; put course.toml inside it".to_string()
                }
                ReadProblem::Other(why) => format!("cannot be read: {why}"),
            };
            return Err(CourseErrors::from(Diagnostic::file(&index_path, message)));
        }
    };
    let index_text = match std::str::from_utf8(&index_bytes) {
        Ok(text) => text,
        Err(_) => {
            // Reuse the lesson parser's UTF-8 report, which finds the position.
            return Err(parse_lesson(&index_path, &index_bytes)
                .err()
                .unwrap_or_default());
        }
    };
    let index: CourseToml = match toml::from_str(index_text) {
        Ok(index) => index,
        Err(error) => {
            return Err(CourseErrors::from(Diagnostic::at_span(
                &index_path,
                index_text,
                error.span(),
                format!("bad TOML in course.toml: {}", error.message().trim_end()),
            )));
        }
    };
    let index_lines = LineIndex::new(index_text);
    let at_start = |message: &str| Problem::at(0, message);

    let format_version = match &index.format_version {
        None => {
            problems.push(at_start(
                "course.toml has no `format_version`; add `format_version = 1`",
            ));
            FORMAT_VERSION
        }
        Some(version) if *version.get_ref() == i64::from(FORMAT_VERSION) => FORMAT_VERSION,
        Some(version) => {
            problems.push(Problem::at(
                version.span().start,
                format!(
                    "format_version {} is not one this mptutor reads; it reads version {FORMAT_VERSION}",
                    version.get_ref()
                ),
            ));
            FORMAT_VERSION
        }
    };
    let title = match index.title {
        Some(title) if !title.get_ref().trim().is_empty() => {
            let at = title.span().start;
            let title = title.into_inner().trim().to_string();
            if let Some(why) = too_long(
                "the course `title`",
                &title,
                MAX_TITLE_CHARS,
                "it heads `list` and the greeting; say the rest in the first lesson",
            ) {
                problems.push(Problem::at(at, why));
            }
            title
        }
        Some(title) => {
            problems.push(Problem::at(title.span().start, "course `title` is empty"));
            String::new()
        }
        None => {
            problems.push(at_start("course.toml has no `title`; add `title = \"…\"`"));
            String::new()
        }
    };
    let listed = match index.lessons {
        Some(listed) if listed.get_ref().is_empty() => {
            problems.push(Problem::at(
                listed.span().start,
                "`lessons` is empty; list at least one lesson file",
            ));
            Vec::new()
        }
        Some(listed) => listed.into_inner(),
        None => {
            problems.push(at_start(
                "course.toml has no `lessons`; add `lessons = [\"q1.md\", …]`",
            ));
            Vec::new()
        }
    };

    let mut lesson_problems = CourseErrors::default();
    let mut lessons: Vec<Lesson> = Vec::new();
    let mut seen_files: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashMap<String, String> = HashMap::new();
    let mut seen_exercises: HashMap<String, String> = HashMap::new();
    for entry in listed {
        let relative = entry.get_ref().trim().to_string();
        let at_entry = |message: String| Problem::at(entry.span().start, message);
        if let Some(line) = seen_files.get(&relative) {
            problems.push(at_entry(format!(
                "`{relative}` is listed twice (also on line {line})"
            )));
            continue;
        }
        seen_files.insert(relative.clone(), index_lines.line(entry.span().start));
        let shown = files.display(&relative);
        let bytes = match files.read(&relative, LESSON_CAP) {
            Ok(bytes) => bytes,
            Err(ReadProblem::Missing) => {
                problems.push(at_entry(format!(
                    "`{relative}` is listed but {shown} does not exist"
                )));
                continue;
            }
            Err(ReadProblem::Outside) => {
                problems.push(at_entry(format!(
                    "`{relative}` lies outside the course folder; lesson files must be inside it"
                )));
                continue;
            }
            Err(ReadProblem::NotRegular(what)) => {
                lesson_problems.append(CourseErrors::from(Diagnostic::file(
                    &shown,
                    format!(
                        "{what}; a lesson must be a Markdown file: replace it with one, or take \
                         `{relative}` out of course.toml"
                    ),
                )));
                continue;
            }
            Err(ReadProblem::TooLarge(size)) => {
                lesson_problems.append(CourseErrors::from(Diagnostic::file(
                    &shown,
                    format!("{size}; split it into smaller lessons"),
                )));
                continue;
            }
            Err(ReadProblem::Other(why)) => {
                problems.push(at_entry(format!("`{relative}` cannot be read: {why}")));
                continue;
            }
        };
        match parse_lesson(&shown, &bytes) {
            Ok(lesson) => {
                let key = lesson.id.to_ascii_lowercase();
                if let Some(first) = seen_ids.get(&key) {
                    let text = String::from_utf8_lossy(&bytes);
                    lesson_problems.append(CourseErrors::from(Diagnostic::at(
                        &shown,
                        &text,
                        id_offset(&text),
                        format!("duplicate id `{}`: {first} already uses it", lesson.id),
                    )));
                } else {
                    seen_ids.insert(key, shown.clone());
                    let twice = exercises_used_before(&lesson, &shown, &mut seen_exercises);
                    if twice.is_empty() {
                        lessons.push(lesson);
                    } else {
                        let text = String::from_utf8_lossy(&bytes);
                        let lines = LineIndex::new(&text);
                        let twice = twice
                            .into_iter()
                            .map(|(line, message)| Problem::at(lines.line_start(line), message))
                            .collect();
                        lesson_problems.append(report(&shown, &text, &lines, twice));
                    }
                }
            }
            Err(found) => lesson_problems.append(found),
        }
    }

    if problems.is_empty() && lesson_problems.count() == 0 {
        Ok(Course {
            title,
            format_version,
            origin: files.origin(),
            lessons,
        })
    } else {
        let mut errors = report(&index_path, index_text, &index_lines, problems);
        errors.append(lesson_problems);
        Err(errors)
    }
}
