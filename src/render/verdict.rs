//! A demo's result in a line or two, printed right after its live output
//! so it is still in view on a small screen: how many of the lesson's
//! claims held, and the first that did not.

use super::RenderOptions;
use super::ansi::finish;
use super::markdown::{inline_markdown, wrap};
use super::style::Styles;
use crate::findings::{Finding, Verdict};

/// `Verdict: ✓ 2 claims hold · ? 1 couldn't tell`, then the first claim
/// that did not hold, with its mark. Empty when no finding judged a claim.
pub fn render_verdict(findings: &[Finding], opts: &RenderOptions) -> String {
    let styles = Styles::new(opts);
    let verdicts: Vec<(&Verdict, Option<&str>)> = findings
        .iter()
        .filter_map(|finding| {
            finding
                .verdict
                .as_ref()
                .map(|verdict| (verdict, finding.claim.as_deref()))
        })
        .collect();
    if verdicts.is_empty() {
        return String::new();
    }
    let count = |wanted: fn(&Verdict) -> bool| verdicts.iter().filter(|(v, _)| wanted(v)).count();
    let holds = count(|v| matches!(v, Verdict::Holds));
    let contradicted = count(|v| matches!(v, Verdict::Contradicted));
    let unclear = count(|v| matches!(v, Verdict::CouldntTell(_)));
    let mut parts = Vec::new();
    if holds > 0 {
        let claims = match (holds, contradicted + unclear) {
            (1, 0) => "the claim holds".to_string(),
            (n, 0) if n == verdicts.len() && n > 1 => format!("all {n} claims hold"),
            (1, _) => "1 claim holds".to_string(),
            (n, _) => format!("{n} claims hold"),
        };
        parts.push(format!("{} {claims}", styles.ok("✓")));
    }
    if contradicted > 0 {
        parts.push(format!("{} {contradicted} contradicted", styles.error("✗")));
    }
    if unclear > 0 {
        parts.push(format!("{} {unclear} couldn't tell", styles.accent("?")));
    }
    let mut text = format!(
        "{} {}",
        styles.strong("Verdict:"),
        parts.join(styles.dim(" · ").as_str())
    );
    // The first claim that did not hold, a contradiction before a doubt.
    let first = verdicts
        .iter()
        .find(|(v, _)| matches!(v, Verdict::Contradicted))
        .or_else(|| {
            verdicts
                .iter()
                .find(|(v, _)| matches!(v, Verdict::CouldntTell(_)))
        });
    if let Some((verdict, Some(claim))) = first {
        let (mark, said) = match verdict {
            Verdict::Contradicted => (styles.error("✗"), "contradicted"),
            _ => (styles.accent("?"), "couldn't tell"),
        };
        text.push_str(&format!(
            "\n{mark} {said}: {}",
            inline_markdown(claim, &styles)
        ));
    }
    let measure = opts.prose();
    let lines: Vec<String> = text
        .split('\n')
        .flat_map(|line| wrap(line, measure))
        .collect();
    finish(&lines.join("\n"), measure, opts.color)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Unclear;

    #[test]
    fn the_verdict_counts_the_claims_and_names_the_first_that_did_not_hold() {
        let findings = [
            Finding::judged("each number once", Verdict::Holds, "Each once."),
            Finding::judged(
                "the order can change",
                Verdict::CouldntTell(Unclear::TooFewRuns { runs: 1, wanted: 5 }),
                "One run.",
            ),
            Finding::fact("A fact."),
        ];
        let shown = render_verdict(&findings, &RenderOptions::plain(80));
        assert_eq!(
            shown,
            "Verdict: ✓ 1 claim holds · ? 1 couldn't tell\n? couldn't tell: the order can change"
        );
    }

    #[test]
    fn a_verdict_where_every_claim_holds_is_one_line() {
        let findings = [
            Finding::judged("a", Verdict::Holds, "A."),
            Finding::judged("b", Verdict::Holds, "B."),
        ];
        let shown = render_verdict(&findings, &RenderOptions::plain(80));
        assert_eq!(shown, "Verdict: ✓ all 2 claims hold");
    }

    #[test]
    fn a_contradiction_is_named_before_a_doubt() {
        let findings = [
            Finding::judged("x", Verdict::CouldntTell(Unclear::OneCore), "?"),
            Finding::judged("faster with more cores", Verdict::Contradicted, "No."),
        ];
        let shown = render_verdict(&findings, &RenderOptions::plain(80));
        assert!(
            shown.ends_with("\n✗ contradicted: faster with more cores"),
            "{shown}"
        );
        assert!(shown.starts_with("Verdict: ✗ 1 contradicted · ? 1 couldn't tell"));
    }

    #[test]
    fn findings_without_a_judged_claim_give_no_verdict() {
        let shown = render_verdict(&[Finding::fact("Only a fact.")], &RenderOptions::plain(80));
        assert_eq!(shown, "");
    }
}
