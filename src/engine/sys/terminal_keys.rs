//! Single key presses from the terminal, for a replay stepped one event
//! per key (`pace step`).
//!
//! The terminal is put in a key-at-a-time mode (no line editing, no echo)
//! only while a [`KeyPresses`] is alive, and its settings are put back
//! when it is dropped, which covers every way out of a replay, a panic
//! unwinding included. Signals stay on (`ISIG`): Ctrl-C still reaches
//! mptutor as SIGINT, which the interrupt guard turns into a flag, and a
//! SIGTERM or SIGHUP still finds the REPL's handler that restores the
//! settings mptutor found at start-up (see [`super::terminal`]). Output
//! processing stays on too, so a newline still starts a new line.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::time::Duration;

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::termios::{
    FlushArg, LocalFlags, SetArg, SpecialCharacterIndices, Termios, tcflush, tcgetattr, tcsetattr,
};

/// What a key press asks of a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Enter or space: the next event.
    Next,
    /// `q` (or a Ctrl-C that arrived as a byte): the rest at once.
    Quit,
    /// Any other key, ignored.
    Other,
    /// No key before the wait ended (the time was up, or a signal came).
    Nothing,
}

/// Standard input in key-at-a-time mode, as long as it is alive.
pub struct KeyPresses {
    saved: Termios,
}

impl KeyPresses {
    /// Puts standard input in key-at-a-time mode, throwing away what was
    /// typed before. `None` when standard input is not a terminal (or its
    /// settings cannot be read or changed): then there are no keys to read.
    pub fn open() -> Option<KeyPresses> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let saved = tcgetattr(&stdin).ok()?;
        let mut keys = saved.clone();
        keys.local_flags
            .remove(LocalFlags::ICANON | LocalFlags::ECHO);
        keys.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        keys.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        tcsetattr(&stdin, SetArg::TCSANOW, &keys).ok()?;
        // Keys pressed while the run was recorded were not meant for the
        // replay.
        let _ = tcflush(&stdin, FlushArg::TCIFLUSH);
        Some(KeyPresses { saved })
    }

    /// Waits up to `wait` (for ever when `None`) for one key. A signal
    /// (Ctrl-C) ends the wait with [`Key::Nothing`]; the caller checks
    /// what it asked for.
    pub fn next_key(&self, wait: Option<Duration>) -> Key {
        let stdin = std::io::stdin();
        let timeout = match wait {
            Some(wait) => PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX),
            None => PollTimeout::NONE,
        };
        let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, timeout) {
            Ok(0) | Err(Errno::EINTR) => return Key::Nothing,
            // A terminal that can no longer be polled sends no more keys.
            Err(_) => return Key::Quit,
            Ok(_) => {}
        }
        let mut byte = [0_u8; 1];
        match nix::unistd::read(&stdin, &mut byte) {
            // End of input (the terminal closed): nothing more will come.
            Ok(0) => Key::Quit,
            Ok(_) => match byte[0] {
                b'\r' | b'\n' | b' ' => Key::Next,
                b'q' | b'Q' | 0x03 => Key::Quit,
                _ => Key::Other,
            },
            Err(Errno::EINTR) => Key::Nothing,
            // The terminal hung up (EIO): nothing more will come.
            Err(_) => Key::Quit,
        }
    }
}

impl Drop for KeyPresses {
    fn drop(&mut self) {
        let _ = tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, &self.saved);
    }
}
