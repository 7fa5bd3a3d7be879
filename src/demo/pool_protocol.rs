//! The process pool's wire format, both ends of it: request lines from the
//! pool to a worker on fd 3, result lines back on fd 4.
//!
//! Request: `<task> <job> <pace_ms> <crash_on> <x> <x> …`
//! Result:  `<task> <result> <result> …`, split into lines of at most
//! [`RESULTS_PER_LINE`] results, so a chunk of any size arrives in lines the
//! pool's line reader keeps whole (see `lines::MAX_LINE`).
//!
//! Plain text, so a student who watches the pipes with `strace` can read
//! them. With chunksize 1 a map of 100 000 items is 100 000 requests and
//! 100 000 results, so both ends write straight into one buffer, with no
//! string per number (`mptutor bench` measures the round trip).

use std::fmt::Write;

/// Most results on one result line. An `i64` takes at most 20 characters
/// and a space, so a line stays well under `lines::MAX_LINE`.
pub const RESULTS_PER_LINE: usize = 150;
const _: () = assert!(RESULTS_PER_LINE * 21 + 24 < super::lines::MAX_LINE);

/// A request, as the worker reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The task number, echoed in the results.
    pub task: &'a str,
    /// `square` or `work`.
    pub job: &'a str,
    /// Milliseconds to sleep per input.
    pub pace_ms: u64,
    /// The input that makes the worker crash; 0 for none.
    pub crash_on: i64,
    /// Unreadable inputs count as 0.
    pub inputs: Vec<i64>,
}

/// Appends a request line, newline included, to `out`: requests to one
/// worker go out in one write.
pub fn encode_request(
    out: &mut String,
    task: usize,
    job: &str,
    pace_ms: u64,
    crash_on: i64,
    inputs: &[i64],
) {
    out.reserve(24 + inputs.len() * 8);
    // Writing to a String cannot fail.
    let _ = write!(out, "{task} {job} {pace_ms} {crash_on}");
    for input in inputs {
        let _ = write!(out, " {input}");
    }
    out.push('\n');
}

/// Reads a request line; `None` when it has fewer than four words.
pub fn decode_request(line: &str) -> Option<Request<'_>> {
    let mut words = line.split_ascii_whitespace();
    let (task, job) = (words.next()?, words.next()?);
    let pace_ms = words.next()?.parse().unwrap_or(0);
    let crash_on = words.next()?.parse().unwrap_or(0);
    Some(Request {
        task,
        job,
        pace_ms,
        crash_on,
        inputs: words.map(|word| word.parse().unwrap_or(0)).collect(),
    })
}

/// Appends the result lines of `task` to `out`, each ending in a newline;
/// a task with no results is one line holding the task alone.
pub fn encode_results(task: &str, results: &[i64], out: &mut String) {
    if results.is_empty() {
        out.push_str(task);
        out.push('\n');
    }
    for line in results.chunks(RESULTS_PER_LINE) {
        out.push_str(task);
        for result in line {
            let _ = write!(out, " {result}");
        }
        out.push('\n');
    }
}

/// Reads a result line: the chunk it answers (its task − 1), and each
/// result, or the word that is not one.
pub fn decode_result(line: &str) -> Option<(usize, impl Iterator<Item = Result<i64, &str>>)> {
    let mut words = line.split_ascii_whitespace();
    let chunk = words.next()?.parse::<usize>().ok()?.checked_sub(1)?;
    Some((chunk, words.map(|word| word.parse().map_err(|_| word))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_survives_the_pipe() {
        let mut line = String::new();
        encode_request(&mut line, 7, "square", 0, -3, &[1, -2, 30]);
        assert_eq!(line, "7 square 0 -3 1 -2 30\n");
        let request = decode_request(&line);
        assert_eq!(
            request,
            Some(Request {
                task: "7",
                job: "square",
                pace_ms: 0,
                crash_on: -3,
                inputs: vec![1, -2, 30],
            })
        );
        assert_eq!(decode_request("7 square 0"), None);
    }

    #[test]
    fn long_results_are_split_into_lines_that_decode_in_order() {
        let results: Vec<i64> = (0..400).collect();
        let mut text = String::new();
        encode_results("3", &results, &mut text);
        assert_eq!(text.lines().count(), 3);
        let mut decoded = Vec::new();
        for line in text.lines() {
            let (chunk, values) = decode_result(line).expect("a result line");
            assert_eq!(chunk, 2);
            decoded.extend(values.map(|value| value.expect("a number")));
        }
        assert_eq!(decoded, results);
    }

    #[test]
    fn an_empty_task_and_a_bad_word_are_reported() {
        let mut text = String::new();
        encode_results("5", &[], &mut text);
        assert_eq!(text, "5\n");
        let (_, mut values) = decode_result("1 4 x").expect("a result line");
        assert_eq!(values.next(), Some(Ok(4)));
        assert_eq!(values.next(), Some(Err("x")));
        assert!(decode_result("0 1").is_none());
    }
}
