//! What a row shows in a table cell: its figures in a few words, each
//! part with the verdict of the claims it sums up.
//!
//! A cell is made by the same result, and from the same formatted figures
//! (`findings::words`), as the sentences under the table, so the two never
//! round a figure two ways; its mark comes from the verdict alone, so a
//! cell can never show ✓ beside a claim its numbers did not settle. A part
//! whose claim couldn't be told says why in a word or two first
//! ("machine busy: 1.1× vs 1.0×"), and the sentence below gives the
//! figures that showed it.

use serde::{Deserialize, Serialize};

use crate::findings::{Unclear, Verdict};

/// A cell: one part or several (`CPU …; I/O …`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Cell {
    pub parts: Vec<CellPart>,
}

/// Figures and the verdict of what they show; `None` for a plain fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellPart {
    pub text: String,
    pub verdict: Option<Verdict>,
}

impl Cell {
    /// One part judged by `verdict`; when it couldn't tell, the reason
    /// comes first.
    pub fn judged(figures: impl Into<String>, verdict: Verdict) -> Cell {
        Cell {
            parts: vec![CellPart::judged(figures, verdict)],
        }
    }

    /// One part stating a fact, with no mark.
    pub fn fact(text: impl Into<String>) -> Cell {
        Cell {
            parts: vec![CellPart {
                text: text.into(),
                verdict: None,
            }],
        }
    }

    /// Every part of `cells`, in order.
    pub fn join(cells: impl IntoIterator<Item = Cell>) -> Cell {
        Cell {
            parts: cells.into_iter().flat_map(|cell| cell.parts).collect(),
        }
    }

    /// The verdict of every judged part together.
    pub fn verdict(&self) -> Option<Verdict> {
        let verdicts: Vec<Verdict> = self
            .parts
            .iter()
            .filter_map(|part| part.verdict.clone())
            .collect();
        (!verdicts.is_empty()).then(|| Verdict::all(verdicts))
    }

    /// The cell as text, with each mark drawn by `mark`: when every judged
    /// part has the same verdict, one mark after the last of them; else
    /// one after each.
    pub fn render(&self, mark: impl Fn(&Verdict) -> String) -> String {
        let judged: Vec<&Verdict> = self
            .parts
            .iter()
            .filter_map(|part| part.verdict.as_ref())
            .collect();
        let same = judged
            .windows(2)
            .all(|pair| pair[0].mark() == pair[1].mark());
        let last_judged = self.parts.iter().rposition(|part| part.verdict.is_some());
        self.parts
            .iter()
            .enumerate()
            .map(|(at, part)| match &part.verdict {
                Some(verdict) if !same || Some(at) == last_judged => {
                    format!("{} {}", part.text, mark(verdict))
                }
                _ => part.text.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The cell with `✓`, `✗` and `?` as plain characters.
    pub fn plain(&self) -> String {
        self.render(|verdict| verdict.mark().to_string())
    }
}

impl CellPart {
    pub fn judged(figures: impl Into<String>, verdict: Verdict) -> CellPart {
        let figures = figures.into();
        let text = match &verdict {
            Verdict::CouldntTell(why) => format!("{}: {figures}", reason(why)),
            _ => figures,
        };
        CellPart {
            text,
            verdict: Some(verdict),
        }
    }
}

/// Why a claim couldn't be told, in the fewest words a cell can hold; the
/// finding under the table says it with the figures.
pub fn reason(why: &Unclear) -> &'static str {
    match why {
        Unclear::MachineBusy { .. } | Unclear::OthersBusy { .. } => "machine busy",
        Unclear::BaselineDisturbed { .. } => "baseline disturbed",
        Unclear::TooLittleWork { .. } => "too little work",
        Unclear::TooFewRuns { .. } => "too few runs",
        Unclear::OneCore => "one core",
        Unclear::CoresSlowerTogether { .. } => "cores slower together",
        Unclear::NotMeasured { .. } => "not measured",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_mark_when_the_parts_agree_and_one_each_when_they_do_not() {
        let cpu = Cell::judged("CPU 1.9× vs 1.0×", Verdict::Holds);
        let io = Cell::judged("I/O 109ms vs 102ms", Verdict::Holds);
        assert_eq!(
            Cell::join([cpu.clone(), io.clone()]).plain(),
            "CPU 1.9× vs 1.0×; I/O 109ms vs 102ms ✓"
        );
        let busy = Cell::judged(
            "CPU 1.1× vs 1.0×",
            Verdict::CouldntTell(Unclear::MachineBusy {
                got: Some(1.1),
                needed: 2.0,
                others: Some(0.9),
            }),
        );
        assert_eq!(
            Cell::join([busy, io]).plain(),
            "machine busy: CPU 1.1× vs 1.0× ?; I/O 109ms vs 102ms ✓"
        );
        let fact = Cell::fact("no python3 here");
        assert_eq!(
            Cell::join([cpu, fact]).plain(),
            "CPU 1.9× vs 1.0× ✓; no python3 here"
        );
    }
}
