//! Turning a worker's raw output into lines, with bounds.
//!
//! A worker may print a line with no end, or gigabytes of lines. mptutor
//! keeps at most [`MAX_LINE`] bytes of any line and forwards at most
//! [`MAX_LINES`] lines per stream; the rest is read and dropped, so the
//! worker never blocks on a full pipe and mptutor's memory stays bounded.

/// Longest line kept, in bytes; the rest of it is cut.
pub const MAX_LINE: usize = 4096;
/// Lines forwarded per stream before the rest is only counted.
pub const MAX_LINES: usize = 5_000;

/// Splits bytes into lines as they arrive.
#[derive(Debug)]
pub struct LineSplitter {
    /// Lines forwarded before the rest is only counted.
    max_lines: usize,
    partial: Vec<u8>,
    /// The current line was cut at MAX_LINE; skip to its end.
    cutting: bool,
    pub forwarded: usize,
    pub dropped: usize,
}

impl Default for LineSplitter {
    /// A splitter for what a worker prints: at most [`MAX_LINES`] lines.
    fn default() -> Self {
        LineSplitter {
            max_lines: MAX_LINES,
            partial: Vec::new(),
            cutting: false,
            forwarded: 0,
            dropped: 0,
        }
    }
}

impl LineSplitter {
    /// A splitter that forwards every line, for a pool worker's result
    /// channel: those lines are answers the pool is waiting for, and the
    /// pool asks for them one chunk at a time, so they cannot pile up.
    pub fn unbounded() -> Self {
        LineSplitter {
            max_lines: usize::MAX,
            ..LineSplitter::default()
        }
    }

    /// Feeds bytes; returns the complete lines they finish, within bounds.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        while !bytes.is_empty() {
            let newline = bytes.iter().position(|b| *b == b'\n');
            let (chunk, rest, ends) = match newline {
                Some(at) => (&bytes[..at], &bytes[at + 1..], true),
                None => (bytes, &[][..], false),
            };
            if !self.cutting {
                let room = MAX_LINE.saturating_sub(self.partial.len());
                self.partial
                    .extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room {
                    self.cutting = true;
                }
            }
            if ends {
                self.finish_line(&mut lines);
            }
            bytes = rest;
        }
        lines
    }

    /// The unfinished last line, when the stream ends without a newline.
    pub fn flush(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.partial.is_empty() || self.cutting {
            self.finish_line(&mut lines);
        }
        lines
    }

    fn finish_line(&mut self, lines: &mut Vec<String>) {
        let cut = std::mem::take(&mut self.cutting);
        if self.forwarded >= self.max_lines {
            self.dropped += 1;
            self.partial.clear();
            return;
        }
        self.forwarded += 1;
        if !cut {
            while self.partial.last() == Some(&b'\r') {
                self.partial.pop();
            }
        }
        // One allocation per line: every pool result arrives as a line.
        let mut text = String::from_utf8_lossy(&self.partial).into_owned();
        if cut {
            text.push_str(" …(line cut)");
        }
        self.partial.clear();
        lines.push(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_reads_are_joined() {
        let mut splitter = LineSplitter::default();
        assert_eq!(splitter.feed(b"hel"), Vec::<String>::new());
        assert_eq!(splitter.feed(b"lo\nwor"), vec!["hello"]);
        assert_eq!(splitter.flush(), vec!["wor"]);
    }

    #[test]
    fn a_huge_line_is_cut_and_the_next_survives() {
        let mut splitter = LineSplitter::default();
        let huge = vec![b'x'; MAX_LINE * 3];
        assert!(splitter.feed(&huge).is_empty());
        let lines = splitter.feed(b"\nnext\n");
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("…(line cut)"));
        assert_eq!(lines[1], "next");
    }

    #[test]
    fn lines_past_the_limit_are_counted_not_kept() {
        let mut splitter = LineSplitter::default();
        let many = "a\n".repeat(MAX_LINES + 10);
        assert_eq!(splitter.feed(many.as_bytes()).len(), MAX_LINES);
        assert_eq!(splitter.dropped, 10);
    }
}
