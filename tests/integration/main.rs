//! mptutor's integration tests, one binary with a module per area.

mod bench;
mod check_limits;
mod cli;
mod compare;
mod course_errors;
mod cpu_demo;
mod faults;
mod forkserver;
mod limits;
mod pool_demos;
mod proc_table;
mod progress;
mod python_keeper;
mod python_runs;
mod repl_pty;
mod snapshots;
mod support;
mod transcript;
