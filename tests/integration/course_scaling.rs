//! Loading, checking and drawing a course cost time in proportion to its
//! size: a course eight times as big takes about eight times as long, never
//! the square of it.
//!
//! Nothing here is timed against a clock. Each case does the same kind of
//! work twice in one run, eight times on a piece of size `n` and once on a
//! piece of size `8n`, and compares the two: linear work costs the same,
//! quadratic work eight times as much. The work is measured as the CPU time
//! of the measuring thread (other tests and programs on the machine do not
//! add to it), the least of a few rounds taken in turn, so a busy machine
//! can slow a round without failing the test.

use std::hint::black_box;

use mptutor::course::{Block, Course, CourseOrigin, Lesson, Step, parse_lesson};
use mptutor::engine::sys::thread_cpu_us;
use mptutor::render::{RenderOptions, render_course_list, render_step};

/// How much more than eight small pieces one big piece may cost. Linear
/// work comes out near 1; work that grows with the square of the size
/// near 8.
const MAX_GROWTH: f64 = 3.0;

const ROUNDS: usize = 3;

const FRONT_MATTER: &str = "+++\nid = \"big\"\ntitle = \"Big\"\n+++\n";

/// Builds the input of size `n`, then hands the part to measure to the
/// measuring function it is given.
type Work<'a> = dyn Fn(usize, &mut dyn FnMut(&mut dyn FnMut())) + 'a;

/// The CPU time `work` takes on this thread, in microseconds.
fn cpu_us(work: &mut dyn FnMut()) -> u64 {
    let start = thread_cpu_us();
    work();
    thread_cpu_us().saturating_sub(start)
}

/// Runs `work(n)` eight times and `work(8 n)` once, `ROUNDS` times in turn,
/// and fails when the big piece cost more than `MAX_GROWTH` times the eight
/// small ones (each the least of its rounds). `work` builds its input
/// before it is measured and runs only the part under test in `measured`.
fn assert_linear(case: &str, n: usize, work: &Work<'_>) {
    let (mut small, mut big) = (u64::MAX, u64::MAX);
    for _ in 0..ROUNDS {
        let mut total = 0;
        work(n, &mut |measured| {
            for _ in 0..8 {
                total += cpu_us(measured);
            }
        });
        small = small.min(total);
        work(8 * n, &mut |measured| big = big.min(cpu_us(measured)));
    }
    let growth = big as f64 / small.max(1) as f64;
    eprintln!(
        "{case}: {big} µs for one of size {}, {small} µs for eight of size {n}: {growth:.2}",
        8 * n
    );
    assert!(
        growth < MAX_GROWTH,
        "{case}: one piece of size {} took {big} µs of CPU, eight of size {n} took {small} µs: \
         {growth:.1} times as much for the same amount of input",
        8 * n
    );
}

fn lesson_with_steps(steps: usize) -> String {
    let mut text = FRONT_MATTER.to_string();
    for step in 0..steps {
        text.push_str(&format!("## Step {step}\n\nWhat step {step} says.\n\n"));
    }
    text
}

fn lesson_with_bad_blocks(blocks: usize) -> String {
    let mut text = format!("{FRONT_MATTER}## The only step\n\n");
    for block in 0..blocks {
        text.push_str(&format!(
            "```demo\nname = \"no-such-demo-{block}\"\n```\n\n"
        ));
    }
    text
}

/// `steps` steps each holding an exercise, and one more step holding
/// `steps` exercises (one too many each but the first).
fn lesson_with_exercises(steps: usize) -> String {
    let exercise = |id: String| {
        format!(
            "```exercise\nid = \"{id}\"\ntask = \"Do it.\"\nstarter = \"pass\"\n\
             solution = \"print(1)\"\nhints = [\"One.\", \"Two.\"]\n[output]\n\
             each_once = ['1']\nexamples = [\"1\"]\n[behaviour]\nprocesses = {{ at_most = 0 }}\n\
             ```\n\n"
        )
    };
    let mut text = FRONT_MATTER.to_string();
    for step in 0..steps {
        text.push_str(&format!("## Step {step}\n\n"));
        text.push_str(&exercise(format!("e{step}")));
    }
    text.push_str("## Crowded\n\n");
    for step in 0..steps {
        text.push_str(&exercise(format!("more-{step}")));
    }
    text
}

/// A list nested `depth` deep on one line: `- - - … x`.
fn nested_list(depth: usize) -> String {
    format!("{}deep inside\n", "- ".repeat(depth))
}

fn lesson_of(title: &str, summary: &str, prose: &str) -> Lesson {
    Lesson {
        id: "big".to_string(),
        title: title.to_string(),
        summary: summary.to_string(),
        path: "big.md".to_string(),
        steps: vec![Step {
            title: "The only step".to_string(),
            line: 5,
            blocks: vec![Block::Prose(prose.to_string())],
        }],
    }
}

#[test]
fn loading_a_lesson_grows_linearly_with_its_steps() {
    assert_linear("steps", 2_000, &|steps, measure| {
        let text = lesson_with_steps(steps);
        measure(&mut || {
            let _ = black_box(parse_lesson("big.md", text.as_bytes()));
        });
    });
}

#[test]
fn loading_exercises_grows_linearly_with_their_number() {
    assert_linear("exercises", 100, &|steps, measure| {
        let text = lesson_with_exercises(steps);
        measure(&mut || {
            let problems = parse_lesson("big.md", text.as_bytes()).err();
            assert_eq!(problems.map(|found| found.count()), Some(steps - 1));
        });
    });
}

#[test]
fn reporting_bad_blocks_grows_linearly_with_their_number() {
    assert_linear("bad blocks", 1_000, &|blocks, measure| {
        let text = lesson_with_bad_blocks(blocks);
        measure(&mut || {
            let problems = parse_lesson("big.md", text.as_bytes()).err();
            black_box(problems);
        });
    });
}

#[test]
fn listing_long_titles_and_summaries_grows_linearly() {
    let options = RenderOptions::plain(100);
    assert_linear("list", 2_000, &|chars, measure| {
        let course = Course {
            title: "c".repeat(chars),
            format_version: 1,
            origin: CourseOrigin::BuiltIn,
            lessons: vec![lesson_of(&"t".repeat(chars), &"s".repeat(chars), "prose")],
        };
        measure(&mut || {
            black_box(render_course_list(&course, None, &options));
        });
    });
}

#[test]
fn checking_and_drawing_a_deep_list_grows_linearly_with_its_depth() {
    let options = RenderOptions::plain(100);
    assert_linear("checking a deep list", 5_000, &|depth, measure| {
        let text = format!("{FRONT_MATTER}## The only step\n\n{}", nested_list(depth));
        measure(&mut || {
            let _ = black_box(parse_lesson("big.md", text.as_bytes()));
        });
    });
    assert_linear("drawing a deep list", 5_000, &|depth, measure| {
        let lesson = lesson_of("Big", "", &nested_list(depth));
        measure(&mut || {
            black_box(render_step(&lesson, 0, &options));
        });
    });
}
