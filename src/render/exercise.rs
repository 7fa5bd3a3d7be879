//! An exercise's verdict as a student reads it: one line per check, ✓
//! (green), ✗ (red) or ? (yellow) hanging before its sentence, then what
//! it adds up to.

use super::RenderOptions;
use super::ansi::{finish, sanitize};
use super::markdown::{hang, wrap};
use super::style::Styles;
use crate::exercise::{ExerciseVerdict, Status};
use crate::findings::words;

/// Every check's line, wrapped under its mark, and a last line: "Passed.",
/// "Not yet: 2 checks to go." or "Could not be judged: …".
pub fn render_exercise_verdict(verdict: &ExerciseVerdict, opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let columns = opts.prose();
    let mut lines = Vec::new();
    for line in &verdict.lines {
        let mark = match line.status {
            Status::Pass => styles.ok(line.status.mark()),
            Status::Fail => styles.error(line.status.mark()),
            Status::CouldntTell => styles.unsure(line.status.mark()),
        };
        let text = sanitize(&line.text, " ").replace('\n', " ");
        lines.extend(hang(&mark, 2, wrap(&text, columns - 2)));
    }
    let failures = verdict.failures();
    let last = if verdict.passed() {
        styles.ok("Passed.")
    } else if failures > 0 {
        styles.error(&format!(
            "Not yet: {} to go.",
            words::count(failures as u64, "check", "checks")
        ))
    } else {
        let mut unjudged: Vec<String> = Vec::new();
        for line in verdict.unjudged() {
            let words = line.check.words().to_string();
            if !unjudged.contains(&words) {
                unjudged.push(words);
            }
        }
        styles.unsure(&format!(
            "Could not be judged: {} could not be told this time; every other check passed.",
            words::and_list(&unjudged)
        ))
    };
    lines.extend(wrap(&last, columns));
    finish(&lines.join("\n"), columns, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exercise::{CheckKind, CheckLine};
    use crate::findings::Unclear;

    fn line(check: CheckKind, status: Status, text: &str) -> CheckLine {
        CheckLine {
            check,
            status,
            text: text.into(),
            why: (status == Status::CouldntTell).then_some(Unclear::OneCore),
        }
    }

    /// A run of q6's starter: one line of each mark.
    fn starter_run() -> ExerciseVerdict {
        ExerciseVerdict {
            lines: vec![
                line(
                    CheckKind::Output,
                    Status::Fail,
                    "No line like `Process-1 prints 40` was printed.",
                ),
                line(
                    CheckKind::Processes,
                    Status::Pass,
                    "The program started 4 processes.",
                ),
                line(
                    CheckKind::AliveAtOnce,
                    Status::Fail,
                    "Only one process was alive at a time (the most at once: 1); the task asks \
                     for at least 4 at the same time — start them all before joining any.",
                ),
                line(
                    CheckKind::AllJoined,
                    Status::Fail,
                    "Process-2 (pid 123) stayed a zombie for 1.20s before its parent joined it \
                     (allowed: 200ms).",
                ),
                line(
                    CheckKind::Speed,
                    Status::CouldntTell,
                    "Couldn't tell whether it is at least 1.5× as fast as the serial version: \
                     this machine has one core, so no way of splitting the work can make it \
                     faster. Try it on a machine with two or more cores.",
                ),
            ],
        }
    }

    #[test]
    fn snapshots_at_80_and_160_columns_with_and_without_colour() {
        for width in [80, 160] {
            for color in [false, true] {
                let opts = RenderOptions {
                    width,
                    measure: crate::render::DEFAULT_MEASURE,
                    color,
                    show_notes: false,
                    theme: Default::default(),
                };
                let shown = render_exercise_verdict(&starter_run(), &opts);
                let name = format!("verdict_{width}{}", if color { "_colour" } else { "" });
                insta::assert_snapshot!(name, shown);
            }
        }
    }

    #[test]
    fn the_last_line_says_passed_to_go_or_not_judged() {
        let plain = RenderOptions::plain(80);
        let shown = render_exercise_verdict(&starter_run(), &plain);
        assert!(shown.ends_with("\nNot yet: 3 checks to go."), "{shown}");
        let passed = ExerciseVerdict {
            lines: vec![line(CheckKind::Processes, Status::Pass, "Started 4.")],
        };
        assert!(render_exercise_verdict(&passed, &plain).ends_with("\nPassed."));
        let unjudged = ExerciseVerdict {
            lines: vec![
                line(CheckKind::Processes, Status::Pass, "Started 4."),
                line(CheckKind::Speed, Status::CouldntTell, "One core."),
            ],
        };
        let shown = render_exercise_verdict(&unjudged, &plain);
        let words: Vec<&str> = shown.split_whitespace().collect();
        assert!(
            words.join(" ").ends_with(
                "? One core. Could not be judged: the speed could not be told this time; every \
                 other check passed."
            ),
            "{shown}"
        );
    }

    #[test]
    fn a_printed_control_character_cannot_reach_the_terminal() {
        let verdict = ExerciseVerdict {
            lines: vec![line(
                CheckKind::Output,
                Status::Fail,
                "The last line printed was `\u{1b}]52;c;x\u{7}`; the task asks for a line like `done` last.",
            )],
        };
        let shown = render_exercise_verdict(&verdict, &RenderOptions::plain(80));
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
            "{shown:?}"
        );
        assert!(shown.contains("`�]52;c;x�`"), "{shown}");
    }
}
