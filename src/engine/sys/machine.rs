//! What the kernel says about the machine: its name and how busy its CPUs
//! are (`/proc/stat`).

/// `Linux 6.8.0-45-generic x86_64`, from the kernel's own files.
pub fn os_name() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|text| text.trim().to_string())
    };
    let kind = read("/proc/sys/kernel/ostype").unwrap_or_else(|| std::env::consts::OS.to_string());
    let release = read("/proc/sys/kernel/osrelease").unwrap_or_default();
    [kind.as_str(), release.as_str(), std::env::consts::ARCH]
        .iter()
        .filter(|part| !part.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The machine's CPU time so far, all cores added up, in microseconds:
/// how much was spent running something and how much idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CpuTimes {
    pub busy_us: u64,
    pub idle_us: u64,
}

/// The first line of `/proc/stat`: `cpu user nice system idle iowait irq
/// softirq steal …` in clock ticks. Steal counts as busy: on a virtual
/// machine it is time another guest had this machine's CPU.
pub fn cpu_times() -> Option<CpuTimes> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_cpu_line(stat.lines().next()?, clock_ticks_per_second())
}

fn parse_cpu_line(line: &str, ticks_per_second: u64) -> Option<CpuTimes> {
    let mut fields = line.split_ascii_whitespace();
    if fields.next()? != "cpu" {
        return None;
    }
    let ticks: Vec<u64> = fields
        .take(8)
        .filter_map(|field| field.parse().ok())
        .collect();
    if ticks.len() < 5 {
        return None;
    }
    let get = |index: usize| ticks.get(index).copied().unwrap_or(0);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    let idle = get(3) + get(4);
    let to_us = |ticks: u64| ticks.saturating_mul(1_000_000) / ticks_per_second.max(1);
    Some(CpuTimes {
        busy_us: to_us(busy),
        idle_us: to_us(idle),
    })
}

/// The kernel's clock tick for `/proc/stat` (`USER_HZ`), 100 almost
/// everywhere.
fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf only reads a constant of the C library.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks)
        .ok()
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_line_splits_into_busy_and_idle_time() {
        let line = "cpu  100 5 50 1000 20 3 2 10 0 0";
        let times = parse_cpu_line(line, 100);
        assert_eq!(
            times,
            Some(CpuTimes {
                busy_us: 1_700_000,
                idle_us: 10_200_000,
            })
        );
        assert_eq!(parse_cpu_line("cpu0 1 2 3 4 5", 100), None);
    }
}
