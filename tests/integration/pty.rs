//! mptutor in a pseudo-terminal the test opens itself (`openpty`), for
//! what rexpect cannot do: type bytes that are not text, and read the
//! terminal's settings after mptutor has died. The test keeps the
//! terminal's own side (the one mptutor reads) open, so its settings
//! outlive mptutor, as a real terminal's outlive the program run in it.
//!
//! mptutor gets the terminal as its standard input, output and error but
//! not as its controlling terminal: the signals a real terminal would
//! send (SIGHUP on hang-up) are sent by the tests themselves.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use nix::pty::{Winsize, openpty};
use nix::sys::signal::{Signal, kill};
use nix::sys::termios::{Termios, tcgetattr};
use nix::unistd::Pid;

use crate::proc_table::{PATIENCE, eventually};

/// What the line editor writes as it starts reading a line: bracketed
/// paste on.
const READING: &str = "\x1b[?2004h";

/// mptutor's REPL in a pseudo-terminal; SIGKILLed and reaped when
/// dropped, so a failing test leaves nothing running.
pub struct Terminal {
    child: Child,
    /// The keyboard's side: what is written here, mptutor reads.
    keyboard: File,
    /// mptutor's side, kept open so its settings can be read at any time.
    screen: OwnedFd,
    chunks: Receiver<Vec<u8>>,
    /// Everything mptutor wrote so far.
    output: Vec<u8>,
    /// How much of `output` earlier waits consumed.
    seen: usize,
}

impl Terminal {
    /// Starts `mptutor --width 100 --color never args…` in a new
    /// 100-column terminal, in `home` (also its working directory, where
    /// a core dump would land).
    pub fn start(home: &std::path::Path, args: &[&str]) -> Self {
        Terminal::start_with_env(home, &[], args)
    }

    /// [`Terminal::start`] with these environment variables set besides.
    pub fn start_with_env(
        home: &std::path::Path,
        env: &[(&str, &std::path::Path)],
        args: &[&str],
    ) -> Self {
        let mut all = vec!["--width", "100"];
        all.extend_from_slice(args);
        Self::start_sized_with_env(home, env, &all, 100)
    }

    /// Starts `mptutor --color never args…` in a new terminal `columns`
    /// wide: without `--width` in `args`, it follows the terminal's size.
    pub fn start_sized(home: &std::path::Path, args: &[&str], columns: u16) -> Self {
        Self::start_sized_with_env(home, &[], args, columns)
    }

    /// [`Terminal::start_sized`] with these environment variables set besides.
    pub fn start_sized_with_env(
        home: &std::path::Path,
        env: &[(&str, &std::path::Path)],
        args: &[&str],
        columns: u16,
    ) -> Self {
        let size = Winsize {
            ws_row: 40,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(Some(&size), None).expect("open a pseudo-terminal");
        let side = |fd: &OwnedFd| Stdio::from(fd.try_clone().expect("duplicate the pty"));
        let child = crate::support::mptutor(home)
            .envs(env.iter().copied())
            .args(["--color", "never"])
            .args(args)
            .current_dir(home)
            .stdin(side(&pty.slave))
            .stdout(side(&pty.slave))
            .stderr(side(&pty.slave))
            .spawn()
            .expect("start mptutor");
        let keyboard = File::from(pty.master);
        let mut display = keyboard.try_clone().expect("duplicate the pty");
        let (sender, chunks) = channel();
        // Ends when the test closes mptutor's side (an EIO), after
        // mptutor is gone.
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(count @ 1..) = display.read(&mut buffer) {
                if sender.send(buffer[..count].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            keyboard,
            screen: pty.slave,
            chunks,
            output: Vec::new(),
            seen: 0,
        }
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits in i32")
    }

    /// The terminal's settings now.
    pub fn settings(&self) -> Termios {
        tcgetattr(&self.screen).expect("tcgetattr on the pty")
    }

    /// Types `bytes` at once, as a paste or a fast typist would.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        self.keyboard
            .write_all(bytes)
            .and_then(|()| self.keyboard.flush())
            .expect("type on the pty");
    }

    /// Everything mptutor wrote so far, as text.
    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// Waits up to `within` for `needle` after what earlier waits
    /// consumed; returns the text up to and including it, or `None`.
    pub fn wait_within(&mut self, needle: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            let fresh = &self.output[self.seen..];
            if let Some(at) = fresh
                .windows(needle.len())
                .position(|window| window == needle.as_bytes())
            {
                let end = self.seen + at + needle.len();
                let text = String::from_utf8_lossy(&self.output[self.seen..end]).into_owned();
                self.seen = end;
                return Some(text);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok(chunk) => self.output.extend_from_slice(&chunk),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the terminal closed; it showed:\n{}", self.shown())
                }
            }
        }
    }

    /// Waits for `needle`; panics, showing the screen, if it does not come
    /// within [`PATIENCE`] or mptutor ends first.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(text) = self.wait_within(needle, Duration::from_millis(100)) {
                return text;
            }
            self.assert_alive(needle);
            assert!(
                Instant::now() < deadline,
                "no {needle:?} within {PATIENCE:?}; the terminal showed:\n{}",
                self.shown()
            );
        }
    }

    /// Makes sure everything typed so far has been dealt with: types `word`
    /// (not a command) and Enter until the REPL answers that it knows no
    /// such command, then waits for the next prompt.
    ///
    /// What was typed before may swallow the word: the rest of a line the
    /// REPL ignored is thrown away, an escape sequence or a Ctrl-V may take
    /// the Enter, `q` starts a quiz that takes it as an answer. And the
    /// line editor reads the terminal in chunks and forgets what it read
    /// past the Enter of a line. So the word is typed only once the line
    /// editor reads a new line (or after a short wait, when nothing ended
    /// the line), again when no answer comes, and `stop` (which leaves a
    /// quiz) between two tries.
    pub fn sync(&mut self, word: &str) {
        const TRY: Duration = Duration::from_millis(300);
        let answer = format!("Unknown command `{word}`");
        let deadline = Instant::now() + PATIENCE;
        let _ = self.wait_within(READING, TRY);
        loop {
            self.type_bytes(format!("{word}\r").as_bytes());
            if self.wait_within(&answer, TRY).is_some() {
                self.wait_for(READING);
                return;
            }
            self.type_bytes(b"stop\r");
            let _ = self.wait_within("stop", TRY);
            self.assert_alive(word);
            assert!(
                Instant::now() < deadline,
                "no answer to {word:?}; the terminal showed:\n{}",
                self.shown()
            );
        }
    }

    /// Fails at once, rather than at a deadline, when mptutor has ended.
    pub fn assert_alive(&mut self, waiting_for: &str) {
        let status = self.child.try_wait().expect("ask after mptutor");
        assert!(
            status.is_none(),
            "mptutor ended ({status:?}) while we waited for {waiting_for:?}; the terminal showed:\n{}",
            self.shown()
        );
    }

    /// Makes the terminal `columns` wide, as a resized window (or a
    /// zoomed font) does, and tells mptutor with SIGWINCH, as the
    /// terminal would tell its foreground program.
    #[allow(unsafe_code)]
    pub fn resize(&self, columns: u16) {
        use std::os::fd::AsRawFd;
        let size = libc::winsize {
            ws_row: 40,
            ws_col: columns,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads one `winsize`, which lives until the
        // call returns, from a pointer to it; the fd is the pty's master.
        let done = unsafe { libc::ioctl(self.keyboard.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(done, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
        self.signal(Signal::SIGWINCH);
    }

    /// How much mptutor has written so far, to look at what comes after
    /// this point with [`Terminal::shown_since`].
    pub fn mark(&self) -> usize {
        self.output.len()
    }

    /// What mptutor wrote after `mark`, as text.
    pub fn shown_since(&self, mark: usize) -> String {
        String::from_utf8_lossy(self.output.get(mark..).unwrap_or_default()).into_owned()
    }

    /// Sends `signal` to mptutor.
    pub fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.pid()), signal).expect("signal mptutor");
    }

    /// Waits for mptutor to end; panics if it is still running after
    /// [`PATIENCE`]. What it wrote until then is read into
    /// [`Terminal::shown`].
    pub fn wait(&mut self) -> ExitStatus {
        let mut status = None;
        let ended = eventually(PATIENCE, || {
            status = self.child.try_wait().expect("wait for mptutor");
            status.is_some()
        });
        assert!(ended, "mptutor did not end; it showed:\n{}", self.shown());
        while let Ok(chunk) = self.chunks.recv_timeout(Duration::from_millis(50)) {
            self.output.extend_from_slice(&chunk);
        }
        status.expect("mptutor ended")
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
