//! Opening files the student names (`--progress FILE`, `record FILE`)
//! without ever blocking on them.
//!
//! Opening a named pipe waits for the other end, and reading one (or a
//! device like `/dev/zero`) may never end, so a path typed by mistake
//! could freeze start-up or the REPL beyond Ctrl-C's reach. Each file is
//! therefore opened with `O_NONBLOCK`, which makes opening a pipe return at
//! once, and then checked with `fstat` on the descriptor itself (no race
//! with a rename): anything but a regular file is refused, with what it
//! is. Reads are capped, so a huge file cannot fill memory.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use nix::fcntl::{FcntlArg, OFlag, fcntl};

/// What a file that is not a regular one is, for messages: "a named pipe
/// (FIFO)".
fn kind(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_char_device() {
        "a character device"
    } else {
        "not a regular file"
    }
}

fn refused(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is {}, not a regular file", kind(meta)),
    )
}

/// Opening a pipe for writing with `O_NONBLOCK` fails with `ENXIO` while
/// nothing reads it; say what the path is instead.
fn explain_open_error(error: io::Error) -> io::Error {
    if error.raw_os_error() == Some(libc::ENXIO) {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "it is a named pipe (FIFO), not a regular file",
        )
    } else {
        error
    }
}

/// Turns `O_NONBLOCK` off again, so later writes wait for the device
/// rather than fail with "try again".
fn blocking(file: File) -> io::Result<File> {
    let flags = OFlag::from_bits_truncate(fcntl(&file, FcntlArg::F_GETFL)?);
    fcntl(
        &file,
        FcntlArg::F_SETFL(flags.difference(OFlag::O_NONBLOCK)),
    )?;
    Ok(file)
}

/// Reads the regular file at `path`, refusing anything else and any file
/// of more than `cap` bytes.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<String> {
    let file = File::options()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(explain_open_error)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(&meta));
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > cap {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {} KiB", cap / 1024),
        ));
    }
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "it is not UTF-8 text".to_string(),
        )
    })
}

/// Opens (creating) the regular file at `path` for reading and writing,
/// without truncating it: a lock file.
pub fn open_regular_for_locking(path: &Path) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(explain_open_error)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(refused(&meta));
    }
    blocking(file)
}

/// Opens `path` for appending, creating it if needed: a regular file, or a
/// character device (`/dev/null`, a terminal), which takes what is written
/// without blocking for long. Pipes, sockets and folders are refused.
pub fn open_for_appending(path: &Path) -> io::Result<File> {
    let file = File::options()
        .append(true)
        .create(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(explain_open_error)?;
    let meta = file.metadata()?;
    if !(meta.is_file() || meta.file_type().is_char_device()) {
        return Err(refused(&meta));
    }
    blocking(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("pipe");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        path
    }

    #[test]
    fn a_named_pipe_is_refused_at_once_for_reading_and_appending() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = fifo(dir.path());
        let read = read_regular(&path, 1024).expect_err("a FIFO is refused");
        assert!(read.to_string().contains("named pipe (FIFO)"), "{read}");
        let append = open_for_appending(&path).expect_err("a FIFO is refused");
        assert!(append.to_string().contains("named pipe (FIFO)"), "{append}");
        let lock = open_regular_for_locking(&path).expect_err("a FIFO is refused");
        assert!(lock.to_string().contains("named pipe (FIFO)"), "{lock}");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("file");
        std::fs::write(&path, "x".repeat(2048)).expect("write");
        assert_eq!(
            read_regular(&path, 2048).map(|text| text.len()).ok(),
            Some(2048)
        );
        let error = read_regular(&path, 2047).expect_err("over the cap");
        assert!(error.to_string().contains("larger than"), "{error}");
    }

    #[test]
    fn a_character_device_takes_a_transcript_and_a_folder_does_not() {
        assert!(open_for_appending(Path::new("/dev/null")).is_ok());
        let dir = tempfile::tempdir().expect("temporary directory");
        let error = open_for_appending(dir.path()).expect_err("a folder is refused");
        assert!(
            error.to_string().contains("folder") || error.kind() == io::ErrorKind::IsADirectory,
            "{error}"
        );
    }
}
