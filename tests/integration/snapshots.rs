//! What a student sees: every lesson rendered by `show`, at 100 columns
//! without colour, kept as snapshots so any change to it is reviewed.

use mptutor::course::load_builtin;
use mptutor::render::{RenderOptions, render_lesson};

#[test]
fn every_lesson_renders_as_recorded() {
    let course = load_builtin().unwrap_or_else(|errors| panic!("{errors}"));
    let options = RenderOptions {
        width: 100,
        measure: mptutor::render::DEFAULT_MEASURE,
        color: false,
        show_notes: false,
        theme: Default::default(),
    };
    for lesson in &course.lessons {
        let text = render_lesson(lesson, &options);
        insta::assert_snapshot!(format!("show_{}", lesson.id), text);
    }
}
