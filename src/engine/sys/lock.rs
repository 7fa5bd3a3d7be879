//! An advisory lock on a file (`flock`), held for as long as its value
//! lives: how two mptutor sessions of one student take turns at the
//! progress file.

use std::fs::File;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

/// An exclusive `flock` on an open file; released when dropped (or when
/// the process dies, so a killed session never leaves it held).
pub struct FileLock {
    _held: Flock<File>,
}

/// Takes an exclusive lock on `file`, waiting at most `patience` for
/// another process to release it. The wait is a poll rather than a
/// blocking `flock`, so a holder that is stopped (Ctrl-Z) or hung cannot
/// hang this process too.
pub fn lock_exclusive(mut file: File, patience: Duration) -> std::io::Result<FileLock> {
    let deadline = Instant::now() + patience;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => return Ok(FileLock { _held: held }),
            Err((back, Errno::EWOULDBLOCK | Errno::EINTR)) if Instant::now() < deadline => {
                file = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((_, Errno::EWOULDBLOCK)) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::WouldBlock,
                    format!(
                        "another process has held its lock for over {} s",
                        patience.as_secs()
                    ),
                ));
            }
            Err((_, errno)) => return Err(errno.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_waits_for_the_first_and_then_gives_up() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("file.lock");
        let open = || {
            File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .expect("open the lock file")
        };
        let first = lock_exclusive(open(), Duration::from_secs(1)).expect("first lock");
        let refused = lock_exclusive(open(), Duration::from_millis(30));
        assert!(refused.is_err());
        drop(first);
        assert!(lock_exclusive(open(), Duration::from_secs(1)).is_ok());
    }
}
