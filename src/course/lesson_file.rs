//! One lesson file → a [`Lesson`]: front matter, then steps cut at `## `
//! headings, then the blocks of each step.
//!
//! pulldown-cmark does the Markdown parsing; only top-level elements are
//! looked at here. Prose is kept as Markdown source (the renderer parses it
//! again for display), so nothing a teacher writes is lost or reformatted.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag};

use super::blocks::{BlockSource, parse_check, parse_demo, parse_quiz};
use super::diagnostic::{CourseErrors, Diagnostic, Problem, report};
use super::exercise_block::parse_exercise;
use super::front_matter::{FrontMatter, split};
use super::limits::{
    MAX_ID_CHARS, MAX_STEPS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, NestingGauge, first_too_deep,
    too_long,
};
use super::line_index::LineIndex;
use super::model::{Block, CodeBlock, Lesson, Step};

/// Words the REPL reads as commands; a lesson id equal to one of them could
/// not be opened by typing its id alone.
pub const RESERVED_IDS: &[&str] = &[
    "help",
    "list",
    "open",
    "next",
    "back",
    "show",
    "step",
    "run",
    "code",
    "quiz",
    "compare",
    "progress",
    "quit",
    "exit",
    "hint",
    "review",
    "python",
    "try",
    "reset",
    "present",
    "goto",
    "pace",
    "record",
    "exercise",
    "exercises",
    "watch",
    "solution",
];

/// Parses a lesson file's bytes. `path` is only used in messages.
///
/// The work is linear in the file's size however many steps, blocks or
/// mistakes it holds: line numbers come from one [`LineIndex`], and only
/// the problems that are shown have their positions worked out.
pub fn parse_lesson(path: &str, bytes: &[u8]) -> Result<Lesson, CourseErrors> {
    let text = std::str::from_utf8(bytes).map_err(|error| not_utf8(path, bytes, &error))?;
    let split = split(path, text)?;
    let lines = LineIndex::new(text);
    let mut problems = Vec::new();

    let header = parse_front_matter(split.front_matter, split.front_matter_offset, &mut problems);
    let mut steps = parse_body(text, &lines, split.body_offset, &mut problems);
    problems.extend(checks_without_example(&lines, &steps));
    problems.extend(one_exercise_per_step(&lines, &mut steps));
    if steps.is_empty() && problems.is_empty() {
        problems.push(Problem::at(
            split.body_offset,
            "lesson has no steps: start each step with a `## ` heading",
        ));
    }
    match header {
        Some((id, title, summary)) if problems.is_empty() => Ok(Lesson {
            id,
            title,
            summary,
            path: path.to_string(),
            steps,
        }),
        _ => Err(report(path, text, &lines, problems)),
    }
}

/// A ```` ```check ```` block in a step with no Python example has nothing
/// to check: that is a mistake worth a message, not a silent no-op.
fn checks_without_example(lines: &LineIndex, steps: &[Step]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for step in steps {
        let has_example = step
            .blocks
            .iter()
            .any(|block| matches!(block, Block::Python(_)));
        for block in &step.blocks {
            if let Block::Check(check) = block
                && !has_example
            {
                problems.push(Problem::at(
                    lines.line_start(check.line),
                    "this check block has no ```python example in its step to check; move it \
                     into the step that holds the example",
                ));
            }
        }
    }
    problems
}

/// A step holds at most one exercise (`exercise` starts the step's one);
/// an exercise without a `title` takes its step's.
fn one_exercise_per_step(lines: &LineIndex, steps: &mut [Step]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for step in steps {
        let mut first: Option<(String, usize)> = None;
        for block in &mut step.blocks {
            let Block::Exercise(exercise) = block else {
                continue;
            };
            if exercise.title.is_empty() {
                exercise.title = step.title.clone();
            }
            match &first {
                None => first = Some((exercise.id.clone(), exercise.line)),
                Some((id, line)) => problems.push(Problem::at(
                    lines.line_start(exercise.line),
                    format!(
                        "this step already has an exercise (`{id}`, line {line}); a step holds \
                         one, so put this one in a step of its own"
                    ),
                )),
            }
        }
    }
    problems
}

/// Byte offset of the `id` value in a lesson file that parsed, for
/// reporting a duplicate id where it is written.
pub fn id_offset(text: &str) -> usize {
    split("", text)
        .ok()
        .and_then(|split| {
            let parsed: FrontMatter = toml::from_str(split.front_matter).ok()?;
            Some(split.front_matter_offset + parsed.id?.span().start)
        })
        .unwrap_or(0)
}

fn not_utf8(path: &str, bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let valid = error.valid_up_to();
    // Safe to decode: everything before `valid` is UTF-8 by definition.
    let before = String::from_utf8_lossy(&bytes[..valid]);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    Diagnostic {
        path: path.to_string(),
        position: Some((line, col)),
        message: format!(
            "file is not UTF-8 (byte 0x{:02x} here); save it with UTF-8 encoding",
            bytes[valid]
        ),
        source_line: Some(before[line_start..].to_string()),
    }
}

fn parse_front_matter(
    front_matter: &str,
    offset: usize,
    problems: &mut Vec<Problem>,
) -> Option<(String, String, String)> {
    let parsed: FrontMatter = match toml::from_str(front_matter) {
        Ok(parsed) => parsed,
        Err(error) => {
            let at = offset + error.span().map_or(0, |span| span.start);
            problems.push(Problem::at(
                at,
                format!("bad TOML in front matter: {}", error.message().trim_end()),
            ));
            return None;
        }
    };
    let before = problems.len();
    let missing = |key: &str| {
        Problem::at(
            offset,
            format!("front matter has no `{key}`; add `{key} = \"…\"` between the `+++` lines"),
        )
    };
    let id = match parsed.id {
        None => {
            problems.push(missing("id"));
            None
        }
        Some(id) => {
            let value = id.get_ref().trim();
            let at = offset + id.span().start;
            if value.is_empty()
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                problems.push(Problem::at(
                    at,
                    format!("lesson id `{value}` must be letters, digits, `-` or `_` (like `q3`)"),
                ));
            } else if let Some(why) = too_long(
                "lesson id",
                value,
                MAX_ID_CHARS,
                "students type it to open the lesson; shorten it",
            ) {
                problems.push(Problem::at(at, why));
            } else if RESERVED_IDS
                .iter()
                .any(|word| word.eq_ignore_ascii_case(value))
            {
                problems.push(Problem::at(
                    at,
                    format!("lesson id `{value}` is also a command name; choose another id"),
                ));
            }
            Some(value.to_string())
        }
    };
    let title = match parsed.title {
        None => {
            problems.push(missing("title"));
            None
        }
        Some(title) if title.get_ref().trim().is_empty() => {
            problems.push(Problem::at(
                offset + title.span().start,
                "lesson `title` is empty",
            ));
            None
        }
        Some(title) => {
            let at = offset + title.span().start;
            let title = title.into_inner().trim().to_string();
            if let Some(why) = too_long(
                "the lesson `title`",
                &title,
                MAX_TITLE_CHARS,
                "it is one line in `list`; put the rest in the `summary` or the first step",
            ) {
                problems.push(Problem::at(at, why));
            }
            Some(title)
        }
    };
    let summary = parsed.summary.map(|summary| {
        let at = offset + summary.span().start;
        let summary = summary.into_inner().trim().to_string();
        if let Some(why) = too_long(
            "the lesson `summary`",
            &summary,
            MAX_SUMMARY_CHARS,
            "it is a sentence or two in `list`; move the rest into the lesson",
        ) {
            problems.push(Problem::at(at, why));
        }
        summary
    });
    match (id, title) {
        (Some(id), Some(title)) if problems.len() == before => {
            Some((id, title, summary.unwrap_or_default()))
        }
        _ => None,
    }
}

/// A top-level element of the body, as a byte range of the file.
enum Piece {
    Heading {
        title: String,
        range: Range<usize>,
    },
    Fence {
        info: String,
        range: Range<usize>,
        content: Range<usize>,
    },
    Prose(Range<usize>),
}

/// The body's top-level pieces, where its lists and quotes first nest too
/// deep, if they do, and where an exercise fence sits inside a list or a
/// quote (it would be shown as code there, solution and all).
fn top_level_pieces(text: &str, body_offset: usize) -> (Vec<Piece>, Option<usize>, Vec<usize>) {
    let body = &text[body_offset..];
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut nesting = NestingGauge::default();
    let mut current: Option<Piece> = None;
    let mut nested_exercises = Vec::new();
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        let range = range.start + body_offset..range.end + body_offset;
        nesting.event(&event, range.start);
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    current = Some(match tag {
                        Tag::Heading {
                            level: HeadingLevel::H2,
                            ..
                        } => Piece::Heading {
                            title: String::new(),
                            range: range.clone(),
                        },
                        Tag::CodeBlock(CodeBlockKind::Fenced(info)) => Piece::Fence {
                            info: info
                                .split_whitespace()
                                .next()
                                .unwrap_or("")
                                .to_ascii_lowercase(),
                            range: range.clone(),
                            content: range.end..range.end,
                        },
                        _ => Piece::Prose(range.clone()),
                    });
                } else if let Tag::CodeBlock(CodeBlockKind::Fenced(info)) = &tag
                    && info
                        .split_whitespace()
                        .next()
                        .is_some_and(|word| word.eq_ignore_ascii_case("exercise"))
                {
                    nested_exercises.push(range.start);
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0
                    && let Some(piece) = current.take()
                {
                    pieces.push(piece);
                }
            }
            Event::Text(words) | Event::Code(words) => match current.as_mut() {
                Some(Piece::Heading { title, .. }) => title.push_str(&words),
                Some(Piece::Fence { content, .. }) => {
                    if content.start == content.end {
                        *content = range.clone();
                    }
                    content.end = range.end;
                }
                _ => {}
            },
            _ if depth == 0 => pieces.push(Piece::Prose(range)),
            _ => {}
        }
    }
    (pieces, nesting.too_deep(), nested_exercises)
}

fn parse_body(
    text: &str,
    lines: &LineIndex,
    body_offset: usize,
    problems: &mut Vec<Problem>,
) -> Vec<Step> {
    let line_of = |offset: usize| lines.line(offset);
    let mut steps: Vec<Step> = Vec::new();
    // Text before the first `## ` heading introduces the lesson; it is shown
    // with the first step.
    let mut intro: Vec<Block> = Vec::new();
    let mut prose: Option<Range<usize>> = None;

    let flush = |prose: &mut Option<Range<usize>>, blocks: &mut Vec<Block>| {
        if let Some(range) = prose.take() {
            let markdown = text[range].trim();
            if !markdown.is_empty() {
                blocks.push(Block::Prose(markdown.to_string()));
            }
        }
    };

    let (pieces, too_deep, nested_exercises) = top_level_pieces(text, body_offset);
    if let Some(offset) = too_deep {
        problems.push(Problem::at(offset, NestingGauge::message()));
    }
    problems.extend(nested_exercises.into_iter().map(|offset| {
        Problem::at(
            offset,
            "an ```exercise block must start at the left margin, outside any list or quote; \
             inside one it would be shown as code, solution and all",
        )
    }));
    for piece in pieces {
        match piece {
            Piece::Prose(range) => {
                prose = Some(match prose {
                    Some(open) => open.start..range.end,
                    None => range,
                });
            }
            Piece::Heading { title, range } => {
                let blocks = steps.last_mut().map_or(&mut intro, |step| &mut step.blocks);
                flush(&mut prose, blocks);
                let mut blocks = Vec::new();
                if steps.is_empty() {
                    blocks.append(&mut intro);
                }
                let title = title.trim().to_string();
                if title.is_empty() {
                    problems.push(Problem::at(range.start, "step heading has no title"));
                } else if let Some(why) = too_long(
                    "this step's title",
                    &title,
                    MAX_TITLE_CHARS,
                    "it heads the step; put the rest in the prose under it",
                ) {
                    problems.push(Problem::at(range.start, why));
                }
                if steps.len() == MAX_STEPS {
                    problems.push(Problem::at(
                        range.start,
                        format!(
                            "this is step {} of the lesson, more than the {MAX_STEPS} a lesson may \
                             have; split the lesson in several (or make headings inside a step \
                             `### `)",
                            MAX_STEPS + 1
                        ),
                    ));
                }
                steps.push(Step {
                    title,
                    line: line_of(range.start),
                    blocks,
                });
            }
            Piece::Fence {
                info,
                range,
                content,
            } => {
                let blocks = steps.last_mut().map_or(&mut intro, |step| &mut step.blocks);
                flush(&mut prose, blocks);
                if !is_closed(&text[range.clone()]) {
                    problems.push(Problem::at(
                        range.start,
                        format!("unclosed ```{info} block: add a closing ``` line"),
                    ));
                    continue;
                }
                let source = BlockSource {
                    content: &text[content.clone()],
                    content_offset: content.start,
                    fence_offset: range.start,
                    line: line_of(range.start),
                };
                let code = || CodeBlock {
                    lang: info.clone(),
                    code: text[content.clone()].to_string(),
                    line: source.line,
                };
                let block = match info.as_str() {
                    "python" | "py" | "python3" => Ok(Block::Python(code())),
                    "demo" => parse_demo(&source).map(Block::Demo),
                    "quiz" => parse_quiz(&source).map(Block::Quiz),
                    "note" => markdown_block(&source).map(Block::Note),
                    "hint" => markdown_block(&source).map(Block::Hint),
                    "check" => parse_check(&source).map(Block::Check),
                    "exercise" => {
                        parse_exercise(&source).map(|exercise| Block::Exercise(Box::new(exercise)))
                    }
                    _ => Ok(Block::Code(code())),
                };
                match block {
                    Ok(block) => blocks.push(block),
                    Err(mut found) => problems.append(&mut found),
                }
            }
        }
    }
    let blocks = steps.last_mut().map_or(&mut intro, |step| &mut step.blocks);
    flush(&mut prose, blocks);
    steps
}

/// The Markdown of a ```` ```note ```` or ```` ```hint ```` block, unless
/// its lists and quotes nest too deep.
fn markdown_block(source: &BlockSource) -> Result<String, Vec<Problem>> {
    match first_too_deep(source.content) {
        Some(offset) => Err(vec![Problem::at(
            source.content_offset + offset,
            NestingGauge::message(),
        )]),
        None => Ok(source.content.trim().to_string()),
    }
}

/// A fence is closed when its last line is a fence of the same kind.
fn is_closed(fence: &str) -> bool {
    let opening = fence.trim_start();
    let marker = if opening.starts_with('~') { '~' } else { '`' };
    let width = opening.chars().take_while(|c| *c == marker).count();
    let mut lines = fence.trim_end().lines();
    lines.next();
    lines.last().is_some_and(|last| {
        let last = last.trim();
        last.chars().take_while(|c| *c == marker).count() >= width
            && last.chars().all(|c| c == marker)
    })
}
