//! The behaviour checks' lines, from the run's X-ray: processes started
//! and alive at once, pool workers, threads, joins, what was left
//! running, the exit code and the time (see the module docs of
//! [`super`] for what each counts).

use std::collections::BTreeSet;

use super::{CheckKind, CheckLine};
use crate::course::{BehaviourChecks, CountRule, JoinRule};
use crate::engine::ExitStatus;
use crate::findings::{Unclear, format_us, words};
use crate::python::PythonOutcome;
use crate::xray::model::{Role, Xray, XrayProcess};
use crate::xray::overlap::is_helper;

/// At most this many processes are named in one sentence.
const NAMED: usize = 3;

/// The lines of every behaviour check the exercise sets, exit code and
/// time aside. `at_once` is the X-ray summary's most children at once.
pub fn lines(checks: &BehaviourChecks, run: &PythonOutcome, at_once: usize) -> Vec<CheckLine> {
    let xray = &run.xray;
    let mut lines = Vec::new();
    if let Some(rule) = &checks.processes {
        lines.push(processes(rule, children(xray).len()));
    }
    if let Some(rule) = &checks.alive_at_once {
        lines.push(alive_at_once(rule, at_once, children(xray).len()));
    }
    if let Some(rule) = &checks.pool_workers {
        lines.push(pool_workers(rule, xray));
    }
    if let Some(rule) = &checks.threads {
        lines.push(threads(rule, extra_threads(xray)));
    }
    if let Some(rule) = &checks.all_joined {
        lines.push(all_joined(rule, xray));
    }
    if checks.nothing_left_running {
        lines.push(nothing_left_running(xray));
    }
    lines
}

/// Every process of the run but the main one and `multiprocessing`'s
/// helpers: what the program started, grandchildren included.
pub fn children(xray: &Xray) -> Vec<&XrayProcess> {
    let main = xray.main().map(|main| main.pid);
    xray.processes
        .iter()
        .filter(|process| Some(process.pid) != main && !is_helper(process.role))
        .collect()
}

/// Processes other than the main one that ran at least one pool task.
pub fn pool_workers_used(xray: &Xray) -> usize {
    let main = xray.main().map(|main| main.pid);
    xray.tasks
        .iter()
        .map(|task| task.pid)
        .filter(|pid| Some(*pid) != main && xray.process(*pid).is_some())
        .collect::<BTreeSet<i32>>()
        .len()
}

/// Threads that are not their process's main thread.
pub fn extra_threads(xray: &Xray) -> usize {
    xray.threads
        .iter()
        .filter(|thread| thread.tid != thread.pid)
        .count()
}

/// The rule in words: `exactly 4`, `at least 2`, `from 2 to 4`.
pub fn rule_words(rule: &CountRule) -> String {
    let bounds = match (rule.at_least, rule.at_most) {
        (Some(least), Some(most)) => Some(format!("from {least} to {most}")),
        (Some(least), None) => Some(format!("at least {least}")),
        (None, Some(most)) => Some(format!("at most {most}")),
        (None, None) => None,
    };
    match (rule.exactly, bounds) {
        (Some(exactly), Some(bounds)) => format!("exactly {exactly} and {bounds}"),
        (Some(exactly), None) => format!("exactly {exactly}"),
        (None, Some(bounds)) => bounds,
        (None, None) => "any number".to_string(),
    }
}

fn count_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn who(process: &XrayProcess) -> String {
    format!("{} (pid {})", process.name, process.pid)
}

/// `A (pid 1), B (pid 2), C (pid 3) and 2 more`.
fn named(processes: &[&XrayProcess]) -> String {
    let mut shown: Vec<String> = processes.iter().take(NAMED).map(|p| who(p)).collect();
    if processes.len() > NAMED {
        shown.push(format!("{} more", processes.len() - NAMED));
    }
    words::and_list(&shown)
}

fn processes(rule: &CountRule, started: usize) -> CheckLine {
    let holds = rule.holds(count_of(started));
    let what = match started {
        0 => "The program started no process of its own".to_string(),
        n => format!("The program started {}", words::processes(n)),
    };
    let text = if holds {
        format!("{what}.")
    } else {
        format!("{what}; the task asks for {}.", rule_words(rule))
    };
    CheckLine::of(CheckKind::Processes, holds, text)
}

fn alive_at_once(rule: &CountRule, most: usize, started: usize) -> CheckLine {
    let holds = rule.holds(count_of(most));
    let seen = match most {
        0 => "No process besides the main one was alive".to_string(),
        1 => "Only one process was alive at a time".to_string(),
        n => format!("{n} processes were alive at the same time"),
    };
    if holds {
        return CheckLine::of(CheckKind::AliveAtOnce, true, format!("{seen}."));
    }
    let needed = rule.exactly.or(rule.at_least).unwrap_or(0) as usize;
    let advice = if most < needed && started >= needed {
        " — start them all before joining any".to_string()
    } else if most < needed {
        format!(
            " — the program started {}",
            match started {
                0 => "none".to_string(),
                n => format!("only {n}"),
            }
        )
    } else {
        " — join each one before starting the next".to_string()
    };
    let text = format!(
        "{seen} (the most at once: {most}); the task asks for {} at the same time{advice}.",
        rule_words(rule)
    );
    CheckLine::of(CheckKind::AliveAtOnce, false, text)
}

fn pool_workers(rule: &CountRule, xray: &Xray) -> CheckLine {
    let used = pool_workers_used(xray);
    let started = xray
        .processes
        .iter()
        .filter(|process| process.role == Role::PoolWorker)
        .count();
    let holds = rule.holds(count_of(used));
    let mut text = match used {
        0 => "No pool worker ran a task".to_string(),
        1 => "1 pool worker ran tasks".to_string(),
        n => format!("{n} pool workers ran tasks"),
    };
    if started > used {
        text.push_str(&format!(" ({} started)", started));
    } else if used == 0 {
        text.push_str(" (the program started no pool)");
    }
    if !holds {
        text.push_str(&format!("; the task asks for {}", rule_words(rule)));
    }
    text.push('.');
    CheckLine::of(CheckKind::PoolWorkers, holds, text)
}

fn threads(rule: &CountRule, extra: usize) -> CheckLine {
    let holds = rule.holds(count_of(extra));
    let seen = match extra {
        0 => "No thread ran besides the main thread".to_string(),
        n => format!("{} ran besides the main thread", words::threads(n)),
    };
    let text = if holds {
        format!("{seen}.")
    } else {
        format!("{seen}; the task asks for {}.", rule_words(rule))
    };
    CheckLine::of(CheckKind::Threads, holds, text)
}

/// Why a process was not joined in time, as a clause.
fn not_joined(process: &XrayProcess, xray: &Xray, rule: &JoinRule) -> Option<String> {
    if process.killed_at_end {
        return Some(format!(
            "{} was still running when the program ended, and mptutor killed it",
            who(process)
        ));
    }
    let zombie_us = process.zombie_us.unwrap_or(0);
    let Some(reaped) = process.reaped_us else {
        return process.end_us.map(|_| {
            format!(
                "{} was never joined: it stayed a zombie for {}, until the program ended",
                who(process),
                format_us(zombie_us)
            )
        });
    };
    let parent_ended_first = xray
        .process(process.ppid)
        .and_then(|parent| parent.end_us)
        .is_some_and(|parent_end| reaped > parent_end);
    if parent_ended_first {
        return Some(format!(
            "{} was not joined: its parent ended first",
            who(process)
        ));
    }
    let lag_us = join_lag_us(process, reaped, zombie_us, xray);
    (lag_us > rule.zombie_ms.saturating_mul(1_000)).then(|| {
        if lag_us < zombie_us {
            format!(
                "{} stayed a zombie for {} before its parent joined it, {} after the \
                 parent had joined the child before it",
                who(process),
                format_us(zombie_us),
                format_us(lag_us)
            )
        } else {
            format!(
                "{} stayed a zombie for {} before its parent joined it",
                who(process),
                format_us(zombie_us)
            )
        }
    })
}

/// How long `process`, reaped at `reaped`, waited for a parent that was
/// free to join it: from its exit, or from the parent's reap of another
/// child just before, if that came later. A parent that joins its children
/// in turn is held in `join()` by the slowest of those before; a child that
/// ended meanwhile is a zombie for that long however soon it is joined, and
/// on a busy machine (a child slow to start under spawn) that can be
/// hundreds of milliseconds. What the rule judges is the parent leaving a
/// finished child waiting while it is free.
fn join_lag_us(process: &XrayProcess, reaped: u64, zombie_us: u64, xray: &Xray) -> u64 {
    let ended = reaped.saturating_sub(zombie_us);
    let sibling_reaped_before = xray
        .processes
        .iter()
        .filter(|other| other.pid != process.pid && other.ppid == process.ppid)
        .filter_map(|other| other.reaped_us)
        .filter(|&other_reaped| other_reaped <= reaped)
        .max();
    let free_from = sibling_reaped_before.map_or(ended, |other| other.max(ended));
    reaped.saturating_sub(free_from)
}

fn all_joined(rule: &JoinRule, xray: &Xray) -> CheckLine {
    let children = children(xray);
    let allowed = format!(
        "allowed: {}",
        format_us(rule.zombie_ms.saturating_mul(1_000))
    );
    let cut_short = |process: &&XrayProcess| xray.timed_out && process.killed_at_end;
    let problems: Vec<String> = children
        .iter()
        .filter(|process| !cut_short(process))
        .filter_map(|process| not_joined(process, xray, rule))
        .collect();
    if let [only] = problems.as_slice() {
        return CheckLine::of(
            CheckKind::AllJoined,
            false,
            format!(
                "{} ({allowed}).",
                words::sentence(only).trim_end_matches('.')
            ),
        );
    }
    if !problems.is_empty() {
        let mut shown: Vec<String> = problems.iter().take(NAMED).cloned().collect();
        if problems.len() > NAMED {
            shown.push(format!("{} more", problems.len() - NAMED));
        }
        return CheckLine::of(
            CheckKind::AllJoined,
            false,
            format!(
                "{} of the {} were not joined in time ({allowed}): {}.",
                problems.len(),
                words::processes(children.len()),
                shown.join("; ")
            ),
        );
    }
    let stopped: Vec<&XrayProcess> = children.iter().copied().filter(cut_short).collect();
    if !stopped.is_empty() {
        return CheckLine::unclear(
            CheckKind::AllJoined,
            Unclear::NotMeasured {
                why: "the run was stopped at its timeout".into(),
            },
            format!(
                "Couldn't tell whether every child is joined: the run was stopped at its \
                 timeout while {} still ran.",
                named(&stopped)
            ),
        );
    }
    let longest = children
        .iter()
        .filter_map(|process| process.zombie_us)
        .max();
    let longest_free = children
        .iter()
        .filter_map(|process| {
            let zombie_us = process.zombie_us?;
            let reaped = process.reaped_us?;
            Some(join_lag_us(process, reaped, zombie_us, xray))
        })
        .max()
        .unwrap_or(0);
    let allowed_us = rule.zombie_ms.saturating_mul(1_000);
    let text = match longest {
        None => "No child was left to join (the program started none).".to_string(),
        Some(longest) if longest > allowed_us => format!(
            "Every child was joined by its parent as soon as the parent was free to: the \
             longest a zombie was {} while its parent waited in the join() of a slower child \
             before it, then joined within {} ({allowed}).",
            format_us(longest),
            format_us(longest_free)
        ),
        Some(longest) => format!(
            "Every child was joined by its parent (the longest a zombie: {}; {allowed}).",
            format_us(longest)
        ),
    };
    CheckLine::of(CheckKind::AllJoined, true, text)
}

fn nothing_left_running(xray: &Xray) -> CheckLine {
    let left: Vec<&XrayProcess> = children(xray)
        .into_iter()
        .filter(|process| process.killed_at_end)
        .collect();
    if left.is_empty() {
        return CheckLine::of(
            CheckKind::NothingLeftRunning,
            true,
            "Nothing was left running when the program ended.",
        );
    }
    if xray.timed_out {
        return CheckLine::unclear(
            CheckKind::NothingLeftRunning,
            Unclear::NotMeasured {
                why: "the run was stopped at its timeout".into(),
            },
            format!(
                "Couldn't tell what the program leaves running: it was stopped at its timeout, \
                 and mptutor killed what still ran then: {}.",
                named(&left)
            ),
        );
    }
    let text = match left.as_slice() {
        [only] => format!(
            "1 process was still running when the program ended, and mptutor killed it: {}.",
            who(only)
        ),
        many => format!(
            "{} were still running when the program ended, and mptutor killed them: {}.",
            words::processes(many.len()),
            named(many)
        ),
    };
    CheckLine::of(CheckKind::NothingLeftRunning, false, text)
}

/// The exit code against the one the task asks for.
pub fn exit_code(run: &PythonOutcome, wanted: i32) -> CheckLine {
    if run.timed_out {
        return CheckLine::unclear(
            CheckKind::ExitCode,
            Unclear::NotMeasured {
                why: "the run was stopped at its timeout".into(),
            },
            "Couldn't tell the exit code: mptutor stopped the program at its timeout, so it \
             did not exit by itself.",
        );
    }
    let code = run.exit_code;
    let ended = match &run.status {
        ExitStatus::Signal(name) => format!("The program was ended by {name} (exit code {code})"),
        ExitStatus::Code(_) => format!("The program exited with code {code}"),
    };
    let holds = code == wanted;
    let text = if holds {
        format!("{ended}.")
    } else {
        format!("{ended}; the task asks for exit code {wanted}.")
    };
    CheckLine::of(CheckKind::ExitCode, holds, text)
}

/// The time the run took against the exercise's limit; a run stopped at
/// its timeout fails whether or not the exercise sets a limit.
pub fn time_limit(limit_s: Option<f64>, run: &PythonOutcome) -> Option<CheckLine> {
    let took = format_us(run.elapsed_us);
    let limit_us = limit_s.map(|limit| (limit.max(0.0) * 1e6).round() as u64);
    let allows = limit_us.map(|us| format!("; the task allows {}", format_us(us)));
    if run.timed_out {
        return Some(CheckLine::of(
            CheckKind::TimeLimit,
            false,
            format!(
                "The program was still running after {took}, and mptutor stopped it at its \
                 timeout{}.",
                allows.unwrap_or_default()
            ),
        ));
    }
    let limit_us = limit_us?;
    let holds = run.elapsed_us <= limit_us;
    let text = format!("The program took {took}{}.", allows.unwrap_or_default());
    Some(CheckLine::of(CheckKind::TimeLimit, holds, text))
}
