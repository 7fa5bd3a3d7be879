//! Lesson files → a typed [`Course`].
//!
//! A course is a folder: `course.toml` lists the lesson files in order, and
//! each lesson is Markdown with TOML front matter between `+++` lines. Each
//! `## ` heading starts a step; fenced blocks tagged `python`, `demo`, `quiz`,
//! `note`, `hint`, `check` and `exercise` are interpreted, any other fence is
//! shown as code (never an exercise's, which would show its solution). The format
//! is documented for teachers in `lessons/README.md`.
//!
//! Loading never stops at the first problem: every problem in every file is
//! collected as a [`Diagnostic`] (`path:line:col: message`, with the line
//! quoted), so a teacher fixes a course in one pass; past the first 50 of a
//! file they are counted, not listed. Loading costs time in proportion to
//! the course's size, and sizes and nesting have limits (`limits.rs`).

mod blocks;
mod check_words;
mod diagnostic;
mod example_line;
mod exercise;
mod exercise_block;
mod front_matter;
mod lesson_file;
mod limits;
mod line_index;
mod load;
mod model;
mod output_check;
mod scaffold;
mod speed_claim;

pub use check_words::{line_like, problem_in_words};
pub use diagnostic::{CourseErrors, Diagnostic};
pub use example_line::{example_line, pattern_in_words};
pub use exercise::{
    BehaviourChecks, CountRule, Exercise, ExerciseChecks, JoinRule, SpeedBaseline, SpeedCheck,
};
pub use lesson_file::{RESERVED_IDS, parse_lesson};
pub use limits::{
    MAX_EXAMPLES, MAX_ID_CHARS, MAX_NESTING, MAX_PROBLEMS_SHOWN, MAX_STEPS, MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
};
pub use load::{FORMAT_VERSION, load_builtin, load_dir};
pub use model::{
    Block, CodeBlock, Course, CourseOrigin, DemoBlock, ExerciseAt, Lesson, LessonIndex,
    PythonExample, Quiz, Step,
};
pub use output_check::{CheckVerdict, OutputCheck, OutputProblem, whole_line};
pub use scaffold::{NewLesson, ScaffoldError, add_lesson, lesson_template};
pub use speed_claim::SpeedClaim;
