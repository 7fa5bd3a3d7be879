//! Shared helpers: temporary course folders and a clean `mptutor` command.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A course folder in a temporary directory, deleted when dropped.
pub struct TempCourse {
    pub dir: TempDir,
}

impl TempCourse {
    /// A folder whose course.toml lists `files` in order, holding `files`.
    pub fn new(files: &[(&str, &str)]) -> Self {
        let listed: Vec<String> = files
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        let index = format!(
            "format_version = 1\ntitle = \"Test course\"\nlessons = [{}]\n",
            listed.join(", ")
        );
        Self::with_index(&index, files)
    }

    /// A folder with the given course.toml text and files.
    pub fn with_index(index: &str, files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("course.toml"), index).expect("write course.toml");
        for (name, text) in files {
            write_file(&dir.path().join(name), text.as_bytes());
        }
        TempCourse { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The path of a file in the course, as mptutor names it in messages.
    pub fn shown(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Every problem mptutor reports for this course.
    pub fn problems(&self) -> Vec<mptutor::course::Diagnostic> {
        match mptutor::course::load_dir(self.path()) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.diagnostics,
        }
    }
}

pub fn write_file(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::fs::write(path, bytes).expect("write file");
}

/// A minimal valid lesson with the given id.
pub fn lesson(id: &str) -> String {
    format!(
        "+++\nid = \"{id}\"\ntitle = \"Lesson {id}\"\nsummary = \"A test lesson.\"\n+++\n\n## First step\n\nSome prose.\n"
    )
}

/// The built binary, with an environment that does not depend on who runs
/// the tests: everything cleared but `PATH` (to find `python3`), a private
/// home and data directory, and a known terminal. No colour variables, no
/// `EDITOR`, no `PYTHONPATH` of the caller's reach mptutor.
pub fn mptutor(data_home: &Path) -> Command {
    let mut command = Command::new(binary());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_DATA_HOME", data_home)
        .env("HOME", data_home)
        .env("TERM", "xterm-256color");
    command
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mptutor"))
}

/// Runs mptutor with `args` and `home` as its data directory, feeding
/// `stdin`; stdout and stderr are pipes, not a terminal.
pub fn run_with_input(home: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    run_with_command(mptutor(home), args, stdin)
}

/// [`run_with_input`] with a command made by [`mptutor`] and changed
/// further (a limit set before it starts).
pub fn run_with_command(mut command: Command, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        // mptutor may end before it reads its input (a refusal at
        // start-up); what it said is in its output.
        match input.write_all(stdin.as_bytes()) {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                panic!("write stdin: {error}")
            }
            _ => {}
        }
    }
    child.wait_with_output().expect("wait for mptutor")
}

/// How long a test waits for something that must not block before calling
/// it hung. Generous, as the machine may be busy: only a hang takes this
/// long, and nothing is judged by how fast it was.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

/// `work` run on a thread of its own; the test fails, saying `what` hung,
/// when it has not returned after [`HANG`] (the thread is left blocked).
pub fn without_blocking<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    match result.recv_timeout(HANG) {
        Ok(value) => value,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("{what} hung"),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

/// Like [`run_with_input`], but mptutor is killed, and the test fails, when
/// it has not ended after [`HANG`].
pub fn run_guarded(home: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = mptutor(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        // mptutor may stop before reading it all.
        let _ = input.write_all(stdin.as_bytes());
    }
    let started = std::time::Instant::now();
    while child.try_wait().expect("poll mptutor").is_none() {
        if started.elapsed() > HANG {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reap mptutor");
            panic!("mptutor {args:?} hung: {output:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait for mptutor")
}

/// Whether `python3` runs on this machine; a test that needs it says when
/// it does not, and passes.
pub fn have_python3() -> bool {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        eprintln!("python3 is not installed: skipping");
    }
    found
}
