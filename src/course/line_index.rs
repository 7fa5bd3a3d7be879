//! Where each line of a file starts, found once per file.
//!
//! A lesson reports a line number for every step and block it holds, and a
//! position for every problem. Counting the newlines from the start of the
//! file each time made a file of many steps (or many mistakes) cost the
//! square of its size: 100 000 steps took over a minute to load. With the
//! line starts gathered in one pass, each line number is a binary search.

/// The byte offsets at which the lines of one text start.
#[derive(Debug)]
pub struct LineIndex {
    /// Always starts with 0; then one entry after every `\n`.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let newlines = text
            .bytes()
            .enumerate()
            .filter(|&(_, byte)| byte == b'\n')
            .map(|(at, _)| at + 1);
        LineIndex {
            starts: std::iter::once(0).chain(newlines).collect(),
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }

    /// The byte offset where 1-based `line` starts (the last line's start
    /// for a line past the end).
    pub fn line_start(&self, line: usize) -> usize {
        let index = line.saturating_sub(1).min(self.starts.len() - 1);
        self.starts[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one_and_a_newline_ends_its_line() {
        let index = LineIndex::new("ab\ncd\n\nx");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(2), 1, "the newline belongs to its line");
        assert_eq!(index.line(3), 2);
        assert_eq!(index.line(6), 3);
        assert_eq!(index.line(7), 4);
        assert_eq!(index.line(99), 4);
        assert_eq!(index.line_start(2), 3);
        assert_eq!(index.line_start(4), 7);
        assert_eq!(index.line_start(9), 7);
    }
}
