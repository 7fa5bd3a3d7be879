//! Where mptutor's output leaves for a terminal: nothing a course or a
//! program wrote can drive it.
//!
//! A course is someone else's text (a folder downloaded from the internet)
//! and a Python example's output is the program's. Either may hold escape
//! sequences that a terminal carries out instead of showing: a clipboard
//! write (OSC 52), a hyperlink whose text lies about its target (OSC 8), a
//! full reset, a screen clear, a cursor move that paints over mptutor's own
//! lines, their one-byte C1 forms (U+009B, U+009D). The renderers replace
//! control characters in what they draw, but course text reaches the
//! screen in many other ways (a path in an error, the course title in the
//! banner, a check pattern, a value echoed back), so the filter that holds
//! the promise is here, on the stream itself: stdout and stderr of every
//! command, the REPL and the script loop write through a [`SafeOutput`].
//!
//! Why on the way out, and not when a course is loaded: the loaded course
//! keeps what its author wrote, because a Python example must run as
//! written and a check pattern must match the program's output as the
//! program printed it, escapes included (a lesson on terminal colours
//! checks them). Only showing text is filtered, once, here.
//!
//! mptutor's own styling is SGR (`ESC [ … m`) only, and is kept while
//! colour is on; everything else becomes `�` (see
//! [`crate::render::terminal_safe`]). Progress bars and the line editor
//! draw on the terminal themselves and do not pass through here.

use std::io::{self, Write};

use crate::render::terminal_safe;

/// Longest colour sequence waited for across two writes; anything longer is
/// no colour of mptutor's.
const LONGEST_COLOUR: usize = 32;

/// A writer that passes on only what is safe to show on a terminal.
pub struct SafeOutput<W: Write> {
    out: W,
    keep_colours: bool,
    /// The end of the last write when it could not be judged yet: half a
    /// UTF-8 character, or the start of what may be a colour.
    pending: Vec<u8>,
}

impl<W: Write> SafeOutput<W> {
    pub fn new(out: W, keep_colours: bool) -> Self {
        SafeOutput {
            out,
            keep_colours,
            pending: Vec::new(),
        }
    }

    /// Filters and writes the first `ready` pending bytes.
    fn pass_on(&mut self, ready: usize) -> io::Result<()> {
        if ready == 0 {
            return Ok(());
        }
        let bytes: Vec<u8> = self.pending.drain(..ready).collect();
        let text = String::from_utf8_lossy(&bytes);
        self.out
            .write_all(terminal_safe(&text, self.keep_colours).as_bytes())
    }
}

/// How many leading bytes of `pending` can be judged now: all but an
/// unfinished UTF-8 character or an unfinished colour at the end.
fn ready_len(pending: &[u8]) -> usize {
    let mut ready = pending.len();
    if let Some(escape) = pending.iter().rposition(|byte| *byte == 0x1b) {
        let tail = &pending[escape..];
        let may_be_colour = tail.len() == 1
            || (tail[1] == b'['
                && tail[2..]
                    .iter()
                    .all(|byte| byte.is_ascii_digit() || matches!(byte, b';' | b':')));
        if may_be_colour && tail.len() < LONGEST_COLOUR {
            ready = escape;
        }
    }
    ready - unfinished_character(&pending[..ready])
}

/// The length of an unfinished UTF-8 character at the end of `bytes`.
fn unfinished_character(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xc0 == 0x80 {
            continue;
        }
        let needed = match byte {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

impl<W: Write> Write for SafeOutput<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        self.pass_on(ready_len(&self.pending))?;
        Ok(buf.len())
    }

    /// What is pending stays: it is the start of something the next write
    /// finishes.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> Drop for SafeOutput<W> {
    fn drop(&mut self) {
        // Nothing finishes it now: shown as it stands (an ESC as `�`).
        let _ = self
            .pass_on(self.pending.len())
            .and_then(|()| self.out.flush());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(writes: &[&[u8]], keep_colours: bool) -> String {
        let mut shown = Vec::new();
        {
            let mut out = SafeOutput::new(&mut shown, keep_colours);
            for bytes in writes {
                out.write_all(bytes).expect("write to a Vec");
            }
        }
        String::from_utf8(shown).expect("UTF-8")
    }

    #[test]
    fn colours_pass_when_kept_and_everything_else_is_shown_not_obeyed() {
        let writes: &[&[u8]] = &[b"\x1b[1mbold\x1b[0m \x1b]52;c;aGk=\x07 \x1bc \xc2\x9b2J\n"];
        assert_eq!(
            through(writes, true),
            "\x1b[1mbold\x1b[0m �]52;c;aGk=� �c �2J\n"
        );
        assert_eq!(through(writes, false), "bold �]52;c;aGk=� �c �2J\n");
    }

    #[test]
    fn a_colour_or_a_character_split_across_writes_is_judged_whole() {
        let writes: &[&[u8]] = &[
            b"a\x1b",
            b"[3",
            b"1mred\x1b[0m \xe2\x94",
            b"\x80 \xc2",
            b"\x9d\n",
        ];
        assert_eq!(through(writes, true), "a\x1b[31mred\x1b[0m ─ �\n");
        let writes: &[&[u8]] = &[b"a\x1b", b"[2", b"J"];
        assert_eq!(through(writes, true), "a�[2J");
    }

    #[test]
    fn an_escape_left_at_the_end_is_shown_when_the_output_closes() {
        assert_eq!(through(&[b"end\x1b["], true), "end�[");
    }
}
