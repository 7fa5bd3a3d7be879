//! What mptutor and its fork server say to each other.
//!
//! A [`Request`] goes over the control socket, one message each, with the
//! worker's descriptors attached: its stdout and stderr write ends, the
//! write end of its status pipe, then up to [`MAX_EXTRA_FDS`] more (a pool
//! worker's request and result pipes, which become its fds 3 and 4). The
//! server answers on the status pipe, one [`Record`] a line: `Started`
//! right after the fork, `Exited` once it has reaped the worker, or
//! `Refused` instead of both. Both sides are the same binary, so the
//! format is plain JSON; the server still checks every request, since a
//! request it misreads would start the wrong process.

use serde::{Deserialize, Serialize};

use crate::engine::event::ExitStatus;

/// The descriptors every request carries: stdout, stderr, status.
pub const FIXED_FDS: usize = 3;
/// At most this many descriptors follow them.
pub const MAX_EXTRA_FDS: usize = 2;
/// The longest request: a body's name and a few words of arguments need
/// far less.
pub const MAX_REQUEST: usize = 16 * 1024;

/// Start one worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The worker body's name, found in the run's bodies.
    pub body: String,
    /// Its arguments, as words (as `mptutor worker` gets them).
    pub args: Vec<String>,
    /// The process group to join; `None` to lead a new one.
    pub group: Option<i32>,
    /// How many descriptors follow the fixed three.
    pub extra_fds: usize,
}

/// What the server reports about one worker, on its status pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case", deny_unknown_fields)]
pub enum Record {
    /// Forked, and in process group `pgid` (a new one when the group asked
    /// for had no process left in it). `forked_ns`: CLOCK_MONOTONIC just
    /// before the fork, so no line the worker prints comes earlier.
    Started { pid: i32, pgid: i32, forked_ns: u64 },
    /// Reaped by the server at `reaped_ns` (CLOCK_MONOTONIC), with what
    /// `wait4` said.
    Exited {
        status: ExitStatus,
        cpu_us: u64,
        max_rss_kb: u64,
        reaped_ns: u64,
    },
    /// Not started, and why.
    Refused { why: String },
    /// Not started because the system refused the fork over one of its
    /// limits (`EAGAIN`), with the limits as the server read them then
    /// (see [`crate::engine::start_refused`]).
    LimitReached { why: String },
}

/// Why a message was not understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("the message is not a request: {0}")]
    Unreadable(String),
    #[error("the message is longer than {MAX_REQUEST} bytes, or was cut off")]
    TooLong,
    #[error("a request passes at most {MAX_EXTRA_FDS} extra descriptors, not {0}")]
    TooManyExtraFds(usize),
    #[error("the request names {expected} descriptors but {received} came with it")]
    FdCount { expected: usize, received: usize },
    #[error("a request must name a worker body")]
    NoBody,
    #[error("process group {0} cannot be joined")]
    BadGroup(i32),
}

impl Request {
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a request that came with `fds` descriptors, and checks it.
    pub fn decode(bytes: &[u8], fds: usize) -> Result<Request, WireError> {
        if bytes.len() > MAX_REQUEST {
            return Err(WireError::TooLong);
        }
        let request: Request = serde_json::from_slice(bytes)
            .map_err(|error| WireError::Unreadable(error.to_string()))?;
        if request.extra_fds > MAX_EXTRA_FDS {
            return Err(WireError::TooManyExtraFds(request.extra_fds));
        }
        let expected = FIXED_FDS + request.extra_fds;
        if fds != expected {
            return Err(WireError::FdCount {
                expected,
                received: fds,
            });
        }
        if request.body.is_empty() {
            return Err(WireError::NoBody);
        }
        if let Some(group) = request.group.filter(|group| *group <= 1) {
            return Err(WireError::BadGroup(group));
        }
        Ok(request)
    }
}

impl Record {
    /// One line, newline included: short enough for one atomic pipe write.
    pub fn encode_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }

    /// Reads one line, without its newline.
    pub fn decode_line(line: &[u8]) -> Result<Record, WireError> {
        serde_json::from_slice(line).map_err(|error| WireError::Unreadable(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool_worker() -> Request {
        Request {
            body: "pool-worker".into(),
            args: vec!["P1".into()],
            group: Some(4242),
            extra_fds: 2,
        }
    }

    #[test]
    fn a_request_survives_the_trip() {
        for request in [
            pool_worker(),
            Request {
                body: "print-number".into(),
                args: vec![
                    "Process-1".into(),
                    "10".into(),
                    "a word with spaces\n".into(),
                ],
                group: None,
                extra_fds: 0,
            },
        ] {
            let fds = FIXED_FDS + request.extra_fds;
            assert_eq!(Request::decode(&request.encode(), fds), Ok(request));
        }
    }

    #[test]
    fn every_record_survives_the_trip_on_one_line() {
        for record in [
            Record::Started {
                pid: 12,
                pgid: 12,
                forked_ns: u64::MAX,
            },
            Record::Exited {
                status: ExitStatus::Signal("SIGSEGV".into()),
                cpu_us: 1500,
                max_rss_kb: 2048,
                reaped_ns: 123_456_789_012,
            },
            Record::Exited {
                status: ExitStatus::Code(0),
                cpu_us: 0,
                max_rss_kb: 0,
                reaped_ns: 0,
            },
            Record::Refused {
                why: "no worker body is called \"x\"".into(),
            },
            Record::LimitReached {
                why: "the system refused a new process (EAGAIN): ulimit -u".into(),
            },
        ] {
            let line = record.encode_line();
            assert_eq!(line.iter().filter(|byte| **byte == b'\n').count(), 1);
            assert!(line.len() < 512, "{}", line.len());
            assert_eq!(Record::decode_line(&line[..line.len() - 1]), Ok(record));
        }
    }

    #[test]
    fn a_malformed_request_is_refused_with_the_reason() {
        let good = pool_worker();
        let with = |change: fn(&mut Request)| {
            let mut request = good.clone();
            change(&mut request);
            request.encode()
        };
        let cases: Vec<(Vec<u8>, usize, WireError)> = vec![
            (
                b"not json".to_vec(),
                5,
                WireError::Unreadable(String::new()),
            ),
            (
                br#"{"body":"sleep","args":[],"group":null,"extra_fds":0,"exec":"/bin/sh"}"#
                    .to_vec(),
                3,
                WireError::Unreadable(String::new()),
            ),
            (
                good.encode(),
                3,
                WireError::FdCount {
                    expected: 5,
                    received: 3,
                },
            ),
            (
                with(|request| request.extra_fds = 3),
                6,
                WireError::TooManyExtraFds(3),
            ),
            (with(|request| request.body.clear()), 5, WireError::NoBody),
            (
                with(|request| request.group = Some(1)),
                5,
                WireError::BadGroup(1),
            ),
            (
                with(|request| request.group = Some(-7)),
                5,
                WireError::BadGroup(-7),
            ),
            (vec![b' '; MAX_REQUEST + 1], 5, WireError::TooLong),
        ];
        for (bytes, fds, expected) in cases {
            let refused = Request::decode(&bytes, fds).expect_err("refused");
            match (&refused, &expected) {
                (WireError::Unreadable(_), WireError::Unreadable(_)) => {}
                _ => assert_eq!(refused, expected),
            }
            assert!(!refused.to_string().is_empty());
        }
    }

    #[test]
    fn a_garbled_record_is_not_taken_for_one() {
        assert!(Record::decode_line(b"{\"record\":\"started\",\"pid\":1}").is_err());
        assert!(Record::decode_line(b"exited 0").is_err());
    }
}
