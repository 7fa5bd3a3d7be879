//! How many times each operation runs, in one place.

use std::time::Duration;

/// Warm-up and measured iterations, the same for mptutor, the floor and
/// Python.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub warmup: usize,
    pub runs: usize,
}

/// How many lines a latency run prints, how far apart, and how many of the
/// first are a warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencyPlan {
    pub lines: usize,
    pub gap: Duration,
    pub warmup: usize,
}

/// Every iteration count of a run, in one place. `--quick` keeps the whole
/// run, Python included, under 10 s on a small machine, but for the X-ray's
/// two operations, whose four rounds of whole Python runs add about 10 s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plans {
    pub fork: Plan,
    pub spawn: Plan,
    pub forkserver: Plan,
    pub thread: Plan,
    pub pool_lifecycle: Plan,
    pub round_trip: Plan,
    /// Items per round-trip map (warm-up maps: a tenth of them).
    pub round_trip_items: usize,
    pub cpu: Plan,
    /// About how long one process should count, in seconds.
    pub cpu_seconds: f64,
    pub latency: LatencyPlan,
    pub startup: Plan,
    /// Lesson q1's example, traced and untraced: whole Python runs of
    /// about half a second each, so a handful.
    pub xray_q1: Plan,
    /// The pool map of 20 000 inputs, traced and untraced: runs of about
    /// half a second whose pairs spread by a third on a 2-core machine
    /// (five busy processes on two cores), so enough pairs for a steady
    /// median.
    pub xray_pool: Plan,
}

impl Plans {
    pub fn new(quick: bool) -> Plans {
        let plan = |(warmup, runs): (usize, usize), (full_warmup, full_runs): (usize, usize)| {
            if quick {
                Plan { warmup, runs }
            } else {
                Plan {
                    warmup: full_warmup,
                    runs: full_runs,
                }
            }
        };
        Plans {
            fork: plan((10, 100), (50, 500)),
            spawn: plan((2, 8), (3, 30)),
            forkserver: plan((10, 100), (50, 500)),
            thread: plan((50, 500), (200, 3000)),
            pool_lifecycle: plan((3, 20), (5, 60)),
            round_trip: plan((1, 1), (1, 3)),
            round_trip_items: if quick { 10_000 } else { 100_000 },
            cpu: plan((0, 3), (1, 5)),
            cpu_seconds: if quick { 0.1 } else { 0.3 },
            latency: LatencyPlan {
                lines: if quick { 300 } else { 2000 },
                gap: Duration::from_micros(500),
                warmup: 20,
            },
            startup: plan((1, 5), (2, 20)),
            xray_q1: plan((1, 3), (1, 11)),
            xray_pool: plan((1, 3), (1, 21)),
        }
    }
}
