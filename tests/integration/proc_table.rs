//! What the fault tests need to watch processes from outside: the kernel's
//! process table in `/proc`, an mptutor child that is always killed, and
//! polling with a deadline instead of sleeping.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// Long enough for any wait on a loaded machine; only a broken mptutor
/// makes a test wait this long.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// One line of `/proc/<pid>/stat`, the fields the tests look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcStat {
    pub pid: i32,
    /// R, S, D, Z, …
    pub state: char,
    pub ppid: i32,
    pub pgrp: i32,
}

/// The process `pid`, if it exists (a zombie exists, in state Z).
pub fn stat(pid: i32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything, so the
    // fields are counted from the last ')'.
    let mut fields = text.rsplit_once(')')?.1.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some(ProcStat {
        pid,
        state,
        ppid,
        pgrp,
    })
}

/// Every process on the machine.
pub fn all() -> Vec<ProcStat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter_map(stat)
        .collect()
}

/// The processes left behind by mptutor `parent`: its children (zombies
/// included), and anything still in one of the demo groups `groups`.
pub fn leftovers(parent: i32, groups: &[i32]) -> Vec<ProcStat> {
    all()
        .into_iter()
        .filter(|process| process.ppid == parent || groups.contains(&process.pgrp))
        .collect()
}

/// Polls `done` until it holds or `within` passes; returns whether it held.
pub fn eventually(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every pid in text like `[ +1.0ms P2 pid 9414] started …`, in order.
pub fn tagged_pids(text: &str) -> Vec<i32> {
    let mut pids = Vec::new();
    for (at, _) in text.match_indices("pid ") {
        let rest = &text[at + 4..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty()
            && rest[digits.len()..].starts_with(']')
            && let Ok(pid) = digits.parse()
            && !pids.contains(&pid)
        {
            pids.push(pid);
        }
    }
    pids
}

/// mptutor running with piped stdin and stdout; SIGKILLed and reaped when
/// dropped, so a failing test leaves nothing running. Its workers die
/// with it (that is one of the promises under test), and the tests give
/// them finite work, so nothing outlives the test even if that breaks.
pub struct Mptutor {
    child: Child,
    stdin: Option<ChildStdin>,
    chunks: Receiver<String>,
    /// Everything read from stdout so far.
    pub output: String,
    /// How much of `output` the last `read_until` consumed.
    seen: usize,
}

impl Mptutor {
    /// Starts `mptutor args…` with a clean environment (see `support`).
    pub fn start(home: &std::path::Path, args: &[&str]) -> Self {
        Self::start_with(crate::support::mptutor(home), args)
    }

    /// [`Mptutor::start`] with `path` as its `PATH`: another `python3`.
    pub fn start_with_path(home: &std::path::Path, args: &[&str], path: &std::ffi::OsStr) -> Self {
        let mut command = crate::support::mptutor(home);
        command.env("PATH", path);
        Self::start_with(command, args)
    }

    fn start_with(command: std::process::Command, args: &[&str]) -> Self {
        Self::try_start_command(command, args).expect("start mptutor")
    }

    /// Starts `command` (made by `support::mptutor`) with `args`, or says
    /// why it could not start.
    pub fn try_start_command(
        mut command: std::process::Command,
        args: &[&str],
    ) -> std::io::Result<Self> {
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = command.spawn()?;
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("mptutor's stdout");
        let (sender, chunks) = channel();
        // Ends when mptutor's stdout closes, that is when it is gone.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(count @ 1..) = stdout.read(&mut buffer) {
                let text = String::from_utf8_lossy(&buffer[..count]).into_owned();
                if sender.send(text).is_err() {
                    break;
                }
            }
        });
        Ok(Mptutor {
            child,
            stdin,
            chunks,
            output: String::new(),
            seen: 0,
        })
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits in i32")
    }

    /// Types a line on mptutor's stdin.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}")
            .and_then(|()| stdin.flush())
            .expect("write to mptutor");
    }

    /// Reads until `needle` appears after what earlier calls consumed;
    /// returns the text up to and including it. Panics, showing the
    /// output, if it does not come within [`PATIENCE`].
    pub fn read_until(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(at) = self.output[self.seen..].find(needle) {
                let end = self.seen + at + needle.len();
                let text = self.output[self.seen..end].to_string();
                self.seen = end;
                return text;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.output.push_str(&chunk),
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "no {needle:?} within {PATIENCE:?}; output:\n{}",
                        self.output
                    )
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("mptutor ended before {needle:?}; output:\n{}", self.output)
                }
            }
        }
    }

    /// Closes mptutor's stdin: end of input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Sends `signal` to mptutor itself.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.pid()), signal).expect("signal mptutor");
    }

    /// Waits for mptutor to exit on its own; its exit code, or `None` when a
    /// signal ended it. Panics if it is still running after [`PATIENCE`].
    pub fn wait(&mut self) -> Option<i32> {
        let mut status = None;
        let ended = eventually(PATIENCE, || {
            status = self.child.try_wait().expect("wait for mptutor");
            status.is_some()
        });
        assert!(ended, "mptutor did not end; output:\n{}", self.output);
        status.and_then(|status| status.code())
    }
}

impl Drop for Mptutor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
