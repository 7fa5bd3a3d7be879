//! Reading workers' pipes: one `poll` over every descriptor of the group.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use smallvec::SmallVec;

use super::start::keep_pipes;
use super::{Channel, ChannelLines, INLINE_FDS, ProcessGroup, Worker};
use crate::engine::context::{EngineError, RunContext};
use crate::engine::event::{Event, ExitStatus, Stream};
use crate::engine::forkserver::Heard;
use crate::engine::forkserver::wire::Record;
use crate::engine::sys::{self, Reaped};
use crate::engine::task::{STAMP_END, STAMP_START};

/// Which of a worker's descriptors is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Source {
    /// One of its output pipes: the position in `Worker::pipes`.
    Pipe(usize),
    /// A pool worker's result pipe.
    Channel,
    /// Its pidfd: it has exited.
    ExitWatch,
    /// Its status pipe from the fork server: the server has reaped it.
    Status,
    /// The caller's own descriptor, which only ends the wait.
    Wake,
}

/// The read buffer starts at one page and doubles, up to [`MAX_READ`],
/// each time a read fills it. Not a 64 KiB array on the stack: right after
/// a fork every page mptutor writes costs a copy-on-write fault, and the
/// stack probe of a 64 KiB frame writes sixteen of them on every round.
/// One buffer serves every group, so a read that returns nothing (a pipe
/// closing) writes no page at all.
const MIN_READ: usize = 4096;
const MAX_READ: usize = 65536;

thread_local! {
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl ProcessGroup {
    pub(super) fn read_ready(
        &mut self,
        ctx: &mut RunContext<'_>,
        wait: Duration,
        wake: Option<BorrowedFd<'_>>,
        channel_lines: &mut ChannelLines,
    ) -> Result<(), EngineError> {
        // (worker position, which of its descriptors)
        let mut owners: SmallVec<[(usize, Source); INLINE_FDS]> = SmallVec::new();
        let mut fds: SmallVec<[PollFd<'_>; INLINE_FDS]> = SmallVec::new();
        for (position, worker) in self.workers.iter().enumerate() {
            if let Some(watch) = &worker.exit_watch {
                owners.push((position, Source::ExitWatch));
                fds.push(PollFd::new(watch.pidfd.as_fd(), PollFlags::POLLIN));
            }
            if let Some(watch) = &worker.server {
                owners.push((position, Source::Status));
                fds.push(PollFd::new(watch.status.as_fd(), PollFlags::POLLIN));
            }
            for (number, pipe) in worker.pipes.iter().enumerate() {
                owners.push((position, Source::Pipe(number)));
                fds.push(PollFd::new(pipe.fd.as_fd(), PollFlags::POLLIN));
            }
            if let Some(results) = worker
                .channel
                .as_ref()
                .and_then(|channel| channel.results.as_ref())
            {
                owners.push((position, Source::Channel));
                fds.push(PollFd::new(results.as_fd(), PollFlags::POLLIN));
            }
        }
        if fds.is_empty() {
            self.wait_for_exits(wait);
            return Ok(());
        }
        if let Some(wake) = wake {
            owners.push((usize::MAX, Source::Wake));
            fds.push(PollFd::new(wake, PollFlags::POLLIN));
        }
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::ZERO);
        match poll(&mut fds, timeout) {
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => return Ok(()),
            Err(error) => return Err(error.into()),
        }
        // Keep the owners of the ready descriptors, in place.
        let mut ready = 0;
        for (position, fd) in fds.iter().enumerate() {
            if fd.revents().is_some_and(|events| !events.is_empty()) {
                owners[ready] = owners[position];
                ready += 1;
            }
        }
        drop(fds);
        owners.truncate(ready);
        let ready = owners;
        let mut buffer = READ_BUFFER.take();
        if buffer.is_empty() {
            buffer.resize(MIN_READ, 0);
        }
        let mut closed: SmallVec<[(usize, Source); INLINE_FDS]> = SmallVec::new();
        let mut exited: SmallVec<[usize; INLINE_FDS]> = SmallVec::new();
        for (position, source) in ready {
            if source == Source::Wake {
                continue;
            }
            let worker = &mut self.workers[position];
            if source == Source::ExitWatch {
                // It can be reaped now. Its pipes end once drained, or are
                // read dry and kept, once this round's reading is done.
                if worker.recycle {
                    exited.push(position);
                } else {
                    worker.exit_watch = None;
                }
                continue;
            }
            if source == Source::Status {
                take_status(ctx, worker);
                continue;
            }
            let (fd, splitter) = match source {
                Source::Channel => match worker.channel.as_mut() {
                    Some(Channel {
                        results: Some(fd),
                        lines,
                        ..
                    }) => (&*fd, lines),
                    _ => continue,
                },
                Source::Pipe(number) => {
                    let pipe = &mut worker.pipes[number];
                    (&pipe.fd, &mut pipe.lines)
                }
                Source::ExitWatch | Source::Status | Source::Wake => continue,
            };
            match nix::unistd::read(fd, &mut buffer) {
                Ok(0) => closed.push((position, source)),
                Ok(count) => {
                    if count == buffer.len() && buffer.len() < MAX_READ {
                        buffer.resize(buffer.len() * 2, 0);
                    }
                    let lines = splitter.feed(&buffer[..count]);
                    match source {
                        Source::Pipe(number) => {
                            emit_lines(ctx, worker, worker.pipes[number].stream, lines);
                        }
                        _ => {
                            channel_lines.extend(lines.into_iter().map(|line| (worker.index, line)))
                        }
                    }
                }
                Err(nix::errno::Errno::EINTR | nix::errno::Errno::EAGAIN) => {}
                Err(_) => closed.push((position, source)),
            }
        }
        // Remove closed pipes highest first so positions stay valid.
        closed.sort_unstable_by(|a, b| b.cmp(a));
        for (position, source) in closed {
            self.close_pipe(ctx, position, source, channel_lines);
        }
        for position in exited {
            self.recycle_output(ctx, position, &mut buffer);
        }
        READ_BUFFER.set(buffer);
        Ok(())
    }

    /// A worker whose pipes may serve another has exited: reads them dry
    /// (everything it wrote is in them, and nobody else can write), sends
    /// the last lines, and keeps the pipes for the next worker.
    fn recycle_output(&mut self, ctx: &mut RunContext<'_>, position: usize, buffer: &mut [u8]) {
        let worker = &mut self.workers[position];
        let Some(watch) = worker.exit_watch.take() else {
            return;
        };
        for number in 0..worker.pipes.len() {
            loop {
                let pipe = &mut worker.pipes[number];
                match nix::unistd::read(&pipe.fd, buffer) {
                    Ok(0) => break,
                    Ok(count) => {
                        let (stream, lines) = (pipe.stream, pipe.lines.feed(&buffer[..count]));
                        emit_lines(ctx, worker, stream, lines);
                    }
                    Err(nix::errno::Errno::EINTR) => {}
                    // EAGAIN: read dry.
                    Err(_) => break,
                }
            }
        }
        let [stdout_write, stderr_write] = watch.output;
        let (mut stdout, mut stderr) = (None, None);
        while !self.workers[position].pipes.is_empty() {
            let last = self.workers[position].pipes.len() - 1;
            match self.close_pipe(ctx, position, Source::Pipe(last), &mut Vec::new()) {
                Some((Stream::Stdout, fd)) => stdout = Some(fd),
                Some((Stream::Stderr, fd)) => stderr = Some(fd),
                None => {}
            }
        }
        if let (Some(stdout), Some(stderr)) = (stdout, stderr) {
            keep_pipes(sys::OutputPipes {
                stdout: (stdout, stdout_write),
                stderr: (stderr, stderr_write),
            });
        }
    }

    /// Nothing left to read, but workers not reaped yet: a worker closes
    /// its pipes a moment before it can be reaped, or a worker closed them
    /// and runs on. Waits on their pidfds, which turn readable the moment
    /// each exits, so the exit is seen at once rather than after a sleep;
    /// where the kernel has no pidfd (before Linux 5.3), sleeps a little.
    fn wait_for_exits(&self, wait: Duration) {
        let pidfds: Vec<OwnedFd> = if self.reaping {
            self.workers
                .iter()
                .filter(|worker| worker.reaped.is_none() && !worker.by_server)
                .filter_map(|worker| sys::pidfd_open(worker.pid))
                .collect()
        } else {
            Vec::new()
        };
        if pidfds.is_empty() {
            std::thread::sleep(wait.min(Duration::from_millis(2)));
            return;
        }
        let mut fds: Vec<PollFd<'_>> = pidfds
            .iter()
            .map(|fd| PollFd::new(fd.as_fd(), PollFlags::POLLIN))
            .collect();
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::ZERO);
        let _ = poll(&mut fds, timeout);
    }

    /// Ends one of a worker's pipes: sends what is left in it as lines,
    /// and hands back an output pipe's read end with its stream.
    fn close_pipe(
        &mut self,
        ctx: &mut RunContext<'_>,
        position: usize,
        source: Source,
        channel_lines: &mut ChannelLines,
    ) -> Option<(Stream, OwnedFd)> {
        let worker = &mut self.workers[position];
        let number = match source {
            Source::Pipe(number) => number,
            Source::ExitWatch | Source::Status | Source::Wake => return None,
            Source::Channel => {
                if let Some(channel) = worker.channel.as_mut() {
                    channel.results = None;
                    channel_lines.extend(
                        channel
                            .lines
                            .flush()
                            .into_iter()
                            .map(|line| (worker.index, line)),
                    );
                }
                return None;
            }
        };
        let mut pipe = worker.pipes.remove(number);
        emit_lines(ctx, worker, pipe.stream, pipe.lines.flush());
        if pipe.lines.dropped > 0 {
            let stream = match pipe.stream {
                Stream::Stdout => "stdout",
                Stream::Stderr => "stderr",
            };
            ctx.note(format!(
                "{} printed {} more lines on {stream} than are shown",
                worker.label, pipe.lines.dropped
            ));
        }
        Some((pipe.stream, pipe.fd))
    }
}

/// Reads what the fork server reported about `worker`: once it says the
/// worker was reaped, that is how it ended, and mptutor's copies of its
/// pipes' write ends go, so the pipes end once drained.
fn take_status(ctx: &mut RunContext<'_>, worker: &mut Worker) {
    let Some(watch) = worker.server.as_mut() else {
        return;
    };
    loop {
        match watch.status.hear() {
            Heard::Nothing => return,
            Heard::Record(Record::Exited {
                status,
                cpu_us,
                max_rss_kb,
                reaped_ns,
            }) => {
                worker.reaped = Some(Reaped {
                    status,
                    cpu_us,
                    max_rss_kb,
                });
                worker.reaped_t_us = Some(ctx.t_us_of_monotonic(reaped_ns));
                worker.server = None;
                return;
            }
            // Its start was read when it was launched; nothing else comes.
            Heard::Record(
                Record::Started { .. } | Record::Refused { .. } | Record::LimitReached { .. },
            ) => {}
            Heard::Ended => {
                ctx.note(format!(
                    "the fork server ended before it reported how {} (pid {}) ended",
                    worker.label, worker.pid
                ));
                worker.reaped = Some(Reaped {
                    status: ExitStatus::Code(-1),
                    cpu_us: 0,
                    max_rss_kb: 0,
                });
                worker.reaped_t_us = Some(ctx.t_us());
                worker.server = None;
                return;
            }
        }
    }
}

/// Sends each of `lines`, which `worker` printed on `stream`. A line a
/// worker stamped with the moment it wrote it (see
/// `task::write_stamped_line`) is timed by that moment, not by when it was
/// read, and loses its stamp.
fn emit_lines(ctx: &mut RunContext<'_>, worker: &Worker, stream: Stream, lines: Vec<String>) {
    for mut text in lines {
        let t_us = match unstamp(&mut text) {
            Some(ns) => ctx.t_us_of_monotonic(ns),
            None => ctx.t_us(),
        };
        let event = Event::Line {
            worker: worker.index,
            pid: worker.pid.as_raw(),
            stream,
            text,
            t_us,
        };
        ctx.emit(event);
    }
}

/// Removes a `\x01<ns>\x02` stamp from the start of `text`; returns its
/// time.
fn unstamp(text: &mut String) -> Option<u64> {
    let rest = text.as_bytes().strip_prefix(&[STAMP_START])?;
    let end = rest.iter().position(|byte| *byte == STAMP_END)?;
    let ns = std::str::from_utf8(&rest[..end]).ok()?.parse().ok()?;
    text.drain(..end + 2);
    Some(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_removed_and_read_and_anything_else_left_alone() {
        let mut stamped = "\u{1}123456\u{2}Process-1 prints 10".to_string();
        assert_eq!(unstamp(&mut stamped), Some(123_456));
        assert_eq!(stamped, "Process-1 prints 10");
        for plain in ["Process-1 prints 10", "\u{1}12x\u{2}text", "\u{1}no end"] {
            let mut text = plain.to_string();
            assert_eq!(unstamp(&mut text), None);
            assert_eq!(text, plain);
        }
    }
}
