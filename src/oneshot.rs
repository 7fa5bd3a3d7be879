//! The one-shot commands: `list`, `show`, `run`, `check`. Each writes to the
//! given output and returns whether it succeeded.

use std::io::{self, Write};

use crate::course::{Course, CourseErrors};
use crate::render::{self, RenderOptions};
use crate::repl::demo_not_built;

/// `mptutor list`
pub fn list(course: &Course, options: &RenderOptions, out: &mut dyn Write) -> io::Result<bool> {
    writeln!(out, "{}", render::render_course_list(course, None, options))?;
    Ok(true)
}

/// `mptutor show <lesson> [--step N]`
pub fn show(
    course: &Course,
    lesson: &str,
    step: Option<usize>,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let text = match step {
        None => render::render_lesson(lesson, options),
        Some(n) if (1..=lesson.steps.len()).contains(&n) => {
            render::render_step(lesson, n - 1, options)
        }
        Some(n) => {
            writeln!(
                err,
                "mptutor: lesson {} has steps 1 to {}, not {n}",
                lesson.id,
                lesson.steps.len()
            )?;
            return Ok(false);
        }
    };
    writeln!(out, "{text}")?;
    Ok(true)
}

/// `mptutor run <lesson> [key=value …]`
pub fn run(
    course: &Course,
    lesson: &str,
    assignments: &[String],
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let Some(block) = lesson.demo_for_step(0) else {
        writeln!(err, "mptutor: lesson {} has no demo", lesson.id)?;
        return Ok(false);
    };
    match block
        .demo
        .parse_assignments(assignments.iter().map(String::as_str))
    {
        Err(error) => {
            writeln!(err, "mptutor: {error}")?;
            Ok(false)
        }
        Ok(overrides) => {
            writeln!(
                out,
                "{}",
                demo_not_built(block, &block.params.merged(&overrides), options)
            )?;
            // Nothing was run, so the command did not do what was asked.
            Ok(false)
        }
    }
}

/// `mptutor check [DIR]`: the verdict on a loaded (or failed) course.
pub fn check(
    result: &Result<Course, CourseErrors>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    match result {
        Ok(course) => {
            let steps: usize = course.lessons.iter().map(|lesson| lesson.steps.len()).sum();
            let quizzes: usize = course
                .lessons
                .iter()
                .map(|lesson| lesson.quizzes().count())
                .sum();
            writeln!(
                out,
                "{}: {} lessons, {steps} steps, {quizzes} quiz questions; no problems found",
                course.title,
                course.lessons.len()
            )?;
            Ok(true)
        }
        Err(errors) => {
            writeln!(err, "{errors}")?;
            Ok(false)
        }
    }
}

fn find_lesson(
    course: &Course,
    name: &str,
    err: &mut dyn Write,
) -> io::Result<Option<crate::course::LessonIndex>> {
    let found = course.find_lesson(name);
    if found.is_none() {
        let ids: Vec<&str> = course.lesson_ids().collect();
        let hint = crate::suggest::did_you_mean(name, ids.iter().copied())
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        writeln!(
            err,
            "mptutor: no lesson `{name}`{hint}; lessons: {}",
            ids.join(", ")
        )?;
    }
    Ok(found)
}
