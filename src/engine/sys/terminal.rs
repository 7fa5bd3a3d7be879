//! The terminal's settings as mptutor found them, put back however it
//! leaves.
//!
//! At the prompt the line editor holds the terminal in raw mode (no echo,
//! no line editing by the kernel, no Ctrl-C as a signal, Enter not turned
//! into a newline) and puts it back when a line is read. A SIGTERM,
//! SIGHUP or SIGQUIT arriving meanwhile would end mptutor with the
//! terminal still raw, and the shell after it unusable until `reset`. So
//! the interactive REPL saves the settings of its standard input once, at
//! start-up, and [`RestoreOnExit`] puts them back: on those signals, from
//! a handler that then lets the signal end mptutor as it would have (the
//! exit status still says which signal), and when dropped, which covers
//! `quit`, Ctrl-D, an error and a panic unwinding out of the REPL.
//!
//! A signal handler may only make async-signal-safe calls. This one reads
//! settings stored before any handler was installed (a [`OnceLock`] that
//! is never written again, so reading it takes no lock), and calls
//! `getpid`, `tcsetattr`, `write` and `raise`, all on POSIX's list.

use std::io::IsTerminal;
use std::sync::OnceLock;

use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
use nix::sys::termios::{FlushArg, tcflush};

/// What the line editor turns on at the prompt besides raw mode, and
/// turns off when it gives the terminal back: bracketed paste, which
/// would make the shell after mptutor read every paste wrapped in
/// escape codes.
const BRACKETED_PASTE_OFF: &[u8] = b"\x1b[?2004l";

/// The signals that end mptutor with the terminal restored.
const ENDING_SIGNALS: [Signal; 3] = [Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT];

/// The terminal as mptutor found it.
struct SavedTerminal {
    /// Standard input's settings at start-up.
    settings: libc::termios,
    /// Whether standard output is a terminal, which the line editor
    /// writes its escape codes to.
    output_is_terminal: bool,
    /// The process that saved them: a forked worker inherits the handler
    /// but must leave the terminal alone.
    owner: libc::pid_t,
}

/// Set once, before the handlers that read it are installed.
static SAVED: OnceLock<SavedTerminal> = OnceLock::new();

extern "C" fn restore_and_end(signal: libc::c_int) {
    if let Some(saved) = SAVED.get() {
        // SAFETY: `getpid`, `tcsetattr` and `write` are async-signal-safe;
        // `settings` and the escape code are initialised memory that is
        // never written again.
        unsafe {
            if libc::getpid() == saved.owner {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &saved.settings);
                if saved.output_is_terminal {
                    libc::write(
                        libc::STDOUT_FILENO,
                        BRACKETED_PASTE_OFF.as_ptr().cast(),
                        BRACKETED_PASTE_OFF.len(),
                    );
                }
            }
        }
    }
    // SA_RESETHAND put the default action back as this handler began, and
    // the signal is blocked until it returns: raised again, it ends the
    // process the moment the handler returns, as it would have at first.
    //
    // SAFETY: `raise` is async-signal-safe.
    unsafe { libc::raise(signal) };
}

/// Puts the terminal back as it was when dropped, and on SIGTERM, SIGHUP
/// and SIGQUIT (see the module docs).
pub struct RestoreOnExit {
    previous: Vec<(Signal, SigAction)>,
}

impl RestoreOnExit {
    /// Saves standard input's settings and installs the handlers. `None`
    /// when standard input is not a terminal: there is nothing to put back.
    pub fn arm() -> Option<Self> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        // Only the first call saves: later ones (a second REPL in the same
        // process) keep the settings mptutor started with.
        if SAVED.get().is_none() {
            let settings: libc::termios = nix::sys::termios::tcgetattr(&stdin).ok()?.into();
            let _ = SAVED.set(SavedTerminal {
                settings,
                output_is_terminal: std::io::stdout().is_terminal(),
                owner: std::process::id().try_into().ok()?,
            });
        }
        let action = SigAction::new(
            SigHandler::Handler(restore_and_end),
            SaFlags::SA_RESETHAND,
            SigSet::empty(),
        );
        let mut previous = Vec::with_capacity(ENDING_SIGNALS.len());
        for signal in ENDING_SIGNALS {
            // SAFETY: the handler is async-signal-safe (see above), and
            // what it reads was set before this line.
            if let Ok(old) = unsafe { sigaction(signal, &action) } {
                previous.push((signal, old));
            }
        }
        Some(RestoreOnExit { previous })
    }
}

impl Drop for RestoreOnExit {
    fn drop(&mut self) {
        if let Some(saved) = SAVED.get() {
            let settings = nix::sys::termios::Termios::from(saved.settings);
            let _ = nix::sys::termios::tcsetattr(
                std::io::stdin(),
                nix::sys::termios::SetArg::TCSADRAIN,
                &settings,
            );
        }
        for (signal, old) in &self.previous {
            // SAFETY: puts back a disposition that was in place before.
            let _ = unsafe { sigaction(*signal, old) };
        }
    }
}

/// Throws away what was typed but not yet read from standard input, when
/// it is a terminal: the rest of a line the line editor gave up on.
pub fn discard_typed_ahead() {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let _ = tcflush(&stdin, FlushArg::TCIFLUSH);
    }
}
