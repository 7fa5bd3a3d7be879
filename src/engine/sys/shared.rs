//! A counter in memory that processes really share: one page mapped
//! `MAP_SHARED | MAP_ANONYMOUS`, made before the fork, so the parent and
//! every child forked after it reach the same physical page. It is what
//! Python's `multiprocessing.Value` is underneath: a number in shared
//! memory, with a lock beside it.
//!
//! Only the mapping is here (the one `unsafe` part); how the counter is
//! locked and counted is ordinary Rust over the atomics it holds.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// What the shared page holds.
#[repr(C)]
#[derive(Debug)]
pub struct SharedCell {
    /// 0 when free, 1 when some process holds it.
    pub lock: AtomicU32,
    pub count: AtomicU64,
    /// How many processes have come to a start line, to set off together.
    pub gate: AtomicU32,
}

/// One shared page holding a [`SharedCell`], unmapped when dropped. A
/// process forked while it exists keeps the mapping, at the same address,
/// for as long as that process lives.
#[derive(Debug)]
pub struct SharedCounter {
    cell: NonNull<SharedCell>,
}

// SAFETY: the cell holds only atomics, which any thread (and any process
// sharing the page) may use at once; the pointer stays valid until drop.
unsafe impl Send for SharedCounter {}
// SAFETY: as above: `&SharedCell` gives access to atomics only.
unsafe impl Sync for SharedCounter {}

impl SharedCounter {
    /// Maps a fresh page, zero-filled by the kernel: the lock free and the
    /// count 0.
    pub fn new() -> std::io::Result<SharedCounter> {
        // SAFETY: an anonymous mapping at an address the kernel picks
        // touches no existing memory; the result is checked below.
        let address = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if address == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        NonNull::new(address.cast::<SharedCell>())
            .map(|cell| SharedCounter { cell })
            .ok_or_else(|| std::io::Error::other("mmap gave a null address"))
    }

    /// The lock and the count.
    pub fn cell(&self) -> &SharedCell {
        // SAFETY: the page is mapped until `drop`, page-aligned (more than
        // a SharedCell needs), at least as large as one, and zero-filled,
        // which is a valid value of every atomic in it; it is only ever
        // reached through shared references, and atomics need no more.
        unsafe { self.cell.as_ref() }
    }
}

impl Drop for SharedCounter {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the page `new` mapped; no reference from
        // `cell` outlives `self`.
        unsafe {
            libc::munmap(self.cell.as_ptr().cast(), size());
        }
    }
}

/// One page, or the cell if a page were ever smaller.
fn size() -> usize {
    // SAFETY: sysconf only reads a constant of the C library.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page)
        .unwrap_or(4096)
        .max(std::mem::size_of::<SharedCell>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn a_fresh_counter_starts_free_at_zero_and_counts() {
        let counter = SharedCounter::new().expect("a shared page");
        let cell = counter.cell();
        assert_eq!(cell.lock.load(Ordering::Relaxed), 0);
        assert_eq!(cell.count.fetch_add(3, Ordering::Relaxed), 0);
        assert_eq!(cell.count.load(Ordering::Relaxed), 3);
    }
}
