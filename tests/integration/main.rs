//! mptutor's integration tests, one binary with a module per area.

mod bench;
mod check_limits;
mod cli;
mod compare;
mod course_errors;
mod course_files;
mod course_fuzz;
mod course_limits;
mod course_scaling;
mod cpu_demo;
mod escapes;
mod faults;
mod forkserver;
mod hostile_input;
mod limits;
mod pool_demos;
mod proc_table;
mod progress;
mod pty;
mod python_keeper;
mod python_runs;
mod repl_pty;
mod snapshots;
mod support;
mod terminal_signals;
mod transcript;
