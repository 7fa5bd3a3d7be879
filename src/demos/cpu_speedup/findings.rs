//! What a finished `cpu-speedup` shows: the table, the findings in plain
//! sentences, and the same facts as data for `--json`.

use std::time::Duration;

use serde_json::json;

use super::{Measured, Run, Worker};
use crate::demos::report::DemoReport;
use crate::render::format_us;

/// CPU time per process below which starting and reaping it (about a
/// millisecond by fork, a few by spawn) is a large part of its cost, so a
/// poor speed-up or an uneven split says little about the cores.
const SMALL_WORK_US: u64 = 20_000;

/// Why a run's total is not the reference count, in words.
pub(super) fn what_went_wrong(run: &Run, expected: u64) -> String {
    let silent: Vec<String> = run
        .workers
        .iter()
        .filter(|worker| worker.primes.is_none())
        .map(|worker| {
            let status = worker
                .status
                .as_ref()
                .map_or("no exit status".to_string(), ToString::to_string);
            format!(
                "P{} (pid {}) printed no count ({status})",
                worker.index + 1,
                worker.pid
            )
        })
        .collect();
    if silent.is_empty() {
        let total: u64 = run.workers.iter().filter_map(|worker| worker.primes).sum();
        format!(
            "the workers' counts add up to {}, not {}",
            grouped(total),
            grouped(expected)
        )
    } else {
        silent.join("; ")
    }
}

pub(super) fn report(measured: &Measured) -> DemoReport {
    let mut report = DemoReport::new("cpu-speedup");
    let expected = measured.reference.map(|(primes, _)| primes);
    let baseline = measured.runs.first().map(|run| run.wall);
    let speedup = |run: &Run| baseline.map_or(1.0, |baseline| ratio(baseline, run.wall));
    let correct = |run: &Run| run.primes().is_some() && run.primes() == expected;
    let header = [
        "processes",
        "wall time",
        "speed-up",
        "efficiency",
        "CPU time",
        "primes",
    ];
    let rows: Vec<Vec<String>> = measured
        .runs
        .iter()
        .map(|run| {
            let primes = run.primes().map_or("missing".to_string(), grouped);
            vec![
                run.processes().to_string(),
                format_us(micros(run.wall)),
                format!("{:.2}×", speedup(run)),
                format!("{:.0}%", 100.0 * speedup(run) / run.processes() as f64),
                format_us(run.cpu_us()),
                format!("{primes} {}", if correct(run) { "✓" } else { "✗" }),
            ]
        })
        .collect();
    if !rows.is_empty() {
        report.table = Some((header.map(String::from).to_vec(), rows));
    }
    report.findings = findings(measured, expected.unwrap_or(0));
    report.data = json!({
        "limit": measured.limit,
        "cores": measured.cores,
        "start": measured.start,
        "primes": expected,
        "in_process_us": measured.reference.map(|(_, took)| micros(took)),
        "stopped_by_timeout_at": measured.stopped_at,
        "runs": measured.runs.iter().map(|run| json!({
            "workers": run.processes(),
            "wall_us": micros(run.wall),
            "speedup": speedup(run),
            "efficiency": speedup(run) / run.processes() as f64,
            "cpu_us": run.cpu_us(),
            "primes": run.primes(),
            "correct": correct(run),
            "worker_pids": run.workers.iter().map(|worker| worker.pid).collect::<Vec<_>>(),
            "worker_cpu_us": run.workers.iter().map(|worker| worker.cpu_us).collect::<Vec<_>>(),
            "worker_primes": run.workers.iter().map(|worker| worker.primes).collect::<Vec<_>>(),
            "worker_ranges": run.workers.iter().map(|worker| [worker.range.0, worker.range.1]).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    report
}

/// The findings, in plain sentences: correctness first, then speed.
fn findings(measured: &Measured, expected: u64) -> Vec<String> {
    let mut findings = Vec::new();
    let limit = grouped(measured.limit);
    let wrong: Vec<&Run> = measured
        .runs
        .iter()
        .filter(|run| run.primes() != Some(expected))
        .collect();
    if wrong.is_empty() && measured.runs.len() > 1 {
        findings.push(format!(
            "Every run counted the same **{} primes** below {limit} as mptutor's own loop, \
             however the range was split.",
            grouped(expected)
        ));
    } else if wrong.is_empty() && measured.runs.len() == 1 {
        findings.push(format!(
            "The worker process counted the same **{} primes** below {limit} as mptutor's own \
             loop.",
            grouped(expected)
        ));
    }
    for run in &wrong {
        findings.push(format!(
            "**Wrong count with {}:** {}. The times of that run mean nothing.",
            processes_word(run.processes()),
            what_went_wrong(run, expected)
        ));
    }
    if let Some(processes) = measured.stopped_at {
        let stopped = if processes == 0 {
            "mptutor's own count".to_string()
        } else {
            format!(
                "the run with {} and killed its {}",
                processes_word(processes),
                if processes == 1 { "worker" } else { "workers" }
            )
        };
        findings.push(format!(
            "**The timeout stopped {stopped}.** Type \
             `run timeout=120` (seconds) or choose a smaller `limit=` to finish every run."
        ));
    }
    let (Some(first), Some(last)) = (measured.runs.first(), measured.runs.last()) else {
        return findings;
    };
    findings.extend(speed_findings(measured, first, last));
    if let Some((_, took)) = measured.reference {
        let extra = first.wall.saturating_sub(took);
        let cost = if extra.as_secs_f64() <= 0.05 * took.as_secs_f64() {
            "next to this much work, starting and reaping a process is lost in the noise"
                .to_string()
        } else {
            format!(
                "the {} more is the cost of starting and reaping a process, plus any time it \
                 waited for a busy core; it matters when each process gets little work",
                format_us(micros(extra))
            )
        };
        findings.push(format!(
            "For reference, mptutor counted in its own loop, with no new process, in {}; one \
             worker process started by {} took {}: {cost}.",
            format_us(micros(took)),
            measured.start,
            format_us(micros(first.wall))
        ));
    }
    findings.push(
        "In Python, threads would not speed this count up: CPython's GIL lets one thread run \
         bytecode at a time, so two threads take about as long as one. Each process has its own \
         interpreter and its own GIL. These workers run compiled code, far faster than Python, \
         but the work splits across processes the same way. Lesson q2 measures threads against \
         processes."
            .to_string(),
    );
    findings
}

/// The speed-up, where it stops, CPU time and balance.
fn speed_findings(measured: &Measured, first: &Run, last: &Run) -> Vec<String> {
    let mut findings = Vec::new();
    let cores = measured.cores;
    let speedup = |run: &Run| ratio(first.wall, run.wall);
    let n = last.processes();
    if n == 1 {
        findings.push(
            "Only one process was tried; type `run workers=2` or more to split the count."
                .to_string(),
        );
        return findings;
    }
    let cores_word = if cores == 1 { "core" } else { "cores" };
    let against_ideal = if n <= cores {
        format!("{:.0}% of the ideal {n}×", 100.0 * speedup(last) / n as f64)
    } else {
        format!("where {cores} {cores_word} can give at most {cores}×")
    };
    findings.push(format!(
        "With {} the count took {} instead of {} with one: {:.2}× as fast, {against_ideal}.",
        processes_word(n),
        format_us(micros(last.wall)),
        format_us(micros(first.wall)),
        speedup(last),
    ));
    let fitting = measured
        .runs
        .iter()
        .rfind(|run| run.processes() <= cores && run.processes() > 1);
    // Far below the ideal on free cores means the cores were not free, or
    // the processes had too little work to pay for starting them.
    let slow = fitting.filter(|run| speedup(run) < 0.6 * run.processes() as f64);
    let busy = slow.filter(|run| run.max_worker_cpu_us() >= SMALL_WORK_US);
    if let Some(run) = slow.filter(|run| run.max_worker_cpu_us() < SMALL_WORK_US) {
        findings.push(format!(
            "With {} the speed-up was only {:.2}×: each process had just {} of counting to do, \
             not much more than it costs to start and reap one. Give each process more work \
             (a larger `limit=`) and splitting pays off.",
            processes_word(run.processes()),
            speedup(run),
            format_us(run.max_worker_cpu_us())
        ));
    }
    if let Some(run) = busy {
        findings.push(format!(
            "With {} on {cores} {cores_word} the speed-up was only {:.2}×: something else was \
             keeping the cores busy (look with `top`), so the workers took turns with it. Run \
             it again when the machine is quieter.",
            processes_word(run.processes()),
            speedup(run)
        ));
    }
    findings.push(match fitting {
        Some(fitting) if n > cores && busy.is_none() => format!(
            "This machine lets mptutor use {cores} {cores_word}, so at most {} can \
             compute at any moment. With {} the speed-up was {:.2}×; with {n} it was {:.2}×. \
             Past the cores, extra processes only take turns on the same cores, and each one \
             adds its start-up and switching.",
            processes_word(cores),
            processes_word(fitting.processes()),
            speedup(fitting),
            speedup(last)
        ),
        _ if n > cores => format!(
            "This machine lets mptutor use {cores} {cores_word}, so at most {} can \
             compute at any moment. Past the cores, extra processes only take turns on the same \
             cores, and each one adds its start-up and switching.",
            processes_word(cores)
        ),
        _ => format!(
            "This machine lets mptutor use {cores} {cores_word}, so up to {} can each \
             compute on a core of their own. Type `run workers={}` to go past the cores \
             and see the time stop improving.",
            processes_word(cores),
            (cores * 4).min(64)
        ),
    });
    let cpu: Vec<u64> = measured.runs.iter().map(Run::cpu_us).collect();
    let (low, high) = (
        cpu.iter().copied().min().unwrap_or(0),
        cpu.iter().copied().max().unwrap_or(0),
    );
    findings.push(if high as f64 <= 1.25 * low as f64 {
        format!(
            "The total CPU time stayed between {} and {} in every run: splitting does not make \
             the work smaller, it only lets the pieces run on several cores at the same time, \
             which is what cuts the wall time.",
            format_us(low),
            format_us(high)
        )
    } else {
        format!(
            "The total CPU time went from {} to {}: the counting is the same, but every process \
             also spends CPU time starting and exiting, and processes sharing cores (and their \
             caches) run a little slower.",
            format_us(cpu.first().copied().unwrap_or(0)),
            format_us(cpu.last().copied().unwrap_or(0))
        )
    });
    findings.push(balance(last));
    findings
}

/// Each worker's slice and CPU time in `run`, to show the split was fair.
fn balance(run: &Run) -> String {
    let cpu: Vec<u64> = run.workers.iter().map(|worker| worker.cpu_us).collect();
    let (low, high) = (
        cpu.iter().copied().min().unwrap_or(0),
        cpu.iter().copied().max().unwrap_or(0),
    );
    let slice = |worker: &Worker| {
        format!(
            "P{} (pid {}) tested {}–{}",
            worker.index + 1,
            worker.pid,
            grouped(worker.range.0),
            grouped(worker.range.1),
        )
    };
    let shown: Vec<String> = if run.workers.len() <= 4 {
        run.workers
            .iter()
            .map(|worker| format!("{} in {} of CPU", slice(worker), format_us(worker.cpu_us)))
            .collect()
    } else {
        let ends = [run.workers.first(), run.workers.last()];
        ends.into_iter().flatten().map(slice).collect()
    };
    let spread = 100.0 * (high - low) as f64 / high.max(1) as f64;
    let verdict = if spread <= 15.0 {
        "the work was shared evenly"
    } else if high < SMALL_WORK_US {
        "with this little work, starting each process is a large part of its CPU time"
    } else {
        "more uneven than the split intended"
    };
    format!(
        "In the run with {}, each process got a slice of the range, narrower for larger \
         numbers because they take longer to test: {}. Their CPU times ran from {} to {}, \
         within {spread:.0}% of each other: {verdict}.",
        processes_word(run.processes()),
        shown.join(if run.workers.len() <= 4 {
            "; "
        } else {
            " … "
        }),
        format_us(low),
        format_us(high),
    )
}

pub(super) fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// How many times faster `this` is than `baseline`.
pub(super) fn ratio(baseline: Duration, this: Duration) -> f64 {
    baseline.as_secs_f64() / this.as_secs_f64().max(1e-9)
}

pub(super) fn processes_word(count: usize) -> String {
    if count == 1 {
        "1 process".to_string()
    } else {
        format!("{count} processes")
    }
}

/// `2000000` as `2,000,000`.
pub(super) fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ExitStatus;

    fn worker(index: usize, primes: Option<u64>, status: ExitStatus) -> Worker {
        Worker {
            index,
            pid: 1000 + i32::try_from(index).unwrap_or(0),
            range: (0, 100),
            primes,
            status: Some(status),
            cpu_us: 5_000,
        }
    }

    #[test]
    fn a_worker_that_printed_no_count_makes_its_run_wrong_loudly() {
        let measured = Measured {
            limit: 100,
            cores: 2,
            start: "fork",
            reference: Some((25, Duration::from_millis(1))),
            runs: vec![
                Run {
                    workers: vec![worker(0, Some(25), ExitStatus::Code(0))],
                    wall: Duration::from_millis(2),
                },
                Run {
                    workers: vec![
                        worker(1, Some(15), ExitStatus::Code(0)),
                        worker(2, None, ExitStatus::Signal("SIGSEGV".into())),
                    ],
                    wall: Duration::from_millis(1),
                },
            ],
            stopped_at: None,
        };
        let report = report(&measured);
        let text = report.findings.join("\n");
        assert!(
            text.contains(
                "**Wrong count with 2 processes:** P3 (pid 1002) printed no count (SIGSEGV)"
            ),
            "{text}"
        );
        assert!(!text.contains("Every run counted"), "{text}");
        let (_, rows) = report.table.unwrap_or_default();
        assert_eq!(rows[0][5], "25 ✓");
        assert_eq!(rows[1][5], "missing ✗");
        assert_eq!(report.data["runs"][0]["correct"], true);
        assert_eq!(report.data["runs"][1]["correct"], false);
        assert_eq!(
            report.data["runs"][1]["worker_pids"],
            serde_json::json!([1001, 1002])
        );
    }

    #[test]
    fn large_numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(148_933), "148,933");
        assert_eq!(grouped(2_000_000), "2,000,000");
    }
}
