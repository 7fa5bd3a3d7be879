//! A course past one of its size limits is refused with a message saying
//! which limit, where; a file with thousands of mistakes lists the first
//! ones and counts the rest.

use mptutor::course::{
    MAX_NESTING, MAX_PROBLEMS_SHOWN, MAX_STEPS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, parse_lesson,
};
use mptutor::render::{RenderOptions, render_markdown};

use crate::support::{TempCourse, lesson, mptutor};

const HEADER: &str = "+++\nid = \"a\"\ntitle = \"A\"\n+++\n\n## Step\n\n";

/// The problems of lesson `text`, as `line:col: message`.
fn problems(text: &str) -> Vec<String> {
    let errors = parse_lesson("a.md", text.as_bytes()).expect_err("the lesson is refused");
    errors
        .diagnostics
        .iter()
        .map(|problem| {
            let (line, col) = problem.position.expect("a position");
            format!("{line}:{col}: {}", problem.message)
        })
        .collect()
}

#[test]
fn a_step_past_the_limit_is_refused_at_its_heading() {
    let mut text = "+++\nid = \"a\"\ntitle = \"A\"\n+++\n".to_string();
    for step in 1..=MAX_STEPS + 5 {
        text.push_str(&format!("## Step {step}\n"));
    }
    // Front matter takes lines 1 to 4; step n is on line 4 + n.
    let line = 4 + MAX_STEPS + 1;
    assert_eq!(
        problems(&text),
        [format!(
            "{line}:1: this is step {} of the lesson, more than the {MAX_STEPS} a lesson may \
             have; split the lesson in several (or make headings inside a step `### `)",
            MAX_STEPS + 1
        )]
    );
}

#[test]
fn lists_nested_past_the_limit_are_refused_where_they_go_too_deep() {
    let allowed = format!("{HEADER}{}x\n", "- ".repeat(MAX_NESTING));
    assert!(parse_lesson("a.md", allowed.as_bytes()).is_ok());

    let too_deep = format!("{HEADER}{}x\n", "- ".repeat(MAX_NESTING + 1));
    let found = problems(&too_deep);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!(
            "8:{}: lists and quotes are nested more than {MAX_NESTING} levels deep",
            2 * MAX_NESTING + 1
        )),
        "{found:#?}"
    );
}

#[test]
fn quotes_nested_too_deep_in_a_hint_are_refused_inside_the_hint() {
    let text = format!(
        "{HEADER}Prose.\n\n```hint\nFirst line.\n\n{}x\n```\n",
        "> ".repeat(MAX_NESTING + 1)
    );
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!(
            "13:{}: lists and quotes are nested",
            2 * MAX_NESTING + 1
        )),
        "{found:#?}"
    );
}

#[test]
fn drawing_markdown_nested_far_too_deep_neither_crashes_nor_loses_its_text() {
    // Deeper than any lesson may be: the renderer stops indenting at the
    // limit instead of recursing a level per list, which overflowed the
    // stack at this depth.
    let markdown = format!("{}the innermost words\n", "- ".repeat(100_000));
    let shown = render_markdown(&markdown, &RenderOptions::plain(80));
    let words: Vec<&str> = shown.split_whitespace().collect();
    assert!(words.ends_with(&["the", "innermost", "words"]), "{shown}");
    assert!(shown.lines().count() < 10, "{shown}");
}

#[test]
fn titles_and_summaries_past_their_limits_are_refused_where_they_are_written() {
    let long_title = "t".repeat(MAX_TITLE_CHARS + 1);
    let long_summary = "s".repeat(MAX_SUMMARY_CHARS + 1);
    let text = format!(
        "+++\nid = \"a\"\ntitle = \"{long_title}\"\nsummary = \"{long_summary}\"\n+++\n\n## {long_title}\n\nProse.\n"
    );
    let found = problems(&text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with(&format!(
            "3:9: the lesson `title` is {} characters long, more than the {MAX_TITLE_CHARS} allowed",
            MAX_TITLE_CHARS + 1
        )),
        "{found:#?}"
    );
    assert!(
        found[1].starts_with("4:11: the lesson `summary` is"),
        "{found:#?}"
    );
    assert!(
        found[2].starts_with("7:1: this step's title is"),
        "{found:#?}"
    );

    let at_limit = format!(
        "+++\nid = \"a\"\ntitle = \"{}\"\n+++\n\n## Step\n",
        "é".repeat(MAX_TITLE_CHARS)
    );
    assert!(parse_lesson("a.md", at_limit.as_bytes()).is_ok());
}

#[test]
fn a_course_title_past_the_limit_is_refused_in_course_toml() {
    let index = format!(
        "format_version = 1\ntitle = \"{}\"\nlessons = [\"a.md\"]\n",
        "c".repeat(MAX_TITLE_CHARS + 1)
    );
    let course = TempCourse::with_index(&index, &[("a.md", &lesson("a"))]);
    let found = course.problems();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].path, course.shown("course.toml"));
    assert_eq!(found[0].position, Some((2, 9)));
    assert!(
        found[0].message.starts_with("the course `title` is"),
        "{}",
        found[0]
    );
}

#[test]
fn a_file_with_thousands_of_mistakes_lists_the_first_and_counts_the_rest() {
    let mut text = HEADER.to_string();
    for block in 0..MAX_PROBLEMS_SHOWN + 70 {
        text.push_str(&format!(
            "```demo\nname = \"no-such-demo-{block}\"\n```\n\n"
        ));
    }
    let course = TempCourse::new(&[("a.md", &text)]);
    let errors = mptutor::course::load_dir(course.path()).expect_err("refused");
    assert_eq!(errors.diagnostics.len(), MAX_PROBLEMS_SHOWN);
    assert_eq!(errors.not_shown, 70);
    // The first ones, in the order of the file.
    let lines: Vec<usize> = errors
        .diagnostics
        .iter()
        .filter_map(|problem| problem.line())
        .collect();
    let expected: Vec<usize> = (0..MAX_PROBLEMS_SHOWN).map(|block| 9 + 4 * block).collect();
    assert_eq!(lines, expected);

    let data = tempfile::tempdir().expect("data folder");
    let output = mptutor(data.path())
        .args(["check", "--no-run"])
        .arg(course.path())
        .output()
        .expect("mptutor runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "… and 70 more, not shown (mptutor lists the first {MAX_PROBLEMS_SHOWN} problems of each file"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} problems found", MAX_PROBLEMS_SHOWN + 70)),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("unknown demo").count(),
        MAX_PROBLEMS_SHOWN,
        "{stderr}"
    );
}

#[test]
fn a_lesson_id_past_the_limit_is_refused_at_the_id() {
    let id = "q".repeat(mptutor::course::MAX_ID_CHARS + 1);
    let text = format!("+++\nid = \"{id}\"\ntitle = \"A\"\n+++\n\n## Step\n");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("2:6: lesson id is 41 characters long"),
        "{found:#?}"
    );
}
