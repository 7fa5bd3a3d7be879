//! The findings of `cpu-speedup` on the results the lesson's issues were
//! found with, and (in `properties`) on generated results: no finding
//! states a speed-up, a count or a verdict its numbers contradict.

mod properties;

use super::result::{CpuSpeedupResult, OwnLoop, PrimeRun, PrimeWorker};
use super::{findings, worker_counts};
use crate::engine::{ExitStatus, Load, StartMethod};
use crate::findings::{Finding, Unclear, Verdict, words};

pub(super) const PRIMES: u64 = 1_000;

/// The machine during a window of `wall_us`: other programs used
/// `others` cores' worth, mptutor `own_us`; `None`: counters unreadable.
pub(super) fn load(wall_us: u64, own_us: u64, others: Option<f64>) -> Load {
    Load {
        wall_us,
        cores: 2,
        machine_busy_us: others.map(|others| own_us + (others * wall_us as f64) as u64),
        own_us,
    }
}

/// A correct run of `processes` workers sharing `cpu_us` evenly in
/// `wall_us`, while other programs used `others`.
pub(super) fn run(processes: usize, wall_us: u64, cpu_us: u64, others: Option<f64>) -> PrimeRun {
    let count = processes as u64;
    let workers = (0..count)
        .map(|slot| PrimeWorker {
            label: format!("P{}", slot + 1),
            pid: 1000 + i32::try_from(slot).unwrap_or(0),
            first: slot * 100,
            end: (slot + 1) * 100,
            primes: Some(PRIMES / count + u64::from(slot < PRIMES % count)),
            status: Some(ExitStatus::Code(0)),
            cpu_us: cpu_us / count,
        })
        .collect();
    PrimeRun {
        wall_us,
        workers,
        load: load(wall_us, cpu_us, others),
    }
}

pub(super) fn result(cores: usize, runs: Vec<PrimeRun>) -> CpuSpeedupResult {
    CpuSpeedupResult {
        limit: 2_000_000,
        cores,
        start: StartMethod::Fork,
        own_loop: Some(OwnLoop {
            primes: PRIMES,
            wall_us: 200_000,
            load: load(200_000, 200_000, Some(0.0)),
        }),
        runs,
        stopped_at: None,
    }
}

pub(super) fn text(found: &[Finding]) -> String {
    let texts: Vec<&str> = found.iter().map(|finding| finding.text.as_str()).collect();
    texts.join("\n")
}

pub(super) fn claimed<'f>(found: &'f [Finding], start: &str) -> Option<&'f Finding> {
    found.iter().find(|finding| {
        finding
            .claim
            .as_deref()
            .is_some_and(|c| c.starts_with(start))
    })
}

#[test]
fn eight_processes_beating_two_on_a_quiet_machine_is_said_plainly() {
    // The figures of the report: 2 processes 1.23×, 8 processes 1.39×.
    let quiet = result(
        2,
        vec![
            run(1, 246_000, 245_000, Some(0.05)),
            run(2, 200_000, 390_000, Some(0.05)),
            run(4, 190_000, 380_000, Some(0.05)),
            run(8, 177_000, 350_000, Some(0.05)),
        ],
    );
    let found = findings::report(&quiet).findings;
    let past = claimed(&found, "past the cores").expect("a past-the-cores claim");
    assert_eq!(past.verdict, Some(Verdict::Contradicted), "{}", past.text);
    assert!(past.text.contains("with 8, 1.4×"), "{}", past.text);
    assert!(past.text.contains("did not show"), "{}", past.text);
    assert!(past.text.contains("most likely noise"), "{}", past.text);
    assert!(!past.text.contains("only take turns"), "{}", past.text);
    // 1.23× with 2 processes clears the bar a run on 2 free cores must.
    let two = claimed(&found, "with 2 processes").expect("a claim for 2");
    assert_eq!(two.verdict, Some(Verdict::Holds), "{}", two.text);
}

#[test]
fn eight_processes_winning_cpu_from_other_programs_is_explained_by_the_scheduler() {
    // The 2-process run had the cores (1.6 of 2), but other programs were
    // at work: 8 processes took a bigger share from them.
    let shared = result(
        2,
        vec![
            run(1, 246_000, 240_000, Some(0.3)),
            run(2, 200_000, 320_000, Some(0.3)),
            run(8, 177_000, 330_000, Some(0.3)),
        ],
    );
    let found = findings::report(&shared).findings;
    let past = claimed(&found, "past the cores").expect("a past-the-cores claim");
    assert_eq!(past.verdict, Some(Verdict::Contradicted), "{}", past.text);
    assert!(
        past.text.contains("processes, not programs"),
        "{}",
        past.text
    );
    assert!(
        past.text.contains("other programs used 0.3 of a core"),
        "{}",
        past.text
    );
}

#[test]
fn a_busy_machine_makes_both_speed_claims_couldnt_tell_with_its_figures() {
    let busy = result(
        2,
        vec![
            run(1, 246_000, 245_000, Some(0.2)),
            run(2, 215_000, 260_000, Some(0.8)),
            run(8, 177_000, 330_000, Some(0.5)),
        ],
    );
    let found = findings::report(&busy).findings;
    let two = claimed(&found, "with 2 processes").expect("a claim for 2");
    assert!(
        matches!(
            two.verdict,
            Some(Verdict::CouldntTell(Unclear::MachineBusy { .. }))
        ),
        "{two:?}"
    );
    assert!(
        two.text.contains("other programs used 0.8 of a core"),
        "{}",
        two.text
    );
    let past = claimed(&found, "past the cores").expect("a past-the-cores claim");
    assert!(
        matches!(past.verdict, Some(Verdict::CouldntTell(_))),
        "{past:?}"
    );
    assert!(
        past.text.contains("itself short of the cores"),
        "{}",
        past.text
    );
}

#[test]
fn a_speed_up_above_the_cores_is_never_shown_without_a_word() {
    let disturbed = result(
        2,
        vec![
            run(1, 580_000, 250_000, Some(0.9)),
            run(2, 200_000, 390_000, Some(0.0)),
            run(4, 195_000, 390_000, Some(0.0)),
        ],
    );
    let report = findings::report(&disturbed);
    let two = claimed(&report.findings, "with 2 processes").expect("a claim for 2");
    assert!(
        matches!(
            two.verdict,
            Some(Verdict::CouldntTell(Unclear::BaselineDisturbed { .. }))
        ),
        "{two:?}"
    );
    assert!(two.text.contains("2.9×"), "{}", two.text);
    assert!(two.text.contains("too high to trust"), "{}", two.text);
    assert_eq!(report.tables[0].rows[1][2], "2.9× ?");
    let past = claimed(&report.findings, "past the cores").expect("past the cores");
    assert!(
        past.text
            .contains("4 processes' 3.0× is more than 2 cores can give"),
        "{}",
        past.text
    );
}

#[test]
fn a_worker_that_printed_no_count_makes_its_run_wrong_loudly() {
    let mut broken = run(2, 100_000, 200_000, Some(0.0));
    broken.workers[1].primes = None;
    broken.workers[1].status = Some(ExitStatus::Signal("SIGSEGV".into()));
    let wrong = result(2, vec![run(1, 200_000, 200_000, Some(0.0)), broken]);
    let report = findings::report(&wrong);
    let all = text(&report.findings);
    assert_eq!(report.findings[0].verdict, Some(Verdict::Contradicted));
    assert!(
        all.contains("with 2 processes, P2 (pid 1001) printed no count (SIGSEGV)"),
        "{all}"
    );
    assert!(!all.contains("counted the same"), "{all}");
    assert!(
        claimed(&report.findings, "with 2 processes").is_none(),
        "{all}"
    );
    assert_eq!(
        report.tables[0].rows[0][6],
        format!("{} ✓", words::grouped(PRIMES))
    );
    assert_eq!(report.tables[0].rows[1][6], "missing ✗");
}

#[test]
fn worker_counts_double_up_to_the_most_and_include_the_cores() {
    assert_eq!(worker_counts(0, 2), [1]);
    assert_eq!(worker_counts(1, 2), [1]);
    assert_eq!(worker_counts(2, 2), [1, 2]);
    assert_eq!(worker_counts(8, 2), [1, 2, 4, 8]);
    assert_eq!(worker_counts(8, 6), [1, 2, 4, 6, 8]);
    assert_eq!(worker_counts(6, 8), [1, 2, 4, 6]);
    assert_eq!(worker_counts(64, 4), [1, 2, 4, 8, 16, 32, 64]);
}

#[test]
fn the_result_round_trips_through_json() {
    let result = result(
        2,
        vec![
            run(1, 200_000, 200_000, None),
            run(2, 100_000, 200_000, Some(0.3)),
        ],
    );
    let json = serde_json::to_string(&result).unwrap_or_default();
    let back: CpuSpeedupResult = serde_json::from_str(&json).expect("parses back");
    assert_eq!(back, result);
}
