//! How busy the machine was while something ran.
//!
//! A speed-up is only as good as the cores the workers got. A [`LoadMeter`]
//! reads the machine's CPU counters (`/proc/stat`: every core's busy time)
//! and mptutor's own CPU time when a measurement starts and ends; what the
//! machine spent beyond what mptutor and its workers spent is what other
//! programs took. Both counters move in clock ticks (10 ms), so a window of
//! a tenth of a second tells a busy core from an idle one, not finer.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::sys;

/// The shortest window in which other programs' load means something.
pub const SHORTEST_WINDOW_US: u64 = 100_000;

/// What a window of time saw of the machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Load {
    pub wall_us: u64,
    pub cores: usize,
    /// CPU time the whole machine spent busy, every core added up; `None`
    /// where its counters could not be read.
    pub machine_busy_us: Option<u64>,
    /// CPU time mptutor and the workers it was told of used.
    pub own_us: u64,
}

impl Load {
    /// Cores' worth of CPU other programs used: what the machine spent
    /// busy beyond mptutor's own share, over the wall time.
    pub fn others_cores(&self) -> Option<f64> {
        let busy = self.machine_busy_us?;
        if self.wall_us == 0 {
            return None;
        }
        Some(busy.saturating_sub(self.own_us) as f64 / self.wall_us as f64)
    }

    /// [`Load::others_cores`] when the window was long enough for the
    /// machine's counters, which tick every 10 ms, to tell: `None` for a
    /// window shorter than [`SHORTEST_WINDOW_US`], whose figure is noise
    /// (a 5 ms window can show three busy cores on a two-core machine).
    pub fn others_cores_measured(&self) -> Option<f64> {
        self.others_cores()
            .filter(|_| self.wall_us >= SHORTEST_WINDOW_US)
    }

    /// Cores' worth of CPU mptutor's side used.
    pub fn own_cores(&self) -> f64 {
        if self.wall_us == 0 {
            0.0
        } else {
            self.own_us as f64 / self.wall_us as f64
        }
    }
}

/// Started when a measurement starts; [`LoadMeter::finish`] when it ends.
#[derive(Debug, Clone, Copy)]
pub struct LoadMeter {
    started: Instant,
    machine: Option<sys::CpuTimes>,
    own_cpu_us: u64,
    children_cpu_us: u64,
}

impl Default for LoadMeter {
    fn default() -> Self {
        Self::start()
    }
}

impl LoadMeter {
    pub fn start() -> LoadMeter {
        LoadMeter {
            started: Instant::now(),
            machine: sys::cpu_times(),
            own_cpu_us: sys::process_cpu_us(),
            children_cpu_us: sys::reaped_children_cpu_us(),
        }
    }

    /// The window, counting as mptutor's own what this process used and
    /// what its children that were reaped meanwhile used: right when every
    /// worker of the window was reaped by mptutor.
    pub fn finish(self) -> Load {
        let children = sys::reaped_children_cpu_us().saturating_sub(self.children_cpu_us);
        self.finish_with_workers(children)
    }

    /// The window, counting as mptutor's own what this process used plus
    /// `workers_cpu_us`, the CPU time of its workers as their `Exited`
    /// events gave it (workers the fork server reaped, or threads).
    pub fn finish_with_workers(self, workers_cpu_us: u64) -> Load {
        let wall_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let own = sys::process_cpu_us().saturating_sub(self.own_cpu_us);
        let machine_busy_us = match (self.machine, sys::cpu_times()) {
            (Some(before), Some(after)) => Some(after.busy_us.saturating_sub(before.busy_us)),
            _ => None,
        };
        Load {
            wall_us,
            cores: sys::cores(),
            machine_busy_us,
            own_us: own.saturating_add(workers_cpu_us),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_are_what_the_machine_spent_beyond_mptutor() {
        let load = Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: Some(1_800_000),
            own_us: 1_000_000,
        };
        assert_eq!(load.others_cores(), Some(0.8));
        assert_eq!(load.own_cores(), 1.0);
        let unknown = Load {
            machine_busy_us: None,
            ..load
        };
        assert_eq!(unknown.others_cores(), None);
        let short = Load {
            wall_us: 5_000,
            machine_busy_us: Some(16_000),
            own_us: 1_000,
            ..load
        };
        assert_eq!(short.others_cores(), Some(3.0));
        assert_eq!(short.others_cores_measured(), None);
        assert_eq!(load.others_cores_measured(), Some(0.8));
    }

    #[test]
    fn a_busy_loop_here_is_counted_as_mptutor_s_own() {
        // Until this thread has used 30 ms of CPU, however long a busy
        // machine makes that take.
        let meter = LoadMeter::start();
        let until = sys::thread_cpu_us() + 30_000;
        let mut x = 0u64;
        while sys::thread_cpu_us() < until {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let load = meter.finish();
        assert!(load.own_us >= 30_000, "{load:?}");
        assert!(load.wall_us >= 30_000, "{load:?}");
    }
}
