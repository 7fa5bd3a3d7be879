//! Why the system refused a new process or thread, in words a student can
//! act on.
//!
//! The kernel answers a `fork` or a thread start over a limit with one
//! error number, `EAGAIN` ("Resource temporarily unavailable"), whichever
//! limit it was: the user's processes (`ulimit -u`), a control group's
//! `pids.max`, the machine's threads or process ids, or, for a thread, the
//! address space its stack needs. So mptutor reads them all at that moment
//! ([`sys::limits`]) and names only those the numbers show reached or
//! nearly so, with what to do about each; when none is, it says which
//! limits it checked and their values, so the message is never a guess.

use std::fmt::Write as _;

use super::error::EngineError;
use super::sys::limits::{self, Refusal, TaskLimits};

/// What was being started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewTask {
    Process,
    Thread,
}

impl NewTask {
    fn noun(self) -> &'static str {
        match self {
            NewTask::Process => "process",
            NewTask::Thread => "thread",
        }
    }
}

/// The error for `error`, met starting `what` (`process 3 of 4`): a
/// refusal explained with the limits as they are now, or `None` when the
/// error is no refusal.
pub fn explain_refusal(new: NewTask, what: String, error: &std::io::Error) -> Option<EngineError> {
    let refusal = Refusal::of(error)?;
    Some(EngineError::StartRefused {
        what,
        why: why_refused(new, refusal, &limits::task_limits()),
    })
}

/// One limit that the numbers show reached or near.
struct Reached {
    /// `your user may run at most 50 processes and threads (ulimit -u) and
    /// has 50 running`.
    what: String,
    /// `ulimit -u 4096`.
    remedy: String,
    /// How full it is, in thousandths: the fullest is named first.
    fill: u64,
}

/// Close enough to a limit that a few more tasks reach it: at most 5% of
/// it, and at least 2, left.
fn near(used: u64, max: u64) -> bool {
    used.saturating_add(max / 20 + 2) > max
}

fn fill(used: u64, max: u64) -> u64 {
    used.saturating_mul(1000) / max.max(1)
}

const MIB: u64 = 1 << 20;

/// The sentence after `could not start process 3 of 4: `.
pub fn why_refused(new: NewTask, refusal: Refusal, limits: &TaskLimits) -> String {
    let mut reached = Vec::new();
    if limits.user_limit_applies
        && let (Some(max), Some(used)) = (limits.user_soft, limits.user_tasks)
        && near(used, max)
    {
        reached.push(Reached {
            what: format!(
                "your user may run at most {max} processes and threads (ulimit -u) and has \
                 {used} running"
            ),
            remedy: user_remedy(max, limits.user_hard),
            fill: fill(used, max),
        });
    }
    if let Some(group) = &limits.group
        && near(group.current, group.max)
    {
        reached.push(Reached {
            what: format!(
                "this session's control group may hold at most {} processes and threads \
                 ({}) and holds {}",
                group.max,
                group.path.display(),
                group.current
            ),
            remedy: format!(
                "as root: echo {} > {}",
                group.max.saturating_mul(2).max(4096),
                group.path.display()
            ),
            fill: fill(group.current, group.max),
        });
    }
    if let (Some(max), Some(used)) = (limits.threads_max, limits.system_tasks)
        && near(used, max)
    {
        reached.push(Reached {
            what: format!(
                "the machine may run at most {max} threads in all (kernel.threads-max) and \
                 runs {used}"
            ),
            remedy: format!(
                "as root: sysctl kernel.threads-max={}",
                max.saturating_mul(2)
            ),
            fill: fill(used, max),
        });
    }
    if let (Some(max), Some(used)) = (limits.pid_max, limits.system_tasks)
        && near(used, max)
    {
        reached.push(Reached {
            what: format!(
                "the machine has {max} process ids (kernel.pid_max) and {used} are taken"
            ),
            remedy: format!(
                "as root: sysctl kernel.pid_max={}",
                max.saturating_mul(2).min(4_194_304)
            ),
            fill: fill(used, max),
        });
    }
    if new == NewTask::Thread
        && let (Some(max), Some(used)) = (limits.address_space, limits.address_space_used)
        && near(used / MIB, max / MIB)
    {
        reached.push(Reached {
            what: format!(
                "mptutor may use at most {} MiB of address space (ulimit -v), uses {} MiB, and \
                 each thread's stack needs room in it",
                max / MIB,
                used / MIB
            ),
            remedy: "ulimit -v unlimited".to_string(),
            fill: fill(used, max),
        });
    }
    reached.sort_by_key(|limit| std::cmp::Reverse(limit.fill));

    let mut text = format!(
        "the system refused a new {} ({})",
        new.noun(),
        refusal.errno_name()
    );
    if reached.is_empty() {
        let _ = write!(
            text,
            ", though none of the limits mptutor checked is reached: {}. ",
            checked(new, limits).join("; ")
        );
        text.push_str(match refusal {
            Refusal::TryAgain => {
                "Another program may have held a limit for a moment: try again, and if it \
                 goes on, close some programs."
            }
            Refusal::NoMemory => {
                "The machine is short of memory: close some programs, then try again."
            }
        });
        return text;
    }
    let whats: Vec<&str> = reached.iter().map(|limit| limit.what.as_str()).collect();
    let remedies: Vec<&str> = reached.iter().map(|limit| limit.remedy.as_str()).collect();
    let _ = write!(
        text,
        ": {}. Close some programs or raise {} ({}), then try again.",
        whats.join("; "),
        if reached.len() == 1 {
            "the limit"
        } else {
            "the limits"
        },
        remedies.join("; ")
    );
    text
}

/// `ulimit -u 4096`: a soft limit can be raised up to the hard one by
/// anyone; past it, only root can.
fn user_remedy(soft: u64, hard: Option<u64>) -> String {
    let wanted = soft.saturating_mul(2).max(4096);
    match hard {
        None => format!("ulimit -u {wanted}"),
        Some(hard) if hard > soft => format!("ulimit -u {}", wanted.min(hard)),
        Some(hard) => {
            format!("as root, in /etc/security/limits.conf: {hard} is the hard limit too")
        }
    }
}

/// Every limit looked at, with its value, for a refusal none explains.
fn checked(new: NewTask, limits: &TaskLimits) -> Vec<String> {
    let mut parts = Vec::new();
    let running = limits
        .user_tasks
        .map_or_else(String::new, |used| format!("{used} running, "));
    parts.push(match (limits.user_limit_applies, limits.user_soft) {
        (false, _) => {
            format!("your user: {running}not held to a limit (root, or allowed past ulimit -u)")
        }
        (true, None) => format!("your user: {running}no limit (ulimit -u)"),
        (true, Some(max)) => format!("your user: {running}at most {max} (ulimit -u)"),
    });
    parts.push(match &limits.group {
        Some(group) => format!(
            "control group: {} of at most {} ({})",
            group.current,
            group.max,
            group.path.display()
        ),
        None => "control group: no pids.max".to_string(),
    });
    let mut machine = String::from("the machine: ");
    if let Some(used) = limits.system_tasks {
        let _ = write!(machine, "{used} threads, ");
    }
    let value = |value: Option<u64>| value.map_or_else(|| "unknown".to_string(), |v| v.to_string());
    let _ = write!(
        machine,
        "at most {} (kernel.threads-max), {} process ids (kernel.pid_max)",
        value(limits.threads_max),
        value(limits.pid_max)
    );
    parts.push(machine);
    if new == NewTask::Thread {
        parts.push(match (limits.address_space, limits.address_space_used) {
            (None, _) => "address space: no limit (ulimit -v)".to_string(),
            (Some(max), used) => format!(
                "address space: {}at most {} MiB (ulimit -v)",
                used.map_or_else(String::new, |used| format!("{} MiB used, ", used / MIB)),
                max / MIB
            ),
        });
    }
    parts
}

#[cfg(test)]
mod tests;
