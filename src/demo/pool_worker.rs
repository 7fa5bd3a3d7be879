//! The loop a pool worker process runs: read a request line from fd 3, do
//! it, write the result line to fd 4, until fd 3 closes.
//!
//! Request: `<task> <job> <pace_ms> <crash_on> <x> <x> …`
//! Result:  `<task> <result> <result> …`, split into lines of at most
//! [`RESULTS_PER_LINE`] results, so a chunk of any size arrives in lines the
//! pool's line reader keeps whole (see `lines::MAX_LINE`). The results of a
//! chunk are written only once all of them are computed, as Python's pool
//! does: a worker that dies mid-chunk returns none of it.
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

use super::task::{REQUEST_FD, RESULT_FD};

/// Most results on one result line. An `i64` takes at most 20 characters
/// and a space, so a line stays well under `lines::MAX_LINE`.
pub const RESULTS_PER_LINE: usize = 150;
const _: () = assert!(RESULTS_PER_LINE * 21 + 24 < super::lines::MAX_LINE);

/// Serves requests until the pool closes the request pipe; exit code 0.
pub fn serve(name: &str) -> i32 {
    // SAFETY: the process group set these descriptors up for this worker
    // (see `ProcessGroup::spawn`) and nothing else in the process owns them.
    let (requests, results) =
        unsafe { (File::from_raw_fd(REQUEST_FD), File::from_raw_fd(RESULT_FD)) };
    let mut requests = BufReader::new(requests);
    let mut results = std::io::BufWriter::new(results);
    let mut out = std::io::stdout();
    let pid = std::process::id();
    let mut line = String::new();
    loop {
        line.clear();
        match requests.read_line(&mut line) {
            Ok(0) | Err(_) => return 0,
            Ok(_) => {}
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let [task, job, pace, crash_on, inputs @ ..] = words.as_slice() else {
            continue;
        };
        let pace = Duration::from_millis(pace.parse().unwrap_or(0));
        let crash_on: i64 = crash_on.parse().unwrap_or(0);
        let mut answer = String::with_capacity(inputs.len() * 8 + 16);
        if *job == "work" {
            let _ = writeln!(out, "{name} (pid {pid}) takes task {task}");
            let _ = out.flush();
        }
        for (position, input) in inputs.iter().enumerate() {
            let x: i64 = input.parse().unwrap_or(0);
            if crash_on != 0 && x == crash_on {
                let _ = writeln!(out, "{name} (pid {pid}) got input {x} and crashes");
                let _ = out.flush();
                super::sys::segfault();
            }
            let result = match *job {
                "work" => {
                    spin(Duration::from_millis(u64::try_from(x).unwrap_or(0)));
                    x
                }
                _ => x.wrapping_mul(x),
            };
            if !pace.is_zero() {
                std::thread::sleep(pace);
            }
            if position % RESULTS_PER_LINE == 0 {
                if position > 0 {
                    answer.push('\n');
                }
                answer.push_str(task);
            }
            answer.push(' ');
            answer.push_str(&result.to_string());
        }
        if inputs.is_empty() {
            answer.push_str(task);
        }
        answer.push('\n');
        if results
            .write_all(answer.as_bytes())
            .and_then(|()| results.flush())
            .is_err()
        {
            return 0;
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
