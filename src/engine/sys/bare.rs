//! Bare system calls for `mptutor bench`'s floor: each operation with
//! nothing around it, to hold the engine against.
//!
//! The same rule as the engine's makes each fork sound: the bench forks
//! only while it is single-threaded (checked by the caller before each
//! operation, outside the timing), so a child inherits no lock held by a
//! vanished thread and may run ordinary Rust before its `_exit`.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

pub fn fork() -> io::Result<libc::pid_t> {
    // SAFETY: the bench is single-threaded whenever it calls this (see the
    // module docs); the child only runs code that ends in `_exit`.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(pid)
    }
}

pub fn exit_child(code: i32) -> ! {
    // SAFETY: ends the child at once, without the parent's atexit handlers
    // or a second flush of inherited buffers.
    unsafe { libc::_exit(code) }
}

/// Waits for `pid`; an error unless it exited with code 0.
pub fn wait_ok(pid: libc::pid_t) -> io::Result<()> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is a live local the call writes to.
        let result = unsafe { libc::waitpid(pid, &mut status, 0) };
        if result >= 0 {
            break;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "a floor child ended with status {status:#x}"
        )))
    }
}

pub fn write_all(fd: RawFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: the pointer and length describe a live slice.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if written < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        bytes = &bytes[usize::try_from(written).unwrap_or(0)..];
    }
    Ok(())
}

pub fn read_some(fd: RawFd, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: the pointer and length describe a live, writable slice.
        let count = unsafe { libc::read(fd, buffer.as_mut_ptr().cast(), buffer.len()) };
        if count >= 0 {
            return Ok(usize::try_from(count).unwrap_or(0));
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Replaces the process image with `program`; returns only on failure.
/// `argv` must end in a null pointer.
pub fn execv(program: &CString, argv: &[*const libc::c_char]) {
    if argv.last().is_some_and(|last| last.is_null()) {
        // SAFETY: every pointer is into a NUL-terminated CString that
        // outlives the call (the caller's), and the array ends in NULL.
        unsafe { libc::execv(program.as_ptr(), argv.as_ptr()) };
    }
}

/// In a bare pool worker: moves its two pipe ends to 3 and 4 and closes
/// every other descriptor above 2.
pub fn move_to_3_and_4(requests: &OwnedFd, results: &OwnedFd) -> bool {
    // SAFETY: plain system calls on descriptors this child owns.
    unsafe {
        let request_high = libc::fcntl(requests.as_raw_fd(), libc::F_DUPFD, 100);
        let result_high = libc::fcntl(results.as_raw_fd(), libc::F_DUPFD, 100);
        request_high >= 0
            && result_high >= 0
            && libc::dup2(request_high, 3) == 3
            && libc::dup2(result_high, 4) == 4
            && libc::syscall(libc::SYS_close_range, 5u32, libc::c_uint::MAX, 0u32) == 0
    }
}
