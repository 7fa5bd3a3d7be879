//! Waiting for a file to be saved, through inotify on its folder: an
//! editor that saves by writing a new file and renaming it over the old
//! one (vim, most IDEs) replaces the file's inode, so the file itself
//! cannot be watched. No thread is started, so mptutor may still fork
//! while it watches.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};

/// A watch on one file's saves.
pub struct FileWatch {
    inotify: Inotify,
    name: OsString,
}

/// What ended a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The file was saved (written and closed, or renamed into place).
    Saved,
    /// The other descriptor is readable (a line typed at the terminal).
    Input,
    /// The time was up, or a signal came.
    Nothing,
}

impl FileWatch {
    /// Watches `path`, which need not exist yet; its folder must.
    pub fn new(path: &Path) -> io::Result<FileWatch> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?
            .to_os_string();
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)?;
        inotify.add_watch(
            folder,
            AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_MOVED_TO,
        )?;
        Ok(FileWatch { inotify, name })
    }

    /// Whether the file was saved since the last call; does not wait.
    pub fn saved(&self) -> bool {
        let mut saved = false;
        // Read until the queue is empty (EAGAIN ends it).
        while let Ok(events) = self.inotify.read_events() {
            if events.is_empty() {
                break;
            }
            saved |= events
                .iter()
                .any(|event| event.name.as_deref() == Some(self.name.as_os_str()));
        }
        saved
    }

    /// Waits up to `wait` for a save, or for `input` to be readable.
    pub fn wait(&self, input: Option<BorrowedFd<'_>>, wait: Duration) -> Woke {
        let mut fds = vec![PollFd::new(self.inotify.as_fd(), PollFlags::POLLIN)];
        if let Some(input) = input {
            fds.push(PollFd::new(input, PollFlags::POLLIN));
        }
        let timeout = PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX);
        if poll(&mut fds, timeout).is_err() {
            return Woke::Nothing;
        }
        let ready = |fd: &PollFd<'_>| fd.revents().is_some_and(|events| !events.is_empty());
        let input_ready = fds.get(1).is_some_and(ready);
        if ready(&fds[0]) && self.saved() {
            Woke::Saved
        } else if input_ready {
            Woke::Input
        } else {
            Woke::Nothing
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_in_place_or_by_rename_is_seen_and_another_file_is_not() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("exercise.py");
        std::fs::write(&file, "print(1)\n").expect("write");
        let watch = FileWatch::new(&file).expect("watch");
        assert!(!watch.saved(), "nothing saved yet");

        std::fs::write(dir.path().join("other.py"), "x").expect("write another");
        assert_eq!(watch.wait(None, Duration::from_millis(50)), Woke::Nothing);

        std::fs::write(&file, "print(2)\n").expect("save in place");
        assert_eq!(watch.wait(None, Duration::from_secs(10)), Woke::Saved);
        assert!(!watch.saved(), "each save is seen once");

        // As vim saves: a new file, renamed over the old one.
        let new = dir.path().join("exercise.py.swp");
        std::fs::write(&new, "print(3)\n").expect("write the new file");
        std::fs::rename(&new, &file).expect("rename it into place");
        assert_eq!(watch.wait(None, Duration::from_secs(10)), Woke::Saved);
    }

    #[test]
    fn a_readable_input_ends_the_wait() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let watch = FileWatch::new(&dir.path().join("exercise.py")).expect("watch");
        let (read, write) = nix::unistd::pipe().expect("pipe");
        nix::unistd::write(&write, b"\n").expect("type a line");
        assert_eq!(
            watch.wait(Some(read.as_fd()), Duration::from_secs(10)),
            Woke::Input
        );
    }
}
