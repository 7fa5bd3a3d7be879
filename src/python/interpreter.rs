//! Finding the student's `python3`, and what goes wrong running it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

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
    #[error(
        "`{path}` {why}: give the path of a Python interpreter, such as `/usr/bin/python3.12` or \
         `python3.13t` (found on PATH)"
    )]
    NotAnInterpreter { path: String, why: String },
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
    on_path("python3").ok_or(PythonError::NotFound)
}

/// The first executable called `name` in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable_file(candidate))
}

fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The interpreter the student chose (`--python`, `python=`): a path, or a
/// bare name looked up on `PATH` as a shell would. Anything that is not an
/// executable file is refused here, saying what it is instead, rather than
/// failing later inside the run.
pub fn chosen_interpreter(chosen: &Path) -> Result<PathBuf, PythonError> {
    let shown = chosen.display().to_string();
    let refuse = |why: &str| PythonError::NotAnInterpreter {
        path: shown.clone(),
        why: why.to_string(),
    };
    let bare_name = chosen.components().count() == 1 && !shown.starts_with('.');
    if bare_name && !chosen.exists() {
        return on_path(&shown).ok_or_else(|| refuse("is not a program on your PATH"));
    }
    match std::fs::metadata(chosen) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(refuse("does not exist")),
        Err(error) => Err(refuse(&format!("cannot be used ({error})"))),
        Ok(meta) if meta.is_dir() => Err(refuse("is a folder")),
        Ok(_) if !is_executable_file(chosen) => Err(refuse("is not an executable file")),
        Ok(_) => Ok(chosen.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chosen_interpreter_must_be_an_executable_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let message = |path: &Path| {
            chosen_interpreter(path)
                .map(|found| found.display().to_string())
                .unwrap_or_else(|error| error.to_string())
        };
        let missing = dir.path().join("python3.99");
        assert!(
            message(&missing).contains("python3.99` does not exist"),
            "{}",
            message(&missing)
        );
        assert!(message(dir.path()).contains("is a folder"));
        let plain = dir.path().join("notes.txt");
        std::fs::write(&plain, "x").expect("write");
        assert!(message(&plain).contains("is not an executable file"));
        assert!(message(Path::new("no-such-python-here")).contains("not a program on your PATH"));
        assert_eq!(message(Path::new("/bin/sh")), "/bin/sh");
    }
}
