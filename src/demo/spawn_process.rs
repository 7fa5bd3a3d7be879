//! `spawn-process` (lesson q3): one child prints its pid and its parent's;
//! the parent waits and reports how it ended. With `join=false` the parent
//! waits before reaping, so the child can be seen as a zombie in /proc.

use std::time::{Duration, Instant};

use serde_json::json;

use super::context::{DemoContext, DemoError};
use super::event::ExitStatus;
use super::process_group::ProcessGroup;
use super::report::DemoReport;
use super::task::WorkerTask;

/// How long an unreaped child is left as a zombie, so it can be seen.
const ZOMBIE_SHOWN_FOR: Duration = Duration::from_millis(300);

pub fn run(ctx: &mut DemoContext<'_>, join: bool) -> Result<DemoReport, DemoError> {
    let me = std::process::id();
    ctx.note(format!(
        "the main process (mptutor, pid {me}) starts one child by {}",
        ctx.start_method.name()
    ));
    let mut group = ProcessGroup::new();
    group.set_reaping(join);
    let task = WorkerTask::ShowIds {
        name: "child".to_string(),
    };
    let pid = group.spawn(ctx, 0, "Process-1", &task, false)?;
    let mut report = DemoReport::new("spawn-process");
    let mut zombie_state = None;
    let mut gone_after_reap = None;

    if join {
        ctx.note("the parent calls join(): it waits for the child");
    } else {
        ctx.note("join=false: the parent does not wait yet");
        // Let the child run to its end, without reaping it.
        while !group.output_closed(0) {
            group.pump(ctx, Duration::from_millis(20))?;
        }
        let since = Instant::now();
        while since.elapsed() < ZOMBIE_SHOWN_FOR {
            let state = process_state(pid.as_raw());
            if state == Some('Z') {
                zombie_state = state;
                break;
            }
            group.pump(ctx, Duration::from_millis(10))?;
        }
        match zombie_state {
            Some(state) => ctx.note(format!(
                "the child has exited, but nobody has waited for it: /proc/{pid}/stat says state {state} (zombie)"
            )),
            None => ctx.note(format!("the child's state could not be read from /proc/{pid}/stat")),
        }
        // Pumped rather than slept (the child is not reaped meanwhile), so
        // Ctrl-C still stops the demo at once.
        while since.elapsed() < ZOMBIE_SHOWN_FOR {
            group.pump(ctx, ZOMBIE_SHOWN_FOR.saturating_sub(since.elapsed()))?;
        }
        ctx.note("now the parent calls join(), which reaps the child with waitpid()");
        group.set_reaping(true);
    }
    group.wait_all(ctx)?;
    if !join {
        let gone = process_state(pid.as_raw()).is_none();
        gone_after_reap = Some(gone);
        ctx.note(if gone {
            format!("after waitpid(), /proc/{pid} is gone: the zombie has been reaped")
        } else {
            format!("/proc/{pid} still exists after waitpid()")
        });
    }
    let status = group.status(0).cloned().unwrap_or(ExitStatus::Code(-1));
    ctx.note(format!(
        "the child ended with {status}; the main process is finished"
    ));

    report.findings.push(format!(
        "The child got its own pid, {pid}, and its parent pid is mptutor's, {me}."
    ));
    report.findings.push(format!(
        "The parent collected the child's exit status ({status}) with waitpid(), which is what `join()` does."
    ));
    if !join {
        report.findings.push(
            "Until it was waited for, the finished child stayed in the process table as a zombie: \
             a pid and an exit status, nothing more. A program that never joins leaks them."
                .to_string(),
        );
    }
    report.data = json!({
        "parent_pid": me,
        "child_pid": pid.as_raw(),
        "status": status,
        "join": join,
        "zombie_seen": zombie_state == Some('Z'),
        "gone_after_reap": gone_after_reap,
    });
    Ok(report)
}

/// The state letter of a process from `/proc/<pid>/stat` (R, S, Z, …).
pub fn process_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces; the state
    // follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}
