//! Why the engine stopped before finishing.

/// Why the engine stopped before finishing.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("stopped: Ctrl-C")]
    Interrupted,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A system call that failed, with what mptutor was trying to do.
    #[error("cannot {what}: {source}")]
    Cannot {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The system refused a new process or thread (`EAGAIN`, `ENOMEM`):
    /// which one, and the limit reached with what to do (see
    /// [`crate::engine::start_refused`]).
    #[error("could not start {what}: {why}")]
    StartRefused { what: String, why: String },
    #[error("{}", .0.desc())]
    Sys(#[from] nix::Error),
    /// Something the engine was asked for that cannot be done, in words
    /// that say what to do instead.
    #[error("{0}")]
    Refused(String),
}

impl EngineError {
    /// Wraps an I/O error with what was being done: `cannot start a
    /// thread: Resource temporarily unavailable`.
    pub fn cannot(what: &'static str) -> impl FnOnce(std::io::Error) -> EngineError {
        move |source| EngineError::Cannot { what, source }
    }
}
