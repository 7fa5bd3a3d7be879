//! What the demos' property tests read in findings.

use std::collections::BTreeSet;

use super::Finding;

/// Every finding's text, a line each.
pub fn text(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|finding| finding.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every ratio written in `text`, as it is written: `1.9×`, `12×`.
pub fn ratios(text: &str) -> BTreeSet<String> {
    let pattern = regex::Regex::new(r"\d+(\.\d)?×").expect("a pattern");
    pattern
        .find_iter(text)
        .map(|found| found.as_str().to_string())
        .collect()
}

/// The finding whose claim mentions `part`.
pub fn claimed<'f>(findings: &'f [Finding], part: &str) -> Option<&'f Finding> {
    findings
        .iter()
        .find(|finding| finding.claim.as_deref().is_some_and(|c| c.contains(part)))
}
