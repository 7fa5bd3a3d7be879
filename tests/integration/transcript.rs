//! `record FILE`: a transcript never hangs the REPL, and a transcript that
//! cannot be written says so instead of silently keeping nothing.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::mptutor;

/// Runs mptutor's script mode on `script`, killing it if it has not
/// finished after a minute (a hang guard, not a timing).
fn run_guarded(home: &Path, script: &str) -> Output {
    let mut child = mptutor(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .expect("write the script");
    }
    let started = Instant::now();
    while child.try_wait().expect("poll mptutor").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reap mptutor");
            panic!("mptutor hung: {output:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait for mptutor")
}

#[test]
fn recording_to_a_named_pipe_is_refused_at_once() {
    let home = tempfile::tempdir().expect("temporary directory");
    let fifo = home.path().join("class.txt");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let output = run_guarded(home.path(), &format!("record {}\nlist\n", fifo.display()));
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&fifo.display().to_string()), "{stderr}");
    assert!(stderr.contains("named pipe (FIFO)"), "{stderr}");
}

#[test]
fn recording_to_a_full_device_reports_the_write_error() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = run_guarded(home.path(), "record /dev/full\nlist\nrecord off\n");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}
