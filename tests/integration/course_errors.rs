//! Every kind of mistake a teacher can make in a course is reported with its
//! file, line and column, and all of them at once.

use mptutor::course::{Diagnostic, load_builtin, parse_lesson};
use proptest::prelude::*;

use crate::support::{TempCourse, lesson, write_file};

/// The single problem of a course with one lesson file holding `text`.
fn only_problem(text: &str) -> Diagnostic {
    let course = TempCourse::new(&[("a.md", text)]);
    let mut problems = course.problems();
    assert_eq!(problems.len(), 1, "expected one problem, got {problems:#?}");
    let problem = problems.remove(0);
    assert_eq!(problem.path, course.shown("a.md"));
    problem
}

fn assert_at(problem: &Diagnostic, line: usize, col: usize, words: &str) {
    assert_eq!(problem.position, Some((line, col)), "{problem}");
    assert!(
        problem.message.contains(words),
        "`{words}` not in: {problem}"
    );
}

const HEADER: &str = "+++\nid = \"a\"\ntitle = \"A\"\n+++\n\n## Step\n\n";

#[test]
fn the_built_in_course_loads_cleanly() {
    let course = load_builtin().unwrap_or_else(|errors| panic!("{errors}"));
    let ids: Vec<&str> = course.lesson_ids().collect();
    assert_eq!(ids, ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"]);
    for lesson in &course.lessons {
        assert!(
            lesson.steps.len() >= 3,
            "{} has {} steps",
            lesson.id,
            lesson.steps.len()
        );
        assert!(
            lesson.quizzes().count() >= 2,
            "{} needs two quizzes",
            lesson.id
        );
        assert!(
            lesson.python_for_step(0).is_some(),
            "{} needs a Python example",
            lesson.id
        );
        assert!(
            lesson.demo_for_step(0).is_some(),
            "{} needs a demo",
            lesson.id
        );
    }
}

#[test]
fn missing_front_matter_is_reported_at_line_one() {
    let problem = only_problem("## Step\n\ntext\n");
    assert_at(&problem, 1, 1, "missing front matter");
}

#[test]
fn unclosed_front_matter_is_reported_at_its_opening_line() {
    let problem = only_problem("+++\nid = \"a\"\ntitle = \"A\"\n\n## Step\n");
    assert_at(&problem, 1, 1, "unclosed front matter");
}

#[test]
fn bad_toml_in_front_matter_points_into_it() {
    let problem = only_problem("+++\nid = \"a\"\ntitle = A\n+++\n## Step\n");
    assert_eq!(problem.line(), Some(3), "{problem}");
    assert!(
        problem.message.starts_with("bad TOML in front matter"),
        "{problem}"
    );
    assert_eq!(problem.source_line.as_deref(), Some("title = A"));
}

#[test]
fn missing_id_and_title_are_both_reported() {
    let course = TempCourse::new(&[("a.md", "+++\nsummary = \"s\"\n+++\n## Step\n")]);
    let problems = course.problems();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 2, "{messages:?}");
    assert!(messages[0].contains("no `id`"));
    assert!(messages[1].contains("no `title`"));
    assert!(problems.iter().all(|p| p.line() == Some(2)));
}

#[test]
fn unknown_front_matter_key_is_caught() {
    let problem = only_problem("+++\nid = \"a\"\ntitle = \"A\"\nsumary = \"typo\"\n+++\n## Step\n");
    assert_at(&problem, 4, 1, "sumary");
}

#[test]
fn lesson_without_steps_is_refused() {
    let problem = only_problem("+++\nid = \"a\"\ntitle = \"A\"\n+++\nJust prose.\n");
    assert_at(&problem, 5, 1, "no steps");
}

#[test]
fn duplicate_ids_name_the_first_file() {
    let course = TempCourse::new(&[("a.md", &lesson("same")), ("b.md", &lesson("same"))]);
    let problems = course.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, course.shown("b.md"));
    assert_at(&problems[0], 2, 6, "duplicate id `same`");
    assert!(problems[0].message.contains(&course.shown("a.md")));
}

#[test]
fn unknown_demo_name_suggests_the_nearest() {
    let text = format!("{HEADER}```demo\nname = \"print-number\"\n```\n");
    let problem = only_problem(&text);
    assert_at(&problem, 9, 8, "unknown demo `print-number`");
    assert!(
        problem.message.contains("did you mean `print-numbers`"),
        "{problem}"
    );
}

#[test]
fn demo_parameter_out_of_range_names_the_range() {
    let text = format!("{HEADER}```demo\nname = \"print-numbers\"\nworkers = 100\n```\n");
    let problem = only_problem(&text);
    assert_at(
        &problem,
        10,
        11,
        "`workers` must be a whole number from 1 to 64, not 100",
    );
}

#[test]
fn unknown_demo_parameter_is_caught() {
    let text = format!("{HEADER}```demo\nname = \"print-numbers\"\n  wokers = 4\n```\n");
    let problem = only_problem(&text);
    assert_at(
        &problem,
        10,
        3,
        "no parameter `wokers` (did you mean `workers`?)",
    );
}

#[test]
fn demo_parameter_of_the_wrong_type_is_caught() {
    let text = format!("{HEADER}```demo\nname = \"spawn-process\"\njoin = \"no\"\n```\n");
    let problem = only_problem(&text);
    assert_at(&problem, 10, 8, "`join` must be true or false");
}

#[test]
fn bad_toml_in_a_block_points_at_the_line_in_the_file() {
    let text = format!("{HEADER}```quiz\nquestion = \"Q?\"\nchoices = [\"a\", \"b\"\n```\n");
    let problem = only_problem(&text);
    assert_eq!(problem.line(), Some(10), "{problem}");
    assert!(
        problem.message.starts_with("bad TOML in quiz block"),
        "{problem}"
    );
}

#[test]
fn quiz_answer_out_of_range_is_caught() {
    let text = format!(
        "{HEADER}```quiz\nquestion = \"Q?\"\nchoices = [\"a\", \"b\"]\nanswer = 3\nexplain = \"e\"\n```\n"
    );
    let problem = only_problem(&text);
    assert_at(
        &problem,
        11,
        10,
        "quiz `answer` is 3 but there are 2 choices",
    );
}

#[test]
fn quiz_answer_zero_is_out_of_range_too() {
    let text = format!(
        "{HEADER}```quiz\nquestion = \"Q?\"\nchoices = [\"a\", \"b\"]\nanswer = 0\nexplain = \"e\"\n```\n"
    );
    assert_at(&only_problem(&text), 11, 10, "answer");
}

#[test]
fn unknown_quiz_key_is_caught() {
    let text = format!(
        "{HEADER}```quiz\nquestion = \"Q?\"\nchoises = [\"a\", \"b\"]\nanswer = 1\nexplain = \"e\"\n```\n"
    );
    assert_at(&only_problem(&text), 10, 1, "choises");
}

#[test]
fn quiz_missing_keys_are_listed() {
    let text = format!("{HEADER}```quiz\nquestion = \"Q?\"\n```\n");
    let problem = only_problem(&text);
    assert_at(&problem, 8, 1, "missing `choices`, `answer`, `explain`");
}

#[test]
fn unclosed_block_is_reported_at_its_fence() {
    let text = format!("{HEADER}Prose.\n\n```demo\nname = \"print-numbers\"\n");
    assert_at(&only_problem(&text), 10, 1, "unclosed ```demo block");
}

#[test]
fn listed_file_that_is_missing_points_into_course_toml() {
    let course = TempCourse::with_index(
        "format_version = 1\ntitle = \"T\"\nlessons = [\n  \"a.md\",\n  \"gone.md\",\n]\n",
        &[("a.md", &lesson("a"))],
    );
    let problems = course.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, course.shown("course.toml"));
    assert_at(&problems[0], 5, 3, "`gone.md` is listed but");
}

#[test]
fn listed_file_outside_the_folder_is_refused() {
    let course = TempCourse::with_index(
        "format_version = 1\ntitle = \"T\"\nlessons = [\"../escape.md\", \"/etc/passwd\"]\n",
        &[],
    );
    let problems = course.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_at(&problems[0], 3, 12, "outside the course folder");
    assert_at(&problems[1], 3, 28, "outside the course folder");
}

#[test]
fn symlink_leading_out_of_the_folder_is_refused() {
    let outside = tempfile::tempdir().expect("temporary directory");
    write_file(&outside.path().join("x.md"), lesson("x").as_bytes());
    let course = TempCourse::new(&[]);
    std::os::unix::fs::symlink(outside.path().join("x.md"), course.path().join("x.md"))
        .expect("symlink");
    std::fs::write(
        course.path().join("course.toml"),
        "format_version = 1\ntitle = \"T\"\nlessons = [\"x.md\"]\n",
    )
    .expect("write course.toml");
    let problems = course.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("outside the course folder"));
}

#[test]
fn file_that_is_not_utf8_is_reported_where_it_breaks() {
    let course = TempCourse::new(&[("a.md", "")]);
    write_file(
        &course.path().join("a.md"),
        b"+++\nid = \"a\"\ntitle = \"caf\xe9\"\n+++\n## S\n",
    );
    let problems = course.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_at(&problems[0], 3, 13, "not UTF-8");
}

#[test]
fn bad_toml_in_course_toml_is_reported() {
    let course = TempCourse::with_index("format_version = 1\ntitle = \"T\nlessons = []\n", &[]);
    let problems = course.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line(), Some(2), "{}", problems[0]);
    assert!(problems[0].message.starts_with("bad TOML in course.toml"));
}

#[test]
fn unknown_key_and_wrong_version_in_course_toml_are_caught() {
    let course = TempCourse::with_index(
        "format_version = 1\ntitel = \"T\"\nlessons = [\"a.md\"]\n",
        &[],
    );
    assert_at(&course.problems()[0], 2, 1, "titel");
    let course = TempCourse::with_index(
        "format_version = 9\ntitle = \"T\"\nlessons = [\"a.md\"]\n",
        &[("a.md", &lesson("a"))],
    );
    assert_at(&course.problems()[0], 1, 18, "format_version 9");
}

#[test]
fn a_missing_course_toml_says_what_a_course_needs() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let problems = match mptutor::course::load_dir(dir.path()) {
        Ok(_) => panic!("an empty folder is no course"),
        Err(errors) => errors.diagnostics,
    };
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("needs a course.toml"),
        "{}",
        problems[0]
    );
}

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let bad_demo = format!(
        "{HEADER}```demo\nname = \"nope\"\n```\n\n```demo\nname = \"pool-map\"\nitems = 0\n```\n"
    );
    let course = TempCourse::new(&[
        ("a.md", &bad_demo),
        ("b.md", "no front matter\n"),
        ("c.md", &lesson("c")),
    ]);
    let problems = course.problems();
    let lines: Vec<(String, Option<usize>)> = problems
        .iter()
        .map(|p| (p.path.clone(), p.line()))
        .collect();
    assert_eq!(
        lines,
        [
            (course.shown("a.md"), Some(9)),
            (course.shown("a.md"), Some(14)),
            (course.shown("b.md"), Some(1)),
        ]
    );
}

#[test]
fn a_problem_quotes_its_line_with_a_caret() {
    let text = format!("{HEADER}```demo\nname = \"print-numbers\"\nrepeat = 50\n```\n");
    let shown = only_problem(&text).to_string();
    let expected_tail = "10:10: `repeat` must be a whole number from 1 to 20, not 50\n 10 | repeat = 50\n    |          ^";
    assert!(shown.ends_with(expected_tail), "{shown}");
}

#[test]
fn prose_code_and_blocks_keep_their_order_within_a_step() {
    let text = format!(
        "{HEADER}Intro.\n\n```python\nprint(1)\n```\n\nMiddle.\n\n```text\nplain\n```\n\n```note\nFor teachers.\n```\n\n## Second\n\nMore.\n"
    );
    let lesson =
        parse_lesson("a.md", text.as_bytes()).unwrap_or_else(|problems| panic!("{problems:?}"));
    assert_eq!(lesson.steps.len(), 2);
    let kinds: Vec<&str> = lesson.steps[0]
        .blocks
        .iter()
        .map(|block| match block {
            mptutor::course::Block::Prose(_) => "prose",
            mptutor::course::Block::Python(_) => "python",
            mptutor::course::Block::Code(_) => "code",
            mptutor::course::Block::Demo(_) => "demo",
            mptutor::course::Block::Quiz(_) => "quiz",
            mptutor::course::Block::Note(_) => "note",
            mptutor::course::Block::Hint(_) => "hint",
            mptutor::course::Block::Check(_) => "check",
            mptutor::course::Block::Exercise(_) => "exercise",
        })
        .collect();
    assert_eq!(kinds, ["prose", "python", "prose", "code", "note"]);
    assert_eq!(lesson.steps[1].line, 24);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_lesson_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_lesson("fuzz.md", &bytes);
    }

    #[test]
    fn arbitrary_text_after_front_matter_never_panics(body in "(## [a-z]{0,8}\n|```(demo|quiz|note|python|exercise)?\n|[a-z =\"\\[\\],0-9]{0,30}\n|\\|[a-z ]{0,5}\\|\n|- \n|> \n)*") {
        let text = format!("+++\nid = \"x\"\ntitle = \"X\"\n+++\n{body}");
        let _ = parse_lesson("fuzz.md", text.as_bytes());
    }

    #[test]
    fn arbitrary_course_toml_never_panics_the_loader(index in "(format_version|title|lessons|x)? ?=? ?(\"[a-z./]{0,10}\"|[0-9]{1,3}|\\[(\"[a-z./]{0,6}\",?){0,3}\\])?\n{0,2}") {
        let course = TempCourse::with_index(&index, &[("a.md", &lesson("a"))]);
        let _ = course.problems();
    }
}

#[test]
fn bad_pattern_in_a_check_block_points_at_it() {
    let text = format!("{HEADER}```check\neach_once = ['ok', 'broken (']\n```\n");
    let problem = only_problem(&text);
    assert_at(
        &problem,
        9,
        20,
        "bad pattern in check block: unclosed group",
    );
}

#[test]
fn an_empty_check_block_is_refused() {
    let text = format!("{HEADER}```check\n```\n");
    assert_at(&only_problem(&text), 8, 1, "check block states nothing");
}

#[test]
fn a_check_block_with_no_example_in_its_step_is_refused() {
    let text = format!("{HEADER}```check\nexit_code = 0\n```\n\n## Next\n\n```python\npass\n```\n");
    assert_at(
        &only_problem(&text),
        8,
        1,
        "this check block has no ```python example in its step",
    );
}
