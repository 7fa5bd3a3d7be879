//! A Unix socket pair that keeps message boundaries and carries
//! descriptors: the fork server's control channel.
//!
//! `SOCK_SEQPACKET` delivers each request whole or not at all, so the
//! server never has to find where one ends; `SCM_RIGHTS` hands the server
//! its own copies of a worker's pipes, which is how a process that is not
//! mptutor's child can write into pipes mptutor reads.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

use nix::sys::socket::{
    AddressFamily, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg,
    sendmsg, socketpair,
};

/// Most descriptors one message can carry. More would be cut off by the
/// kernel (and those that fit would arrive without a way to name them).
pub const MAX_PASSED_FDS: usize = 8;

/// Two connected `SOCK_SEQPACKET` sockets, both closed on exec.
pub fn seqpacket_pair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::SOCK_CLOEXEC,
    )
    .map_err(std::io::Error::from)
}

/// Sends `bytes` as one message with copies of `fds`.
pub fn send_with_fds(
    socket: BorrowedFd<'_>,
    bytes: &[u8],
    fds: &[BorrowedFd<'_>],
) -> std::io::Result<()> {
    if fds.len() > MAX_PASSED_FDS {
        return Err(std::io::Error::other(format!(
            "at most {MAX_PASSED_FDS} descriptors go in one message"
        )));
    }
    let raw: Vec<RawFd> = fds.iter().map(AsRawFd::as_raw_fd).collect();
    let rights = [ControlMessage::ScmRights(&raw)];
    let control: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &rights };
    let iov = [IoSlice::new(bytes)];
    loop {
        match sendmsg::<()>(
            socket.as_raw_fd(),
            &iov,
            control,
            MsgFlags::MSG_NOSIGNAL,
            None,
        ) {
            Ok(_) => return Ok(()),
            Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
}

/// One message received with [`receive_with_fds`].
#[derive(Debug)]
pub struct Received {
    /// How many bytes of the buffer it filled.
    pub len: usize,
    /// The descriptors that came with it, now this process's own.
    pub fds: Vec<OwnedFd>,
    /// The message or its descriptors did not fit: it cannot be trusted.
    pub truncated: bool,
}

/// Waits for the next message; `None` once the other end is closed.
/// Descriptors arrive closed-on-exec.
pub fn receive_with_fds(
    socket: BorrowedFd<'_>,
    buffer: &mut [u8],
) -> std::io::Result<Option<Received>> {
    let mut space = nix::cmsg_space!([RawFd; MAX_PASSED_FDS]);
    let mut iov = [IoSliceMut::new(buffer)];
    let message = loop {
        match recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Ok(message) => break message,
            Err(nix::errno::Errno::EINTR) => {}
            Err(error) => return Err(error.into()),
        }
    };
    let mut truncated = message.flags.contains(MsgFlags::MSG_TRUNC);
    let mut fds = Vec::new();
    match message.cmsgs() {
        Ok(messages) => {
            for control in messages {
                if let ControlMessageOwned::ScmRights(raw) = control {
                    // SAFETY: the kernel has just installed these
                    // descriptors in this process for this message alone;
                    // nothing else knows their numbers.
                    fds.extend(raw.into_iter().map(|fd| unsafe { super::fds::take_fd(fd) }));
                }
            }
        }
        // The descriptors did not fit: the message is refused.
        Err(_) => truncated = true,
    }
    if message.bytes == 0 && fds.is_empty() && !truncated {
        return Ok(None);
    }
    Ok(Some(Received {
        len: message.bytes,
        fds,
        truncated,
    }))
}

/// A datagram socket bound at `path`, that never blocks a read, with a
/// receive buffer of `buffer` bytes where the kernel allows so many (it
/// caps the size at `net.core.rmem_max`): the X-ray's side channel, where
/// a burst of records from many processes must wait until mptutor reads.
pub fn bind_datagram(
    path: &std::path::Path,
    buffer: usize,
) -> std::io::Result<std::os::unix::net::UnixDatagram> {
    let socket = std::os::unix::net::UnixDatagram::bind(path)?;
    socket.set_nonblocking(true)?;
    // Best effort: the default buffer still works, with fewer records in
    // flight.
    let _ = nix::sys::socket::setsockopt(&socket, nix::sys::socket::sockopt::RcvBuf, &buffer);
    Ok(socket)
}

/// The receive buffer the kernel gave `socket`, in bytes.
pub fn receive_buffer(socket: &std::os::unix::net::UnixDatagram) -> std::io::Result<usize> {
    nix::sys::socket::getsockopt(socket, nix::sys::socket::sockopt::RcvBuf)
        .map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_message_arrives_whole_with_working_copies_of_its_descriptors() {
        let (one, other) = seqpacket_pair().expect("a socket pair");
        let (read, write) = super::super::pipe().expect("a pipe");
        send_with_fds(one.as_fd(), b"hello", &[write.as_fd()]).expect("sent");
        drop(write);
        let mut buffer = [0u8; 64];
        let received = receive_with_fds(other.as_fd(), &mut buffer)
            .expect("received")
            .expect("a message");
        assert_eq!(&buffer[..received.len], b"hello");
        assert!(!received.truncated);
        assert_eq!(received.fds.len(), 1);
        nix::unistd::write(&received.fds[0], b"x").expect("the copy writes into the pipe");
        let mut byte = [0u8; 1];
        assert_eq!(nix::unistd::read(&read, &mut byte), Ok(1));
        drop(one);
        assert!(
            receive_with_fds(other.as_fd(), &mut buffer)
                .expect("end")
                .is_none()
        );
    }

    #[test]
    fn a_bound_datagram_socket_has_a_large_buffer_and_never_blocks() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("x.sock");
        let socket = bind_datagram(&path, 4 << 20).expect("bound");
        let mut buffer = [0u8; 16];
        let error = socket.recv(&mut buffer).expect_err("nothing sent yet");
        assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
        // The default is some hundreds of kB; asked for 4 MiB, it grows
        // (up to the kernel's cap).
        let default = std::os::unix::net::UnixDatagram::unbound().expect("unbound");
        assert!(receive_buffer(&socket).expect("size") >= receive_buffer(&default).expect("size"));
        let sender = std::os::unix::net::UnixDatagram::unbound().expect("sender");
        sender.send_to(b"hi", &path).expect("sent");
        assert_eq!(socket.recv(&mut buffer).expect("received"), 2);
    }
}
