//! The one-shot commands: `list`, `show`, `run`, `check`. Each writes to the
//! given output and returns whether it succeeded.

use std::io::{self, Write};

use crate::course::{Course, CourseErrors};
use crate::live_view::{DemoRequest, run_json, run_live};
use crate::render::{self, RenderOptions};

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

/// `mptutor run <lesson> [key=value …] [--json]`: the lesson's first demo,
/// live (or as JSON lines).
#[allow(clippy::too_many_arguments)]
pub fn run(
    course: &Course,
    lesson: &str,
    assignments: &[String],
    json: bool,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let Some((step, block)) = lesson.demo_at(0) else {
        writeln!(err, "mptutor: lesson {} has no demo", lesson.id)?;
        return Ok(false);
    };
    let overrides = match block
        .demo
        .parse_assignments(assignments.iter().map(String::as_str))
    {
        Ok(overrides) => overrides,
        Err(error) => {
            writeln!(err, "mptutor: {error}")?;
            return Ok(false);
        }
    };
    let request = DemoRequest {
        demo: block.demo,
        params: block.params.merged(&overrides),
        explanation: lesson.steps[step].prose(),
    };
    let outcome = if json {
        run_json(&request, out)?
    } else {
        run_live(&request, out, *options)
    };
    if let Err(error) = &outcome {
        writeln!(err, "mptutor: {error}")?;
    }
    Ok(outcome.is_ok())
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
