//! Finding the student's `python3`, and what goes wrong running it.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::engine::EngineError;

/// Why a Python program could not be run (or was stopped).
#[derive(Debug, thiserror::Error)]
pub enum PythonError {
    #[error(
        "python3 is not installed, or not on your PATH. mptutor runs the examples with your own \
         Python 3: install it with `sudo apt install python3` (Debian, Ubuntu), `sudo dnf install \
         python3` (Fedora), `brew install python` (macOS) or from https://www.python.org/downloads/, \
         then try again."
    )]
    NotFound,
    #[error("cannot {action}: {source}")]
    Io {
        action: String,
        source: std::io::Error,
    },
    #[error("a path or environment variable contains a NUL byte, which a program cannot be given")]
    NulByte,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl PythonError {
    pub fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> PythonError {
        let action = action.into();
        move |source| PythonError::Io { action, source }
    }
}

/// The first executable `python3` on `PATH`.
pub fn find_python3() -> Result<PathBuf, PythonError> {
    let path = std::env::var_os("PATH").ok_or(PythonError::NotFound)?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join("python3"))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
        .ok_or(PythonError::NotFound)
}
