//! The words `compare` takes, and which experiments each one runs: the
//! experiments' own names and every row label of lesson q2's table.
//!
//! One table ([`NAMED`]) serves `compare <name>`, the `compare` demo's
//! `row` parameter, the REPL's completion and the renderer, which matches
//! each row of the lesson's table to its experiments by the row's label
//! ([`Aspect::of_label`]). A label names a claim, and its experiments are
//! the ones that test it: "GIL" the CPU experiment, "Best for" and
//! "Performance" the CPU and I/O ones, "Portability" the start methods
//! (what varies from one system to another), "Mechanism" the memory
//! experiment (which counts the pids). Words are matched ignoring case,
//! with spaces, hyphens and underscores alike: `best for`, `best-for` and
//! `BEST_FOR` are one name.

use super::Row;

/// A word `compare` takes and the experiments it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named {
    /// As `compare` and the demo's `row` parameter write it.
    pub word: &'static str,
    pub rows: &'static [Row],
}

const fn named(word: &'static str, rows: &'static [Row]) -> Named {
    Named { word, rows }
}

/// Every word, in the order completion offers them: all, the experiments,
/// then the lesson's labels that are not an experiment's name.
pub const NAMED: [Named; 15] = [
    named("all", &Row::ALL),
    named("memory", &[Row::Memory]),
    named("failure", &[Row::Failure]),
    named("overhead", &[Row::Overhead]),
    named("cpu", &[Row::Cpu]),
    named("io", &[Row::Io]),
    named("communication", &[Row::Communication]),
    named("synchronization", &[Row::Synchronization]),
    named("start_methods", &[Row::StartMethods]),
    named("mechanism", &[Row::Memory]),
    named("gil", &[Row::Cpu]),
    named("best_for", &[Row::Cpu, Row::Io]),
    named("failure_impact", &[Row::Failure]),
    named("portability", &[Row::StartMethods]),
    named("performance", &[Row::Cpu, Row::Io]),
];

/// The words alone, for the demo's `row` choice.
pub const WORDS: [&str; NAMED.len()] = words();

const fn words() -> [&'static str; NAMED.len()] {
    let mut words = [""; NAMED.len()];
    let mut at = 0;
    while at < NAMED.len() {
        words[at] = NAMED[at].word;
        at += 1;
    }
    words
}

/// `Best-for ` as `best_for`: lower case, spaces and hyphens as
/// underscores, never two in a row.
pub fn normalized(word: &str) -> String {
    let mut out = String::new();
    for c in word.trim().chars() {
        let c = match c {
            ' ' | '-' | '_' => '_',
            c => c.to_ascii_lowercase(),
        };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    out
}

/// The rows `compare <word>` runs: all of them for none (or `all`);
/// `None` for a word that names nothing.
pub fn rows_named(word: Option<&str>) -> Option<Vec<Row>> {
    let word = normalized(word.unwrap_or("all"));
    let word = if word.is_empty() { "all" } else { &word };
    NAMED
        .iter()
        .find(|named| named.word == word)
        .map(|named| named.rows.to_vec())
}

/// What a row of the lesson's table is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aspect {
    Mechanism,
    Memory,
    Gil,
    BestFor,
    Overhead,
    FailureImpact,
    Communication,
    Synchronization,
    StartMethods,
    Portability,
    Performance,
}

impl Aspect {
    pub const ALL: [Aspect; 11] = [
        Aspect::Mechanism,
        Aspect::Memory,
        Aspect::Gil,
        Aspect::BestFor,
        Aspect::Overhead,
        Aspect::FailureImpact,
        Aspect::Communication,
        Aspect::Synchronization,
        Aspect::StartMethods,
        Aspect::Portability,
        Aspect::Performance,
    ];

    /// Its name in [`NAMED`].
    pub fn word(self) -> &'static str {
        match self {
            Aspect::Mechanism => "mechanism",
            Aspect::Memory => "memory",
            Aspect::Gil => "gil",
            Aspect::BestFor => "best_for",
            Aspect::Overhead => "overhead",
            Aspect::FailureImpact => "failure_impact",
            Aspect::Communication => "communication",
            Aspect::Synchronization => "synchronization",
            Aspect::StartMethods => "start_methods",
            Aspect::Portability => "portability",
            Aspect::Performance => "performance",
        }
    }

    /// The part of a label that names it, so a teacher's rewording
    /// ("Failure", "Start method", "Synchronisation") still matches.
    fn stem(self) -> &'static str {
        match self {
            Aspect::FailureImpact => "failure",
            Aspect::Communication => "communicat",
            Aspect::Synchronization => "synchroni",
            Aspect::StartMethods => "start_method",
            Aspect::Portability => "portab",
            other => other.word(),
        }
    }

    /// The experiments that test it, from [`NAMED`].
    pub fn rows(self) -> &'static [Row] {
        NAMED
            .iter()
            .find(|named| named.word == self.word())
            .map_or(&[], |named| named.rows)
    }

    /// The aspect a label of the lesson's table names: its word, or else
    /// the first whose stem it contains.
    pub fn of_label(label: &str) -> Option<Aspect> {
        let label = normalized(label);
        Aspect::ALL
            .into_iter()
            .find(|aspect| aspect.word() == label)
            .or_else(|| {
                Aspect::ALL
                    .into_iter()
                    .find(|aspect| label.contains(aspect.stem()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_of_lesson_q2_is_a_word_compare_takes() {
        let lesson = include_str!("../../../lessons/q2.md");
        let labels: Vec<&str> = lesson
            .lines()
            .skip_while(|line| !line.starts_with("| Aspect"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| line.split('|').nth(1))
            .map(str::trim)
            .collect();
        assert_eq!(labels.len(), 11, "{labels:?}");
        for label in labels {
            let aspect = Aspect::of_label(label).unwrap_or_else(|| panic!("{label}"));
            assert_eq!(rows_named(Some(label)).as_deref(), Some(aspect.rows()));
            assert!(!aspect.rows().is_empty(), "{label} is tested by nothing");
        }
    }

    #[test]
    fn spaces_hyphens_and_underscores_are_alike() {
        let best_for = Some(vec![Row::Cpu, Row::Io]);
        for word in ["best for", "Best-For", "BEST_FOR", " best  for "] {
            assert_eq!(rows_named(Some(word)), best_for, "{word}");
        }
        assert_eq!(rows_named(Some("GIL")), Some(vec![Row::Cpu]));
        assert_eq!(
            rows_named(Some("synchronization")),
            Some(vec![Row::Synchronization])
        );
        assert_eq!(rows_named(Some("Failure impact")), Some(vec![Row::Failure]));
        assert_eq!(rows_named(None), Some(Row::ALL.to_vec()));
        assert_eq!(rows_named(Some("")), Some(Row::ALL.to_vec()));
        assert_eq!(rows_named(Some("speed")), None);
    }

    #[test]
    fn every_experiment_is_named_by_its_own_name() {
        for row in Row::ALL {
            assert_eq!(rows_named(Some(row.name())), Some(vec![row]));
        }
        let mut words = WORDS.to_vec();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), NAMED.len(), "a word is listed twice");
    }
}
