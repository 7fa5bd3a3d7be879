//! Snapshots of what a student sees, and properties every rendering keeps.
//!
//! Snapshots are plain text (no colour) at 100 and 80 columns, the front
//! end's default and the classic terminal; `cargo insta review` after a
//! deliberate change. The property tests throw arbitrary Markdown-ish text
//! at the renderers to hold them to the module's two promises: every line
//! fits the width, and colour off means no escape codes at all.

use proptest::prelude::*;

use super::ansi::width;
use super::test_course::{sample_course, sample_lesson};
use super::*;
use crate::course::{Block, CodeBlock, Exercise, ExerciseChecks, LessonIndex};
use crate::demos::{DemoParams, ParamValue, find_demo};

/// Every element `render_markdown` knows, in one document.
const EVERY_ELEMENT: &str = "\
# Processes and threads

A paragraph with *emphasis*, **strong**, `inline code`, ~~struck~~ text, a \
[link](https://docs.python.org/3/library/multiprocessing.html) and an autolink \
<https://example.org>; long enough to wrap at eighty columns.  
After a hard break.

## A second-level heading

### A third-level heading

- a bullet
- a bullet long enough to wrap onto a second line when the terminal is eighty columns wide
  1. a nested numbered item
  2. another, with `code`
     - a bullet three levels deep
- the last bullet

8. numbering starts at eight
9. nine
10. ten, right-aligned with the others

> A quote long enough to wrap inside its bar when the terminal is eighty columns wide.
>
> - a list inside the quote

---

| model | memory | a crash |
|:--|:-:|--:|
| processes | separate | kills one |
| threads | *shared* | kills all, every single thread of the program at once |

```python
def square(x):
    return x * x
```

The end.";

fn plain(width: usize) -> RenderOptions {
    RenderOptions::plain(width)
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn quiz_of_first_step() -> crate::course::Quiz {
    sample_lesson().steps[0]
        .blocks
        .iter()
        .find_map(|block| match block {
            Block::Quiz(quiz) => Some(quiz.clone()),
            _ => None,
        })
        .expect("the sample's first step has a quiz")
}

#[test]
fn markdown_every_element() {
    insta::assert_snapshot!("markdown_100", render_markdown(EVERY_ELEMENT, &plain(100)));
    insta::assert_snapshot!("markdown_80", render_markdown(EVERY_ELEMENT, &plain(80)));
    insta::assert_snapshot!("markdown_40", render_markdown(EVERY_ELEMENT, &plain(40)));
}

#[test]
fn table() {
    let header = strings(&["", "processes", "threads"]);
    let rows = vec![
        strings(&["memory", "each has its own copy", "one heap, shared by all"]),
        strings(&[
            "failure",
            "a crash kills only that process; the parent sees an exit code and can start another",
            "an uncaught crash in one thread takes the whole program down",
        ]),
        strings(&["start-up", "milliseconds"]),
    ];
    insta::assert_snapshot!("table_100", render_table(&header, &rows, &plain(100)));
    insta::assert_snapshot!("table_80", render_table(&header, &rows, &plain(80)));
}

#[test]
fn code() {
    let block = CodeBlock {
        lang: "python".to_string(),
        code: "from multiprocessing import Pool\n\ndef square(x):\n    return x * x\n\n\
               if __name__ == \"__main__\":\n    with Pool(4) as pool:\n        \
               print(pool.map(square, range(10), chunksize=2), \"results, in the order of the inputs\")\n"
            .to_string(),
        line: 12,
    };
    insta::assert_snapshot!("code_100", render_code(&block, &plain(100)));
    insta::assert_snapshot!("code_80", render_code(&block, &plain(80)));
    insta::assert_snapshot!(
        "code_titled_80",
        render_code_titled("q5 · example", &block, &plain(80))
    );
}

#[test]
fn side_by_side_columns() {
    let left = render_markdown(
        "Prose on the left, wrapped to its own column width, with a list:\n\n- one\n- two",
        &plain(40),
    );
    let right = render_code(
        &CodeBlock {
            lang: "python".to_string(),
            code: "print('right')\n".to_string(),
            line: 1,
        },
        &plain(40),
    );
    insta::assert_snapshot!("side_by_side", side_by_side(&left, &right, 40, 3));
}

#[test]
fn steps() {
    let lesson = sample_lesson();
    for (step, _) in lesson.steps.iter().enumerate() {
        for columns in [100, 80] {
            insta::assert_snapshot!(
                format!("step_{}_{columns}", step + 1),
                render_step(&lesson, step, &plain(columns))
            );
        }
    }
    insta::assert_snapshot!(
        "step_1_160_side_by_side",
        render_step(&lesson, 0, &plain(160))
    );
    let teacher = RenderOptions {
        show_notes: true,
        ..plain(80)
    };
    insta::assert_snapshot!("step_1_80_notes", render_step(&lesson, 0, &teacher));
}

/// The sample lesson's first step with an exercise after its example,
/// whose starter and solution each hold a line found nowhere else.
fn lesson_with_exercise() -> crate::course::Lesson {
    let mut lesson = sample_lesson();
    lesson.steps[0].blocks.insert(
        2,
        Block::Exercise(Box::new(Exercise {
            id: "q3-join-both".to_string(),
            title: "Two children, both joined".to_string(),
            task: "Start **two** children that each print their pid, and `join()` both \
                   before the parent prints its last line."
                .to_string(),
            starter: "print('STARTER-ONLY')\n".to_string(),
            solution: "print('SOLUTION-ONLY')\n".to_string(),
            hints: vec!["Keep the children in a list.".to_string()],
            checks: ExerciseChecks::default(),
            line: 20,
        })),
    );
    lesson
}

#[test]
fn exercise_step() {
    let lesson = lesson_with_exercise();
    insta::assert_snapshot!("exercise_step_80", render_step(&lesson, 0, &plain(80)));
    insta::assert_snapshot!("exercise_step_160", render_step(&lesson, 0, &plain(160)));
}

#[test]
fn an_exercise_shows_its_task_in_the_width_and_never_its_starter_solution_or_hints() {
    let lesson = lesson_with_exercise();
    for columns in [40, 80, 160] {
        for show_notes in [false, true] {
            let opts = RenderOptions {
                show_notes,
                ..plain(columns)
            };
            let in_repl = render_step(&lesson, 0, &opts);
            assert!(in_repl.contains("Type exercise to start it"), "{in_repl}");
            for view in [in_repl, render_lesson(&lesson, &opts)] {
                assert!(view.contains("Exercise ·"), "{view}");
                for line in view.lines() {
                    assert!(width(line) <= opts.columns(), "{columns}: {line:?}");
                }
                for hidden in ["STARTER-ONLY", "SOLUTION-ONLY", "Keep the children"] {
                    assert!(!view.contains(hidden), "{columns}: {hidden} in {view}");
                }
            }
        }
    }
}

#[test]
fn lesson() {
    let teacher = RenderOptions {
        show_notes: true,
        ..plain(100)
    };
    insta::assert_snapshot!("lesson_100", render_lesson(&sample_lesson(), &plain(100)));
    insta::assert_snapshot!(
        "lesson_100_notes",
        render_lesson(&sample_lesson(), &teacher)
    );
}

#[test]
fn course_list() {
    let course = sample_course();
    insta::assert_snapshot!(
        "list_100",
        render_course_list(&course, Some(LessonIndex(1)), &plain(100))
    );
    insta::assert_snapshot!("list_80", render_course_list(&course, None, &plain(80)));
    insta::assert_snapshot!(
        "list_40",
        render_course_list(&course, Some(LessonIndex(0)), &plain(40))
    );
}

#[test]
fn quiz() {
    let quiz = quiz_of_first_step();
    insta::assert_snapshot!(
        "quiz_question_80",
        render_quiz_question(&quiz, 1, 3, &plain(80))
    );
    insta::assert_snapshot!("quiz_right_80", render_quiz_feedback(&quiz, 2, &plain(80)));
    insta::assert_snapshot!("quiz_wrong_80", render_quiz_feedback(&quiz, 3, &plain(80)));
}

#[test]
fn demo_info() {
    let demo = find_demo("pool-map").expect("pool-map is in the catalogue");
    let mut set = DemoParams::default();
    set.set("workers", ParamValue::Int(8));
    insta::assert_snapshot!("demo_info_100", render_demo_info(demo, &set, &plain(100)));
    insta::assert_snapshot!("demo_info_80", render_demo_info(demo, &set, &plain(80)));
    insta::assert_snapshot!("demo_info_40", render_demo_info(demo, &set, &plain(40)));
}

#[test]
fn colour_off_output_has_no_escapes_and_colour_on_does() {
    let lesson = sample_lesson();
    for color in [false, true] {
        let opts = RenderOptions {
            width: 100,
            measure: crate::render::DEFAULT_MEASURE,
            color,
            show_notes: true,
            theme: Default::default(),
        };
        let views = [
            render_markdown(EVERY_ELEMENT, &opts),
            render_lesson(&lesson, &opts),
            render_step(&lesson, 0, &opts),
            render_course_list(&sample_course(), Some(LessonIndex(0)), &opts),
            render_quiz_question(&quiz_of_first_step(), 1, 1, &opts),
            render_quiz_feedback(&quiz_of_first_step(), 1, &opts),
        ];
        for view in views {
            assert_eq!(view.contains('\x1b'), color, "{view}");
        }
    }
}

/// Text that exercises Markdown's corners: markers, fences, tables, long
/// words, wide characters, stray control characters.
fn markdownish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# ".to_string()),
        Just("### ".to_string()),
        Just("\n- ".to_string()),
        Just("\n  - ".to_string()),
        Just("\n10. ".to_string()),
        Just("\n> ".to_string()),
        Just("\n> > > ".to_string()),
        Just("`".to_string()),
        Just("**".to_string()),
        Just("_".to_string()),
        Just("~~".to_string()),
        Just("\n".to_string()),
        Just("\n\n".to_string()),
        Just("  \n".to_string()),
        Just("\n---\n".to_string()),
        Just(
            "\n| a | b |\n|---|--:|\n| `c` | d d d d d d d d d d d d d d d d d d d d |\n"
                .to_string()
        ),
        Just("\n```python\nprint('x')\n\tindented\n```\n".to_string()),
        Just("[link](http://example.org/a/long/path)".to_string()),
        Just("漢字かな".to_string()),
        Just("\t\x1b[31m\r".to_string()),
        "[a-z]{1,12}",
        "[a-zA-Z0-9_./:-]{30,120}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn markdown_always_fits_the_width(md in markdownish(), columns in 40usize..200, color: bool) {
        let opts = RenderOptions { width: columns, measure: crate::render::DEFAULT_MEASURE, color, show_notes: false, theme: Default::default() };
        let shown = render_markdown(&md, &opts);
        for line in shown.lines() {
            prop_assert!(width(line) <= columns, "{} > {columns}: {line:?}", width(line));
            prop_assert_eq!(line.trim_end(), line);
        }
        if !color {
            prop_assert!(!shown.contains('\x1b'));
        }
        prop_assert!(!shown.starts_with('\n') && !shown.ends_with('\n'));
        prop_assert!(!shown.contains("\n\n\n"));
    }

    #[test]
    fn code_panels_always_fit_the_width(code in "[ -~\t\n漢]{0,400}", columns in 1usize..200, color: bool) {
        let opts = RenderOptions { width: columns, measure: crate::render::DEFAULT_MEASURE, color, show_notes: false, theme: Default::default() };
        let block = CodeBlock { lang: "python".to_string(), code, line: 1 };
        for line in render_code(&block, &opts).lines() {
            prop_assert!(width(line) <= opts.columns(), "{line:?}");
        }
    }
}
