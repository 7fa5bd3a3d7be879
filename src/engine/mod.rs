//! The engine: real processes and threads, started, read, reaped and
//! reported through one [`Event`] stream.
//!
//! It knows no demo, no renderer and no REPL. What a worker process runs
//! is a [`Task`] naming a [`task::WorkerBody`] that whoever uses the engine
//! declares; what happens reaches an [`EventSink`]. The pieces:
//!
//! - [`context`]: one run's clock, deadline, start method, worker numbers
//!   and sink ([`RunContext`]);
//! - [`process_group`]: process workers, started by fork, spawn or the
//!   fork server in one process group, read with `poll`, reaped with their
//!   resource usage;
//! - [`forkserver`]: the server process that forks `forkserver` workers;
//! - [`keeper`]: the process that starts a program mptutor executes and
//!   kills everything it started when it ends or mptutor dies;
//! - [`threads`]: thread workers reported like processes;
//! - [`pool`]: a process pool and a thread pool that map over inputs;
//! - [`start_refused`]: why the system refused a new process or thread;
//! - [`lines`], [`interrupt`], [`event`], [`task`]: what they share;
//! - [`sys`]: every `unsafe` block and every Linux-only system call.

pub mod context;
mod error;
pub mod event;
pub mod forkserver;
pub mod interrupt;
pub mod keeper;
pub mod lines;
pub mod load;
pub mod pool;
pub mod process_group;
pub mod resize;
mod start_method;
pub mod start_refused;
pub mod sys;
pub mod task;
pub mod threads;

pub use context::{EngineError, RecordedLine, RunContext, StartMethod, WorkerExit, WorkerStart};
pub use event::{Event, EventSink, ExitStatus, Recorder, Stream, WorkerIndex, WorkerKind};
pub use load::{Load, LoadMeter};
pub use process_group::ProcessGroup;
pub use task::{Arg, Args, Bodies, Task, WorkerBody, worker_main};

/// The engine's own bodies: enough for the bench, the self-tests and a
/// process pool. A build's full list adds the demos' bodies.
pub static ENGINE_BODIES: Bodies = &[
    &task::CRASH,
    &task::SLEEP,
    &task::FLOOD,
    &task::STAMPS,
    &pool::POOL_WORKER,
];
