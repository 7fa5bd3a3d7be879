//! The loop a pool worker process runs: read a request line from fd 3, do
//! it, write the result lines to fd 4, until fd 3 closes (the format is in
//! [`pool_protocol`]). The results of a chunk are written only once all of
//! them are computed, as Python's pool does: a worker that dies mid-chunk
//! returns none of it.
//!
//! `job` is `square` (results are x²) or `work` (spin for x ms of CPU, the
//! result is x). `pace_ms` is slept per input, to slow a demo for a class.
//! An input equal to `crash_on` (when not 0) makes the worker die of a real
//! SIGSEGV, to show that a pool survives a dead worker.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::FromRawFd;
use std::time::Duration;

use super::pool_protocol;
use super::task::{REQUEST_FD, RESULT_FD};

/// Serves requests until the pool closes the request pipe; exit code 0.
pub fn serve(name: &str) -> i32 {
    // SAFETY: the process group set these descriptors up for this worker
    // (see `ProcessGroup::spawn`) and nothing else in the process owns them.
    let (requests, results) =
        unsafe { (File::from_raw_fd(REQUEST_FD), File::from_raw_fd(RESULT_FD)) };
    let mut requests = BufReader::new(requests);
    let mut results = results;
    let mut out = std::io::stdout();
    let pid = std::process::id();
    let mut line = String::new();
    let mut answer = String::new();
    let mut computed = Vec::new();
    loop {
        // Results held back (see below) go out before a read that may
        // wait.
        if !answer.is_empty() && !requests.buffer().contains(&b'\n') {
            if results.write_all(answer.as_bytes()).is_err() {
                return 0;
            }
            answer.clear();
        }
        line.clear();
        match requests.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let _ = results.write_all(answer.as_bytes());
                return 0;
            }
            Ok(_) => {}
        }
        let Some(request) = pool_protocol::decode_request(&line) else {
            continue;
        };
        let pace = Duration::from_millis(request.pace_ms);
        let work = request.job == "work";
        if work {
            let _ = writeln!(out, "{name} (pid {pid}) takes task {}", request.task);
            let _ = out.flush();
        }
        computed.clear();
        for &x in &request.inputs {
            if request.crash_on != 0 && x == request.crash_on {
                // What it finished before goes out first: only this
                // chunk is lost.
                let _ = results.write_all(answer.as_bytes());
                let _ = writeln!(out, "{name} (pid {pid}) got input {x} and crashes");
                let _ = out.flush();
                super::sys::segfault();
            }
            computed.push(if work {
                spin(Duration::from_millis(u64::try_from(x).unwrap_or(0)));
                x
            } else {
                x.wrapping_mul(x)
            });
            if !pace.is_zero() {
                std::thread::sleep(pace);
            }
        }
        pool_protocol::encode_results(request.task, &computed, &mut answer);
        // A quick chunk's results wait while the next request is already
        // here, and go out with its results: one write for all of them.
        // Otherwise they go at once, all of the chunk's results in one
        // write.
        if work || !pace.is_zero() {
            if results.write_all(answer.as_bytes()).is_err() {
                return 0;
            }
            answer.clear();
        }
    }
}

/// Keeps the CPU busy until this worker has used `duration` more of CPU
/// time. CPU time, not wall time: with more workers than cores a task takes
/// longer, as real work would, instead of pretending the cores are there.
fn spin(duration: Duration) {
    let budget = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    let until = super::sys::thread_cpu_us().saturating_add(budget);
    let mut x = 0u64;
    while super::sys::thread_cpu_us() < until {
        for _ in 0..1000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}
