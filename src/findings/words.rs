//! Numbers in words, the same way everywhere: a ratio shown in a table
//! cell and in the sentence under it must read the same, and a count must
//! agree with its noun.

/// `1.9×`, `12×`: a ratio with the precision it deserves. Every ratio
/// mptutor prints goes through here, so a cell and a sentence about the
/// same figure never disagree.
pub fn times(ratio: f64) -> String {
    if !ratio.is_finite() {
        return "–".to_string();
    }
    if ratio >= 9.95 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.1}×")
    }
}

/// The ratio [`times`] shows, as a number: a verdict on a speed-up is
/// made on this, so it never turns on a digit the student cannot see
/// (`1.2×` failing a bar of `1.2×`).
pub fn as_shown(ratio: f64) -> f64 {
    // Read back from the digits `times` prints, so the two cannot round
    // a tie differently.
    times(ratio).trim_end_matches('×').parse().unwrap_or(ratio)
}

/// `1 order`, `2 orders`: a count and its noun in the right number.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `1 process`, `4 processes`.
pub fn processes(n: usize) -> String {
    count(n as u64, "process", "processes")
}

/// `1 thread`, `4 threads`.
pub fn threads(n: usize) -> String {
    count(n as u64, "thread", "threads")
}

/// `1 core`, `2 cores`.
pub fn cores(n: usize) -> String {
    count(n as u64, "core", "cores")
}

/// `2000000` as `2,000,000`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1.3 cores`, `0.4 of a core`: how much CPU something had.
pub fn cores_worth(cores: f64) -> String {
    if cores < 0.95 {
        format!("{cores:.1} of a core")
    } else if (cores - 1.0).abs() < 0.05 {
        "1.0 core".to_string()
    } else {
        format!("{cores:.1} cores")
    }
}

/// `a, b and c`.
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `close it and run it again` as a sentence: `Close it and run it again.`
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |first| {
        format!("{}{}.", first.to_uppercase(), chars.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_keep_one_decimal_below_ten() {
        assert_eq!(times(1.234), "1.2×");
        assert_eq!(times(1.96), "2.0×");
        assert_eq!(times(9.94), "9.9×");
        assert_eq!(times(9.96), "10×");
        assert_eq!(times(123.4), "123×");
        assert_eq!(times(f64::NAN), "–");
        for ratio in [0.04, 1.149, 1.15, 1.96, 9.94, 9.96, 123.4] {
            assert_eq!(times(as_shown(ratio)), times(ratio), "{ratio}");
        }
        assert_eq!(as_shown(1.25), 1.2);
        assert_eq!(as_shown(1.26), 1.3);
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count(1u64, "order", "orders"), "1 order");
        assert_eq!(count(0u64, "order", "orders"), "0 orders");
        assert_eq!(processes(2), "2 processes");
        assert_eq!(threads(1), "1 thread");
    }

    #[test]
    fn large_numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(2_000_000), "2,000,000");
    }

    #[test]
    fn lists_read_as_a_sentence() {
        let items = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(and_list(&items(&["a"])), "a");
        assert_eq!(and_list(&items(&["a", "b", "c"])), "a, b and c");
    }
}
