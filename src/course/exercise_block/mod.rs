//! The TOML inside ```` ```exercise ```` blocks, checked completely (the
//! format is in `exercise.rs`'s module docs and `lessons/README.md`).
//!
//! The block is parsed once into a table that keeps every key's position,
//! so a misspelt key is reported where it is written, with the nearest
//! right one; then it is read into typed fields, and each rule is checked
//! against the others (`exactly` alone, `at_least` ≤ `at_most`, a serial
//! program exactly when it is timed against). Every problem is reported at
//! the key or value it is about.

mod checks;
mod keys;

use serde::Deserialize;
use toml::Spanned;
use toml::de::DeTable;

use super::blocks::{BlockSource, CheckToml};
use super::diagnostic::Problem;
use super::exercise::Exercise;
use super::limits::{MAX_ID_CHARS, MAX_TITLE_CHARS, NestingGauge, first_too_deep, too_long};
use checks::{BehaviourToml, SpeedToml, checks};
use keys::{EXERCISE_KEYS, unknown_keys};

/// The keys of an exercise block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseToml {
    id: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    task: Option<Spanned<String>>,
    starter: Option<Spanned<String>>,
    solution: Option<Spanned<String>>,
    hints: Option<Vec<Spanned<String>>>,
    output: Option<Spanned<CheckToml>>,
    behaviour: Option<BehaviourToml>,
    speed: Option<Spanned<SpeedToml>>,
}

/// Parses an exercise block. Its `title` is empty when the block gives
/// none: the lesson parser puts the step's title there.
pub fn parse_exercise(source: &BlockSource) -> Result<Exercise, Vec<Problem>> {
    let mut table = DeTable::parse(source.content)
        .map_err(|error| vec![source.toml_error("exercise", &error)])?;
    let mut problems = Vec::new();
    // A misspelt key is reported as such, not also as a key or a bound
    // missing from its table (the fence, for the block's own keys).
    let mut lost_keys = unknown_keys(table.get_mut(), &EXERCISE_KEYS, "", source, &mut problems);
    let misspelt = problems.len();
    if misspelt > 0 {
        lost_keys.push(source.fence_offset);
    }
    let block = match ExerciseToml::deserialize(toml::de::Deserializer::from(table)) {
        Ok(block) => block,
        Err(error) => {
            problems.push(source.toml_error("exercise", &error));
            return Err(problems);
        }
    };

    let missing: Vec<String> = [
        ("id", block.id.is_none()),
        ("task", block.task.is_none()),
        ("starter", block.starter.is_none()),
        ("solution", block.solution.is_none()),
    ]
    .into_iter()
    .filter(|(_, missing)| *missing)
    .map(|(key, _)| format!("`{key}`"))
    .collect();
    if !missing.is_empty() {
        problems.push(source.error_at(
            None,
            format!(
                "exercise block is missing {}; an exercise needs an id, a task, a starter \
                 program and a solution",
                missing.join(", ")
            ),
        ));
    }
    let id = block
        .id
        .as_ref()
        .and_then(|id| checked_id(id, source, &mut problems));
    let title = block.title.as_ref().and_then(|title| {
        let text = title.get_ref().trim();
        let why = if text.is_empty() {
            Some(
                "the exercise's `title` is empty; leave it out to use the step's title".to_string(),
            )
        } else {
            too_long(
                "the exercise's `title`",
                text,
                MAX_TITLE_CHARS,
                "it is one line in `exercises`; put the rest in the `task`",
            )
        };
        report(why, title, source, &mut problems).then(|| text.to_string())
    });
    let task = block.task.as_ref().and_then(|task| {
        markdown(
            task,
            "task",
            "say what the program must do",
            source,
            &mut problems,
        )
    });
    let starter = block.starter.as_ref().and_then(|starter| {
        program(
            starter,
            "starter",
            "the program the student starts from",
            source,
            &mut problems,
        )
    });
    let solution = block.solution.as_ref().and_then(|solution| {
        program(
            solution,
            "solution",
            "a program that passes the checks",
            source,
            &mut problems,
        )
    });
    if let (Some(starter), Some(solution), Some(written)) = (&starter, &solution, &block.solution)
        && starter.trim_end() == solution.trim_end()
    {
        problems.push(source.error_at(
            Some(written.span()),
            "the `solution` is the same program as the `starter`; the starter must fail the \
             checks and the solution pass them",
        ));
    }
    let hints: Vec<String> = block
        .hints
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, hint)| {
            markdown(
                hint,
                &format!("hint {}", index + 1),
                "write the help, or remove it",
                source,
                &mut problems,
            )
        })
        .collect();
    let checks = checks(&block, source, &mut problems);

    let found = problems.split_off(misspelt);
    problems.extend(
        found
            .into_iter()
            .filter(|problem| !lost_keys.contains(&problem.offset)),
    );
    match (id, task, starter, solution, checks) {
        (Some(id), Some(task), Some(starter), Some(solution), Some(checks))
            if problems.is_empty() =>
        {
            Ok(Exercise {
                id,
                title: title.unwrap_or_default(),
                task,
                starter,
                solution,
                hints,
                checks,
                line: source.line,
            })
        }
        _ => Err(problems),
    }
}

/// Pushes `why`, if any, at `at`; true when there was nothing to push.
pub(super) fn report<T>(
    why: Option<String>,
    at: &Spanned<T>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> bool {
    match why {
        Some(why) => {
            problems.push(source.error_at(Some(at.span()), why));
            false
        }
        None => true,
    }
}

/// The id, if it is one students can type and mptutor can name a file
/// after.
fn checked_id(
    id: &Spanned<String>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let value = id.get_ref().as_str();
    let why = if value.is_empty()
        || !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        Some(format!(
            "exercise id `{value}` must be lowercase letters, digits and `-` (like \
             `q6-all-at-once`)"
        ))
    } else {
        too_long(
            "the exercise id",
            value,
            MAX_ID_CHARS,
            "students see it in `exercises`; shorten it",
        )
    };
    report(why, id, source, problems).then(|| value.to_string())
}

/// A Markdown text (the task, a hint) that says something and does not
/// nest too deep.
fn markdown(
    text: &Spanned<String>,
    what: &str,
    advice: &str,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let value = text.get_ref().trim();
    let why = if value.is_empty() {
        Some(format!("the exercise's {what} is empty; {advice}"))
    } else {
        first_too_deep(value).map(|_| NestingGauge::message())
    };
    report(why, text, source, problems).then(|| value.to_string())
}

/// A program (the starter, the solution, the serial baseline) that is not
/// empty, ending with a newline as a file does.
pub(super) fn program(
    code: &Spanned<String>,
    what: &str,
    is: &str,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let text = code.get_ref().trim_start_matches('\n');
    let why = text
        .trim()
        .is_empty()
        .then(|| format!("the exercise's `{what}` is empty; give {is}, in a '''…''' string"));
    report(why, code, source, problems).then(|| {
        let mut program = text.trim_end().to_string();
        program.push('\n');
        program
    })
}
