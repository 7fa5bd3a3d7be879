//! One lesson file → a [`Lesson`]: front matter, then steps cut at `## `
//! headings, then the blocks of each step.
//!
//! pulldown-cmark does the Markdown parsing; only top-level elements are
//! looked at here. Prose is kept as Markdown source (the renderer parses it
//! again for display), so nothing a teacher writes is lost or reformatted.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag};

use super::blocks::{BlockSource, parse_check, parse_demo, parse_quiz};
use super::diagnostic::Diagnostic;
use super::front_matter::{FrontMatter, split};
use super::model::{Block, CodeBlock, Lesson, Step};

/// Words the REPL reads as commands; a lesson id equal to one of them could
/// not be opened by typing its id alone.
pub const RESERVED_IDS: &[&str] = &[
    "help", "list", "open", "next", "back", "show", "step", "run", "code", "quiz", "compare",
    "progress", "quit", "exit", "hint", "review", "python", "try", "reset", "present", "goto",
    "pace", "record",
];

/// Parses a lesson file's bytes. `path` is only used in messages.
pub fn parse_lesson(path: &str, bytes: &[u8]) -> Result<Lesson, Vec<Diagnostic>> {
    let text = std::str::from_utf8(bytes).map_err(|error| vec![not_utf8(path, bytes, &error)])?;
    let split = split(path, text).map_err(|problem| vec![problem])?;
    let mut problems = Vec::new();

    let header = parse_front_matter(
        path,
        text,
        split.front_matter,
        split.front_matter_offset,
        &mut problems,
    );
    let steps = parse_body(path, text, split.body_offset, &mut problems);
    problems.extend(checks_without_example(path, text, &steps));
    if steps.is_empty() && problems.is_empty() {
        problems.push(Diagnostic::at(
            path,
            text,
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
        _ => Err(problems),
    }
}

/// A ```` ```check ```` block in a step with no Python example has nothing
/// to check: that is a mistake worth a message, not a silent no-op.
fn checks_without_example(path: &str, text: &str, steps: &[Step]) -> Vec<Diagnostic> {
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
                let offset = text
                    .split_inclusive('\n')
                    .take(check.line.saturating_sub(1))
                    .map(str::len)
                    .sum();
                problems.push(Diagnostic::at(
                    path,
                    text,
                    offset,
                    "this check block has no ```python example in its step to check; move it \
                     into the step that holds the example",
                ));
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
    path: &str,
    text: &str,
    front_matter: &str,
    offset: usize,
    problems: &mut Vec<Diagnostic>,
) -> Option<(String, String, String)> {
    let parsed: FrontMatter = match toml::from_str(front_matter) {
        Ok(parsed) => parsed,
        Err(error) => {
            let at = offset + error.span().map_or(0, |span| span.start);
            problems.push(Diagnostic::at(
                path,
                text,
                at,
                format!("bad TOML in front matter: {}", error.message().trim_end()),
            ));
            return None;
        }
    };
    let before = problems.len();
    let missing = |key: &str| {
        Diagnostic::at(
            path,
            text,
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
                problems.push(Diagnostic::at(
                    path,
                    text,
                    at,
                    format!("lesson id `{value}` must be letters, digits, `-` or `_` (like `q3`)"),
                ));
            } else if RESERVED_IDS
                .iter()
                .any(|word| word.eq_ignore_ascii_case(value))
            {
                problems.push(Diagnostic::at(
                    path,
                    text,
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
            problems.push(Diagnostic::at(
                path,
                text,
                offset + title.span().start,
                "lesson `title` is empty",
            ));
            None
        }
        Some(title) => Some(title.into_inner().trim().to_string()),
    };
    match (id, title) {
        (Some(id), Some(title)) if problems.len() == before => Some((
            id,
            title,
            parsed.summary.unwrap_or_default().trim().to_string(),
        )),
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

fn top_level_pieces(text: &str, body_offset: usize) -> Vec<Piece> {
    let body = &text[body_offset..];
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut current: Option<Piece> = None;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        let range = range.start + body_offset..range.end + body_offset;
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
    pieces
}

fn parse_body(
    path: &str,
    text: &str,
    body_offset: usize,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Step> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
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

    for piece in top_level_pieces(text, body_offset) {
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
                    problems.push(Diagnostic::at(
                        path,
                        text,
                        range.start,
                        "step heading has no title",
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
                    problems.push(Diagnostic::at(
                        path,
                        text,
                        range.start,
                        format!("unclosed ```{info} block: add a closing ``` line"),
                    ));
                    continue;
                }
                let source = BlockSource {
                    path,
                    file: text,
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
                    "note" => Ok(Block::Note(source.content.trim().to_string())),
                    "hint" => Ok(Block::Hint(source.content.trim().to_string())),
                    "check" => parse_check(&source).map(Block::Check),
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
