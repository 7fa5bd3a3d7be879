//! `record FILE`: a record of the session, in the format the file's
//! extension names.
//!
//! [`Shown`] stands where the REPL's output goes. Everything written to it
//! reaches the terminal as usual and, while recording, is also kept in the
//! record:
//! - plain text (`.txt`, or any other name): appended one whole line at a
//!   time, with its colours removed (an escape sequence split across two
//!   writes is whole again by the end of its line) and every other control
//!   character shown as `�`, so the file reads the same in any editor, on
//!   paper or with `cat`;
//! - Markdown notes (`.md`): not the screen but what the session hands it
//!   ([`Shown::note_markdown`]: each step visited, each demo's tables and
//!   findings), with every control character removed;
//! - an asciicast v2 recording (`.cast`): a JSON header line (size, time,
//!   `TERM`, `SHELL`), then one `[seconds, "o", text]` line per line shown,
//!   as it reached the terminal: mptutor's colours kept (when the terminal
//!   had them), anything else a course or a program wrote shown as `�`.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What kind of record a file gets, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    Plain,
    Markdown,
    Asciicast,
}

impl RecordFormat {
    /// `.md` and `.markdown` are Markdown, `.cast` asciicast, anything else
    /// plain text (any case).
    pub fn of(path: &Path) -> RecordFormat {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("md" | "markdown") => RecordFormat::Markdown,
            Some("cast") => RecordFormat::Asciicast,
            _ => RecordFormat::Plain,
        }
    }

    /// How the REPL names it when recording starts.
    pub fn describe(self) -> &'static str {
        match self {
            RecordFormat::Plain => "everything shown from now on is appended to it as plain text",
            RecordFormat::Markdown => {
                "each step visited and each demo's tables and findings are appended to it as \
                 Markdown notes"
            }
            RecordFormat::Asciicast => {
                "everything shown from now on is recorded in it as an asciicast v2 recording \
                 (`asciinema play` replays it)"
            }
        }
    }
}

/// The terminal a recording is made for: an asciicast's header gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalSize {
    pub columns: usize,
    pub rows: usize,
}

/// The record being written.
struct Transcript {
    file: File,
    path: PathBuf,
    format: RecordFormat,
    /// When an asciicast began: its events' times count from here.
    started: Instant,
    /// Whether what is shown carries mptutor's colours (an asciicast keeps
    /// them).
    colours: bool,
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
        if self.format == RecordFormat::Markdown {
            return;
        }
        self.partial.extend_from_slice(bytes);
        while let Some(newline) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=newline).collect();
            self.write_shown(&line);
        }
    }

    /// A line (or what is left of one) as the format keeps it.
    fn write_shown(&mut self, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        match self.format {
            // Read back with `cat`, a transcript is a terminal's input
            // too: no colours, and nothing a course or a program wrote
            // that would act.
            RecordFormat::Plain => {
                let plain = crate::render::terminal_safe(&text, false);
                self.write_out(plain.as_bytes());
            }
            RecordFormat::Asciicast => {
                let shown = crate::render::terminal_safe(&text, self.colours);
                self.write_event(&shown);
            }
            RecordFormat::Markdown => {}
        }
    }

    /// One asciicast output event. A terminal moves to the start of the
    /// next line on `\r\n`; the player is a terminal.
    fn write_event(&mut self, shown: &str) {
        let data = shown.replace('\n', "\r\n");
        let seconds = self.started.elapsed().as_secs_f64();
        // Microseconds, as asciinema writes them.
        let seconds = (seconds * 1e6).round() / 1e6;
        let event = serde_json::json!([seconds, "o", data]);
        self.write_out(format!("{event}\n").as_bytes());
    }

    fn write_out(&mut self, bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        if let Err(error) = self.file.write_all(bytes) {
            self.failed = Some(error);
        }
    }

    /// A control sequence mptutor itself sent the terminal (`clear`'s):
    /// only an asciicast shows it, after the line before it.
    fn record_control(&mut self, sequence: &str) {
        if self.format == RecordFormat::Asciicast {
            let rest = std::mem::take(&mut self.partial);
            if !rest.is_empty() {
                self.write_shown(&rest);
            }
            self.write_event(sequence);
        }
    }

    /// Markdown notes: written as they are, control characters removed.
    fn note_markdown(&mut self, markdown: &str) {
        if self.format == RecordFormat::Markdown && !markdown.trim().is_empty() {
            let clean = crate::render::terminal_safe(markdown.trim(), false);
            self.write_out(format!("{clean}\n\n").as_bytes());
        }
    }

    /// Writes what is left and makes sure it reached the file: a disk that
    /// fills up may only say so when the data is flushed. Devices that
    /// cannot be synced (`/dev/null`, a terminal) are not an error.
    fn close(mut self) -> Result<PathBuf, String> {
        if !self.partial.is_empty() {
            let rest = std::mem::take(&mut self.partial);
            self.write_shown(&rest);
            if self.format == RecordFormat::Plain {
                self.write_out(b"\n");
            }
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

/// The asciicast v2 header: size, start time and the terminal's `TERM`
/// and `SHELL` (null when unset, as asciinema writes them).
fn asciicast_header(size: TerminalSize) -> String {
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let env = |name: &str| serde_json::Value::from(std::env::var(name).ok());
    // Written by hand so `version` comes first, as asciinema writes it and
    // as a reader that sniffs the first bytes expects.
    format!(
        "{{\"version\": 2, \"width\": {}, \"height\": {}, \"timestamp\": {timestamp}, \
         \"env\": {{\"TERM\": {}, \"SHELL\": {}}}}}\n",
        size.columns,
        size.rows,
        env("TERM"),
        env("SHELL")
    )
}

/// Opens `path` for a record of `format`: appended to, except that an
/// asciicast is one recording from its header on, so a file that already
/// holds something is refused rather than overwritten or made unreadable.
fn open_record(path: &Path, format: RecordFormat) -> io::Result<File> {
    let file = crate::user_file::open_for_appending(path)?;
    if format == RecordFormat::Asciicast {
        let meta = file.metadata()?;
        if meta.is_file() && meta.len() > 0 {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it already holds something, and an asciicast must start with its own header \
                 (choose a new name, or delete it first)",
            ));
        }
    }
    Ok(file)
}

/// The REPL's output, copied to a record while one is kept.
pub struct Shown<W: Write> {
    out: W,
    /// Whether `out` keeps mptutor's colours.
    colours: bool,
    transcript: Option<Transcript>,
}

impl<W: Write> Shown<W> {
    /// `colours`: whether what is written reaches the terminal in colour.
    pub fn new(out: W, colours: bool) -> Self {
        Shown {
            out,
            colours,
            transcript: None,
        }
    }

    /// Records everything shown from now on in `path`, creating it if
    /// needed, in the format its extension names; a record already kept is
    /// closed first. `size` is the terminal's, for an asciicast.
    pub fn start_recording(&mut self, path: &Path, size: TerminalSize) -> io::Result<RecordFormat> {
        let format = RecordFormat::of(path);
        let file = open_record(path, format)?;
        self.stop_recording();
        let mut transcript = Transcript {
            file,
            path: path.to_path_buf(),
            format,
            started: Instant::now(),
            colours: self.colours,
            partial: Vec::new(),
            failed: None,
        };
        if format == RecordFormat::Asciicast {
            transcript.write_out(asciicast_header(size).as_bytes());
        }
        self.transcript = Some(transcript);
        Ok(format)
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

    /// Notes for a Markdown record (a step, a demo's results); other
    /// formats keep what was shown instead.
    pub fn note_markdown(&mut self, markdown: &str) {
        if let Some(transcript) = &mut self.transcript {
            transcript.note_markdown(markdown);
        }
    }

    /// Sends `sequence` (a control sequence of mptutor's own, such as
    /// `clear`'s) to `terminal`, past the filter that would show it as
    /// text, after everything written before it; an asciicast records it.
    pub fn send_control(&mut self, terminal: &mut dyn Write, sequence: &str) -> io::Result<()> {
        self.out.flush()?;
        terminal.write_all(sequence.as_bytes())?;
        terminal.flush()?;
        if let Some(transcript) = &mut self.transcript {
            transcript.record_control(sequence);
        }
        Ok(())
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

    const SIZE: TerminalSize = TerminalSize {
        columns: 80,
        rows: 24,
    };

    #[test]
    fn the_transcript_is_plain_text_even_when_escapes_are_split() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("class.txt");
        let mut shown = Shown::new(Vec::new(), false);
        shown.write_all(b"before\n").expect("write");
        shown.start_recording(&path, SIZE).expect("record");
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
        let mut shown = Shown::new(Vec::new(), false);
        shown.start_recording(&path, SIZE).expect("record");
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
    fn the_extension_picks_the_format() {
        assert_eq!(RecordFormat::of(Path::new("a.md")), RecordFormat::Markdown);
        assert_eq!(RecordFormat::of(Path::new("a.MD")), RecordFormat::Markdown);
        assert_eq!(
            RecordFormat::of(Path::new("a.cast")),
            RecordFormat::Asciicast
        );
        assert_eq!(RecordFormat::of(Path::new("a.txt")), RecordFormat::Plain);
        assert_eq!(RecordFormat::of(Path::new("a")), RecordFormat::Plain);
        assert_eq!(RecordFormat::of(Path::new("a.md.log")), RecordFormat::Plain);
    }

    #[test]
    fn a_markdown_record_keeps_the_notes_and_nothing_shown() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("notes.md");
        let mut shown = Shown::new(Vec::new(), true);
        shown.start_recording(&path, SIZE).expect("record");
        shown.record_only("mptutor> open q3\n");
        shown
            .write_all(b"\x1b[1mStep\x1b[0m on screen\n")
            .expect("write");
        shown.note_markdown("## A · B\n\nprose \x1b]52;c;aGk=\x07");
        assert_eq!(shown.stop_recording(), Some(Ok(path.clone())));
        let text = std::fs::read_to_string(&path).expect("notes");
        assert_eq!(text, "## A · B\n\nprose �]52;c;aGk=�\n\n");
    }

    #[test]
    fn an_asciicast_keeps_colours_times_and_control_sequences_of_mptutors_own() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("class.cast");
        let mut shown = Shown::new(Vec::new(), true);
        shown.start_recording(&path, SIZE).expect("record");
        shown
            .write_all(b"\x1b[1mbold\x1b[0m \x1bc\n")
            .expect("write");
        let mut terminal = Vec::new();
        shown
            .send_control(&mut terminal, "\x1b[H\x1b[2J")
            .expect("the terminal");
        assert_eq!(terminal, b"\x1b[H\x1b[2J");
        assert_eq!(shown.stop_recording(), Some(Ok(path.clone())));
        let text = std::fs::read_to_string(&path).expect("cast");
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON"))
            .collect();
        assert!(text.starts_with("{\"version\": 2, "), "{text}");
        assert_eq!(lines[0]["version"], 2);
        assert_eq!(lines[0]["width"], 80);
        assert_eq!(lines[1][2], "\x1b[1mbold\x1b[0m �c\r\n");
        assert_eq!(lines[2][2], "\x1b[H\x1b[2J");
        assert!(lines[2][0].as_f64() >= lines[1][0].as_f64());
    }

    #[test]
    fn a_transcript_that_cannot_be_written_says_so_and_stops() {
        let mut shown = Shown::new(Vec::new(), false);
        shown
            .start_recording(Path::new("/dev/full"), SIZE)
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
        let mut shown = Shown::new(Vec::new(), false);
        shown
            .start_recording(Path::new("/dev/full"), SIZE)
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
