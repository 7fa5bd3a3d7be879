//! Durations as a student reads them: `850µs`, `1.2ms`, `340ms`, `1.25s`,
//! `2m05s`.
//!
//! Always two or three significant digits and at most six characters, so
//! times line up in tags and table columns, and a value is never shown with
//! more precision than a demo's timing deserves. Each unit is tried in turn
//! on the *rounded* value, so 999.96ms becomes `1.00s`, never `1000ms`.

/// `us` microseconds as a compact duration.
pub fn format_us(us: u64) -> String {
    if us < 1_000 {
        return format!("{us}µs");
    }
    let tenth_ms = div_round(us, 100);
    if tenth_ms < 100 {
        return format!("{}.{}ms", tenth_ms / 10, tenth_ms % 10);
    }
    let ms = div_round(us, 1_000);
    if ms < 1_000 {
        return format!("{ms}ms");
    }
    let hundredth_s = div_round(us, 10_000);
    if hundredth_s < 1_000 {
        return format!("{}.{:02}s", hundredth_s / 100, hundredth_s % 100);
    }
    let tenth_s = div_round(us, 100_000);
    if tenth_s < 600 {
        return format!("{}.{}s", tenth_s / 10, tenth_s % 10);
    }
    let s = div_round(us, 1_000_000);
    if s < 3_600 {
        return format!("{}m{:02}s", s / 60, s % 60);
    }
    let minutes = div_round(us, 60_000_000);
    format!("{}h{:02}m", minutes / 60, minutes % 60)
}

/// `value / unit`, rounded half up, without overflowing near `u64::MAX`.
fn div_round(value: u64, unit: u64) -> u64 {
    value / unit + u64::from(value % unit * 2 >= unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_range_has_its_own_precision() {
        let cases = [
            (0, "0µs"),
            (850, "850µs"),
            (999, "999µs"),
            (1_000, "1.0ms"),
            (1_230, "1.2ms"),
            (12_000, "12ms"),
            (340_400, "340ms"),
            (1_250_000, "1.25s"),
            (12_340_000, "12.3s"),
            (125_000_000, "2m05s"),
            (3_725_000_000, "1h02m"),
        ];
        for (us, shown) in cases {
            assert_eq!(format_us(us), shown, "{us}µs");
        }
    }

    #[test]
    fn rounding_up_moves_to_the_next_unit() {
        assert_eq!(format_us(9_960), "10ms");
        assert_eq!(format_us(999_600), "1.00s");
        assert_eq!(format_us(9_996_000), "10.0s");
        assert_eq!(format_us(59_960_000), "1m00s");
        assert_eq!(format_us(3_599_600_000), "1h00m");
    }

    #[test]
    fn never_longer_than_six_characters_below_a_day() {
        let mut us = 1;
        while us < 86_400_000_000 {
            let shown = format_us(us);
            assert!(shown.chars().count() <= 6, "{us}: {shown}");
            us = us * 3 / 2 + 1;
        }
    }

    #[test]
    fn the_largest_value_does_not_overflow() {
        assert!(format_us(u64::MAX).ends_with('m'));
    }
}
