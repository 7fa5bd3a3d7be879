//! The three themes: a snapshot of each palette on one line, and the
//! promise every theme keeps on a lesson step and a demo: no faint text
//! and no bright black, which a projector washes out.

use super::test_events::sample_events;
use super::*;
use crate::findings::{Finding, Unclear, Verdict};

fn themed(theme: Theme) -> RenderOptions {
    RenderOptions {
        width: 100,
        color: true,
        show_notes: true,
        theme,
        measure: crate::render::DEFAULT_MEASURE,
    }
}

/// One of each kind of text, as a line: what a theme looks like.
fn sample_line(theme: Theme) -> String {
    let styles = Styles::themed(true, theme);
    let mut parts = vec![
        styles.heading("Heading"),
        styles.subheading("Sub"),
        styles.strong("strong"),
        styles.inline_code("join()"),
        styles.dim("secondary"),
        styles.accent("q3"),
        styles.command("run"),
        styles.link("link"),
        styles.ok("✓"),
        styles.error("✗"),
        styles.unsure("?"),
        styles.warning("zombie"),
        styles.prompt("mptutor>"),
        styles.suggestion("hint"),
    ];
    parts.extend((0..WORKER_COLOR_COUNT).map(|index| styles.worker(index, &format!("P{index}"))));
    parts.join(" ")
}

/// The SGR attributes `text` turns on, each as its number (or `38;5;N`,
/// `48;5;N` for a 256-colour one).
fn attributes(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for rest in text.split('\x1b').skip(1) {
        let Some(params) = rest.strip_prefix('[') else {
            continue;
        };
        let Some(end) = params.find('m') else {
            continue;
        };
        let mut numbers = params[..end].split(';');
        while let Some(number) = numbers.next() {
            match number {
                "38" | "48" => {
                    let kind = numbers.next().unwrap_or_default();
                    let value = numbers.next().unwrap_or_default();
                    found.push(format!("{number};{kind};{value}"));
                }
                other => found.push(other.to_string()),
            }
        }
    }
    found
}

/// Faint (2), bright black (90, 100) or the xterm greys darkest on a dark
/// background (8, 232–239) or lightest on a light one (7, 15, 250–255).
fn washed_out(attribute: &str, theme: Theme) -> bool {
    let grey = |value: &str| value.parse::<u8>().ok();
    match attribute {
        "2" | "90" | "100" => true,
        _ => match attribute.strip_prefix("38;5;").and_then(grey) {
            Some(index) => match theme {
                Theme::Dark | Theme::HighContrast => index == 8 || (232..=239).contains(&index),
                Theme::Light => matches!(index, 7 | 15 | 11 | 3) || index >= 250,
            },
            None => false,
        },
    }
}

/// A lesson step (notes, code, a table) and a demo's views and findings.
fn lesson_and_demo(opts: &RenderOptions) -> Vec<String> {
    let course = crate::course::load_builtin().expect("built-in course");
    let q6 = course.lesson(course.find_lesson("q6").expect("q6"));
    let events = sample_events();
    let findings = [
        Finding::judged("a", Verdict::Holds, "It holds."),
        Finding::judged("b", Verdict::Contradicted, "It does not."),
        Finding::judged("c", Verdict::CouldntTell(Unclear::OneCore), "One core."),
    ];
    let mut views: Vec<String> = (0..q6.steps.len())
        .map(|step| render_step(q6, step, opts))
        .collect();
    views.push(render_course_list(&course, None, opts));
    views.push(render_timeline(&events, opts));
    views.push(render_worker_summary(&events, opts));
    views.push(render_findings(&findings, opts));
    let mut labels = WorkerLabels::new();
    let mut live = LiveColumns::live_only(opts);
    views.push(live.header());
    for event in &events {
        labels.observe(event);
        let lines = render_event(event, &labels, live.right_width(), opts);
        views.push(live.push(&lines));
    }
    views
}

#[test]
fn each_theme_styles_a_line_its_own_way() {
    for theme in Theme::ALL {
        insta::assert_snapshot!(
            format!("theme_line_{}", theme.name()),
            format!("{:?}", sample_line(theme))
        );
    }
    assert_ne!(sample_line(Theme::Dark), sample_line(Theme::Light));
    assert_ne!(sample_line(Theme::Light), sample_line(Theme::HighContrast));
}

#[test]
fn no_theme_draws_faint_or_bright_black_text_on_a_lesson_or_a_demo() {
    for theme in Theme::ALL {
        let opts = themed(theme);
        let mut texts = lesson_and_demo(&opts);
        texts.push(sample_line(theme));
        for text in texts {
            assert!(!text.contains("\x1b[2m"), "{theme:?}: {text:?}");
            let bad: Vec<String> = attributes(&text)
                .into_iter()
                .filter(|attribute| washed_out(attribute, theme))
                .collect();
            assert!(bad.is_empty(), "{theme:?} draws {bad:?} in {text:?}");
        }
    }
}

#[test]
fn the_light_theme_has_no_yellow_or_white_text_and_high_contrast_is_bold() {
    let light = attributes(&lesson_and_demo(&themed(Theme::Light)).join("\n"));
    for attribute in &light {
        // 33/93 yellow, 37/97 white; a 256-colour text colour must be dark.
        assert!(
            !matches!(attribute.as_str(), "33" | "93" | "37" | "97"),
            "light theme uses {attribute}"
        );
    }
    for text in lesson_and_demo(&themed(Theme::HighContrast)) {
        for rest in text.split('\x1b').skip(1) {
            let Some(params) = rest.strip_prefix('[') else {
                continue;
            };
            let params = &params[..params.find('m').unwrap_or(params.len())];
            if params != "0" && !params.is_empty() {
                assert!(
                    params.split(';').any(|number| number == "1"),
                    "not bold: {params:?} in {text:?}"
                );
            }
        }
    }
}

#[test]
fn colour_off_looks_the_same_in_every_theme() {
    let plain = |theme| RenderOptions {
        color: false,
        ..themed(theme)
    };
    let dark = lesson_and_demo(&plain(Theme::Dark));
    for theme in [Theme::Light, Theme::HighContrast] {
        assert_eq!(lesson_and_demo(&plain(theme)), dark, "{theme:?}");
    }
}
