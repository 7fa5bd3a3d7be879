//! A demo's findings as a student reads them: each judged claim marked
//! ✓ (holds), ✗ (contradicted) or ? (couldn't tell), then its sentences.

use super::ansi::finish;
use super::markdown::{hang, render_markdown};
use super::style::Styles;
use super::{MIN_WIDTH, RenderOptions};
use crate::findings::{Finding, Verdict};

/// Every finding, a paragraph each, the mark hanging before the text, at
/// the reading measure however wide the terminal.
pub fn render_findings(findings: &[Finding], opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let columns = opts.columns();
    let measure = opts.prose();
    let paragraphs: Vec<String> = findings
        .iter()
        .filter(|finding| !finding.text.is_empty())
        .map(|finding| match &finding.verdict {
            None => render_markdown(&finding.text, opts),
            Some(verdict) => {
                let mark = match verdict {
                    Verdict::Holds => styles.ok("✓"),
                    Verdict::Contradicted => styles.error("✗"),
                    Verdict::CouldntTell(_) => styles.accent("?"),
                };
                if measure < MIN_WIDTH + 2 {
                    // No room to hang it: the mark starts the paragraph.
                    let text =
                        render_markdown(&format!("{} {}", verdict.mark(), finding.text), opts);
                    return text.replacen(verdict.mark(), &mark, 1);
                }
                let narrower = opts.within(measure - 2);
                let text = render_markdown(&finding.text, &narrower);
                let lines = text.lines().map(str::to_string).collect();
                hang(&mark, 2, lines).join("\n")
            }
        })
        .collect();
    finish(&paragraphs.join("\n\n"), columns, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Unclear;

    #[test]
    fn each_verdict_has_its_mark_and_the_text_stays_within_the_width() {
        let findings = [
            Finding::judged("a", Verdict::Holds, "It holds. ".repeat(12)),
            Finding::judged("b", Verdict::Contradicted, "It does not."),
            Finding::judged("c", Verdict::CouldntTell(Unclear::OneCore), "One core."),
            Finding::fact("Just a fact."),
        ];
        let shown = render_findings(&findings, &RenderOptions::plain(60));
        let lines: Vec<&str> = shown.lines().collect();
        assert!(lines[0].starts_with("✓ It holds."), "{shown}");
        assert!(lines[1].starts_with("  holds."), "{shown}");
        assert!(
            lines
                .iter()
                .all(|line| crate::render::ansi::width(line) <= 60),
            "{shown}"
        );
        let narrow = render_findings(&findings, &RenderOptions::plain(40));
        assert!(narrow.starts_with("✓ It holds."), "{narrow}");
        assert!(shown.contains("✗ It does not."), "{shown}");
        assert!(shown.contains("? One core."), "{shown}");
        assert!(shown.contains("\n\nJust a fact."), "{shown}");
        assert!(
            narrow
                .lines()
                .all(|line| crate::render::ansi::width(line) <= 40),
            "{narrow}"
        );
    }
}
