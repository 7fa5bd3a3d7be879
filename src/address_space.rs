//! Whether the shell's `ulimit -v` leaves mptutor room to run.
//!
//! Under an address-space limit (`RLIMIT_AS`) every mapping counts: the
//! binary and its libraries, the heap, and the whole stack of each thread.
//! Once the limit is reached, Rust's allocator has no way to report a
//! failed allocation and aborts the process (exit 134, "memory allocation
//! of 96 bytes failed"). So mptutor checks at start-up whether the limit
//! leaves room for what a run may need, and when it does not, says so and
//! exits with status 1 before doing anything.
//!
//! What a run may need beyond what mptutor has mapped when it starts: one
//! stack for each of the most threads a demo starts (a thread pool of 64
//! workers), and room for the heap, which grows by about 10 MiB in an
//! interactive session once lessons are highlighted in colour, and more
//! while `compare` hands megabyte buffers between threads. Measured on the
//! debug build, which maps the most (23 MiB at start-up), in a terminal
//! session that runs `compare` and then a pool of 64 threads: 44 MiB in
//! all. The room kept makes that 48 MiB, so the 50 MiB of a
//! `ulimit -v 51200` runs every lesson and demo.

use crate::demos::MAX_WORKERS;
use crate::engine::sys::limits;
use crate::engine::threads::THREAD_STACK;

const MIB: u64 = 1 << 20;

/// Room kept for the heap beyond the threads' stacks.
const HEAP_ROOM: u64 = 16 * MIB;

/// A thread's stack, with the guard page below it.
const STACK_WITH_GUARD: u64 = THREAD_STACK as u64 + 4096;

/// The address space mptutor needs in all, when `mapped` bytes are mapped
/// already.
pub fn needed(mapped: u64) -> u64 {
    let stacks = STACK_WITH_GUARD.saturating_mul(MAX_WORKERS as u64);
    mapped.saturating_add(stacks).saturating_add(HEAP_ROOM)
}

/// Why mptutor cannot run under `limit` bytes of address space (`None`:
/// unlimited) with `mapped` mapped already, or `None` when it can.
pub fn refusal(limit: Option<u64>, mapped: u64) -> Option<String> {
    let limit = limit?;
    let needed = needed(mapped);
    (limit < needed).then(|| {
        format!(
            "mptutor needs at least {} MiB of address space; this shell limits it to {} MiB \
             (ulimit -v). Raise it with ulimit -v unlimited.",
            needed.div_ceil(MIB),
            limit / MIB
        )
    })
}

/// [`refusal`] for this process, now.
pub fn check() -> Option<String> {
    refusal(
        limits::address_space_limit(),
        limits::address_space_used().unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unlimited_or_roomy_address_space_is_no_reason_to_stop() {
        assert_eq!(refusal(None, 20 * MIB), None);
        assert_eq!(refusal(Some(needed(20 * MIB)), 20 * MIB), None);
        assert_eq!(refusal(Some(u64::MAX), u64::MAX), None);
    }

    #[test]
    fn a_limit_below_the_need_is_refused_with_both_sizes_and_the_fix() {
        // 20 MiB mapped, 64 stacks of 132 KiB, 16 MiB of heap: 44.3 MiB.
        assert_eq!(needed(20 * MIB).div_ceil(MIB), 45);
        assert_eq!(
            refusal(Some(40 * MIB), 20 * MIB).as_deref(),
            Some(
                "mptutor needs at least 45 MiB of address space; this shell limits it to 40 \
                 MiB (ulimit -v). Raise it with ulimit -v unlimited."
            )
        );
    }
}
