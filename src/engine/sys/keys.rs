//! Single keys from the terminal, for a screen that waits for `q`
//! (`mptutor notes`) without a line editor: the kernel's line discipline
//! is told to hand over each key at once and not to echo it, and is put
//! back as it was when [`SingleKeys`] is dropped. Ctrl-C stays a signal
//! (ISIG is left on), so it reaches mptutor as SIGINT.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::termios::{
    LocalFlags, SetArg, SpecialCharacterIndices, Termios, tcgetattr, tcsetattr,
};

/// Standard input read one key at a time while alive.
pub struct SingleKeys {
    /// The settings to put back; `None` when standard input is not a
    /// terminal (then nothing was changed, and no key is ever read).
    saved: Option<Termios>,
}

/// What [`SingleKeys::wait`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The bytes typed since the last wait (a key, or several typed
    /// quickly; a key such as an arrow is several bytes).
    Typed(Vec<u8>),
    /// Nothing within the time given, or a signal arrived.
    Nothing,
    /// Standard input is closed (the terminal hung up).
    Closed,
}

impl SingleKeys {
    /// Turns off line buffering and echo on standard input, when it is a
    /// terminal.
    pub fn start() -> Self {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return SingleKeys { saved: None };
        }
        let Ok(saved) = tcgetattr(&stdin) else {
            return SingleKeys { saved: None };
        };
        let mut keys = saved.clone();
        keys.local_flags
            .remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ECHONL);
        keys.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        keys.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        if tcsetattr(&stdin, SetArg::TCSANOW, &keys).is_err() {
            return SingleKeys { saved: None };
        }
        SingleKeys { saved: Some(saved) }
    }

    /// Waits up to `patience` for a key. Without a terminal it only waits.
    pub fn wait(&self, patience: Duration) -> Key {
        if self.saved.is_none() {
            std::thread::sleep(patience);
            return Key::Nothing;
        }
        let stdin = std::io::stdin();
        let millis = u16::try_from(patience.as_millis()).unwrap_or(u16::MAX);
        let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
        // EINTR (a signal, Ctrl-C among them) returns at once: the caller
        // looks at what the signal set.
        match poll(&mut fds, PollTimeout::from(millis)) {
            Ok(1..) => {}
            _ => return Key::Nothing,
        }
        let revents = fds[0].revents().unwrap_or(PollFlags::empty());
        if !revents.contains(PollFlags::POLLIN) {
            return if revents.intersects(PollFlags::POLLHUP | PollFlags::POLLERR) {
                Key::Closed
            } else {
                Key::Nothing
            };
        }
        // Read from the descriptor itself, not through `Stdin`'s buffer:
        // bytes kept in a buffer would not wake the next `poll`.
        let mut typed = [0u8; 64];
        match nix::unistd::read(stdin.as_fd(), &mut typed) {
            Ok(0) => Key::Closed,
            Ok(count) => Key::Typed(typed[..count].to_vec()),
            Err(_) => Key::Nothing,
        }
    }
}

impl Drop for SingleKeys {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = tcsetattr(std::io::stdin(), SetArg::TCSADRAIN, saved);
        }
    }
}
