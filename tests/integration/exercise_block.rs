//! ```` ```exercise ```` blocks: a valid one loads, and each mistake a
//! teacher can make in one is reported by `mptutor check` as one
//! `path:line:col: message` line, at the key or value it is about.

use mptutor::course::{Block, load_dir, parse_lesson};

use crate::support::{TempCourse, lesson, run_guarded};

/// Lines 1–7 of every test lesson; its first block's fence is line 8 and
/// the block's first line is line 9.
const HEADER: &str = "+++\nid = \"a\"\ntitle = \"A\"\n+++\n\n## Step\n\n";

/// A valid exercise block; each test breaks one thing in it. Line 9 of
/// the lesson is its first line.
const VALID: &str = r#"id = "two-at-once"
task = "Start both children **before** joining either."
starter = '''
from multiprocessing import Process
if __name__ == "__main__":
    for n in (1, 2):
        p = Process(target=print, args=(f"child {n}",))
        p.start()
        p.join()
'''
solution = '''
from multiprocessing import Process
if __name__ == "__main__":
    ps = [Process(target=print, args=(f"child {n}",)) for n in (1, 2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
'''
hints = ["Start both, then join both."]

[output]
each_once = ['child 1', 'child 2']
examples = ["child 1"]

[behaviour]
processes = { exactly = 2 }
alive_at_once = { at_least = 2 }
all_joined = { zombie_ms = 500 }
time_limit = 10
"#;

/// A lesson whose one step holds `block` as an exercise.
fn with_block(block: &str) -> String {
    format!("{HEADER}```exercise\n{block}```\n")
}

/// What `mptutor check --no-run` says about a course whose one lesson
/// holds `text`: its exit code and its output, both streams.
fn check(files: &[(&str, &str)]) -> (Option<i32>, String, TempCourse) {
    let course = TempCourse::new(files);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run_guarded(home.path(), &["check", "--no-run", &dir], "");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), said, course)
}

/// The one problem `mptutor check --no-run` reports for a lesson holding
/// `block` as an exercise: its `line:col: message` line, without the path.
fn problem(block: &str) -> String {
    let (code, said, course) = check(&[("a.md", &with_block(block))]);
    assert_eq!(code, Some(1), "{said}");
    let path = format!("{}:", course.shown("a.md"));
    let found: Vec<&str> = said
        .lines()
        .filter_map(|line| line.strip_prefix(&path))
        .collect();
    assert_eq!(found.len(), 1, "expected one problem: {said}");
    assert!(said.contains("1 problem found"), "{said}");
    found[0].to_string()
}

/// `VALID` with `from` replaced by `to` (which must be there).
fn changed(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "`{from}` is not in the valid block");
    VALID.replacen(from, to, 1)
}

#[test]
fn a_valid_exercise_loads_and_passes_check() {
    let (code, said, course) = check(&[("a.md", &with_block(VALID))]);
    assert_eq!(code, Some(0), "{said}");
    let loaded = load_dir(course.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let found = loaded
        .find_exercise("two-at-once")
        .expect("found by its id");
    assert_eq!((found.lesson.0, found.step), (0, 0));
    let exercise = found.exercise;
    assert_eq!(exercise.title, "Step", "the step's title when it has none");
    assert_eq!(exercise.line, 8);
    assert!(exercise.starter.starts_with("from multiprocessing"));
    assert!(
        exercise
            .solution
            .contains("for p in ps:\n        p.start()\n")
    );
    assert_eq!(exercise.hints, ["Start both, then join both."]);
    assert_eq!(exercise.checks.examples, ["child 1"]);
    let behaviour = &exercise.checks.behaviour;
    assert_eq!(behaviour.processes.map(|rule| rule.exactly), Some(Some(2)));
    assert_eq!(behaviour.all_joined.map(|rule| rule.zombie_ms), Some(500));
    assert_eq!(behaviour.time_limit_s, Some(10.0));
    assert!(exercise.checks.speed.is_none());
}

#[test]
fn every_exercise_of_a_course_is_listed_in_course_order() {
    let second = format!(
        "{HEADER}Prose.\n\n## Next\n\n```exercise\n{}```\n",
        changed("\"two-at-once\"", "\"b-second\"").replace("task =", "title = \"Second\"\ntask =")
    );
    let course = TempCourse::new(&[
        ("a.md", &with_block(VALID)),
        ("b.md", &second.replace("id = \"a\"", "id = \"b\"")),
    ]);
    let loaded = load_dir(course.path()).unwrap_or_else(|errors| panic!("{errors}"));
    let listed: Vec<(usize, usize, &str, &str)> = loaded
        .exercises()
        .map(|at| {
            (
                at.lesson.0,
                at.step,
                at.exercise.id.as_str(),
                at.exercise.title.as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(0, 0, "two-at-once", "Step"), (1, 1, "b-second", "Second")]
    );
    assert!(loaded.find_exercise("nope").is_none());
}

#[test]
fn a_speed_check_against_a_serial_program_loads() {
    let block = format!(
        "{VALID}\n[speed]\nat_least = 2\nagainst = \"serial\"\nserial = '''\nprint('child 1')\nprint('child 2')\n'''\n"
    );
    let lesson = parse_lesson("a.md", with_block(&block).as_bytes())
        .unwrap_or_else(|errors| panic!("{errors}"));
    let Some(Block::Exercise(exercise)) = lesson.steps[0].blocks.first() else {
        panic!("the block is an exercise: {:?}", lesson.steps[0].blocks);
    };
    let speed = exercise.checks.speed.as_ref().expect("a speed check");
    assert_eq!(speed.at_least, 2.0);
    assert_eq!(
        speed.baseline(&exercise.starter),
        "print('child 1')\nprint('child 2')\n"
    );
}

#[test]
fn bad_toml_is_reported_where_it_breaks() {
    assert_eq!(
        problem(&changed("time_limit = 10", "time_limit = ")),
        "38:14: bad TOML in exercise block: string values must be quoted, expected literal string"
    );
}

#[test]
fn an_unknown_key_suggests_the_nearest() {
    assert_eq!(
        problem(&changed("hints =", "hint =")),
        "28:1: unknown key `hint` in exercise block (did you mean `hints`?); an exercise block \
         takes id, title, task, starter, solution, hints, [output], [behaviour], [speed]"
    );
    assert_eq!(
        problem(&changed("alive_at_once", "alive_at_one")),
        "36:1: unknown key `behaviour.alive_at_one` in exercise block (did you mean \
         `alive_at_once`?); `[behaviour]` takes processes, alive_at_once, pool_workers, \
         threads, all_joined, nothing_left_running, exit_code, time_limit"
    );
    assert_eq!(
        problem(&changed("exactly = 2", "exacly = 2")),
        "35:15: unknown key `behaviour.processes.exacly` in exercise block (did you mean \
         `exactly`?); `behaviour.processes` takes exactly, at_least, at_most"
    );
}

#[test]
fn an_unknown_key_does_not_hide_the_other_problems() {
    let block = changed("hints =", "hint =").replacen("\"two-at-once\"", "\"Two\"", 1);
    let (code, said, course) = check(&[("a.md", &with_block(&block))]);
    assert_eq!(code, Some(1), "{said}");
    let path = course.shown("a.md");
    let lines: Vec<&str> = said
        .lines()
        .filter(|line| line.starts_with(&path))
        .collect();
    assert_eq!(lines.len(), 2, "{said}");
    assert!(
        lines[0].starts_with(&format!("{path}:9:6: exercise id `Two`")),
        "{said}"
    );
    assert!(
        lines[1].starts_with(&format!("{path}:28:1: unknown key `hint`")),
        "{said}"
    );
    // A misspelt required key is reported as misspelt, not as missing too.
    assert!(
        problem(&changed("solution =", "soluton =")).starts_with(
            "19:1: unknown key `soluton` in exercise block (did you mean `solution`?)"
        )
    );
}

#[test]
fn missing_keys_are_listed_at_the_fence() {
    let block = VALID.replacen("id = \"two-at-once\"\n", "", 1);
    let block = block.replacen(
        "task = \"Start both children **before** joining either.\"\n",
        "",
        1,
    );
    assert_eq!(
        problem(&block),
        "8:1: exercise block is missing `id`, `task`; an exercise needs an id, a task, a \
         starter program and a solution"
    );
    let start = VALID.find("solution = '''").expect("a solution");
    let end = VALID.find("hints =").expect("hints");
    let block = format!("{}{}", &VALID[..start], &VALID[end..]);
    assert!(problem(&block).starts_with("8:1: exercise block is missing `solution`;"));
}

#[test]
fn an_id_must_be_lowercase_letters_digits_and_dashes() {
    assert_eq!(
        problem(&changed("\"two-at-once\"", "\"Two_at_once\"")),
        "9:6: exercise id `Two_at_once` must be lowercase letters, digits and `-` (like \
         `q6-all-at-once`)"
    );
    assert!(problem(&changed("\"two-at-once\"", "\"\"")).starts_with("9:6: exercise id ``"));
}

#[test]
fn an_id_longer_than_the_limit_is_refused() {
    let long = "x".repeat(41);
    assert_eq!(
        problem(&changed("\"two-at-once\"", &format!("\"{long}\""))),
        "9:6: the exercise id is 41 characters long, more than the 40 allowed; students see \
         it in `exercises`; shorten it"
    );
}

#[test]
fn an_id_used_twice_names_the_first() {
    let twice = format!(
        "{HEADER}```exercise\n{VALID}```\n\n## Again\n\nProse.\n\n```exercise\n{}```\n",
        VALID.replacen("hints = [\"Start both", "hints = [\"Both", 1)
    );
    let (code, said, course) = check(&[("a.md", &lesson("z")), ("b.md", &twice)]);
    assert_eq!(code, Some(1), "{said}");
    let second = 8 + VALID.lines().count() + 1 + 6;
    let expected = format!(
        "{}:{second}:1: exercise id `two-at-once` is already used by the exercise at {}:8; \
         each exercise needs an id of its own (progress is saved under it)",
        course.shown("b.md"),
        course.shown("b.md"),
    );
    assert!(
        said.lines().any(|line| line == expected),
        "{expected}\n{said}"
    );
    // And across lessons: the second lesson's is reported, naming the first.
    let (code, said, course) = check(&[
        ("a.md", &with_block(VALID)),
        (
            "b.md",
            &with_block(VALID).replace("id = \"a\"", "id = \"b\""),
        ),
    ]);
    assert_eq!(code, Some(1), "{said}");
    let expected = format!(
        "{}:8:1: exercise id `two-at-once` is already used by the exercise at {}:8;",
        course.shown("b.md"),
        course.shown("a.md"),
    );
    assert!(
        said.lines().any(|line| line.starts_with(&expected)),
        "{expected}\n{said}"
    );
}

#[test]
fn an_empty_starter_or_solution_is_refused() {
    let start = VALID.find("starter = '''").expect("a starter");
    let end = VALID.find("solution =").expect("a solution");
    let empty_starter = format!(
        "{}starter = '''\n  \n'''\n{}",
        &VALID[..start],
        &VALID[end..]
    );
    assert_eq!(
        problem(&empty_starter),
        "11:11: the exercise's `starter` is empty; give the program the student starts from, \
         in a '''…''' string"
    );
    let start = VALID.find("solution = '''").expect("a solution");
    let end = VALID.find("hints =").expect("hints");
    let empty_solution = format!("{}solution = \"\"\n{}", &VALID[..start], &VALID[end..]);
    assert_eq!(
        problem(&empty_solution),
        "19:12: the exercise's `solution` is empty; give a program that passes the checks, in a \
         '''…''' string"
    );
}

#[test]
fn a_solution_identical_to_the_starter_is_refused() {
    let start = VALID.find("starter = '''").expect("a starter");
    let middle = VALID.find("solution = '''").expect("a solution");
    let end = VALID.find("hints =").expect("hints");
    let starter = &VALID[start + "starter = ".len()..middle];
    let block = format!("{}solution = {starter}{}", &VALID[..middle], &VALID[end..]);
    assert_eq!(
        problem(&block),
        "19:12: the `solution` is the same program as the `starter`; the starter must fail the \
         checks and the solution pass them"
    );
}

#[test]
fn a_count_rule_needs_a_bound_that_can_hold() {
    assert_eq!(
        problem(&changed("{ exactly = 2 }", "{}")),
        "35:13: `behaviour.processes` gives no bound; write `{ exactly = N }`, `{ at_least = N \
         }`, `{ at_most = N }` or both of the last two"
    );
    assert_eq!(
        problem(&changed("{ exactly = 2 }", "{ exactly = 2, at_most = 3 }")),
        "35:13: `behaviour.processes` gives `exactly` with `at_least` or `at_most`; give an \
         exact count or bounds, not both"
    );
    assert_eq!(
        problem(&changed(
            "{ at_least = 2 }",
            "{ at_least = 5, at_most = 3 }"
        )),
        "36:17: `behaviour.alive_at_once` asks for at least 5 and at most 3; no count is both"
    );
    assert_eq!(
        problem(&changed("{ exactly = 2 }", "{ exactly = -1 }")),
        "35:25: `behaviour.processes.exactly` is a count, a whole number from 0, not -1"
    );
}

#[test]
fn zombie_ms_must_be_from_1_to_60000() {
    for bad in ["0", "60001"] {
        assert_eq!(
            problem(&changed("zombie_ms = 500", &format!("zombie_ms = {bad}"))),
            format!(
                "37:28: `behaviour.all_joined.zombie_ms` is how many milliseconds a child may \
                 stay a zombie before its parent reaps it, from 1 to 60000, not {bad}"
            )
        );
    }
    assert!(
        problem(&changed("{ zombie_ms = 500 }", "{}"))
            .starts_with("37:14: `behaviour.all_joined` needs `zombie_ms`")
    );
}

#[test]
fn time_limit_must_be_above_0_and_at_most_600() {
    for (bad, shown) in [("0", "0"), ("-3", "-3"), ("601", "601"), ("nan", "NaN")] {
        assert_eq!(
            problem(&changed("time_limit = 10", &format!("time_limit = {bad}"))),
            format!(
                "38:14: `behaviour.time_limit` is how many seconds the run may take, more than 0 \
                 and at most 600, not {shown}"
            )
        );
    }
}

/// `VALID` with a `[speed]` table holding `speed`; the table's first
/// line is line 39 of the lesson, its first key line 40.
fn with_speed(speed: &str) -> String {
    format!("{VALID}[speed]\n{speed}")
}

#[test]
fn a_speed_factor_must_be_above_1_and_at_most_64() {
    for (bad, shown) in [("1", "1"), ("0.5", "0.5"), ("65", "65")] {
        assert_eq!(
            problem(&with_speed(&format!("at_least = {bad}\n"))),
            format!(
                "40:12: `speed.at_least` is how many times as fast as its baseline the program \
                 must be, more than 1 and at most 64, not {shown}"
            )
        );
    }
    assert!(
        problem(&with_speed("against = \"starter\"\n"))
            .starts_with("39:1: `[speed]` needs `at_least`"),
    );
}

#[test]
fn a_speed_baseline_is_the_starter_or_a_serial_program_given() {
    assert_eq!(
        problem(&with_speed("at_least = 2\nagainst = \"serail\"\n")),
        "41:11: `speed.against` is what the program is timed against: \"starter\" or \
         \"serial\", not \"serail\" (did you mean `serial`?)"
    );
    assert_eq!(
        problem(&with_speed("at_least = 2\nagainst = \"serial\"\n")),
        "41:11: `against = \"serial\"` needs the serial program in `serial = '''…'''`: the same \
         work done one item at a time"
    );
    assert_eq!(
        problem(&with_speed("at_least = 2\nserial = \"print(1)\"\n")),
        "41:10: `speed.serial` is timed only with `against = \"serial\"`; add that, or remove \
         `serial` to time the program against the starter"
    );
    assert_eq!(
        problem(&with_speed(
            "at_least = 2\nagainst = \"starter\"\nserial = \"print(1)\"\n"
        )),
        "42:10: `speed.serial` is timed only with `against = \"serial\"`; add that, or remove \
         `serial` to time the program against the starter"
    );
}

#[test]
fn an_exercise_that_checks_nothing_is_refused() {
    let checks = VALID.find("[output]").expect("checks");
    let block = format!(
        "{}[behaviour]\nnothing_left_running = false\n",
        &VALID[..checks]
    );
    assert_eq!(
        problem(&block),
        "8:1: this exercise checks nothing; give it an `[output]`, a `[behaviour]` or a \
         `[speed]` table saying what a correct run does"
    );
}

#[test]
fn an_output_table_is_checked_like_a_check_block() {
    assert_eq!(
        problem(&changed("'child 2']", "'child (']")),
        "31:25: bad pattern in the exercise's `[output]`: unclosed group"
    );
    let checks = VALID.find("[output]").expect("checks");
    let behaviour = VALID.find("[behaviour]").expect("behaviour");
    let block = format!("{}[output]\n\n{}", &VALID[..checks], &VALID[behaviour..]);
    assert!(problem(&block).starts_with("30:1: the exercise's `[output]` states nothing; give"),);
}

#[test]
fn an_example_must_match_a_pattern() {
    assert_eq!(
        problem(&changed(
            "examples = [\"child 1\"]",
            "examples = [\"child 1\", \"child 3\"]"
        )),
        "32:24: the example `child 3` matches no pattern of `[output]` (each_once, matching, \
         in_order, last_line); an example is a line a correct run prints, shown to the student \
         instead of the patterns"
    );
    let examples = vec!["\"child 1\""; 65].join(", ");
    assert!(
        problem(&changed("[\"child 1\"]", &format!("[{examples}]")))
            .starts_with("32:12: `output.examples` holds 65 lines, more than the 64 allowed")
    );
}

#[test]
fn a_check_block_takes_no_examples() {
    let text = format!(
        "{HEADER}```python\nprint(1)\n```\n\n```check\nline_count = 1\nexamples = [\"1\"]\n```\n"
    );
    let (code, said, course) = check(&[("a.md", &text)]);
    assert_eq!(code, Some(1), "{said}");
    let expected = format!(
        "{}:14:12: a check block takes no `examples`;",
        course.shown("a.md")
    );
    assert!(
        said.lines().any(|line| line.starts_with(&expected)),
        "{said}"
    );
}

#[test]
fn a_step_holds_one_exercise() {
    let second = VALID.replacen("\"two-at-once\"", "\"another\"", 1);
    let text = format!("{HEADER}```exercise\n{VALID}```\n\n```exercise\n{second}```\n");
    let (code, said, course) = check(&[("a.md", &text)]);
    assert_eq!(code, Some(1), "{said}");
    let line = 8 + VALID.lines().count() + 3;
    let expected = format!(
        "{}:{line}:1: this step already has an exercise (`two-at-once`, line 8); a step holds \
         one, so put this one in a step of its own",
        course.shown("a.md")
    );
    assert!(
        said.lines().any(|shown| shown == expected),
        "{expected}\n{said}"
    );
}

#[test]
fn an_empty_hint_is_refused() {
    assert_eq!(
        problem(&changed(
            "hints = [\"Start both, then join both.\"]",
            "hints = [\"Look.\", \" \"]"
        )),
        "28:19: the exercise's hint 2 is empty; write the help, or remove it"
    );
}

#[test]
fn an_empty_task_or_title_is_refused() {
    assert_eq!(
        problem(&changed(
            "\"Start both children **before** joining either.\"",
            "\"\"\"\n\n\"\"\""
        )),
        "10:8: the exercise's task is empty; say what the program must do"
    );
    assert_eq!(
        problem(&changed("task =", "title = \" \"\ntask =")),
        "10:9: the exercise's `title` is empty; leave it out to use the step's title"
    );
}

#[test]
fn an_exercise_inside_a_list_is_refused_not_shown_as_code() {
    let text = format!("{HEADER}- a list item\n\n  ```exercise\n  id = \"x\"\n  ```\n");
    let (code, said, course) = check(&[("a.md", &text)]);
    assert_eq!(code, Some(1), "{said}");
    let expected = format!(
        "{}:10:3: an ```exercise block must start at the left margin, outside any list or quote;",
        course.shown("a.md")
    );
    assert!(
        said.lines().any(|line| line.starts_with(&expected)),
        "{expected}\n{said}"
    );
}

#[test]
fn a_new_lesson_holds_an_exercise_that_loads() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let course_dir = dir.path().join("course");
    let home = tempfile::tempdir().expect("temporary directory");
    let shown = course_dir.display().to_string();
    let made = run_guarded(home.path(), &["new", "pipes", "--lessons", &shown], "");
    assert!(made.status.success(), "{made:?}");
    let checked = run_guarded(home.path(), &["check", "--no-run", &shown], "");
    assert!(checked.status.success(), "{checked:?}");
    let loaded = load_dir(&course_dir).unwrap_or_else(|errors| panic!("{errors}"));
    let found = loaded
        .find_exercise("pipes-two-at-once")
        .expect("the template's exercise");
    assert_eq!(found.step, 1);
    let behaviour = &found.exercise.checks.behaviour;
    assert!(behaviour.alive_at_once.is_some() && behaviour.all_joined.is_some());
    assert_eq!(found.exercise.checks.examples.len(), 2);
}
