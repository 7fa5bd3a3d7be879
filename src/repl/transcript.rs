//! `record FILE`: a plain-text copy of everything the REPL shows.
//!
//! [`Shown`] stands where the REPL's output goes. Everything written to it
//! reaches the terminal as usual and, while recording, is also appended to
//! the transcript one whole line at a time, with its colours removed
//! (an escape sequence split across two writes is whole again by the end of
//! its line) and every other control character shown as `�`, so the file
//! reads the same in any editor, on paper or with `cat`.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The transcript file being written.
struct Transcript {
    file: File,
    path: PathBuf,
    /// The current line, until its newline arrives.
    partial: Vec<u8>,
    /// The first write that failed (a full disk, `/dev/full`): nothing
    /// more is written, and the REPL says so after the command.
    failed: Option<io::Error>,
}

/// Why a transcript stopped: its path and the write that failed.
pub fn failure_message(path: &Path, error: &io::Error) -> String {
    format!(
        "Recording stopped: cannot write the transcript {}: {error}",
        path.display()
    )
}

impl Transcript {
    fn record(&mut self, bytes: &[u8]) {
        self.partial.extend_from_slice(bytes);
        while let Some(newline) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=newline).collect();
            self.write_plain(&line);
        }
    }

    fn write_plain(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        // Read back with `cat`, a transcript is a terminal's input too: no
        // colours, and nothing a course or a program wrote that would act.
        if let Err(error) = self
            .file
            .write_all(crate::render::terminal_safe(&text, false).as_bytes())
        {
            self.failed = Some(error);
        }
    }

    /// Writes what is left and makes sure it reached the file: a disk that
    /// fills up may only say so when the data is flushed. Devices that
    /// cannot be synced (`/dev/null`, a terminal) are not an error.
    fn close(mut self) -> Result<PathBuf, String> {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.write_plain(&rest);
            self.write_plain(b"\n");
        }
        if self.failed.is_none()
            && let Err(error) = self.file.flush().and_then(|()| self.file.sync_data())
            && error.raw_os_error() != Some(libc::EINVAL)
        {
            self.failed = Some(error);
        }
        match self.failed {
            None => Ok(self.path),
            Some(error) => Err(failure_message(&self.path, &error)),
        }
    }
}

/// The REPL's output, copied to a transcript while one is recorded.
pub struct Shown<W: Write> {
    out: W,
    transcript: Option<Transcript>,
}

impl<W: Write> Shown<W> {
    pub fn new(out: W) -> Self {
        Shown {
            out,
            transcript: None,
        }
    }

    /// Appends everything shown from now on to `path`, creating it if
    /// needed; a transcript already recording is closed first.
    pub fn start_recording(&mut self, path: &Path) -> io::Result<()> {
        let file = crate::user_file::open_for_appending(path)?;
        self.stop_recording();
        self.transcript = Some(Transcript {
            file,
            path: path.to_path_buf(),
            partial: Vec::new(),
            failed: None,
        });
        Ok(())
    }

    /// Stops recording; the path of the transcript, if there was one, or
    /// why it could not all be written.
    pub fn stop_recording(&mut self) -> Option<Result<PathBuf, String>> {
        self.transcript.take().map(Transcript::close)
    }

    /// Why the transcript stopped, once a write to it failed; it is then
    /// closed. `None` while it records (or nothing is recorded).
    pub fn take_failure(&mut self) -> Option<String> {
        let failed = self.transcript.as_ref()?.failed.as_ref()?;
        let message = failure_message(&self.transcript.as_ref()?.path, failed);
        self.transcript = None;
        Some(message)
    }

    /// Puts `text` in the transcript only: what the terminal showed without
    /// the REPL writing it (the prompt and the line typed at it).
    pub fn record_only(&mut self, text: &str) {
        self.record_only_bytes(text.as_bytes());
    }

    fn record_only_bytes(&mut self, bytes: &[u8]) {
        if let Some(transcript) = &mut self.transcript {
            transcript.record(bytes);
        }
    }
}

impl<W: Write> Write for Shown<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.out.write(buf)?;
        self.record_only_bytes(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transcript_is_plain_text_even_when_escapes_are_split() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("class.txt");
        let mut shown = Shown::new(Vec::new());
        shown.write_all(b"before\n").expect("write");
        shown.start_recording(&path).expect("record");
        shown.record_only("mptutor> next\n");
        shown.write_all(b"\x1b[1mbo").expect("write");
        shown.write_all(b"ld\x1b[0m line\n\x1b[3").expect("write");
        shown.write_all(b"1mred\x1b[0m\n").expect("write");
        assert_eq!(shown.stop_recording(), Some(Ok(path.clone())));
        shown.write_all(b"after\n").expect("write");
        let text = std::fs::read_to_string(&path).expect("transcript");
        assert_eq!(text, "mptutor> next\nbold line\nred\n");
    }

    #[test]
    fn the_transcript_holds_no_control_character_a_course_or_a_program_wrote() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("class.txt");
        let mut shown = Shown::new(Vec::new());
        shown.start_recording(&path).expect("record");
        shown.record_only("mptutor> open \x1b]52;c;aGk=\x07\n");
        shown
            .write_all(
                b"\x1b[1mtitle\x1b[0m \xc2\x9d0;t\x07 \x1b]8;;http://x\x1b\\link \x1bc \x08\r\n",
            )
            .expect("write");
        assert_eq!(shown.stop_recording(), Some(Ok(path.clone())));
        let text = std::fs::read_to_string(&path).expect("transcript");
        assert!(
            !text.contains(|c: char| c.is_control() && c != '\n'),
            "{text:?}"
        );
        assert!(text.contains("title �0;t�"), "{text:?}");
    }

    #[test]
    fn a_transcript_that_cannot_be_written_says_so_and_stops() {
        let mut shown = Shown::new(Vec::new());
        shown
            .start_recording(Path::new("/dev/full"))
            .expect("/dev/full opens");
        shown
            .write_all(b"a line\n")
            .expect("the screen still works");
        let failure = shown.take_failure().unwrap_or_default();
        assert!(failure.contains("/dev/full"), "{failure}");
        assert!(failure.contains("No space left"), "{failure}");
        assert_eq!(shown.stop_recording(), None);
    }

    #[test]
    fn a_partial_line_that_cannot_be_written_is_reported_at_close() {
        let mut shown = Shown::new(Vec::new());
        shown
            .start_recording(Path::new("/dev/full"))
            .expect("/dev/full opens");
        shown
            .write_all(b"no newline yet")
            .expect("the screen still works");
        assert_eq!(shown.take_failure(), None);
        let closed = shown.stop_recording();
        assert!(
            matches!(&closed, Some(Err(message)) if message.contains("No space left")),
            "{closed:?}"
        );
    }
}
