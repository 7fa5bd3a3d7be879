//! The synchronization row against generated counts: every sentence states
//! the counts of its result (expected N×M, got, lost), and a claim holds
//! exactly when the counts show it.

use proptest::prelude::*;

use super::*;
use crate::demos::compare::tests::{near, said};

/// Any result: counters mostly where the claims put them, sometimes
/// anywhere, a process failing now and then.
pub fn any_synchronization() -> impl Strategy<Value = SynchronizationResult> {
    (1usize..6, 1u64..20_000).prop_flat_map(|(workers, adds)| {
        let expected = adds * workers as u64;
        let lossy = prop_oneof![3 => 0..expected, 1 => Just(expected)];
        (
            lossy.clone(),
            near(expected),
            proptest::collection::vec(proptest::option::weighted(0.95, near(adds)), workers),
            near(0),
            prop_oneof![
                4 => (lossy, near(expected))
                    .prop_map(|(unlocked, locked)| SharedCounts::Counted { unlocked, locked }),
                1 => Just(SharedCounts::NotMeasured { why: "no shared memory could be mapped".into() }),
            ],
            prop_oneof![9 => Just(0usize), 1 => 1usize..3],
        )
            .prop_map(
                move |(threads_unlocked, threads_locked, own_copies, parent_copy, shared, failed)| {
                    SynchronizationResult {
                        workers,
                        adds,
                        switch_every: 100,
                        threads_unlocked,
                        threads_locked,
                        own_copies,
                        parent_copy,
                        shared,
                        failed_processes: failed,
                    }
                },
            )
    })
}

fn verdict(finding: &Finding) -> Verdict {
    finding.verdict.clone().unwrap_or(Verdict::Holds)
}

/// `expected 20,000, got 5,001: 14,999 updates lost`, as it must read.
fn tally(result: &SynchronizationResult, got: u64) -> String {
    let expected = result.expected();
    let lost = match expected.saturating_sub(got) {
        0 if got > expected => format!("{} too many", words::grouped(got - expected)),
        1 => "1 update lost".to_string(),
        lost => format!(
            "{} lost",
            if lost == 0 {
                "0".to_string()
            } else {
                format!("{} updates", words::grouped(lost))
            }
        ),
    };
    format!(
        "expected {}, got {}: {lost}",
        words::grouped(expected),
        words::grouped(got)
    )
}

proptest! {
    #[test]
    fn each_claim_holds_exactly_when_its_counts_show_it(result in any_synchronization()) {
        let found = result.findings();
        prop_assert_eq!(found.len(), 5);
        let expected = result.expected();
        // Threads without a lock: held when some update was lost, and the
        // sentence gives the counts.
        prop_assert_eq!(verdict(&found[0]).holds(), result.threads_unlocked < expected);
        prop_assert!(found[0].text.contains(&tally(&result, result.threads_unlocked)), "{}", found[0].text);
        // With a lock: held when none was.
        prop_assert_eq!(verdict(&found[1]).holds(), result.threads_locked == expected);
        prop_assert!(found[1].text.contains(&tally(&result, result.threads_locked)), "{}", found[1].text);
        // Own copies: each at M, mptutor's at 0, every process ran.
        let ran = result.failed_processes == 0;
        let copies = result.own_copies.iter().all(|copy| *copy == Some(result.adds)) && result.parent_copy == 0;
        prop_assert_eq!(verdict(&found[2]).holds(), ran && copies, "{}", found[2].text);
        if !ran {
            prop_assert!(matches!(verdict(&found[2]), Verdict::CouldntTell(_)));
        }
        match &result.shared {
            SharedCounts::Counted { unlocked, locked } => {
                prop_assert_eq!(verdict(&found[3]).holds(), ran && *unlocked < expected);
                prop_assert_eq!(verdict(&found[4]).holds(), ran && *locked == expected);
                if ran {
                    prop_assert!(found[3].text.contains(&tally(&result, *unlocked)), "{}", found[3].text);
                    prop_assert!(found[4].text.contains(&tally(&result, *locked)), "{}", found[4].text);
                }
            }
            SharedCounts::NotMeasured { why } => {
                prop_assert!(matches!(verdict(&found[3]), Verdict::CouldntTell(_)));
                prop_assert!(found[3].text.contains(why.as_str()), "{}", found[3].text);
            }
        }
        let text = said(&found);
        prop_assert!(!text.contains(" 1 updates") && !text.contains("updates lost: 0"), "{}", text);
    }
}

#[test]
fn the_counts_of_a_real_run_read_as_counts() {
    let result = crate::demos::compare::samples::synchronization();
    let found = result.findings();
    assert!(
        found[0]
            .text
            .contains("expected 20,000, got 5,001: 14,999 updates lost"),
        "{}",
        found[0].text
    );
    assert!(
        found[1]
            .text
            .contains("expected 20,000, got 20,000: 0 lost")
    );
    assert_eq!(
        result.cell().plain(),
        "copies 5,000 each; shared 14,997 lost, 0 with a lock vs 14,999 lost, 0 with a lock ✓"
    );
}

#[test]
fn losing_nothing_without_a_lock_is_said_plainly() {
    let mut result = crate::demos::compare::samples::synchronization();
    result.threads_unlocked = result.expected();
    let found = result.findings();
    assert_eq!(found[0].verdict, Some(Verdict::Contradicted));
    assert!(
        found[0].text.contains("this time none did"),
        "{}",
        found[0].text
    );
    assert!(result.cell().plain().ends_with('✗'));
}
