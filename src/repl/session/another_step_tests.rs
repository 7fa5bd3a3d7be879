//! `run`, `code` and `python` on a step without a demo or example of its
//! own say whose they use, or that the lesson has none (`try` too).

use super::Session;
use crate::course::Block;
use crate::render::RenderOptions;

fn session() -> Session {
    let course = crate::course::load_builtin().expect("built-in course");
    Session::new(course, RenderOptions::plain(100))
}

#[test]
fn run_on_a_step_without_a_demo_names_the_step_whose_demo_runs() {
    let mut session = session();
    session.handle("open q1");
    let reply = session.handle("run");
    assert!(reply.demo.is_some(), "the lesson's demo still runs");
    assert!(
        reply
            .text
            .contains("Step 1 has no demo; `run` runs step 4's, \"Watch it on your machine\"."),
        "{}",
        reply.text
    );
}

#[test]
fn run_on_a_step_with_its_own_demo_says_nothing_more() {
    let mut session = session();
    session.handle("goto q1 4");
    let reply = session.handle("run");
    assert!(reply.demo.is_some());
    assert!(reply.text.is_empty(), "{}", reply.text);
}

#[test]
fn code_and_python_name_the_step_whose_example_they_use() {
    let mut session = session();
    session.handle("open q1");
    let code = session.handle("code").text;
    assert!(
        code.contains(
            "Step 1 has no Python example; `code` shows step 3's, \"The multiprocessing module\"."
        ),
        "{code}"
    );
    let python = session.handle("python");
    assert!(python.python.is_some());
    assert!(
        python
            .text
            .contains("Step 1 has no Python example; `python` runs step 3's"),
        "{}",
        python.text
    );
    session.handle("goto q1 3");
    assert!(
        !session
            .handle("code")
            .text
            .contains("has no Python example")
    );
}

#[test]
fn a_lesson_without_a_demo_or_example_says_so() {
    let mut course = crate::course::load_builtin().expect("built-in course");
    for step in &mut course.lessons[0].steps {
        step.blocks
            .retain(|block| !matches!(block, Block::Demo(_) | Block::Python(_)));
    }
    let mut session = Session::new(course, RenderOptions::plain(100));
    session.handle("open q1");
    for (command, said) in [
        ("run", "q1 has no demo."),
        ("code", "q1 has no Python example."),
        ("python", "q1 has no Python example."),
        ("try", "q1 has no Python example."),
    ] {
        let reply = session.handle(command);
        assert!(reply.is_error, "{command}");
        assert!(reply.text.contains(said), "{command}: {}", reply.text);
    }
}
