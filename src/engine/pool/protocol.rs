//! The process pool's wire format, both ends of it: request lines from the
//! pool to a worker on fd 3, result lines back on fd 4.
//!
//! Request: `<task> <job> <pause_ms> <crash_on> <x> <x> …`
//! Result:  `<task> <result> <result> …`, split into lines of at most
//! [`RESULTS_PER_LINE`] results, so a chunk of any size arrives in lines the
//! pool's line reader keeps whole (see `lines::MAX_LINE`).
//!
//! Plain text, so a student who watches the pipes with `strace` can read
//! them. With chunksize 1 a map of 100 000 items is 100 000 requests and
//! 100 000 results, so both ends write straight into one buffer, with no
//! string per number (`mptutor bench` measures the round trip).

/// Most results on one result line. An `i64` takes at most 20 characters
/// and a space, so a line stays well under `lines::MAX_LINE`.
pub const RESULTS_PER_LINE: usize = 150;
const _: () = assert!(RESULTS_PER_LINE * 21 + 24 < crate::engine::lines::MAX_LINE);

/// A request, as the worker reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// The task number, echoed in the results.
    pub task: &'a str,
    /// `square` or `work`.
    pub job: &'a str,
    /// Milliseconds to sleep per input.
    pub pause_ms: u64,
    /// The input that makes the worker crash; 0 for none.
    pub crash_on: i64,
    /// The inputs, still as text (see [`Request::inputs`]).
    pub rest: &'a str,
}

impl<'a> Request<'a> {
    /// The inputs; unreadable ones count as 0. Read as they are used: a
    /// worker keeps no list of them.
    pub fn inputs(&self) -> impl Iterator<Item = i64> + 'a {
        self.rest
            .split_ascii_whitespace()
            .map(|word| word.parse().unwrap_or(0))
    }
}

/// Appends a request line, newline included, to `out`: requests to one
/// worker go out in one write.
pub fn encode_request(
    out: &mut String,
    task: usize,
    job: &str,
    pause_ms: u64,
    crash_on: i64,
    inputs: &[i64],
) {
    out.reserve(24 + inputs.len() * 8);
    let mut number = itoa::Buffer::new();
    out.push_str(number.format(task));
    out.push(' ');
    out.push_str(job);
    out.push(' ');
    out.push_str(number.format(pause_ms));
    out.push(' ');
    out.push_str(number.format(crash_on));
    for &input in inputs {
        out.push(' ');
        out.push_str(number.format(input));
    }
    out.push('\n');
}

/// Reads a request line; `None` when it has fewer than four words.
pub fn decode_request(line: &str) -> Option<Request<'_>> {
    let (task, rest) = first_word(line)?;
    let (job, rest) = first_word(rest)?;
    let (pause_ms, rest) = first_word(rest)?;
    let (crash_on, rest) = first_word(rest)?;
    Some(Request {
        task,
        job,
        pause_ms: pause_ms.parse().unwrap_or(0),
        crash_on: crash_on.parse().unwrap_or(0),
        rest,
    })
}

/// The first word of `text` and what follows it.
fn first_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_ascii_start();
    let end = text
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(text.len());
    (end > 0).then(|| text.split_at(end))
}

/// Writes the result lines of one task as its results come, each line
/// ending in a newline; a task with no results is one line holding the
/// task alone.
pub struct ResultLines<'t> {
    task: &'t str,
    /// Results on the line being written; `None` before the first line.
    on_line: Option<usize>,
}

impl<'t> ResultLines<'t> {
    pub fn new(task: &'t str) -> Self {
        ResultLines {
            task,
            on_line: None,
        }
    }

    pub fn push(&mut self, out: &mut impl Extend<u8>, result: i64) {
        match self.on_line {
            Some(count) if count < RESULTS_PER_LINE => self.on_line = Some(count + 1),
            Some(_) => {
                out.extend(*b"\n");
                self.start(out);
            }
            None => self.start(out),
        }
        out.extend(*b" ");
        out.extend(itoa::Buffer::new().format(result).bytes());
    }

    fn start(&mut self, out: &mut impl Extend<u8>) {
        out.extend(self.task.bytes());
        self.on_line = Some(1);
    }

    pub fn finish(self, out: &mut impl Extend<u8>) {
        if self.on_line.is_none() {
            out.extend(self.task.bytes());
        }
        out.extend(*b"\n");
    }
}

/// Appends the result lines of `task` to `out` (see [`ResultLines`]).
pub fn encode_results(task: &str, results: &[i64], out: &mut impl Extend<u8>) {
    let mut lines = ResultLines::new(task);
    for &result in results {
        lines.push(out, result);
    }
    lines.finish(out);
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

    fn encoded(task: &str, results: &[i64]) -> String {
        let mut bytes = Vec::new();
        encode_results(task, results, &mut bytes);
        String::from_utf8(bytes).expect("result lines are text")
    }

    #[test]
    fn results_encoded_one_by_one_match_a_whole_chunk() {
        let results: Vec<i64> = (-200..200).map(|x| x * 1_000_003).collect();
        let mut one_by_one = Vec::new();
        let mut lines = ResultLines::new("12");
        for &result in &results {
            lines.push(&mut one_by_one, result);
        }
        lines.finish(&mut one_by_one);
        assert_eq!(
            String::from_utf8(one_by_one).ok(),
            Some(encoded("12", &results))
        );
        assert!(encoded("12", &[i64::MIN]).starts_with("12 -9223372036854775808\n"));
    }

    #[test]
    fn a_request_survives_the_pipe() {
        let mut line = String::new();
        encode_request(&mut line, 7, "square", 0, -3, &[1, -2, 30]);
        assert_eq!(line, "7 square 0 -3 1 -2 30\n");
        let request = decode_request(&line).expect("a request");
        assert_eq!(
            (
                request.task,
                request.job,
                request.pause_ms,
                request.crash_on
            ),
            ("7", "square", 0, -3)
        );
        assert_eq!(request.inputs().collect::<Vec<_>>(), vec![1, -2, 30]);
        let bare = decode_request("7 work 5 0\n").expect("a request with no inputs");
        assert_eq!((bare.pause_ms, bare.inputs().count()), (5, 0));
        assert_eq!(decode_request("7 square 0"), None);
    }

    #[test]
    fn long_results_are_split_into_lines_that_decode_in_order() {
        let results: Vec<i64> = (0..400).collect();
        let text = encoded("3", &results);
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
        assert_eq!(encoded("5", &[]), "5\n");
        let (_, mut values) = decode_result("1 4 x").expect("a result line");
        assert_eq!(values.next(), Some(Ok(4)));
        assert_eq!(values.next(), Some(Err("x")));
        assert!(decode_result("0 1").is_none());
    }
}
