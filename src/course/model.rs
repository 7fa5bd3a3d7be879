//! The typed course: what the loader produces and everything else reads.
//!
//! A course is an ordered list of lessons; a lesson is an ordered list of
//! steps (one per `## ` heading); a step is an ordered list of blocks. The
//! types hold already-validated data: a `DemoBlock` names a demo that exists
//! and carries parameters that are in range, a `Quiz` has an answer that is
//! one of its choices. Code that renders or runs a course never re-checks.

use std::path::PathBuf;

pub use super::exercise::Exercise;
pub use super::output_check::OutputCheck;
use crate::demos::{DemoInfo, DemoParams};

/// Where a course was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseOrigin {
    /// The course embedded in the binary at build time (the repo's `lessons/`).
    BuiltIn,
    /// A course folder given with `--lessons DIR` or `mptutor check DIR`.
    Dir(PathBuf),
}

/// A whole course, in the order `course.toml` lists its lessons.
#[derive(Debug, Clone)]
pub struct Course {
    pub title: String,
    pub format_version: u32,
    pub origin: CourseOrigin,
    pub lessons: Vec<Lesson>,
}

impl Course {
    /// Finds a lesson by id, ignoring case; a bare number `3` also finds the
    /// third lesson, so `open 3` works as well as `open q3`.
    pub fn find_lesson(&self, name: &str) -> Option<LessonIndex> {
        let name = name.trim();
        if let Some(found) = self
            .lessons
            .iter()
            .position(|lesson| lesson.id.eq_ignore_ascii_case(name))
        {
            return Some(LessonIndex(found));
        }
        match name.parse::<usize>() {
            Ok(n) if (1..=self.lessons.len()).contains(&n) => Some(LessonIndex(n - 1)),
            _ => None,
        }
    }

    pub fn lesson(&self, index: LessonIndex) -> &Lesson {
        &self.lessons[index.0]
    }

    /// Ids of all lessons, in course order (for completion and messages).
    pub fn lesson_ids(&self) -> impl Iterator<Item = &str> {
        self.lessons.iter().map(|lesson| lesson.id.as_str())
    }

    /// Every exercise, in course order, with the lesson and step holding it.
    pub fn exercises(&self) -> impl Iterator<Item = ExerciseAt<'_>> {
        self.lessons.iter().enumerate().flat_map(|(lesson, held)| {
            held.steps
                .iter()
                .enumerate()
                .filter_map(move |(step, shown)| {
                    shown.exercise().map(|exercise| ExerciseAt {
                        lesson: LessonIndex(lesson),
                        step,
                        exercise,
                    })
                })
        })
    }

    /// The exercise with this id (ids are unique in a course, and
    /// lowercase; the name is compared ignoring case).
    pub fn find_exercise(&self, id: &str) -> Option<ExerciseAt<'_>> {
        let id = id.trim();
        self.exercises()
            .find(|found| found.exercise.id.eq_ignore_ascii_case(id))
    }
}

/// An exercise and where it is in its course.
#[derive(Debug, Clone, Copy)]
pub struct ExerciseAt<'c> {
    pub lesson: LessonIndex,
    /// The step holding it (0-based).
    pub step: usize,
    pub exercise: &'c Exercise,
}

/// Position of a lesson in its course (0-based). Only `Course::find_lesson`
/// and iteration make these, so indexing with one never goes out of bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LessonIndex(pub usize);

/// One lesson file.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// Short id used to open the lesson (`q3`).
    pub id: String,
    pub title: String,
    /// One sentence shown by `list`.
    pub summary: String,
    /// The path shown in messages (`lessons/q3.md`).
    pub path: String,
    /// Never empty: the loader rejects a lesson without a `## ` step.
    pub steps: Vec<Step>,
}

impl Lesson {
    /// Every quiz of the lesson, in step order, with the step it belongs to.
    pub fn quizzes(&self) -> impl Iterator<Item = (usize, &Quiz)> {
        self.steps.iter().enumerate().flat_map(|(index, step)| {
            step.blocks.iter().filter_map(move |block| match block {
                Block::Quiz(quiz) => Some((index, quiz)),
                _ => None,
            })
        })
    }

    /// The first demo block at or after `step`, else the lesson's first demo.
    pub fn demo_for_step(&self, step: usize) -> Option<&DemoBlock> {
        self.demo_at(step).map(|(_, demo)| demo)
    }

    /// Like [`Lesson::demo_for_step`], with the index of the step holding it.
    pub fn demo_at(&self, step: usize) -> Option<(usize, &DemoBlock)> {
        let demos_from = |start: usize| {
            self.steps
                .iter()
                .enumerate()
                .skip(start)
                .find_map(|(index, step)| {
                    step.blocks.iter().find_map(|block| match block {
                        Block::Demo(demo) => Some((index, demo)),
                        _ => None,
                    })
                })
        };
        demos_from(step).or_else(|| demos_from(0))
    }

    /// The Python example nearest to `step`: the step's own, else the closest
    /// earlier one, else the lesson's first.
    pub fn python_for_step(&self, step: usize) -> Option<&CodeBlock> {
        fn python_in(step: &Step) -> Option<&CodeBlock> {
            step.blocks.iter().find_map(|block| match block {
                Block::Python(code) => Some(code),
                _ => None,
            })
        }
        let upto = step.min(self.steps.len().saturating_sub(1));
        self.steps[..=upto]
            .iter()
            .rev()
            .find_map(python_in)
            .or_else(|| self.steps.iter().find_map(python_in))
    }
}

/// A Python example with the ```` ```check ```` blocks that say what a
/// correct run of it prints.
#[derive(Debug, Clone)]
pub struct PythonExample<'l> {
    /// The step holding the example (0-based).
    pub step: usize,
    pub code: &'l CodeBlock,
    pub checks: Vec<&'l OutputCheck>,
}

impl Lesson {
    /// Every Python example, in file order, each with its checks: the check
    /// blocks after it in its step, up to the step's next example (checks
    /// written before a step's first example belong to that example).
    pub fn python_examples(&self) -> Vec<PythonExample<'_>> {
        let mut examples = Vec::new();
        for (index, step) in self.steps.iter().enumerate() {
            let first = examples.len();
            let mut early_checks = Vec::new();
            for block in &step.blocks {
                match block {
                    Block::Python(code) => examples.push(PythonExample {
                        step: index,
                        code,
                        checks: std::mem::take(&mut early_checks),
                    }),
                    Block::Check(check) => match examples[first..].last_mut() {
                        Some(example) => example.checks.push(check),
                        None => early_checks.push(check),
                    },
                    _ => {}
                }
            }
        }
        examples
    }

    /// The example `python` runs at `step` (see [`Lesson::python_for_step`]),
    /// with its checks.
    pub fn example_for_step(&self, step: usize) -> Option<PythonExample<'_>> {
        let code = self.python_for_step(step)?;
        self.python_examples()
            .into_iter()
            .find(|example| std::ptr::eq(example.code, code))
    }
}

/// One step: a `## ` heading and everything up to the next one.
#[derive(Debug, Clone)]
pub struct Step {
    pub title: String,
    /// 1-based line of the heading in the lesson file.
    pub line: usize,
    pub blocks: Vec<Block>,
}

impl Step {
    /// The step's prose (its explanation), without code, demos or quizzes.
    pub fn prose(&self) -> String {
        let parts: Vec<&str> = self
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Prose(markdown) => Some(markdown.as_str()),
                _ => None,
            })
            .collect();
        parts.join("\n\n")
    }

    /// The step's exercise; a step holds at most one.
    pub fn exercise(&self) -> Option<&Exercise> {
        self.blocks.iter().find_map(|block| match block {
            Block::Exercise(exercise) => Some(exercise.as_ref()),
            _ => None,
        })
    }
}

/// A piece of a step, in file order.
#[derive(Debug, Clone)]
pub enum Block {
    /// Markdown source between interpreted blocks: paragraphs, lists,
    /// tables, `###` sub-headings, quotes, plain code fences are not here
    /// (they are `Code`).
    Prose(String),
    /// A ```` ```python ```` example program.
    Python(CodeBlock),
    /// Any other fenced block, shown as code.
    Code(CodeBlock),
    /// A ```` ```demo ```` block.
    Demo(DemoBlock),
    /// A ```` ```quiz ```` block.
    Quiz(Quiz),
    /// A ```` ```note ```` block: Markdown for the instructor, hidden unless asked for.
    Note(String),
    /// A ```` ```hint ```` block: one level of help (Markdown). A step's hints
    /// are revealed one at a time, in file order, by `hint`.
    Hint(String),
    /// A ```` ```check ```` block: what a correct run of the step's Python
    /// example prints, in any order the scheduler picks.
    Check(OutputCheck),
    /// An ```` ```exercise ````: a task the student solves by writing the
    /// program, with its starter, its hidden solution and its checks
    /// (boxed: it is many times the size of the other blocks).
    Exercise(Box<Exercise>),
}

/// A fenced code block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeBlock {
    /// The fence's info string (`python`, `text`, `console`, or empty).
    pub lang: String,
    /// The code, ending with a newline unless empty.
    pub code: String,
    /// 1-based line of the opening fence.
    pub line: usize,
}

/// A validated reference to a built-in demo.
#[derive(Debug, Clone)]
pub struct DemoBlock {
    pub demo: &'static DemoInfo,
    /// The parameters the lesson sets; everything else takes its default.
    pub params: DemoParams,
    /// 1-based line of the opening fence.
    pub line: usize,
}

/// A validated multiple-choice question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quiz {
    pub question: String,
    /// At least two choices.
    pub choices: Vec<String>,
    /// 1-based number of the right choice; always within `choices`.
    pub answer: usize,
    /// Shown after the student answers, right or wrong.
    pub explain: String,
    /// Markdown that helps without giving the answer away, shown by `hint`
    /// during the quiz; `None` when the block has none.
    pub hint: Option<String>,
    /// 1-based line of the opening fence.
    pub line: usize,
}
