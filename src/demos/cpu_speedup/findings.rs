//! What a finished `cpu-speedup` shows: the table, whether every split
//! counted right, and the plain facts around the speed-ups (CPU time,
//! balance, what a process costs). The speed-ups themselves are judged in
//! `speed`.

use super::result::{CpuSpeedupResult, PrimeRun, PrimeWorker};
use super::speed;
use crate::findings::speed::{DISTURBED_BASELINE, SMALL_WORK_US};
use crate::findings::{Finding, Report, Table, Unclear, Verdict, format_us, words};

pub(super) fn report(result: &CpuSpeedupResult) -> Report {
    let mut findings = vec![counts(result)];
    if let Some(processes) = result.stopped_at {
        findings.push(timeout(processes));
    }
    findings.extend(speed::findings(result));
    if result.runs.iter().any(|run| run.processes() > 1) {
        findings.push(cpu_total(&result.runs));
    }
    if let Some(last) = result.runs.last().filter(|run| run.processes() > 1) {
        findings.push(balance(last));
    }
    if let Some(own) = own_loop(result) {
        findings.push(own);
    }
    // The free-threaded build is PEP 703 (experimental in 3.13, supported
    // in 3.14 by PEP 779); `sys._is_gil_enabled()` is in the `sys` docs
    // from 3.13.
    findings.push(Finding::fact(
        "In Python's standard (GIL) build, threads would not speed this count up: the GIL lets \
         one thread run bytecode at a time, so two threads take about as long as one. Each \
         process has its own interpreter and its own GIL. A free-threaded build (3.13t, 3.14t; \
         PEP 703) has no GIL, and there threads can count on several cores at once; \
         `sys._is_gil_enabled()` says which you run. These workers run compiled code, far \
         faster than Python, but the work splits across processes the same way. Lesson q2 \
         measures threads against processes.",
    ));
    Report {
        tables: table(result).into_iter().collect(),
        findings,
    }
}

/// One row per run: its times, its speed-up with the verdict on it, the
/// CPU its workers got and what other programs took, and its count.
fn table(result: &CpuSpeedupResult) -> Option<Table> {
    if result.runs.is_empty() {
        return None;
    }
    let header = [
        "processes",
        "wall time",
        "speed-up",
        "CPU time",
        "cores used",
        "others used",
        "primes",
    ];
    let rows = result
        .runs
        .iter()
        .map(|run| {
            let primes = run.primes().map_or("missing".to_string(), words::grouped);
            let mark = if result.correct(run) { "✓" } else { "✗" };
            vec![
                run.processes().to_string(),
                format_us(run.wall_us),
                speed::cell(result, run),
                format_us(run.cpu_us()),
                format!("{:.1}", run.cores_used()),
                run.load
                    .others_cores_measured()
                    .map_or("–".to_string(), |others| format!("{others:.1}")),
                format!("{primes} {mark}"),
            ]
        })
        .collect();
    Some(Table {
        header: header.map(String::from).to_vec(),
        rows,
    })
}

/// Why a run's total is not the reference count, in words.
pub(super) fn what_went_wrong(run: &PrimeRun, expected: u64) -> String {
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
                "{} (pid {}) printed no count ({status})",
                worker.label, worker.pid
            )
        })
        .collect();
    if silent.is_empty() {
        let total: u64 = run.workers.iter().filter_map(|worker| worker.primes).sum();
        format!(
            "the workers' counts add up to {}, not {}",
            words::grouped(total),
            words::grouped(expected)
        )
    } else {
        silent.join("; ")
    }
}

/// The claim every split must keep: the same count, however it is cut.
fn counts(result: &CpuSpeedupResult) -> Finding {
    const CLAIM: &str = "splitting the range does not change the count";
    let limit = words::grouped(result.limit);
    let Some(expected) = result.expected() else {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "the timeout stopped mptutor's own count".into(),
            }),
            "mptutor's own count did not finish, so there is nothing to compare the \
             processes' counts with.",
        );
    };
    let wrong: Vec<String> = result
        .runs
        .iter()
        .filter(|run| !result.correct(run))
        .map(|run| {
            format!(
                "with {}, {}",
                words::processes(run.processes()),
                what_went_wrong(run, expected)
            )
        })
        .collect();
    if !wrong.is_empty() {
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "**Wrong count:** {}. A worker that dies or is killed before it prints leaves \
                 its share uncounted; the times of such a run mean nothing. Run it again, and \
                 look at the workers' exits above.",
                wrong.join("; ")
            ),
        );
    }
    let text = match result.runs.len() {
        0 => {
            return Finding::judged(
                CLAIM,
                Verdict::CouldntTell(Unclear::NotMeasured {
                    why: "no worker process finished".into(),
                }),
                "No run of worker processes finished, so no split was counted.",
            );
        }
        1 => format!(
            "The worker process counted the same **{} primes** below {limit} as mptutor's own \
             loop.",
            words::grouped(expected)
        ),
        2 => format!(
            "Both runs counted the same **{} primes** below {limit} as mptutor's own loop, \
             however the range was split.",
            words::grouped(expected)
        ),
        runs => format!(
            "All {runs} runs counted the same **{} primes** below {limit} as mptutor's own \
             loop, however the range was split.",
            words::grouped(expected)
        ),
    };
    Finding::judged(CLAIM, Verdict::Holds, text)
}

fn timeout(processes: usize) -> Finding {
    let stopped = if processes == 0 {
        "mptutor's own count".to_string()
    } else {
        format!(
            "the run with {} and killed its {}",
            words::processes(processes),
            if processes == 1 { "worker" } else { "workers" }
        )
    };
    Finding::fact(format!(
        "**The timeout stopped {stopped}.** Type `run timeout=120` (seconds) or choose a \
         smaller `limit=` to finish every run."
    ))
}

/// The CPU time of every run: splitting does not shrink the work.
fn cpu_total(runs: &[PrimeRun]) -> Finding {
    let least = runs.iter().min_by_key(|run| run.cpu_us());
    let most = runs.iter().max_by_key(|run| run.cpu_us());
    let (Some(least), Some(most)) = (least, most) else {
        return Finding::fact("");
    };
    let (low, high) = (least.cpu_us(), most.cpu_us());
    let span = |run: &PrimeRun| {
        format!(
            "{} with {}",
            format_us(run.cpu_us()),
            words::processes(run.processes())
        )
    };
    Finding::fact(if high as f64 <= 1.25 * low as f64 {
        format!(
            "The total CPU time stayed between {} and {} in every run: splitting does not make \
             the work smaller. What it can cut is the wall time, by running the pieces on \
             several cores at once.",
            format_us(low),
            format_us(high)
        )
    } else if most.processes() > least.processes() {
        format!(
            "The total CPU time went from {} to {}: the counting is the same, but every process \
             also spends CPU time starting and exiting, and processes that share a core (or \
             two hyper-threads of one core) run slower.",
            span(least),
            span(most)
        )
    } else {
        format!(
            "The total CPU time ran from {} to {}, for the same counting: a CPU that changes \
             its clock, or shares a core between two hyper-threads, takes more or less CPU time \
             for the same work.",
            span(least),
            span(most)
        )
    })
}

/// Each worker's slice and CPU time in `run`, to show the split was fair.
fn balance(run: &PrimeRun) -> Finding {
    let cpu: Vec<u64> = run.workers.iter().map(|worker| worker.cpu_us).collect();
    let (low, high) = (
        cpu.iter().copied().min().unwrap_or(0),
        cpu.iter().copied().max().unwrap_or(0),
    );
    let slice = |worker: &PrimeWorker| {
        format!(
            "{} (pid {}) tested {}–{}",
            worker.label,
            worker.pid,
            words::grouped(worker.first),
            words::grouped(worker.end),
        )
    };
    let few = run.workers.len() <= 4;
    let shown: Vec<String> = if few {
        run.workers
            .iter()
            .map(|worker| format!("{} in {} of CPU", slice(worker), format_us(worker.cpu_us)))
            .collect()
    } else {
        [run.workers.first(), run.workers.last()]
            .into_iter()
            .flatten()
            .map(slice)
            .collect()
    };
    let spread = 100.0 * high.saturating_sub(low) as f64 / high.max(1) as f64;
    let verdict = if spread <= 15.0 {
        "the work was shared evenly"
    } else if high < SMALL_WORK_US {
        "with this little work, starting each process is a large part of its CPU time"
    } else {
        "more uneven than the split intended"
    };
    Finding::fact(format!(
        "In the run with {}, each process got a slice of the range, narrower for larger \
         numbers because they take longer to test: {}. Their CPU times ran from {} to {}, \
         within {spread:.0}% of each other: {verdict}.",
        words::processes(run.processes()),
        shown.join(if few { "; " } else { " … " }),
        format_us(low),
        format_us(high),
    ))
}

/// mptutor's own loop against one worker process: what a process costs.
fn own_loop(result: &CpuSpeedupResult) -> Option<Finding> {
    let own = result.own_loop.as_ref()?;
    let first = result.baseline()?;
    let extra = first.wall_us.saturating_sub(own.wall_us);
    let share = 100.0 * extra as f64 / first.wall_us.max(1) as f64;
    let cost = if own.load.own_cores() < DISTURBED_BASELINE {
        format!(
            "mptutor's own loop got only {} while it counted, so the difference says nothing \
             about what a process costs",
            words::cores_worth(own.load.own_cores())
        )
    } else if extra as f64 <= 0.05 * own.wall_us as f64 {
        "next to this much work, starting and reaping a process is lost in the noise".to_string()
    } else if first.cores_used() < DISTURBED_BASELINE {
        format!(
            "the {} more is mostly time it waited for a core (it got {} while it ran), so this \
             run cannot show what starting a process costs",
            format_us(extra),
            words::cores_worth(first.cores_used())
        )
    } else if share >= 20.0 {
        format!(
            "the {} more, {share:.0}% of the one-process run, is the cost of starting and \
             reaping a process: with this little work per process, start-up cost shows",
            format_us(extra)
        )
    } else {
        format!(
            "the {} more, {share:.0}% of the one-process run, is the cost of starting and \
             reaping a process; it grows as each process's work shrinks (try `run \
             limit=100000`)",
            format_us(extra)
        )
    };
    Some(Finding::fact(format!(
        "For reference, mptutor counted in its own loop, with no new process, in {}; one \
         worker process started by {} took {}: {cost}.",
        format_us(own.wall_us),
        result.start.name(),
        format_us(first.wall_us)
    )))
}
