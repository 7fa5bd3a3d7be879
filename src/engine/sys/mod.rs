//! The one home of `unsafe` and of every Linux-only call mptutor makes:
//! forking and setting up workers ([`fork`]), pidfds, `wait4` and
//! `/proc/<pid>` ([`process`]), what `/proc` says of a
//! running process and its threads ([`proc_sample`]), descriptors ([`fds`]), the calling
//! thread's clocks ([`thread`]), SIGINT ([`signal`]), file locks
//! ([`lock`]), the machine's CPU times ([`machine`]), the limits on
//! processes, threads and address space ([`limits`]), the fork server's
//! socket ([`socket`]), memory shared between processes ([`shared`]) and
//! the terminal's settings, put back however mptutor leaves
//! ([`terminal`]), single key presses for a paced replay ([`terminal_keys`])
//! and without a line editor ([`keys`]), whether a process named in a file
//! still runs ([`liveness`]), and a file's saves ([`watch`]). Everything
//! above this module is portable Rust over these functions, so a port to another kernel is a new `sys`.
#![allow(unsafe_code)]

pub mod bare;
mod child_setup;
pub mod fds;
pub mod fork;
pub mod keys;
pub mod limits;
pub mod liveness;
pub mod lock;
pub mod machine;
pub mod proc_sample;
pub mod process;
pub mod shared;
pub mod signal;
pub mod socket;
pub mod terminal;
pub mod terminal_keys;
pub mod thread;
pub mod watch;

pub use fds::{pipe, take_fd};
pub use fork::{ChildBody, ForkGate, Forked, OutputPipes, Tether, fork_worker, thread_count};
pub use machine::{CpuTimes, cores, cpu_times, os_name};
pub use process::{
    Reaped, children_of_self, pidfd_open, process_state, reap_blocking, reap_group,
    set_child_subreaper, signal_name, try_reap, try_reap_any,
};
pub use shared::{SharedCell, SharedCounter};
pub use signal::{ignore_stop_signals, segfault};
pub use thread::{
    own_max_rss_kb, own_peak_rss_kb_since_exec, process_cpu_us, reaped_children_cpu_us,
    thread_cpu_us, thread_id,
};
