//! Every row's findings and cells against generated results: no sentence
//! and no cell states a count, a figure or a verdict its result
//! contradicts. The CPU and synchronization rows have tests of their own
//! beside them; their results are generated here too, for what every row
//! promises.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::engine::{ExitStatus, Load};

/// The figures a text shows: every word that starts with a digit
/// (`4,000`, `1.9×`, `109ms`, `3.11.7`), without the punctuation around it.
pub fn figures(text: &str) -> BTreeSet<String> {
    text.split(|c: char| c.is_whitespace() || "();:".contains(c))
        .map(|word| word.trim_end_matches([',', '.']))
        .filter(|word| word.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect()
}

pub fn said(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|finding| finding.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Mostly `expected`, sometimes anything up to twice it.
pub fn near(expected: u64) -> BoxedStrategy<u64> {
    prop_oneof![3 => Just(expected), 1 => 0..=expected.saturating_mul(2)].boxed()
}

fn any_status() -> impl Strategy<Value = Option<ExitStatus>> {
    prop_oneof![
        4 => Just(Some(ExitStatus::Code(0))),
        2 => Just(Some(ExitStatus::Signal("SIGSEGV".into()))),
        1 => Just(Some(ExitStatus::Code(1))),
        1 => Just(Some(ExitStatus::Signal("SIGKILL".into()))),
        1 => Just(None),
    ]
}

fn any_memory() -> impl Strategy<Value = MemoryResult> {
    (1usize..8, 1u64..3000).prop_flat_map(|(workers, adds)| {
        let n = workers as u64;
        (
            near(0),
            near(n * adds),
            near(n).prop_map(|x| x as usize),
            near(n).prop_map(|x| x as usize),
            near(1).prop_map(|x| x as usize),
        )
            .prop_map(
                move |(after_processes, after_threads, from_zero, process_pids, thread_pids)| {
                    MemoryResult {
                        workers,
                        adds,
                        parent_pid: 4242,
                        children_from_zero: from_zero,
                        after_processes,
                        after_threads,
                        process_pids,
                        thread_pids,
                    }
                },
            )
    })
}

fn any_failure() -> impl Strategy<Value = FailureResult> {
    (2usize..6).prop_flat_map(|workers| {
        (
            1..=workers,
            proptest::collection::vec(any_status(), workers - 1..=workers),
            near(0).prop_map(|x| x as usize),
            any_status(),
        )
            .prop_map(
                move |(crasher, processes, threads_finished, host)| FailureResult {
                    workers,
                    crasher,
                    processes,
                    threads_finished: threads_finished.min(workers),
                    host,
                },
            )
    })
}

fn any_overhead() -> impl Strategy<Value = OverheadResult> {
    (1usize..300, 0u64..400_000, 0u64..400_000).prop_map(|(workers, processes_us, threads_us)| {
        OverheadResult {
            workers,
            processes_us,
            threads_us,
        }
    })
}

fn any_io() -> impl Strategy<Value = IoResult> {
    (1usize..20, 1_000u64..200_000).prop_flat_map(|(tasks, wait_us)| {
        (
            near(tasks as u64 * wait_us),
            near(wait_us + 5_000),
            near(wait_us + 9_000),
        )
            .prop_map(move |(serial_us, threads_us, processes_us)| IoResult {
                tasks,
                wait_us,
                serial_us,
                threads_us,
                processes_us,
            })
    })
}

fn any_communication() -> impl Strategy<Value = CommunicationResult> {
    (
        (1_000u64..400_000, 1_000u64..400_000),
        proptest::bool::weighted(0.9),
        proptest::bool::weighted(0.9),
        proptest::option::of(0u64..1_000_000),
    )
        .prop_map(
            |((processes_us, threads_us), processes_intact, threads_intact, others_us)| {
                let wall_us = processes_us + threads_us;
                CommunicationResult {
                    bytes: 64 << 20,
                    chunks: 64,
                    processes_us,
                    threads_us,
                    processes_intact,
                    threads_intact,
                    load: Load {
                        wall_us,
                        cores: 2,
                        machine_busy_us: others_us.map(|others| wall_us + others),
                        own_us: wall_us,
                    },
                }
            },
        )
}

fn any_start_methods() -> impl Strategy<Value = StartMethodsResult> {
    let median = || proptest::option::weighted(0.9, 100u64..50_000);
    (median(), median(), proptest::option::of(100u64..50_000)).prop_map(|(fork, spawn, server)| {
        let cost = |method, median_us: Option<u64>| MethodCost {
            method,
            median_us,
            not_measured: median_us.is_none().then(|| "it was refused".to_string()),
        };
        StartMethodsResult {
            starts: 10,
            methods: vec![
                cost(StartMethod::Fork, fork),
                cost(StartMethod::Spawn, spawn),
                cost(StartMethod::ForkServer, server),
            ],
        }
    })
}

/// Any result of any row.
fn any_row() -> impl Strategy<Value = RowOutcome> {
    prop_oneof![
        any_memory().prop_map(RowOutcome::Memory),
        any_failure().prop_map(RowOutcome::Failure),
        any_overhead().prop_map(RowOutcome::Overhead),
        cpu::tests::any_cpu().prop_map(|cpu| RowOutcome::Cpu(Box::new(cpu))),
        any_io().prop_map(RowOutcome::Io),
        any_communication().prop_map(RowOutcome::Communication),
        synchronization::tests::any_synchronization().prop_map(RowOutcome::Synchronization),
        any_start_methods().prop_map(RowOutcome::StartMethods),
    ]
}

fn marks(text: &str) -> BTreeSet<char> {
    text.chars()
        .filter(|c| ['✓', '✗', '?'].contains(c))
        .collect()
}

proptest! {
    #[test]
    fn no_cell_or_sentence_says_what_its_result_contradicts(row in any_row()) {
        let findings = row.findings();
        let verdict = row.verdict();
        let text = said(&findings);
        let cell = row.cell();
        let shown = cell.plain();
        // The marks come from the verdicts alone, and the cell's cover
        // every claim of the row.
        for part in &cell.parts {
            prop_assert!(marks(&part.text).is_empty(), "{}", part.text);
        }
        prop_assert_eq!(cell.verdict(), Some(verdict.clone()), "{}", shown);
        let only_ticks = marks(&shown) == BTreeSet::from(['✓']);
        prop_assert_eq!(only_ticks, verdict.holds(), "{} for {:?}", shown, verdict);
        // The cell's figures are the sentences' figures, rounded the same.
        let in_sentences = figures(&text);
        for figure in figures(&shown) {
            prop_assert!(in_sentences.contains(&figure), "{} not in: {}", figure, text);
        }
        // A contradiction says what to try; a couldn't-tell says why.
        for finding in &findings {
            match &finding.verdict {
                Some(Verdict::Contradicted) => {
                    prop_assert!(finding.text.contains("`compare"), "{}", finding.text);
                }
                Some(Verdict::CouldntTell(why)) => {
                    prop_assert!(finding.text.contains(&why.words()), "{}", finding.text);
                }
                _ => {}
            }
            prop_assert!(!finding.text.contains(" 1 updates") && !finding.text.contains(" 1 processes"));
            prop_assert!(!finding.text.contains(" 1 threads") && !finding.text.contains(" 1 pids"));
        }
        // The lesson's rows about this experiment say the same.
        let machine = samples::comparison(2).machine;
        for aspect in Aspect::ALL.into_iter().filter(|aspect| aspect.rows().contains(&row.row())) {
            let cell = row.aspect_cell(aspect, &machine);
            for part in &cell.parts {
                prop_assert!(marks(&part.text).is_empty(), "{}", part.text);
            }
            for figure in figures(&cell.plain()) {
                prop_assert!(in_sentences.contains(&figure), "{} not in: {}", figure, text);
            }
            if verdict.holds() {
                prop_assert!(cell.verdict().is_none_or(|verdict| verdict.holds()), "{}", cell.plain());
            }
        }
    }

    #[test]
    fn memory_holds_exactly_when_the_counters_say_so(memory in any_memory()) {
        let copies = memory.after_processes == 0
            && memory.children_from_zero == memory.workers
            && memory.after_threads == memory.adds * memory.workers as u64;
        let found = memory.findings();
        prop_assert_eq!(found[0].verdict.as_ref().is_some_and(Verdict::holds), copies);
        if !copies {
            prop_assert!(!found[0].text.contains("was still 0 afterwards"), "{}", found[0].text);
        }
        let mechanism = memory.process_pids == memory.workers && memory.thread_pids == 1;
        prop_assert_eq!(found[1].verdict.as_ref().is_some_and(Verdict::holds), mechanism);
    }

    #[test]
    fn failure_holds_only_for_one_dead_process_and_all_threads_dead(failure in any_failure()) {
        let segfault = Some(ExitStatus::Signal("SIGSEGV".into()));
        let one = failure.processes.len() == failure.workers
            && (1..).zip(&failure.processes).all(|(slot, status)| {
                if slot == failure.crasher {
                    *status == segfault
                } else {
                    *status == Some(ExitStatus::Code(0))
                }
            });
        let all = failure.host == segfault && failure.threads_finished == 0;
        let found = failure.findings();
        prop_assert_eq!(found[0].verdict.as_ref().is_some_and(Verdict::holds), one, "{}", found[0].text);
        prop_assert_eq!(found[1].verdict.as_ref().is_some_and(Verdict::holds), all, "{}", found[1].text);
    }

    #[test]
    fn overhead_and_io_hold_by_their_figures(overhead in any_overhead(), io in any_io()) {
        prop_assert_eq!(
            RowOutcome::Overhead(overhead.clone()).verdict().holds(),
            overhead.processes_us > overhead.threads_us
        );
        let overlapped = io.threads_us < 2 * io.wait_us && io.processes_us < 2 * io.wait_us;
        let serial = io.serial_us as f64 >= 0.9 * io.tasks as f64 * io.wait_us as f64;
        prop_assert_eq!(RowOutcome::Io(io).verdict().holds(), overlapped && serial);
    }

    #[test]
    fn communication_is_judged_only_on_intact_data(result in any_communication()) {
        let verdict = RowOutcome::Communication(result.clone()).verdict();
        if !(result.processes_intact && result.threads_intact) {
            let unmeasured = matches!(verdict, Verdict::CouldntTell(Unclear::NotMeasured { .. }));
            prop_assert!(unmeasured, "{:?}", verdict);
        } else {
            let faster = result.processes_us as f64 / result.threads_us as f64;
            prop_assert_eq!(verdict.holds(), faster >= 1.1, "{}", faster);
            if verdict == Verdict::Contradicted {
                prop_assert!(result.load.others_cores().is_some_and(|others| others < 0.5));
            }
        }
    }

    #[test]
    fn an_unmeasured_start_method_is_never_a_failure(result in any_start_methods()) {
        let median = |method| result.methods.iter().find(|cost| cost.method == method).and_then(|cost| cost.median_us);
        let (fork, spawn, server) = (
            median(StartMethod::Fork),
            median(StartMethod::Spawn),
            median(StartMethod::ForkServer),
        );
        let verdict = RowOutcome::StartMethods(result.clone()).verdict();
        let contradicted = matches!((fork, spawn), (Some(fork), Some(spawn)) if spawn <= fork)
            || matches!((server, spawn), (Some(server), Some(spawn)) if spawn <= server);
        prop_assert_eq!(verdict == Verdict::Contradicted, contradicted, "{:?}", result);
        if server.is_none() {
            let text = said(&result.findings());
            prop_assert!(text.contains("forkserver was not measured: it was refused."), "{}", text);
        }
    }

    #[test]
    fn any_comparison_round_trips_through_json(rows in proptest::collection::vec(any_row(), 0..9)) {
        let comparison = Comparison { rows, ..samples::comparison(2) };
        let text = serde_json::to_string(&comparison).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let back: Comparison = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert_eq!(back, comparison);
    }
}

#[test]
fn the_sample_machine_agrees_with_every_claim() {
    for result in samples::comparison(2).rows {
        assert_eq!(
            result.verdict(),
            Verdict::Holds,
            "{}: {}",
            result.row().name(),
            said(&result.findings())
        );
    }
}

#[test]
fn each_row_is_tagged_with_its_name_in_json() {
    let comparison = samples::comparison(2);
    let value = serde_json::to_value(&comparison).unwrap_or_default();
    let names: Vec<&str> = value["rows"]
        .as_array()
        .map(|rows| rows.iter().filter_map(|row| row["row"].as_str()).collect())
        .unwrap_or_default();
    let expected: Vec<&str> = Row::ALL.iter().map(|row| row.name()).collect();
    assert_eq!(names, expected);
    assert_eq!(
        value["rows"][7]["methods"][2]["median_us"],
        serde_json::Value::Null
    );
}

#[test]
fn the_demo_takes_every_name_compare_takes() {
    let spec = crate::demos::find_demo("compare").and_then(|demo| demo.param("row"));
    let Some(spec) = spec else {
        panic!("the compare demo has a `row` parameter");
    };
    for named in names::NAMED {
        assert!(spec.parse_text(named.word).is_ok(), "{}", named.word);
    }
    for typed in ["best for", "Best-For", "failure impact", "GIL"] {
        assert!(spec.parse_text(typed).is_ok(), "{typed}");
    }
    assert!(spec.parse_text("speed").is_err());
}

#[test]
fn the_report_names_each_row_and_marks_its_cell() {
    let report = samples::comparison(2).report();
    let cells: Vec<&str> = report.tables[0]
        .rows
        .iter()
        .map(|row| row[2].as_str())
        .collect();
    assert_eq!(cells[0], "0 vs 4,000; 4 pids vs 1 pid ✓");
    assert!(
        report.findings[0].text.starts_with("**memory**: "),
        "{}",
        report.findings[0].text
    );
    let last = report
        .findings
        .last()
        .map(|f| f.text.clone())
        .unwrap_or_default();
    assert!(last.contains("`compare`"), "{last}");
}
