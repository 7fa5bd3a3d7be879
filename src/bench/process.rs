//! Process start + join, by fork, by spawn and by the fork server: one
//! worker that does nothing, started and reaped by the engine, against the
//! bare system calls that do the same.

use std::ffi::CString;

use super::{
    BenchError, Discard, Extra, Measured, Op, Plan, alternate, context, ensure_single_threaded,
    floor, paired_ratio, stats, timed,
};
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{SLEEP, Task};
use crate::engine::{RunContext, StartMethod};

/// A worker that exits at once: `sleep` with no time makes no system call.
const NOTHING: Task = Task::new(&SLEEP);

/// `ProcessGroup::spawn` + `wait_all` of one worker doing nothing.
fn engine_start_join(start: StartMethod) -> Result<usize, BenchError> {
    let mut sink = Discard;
    let mut ctx = context(&mut sink, start);
    start_join_in(&mut ctx)
}

/// The same in a context that lives on: the fork server's run.
fn start_join_in(ctx: &mut RunContext<'_>) -> Result<usize, BenchError> {
    let mut group = ProcessGroup::new();
    group.spawn(ctx, 0, "Process-1", &NOTHING, false)?;
    group.wait_all(ctx)?;
    match group.status(0) {
        Some(status) if status.success() => Ok(1),
        other => Err(BenchError::Failed(format!(
            "the worker did not exit cleanly: {other:?}"
        ))),
    }
}

/// Fork: the engine against `fork` + `_exit` + `waitpid`.
pub fn fork(plan: Plan) -> Result<Measured, BenchError> {
    ensure_single_threaded()?;
    let samples = alternate(
        plan,
        timed(|| engine_start_join(StartMethod::Fork)),
        bare_fork(),
    )?;
    start_join(
        Op::ProcessFork,
        plan,
        samples,
        "floor: fork, _exit(0) in the child, waitpid; Python: Process(target=noop) with the fork \
         context, start() then join()",
    )
}

/// Spawn: the engine re-executing mptutor as a worker, against `fork` +
/// `execv` of the same command + `waitpid`.
pub fn spawn(plan: Plan) -> Result<Measured, BenchError> {
    ensure_single_threaded()?;
    let exe = std::env::current_exe().map_err(BenchError::io("find mptutor's binary"))?;
    let program = CString::new(exe.as_os_str().as_encoded_bytes())
        .map_err(|_| BenchError::Failed("mptutor's path contains a NUL byte".into()))?;
    let mut argv = vec![program, c"worker".to_owned()];
    for word in NOTHING.to_words() {
        argv.push(
            CString::new(word).map_err(|_| BenchError::Failed("a NUL byte in a task".into()))?,
        );
    }
    let samples = alternate(
        plan,
        timed(|| engine_start_join(StartMethod::Spawn)),
        timed(|| {
            floor::fork_exec_wait(&argv).map_err(BenchError::io("fork and exec mptutor"))?;
            Ok(1)
        }),
    )?;
    start_join(
        Op::ProcessSpawn,
        plan,
        samples,
        "floor: fork, execv of `mptutor worker sleep 0`, waitpid; Python: the spawn context, \
         which starts a fresh interpreter",
    )
}

/// Forkserver: the engine asking the run's fork server for each worker,
/// against the bare `fork` + `_exit` + `waitpid` that no server can beat.
/// One context serves every round, as one run does: its server is started
/// once, in the warm-up, and is not part of any figure.
pub fn forkserver(plan: Plan) -> Result<Measured, BenchError> {
    ensure_single_threaded()?;
    let mut sink = Discard;
    let mut ctx = context(&mut sink, StartMethod::ForkServer).with_bodies(crate::demos::bodies());
    let samples = alternate(plan, timed(|| start_join_in(&mut ctx)), bare_fork())?;
    start_join(
        Op::ProcessForkServer,
        plan,
        samples,
        "forkserver: each start is a request to the run's fork server, which forks the worker, \
         reaps it and reports its exit back; floor: fork, _exit(0), waitpid, with no server \
         between; Python: the forkserver context",
    )
}

/// The floor of fork and of the fork server: `fork`, `_exit`, `waitpid`.
fn bare_fork() -> impl FnMut() -> Result<f64, BenchError> {
    timed(|| {
        floor::fork_exit_wait().map_err(BenchError::io("fork a floor child"))?;
        Ok(1)
    })
}

/// A start + join operation's figures from its paired samples.
fn start_join(
    op: Op,
    plan: Plan,
    (engine, bare): (Vec<f64>, Vec<f64>),
    note: &str,
) -> Result<Measured, BenchError> {
    Ok(Measured {
        op,
        mptutor: stats(&engine, op.key())?,
        floor: stats(&bare, "the floor")?,
        python: None,
        paired_ratio: paired_ratio(&engine, &bare),
        runs: plan.runs,
        extra: Extra::default(),
        notes: vec![note.to_string()],
    })
}
