//! Arbitrary bytes, and the built-in lessons mutated (bytes flipped, cut
//! short, `+++`, `[[step]]`, fences, NULs and broken UTF-8 put in), in
//! every kind of file a course holds: a lesson's front matter, a lesson's
//! body, `course.toml`. Whatever they hold, loading never panics, every
//! problem is `path:line:col: …` (a position inside the file) or
//! `path: …`, and a course that loads can be listed and shown.

use std::path::Path;

use mptutor::course::{Course, Diagnostic, load_dir};
use mptutor::render::{self, RenderOptions};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::support::{TempCourse, lesson, run_guarded};

const BUILT_IN_LESSONS: [&str; 9] = [
    include_str!("../../lessons/q1.md"),
    include_str!("../../lessons/q2.md"),
    include_str!("../../lessons/q3.md"),
    include_str!("../../lessons/q4.md"),
    include_str!("../../lessons/q5.md"),
    include_str!("../../lessons/q6.md"),
    include_str!("../../lessons/q7.md"),
    include_str!("../../lessons/q8.md"),
    include_str!("../../lessons/q9.md"),
];
const BUILT_IN_INDEX: &str = include_str!("../../lessons/course.toml");

/// Pieces of the format, and bytes that are not text, to put anywhere.
const INSERTS: &[&[u8]] = &[
    b"+++\n",
    b"\n+++\n",
    b"[[step]]\n",
    b"\n```\n",
    b"\n```python\n",
    b"\n```quiz\n",
    b"\n```demo\n",
    b"\n```check\n",
    b"\n```exercise\n",
    b"\n```note\n",
    b"\n```hint\n",
    b"\n## ",
    b"\0",
    b"\xff",
    b"\xe9",
    b"\xc3",
    b"\xf0\x9f\x98",
    b"\r",
    b"\t",
    b"[",
    b"\"",
    b" = ",
    b"\x1b[2J",
];

/// One change to a file's bytes; positions are taken modulo its length.
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    Truncate(Index),
    Insert(Index, &'static [u8]),
    Delete(Index, usize),
    Repeat(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), proptest::sample::select(INSERTS))
            .prop_map(|(at, what)| Mutation::Insert(at, what)),
        (any::<Index>(), 1..64usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<Index>(), 1..64usize).prop_map(|(at, len)| Mutation::Repeat(at, len)),
    ]
}

fn mutated(base: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = base.to_vec();
    for change in mutations {
        let len = bytes.len();
        let at = |index: &Index| index.index(len + 1);
        match change {
            Mutation::FlipBit(index, bit) if len > 0 => bytes[index.index(len)] ^= 1 << bit,
            Mutation::FlipBit(..) => {}
            Mutation::Truncate(index) => bytes.truncate(at(index)),
            Mutation::Insert(index, what) => {
                let at = at(index);
                bytes.splice(at..at, what.iter().copied());
            }
            Mutation::Delete(index, n) => {
                let at = at(index);
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Repeat(index, n) => {
                let at = at(index);
                let piece = bytes[at..(at + n).min(len)].to_vec();
                bytes.splice(at..at, piece);
            }
        }
    }
    bytes
}

/// A lesson or a course.toml: at most 4 KiB of any bytes, or of any text
/// (which gets past the UTF-8 check), or a built-in file changed in a few
/// places.
fn file_bytes(built_in: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4096),
        "(?s).{0,1024}".prop_map(String::into_bytes),
        (
            proptest::sample::select(built_in),
            proptest::collection::vec(mutation(), 1..8)
        )
            .prop_map(|(base, changes)| mutated(base.as_bytes(), &changes)),
    ]
}

const INDEXES: &[&str] = &[BUILT_IN_INDEX];

/// The bytes of a problem's file, when it is a file of the course.
fn file_of(course: &TempCourse, problem: &Diagnostic) -> Option<Vec<u8>> {
    let path = Path::new(&problem.path);
    if !path.starts_with(course.path()) {
        return None;
    }
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .and_then(|_| std::fs::read(path).ok())
}

/// The promises of the module docs, for the course in `course`.
fn holds_its_promises(course: &TempCourse) -> Result<(), TestCaseError> {
    let errors = match load_dir(course.path()) {
        Ok(loaded) => return renders(&loaded),
        Err(errors) => errors,
    };
    prop_assert!(!errors.diagnostics.is_empty());
    for problem in &errors.diagnostics {
        prop_assert!(
            Path::new(&problem.path).starts_with(course.path()),
            "a problem outside the course: {problem}"
        );
        let shown = problem.to_string();
        match problem.position {
            None => prop_assert!(shown.starts_with(&format!("{}: ", problem.path)), "{shown}"),
            Some((line, col)) => {
                prop_assert!(
                    shown.starts_with(&format!("{}:{line}:{col}: ", problem.path)),
                    "{shown}"
                );
                let bytes = file_of(course, problem);
                prop_assert!(bytes.is_some(), "a position in no file: {shown}");
                let bytes = bytes.unwrap_or_default();
                let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
                prop_assert!(
                    (1..=lines.len()).contains(&line),
                    "line {line} of {}: {shown}",
                    lines.len()
                );
                // Columns count characters, never more than the line's bytes.
                let width = lines[line - 1].len();
                prop_assert!(
                    (1..=width + 1).contains(&col),
                    "col {col} of {width}: {shown}"
                );
            }
        }
    }
    let _ = errors.to_string();
    Ok(())
}

/// A course that loads can be listed, and each lesson's steps shown.
fn renders(course: &Course) -> Result<(), TestCaseError> {
    for options in [
        RenderOptions::plain(80),
        RenderOptions {
            color: true,
            show_notes: true,
            width: 40,
            theme: Default::default(),
            measure: mptutor::render::DEFAULT_MEASURE,
        },
    ] {
        prop_assert!(!render::render_course_list(course, None, &options).is_empty());
        for lesson in &course.lessons {
            for step in 0..lesson.steps.len() {
                prop_assert!(!render::render_step(lesson, step, &options).is_empty());
            }
        }
    }
    Ok(())
}

/// A course whose `course.toml` lists `a.md` (holding `bytes`) and `b.md`
/// (a good lesson).
fn course_with_lesson(bytes: &[u8]) -> TempCourse {
    let course = TempCourse::new(&[("a.md", ""), ("b.md", &lesson("b"))]);
    std::fs::write(course.path().join("a.md"), bytes).expect("write a.md");
    course
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_lesson_file_loads_or_is_reported_in_place(bytes in file_bytes(&BUILT_IN_LESSONS)) {
        holds_its_promises(&course_with_lesson(&bytes))?;
    }

    #[test]
    fn any_front_matter_loads_or_is_reported_in_place(
        front in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..1024),
            proptest::collection::vec(mutation(), 1..8)
                .prop_map(|changes| mutated(b"id = \"a\"\ntitle = \"A\"\nsummary = \"S\"\n", &changes)),
        ]
    ) {
        let mut bytes = b"+++\n".to_vec();
        bytes.extend_from_slice(&front);
        bytes.extend_from_slice(b"\n+++\n\n## Step\n\nProse.\n");
        holds_its_promises(&course_with_lesson(&bytes))?;
    }

    #[test]
    fn any_course_toml_loads_or_is_reported_in_place(bytes in file_bytes(INDEXES)) {
        let names = [
            "q1.md", "q2.md", "q3.md", "q4.md", "q5.md", "q6.md", "q7.md", "q8.md", "q9.md",
        ];
        let files: Vec<(&str, &str)> = names.into_iter().zip(BUILT_IN_LESSONS).collect();
        let course = TempCourse::new(&files);
        std::fs::write(course.path().join("course.toml"), &bytes).expect("write course.toml");
        holds_its_promises(&course)?;
    }
}

/// A little deterministic generator, so the binary's test is the same
/// course every run.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % n.max(1) as u64).expect("small")
    }
}

#[test]
fn check_reports_a_fuzzed_course_problem_by_problem() {
    // q3 with a byte of every kind changed at a hundred places.
    let mut random = XorShift(0x5eed_c0de);
    let mut bytes = BUILT_IN_LESSONS[2].as_bytes().to_vec();
    for _ in 0..100 {
        let at = random.below(bytes.len() + 1);
        let piece = INSERTS[random.below(INSERTS.len())];
        bytes.splice(at..at, piece.iter().copied());
    }
    let course = course_with_lesson(&bytes);
    let problems = course.problems();
    assert!(!problems.is_empty(), "the fuzzed lesson still loaded");

    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let output = run_guarded(home.path(), &["check", "--no-run", &dir], "");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let shown = course.shown("a.md");
    let reported: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with(&shown))
        .collect();
    assert_eq!(reported.len(), problems.len(), "{stderr}");
    for (line, problem) in reported.iter().zip(&problems) {
        let (line_no, col) = problem.position.expect("a position in the lesson");
        assert!(
            line.starts_with(&format!("{shown}:{line_no}:{col}: ")),
            "{line}"
        );
    }
}
