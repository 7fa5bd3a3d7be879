//! `mptutor new <id>`: a lesson file to fill in, added to its course.
//!
//! The new file holds one of everything the format has — front matter, two
//! steps, a Python example with a check and a hint, a demo, a quiz, an
//! exercise and a note — already valid, so `mptutor check` passes before the teacher has
//! written a word and every `TODO` marks what to replace. `course.toml` is
//! edited as text, the file name added at the end of its `lessons` list, so
//! the teacher's comments and layout stay as they were.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::lesson_file::RESERVED_IDS;
use super::limits::MAX_ID_CHARS;
use super::load::INDEX_CAP;
use crate::user_file;

/// Why a lesson could not be added.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "`{0}` cannot be a lesson id: use letters, digits, `-` and `_` only, e.g. `pipes` or `q7`"
    )]
    BadId(String),
    #[error(
        "`{0}` is a REPL command, so students could not open it by typing it; choose another id"
    )]
    ReservedId(String),
    #[error(
        "there is no course.toml in {0}; give --lessons DIR to add the lesson to a course folder \
         (it is created if it does not exist)"
    )]
    NoCourse(PathBuf),
    #[error("{0} already exists; choose another id or edit that file")]
    FileExists(PathBuf),
    #[error("{file} already lists `{entry}`")]
    AlreadyListed { file: PathBuf, entry: String },
    #[error(
        "{file} is not valid TOML ({message}); fix it (mptutor check says where) and try again"
    )]
    BadCourseToml { file: PathBuf, message: String },
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What [`add_lesson`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLesson {
    /// The lesson file written.
    pub file: PathBuf,
    /// The course.toml the lesson was added to.
    pub course_toml: PathBuf,
    /// The folder and its course.toml were created for this lesson.
    pub created_course: bool,
}

/// The part of course.toml this needs, with positions.
#[derive(Debug, Deserialize)]
struct Index {
    lessons: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Writes `<dir>/<id>.md` and lists it in `<dir>/course.toml`. With
/// `create` (the folder was named with `--lessons`), a missing folder or
/// course.toml is created; otherwise it must exist.
pub fn add_lesson(dir: &Path, id: &str, create: bool) -> Result<NewLesson, ScaffoldError> {
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(ScaffoldError::BadId(id.to_string()));
    }
    if RESERVED_IDS
        .iter()
        .any(|word| word.eq_ignore_ascii_case(id))
    {
        return Err(ScaffoldError::ReservedId(id.to_string()));
    }
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| ScaffoldError::Io {
            action,
            path,
            source,
        }
    };
    let course_toml = dir.join("course.toml");
    let entry = format!("{id}.md");
    let file = dir.join(&entry);
    let existing = match user_file::read_regular(&course_toml, INDEX_CAP) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(io("read", &course_toml)(error)),
    };
    if existing.is_none() && !create {
        let shown = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        return Err(ScaffoldError::NoCourse(shown));
    }
    if file.exists() {
        return Err(ScaffoldError::FileExists(file));
    }
    let index = match &existing {
        Some(text) => Some(with_entry(text, &entry, &course_toml)?),
        None => None,
    };
    std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
    user_file::write_regular(&file, lesson_template(id).as_bytes()).map_err(io("write", &file))?;
    let created_course = index.is_none();
    let index = index.unwrap_or_else(|| new_index(dir, &entry));
    user_file::write_regular(&course_toml, index.as_bytes()).map_err(io("write", &course_toml))?;
    Ok(NewLesson {
        file,
        course_toml,
        created_course,
    })
}

/// `text` (a course.toml) with `entry` added at the end of `lessons`.
fn with_entry(text: &str, entry: &str, file: &Path) -> Result<String, ScaffoldError> {
    let index: Index = toml::from_str(text).map_err(|error| ScaffoldError::BadCourseToml {
        file: file.to_path_buf(),
        message: error.message().trim_end().to_string(),
    })?;
    let quoted = format!("\"{entry}\"");
    let Some(lessons) = index.lessons else {
        let separator = if text.ends_with('\n') || text.is_empty() {
            ""
        } else {
            "\n"
        };
        return Ok(format!("{text}{separator}lessons = [{quoted}]\n"));
    };
    if lessons
        .get_ref()
        .iter()
        .any(|listed| listed.get_ref() == entry)
    {
        return Err(ScaffoldError::AlreadyListed {
            file: file.to_path_buf(),
            entry: entry.to_string(),
        });
    }
    let (at, insert) = match lessons.get_ref().last() {
        Some(last) => (last.span().end, format!(", {quoted}")),
        // Just inside the `[`.
        None => (lessons.span().start + 1, quoted),
    };
    Ok(format!("{}{insert}{}", &text[..at], &text[at..]))
}

/// A course.toml for a folder created for its first lesson.
fn new_index(dir: &Path, entry: &str) -> String {
    let title = dir
        .canonicalize()
        .ok()
        .and_then(|path| {
            path.file_name()
                .map(|name| name.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "My course".to_string());
    format!(
        "format_version = 1\ntitle = \"{}\"\nlessons = [\"{entry}\"]\n",
        title.replace(['"', '\\'], "")
    )
}

/// A complete, valid lesson whose every part says what to put there.
pub fn lesson_template(id: &str) -> String {
    TEMPLATE
        .replace("{exercise_id}", &exercise_id(id))
        .replace("{id}", id)
}

/// The id of the template's exercise in lesson `id`: exercise ids are
/// lowercase, with `-` where a lesson id may have `_`.
fn exercise_id(id: &str) -> String {
    let id = format!("{}-two-at-once", id.to_ascii_lowercase().replace('_', "-"));
    id.chars().take(MAX_ID_CHARS).collect()
}

const TEMPLATE: &str = r#"+++
id = "{id}"
title = "TODO: the title of lesson {id}"
summary = "TODO: one sentence for the lesson list."
+++

## TODO: the first step's title

TODO: say what this step teaches, in a few short paragraphs of Markdown.
Students read this beside the example; they type `python` to run the example
on their own machine, `try` to change it, `hint` when stuck and `run` for the
demo.

```python
import os
from multiprocessing import Process


def greet(number):
    print(f"child {number} (pid {os.getpid()})", flush=True)


if __name__ == "__main__":
    children = [Process(target=greet, args=(n,)) for n in (1, 2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print("parent: both children finished")
```

```check
# What every correct run prints, whatever order the children print in.
each_once = ['child 1 \(pid \d+\)', 'child 2 \(pid \d+\)']
matching = 'parent: both children finished'
matching_count = 1
line_count = 3
```

```hint
Both children run at once, so their lines may come in either order. The
parent's line comes last because `join()` waits for each child.
```

```demo
name = "print-numbers"
workers = 2
```

## TODO: the second step's title

TODO: a second step, and a question to check the idea landed.

```quiz
question = "What does join() do?"
choices = ["Starts the child", "Waits for the child to finish", "Kills the child"]
answer = 2
explain = "join() blocks the parent until the child has exited."
hint = "What is the parent doing while it waits on the child?"
```

```exercise
# The student writes this one: `exercise` copies the starter for them to
# edit, and each run is checked by what it printed and by its X-ray.
id = "{exercise_id}"
title = "TODO: Two children at once"
task = """
TODO: say what the student's program must do. Here: make both children
work **at the same time**, and have the parent wait for both.
"""
starter = '''
import time
from multiprocessing import Process


def work(number):
    time.sleep(0.5)
    print(f"child {number} done", flush=True)


if __name__ == "__main__":
    for number in (1, 2):
        child = Process(target=work, args=(number,))
        child.start()
        child.join()
    print("parent: both children finished")
'''
solution = '''
import time
from multiprocessing import Process


def work(number):
    time.sleep(0.5)
    print(f"child {number} done", flush=True)


if __name__ == "__main__":
    children = [Process(target=work, args=(number,)) for number in (1, 2)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    print("parent: both children finished")
'''
hints = [
    "`join()` waits for the child to end, so the second child starts only after the first is done.",
    "Start both children in one loop, then join both in a second loop.",
]

[output]
each_once = ['child 1 done', 'child 2 done']
last_line = 'parent: both children finished'
examples = ["child 1 done", "parent: both children finished"]

[behaviour]
processes = { exactly = 2 }
alive_at_once = { at_least = 2 }
all_joined = { zombie_ms = 1000 }
exit_code = 0
time_limit = 20
```

```note
TODO: notes for whoever teaches this lesson: timings, questions to ask the
room, what usually goes wrong. Students see them only with `show notes`.
```
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_goes_at_the_end_of_the_list_and_nothing_else_moves() {
        let text = "# my course\nformat_version = 1\ntitle = \"T\"\nlessons = [\n  \"a.md\", # first\n  \"b.md\",\n]\n";
        let added = with_entry(text, "c.md", Path::new("course.toml")).expect("added");
        assert_eq!(
            added,
            "# my course\nformat_version = 1\ntitle = \"T\"\nlessons = [\n  \"a.md\", # first\n  \"b.md\", \"c.md\",\n]\n"
        );
        let empty = with_entry("lessons = []\n", "c.md", Path::new("x")).expect("added");
        assert_eq!(empty, "lessons = [\"c.md\"]\n");
    }

    #[test]
    fn an_entry_already_listed_is_refused() {
        let listed = with_entry("lessons = [\"a.md\"]", "a.md", Path::new("x"));
        assert!(matches!(listed, Err(ScaffoldError::AlreadyListed { .. })));
    }

    #[test]
    fn the_template_is_a_valid_lesson() {
        let lesson = super::super::parse_lesson("new.md", lesson_template("pipes").as_bytes());
        let lesson = lesson.unwrap_or_else(|problems| panic!("{problems:?}"));
        assert_eq!(lesson.id, "pipes");
        assert_eq!(lesson.steps.len(), 2);
        assert_eq!(lesson.python_examples()[0].checks.len(), 1);
        let exercise = lesson.steps[1]
            .exercise()
            .expect("the second step has an exercise");
        assert_eq!(exercise.id, "pipes-two-at-once");
        assert_ne!(exercise.starter, exercise.solution);
        assert_eq!(exercise.hints.len(), 2);
    }

    #[test]
    fn the_template_exercise_id_is_valid_for_any_lesson_id() {
        let long = "Long_Lesson_Id_".repeat(2) + "x";
        for id in ["Pipes_2", long.as_str()] {
            let text = lesson_template(id);
            let lesson = super::super::parse_lesson("new.md", text.as_bytes());
            let lesson = lesson.unwrap_or_else(|problems| panic!("{id}: {problems}"));
            let exercise = lesson.steps[1].exercise().expect("an exercise");
            assert!(
                exercise.id.chars().count() <= MAX_ID_CHARS,
                "{}",
                exercise.id
            );
        }
    }
}
