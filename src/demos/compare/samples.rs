//! Fixed results, as a quiet 2-core machine with Python 3.11 gives them,
//! for the tests of the findings and the snapshots of the table.

use super::*;
use crate::engine::{ExitStatus, Load};

/// A timed run of `wall_us` whose workers had `cores_had` cores' worth of
/// CPU, the busiest `busiest_us` of it, while other programs used
/// `others` cores.
pub fn timed(wall_us: u64, cores_had: f64, busiest_us: u64, others: f64, cores: usize) -> Timed {
    let cpu_us = (cores_had * wall_us as f64) as u64;
    Timed {
        wall_us,
        cpu_us,
        busiest_us,
        load: Load {
            wall_us,
            cores,
            machine_busy_us: Some(cpu_us + (others * wall_us as f64) as u64),
            own_us: cpu_us,
        },
    }
}

/// One worker taking `one_us` against `workers` running `speedup` times
/// as fast with `parallel` cores of CPU, on a machine where others used
/// `others`.
pub fn split(one_us: u64, speedup: f64, parallel: f64, others: f64, cores: usize) -> Split {
    let many_us = (one_us as f64 / speedup) as u64;
    Split {
        one: timed(one_us, 0.99, one_us, others, cores),
        many: timed(many_us, parallel, many_us, others, cores),
    }
}

pub fn python(processes: f64, threads: f64, others: f64) -> PythonRun {
    let one = 150_000u64;
    let phase = |speedup: f64, cores: f64| {
        let wall_us = (2.0 * one as f64 / speedup) as u64;
        PythonPhase {
            wall_us,
            cpu_us: (cores * wall_us as f64) as u64,
        }
    };
    PythonRun {
        info: PythonInfo {
            version: "3.11.7".into(),
            gil_enabled: true,
        },
        start_method: "fork".into(),
        loop_count: 2_000_000,
        one: PythonPhase {
            wall_us: one,
            cpu_us: 149_000,
        },
        threads: phase(threads, 1.0),
        processes: phase(processes, processes.min(2.0)),
        load: Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: Some(1_000_000 + (others * 1e6) as u64),
            own_us: 1_000_000,
        },
    }
}

/// The CPU row on a quiet machine with `cores` cores.
pub fn cpu(cores: usize) -> CpuResult {
    let gain = |speedup: f64| if cores >= 2 { speedup } else { 1.0 };
    let workers = cores.max(2);
    CpuResult {
        cores,
        workers,
        limit: 1_800_000,
        rounds: 3,
        primes: Some(135_072),
        counts_agree: true,
        processes: split(300_000, gain(1.92), gain(1.95), 0.02, cores),
        threads: split(300_000, gain(1.95), gain(1.97), 0.02, cores),
        gil_threads: split(300_000, 0.98, 1.0, 0.02, cores),
        python: PythonOutcome::Measured(python(gain(1.9), 1.05, 0.02)),
    }
}

pub fn synchronization() -> SynchronizationResult {
    SynchronizationResult {
        workers: 4,
        adds: 5_000,
        switch_every: 100,
        threads_unlocked: 5_001,
        threads_locked: 20_000,
        own_copies: vec![Some(5_000); 4],
        parent_copy: 0,
        shared: SharedCounts::Counted {
            unlocked: 5_003,
            locked: 20_000,
        },
        failed_processes: 0,
    }
}

pub fn start_methods(forkserver_us: Option<u64>) -> StartMethodsResult {
    let cost = |method, median_us: Option<u64>| MethodCost {
        method,
        median_us,
        not_measured: median_us
            .is_none()
            .then(|| "the forkserver start method is not built yet".to_string()),
    };
    StartMethodsResult {
        starts: 10,
        methods: vec![
            cost(StartMethod::Fork, Some(1_100)),
            cost(StartMethod::Spawn, Some(3_400)),
            cost(StartMethod::ForkServer, forkserver_us),
        ],
    }
}

/// Every row, as a quiet machine with `cores` cores gives them.
pub fn comparison(cores: usize) -> Comparison {
    let segfault = || Some(ExitStatus::Signal("SIGSEGV".into()));
    let ok = || Some(ExitStatus::Code(0));
    Comparison {
        rows: vec![
            RowOutcome::Memory(MemoryResult {
                workers: 4,
                adds: 1000,
                parent_pid: 4242,
                children_from_zero: 4,
                after_processes: 0,
                after_threads: 4000,
                process_pids: 4,
                thread_pids: 1,
            }),
            RowOutcome::Failure(FailureResult {
                workers: 4,
                crasher: 3,
                processes: vec![ok(), ok(), segfault(), ok()],
                threads_finished: 0,
                host: segfault(),
            }),
            RowOutcome::Overhead(OverheadResult {
                workers: 200,
                processes_us: 94_200,
                threads_us: 6_200,
            }),
            RowOutcome::Cpu(Box::new(cpu(cores))),
            RowOutcome::Io(IoResult {
                tasks: 16,
                wait_us: 100_000,
                serial_us: 1_604_000,
                threads_us: 102_000,
                processes_us: 109_000,
            }),
            RowOutcome::Communication(CommunicationResult {
                bytes: 64 << 20,
                chunks: 64,
                processes_us: 88_700,
                threads_us: 30_500,
                processes_intact: true,
                threads_intact: true,
                load: Load {
                    wall_us: 120_000,
                    cores,
                    machine_busy_us: Some(125_000),
                    own_us: 120_000,
                },
            }),
            RowOutcome::Synchronization(synchronization()),
            RowOutcome::StartMethods(start_methods(None)),
        ],
        machine: Machine {
            cores,
            os: "Linux 6.1.0 x86_64".to_string(),
            python: Some(PythonInfo {
                version: "3.11.7".to_string(),
                gil_enabled: true,
            }),
        },
        elapsed_ms: 6_240,
    }
}
