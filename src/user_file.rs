//! Opening files mptutor is given rather than makes (`--progress FILE`,
//! `record FILE`, a course's `course.toml` and lessons, the student's copy
//! of an example) without ever blocking on them.
//!
//! Opening a named pipe waits for the other end, and reading one (or a
//! device like `/dev/zero`) may never end, so a path typed by mistake, or a
//! course made to trap its readers, could freeze start-up or the REPL
//! beyond Ctrl-C's reach. Each file is therefore opened with `O_NONBLOCK`,
//! which makes opening a pipe return at once, and then checked with `fstat`
//! on the descriptor itself (no race with a rename): anything but a regular
//! file is refused, with what it is. Reads are capped, so a huge file
//! cannot fill memory; the cap's message gives the file's size.

use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
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

/// The most mptutor reads of one kind of file, and what such a file is
/// called in the message of one that is bigger: "a lesson".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeCap {
    /// Bytes read at most.
    pub bytes: u64,
    /// What such a file is called: "a lesson", "course.toml".
    pub of: &'static str,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// A size for people: "812 bytes", "3.5 KiB", "12.0 MiB".
fn size_in_words(bytes: u64) -> String {
    // One decimal is all a message needs: `as f64` loses nothing of it.
    let in_unit = |unit: u64| bytes as f64 / unit as f64;
    if bytes < KIB {
        format!("{bytes} bytes")
    } else if bytes < MIB {
        format!("{:.1} KiB", in_unit(KIB))
    } else {
        format!("{:.1} MiB", in_unit(MIB))
    }
}

/// A cap for people: "4 MiB", "256 KiB" (any other as a size).
fn cap_in_words(bytes: u64) -> String {
    if bytes >= MIB && bytes % MIB == 0 {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        size_in_words(bytes)
    }
}

/// A file of `size` bytes (or more, when it grew while being read) is over
/// `cap`; the error is of kind `FileTooLarge`.
fn too_large(size: u64, cap: SizeCap) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "{} is more than {} may be ({})",
            size_in_words(size),
            cap.of,
            cap_in_words(cap.bytes)
        ),
    )
}

/// Checks, without opening it, that `path` leads to a regular file: a
/// named pipe, a device, a socket or a folder is refused (kind
/// `InvalidInput`) with what it is. Opening nothing, it can name what a
/// link points at even where opening it would have effects. The path may
/// change before it is opened, so a reader checks again on the open file
/// (as [`read_regular_bytes`] does).
pub fn check_regular(path: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(refused(&meta))
    }
}

/// Opens `path` with `options` and `O_NONBLOCK` (so a named pipe cannot
/// make the open wait), then checks what the descriptor itself is (no race
/// with a rename): anything `accept` does not take is refused with what it
/// is. The file and what it is.
fn open_checked(
    path: &Path,
    options: &mut std::fs::OpenOptions,
    accept: fn(&Metadata) -> bool,
) -> io::Result<(File, Metadata)> {
    let file = options
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(explain_open_error)?;
    let meta = file.metadata()?;
    if !accept(&meta) {
        return Err(refused(&meta));
    }
    Ok((file, meta))
}

/// The bytes of the regular file at `path`, refusing anything else (kind
/// `InvalidInput`) and any file of more than `cap` (kind `FileTooLarge`,
/// the message giving its size).
pub fn read_regular_bytes(path: &Path, cap: SizeCap) -> io::Result<Vec<u8>> {
    let (file, meta) = open_checked(path, File::options().read(true), Metadata::is_file)?;
    if meta.len() > cap.bytes {
        return Err(too_large(meta.len(), cap));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > cap.bytes {
        // It grew while being read.
        return Err(too_large(read, cap));
    }
    Ok(bytes)
}

/// Reads the regular file at `path` as UTF-8 text, refusing anything else
/// and any file of more than `cap` (see [`read_regular_bytes`]).
pub fn read_regular(path: &Path, cap: SizeCap) -> io::Result<String> {
    let bytes = read_regular_bytes(path, cap)?;
    String::from_utf8(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "it is not UTF-8 text".to_string(),
        )
    })
}

/// Replaces the contents of `path` with `contents`, creating it if needed;
/// refused, with nothing written, when `path` is anything but a regular
/// file.
pub fn write_regular(path: &Path, contents: &[u8]) -> io::Result<()> {
    let (file, _) = open_checked(
        path,
        File::options().write(true).create(true).truncate(false),
        Metadata::is_file,
    )?;
    let mut file = blocking(file)?;
    file.set_len(0)?;
    file.write_all(contents)?;
    file.flush()
}

/// Opens (creating) the regular file at `path` for reading and writing,
/// without truncating it: a lock file.
pub fn open_regular_for_locking(path: &Path) -> io::Result<File> {
    let (file, _) = open_checked(
        path,
        File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
        Metadata::is_file,
    )?;
    blocking(file)
}

/// Opens `path` for appending, creating it if needed: a regular file, or a
/// character device (`/dev/null`, a terminal), which takes what is written
/// without blocking for long. Pipes, sockets and folders are refused.
pub fn open_for_appending(path: &Path) -> io::Result<File> {
    let (file, _) = open_checked(path, File::options().append(true).create(true), |meta| {
        meta.is_file() || meta.file_type().is_char_device()
    })?;
    blocking(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: SizeCap = SizeCap {
        bytes: 1024,
        of: "a test",
    };

    fn fifo(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("pipe");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        path
    }

    #[test]
    fn a_named_pipe_is_refused_at_once_for_reading_and_appending() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = fifo(dir.path());
        let read = read_regular(&path, CAP).expect_err("a FIFO is refused");
        assert!(read.to_string().contains("named pipe (FIFO)"), "{read}");
        let append = open_for_appending(&path).expect_err("a FIFO is refused");
        assert!(append.to_string().contains("named pipe (FIFO)"), "{append}");
        let lock = open_regular_for_locking(&path).expect_err("a FIFO is refused");
        assert!(lock.to_string().contains("named pipe (FIFO)"), "{lock}");
        let write = write_regular(&path, b"x").expect_err("a FIFO is refused");
        assert!(write.to_string().contains("named pipe (FIFO)"), "{write}");
        let checked = check_regular(&path).expect_err("a FIFO is refused");
        assert!(
            checked.to_string().contains("named pipe (FIFO)"),
            "{checked}"
        );
    }

    #[test]
    fn a_device_is_refused_without_being_read() {
        let error = read_regular_bytes(Path::new("/dev/zero"), CAP).expect_err("a device");
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            error.to_string(),
            "it is a character device, not a regular file"
        );
    }

    #[test]
    fn writing_replaces_a_regular_file_whole() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("copy.py");
        write_regular(&path, b"a longer first text").expect("write");
        write_regular(&path, b"short").expect("rewrite");
        assert_eq!(std::fs::read(&path).expect("read"), b"short");
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_in_words(812), "812 bytes");
        assert_eq!(size_in_words(3584), "3.5 KiB");
        assert_eq!(size_in_words(12 * MIB), "12.0 MiB");
        assert_eq!(cap_in_words(256 * KIB), "256 KiB");
        assert_eq!(cap_in_words(4 * MIB), "4 MiB");
        assert_eq!(cap_in_words(1000), "1000 bytes");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_its_size_and_one_at_it_is_read() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("file");
        std::fs::write(&path, "x".repeat(3 * 1024 * 1024)).expect("write");
        let cap = |bytes| SizeCap {
            bytes,
            of: "a test",
        };
        assert_eq!(
            read_regular(&path, cap(3 * 1024 * 1024))
                .map(|text| text.len())
                .ok(),
            Some(3 * 1024 * 1024)
        );
        let error = read_regular(&path, cap(2 * 1024 * 1024)).expect_err("over the cap");
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            error.to_string(),
            "3.0 MiB is more than a test may be (2 MiB)"
        );
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
