//! The floor: each operation done with the bare system calls and nothing
//! else — no process group, no pdeathsig, no event, no line splitting — so
//! the engine has something to be held against.
//!
//! The bare calls themselves are in `engine::sys::bare`, beside the
//! engine's own: the point is to bypass the engine's wrappers, not its
//! rule that all `unsafe` lives in one module.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use std::collections::VecDeque;

use crate::demos::primes::count_primes;
use crate::engine::pool::QUICK_QUEUE;
use crate::engine::sys;
use crate::engine::sys::bare::{
    execv, exit_child, fork, move_to_3_and_4, read_some, wait_ok, write_all,
};
use crate::engine::task::monotonic_ns;

/// `fork`; the child calls `_exit(0)`; the parent `waitpid`s.
pub fn fork_exit_wait() -> io::Result<()> {
    let pid = fork()?;
    if pid == 0 {
        exit_child(0);
    }
    wait_ok(pid)
}

/// `fork`; the child `execv`s `argv[0]`; the parent `waitpid`s.
pub fn fork_exec_wait(argv: &[CString]) -> io::Result<()> {
    let Some(program) = argv.first() else {
        return Err(io::Error::other("nothing to run"));
    };
    let mut pointers: Vec<*const libc::c_char> = argv.iter().map(|arg| arg.as_ptr()).collect();
    pointers.push(std::ptr::null());
    let pid = fork()?;
    if pid == 0 {
        execv(program, &pointers);
        exit_child(127);
    }
    wait_ok(pid)
}

/// One process per share (first number, stride), each counting the primes
/// in it below `limit`; waits for all.
pub fn fork_count_primes(limit: u64, shares: &[(u64, u64)]) -> io::Result<()> {
    let mut children = Vec::with_capacity(shares.len());
    for &(first, step) in shares {
        let pid = fork()?;
        if pid == 0 {
            std::hint::black_box(count_primes(first, limit, step));
            exit_child(0);
        }
        children.push(pid);
    }
    children.into_iter().try_for_each(wait_ok)
}

/// A child writes `lines` lines, each its CLOCK_MONOTONIC time in ns, `gap`
/// apart, into a pipe; returns, per line, the microseconds from the write
/// to the parent having read it (`poll` then `read`).
pub fn pipe_latencies(lines: usize, gap: Duration) -> io::Result<Vec<f64>> {
    let (read_end, write_end) = sys::pipe()?;
    let pid = fork()?;
    if pid == 0 {
        let fd = write_end.as_raw_fd();
        for _ in 0..lines {
            let line = format!("{}\n", monotonic_ns());
            if write_all(fd, line.as_bytes()).is_err() {
                exit_child(1);
            }
            std::thread::sleep(gap);
        }
        exit_child(0);
    }
    drop(write_end);
    let mut latencies = Vec::with_capacity(lines);
    let mut buffer = [0u8; 4096];
    let mut partial = Vec::new();
    loop {
        let mut fds = [PollFd::new(read_end.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, PollTimeout::NONE) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
        let count = read_some(read_end.as_raw_fd(), &mut buffer)?;
        let now = monotonic_ns();
        if count == 0 {
            break;
        }
        partial.extend_from_slice(&buffer[..count]);
        while let Some(end) = partial.iter().position(|b| *b == b'\n') {
            let stamp = std::str::from_utf8(&partial[..end])
                .ok()
                .and_then(|text| text.parse::<u64>().ok());
            if let Some(stamp) = stamp {
                latencies.push(now.saturating_sub(stamp) as f64 / 1000.0);
            }
            partial.drain(..=end);
        }
    }
    wait_ok(pid)?;
    Ok(latencies)
}

/// One worker of [`BarePool`].
struct BareWorker {
    pid: libc::pid_t,
    requests: OwnedFd,
    results: OwnedFd,
}

/// A process pool over raw pipes: each request is one native-endian `i64`,
/// each result its square. The least a pool can do.
pub struct BarePool {
    workers: Vec<BareWorker>,
}

impl BarePool {
    pub fn start(count: usize) -> io::Result<BarePool> {
        let mut pool = BarePool {
            workers: Vec::with_capacity(count),
        };
        for _ in 0..count {
            let (request_read, request_write) = sys::pipe()?;
            let (result_read, result_write) = sys::pipe()?;
            let pid = fork()?;
            if pid == 0 {
                serve(&request_read, &result_write);
            }
            pool.workers.push(BareWorker {
                pid,
                requests: request_write,
                results: result_read,
            });
        }
        Ok(pool)
    }

    /// Squares `inputs` with [`QUICK_QUEUE`] in flight per worker, as the
    /// engine's pool does for this job, the requests for one worker sent
    /// in one write; results in input order.
    pub fn map_squares(&mut self, inputs: &[i64]) -> io::Result<Vec<i64>> {
        let mut results = vec![0; inputs.len()];
        let mut holding: Vec<VecDeque<usize>> =
            vec![VecDeque::with_capacity(QUICK_QUEUE); self.workers.len()];
        let mut next = 0;
        let mut done = 0;
        let mut batch = [0u8; 8 * QUICK_QUEUE];
        let mut top_up = |worker: &BareWorker, held: &mut VecDeque<usize>, next: &mut usize| {
            let mut length = 0;
            while held.len() < QUICK_QUEUE && *next < inputs.len() {
                batch[length..length + 8].copy_from_slice(&inputs[*next].to_ne_bytes());
                length += 8;
                held.push_back(*next);
                *next += 1;
            }
            if length == 0 {
                return Ok(());
            }
            write_all(worker.requests.as_raw_fd(), &batch[..length])
        };
        for (worker, held) in self.workers.iter().zip(&mut holding) {
            top_up(worker, held, &mut next)?;
        }
        let mut answers = [0u8; 8 * QUICK_QUEUE];
        while done < inputs.len() {
            let mut fds: Vec<PollFd<'_>> = self
                .workers
                .iter()
                .map(|worker| PollFd::new(worker.results.as_fd(), PollFlags::POLLIN))
                .collect();
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(error) => return Err(error.into()),
            }
            let ready: Vec<usize> = fds
                .iter()
                .enumerate()
                .filter(|(_, fd)| fd.revents().is_some_and(|events| !events.is_empty()))
                .map(|(position, _)| position)
                .collect();
            for position in ready {
                let worker = &self.workers[position];
                let count = read_some(worker.results.as_raw_fd(), &mut answers)?;
                // Answers are 8 bytes and written whole, so a read ends on
                // an answer's end.
                if count == 0 || count % 8 != 0 {
                    return Err(io::Error::other("a bare pool worker went away"));
                }
                for answer in answers[..count].chunks_exact(8) {
                    let Some(index) = holding[position].pop_front() else {
                        continue;
                    };
                    let mut bytes = [0u8; 8];
                    bytes.copy_from_slice(answer);
                    results[index] = i64::from_ne_bytes(bytes);
                    done += 1;
                }
                top_up(worker, &mut holding[position], &mut next)?;
            }
        }
        Ok(results)
    }

    /// Closes every request pipe and waits for every worker.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.close_and_reap()
    }

    fn close_and_reap(&mut self) -> io::Result<()> {
        let workers = std::mem::take(&mut self.workers);
        let pids: Vec<libc::pid_t> = workers.iter().map(|worker| worker.pid).collect();
        // Closing the request ends is what tells each worker to exit.
        drop(workers);
        pids.into_iter().try_for_each(wait_ok)
    }
}

/// A bare pool worker: moves its two pipe ends to 3 and 4, closes every
/// other descriptor above 2 (so each request pipe has one writer, and
/// closing it is seen), then squares until the request pipe closes.
fn serve(requests: &OwnedFd, results: &OwnedFd) -> ! {
    let moved = move_to_3_and_4(requests, results);
    if !moved {
        exit_child(127);
    }
    // Every request waiting is answered, all in one write, as the
    // engine's workers do.
    let mut requests = [0u8; 8 * QUICK_QUEUE];
    let mut answers = [0u8; 8 * QUICK_QUEUE];
    loop {
        let count = match read_some(3, &mut requests) {
            Ok(count) if count > 0 && count % 8 == 0 => count,
            _ => exit_child(0),
        };
        for (request, answer) in requests[..count]
            .chunks_exact(8)
            .zip(answers.chunks_exact_mut(8))
        {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(request);
            let x = i64::from_ne_bytes(bytes);
            answer.copy_from_slice(&x.wrapping_mul(x).to_ne_bytes());
        }
        if write_all(4, &answers[..count]).is_err() {
            exit_child(0);
        }
    }
}

impl Drop for BarePool {
    fn drop(&mut self) {
        let _ = self.close_and_reap();
    }
}
