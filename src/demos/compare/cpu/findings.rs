//! The CPU row's sentences, each chosen by its claim's verdict and made
//! from the same formatted figures as the table cell.

use super::{CpuResult, PythonOutcome, Split};
use crate::demos::compare::capitalized;
use crate::demos::compare::python::PythonRun;
use crate::findings::speed::{ABOVE_IDEAL, SpeedRun};
use crate::findings::{Finding, Unclear, Verdict, format_us, words};

pub const PROCESSES: &str = "CPU work speeds up on processes";
pub const GIL: &str = "threads under a GIL do not speed up";
pub const NATIVE: &str = "threads without a GIL speed up like processes";
pub const COUNTS: &str = "every split counts the same primes";
pub const PYTHON_PROCESSES: &str = "Python's processes speed CPU work up";
pub const PYTHON_THREADS_GIL: &str = "Python's threads take turns on the GIL";
pub const PYTHON_THREADS_FREE: &str = "Python's threads, without the GIL, speed up";
/// Said only when both of Python's claims hold.
pub const LIKE_THE_SIMULATION: &str = "like the simulation";

pub(super) fn findings(result: &CpuResult) -> Vec<Finding> {
    let workers = result.workers;
    let mut findings = vec![
        processes(result, workers),
        gil(result, workers),
        native(result, workers),
        counts(result),
    ];
    match &result.python {
        PythonOutcome::Measured(run) => findings.extend(python(result, run)),
        PythonOutcome::Missing { why } => findings.push(Finding::fact(format!(
            "Real Python could not be measured ({why}): only the simulated GIL is shown."
        ))),
    }
    findings
}

/// `took 1.2s on one and 630ms on 2 processes: 1.9× as fast`.
fn timings(split: &Split, many: &str) -> String {
    format!(
        "took {} on one and {} on {many}: {} as fast",
        format_us(split.one.wall_us),
        format_us(split.many.wall_us),
        words::times(split.speedup())
    )
}

/// What the judge's figures were, for a sentence that says why a claim
/// failed: the CPU the workers got and what other programs used.
fn cores_had(run: &SpeedRun) -> String {
    let got = run
        .parallel_cores
        .map(|got| format!("they used {} at once", words::cores_worth(got)));
    let others = run.others_cores.map(|others| {
        if others < 0.05 {
            "other programs next to nothing".to_string()
        } else {
            format!("other programs {}", words::cores_worth(others))
        }
    });
    let parts: Vec<String> = [got, others].into_iter().flatten().collect();
    words::and_list(&parts)
}

/// A speed-up a little above the cores, which the judge lets hold as
/// timing noise, is said to be one.
fn above_cores(run: &SpeedRun) -> String {
    // Only when the figure printed is above the cores: 2.04× reads 2.0×.
    let shown_above = (run.speedup * 10.0).round() > run.cores as f64 * 10.0;
    if shown_above && run.speedup <= run.ideal() * ABOVE_IDEAL {
        format!(
            " ({} is a little more than {} can give: the one-worker run was a little slow, \
             within timing noise.)",
            words::times(run.speedup),
            words::cores(run.cores)
        )
    } else {
        String::new()
    }
}

/// The sentence for a claim that couldn't be told.
fn unclear(base: &str, why: &Unclear, what: &str) -> String {
    format!(
        "{base}, but {}, so this run cannot show {what}. {} (`compare cpu`).",
        why.words(),
        capitalized(why.what_to_try())
    )
}

fn processes(result: &CpuResult, workers: usize) -> Finding {
    let run = result.processes_run();
    let many = words::processes(workers);
    let base = format!("Counting the primes {}", timings(&result.processes, &many));
    let verdict = result.processes_verdict();
    let text = match &verdict {
        Verdict::Holds => format!(
            "{base}: {}, each process on a core of its own.{}",
            cores_had(&run),
            above_cores(&run)
        ),
        Verdict::Contradicted => format!(
            "{base}, where about {} was possible, though {}: processes should have sped the \
             count up. A CPU that slows down as it heats, or a split that left one worker most \
             of the work, does this; type `compare cpu` to measure again.",
            words::times(run.ideal()),
            cores_had(&run)
        ),
        Verdict::CouldntTell(why) => unclear(&base, why, "whether processes speed CPU work up"),
    };
    Finding::judged(PROCESSES, verdict, text)
}

fn gil(result: &CpuResult, workers: usize) -> Finding {
    let run = result.gil_run();
    let many = words::threads(workers);
    let base = format!(
        "Under the simulated GIL, one lock a thread must hold to compute, the count {}",
        timings(&result.gil_threads, &many)
    );
    let verdict = result.gil_verdict();
    let text = match &verdict {
        Verdict::Holds => format!(
            "{base}: only the thread holding the lock computes, so they take turns (the {many} \
             used {} at once), as threads do in CPython's standard (GIL) build.",
            words::cores_worth(result.gil_threads.many.cores())
        ),
        Verdict::Contradicted => format!(
            "{base}, with a one-thread run that had {} to itself: the lock should have kept \
             them to one core at a time. Type `compare cpu` to measure again.",
            words::cores_worth(run.baseline_cores.unwrap_or(0.0))
        ),
        Verdict::CouldntTell(why) => {
            unclear(&base, why, "whether the GIL keeps threads from speeding up")
        }
    };
    Finding::judged(GIL, verdict, text)
}

fn native(result: &CpuResult, workers: usize) -> Finding {
    let run = result.threads_run();
    let many = words::threads(workers);
    let base = format!(
        "mptutor's own threads, which have no GIL, {}",
        timings(&result.threads, &many)
    );
    let verdict = result.threads_verdict();
    let text = match &verdict {
        Verdict::Holds => format!(
            "{base}, like processes: without a GIL (as on a free-threaded build of Python, \
             3.13t or 3.14t, PEP 703) threads compute on several cores at once.{}",
            above_cores(&run)
        ),
        Verdict::Contradicted => format!(
            "{base}, though {}: threads without a GIL should speed up like processes. Type \
             `compare cpu` to measure again.",
            cores_had(&run)
        ),
        Verdict::CouldntTell(why) => unclear(&base, why, "whether threads without a GIL speed up"),
    };
    Finding::judged(NATIVE, verdict, text)
}

fn counts(result: &CpuResult) -> Finding {
    let primes = result
        .primes
        .map_or_else(|| "–".to_string(), words::grouped);
    let verdict = result.counts_verdict();
    let text = match verdict {
        Verdict::Holds => format!(
            "Every split counted the same {primes} primes below {} as one worker.",
            words::grouped(result.limit)
        ),
        _ => format!(
            "Some split did not count the same number of primes as one worker ({primes}): a \
             worker was stopped, or failed (see the live output). Type `compare cpu` to measure \
             again."
        ),
    };
    Finding::judged(COUNTS, verdict, text)
}

fn python(result: &CpuResult, run: &PythonRun) -> Vec<Finding> {
    let cores = result.cores;
    let build = if run.info.gil_enabled {
        "GIL enabled".to_string()
    } else {
        "free-threaded, GIL disabled".to_string()
    };
    let one = format_us(run.one.wall_us);
    let processes_run = run.processes_run(cores);
    let processes_verdict = run.processes_verdict(cores);
    let base = format!(
        "In real Python {} ({build}, processes started by {}), one run of a loop took {one}; \
         two runs on 2 processes took {}: {} as fast as one after another",
        run.info.version,
        run.start_method,
        format_us(run.processes.wall_us),
        words::times(run.processes_speedup())
    );
    let text = match &processes_verdict {
        Verdict::Holds => format!(
            "{base}, and {}.{}",
            cores_had(&processes_run),
            above_cores(&processes_run)
        ),
        Verdict::Contradicted => format!(
            "{base}, where about {} was possible, though {}. Starting a process costs Python \
             more than it costs mptutor (under spawn or forkserver a whole interpreter); type \
             `compare cpu` to measure again.",
            words::times(processes_run.ideal()),
            cores_had(&processes_run)
        ),
        Verdict::CouldntTell(why) => {
            unclear(&base, why, "whether Python's processes speed CPU work up")
        }
    };
    let mut findings = vec![Finding::judged(PYTHON_PROCESSES, processes_verdict, text)];
    let threads_run = run.threads_run(cores);
    let threads_verdict = run.threads_verdict(cores);
    let base = format!(
        "On 2 threads the two runs took {}: {} as fast as one after another",
        format_us(run.threads.wall_us),
        words::times(run.threads_speedup())
    );
    let baseline = words::cores_worth(threads_run.baseline_cores.unwrap_or(0.0));
    let (claim, text) = match (&threads_verdict, run.info.gil_enabled) {
        (Verdict::Holds, true) => (
            PYTHON_THREADS_GIL,
            format!(
                "{base}, no faster: its threads take turns on the GIL (the 2 used {} at once).",
                words::cores_worth(run.threads.cores())
            ),
        ),
        (Verdict::Contradicted, true) => (
            PYTHON_THREADS_GIL,
            format!(
                "{base}, with the GIL on and a one-run baseline that had {baseline} to itself: \
                 2 threads should have been no faster than one, and here they were. Type \
                 `compare cpu` to measure again."
            ),
        ),
        (Verdict::CouldntTell(why), true) => (
            PYTHON_THREADS_GIL,
            unclear(&base, why, "whether Python's threads take turns on the GIL"),
        ),
        (Verdict::Holds, false) => (
            PYTHON_THREADS_FREE,
            format!(
                "{base}: without the GIL its threads computed at the same time, like mptutor's \
                 native threads.{}",
                above_cores(&threads_run)
            ),
        ),
        (Verdict::Contradicted, false) => (
            PYTHON_THREADS_FREE,
            format!(
                "{base}, though {} and the GIL is off: free-threaded, its threads should have \
                 sped up. Type `compare cpu` to measure again.",
                cores_had(&threads_run)
            ),
        ),
        (Verdict::CouldntTell(why), false) => (
            PYTHON_THREADS_FREE,
            unclear(&base, why, "whether Python's free threads speed up"),
        ),
    };
    findings.push(Finding::judged(claim, threads_verdict, text));
    if result.python_agrees() {
        findings.push(Finding::fact(if run.info.gil_enabled {
            format!(
                "Real Python behaves {LIKE_THE_SIMULATION}: its processes speed CPU work up and \
                 its threads take turns on the GIL."
            )
        } else {
            "Real Python, free-threaded, behaves like mptutor's native threads: processes and \
             threads both speed CPU work up."
                .to_string()
        }));
    }
    findings
}
