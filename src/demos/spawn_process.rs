//! `spawn-process` (lesson q3): one child prints its pid and its parent's;
//! the parent waits and reports how it ended. With `join=false` the parent
//! waits before reaping, so the child can be seen as a zombie in /proc.

use std::time::{Duration, Instant};

use serde_json::json;

use super::report::DemoReport;
use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::ExitStatus;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, Task, WorkerBody, bad_args, write_line};

/// How long an unreaped child is left as a zombie, so it can be seen.
const ZOMBIE_SHOWN_FOR: Duration = Duration::from_millis(300);

pub fn run(ctx: &mut RunContext<'_>, join: bool) -> Result<DemoReport, EngineError> {
    let me = std::process::id();
    ctx.note(format!(
        "the main process (mptutor, pid {me}) starts one child by {}",
        ctx.start_method.name()
    ));
    let mut group = ProcessGroup::new();
    group.set_reaping(join);
    let task = Task::new(&SHOW_IDS).text("child");
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

use crate::engine::sys::process_state;

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

/// The demo, as the catalogue lists it.
pub struct SpawnProcess;

impl crate::demos::Demo for SpawnProcess {
    type Result = crate::demos::report::DemoReport;

    const INFO: crate::demos::DemoInfo = crate::demos::DemoInfo {
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
            crate::demos::START,
            crate::demos::TIMEOUT,
        ],
    };

    fn run(
        ctx: &mut RunContext<'_>,
        params: &crate::demos::ResolvedParams,
    ) -> Result<Self::Result, EngineError> {
        run(ctx, params.flag("join"))
    }

    fn report(result: &Self::Result) -> crate::findings::Report {
        result.report()
    }
}
