//! The loop a pool worker process runs: read a request line from fd 3, do
//! it, write the result lines to fd 4, until fd 3 closes (the format is in
//! [`pool_protocol`]). The results of a chunk are written only once all of
//! them are computed, as Python's pool does: a worker that dies mid-chunk
//! returns none of it.
//!
//! `job` is `square` (results are x²) or `work` (spin for x ms of CPU, the
//! result is x). `pause_ms` is slept per input: work that waits as well as computes.
//! An input equal to `crash_on` (when not 0) makes the worker die of a real
//! SIGSEGV, to show that a pool survives a dead worker.
//!
//! A forked worker shares every page with mptutor until it writes to one,
//! and then the page is copied, a page fault each. So the loop keeps its
//! buffers on the stack and allocates only for a request or an answer too
//! long for them: a heap allocation walks and writes malloc's lists, pages
//! a worker has no other reason to touch (see `mptutor bench`).
use std::fs::File;
use std::io::{Read, Write};
use std::time::Duration;

use smallvec::SmallVec;

use super::protocol::{self, ResultLines};
use crate::engine::task::{Args, REQUEST_FD, RESULT_FD, WorkerBody, bad_args, write_line};

/// Bytes read from the request pipe at a time: 16 queued single-input
/// requests.
const READ_BUFFER: usize = 512;
/// Bytes of results kept on the stack before the answer moves to the heap.
const ANSWER_INLINE: usize = 2048;

/// Request lines from a pipe, through a buffer on the stack.
struct Requests {
    file: File,
    buffer: [u8; READ_BUFFER],
    start: usize,
    end: usize,
    /// A line longer than the buffer, gathered here.
    long: Vec<u8>,
}

impl Requests {
    fn new(file: File) -> Self {
        Requests {
            file,
            buffer: [0; READ_BUFFER],
            start: 0,
            end: 0,
            long: Vec::new(),
        }
    }

    /// Whether the next line is here already, so reading it cannot wait.
    fn has_line(&self) -> bool {
        self.buffer[self.start..self.end].contains(&b'\n')
    }

    /// The next line, without its newline; `None` once the pipe is closed
    /// (a last line without a newline is dropped: the pool ends each
    /// request with one).
    fn next_line(&mut self) -> Option<&[u8]> {
        self.long.clear();
        loop {
            let waiting = &self.buffer[self.start..self.end];
            if let Some(at) = waiting.iter().position(|&byte| byte == b'\n') {
                let line = self.start..self.start + at;
                self.start += at + 1;
                if self.long.is_empty() {
                    return Some(&self.buffer[line]);
                }
                self.long.extend_from_slice(&self.buffer[line]);
                return Some(&self.long);
            }
            // Keep the start of a line and read the rest behind it.
            self.buffer.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.end == READ_BUFFER {
                self.long.extend_from_slice(&self.buffer);
                self.end = 0;
            }
            match self.file.read(&mut self.buffer[self.end..]) {
                Ok(0) => return None,
                Ok(count) => self.end += count,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
    }
}

/// A pool worker: `pool-worker <label>` serves requests from fd 3 until
/// the pool closes it.
pub static POOL_WORKER: WorkerBody = WorkerBody {
    name: "pool-worker",
    run: serve_requests,
};

fn serve_requests(args: &Args<'_>) -> i32 {
    match args.text(0) {
        Some(name) => serve(&name),
        None => bad_args("pool-worker", args),
    }
}

/// Serves requests until the pool closes the request pipe; exit code 0.
fn serve(name: &str) -> i32 {
    let Some((requests, results)) =
        crate::engine::sys::fds::take_pool_channel(REQUEST_FD, RESULT_FD)
    else {
        return 2;
    };
    let mut requests = Requests::new(requests);
    let mut results = results;
    let pid = std::process::id();
    let mut answer: SmallVec<[u8; ANSWER_INLINE]> = SmallVec::new();
    loop {
        // Results held back (see below) go out before a read that may
        // wait.
        if !answer.is_empty() && !requests.has_line() {
            if results.write_all(&answer).is_err() {
                return 0;
            }
            answer.clear();
        }
        let Some(line) = requests.next_line() else {
            let _ = results.write_all(&answer);
            return 0;
        };
        let Some(request) = std::str::from_utf8(line)
            .ok()
            .and_then(protocol::decode_request)
        else {
            continue;
        };
        let pause = Duration::from_millis(request.pause_ms);
        let work = request.job == "work";
        if work {
            let _ = write_line(format_args!(
                "{name} (pid {pid}) takes task {}",
                request.task
            ));
        }
        // Where this chunk's results begin: a crash takes them back.
        let chunk_start = answer.len();
        let mut lines = ResultLines::new(request.task);
        for x in request.inputs() {
            if request.crash_on != 0 && x == request.crash_on {
                // What it finished before goes out first: only this
                // chunk is lost.
                let _ = results.write_all(&answer[..chunk_start]);
                let _ = write_line(format_args!("{name} (pid {pid}) got input {x} and crashes"));
                crate::engine::sys::segfault();
            }
            let result = if work {
                spin(Duration::from_millis(u64::try_from(x).unwrap_or(0)));
                x
            } else {
                x.wrapping_mul(x)
            };
            lines.push(&mut answer, result);
            if !pause.is_zero() {
                std::thread::sleep(pause);
            }
        }
        lines.finish(&mut answer);
        // A quick chunk's results wait while the next request is already
        // here, and go out with its results: one write for all of them.
        // Otherwise they go at once, all of the chunk's results in one
        // write.
        if work || !pause.is_zero() {
            if results.write_all(&answer).is_err() {
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
    let until = crate::engine::sys::thread_cpu_us().saturating_add(budget);
    let mut x = 0u64;
    while crate::engine::sys::thread_cpu_us() < until {
        for _ in 0..1000 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_of_any_length_arrive_whole_and_in_order() {
        let (read_end, write_end) = crate::engine::sys::pipe().expect("a pipe");
        let lines: Vec<String> = [10, READ_BUFFER - 1, READ_BUFFER, 3 * READ_BUFFER + 7, 1]
            .iter()
            .enumerate()
            .map(|(number, length)| format!("{number}{}", "x".repeat(*length)))
            .collect();
        let mut text = lines.join("\n");
        text.push('\n');
        text.push_str("no newline at the end");
        let mut writer = File::from(write_end);
        writer.write_all(text.as_bytes()).expect("written");
        drop(writer);
        let mut requests = Requests::new(File::from(read_end));
        for line in &lines {
            assert_eq!(requests.next_line(), Some(line.as_bytes()));
        }
        assert_eq!(requests.next_line(), None, "a line cut short is dropped");
    }
}
