//! Every figure of a run reduced the same way: mptutor's, the floor's and
//! Python's raw samples go through [`Stats::of`].

use serde::{Deserialize, Serialize};

/// The median and 99th percentile of a set of samples, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub median_us: f64,
    pub p99_us: f64,
    pub samples: usize,
}

impl Stats {
    /// `None` for no samples. The median of an even count is the mean of the
    /// middle two; the 99th percentile is the nearest rank.
    pub fn of(samples: &[f64]) -> Option<Stats> {
        let mut sorted: Vec<f64> = samples.iter().copied().filter(|s| s.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median_us = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        let rank = (n * 99).div_ceil(100).clamp(1, n);
        Some(Stats {
            median_us,
            p99_us: sorted[rank - 1],
            samples: n,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_take_the_middle_and_the_nearest_rank() {
        let odd = Stats::of(&[5.0, 1.0, 3.0]);
        assert_eq!(odd.map(|s| s.median_us), Some(3.0));
        let even = Stats::of(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(even.map(|s| s.median_us), Some(2.5));
        let hundred: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(Stats::of(&hundred).map(|s| s.p99_us), Some(99.0));
        assert_eq!(Stats::of(&[7.0]).map(|s| s.p99_us), Some(7.0));
        assert_eq!(Stats::of(&[]), None);
    }
}
