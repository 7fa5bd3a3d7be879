//! What a just-forked child does before anything else: the same steps for
//! every worker, whoever forked it (mptutor or the fork server), and for
//! the fork server itself. Each is a plain system call on integers and
//! descriptors, in an order that leaves no window where the child could
//! outlive its parent or read the terminal.

use std::os::fd::RawFd;

use nix::unistd::Pid;

/// The most descriptors [`fork_worker`](super::fork_worker) passes on besides 0, 1 and 2.
pub const MAX_EXTRA_FDS: usize = 4;

/// Signals a program mptutor executes gets back with their default
/// action: `exec` resets caught ones but keeps ignored ones, and mptutor
/// ignores SIGPIPE (Rust does) and may have inherited other ignores.
/// SIGHUP too: a run's keeper ignores it, and the program it starts must
/// not inherit that.
pub(super) const RESET_FOR_EXEC: [libc::c_int; 5] = [
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGPIPE,
    libc::SIGQUIT,
    libc::SIGHUP,
];
/// Signals a forked copy of mptutor gets back with their default action:
/// only the one mptutor catches while a demo runs. The rest stay as they
/// are in mptutor, as they would in a fresh `mptutor worker` (the spawn
/// start method).
pub(super) const RESET_FOR_TASK: [libc::c_int; 1] = [libc::SIGINT];

/// How a child learns that the process that forked it has died.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tether {
    /// The kernel kills it (PR_SET_PDEATHSIG with SIGKILL): every worker.
    DeathSignal,
    /// It watches a descriptor of its own that ends when the parent dies,
    /// and cleans up before it leaves: a run's keeper, which must outlive
    /// mptutor long enough to kill what the run started.
    Lifeline,
}

/// Sets up a just-forked child, in this order: joins process group `group`
/// (a new one of its own when `None`), asks to be killed when `parent`
/// dies (with [`Tether::DeathSignal`]) and leaves if it already has, disables core dumps, restores
/// `signals` to their default action, puts `stdin`, `stdout` and `stderr`
/// on 0, 1 and 2 and `extra` on 3, 4, …, and closes every other
/// descriptor. Runs in the child only, before anything else.
#[allow(clippy::too_many_arguments)]
pub(super) fn child_setup(
    group: Option<Pid>,
    tether: Tether,
    parent: u32,
    stdin: RawFd,
    stdout: RawFd,
    stderr: RawFd,
    extra: &[RawFd],
    signals: &[libc::c_int],
) -> Result<(), ()> {
    // Every call goes through `libc::syscall` rather than its own libc
    // wrapper: a forked child has no page-table entries for code yet, so
    // each distinct page of code it runs costs a page fault, and one
    // wrapper for all is one page (see `mptutor bench`).
    //
    // SAFETY: each call in this block is a plain system call on integers
    // and file descriptors this child owns, or on pointers to live locals;
    // none touches Rust-managed memory.
    unsafe {
        let check = |result: libc::c_long| if result < 0 { Err(()) } else { Ok(()) };
        check(libc::syscall(
            libc::SYS_setpgid,
            0,
            group.map_or(0, Pid::as_raw),
        ))?;
        if tether == Tether::DeathSignal {
            check(libc::syscall(
                libc::SYS_prctl,
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ))?;
        }
        // mptutor may have died between fork and prctl: then nobody would
        // send the signal, so leave now.
        if libc::syscall(libc::SYS_getppid) != libc::c_long::from(parent) {
            return Err(());
        }
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        check(libc::syscall(
            libc::SYS_prlimit64,
            0,
            libc::RLIMIT_CORE,
            &no_core as *const libc::rlimit,
            std::ptr::null_mut::<libc::rlimit>(),
        ))?;
        // The kernel's `struct sigaction`: SIG_DFL needs no restorer, and
        // its signal mask is 8 bytes.
        #[repr(C)]
        struct KernelSigaction {
            handler: libc::sighandler_t,
            flags: libc::c_ulong,
            restorer: usize,
            mask: u64,
        }
        let default = KernelSigaction {
            handler: libc::SIG_DFL,
            flags: 0,
            restorer: 0,
            mask: 0,
        };
        for &signal in signals {
            check(libc::syscall(
                libc::SYS_rt_sigaction,
                signal,
                &default as *const KernelSigaction,
                std::ptr::null_mut::<KernelSigaction>(),
                8usize,
            ))?;
        }
        // Move the extra descriptors above every target first, so that
        // placing one at 3 cannot clobber another that happens to be 4.
        // (An array, not a Vec: the allocator's code and data would be
        // more pages this child touches.)
        let mut lifted: [libc::c_long; MAX_EXTRA_FDS] = [0; MAX_EXTRA_FDS];
        for (slot, fd) in lifted.iter_mut().zip(extra) {
            *slot = libc::syscall(libc::SYS_fcntl, *fd, libc::F_DUPFD_CLOEXEC, 100);
            check(*slot)?;
        }
        for (fd, target) in [stdin, stdout, stderr].into_iter().zip(0..) {
            check(libc::syscall(libc::SYS_dup2, fd, target))?;
        }
        for (target, fd) in (3..).zip(&lifted[..extra.len()]) {
            check(libc::syscall(libc::SYS_dup2, *fd, target))?;
        }
        let first_unused = 3 + extra.len() as libc::c_uint;
        if libc::syscall(libc::SYS_close_range, first_unused, libc::c_uint::MAX, 0) < 0 {
            for fd in first_unused..1024 {
                libc::close(fd as libc::c_int);
            }
        }
    }
    Ok(())
}
