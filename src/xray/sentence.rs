//! The sentences of the X-ray's findings, each written from its figures
//! alone.

use super::finding::{
    KilledWorker, Named, NotJoined, PoolKind, Unreaped, WorkerError, XrayFinding, Zombie,
};
use super::model::ProcessExit;
use super::overlap::Phase;
use crate::findings::{Verdict, format_us, words};

/// The sentence a student reads (Markdown).
pub(super) fn text(finding: &XrayFinding) -> String {
    match finding {
        XrayFinding::Concurrency {
            children,
            max_at_once,
            phases,
            joined_in_turn,
        } => concurrency(*children, *max_at_once, phases, *joined_in_turn),
        XrayFinding::ProcessesCpu {
            processes,
            together_us,
            cores_used,
            machine_cores,
            verdict,
            ..
        } => {
            let figures = format!(
                "{} child processes ran together for {} and used {cores_used:.1} of the {}",
                processes,
                format_us(*together_us),
                words::cores(*machine_cores)
            );
            match verdict {
                Some(Verdict::Holds) => format!(
                    "{figures}: each process has its own interpreter and its own GIL, so \
                     they ran in parallel."
                ),
                Some(Verdict::CouldntTell(why)) => format!(
                    "{figures}; whether they could run in parallel couldn't be told: {}.",
                    why.words()
                ),
                _ => format!(
                    "{figures}: they were not computing all that time. A process that \
                     waits (a sleep, I/O, a lock) leaves its core idle."
                ),
            }
        }
        XrayFinding::ThreadsCpu {
            process,
            threads,
            together_us,
            cores_used,
            sampled,
            verdict,
            ..
        } => {
            let figures = format!(
                "In {process}, {} ran together for {} and had {} between them",
                words::threads(*threads),
                format_us(*together_us),
                words::cores_worth(*cores_used)
            );
            let estimate = if *sampled {
                ""
            } else {
                " (from their CPU times, not sampled over time)"
            };
            match verdict {
                Some(Verdict::Holds) => format!(
                    "{figures}{estimate}: they took turns on the GIL, one thread running \
                     Python at a time, though the machine had cores free."
                ),
                Some(Verdict::Contradicted) => format!(
                    "{figures}{estimate}: they ran in parallel, so no GIL held them back \
                     (a free-threaded Python, or work that releases the GIL, as C code \
                     such as `hashlib` or NumPy does)."
                ),
                Some(Verdict::CouldntTell(why)) => format!(
                    "{figures}{estimate}; whether they took turns on the GIL couldn't be \
                     told: {}.",
                    why.words()
                ),
                None => format!(
                    "{figures}{estimate}: they spent most of that time waiting (a sleep, \
                     I/O, a lock), not running Python, which says nothing of the GIL."
                ),
            }
        }
        XrayFinding::NeverJoined { processes } => never_joined(processes),
        XrayFinding::Zombies { zombies } => self::zombies(zombies),
        XrayFinding::PoolWorkerKilled {
            pool,
            workers,
            timed_out,
        } => pool_worker_killed(*pool, workers, *timed_out),
        XrayFinding::WorkerExceptions { errors } => worker_exceptions(errors),
        XrayFinding::KilledAtEnd {
            processes,
            timed_out,
        } => {
            let names = and_named(processes);
            let were = if processes.len() == 1 { "was" } else { "were" };
            if *timed_out {
                format!(
                    "The run reached its timeout while {names} {were} still running; \
                     mptutor killed {}.",
                    them(processes.len())
                )
            } else {
                format!(
                    "After the main program ended, {names} {were} still running; mptutor \
                     killed {}, so nothing of the run is left behind.",
                    them(processes.len())
                )
            }
        }
    }
}

fn them(n: usize) -> &'static str {
    if n == 1 { "it" } else { "them" }
}

/// At most this many things are named in one sentence; the rest are
/// counted (`--json` has them all).
pub const NAMED_AT_MOST: usize = 8;

/// `a, b and c`, or `a, b, … and 5 more` past [`NAMED_AT_MOST`].
fn listed(mut items: Vec<String>) -> String {
    if items.len() > NAMED_AT_MOST {
        let more = items.len() - (NAMED_AT_MOST - 1);
        items.truncate(NAMED_AT_MOST - 1);
        items.push(format!("{more} more"));
    }
    words::and_list(&items)
}

/// Sentences, at most [`NAMED_AT_MOST`] of them, then how many more.
fn sentences(mut each: Vec<String>) -> String {
    if each.len() > NAMED_AT_MOST {
        let more = each.len() - (NAMED_AT_MOST - 1);
        each.truncate(NAMED_AT_MOST - 1);
        each.push(format!("And {more} more."));
    }
    each.join(" ")
}

fn and_named(processes: &[Named]) -> String {
    listed(processes.iter().map(ToString::to_string).collect())
}

fn concurrency(children: usize, most: usize, phases: &[Phase], joined_in_turn: bool) -> String {
    if most <= 1 {
        let how = if joined_in_turn {
            "each was joined before the next one started"
        } else {
            "each ended before the next one started"
        };
        return format!(
            "The {children} child processes ran one at a time: {how}, as when each is started \
             and joined in turn. At most 1 ran at once."
        );
    }
    if most == children {
        return format!(
            "The {children} child processes all ran at the same time: every one started \
             before any ended, as when all are started, then all joined. {most} ran at once."
        );
    }
    let parts: Vec<String> = phases
        .iter()
        .map(|phase| match (phase.processes, phase.at_once) {
            (1, _) => "1 alone".to_string(),
            (n, 1) => format!("{n} one after another"),
            (n, m) if n == m => format!("{n} at the same time"),
            (n, m) => format!("{n} with at most {m} at once"),
        })
        .collect();
    let in_order = match parts.as_slice() {
        [only] => only.clone(),
        [first, rest @ ..] => format!("{first}, then {}", rest.join(", then ")),
        [] => String::new(),
    };
    format!(
        "The {children} child processes ran in {}: {in_order}. At most {most} ran at once.",
        words::count(phases.len() as u64, "phase", "phases")
    )
}

fn never_joined(processes: &[NotJoined]) -> String {
    let sentences: Vec<String> = processes
        .iter()
        .map(|child| match child.how {
            Unreaped::NotByTheEnd => format!(
                "{} exited and was never joined: its parent had not reaped it when the run \
                 ended, so mptutor did.",
                child.process
            ),
            Unreaped::AfterItsParentExited => format!(
                "{} exited and was never joined by its parent: it was reaped only after its \
                 parent had exited, by mptutor, which adopts the run's orphans.",
                child.process
            ),
        })
        .collect();
    format!(
        "{} Call `join()` on every process you start: until then its exit status is kept as \
         a zombie.",
        self::sentences(sentences)
    )
}

fn zombies(zombies: &[Zombie]) -> String {
    let how_long = |zombie: &Zombie| {
        let until = if zombie.reaped_by_parent {
            "until its parent reaped it"
        } else {
            "until mptutor reaped it"
        };
        format!("for {} {until}", format_us(zombie.zombie_us))
    };
    let kept = "the kernel kept its exit status until a `join()` (`waitpid`) collected it";
    match zombies {
        [only] => format!(
            "{} was a zombie {}: it had exited, but {kept}.",
            only.process,
            how_long(only)
        ),
        _ => {
            let each: Vec<String> = zombies
                .iter()
                .map(|zombie| format!("{} {}", zombie.process, how_long(zombie)))
                .collect();
            format!(
                "{} processes were zombies: {}. Each had exited, but {kept}.",
                zombies.len(),
                listed(each)
            )
        }
    }
}

fn pool_worker_killed(pool: PoolKind, workers: &[KilledWorker], timed_out: bool) -> String {
    let each: Vec<String> = workers
        .iter()
        .map(|worker| format!("{} was killed by {}", worker.process, worker.signal))
        .collect();
    let killed = format!("Pool worker {}.", listed(each));
    let what = match (pool, timed_out) {
        (PoolKind::Pool, true) => {
            "A `multiprocessing.Pool` does not notice a task lost with its worker: it starts a \
             new worker and waits forever for a result that will never come (CPython \
             gh-66587), so mptutor stopped the run at its timeout."
        }
        (PoolKind::Unknown, true) => {
            "A `multiprocessing.Pool` waits forever for a task lost with its worker (CPython \
             gh-66587), which is what mptutor's timeout stopped; a `ProcessPoolExecutor` \
             raises `BrokenProcessPool` instead."
        }
        (PoolKind::Executor, true) => {
            "A `ProcessPoolExecutor` notices: every task not yet done fails with \
             `BrokenProcessPool`. The run still reached its timeout, so something else kept \
             it waiting."
        }
        (PoolKind::Executor, false) => {
            "A `ProcessPoolExecutor` notices: every task not yet done fails with \
             `BrokenProcessPool`, and the executor cannot be used again."
        }
        (_, false) => {
            "The run still ended, so the program was not left waiting for a task lost with it \
             (a `multiprocessing.Pool` would wait forever for one, CPython gh-66587)."
        }
    };
    format!("{killed} {what}")
}

fn worker_exceptions(errors: &[WorkerError]) -> String {
    let each: Vec<String> = errors
        .iter()
        .map(|error| match &error.function {
            Some(function) => format!(
                "`{function}` raised `{}` in {}{}: the pool hands the exception back, and the \
                 call that collects the result raises it in the main program",
                error.error,
                error.process,
                if error.times > 1 {
                    format!(", in {} tasks", error.times)
                } else {
                    String::new()
                }
            ),
            None => {
                let ended = match &error.exit {
                    Some(ProcessExit::Code(code)) => format!(", and it exited with code {code}"),
                    Some(ProcessExit::Signal(signal)) => format!(", and {signal} ended it"),
                    None => String::new(),
                };
                format!(
                    "{} raised `{}` in `run()`: Python printed its traceback{ended}",
                    error.process, error.error
                )
            }
        })
        .collect();
    // Not `words::sentence`: it would capitalize a process's name.
    sentences(each.iter().map(|sentence| format!("{sentence}.")).collect())
}
