//! The TOML inside ```` ```demo ````, ```` ```quiz ```` and ```` ```check ````
//! blocks (a check's keys are also an exercise's `[output]`).
//!
//! Each is checked completely here (demo names against the catalogue,
//! parameters against their ranges, quiz answers against the choices), so
//! the rest of mptutor can trust a loaded course.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::Problem;
use super::model::{DemoBlock, Quiz};
use super::output_check::{OutputCheck, whole_line};
use super::speed_claim::{SpeedClaim, SpeedToml};
use crate::demos::{DemoParams, demo_names, find_demo};
use crate::suggest::did_you_mean;

/// Where a block's TOML sits in its file, for reporting positions.
pub struct BlockSource<'a> {
    /// The block's text between its fences.
    pub content: &'a str,
    /// Byte offset of `content` in `file`.
    pub content_offset: usize,
    /// Byte offset of the opening fence in `file`.
    pub fence_offset: usize,
    /// 1-based line of the opening fence.
    pub line: usize,
}

impl BlockSource<'_> {
    /// A problem at `span` of the block's content.
    pub(super) fn error_at(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Problem {
        match span {
            Some(span) => Problem::at(self.content_offset + span.start, message),
            None => self.error_at_fence(message),
        }
    }

    fn error_at_fence(&self, message: impl Into<String>) -> Problem {
        Problem::at(self.fence_offset, message)
    }

    pub(super) fn toml_error(&self, kind: &str, error: &toml::de::Error) -> Problem {
        self.error_at(
            error.span(),
            format!("bad TOML in {kind} block: {}", error.message().trim_end()),
        )
    }
}

/// Parses a demo block: `name` plus the demo's parameters.
pub fn parse_demo(source: &BlockSource) -> Result<DemoBlock, Vec<Problem>> {
    let content = source.content;
    let table: BTreeMap<String, Spanned<toml::Value>> =
        toml::from_str(content).map_err(|error| vec![source.toml_error("demo", &error)])?;
    let Some(name) = table.get("name") else {
        return Err(vec![source.error_at_fence(format!(
            "demo block has no `name`; add e.g. `name = \"print-numbers\"` (demos: {})",
            demo_names().collect::<Vec<_>>().join(", ")
        ))]);
    };
    let Some(name_text) = name.get_ref().as_str() else {
        return Err(vec![
            source.error_at(Some(name.span()), "demo `name` must be a string"),
        ]);
    };
    let Some(demo) = find_demo(name_text) else {
        let hint = did_you_mean(name_text, demo_names())
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        return Err(vec![source.error_at(
            Some(name.span()),
            format!(
                "unknown demo `{name_text}`{hint}; built-in demos are {}",
                demo_names().collect::<Vec<_>>().join(", ")
            ),
        )]);
    };
    let mut params = DemoParams::default();
    let mut problems = Vec::new();
    for (key, value) in table.iter().filter(|(key, _)| *key != "name") {
        // The value's span is the best position toml gives for a key; report
        // at the start of its line so the caret sits under the key.
        let line_start = content[..value.span().start]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let key_offset =
            line_start + content[line_start..].len() - content[line_start..].trim_start().len();
        match demo.param(key) {
            None => problems
                .push(source.error_at(Some(key_offset..key_offset), demo.unknown_param(key).0)),
            Some(spec) => match spec.from_toml(value.get_ref()) {
                Ok(checked) => params.set(spec.name, checked),
                Err(error) => problems.push(source.error_at(Some(value.span()), error.0)),
            },
        }
    }
    if problems.is_empty() {
        Ok(DemoBlock {
            demo,
            params,
            line: source.line,
        })
    } else {
        Err(problems)
    }
}

/// The keys a quiz block may hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuizToml {
    /// The question, one or two sentences.
    question: Option<String>,
    /// The possible answers, at least two.
    choices: Option<Spanned<Vec<String>>>,
    /// The number of the right choice, counting from 1.
    answer: Option<Spanned<i64>>,
    /// Why the right answer is right; shown after every answer.
    explain: Option<String>,
    /// Help that does not give the answer away; `hint` shows it.
    hint: Option<String>,
}

/// Parses a quiz block.
pub fn parse_quiz(source: &BlockSource) -> Result<Quiz, Vec<Problem>> {
    let quiz: QuizToml =
        toml::from_str(source.content).map_err(|error| vec![source.toml_error("quiz", &error)])?;
    let missing: Vec<&str> = [
        ("question", quiz.question.is_none()),
        ("choices", quiz.choices.is_none()),
        ("answer", quiz.answer.is_none()),
        ("explain", quiz.explain.is_none()),
    ]
    .into_iter()
    .filter_map(|(key, is_missing)| is_missing.then_some(key))
    .collect();
    let (Some(question), Some(choices), Some(answer), Some(explain)) =
        (quiz.question, quiz.choices, quiz.answer, quiz.explain)
    else {
        return Err(vec![source.error_at_fence(format!(
            "quiz block is missing {}; a quiz needs question, choices, answer and explain",
            missing.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(", ")
        ))]);
    };
    let choices_span = choices.span();
    let choices = choices.into_inner();
    if choices.len() < 2 {
        return Err(vec![source.error_at(
            Some(choices_span),
            format!(
                "a quiz needs at least two `choices`, this one has {}",
                choices.len()
            ),
        )]);
    }
    let answer_span = answer.span();
    let answer = *answer.get_ref();
    match usize::try_from(answer) {
        Ok(answer) if (1..=choices.len()).contains(&answer) => Ok(Quiz {
            question,
            choices,
            answer,
            explain,
            hint: quiz.hint.filter(|hint| !hint.trim().is_empty()),
            line: source.line,
        }),
        _ => Err(vec![source.error_at(
            Some(answer_span),
            format!(
                "quiz `answer` is {answer} but there are {} choices; give the number of the right one, from 1 to {}",
                choices.len(),
                choices.len()
            ),
        )]),
    }
}

/// The keys a check block may hold, and an exercise's `[output]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CheckToml {
    /// Patterns (whole-line regular expressions) that must each match
    /// exactly one line of the output, in any order.
    each_once: Option<Vec<Spanned<String>>>,
    /// A pattern that lines must match…
    matching: Option<Spanned<String>>,
    /// …and how many of them (at least one when absent).
    matching_count: Option<usize>,
    /// Patterns that must match lines in this order.
    in_order: Option<Vec<Spanned<String>>>,
    /// A pattern the last line must match.
    last_line: Option<Spanned<String>>,
    /// The number of lines in the whole output.
    line_count: Option<usize>,
    /// The exit code of a correct run; 0 when absent.
    exit_code: Option<i32>,
    /// How much faster the example's parallel part should be.
    speedup: Option<Spanned<SpeedToml>>,
    /// Lines that pass the patterns, shown to a student in their place:
    /// only in an exercise's `[output]`, where the student writes the
    /// program and sees no patterns.
    pub(super) examples: Option<Spanned<Vec<Spanned<String>>>>,
}

/// Parses a check block, compiling every pattern.
pub fn parse_check(source: &BlockSource) -> Result<OutputCheck, Vec<Problem>> {
    let check: CheckToml =
        toml::from_str(source.content).map_err(|error| vec![source.toml_error("check", &error)])?;
    let mut problems = Vec::new();
    if let Some(examples) = &check.examples {
        problems.push(source.error_at(
            Some(examples.span()),
            "a check block takes no `examples`; they belong in an exercise's `[output]` table, \
             where the student sees them instead of the patterns",
        ));
    }
    match output_check(&check, source, "check block", None) {
        Ok(check) if problems.is_empty() => Ok(check),
        Ok(_) => Err(problems),
        Err(mut found) => {
            problems.append(&mut found);
            Err(problems)
        }
    }
}

/// Validates the keys of a check block, or of an exercise's `[output]`
/// table (`what` names which in messages, `at` is where a table that
/// states nothing is reported: the fence when `None`), compiling every
/// pattern.
pub(super) fn output_check(
    check: &CheckToml,
    source: &BlockSource,
    what: &str,
    at: Option<std::ops::Range<usize>>,
) -> Result<OutputCheck, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut compile = |pattern: &Spanned<String>| match whole_line(pattern.get_ref()) {
        Ok(regex) => Some(regex),
        Err(error) => {
            let why = error.to_string();
            let why = why
                .lines()
                .last()
                .unwrap_or("invalid pattern")
                .trim()
                .trim_start_matches("error: ")
                .to_string();
            problems.push(source.error_at(
                Some(pattern.span()),
                format!("bad pattern in {what}: {why}"),
            ));
            None
        }
    };
    let each_once: Vec<_> = check
        .each_once
        .iter()
        .flatten()
        .filter_map(&mut compile)
        .collect();
    let matching = check.matching.as_ref().and_then(&mut compile);
    let in_order: Vec<_> = check
        .in_order
        .iter()
        .flatten()
        .filter_map(&mut compile)
        .collect();
    let last_line = check.last_line.as_ref().and_then(&mut compile);
    let mut claim_problems = Vec::new();
    let speedup = check
        .speedup
        .as_ref()
        .and_then(|table| SpeedClaim::parse(table, source, &mut compile, &mut claim_problems));
    problems.append(&mut claim_problems);
    if check.each_once.is_none()
        && check.matching.is_none()
        && check.in_order.is_none()
        && check.last_line.is_none()
        && check.line_count.is_none()
        && check.exit_code.is_none()
        && check.speedup.is_none()
    {
        problems.push(source.error_at(
            at,
            format!(
                "{what} states nothing; give each_once, matching, in_order, last_line, \
                 line_count, exit_code or speedup"
            ),
        ));
    }
    if problems.is_empty() {
        Ok(OutputCheck {
            each_once,
            matching: matching.map(|regex| (regex, check.matching_count)),
            in_order,
            last_line,
            line_count: check.line_count,
            exit_code: check.exit_code.unwrap_or(0),
            speedup,
            line: source.line,
        })
    } else {
        Err(problems)
    }
}
