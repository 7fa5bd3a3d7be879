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

/// A Python interpreter, with what it says of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPython {
    /// How it is started: the path given, or found.
    pub path: PathBuf,
    /// Its version, `3.12.1`.
    pub version: String,
    /// The same, as numbers: (major, minor, micro).
    pub number: (u32, u32, u32),
    /// The start method its `multiprocessing` uses when a program does not
    /// choose one: `fork`, `spawn` or `forkserver`.
    pub default_method: String,
    /// Its `sys.executable`, links resolved: two paths that start the same
    /// interpreter (a version manager's shim and the version it runs) are
    /// one interpreter.
    pub executable: PathBuf,
}

impl FoundPython {
    /// `Python 3.12.1 (/usr/bin/python3.12)`: how a report names it.
    pub fn label(&self) -> String {
        format!("Python {} ({})", self.version, self.path.display())
    }
}

/// The oldest Python whose examples mptutor checks.
pub const OLDEST_PYTHON: (u32, u32) = (3, 8);

/// What `python` says of itself: its version, its default start method
/// and its executable. Refused, saying why, when it is not a Python
/// 3.8 or newer, or does not answer within 20 s.
pub fn describe_python(python: &Path) -> Result<FoundPython, PythonError> {
    // The version comes first, on its own, so that a Python too old for
    // the rest is still told by its version.
    const PROBE: &str = "import sys\nprint('%d.%d.%d' % tuple(sys.version_info[:3]))\n\
        sys.stdout.flush()\nimport os, multiprocessing\n\
        print(multiprocessing.get_start_method())\nprint(os.path.realpath(sys.executable))\n";
    let refuse = |why: String| PythonError::NotAnInterpreter {
        path: python.display().to_string(),
        why,
    };
    let answer = ask(python, PROBE).map_err(|why| refuse(why.clone()))?;
    let mut lines = answer.lines();
    let version = lines.next().unwrap_or_default().trim().to_string();
    let mut numbers = version.split('.').map(|part| part.parse::<u32>().ok());
    let number = match (numbers.next(), numbers.next(), numbers.next()) {
        (Some(Some(major)), Some(Some(minor)), Some(Some(micro))) => (major, minor, micro),
        _ => return Err(refuse("did not answer as a Python interpreter".to_string())),
    };
    if (number.0, number.1) < OLDEST_PYTHON {
        return Err(refuse(format!(
            "is Python {version}; mptutor needs Python {}.{} or newer",
            OLDEST_PYTHON.0, OLDEST_PYTHON.1
        )));
    }
    let (Some(default_method), Some(executable)) = (lines.next(), lines.next()) else {
        return Err(refuse(format!(
            "answered as Python {version} but could not say its multiprocessing start method"
        )));
    };
    Ok(FoundPython {
        path: python.to_path_buf(),
        version,
        number,
        default_method: default_method.trim().to_string(),
        executable: PathBuf::from(executable.trim()),
    })
}

/// What `python -c code` printed, when it ended well within 20 s; else
/// why not.
fn ask(python: &Path, code: &str) -> Result<String, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(python)
        .args(["-c", code])
        .env_remove("PYTHONSTARTUP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot be started ({error})"))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("did not answer within 20 s".to_string());
            }
            Err(error) => return Err(format!("could not be waited for ({error})")),
        }
    };
    let mut printed = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut printed);
    }
    if !status.success() && printed.trim().is_empty() {
        return Err(format!("did not answer as a Python interpreter ({status})"));
    }
    Ok(printed)
}

/// Every Python 3.8 or newer found by [`every_python`], and what was
/// passed over.
#[derive(Debug, Clone, Default)]
pub struct EveryPython {
    /// `python3` on `PATH` first, then pyenv's versions, oldest first;
    /// each interpreter once.
    pub found: Vec<FoundPython>,
    /// One line for each thing passed over: pyenv absent, a version older
    /// than 3.8, an interpreter that did not answer.
    pub notes: Vec<String>,
}

/// pyenv's root folder: what `pyenv root` says, else `$PYENV_ROOT`.
pub fn pyenv_root() -> Option<PathBuf> {
    let said = std::process::Command::new("pyenv")
        .arg("root")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .filter(|root| root.join("versions").is_dir());
    said.or_else(|| {
        std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .filter(|root| root.join("versions").is_dir())
    })
}

/// The `python3` on `PATH`, then every CPython 3.8 or newer that pyenv
/// holds (`$(pyenv root)/versions/*/bin/python3`), each once however many
/// paths lead to it. Without pyenv, `python3` alone, and a note saying so.
pub fn every_python() -> EveryPython {
    let mut every = EveryPython::default();
    match find_python3() {
        Ok(python3) => match describe_python(&python3) {
            Ok(found) => every.found.push(found),
            Err(error) => every.notes.push(error.to_string()),
        },
        Err(_) => every.notes.push("there is no python3 on PATH".to_string()),
    }
    let Some(root) = pyenv_root() else {
        every
            .notes
            .push("pyenv is not installed (no `pyenv root`, no PYENV_ROOT): python3 alone".into());
        return every;
    };
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(root.join("versions"))
        .map(|entries| {
            entries
                .filter_map(|entry| Some(entry.ok()?.path().join("bin").join("python3")))
                .filter(|python| is_executable_file(python))
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    let mut from_pyenv = Vec::new();
    let mut too_old = Vec::new();
    for python in candidates {
        match describe_python(&python) {
            Ok(found) => from_pyenv.push(found),
            Err(PythonError::NotAnInterpreter { why, .. }) if why.starts_with("is Python ") => {
                too_old.push(
                    why.trim_start_matches("is Python ")
                        .split(';')
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
            Err(error) => every.notes.push(error.to_string()),
        }
    }
    from_pyenv.sort_by_key(|found| found.number);
    for found in from_pyenv {
        if !every
            .found
            .iter()
            .any(|seen| seen.executable == found.executable)
        {
            every.found.push(found);
        }
    }
    if !too_old.is_empty() {
        too_old.sort();
        every.notes.push(format!(
            "pyenv's Python {} {} older than {}.{}: not used",
            too_old.join(", "),
            if too_old.len() == 1 { "is" } else { "are" },
            OLDEST_PYTHON.0,
            OLDEST_PYTHON.1
        ));
    }
    every
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
