//! Communication row: 64 MB handed from one worker to another, 1 MB at a
//! time, between two processes through a pipe and between two threads
//! through a channel.
//!
//! Both sides do the same work: the sender fills each megabyte with a
//! letter, the receiver adds up every byte (so the data is really read)
//! and checks the total. Between processes every byte is copied into the
//! kernel's pipe buffer and out again; between threads the receiver reads
//! the sender's buffer where it is, and only the buffer's address travels
//! through the channel. The claim: the threads' route is the cheaper one.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Measurement, Row, RowResult, ratio, times_word};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, REQUEST_FD, RESULT_FD, Task, WorkerBody};
use crate::engine::threads::{Job, Voice, run_threads};

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 64;
const BYTES: usize = CHUNK * CHUNKS;

/// The letter chunk `number` is filled with.
fn letter(number: usize) -> u8 {
    b'a' + (number % 26) as u8
}

/// The sum of every byte sent: each chunk is `CHUNK - 1` letters and a
/// newline, since the pipe is written a line at a time.
fn expected_sum() -> u64 {
    (0..CHUNKS)
        .map(|number| (CHUNK as u64 - 1) * u64::from(letter(number)) + u64::from(b'\n'))
        .sum()
}

/// `receive-bytes`, in the receiving process: reads its request pipe to
/// the end, adding up the bytes, and prints how many and their sum.
pub static RECEIVE_BYTES: WorkerBody = WorkerBody {
    name: "receive-bytes",
    run: |_: &Args<'_>| receive_bytes(),
};

fn receive_bytes() -> i32 {
    // The request pipe is this process's descriptor 3 (see
    // `ProcessGroup::spawn`); the result pipe, 4, goes unused.
    let Some((mut pipe, _results)) =
        crate::engine::sys::fds::take_pool_channel(REQUEST_FD, RESULT_FD)
    else {
        eprintln!("cannot take the pipe: it was taken already");
        return 1;
    };
    let mut buffer = vec![0u8; CHUNK];
    let (mut bytes, mut sum) = (0u64, 0u64);
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => {
                bytes += count as u64;
                sum += buffer[..count]
                    .iter()
                    .map(|byte| u64::from(*byte))
                    .sum::<u64>();
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                eprintln!("reading the pipe failed: {error}");
                return 1;
            }
        }
    }
    let said = crate::engine::task::write_line(format_args!("received {bytes} bytes, sum {sum}"));
    i32::from(said.is_err())
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<RowResult, EngineError> {
    let megabytes = BYTES >> 20;
    ctx.note(format!(
        "mptutor sends {megabytes} MB through a pipe to a child process, 1 MB at a time"
    ));
    let (processes, processes_ok) = through_pipe(ctx)?;
    ctx.note(format!(
        "now one thread hands {megabytes} MB to another through a channel"
    ));
    let (threads, threads_ok) = through_channel(ctx)?;

    let per_second = |time: Duration| ratio(BYTES as f64 / 1e6, time.as_secs_f64());
    let (processes_rate, threads_rate) = (per_second(processes), per_second(threads));
    let agrees = processes_ok && threads_ok && threads_rate > processes_rate;
    let mut finding = format!(
        "{megabytes} MB went through the pipe at {} and through the channel at {}: {} the speed. \
         Through the pipe the kernel copied every byte in and out again; the threads read the \
         same memory the sender wrote, and only each buffer's address went through the channel. \
         The price of sharing: a buffer both threads can reach must be handed over (here by the \
         channel) or locked, or the threads would trample each other's data.",
        rate_words(processes_rate),
        rate_words(threads_rate),
        times_word(ratio(threads_rate, processes_rate))
    );
    if !(processes_ok && threads_ok) {
        finding.push_str(" Some data did not arrive intact; see the live output.");
    }
    Ok(RowResult {
        row: Row::Communication,
        measurements: vec![
            Measurement::new("bytes", BYTES as f64, "count"),
            Measurement::new("chunks", CHUNKS as f64, "count"),
            Measurement::new("processes_mb_per_s", processes_rate.round(), "MB/s"),
            Measurement::new("threads_mb_per_s", threads_rate.round(), "MB/s"),
        ],
        agrees: Some(agrees),
        summary: format!(
            "{} vs {}",
            rate_words(processes_rate),
            rate_words(threads_rate)
        ),
        finding,
    })
}

/// `850 MB/s`, `6.2 GB/s`.
pub fn rate_words(megabytes_per_second: f64) -> String {
    if megabytes_per_second >= 1000.0 {
        format!("{:.1} GB/s", megabytes_per_second / 1000.0)
    } else {
        format!("{megabytes_per_second:.0} MB/s")
    }
}

/// mptutor writes the data into a child's request pipe; the child reads it.
/// Returns the time from the first byte to the child's exit, and whether
/// every byte arrived.
fn through_pipe(ctx: &mut RunContext<'_>) -> Result<(Duration, bool), EngineError> {
    let index = ctx.workers(1).start;
    ctx.start_recording();
    let mut group = ProcessGroup::new();
    group.spawn(ctx, index, "receiver", &Task::new(&RECEIVE_BYTES), true)?;
    let mut chunk = vec![0u8; CHUNK - 1];
    let began = Instant::now();
    for number in 0..CHUNKS {
        if ctx.interrupted() {
            group.kill_all_reporting(ctx);
            return Err(EngineError::Interrupted);
        }
        chunk.fill(letter(number));
        let text = std::str::from_utf8(&chunk).unwrap_or_default();
        if let Err(error) = group.send(index, text) {
            ctx.note(format!("writing to the pipe failed: {error}"));
            break;
        }
    }
    group.close_requests(index);
    group.wait_all(ctx)?;
    let took = began.elapsed();
    let expected = format!("received {BYTES} bytes, sum {}", expected_sum());
    let intact = ctx
        .take_recorded()
        .iter()
        .any(|(_, line)| *line == expected);
    Ok((took, intact))
}

/// One thread fills buffers and sends them through a channel; the other
/// adds them up and sends each back to be filled again.
fn through_channel(ctx: &mut RunContext<'_>) -> Result<(Duration, bool), EngineError> {
    let (full_out, full_in) = mpsc::sync_channel::<Vec<u8>>(2);
    let (empty_out, empty_in) = mpsc::channel::<Vec<u8>>();
    let received = std::sync::Mutex::new(None);
    let sender: Job<'_> = Box::new(move |voice: &Voice<'_>| {
        for number in 0..CHUNKS {
            if voice.stopped() {
                return;
            }
            let mut buffer = empty_in.try_recv().unwrap_or_else(|_| vec![0u8; CHUNK]);
            buffer.fill(letter(number));
            if let Some(last) = buffer.last_mut() {
                *last = b'\n';
            }
            if full_out.send(buffer).is_err() {
                return;
            }
        }
        voice.say(format!("sent {CHUNKS} buffers of 1 MB"));
    });
    let received_ref = &received;
    let receiver: Job<'_> = Box::new(move |voice: &Voice<'_>| {
        let (mut bytes, mut sum) = (0u64, 0u64);
        while let Ok(buffer) = full_in.recv() {
            bytes += buffer.len() as u64;
            sum += buffer.iter().map(|byte| u64::from(*byte)).sum::<u64>();
            // The sender may have finished: then nobody needs it back.
            let _ = empty_out.send(buffer);
        }
        voice.say(format!("received {bytes} bytes, sum {sum}"));
        if let Ok(mut received) = received_ref.lock() {
            *received = Some((bytes, sum));
        }
    });
    let took = run_threads(ctx, vec![sender, receiver])?.wall;
    let intact = received.into_inner().ok().flatten() == Some((BYTES as u64, expected_sum()));
    Ok((took, intact))
}
