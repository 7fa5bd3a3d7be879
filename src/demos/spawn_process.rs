//! `spawn-process` (lesson q3): one child prints its pid and its parent's;
//! the parent waits and reports how it ended. With `join=false` the parent
//! waits before reaping, so the child can be seen as a zombie in /proc —
//! unless the fork server forked it: the server is its parent, reaps it
//! the moment it exits and passes the status on, so mptutor never sees a
//! zombie at all. `hold=N` keeps the zombie N seconds (at most
//! [`MAX_HOLD_S`]) so it can be found with `ps` in another terminal;
//! Ctrl-C ends the hold early, and a SIGTERM or SIGHUP waits until the
//! zombie is reaped before it ends mptutor.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::demos::{Demo, DemoInfo, ResolvedParams};
use crate::engine::interrupt;
use crate::engine::sys::process_state;
use crate::engine::sys::signal::EndingSignals;
use crate::engine::task::{Args, Bodies, Task, WorkerBody, bad_args, write_line};
use crate::engine::{EngineError, ExitStatus, ProcessGroup, RunContext, StartMethod};
use crate::findings::Report;

mod findings;
use findings::{findings, table};

/// How long an exited, unjoined child is watched in /proc.
const ZOMBIE_SHOWN_FOR: Duration = Duration::from_millis(300);
/// How often /proc is looked at meanwhile.
const LOOK_EVERY: Duration = Duration::from_millis(10);
/// The longest `hold`: a zombie kept for a class to find, not forgotten.
pub const MAX_HOLD_S: i64 = 120;

/// The demo, as the catalogue lists it.
pub struct SpawnProcess;

/// `show-ids NAME`: prints this process's pid and its parent's.
pub static SHOW_IDS: WorkerBody = WorkerBody {
    name: "show-ids",
    run: |args: &Args<'_>| {
        let Some(name) = args.text(0) else {
            return bad_args("show-ids", args);
        };
        let printed = write_line(format_args!(
            "{name}: my pid is {}, my parent's pid is {}",
            std::process::id(),
            nix::unistd::getppid()
        ));
        i32::from(printed.is_err())
    },
};

/// What the demo found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpawnProcessResult {
    pub start: StartMethod,
    /// The parent waited for the child at once.
    pub join: bool,
    /// mptutor's pid: the main process.
    pub parent_pid: i32,
    /// The run's fork server, under `forkserver`.
    pub fork_server_pid: Option<i32>,
    /// The child as the engine started it; `None` if it did not start.
    pub child: Option<Ids>,
    /// The pids the child printed about itself; `None` if it printed none.
    pub printed: Option<Ids>,
    /// How it ended, as the wait collected it.
    pub status: Option<ExitStatus>,
    /// The process whose wait collected that status: the child's parent,
    /// mptutor or the fork server.
    pub reaped_by: Option<i32>,
    /// With `join=false`: what /proc showed before the parent waited.
    pub unjoined: Option<Unjoined>,
    /// The timeout stopped the child.
    pub timed_out: bool,
}

/// A process's pid and its parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ids {
    pub pid: i32,
    pub ppid: i32,
}

/// The child between its exit and the parent's wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unjoined {
    /// /proc showed it in state Z, a zombie, at least once.
    pub zombie_seen: bool,
    /// The state /proc showed last; `None`: no entry, it was reaped.
    pub last_state: Option<char>,
    /// How long it was watched, in microseconds.
    pub watched_us: u64,
    /// /proc had no entry for it once the parent had waited.
    pub gone_after_wait: bool,
    /// With `hold=N`: how the zombie was held before the parent waited.
    #[serde(default)]
    pub held: Option<Held>,
}

/// A zombie kept on purpose (`hold=N`), so it can be looked at with `ps`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The hold asked for, in seconds.
    pub asked_s: u64,
    /// How long it was held, in microseconds.
    pub held_us: u64,
    pub ended_by: HoldEnd,
}

/// What ended a hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldEnd {
    /// The time asked for was up.
    Elapsed,
    /// Ctrl-C.
    Interrupt,
    /// A SIGTERM or SIGHUP, named: mptutor ends once the zombie is reaped.
    Signal(String),
    /// The run's timeout came first.
    Timeout,
}

impl Demo for SpawnProcess {
    type Result = SpawnProcessResult;

    const BODIES: Bodies = &[&SHOW_IDS];

    const INFO: DemoInfo = DemoInfo {
        name: "spawn-process",
        lesson: "q3",
        summary: "start one child process, print its pid and its parent's, and wait for it",
        params: &[
            crate::demos::ParamSpec {
                name: "join",
                kind: crate::demos::ParamKind::Bool,
                default: crate::demos::ParamValue::Bool(true),
                help: "wait for the child at once; false shows it as a zombie first",
            },
            crate::demos::ParamSpec {
                name: "hold",
                kind: crate::demos::ParamKind::Int {
                    min: 0,
                    max: MAX_HOLD_S,
                    unit: " s",
                },
                default: crate::demos::ParamValue::Int(0),
                help: "with join=false: keep the zombie this many seconds before joining, to \
                       find it with `ps` in another terminal (Ctrl-C ends the hold)",
            },
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError> {
        let hold = u64::try_from(params.int("hold")).unwrap_or(0);
        if hold > 0 && params.flag("join") {
            return Err(EngineError::Refused(
                "`hold` keeps an unjoined child's zombie: run it with `join=false hold=N`".into(),
            ));
        }
        run(ctx, params.flag("join"), hold)
    }

    fn report(result: &Self::Result) -> Report {
        Report {
            tables: vec![table(result)],
            findings: findings(result),
        }
    }
}

fn run(
    ctx: &mut RunContext<'_>,
    join: bool,
    hold_s: u64,
) -> Result<SpawnProcessResult, EngineError> {
    let start = ctx.start_method;
    let me = i32::try_from(std::process::id()).unwrap_or(0);
    ctx.note(format!(
        "the main process (mptutor, pid {me}) starts one child by {}",
        start.name()
    ));
    let index = ctx.workers(1).start;
    ctx.start_recording();
    // Declared before the group, so it is dropped after it: a SIGTERM or
    // SIGHUP caught while the zombie is held ends mptutor only once the
    // group has reaped it (see `EndingSignals`).
    let mut ending = None;
    let mut group = ProcessGroup::new();
    group.set_reaping(join);
    let task = Task::new(&SHOW_IDS).text("child");
    let pid = group.spawn(ctx, index, "Process-1", &task, false)?.as_raw();
    let by_server = start == StartMethod::ForkServer;
    let mut unjoined = None;
    if join {
        ctx.note(if by_server {
            "the parent calls join(): it waits until the fork server reports the child's end"
        } else {
            "the parent calls join(): it waits for the child"
        });
    } else {
        ctx.note("join=false: the parent does not wait yet");
        let mut watched = watch_unjoined(ctx, &mut group, index, pid)?;
        if hold_s > 0 {
            // Only now: the child, forked earlier, keeps the default
            // actions.
            let ending = ending.insert(EndingSignals::hold());
            hold_zombie(ctx, &mut group, pid, hold_s, ending, &mut watched)?;
        }
        unjoined = Some(watched);
        ctx.note(if by_server {
            "now the parent calls join(), which takes the exit status the fork server passed on"
        } else {
            "now the parent calls join(), which reaps the child with waitpid()"
        });
        group.set_reaping(true);
    }
    group.wait_all(ctx)?;
    if let Some(unjoined) = &mut unjoined {
        unjoined.gone_after_wait = process_state(pid).is_none();
        if !by_server {
            ctx.note(if unjoined.gone_after_wait {
                format!("after waitpid(), /proc/{pid} is gone: the zombie has been reaped")
            } else {
                format!("/proc/{pid} still exists after waitpid()")
            });
        }
    }
    let status = group.status(index).cloned();
    if let Some(status) = &status {
        ctx.note(format!(
            "the child ended with {status}; the main process is finished"
        ));
    }
    let child = ctx.start_of(index).map(|start| Ids {
        pid: start.pid,
        ppid: start.ppid,
    });
    let printed = ctx
        .take_recorded()
        .into_iter()
        .find_map(|(_, line)| read_ids(&line));
    Ok(SpawnProcessResult {
        start,
        join,
        parent_pid: me,
        fork_server_pid: ctx.fork_server_pid(),
        child,
        printed,
        reaped_by: status.as_ref().and(child.map(|child| child.ppid)),
        status,
        unjoined,
        timed_out: ctx.timed_out,
    })
}

/// Lets the child run to its end without waiting for it, then watches
/// its entry in /proc for [`ZOMBIE_SHOWN_FOR`].
fn watch_unjoined(
    ctx: &mut RunContext<'_>,
    group: &mut ProcessGroup,
    index: usize,
    pid: i32,
) -> Result<Unjoined, EngineError> {
    // Its pipes end as it exits (under forkserver: once the server has
    // reported its end).
    while !group.output_closed(index) && !ctx.remaining().is_zero() {
        group.pump(ctx, Duration::from_millis(20))?;
    }
    let since = Instant::now();
    let mut unjoined = Unjoined {
        zombie_seen: false,
        last_state: process_state(pid),
        watched_us: 0,
        gone_after_wait: false,
        held: None,
    };
    loop {
        let state = process_state(pid);
        unjoined.last_state = state;
        if state == Some('Z') && !unjoined.zombie_seen {
            unjoined.zombie_seen = true;
            ctx.note(format!(
                "the child has exited, but nobody has waited for it: /proc/{pid}/stat says state \
                 Z (zombie)"
            ));
        }
        if since.elapsed() >= ZOMBIE_SHOWN_FOR {
            break;
        }
        // Pumped rather than slept (the child is not reaped meanwhile), so
        // Ctrl-C still stops the demo at once.
        group.pump(ctx, LOOK_EVERY)?;
    }
    unjoined.watched_us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
    if !unjoined.zombie_seen {
        ctx.note(match (unjoined.last_state, ctx.fork_server_pid()) {
            (None, Some(server)) => format!(
                "the child has exited, and /proc/{pid} is already gone: the fork server (pid \
                 {server}), its parent, has reaped it"
            ),
            (None, None) => format!("/proc/{pid} is gone before anyone waited for it"),
            (Some(state), _) => format!("/proc/{pid}/stat says state {state}, not Z"),
        });
    }
    Ok(unjoined)
}

/// Keeps the zombie `hold_s` seconds, unreaped, saying how to find it
/// with `ps`; Ctrl-C, a SIGTERM or SIGHUP (`ending`), or the run's
/// timeout end the hold early. /proc is watched all the while, and what
/// it showed goes into `unjoined`; nothing is held when there is no
/// zombie.
fn hold_zombie(
    ctx: &mut RunContext<'_>,
    group: &mut ProcessGroup,
    pid: i32,
    hold_s: u64,
    ending: &EndingSignals,
    unjoined: &mut Unjoined,
) -> Result<(), EngineError> {
    if process_state(pid) != Some('Z') {
        ctx.note(format!(
            "hold={hold_s}: there is no zombie to hold, /proc/{pid} does not show state Z"
        ));
        return Ok(());
    }
    ctx.note(format!(
        "holding the zombie for {hold_s} s (Ctrl-C ends the hold); in another terminal, this \
         command shows it, with STAT Z and <defunct>:"
    ));
    // A note of its own, so it is never wrapped and can be copied whole.
    ctx.note(format!("ps -o pid,stat,cmd -p {pid}"));
    let since = Instant::now();
    let asked = Duration::from_secs(hold_s);
    let mut shown_s = 0;
    let ended_by = loop {
        if interrupt::requested() {
            // The press ends the hold, not the demo: the child is still
            // joined and reaped below.
            interrupt::clear();
            break HoldEnd::Interrupt;
        }
        if let Some(signal) = ending.caught() {
            break HoldEnd::Signal(signal.as_str().to_string());
        }
        let held = since.elapsed();
        if held >= asked {
            break HoldEnd::Elapsed;
        }
        if ctx.remaining().is_zero() {
            break HoldEnd::Timeout;
        }
        unjoined.last_state = process_state(pid);
        if held.as_secs() > shown_s {
            shown_s = held.as_secs();
            ctx.progress(shown_s, hold_s);
        }
        group.pump(ctx, LOOK_EVERY.max(Duration::from_millis(50)))?;
    };
    let held_us = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
    ctx.progress(hold_s, hold_s);
    let held_for = crate::findings::format_us(held_us);
    ctx.note(match &ended_by {
        HoldEnd::Elapsed => format!("the hold is over after {held_for}"),
        HoldEnd::Interrupt => format!("Ctrl-C ended the hold after {held_for}"),
        HoldEnd::Signal(name) => {
            format!("{name} ended the hold after {held_for}: mptutor reaps the zombie, then ends")
        }
        HoldEnd::Timeout => format!(
            "the run's timeout ended the hold after {held_for} (`timeout=` gives it longer)"
        ),
    });
    unjoined.watched_us = unjoined.watched_us.saturating_add(held_us);
    unjoined.held = Some(Held {
        asked_s: hold_s,
        held_us,
        ended_by,
    });
    Ok(())
}

/// The pids in `child: my pid is P, my parent's pid is Q`.
fn read_ids(line: &str) -> Option<Ids> {
    let rest = line.split_once("my pid is ")?.1;
    let (pid, rest) = rest.split_once(',')?;
    let ppid = rest.split_once("my parent's pid is ")?.1;
    Some(Ids {
        pid: pid.trim().parse().ok()?,
        ppid: ppid.trim().parse().ok()?,
    })
}

#[cfg(test)]
mod tests;
