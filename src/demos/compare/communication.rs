//! Communication row: 64 MB handed from one worker to another, 1 MB at a
//! time, between two processes through a pipe and between two threads
//! through a channel.
//!
//! Both sides do the same work: the sender fills each megabyte with a
//! letter, the receiver checks every byte against what was sent (so the
//! data is really read). Between processes every byte is copied into the
//! kernel's pipe buffer and out again; between threads the receiver reads
//! the sender's buffer where it is, and only the buffer's address travels
//! through the channel. The claim: the threads' route is the cheaper one.
//! The claim is judged only when every byte arrived intact each way, and
//! contradicted only on a machine whose other programs were seen to leave
//! the cores free (`engine::LoadMeter`): each route needs its two sides
//! running at once, and a busy machine can slow either.

use std::io::Read;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Cell, Judged, capitalized, micros, ratio};
use crate::engine::context::EngineError;
use crate::engine::context::RunContext;
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{Args, REQUEST_FD, RESULT_FD, Task, WorkerBody};
use crate::engine::threads::{Job, Voice, run_threads};
use crate::engine::{Load, LoadMeter};
use crate::findings::speed::OTHERS_BUSY;
use crate::findings::{Finding, Unclear, Verdict, words};

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 64;
const BYTES: usize = CHUNK * CHUNKS;

/// The letter chunk `number` is filled with.
fn letter(number: usize) -> u8 {
    b'a' + (number % 26) as u8
}

/// Checks the stream as it arrives, every byte against what was sent:
/// chunk `n` is `CHUNK - 1` copies of `letter(n)` and a newline (the pipe
/// is written a line at a time). The comparison is the standard library's
/// (`memcmp`), so checking costs little beside the copying being timed.
struct Checker {
    /// Bytes checked so far.
    offset: usize,
    /// What the chunk being checked holds…
    expected: Vec<u8>,
    /// …and which chunk that is.
    expected_of: Option<usize>,
    as_sent: bool,
}

impl Checker {
    fn new() -> Self {
        Checker {
            offset: 0,
            expected: vec![0; CHUNK],
            expected_of: None,
            as_sent: true,
        }
    }

    fn check(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let (number, at) = (self.offset / CHUNK, self.offset % CHUNK);
            if number >= CHUNKS {
                self.as_sent = false;
                return;
            }
            if self.expected_of != Some(number) {
                self.expected.fill(letter(number));
                if let Some(last) = self.expected.last_mut() {
                    *last = b'\n';
                }
                self.expected_of = Some(number);
            }
            let take = (CHUNK - at).min(bytes.len());
            self.as_sent &= bytes[..take] == self.expected[at..at + take];
            self.offset += take;
            bytes = &bytes[take..];
        }
    }

    /// `received 67108864 bytes, all as sent`.
    fn verdict(&self) -> String {
        let how = if self.as_sent && self.offset == BYTES {
            "all as sent"
        } else {
            "not as sent"
        };
        format!("received {} bytes, {how}", self.offset)
    }
}

/// The line a receiver prints when every byte arrived as sent.
fn all_as_sent() -> String {
    format!("received {BYTES} bytes, all as sent")
}

/// `receive-bytes`, in the receiving process: reads its request pipe to
/// the end, checking every byte, and says what arrived.
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
    let mut checker = Checker::new();
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => checker.check(&buffer[..count]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                eprintln!("reading the pipe failed: {error}");
                return 1;
            }
        }
    }
    let said = crate::engine::task::write_line(format_args!("{}", checker.verdict()));
    i32::from(said.is_err())
}

/// How fast the data went each way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunicationResult {
    pub bytes: u64,
    /// Pieces it was sent in.
    pub chunks: usize,
    /// From the first byte sent to the receiving process's exit.
    pub processes_us: u64,
    /// From the first buffer filled to the receiving thread's end.
    pub threads_us: u64,
    /// Every byte arrived, and added up right, through the pipe…
    pub processes_intact: bool,
    /// …and through the channel.
    pub threads_intact: bool,
    /// The machine while both ran.
    pub load: Load,
}

const CLAIM: &str = "processes copy data through the kernel; threads share memory directly";
/// The threads' route is the cheaper one when it is at least this much
/// faster: a ratio that prints as `1.0×` is no difference.
const FASTER_BY: f64 = 1.1;

impl CommunicationResult {
    fn rate(&self, us: u64) -> f64 {
        ratio(self.bytes as f64, us as f64)
    }

    fn processes_rate(&self) -> f64 {
        self.rate(self.processes_us)
    }

    fn threads_rate(&self) -> f64 {
        self.rate(self.threads_us)
    }

    fn verdict(&self) -> Verdict {
        if !(self.processes_intact && self.threads_intact) {
            return Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!("the data did not arrive intact through {}", self.broken()),
            });
        }
        if self.threads_rate() >= FASTER_BY * self.processes_rate() {
            return Verdict::Holds;
        }
        // Both routes need their two sides running at once; other programs
        // holding the cores can slow either, so only a machine seen to be
        // quiet contradicts the claim.
        match self.load.others_cores() {
            Some(others) if others < OTHERS_BUSY => Verdict::Contradicted,
            others => Verdict::CouldntTell(Unclear::MachineBusy {
                got: Some(self.load.own_cores()),
                needed: 2.0,
                others,
            }),
        }
    }

    fn broken(&self) -> String {
        let mut routes = Vec::new();
        if !self.processes_intact {
            routes.push("the pipe".to_string());
        }
        if !self.threads_intact {
            routes.push("the channel".to_string());
        }
        words::and_list(&routes)
    }

    fn times(&self) -> String {
        words::times(ratio(self.threads_rate(), self.processes_rate()))
    }
}

impl Judged for CommunicationResult {
    fn findings(&self) -> Vec<Finding> {
        let megabytes = self.bytes >> 20;
        let measured = format!(
            "{megabytes} MB went through the pipe at {} and through the channel at {}",
            rate_words(self.processes_rate()),
            rate_words(self.threads_rate())
        );
        let verdict = self.verdict();
        let text = match &verdict {
            Verdict::Holds => format!(
                "{measured}: {} the speed. Through the pipe the kernel copied every byte in and \
                 out again; the threads read the same memory the sender wrote, and only each \
                 buffer's address went through the channel. The price of sharing: a buffer both \
                 threads can reach must be handed over (here by the channel) or locked, or the \
                 threads would trample each other's data.",
                self.times()
            ),
            Verdict::Contradicted => format!(
                "{measured} ({} the speed): here handing buffers between threads was not \
                 clearly faster than copying through the pipe. A machine that kept the receiving \
                 thread waiting for a core does this; type `compare communication` to measure \
                 again.",
                self.times()
            ),
            Verdict::CouldntTell(why) => format!(
                "{measured} ({} the speed), but {}, so the speeds say nothing about the claim. \
                 {} (`compare communication`).",
                self.times(),
                why.words(),
                capitalized(why.what_to_try())
            ),
        };
        vec![Finding::judged(CLAIM, verdict, text)]
    }

    fn cell(&self) -> Cell {
        Cell::judged(
            format!(
                "{} vs {}",
                rate_words(self.processes_rate()),
                rate_words(self.threads_rate())
            ),
            self.verdict(),
        )
    }
}

/// `850 MB/s`, `6.2 GB/s`, from bytes per microsecond (= MB/s).
pub fn rate_words(megabytes_per_second: f64) -> String {
    if !megabytes_per_second.is_finite() {
        "–".to_string()
    } else if megabytes_per_second >= 1000.0 {
        format!("{:.1} GB/s", megabytes_per_second / 1000.0)
    } else {
        format!("{megabytes_per_second:.0} MB/s")
    }
}

pub(super) fn run(ctx: &mut RunContext<'_>) -> Result<CommunicationResult, EngineError> {
    let megabytes = BYTES >> 20;
    ctx.note(format!(
        "mptutor sends {megabytes} MB through a pipe to a child process, 1 MB at a time"
    ));
    let meter = LoadMeter::start();
    let (processes, processes_intact) = through_pipe(ctx)?;
    ctx.note(format!(
        "now one thread hands {megabytes} MB to another through a channel"
    ));
    let (threads, threads_intact) = through_channel(ctx)?;
    // The receiving process was reaped, and the threads are mptutor's own.
    let load = meter.finish();
    Ok(CommunicationResult {
        bytes: BYTES as u64,
        chunks: CHUNKS,
        processes_us: micros(processes),
        threads_us: micros(threads),
        processes_intact,
        threads_intact,
        load,
    })
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
    let expected = all_as_sent();
    let intact = ctx
        .take_recorded()
        .iter()
        .any(|(_, line)| *line == expected);
    Ok((took, intact))
}

/// One thread fills buffers and sends them through a channel; the other
/// checks them and sends each back to be filled again.
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
        let mut checker = Checker::new();
        while let Ok(buffer) = full_in.recv() {
            checker.check(&buffer);
            // The sender may have finished: then nobody needs it back.
            let _ = empty_out.send(buffer);
        }
        let said = checker.verdict();
        voice.say(said.clone());
        if let Ok(mut received) = received_ref.lock() {
            *received = Some(said);
        }
    });
    let took = run_threads(ctx, vec![sender, receiver])?.wall;
    let intact = received.into_inner().ok().flatten() == Some(all_as_sent());
    Ok((took, intact))
}
