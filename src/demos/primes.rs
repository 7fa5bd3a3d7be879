//! Counting primes by trial division: deliberately plain CPU work, the job
//! of every CPU-bound demo and of `mptutor bench`.

use crate::engine::task::{Args, Task, WorkerBody, bad_args, write_line};

/// `count-primes FIRST END STEP`: counts the primes among `FIRST, FIRST +
/// STEP, …` below `END` and prints `counted N primes`.
pub static COUNT_PRIMES: WorkerBody = WorkerBody {
    name: "count-primes",
    run: |args: &Args<'_>| {
        let (Some(first), Some(end), Some(step)) = (args.uint(0), args.uint(1), args.uint(2))
        else {
            return bad_args("count-primes", args);
        };
        let count = count_primes(first, end, step.max(1));
        i32::from(write_line(format_args!("counted {count} primes")).is_err())
    },
};

/// The task that counts the primes among `first, first + step, …` below
/// `end`.
pub fn task(first: u64, end: u64, step: u64) -> Task {
    Task::new(&COUNT_PRIMES).uint(first).uint(end).uint(step)
}

/// The count a `count-primes` worker printed, from its line.
pub fn count_in(line: &str) -> Option<u64> {
    line.strip_prefix("counted ")
        .and_then(|rest| rest.strip_suffix(" primes"))
        .and_then(|number| number.parse().ok())
}

/// How many of `first, first + step, …` below `end` are prime.
pub fn count_primes(first: u64, end: u64, step: u64) -> u64 {
    let mut count = 0;
    let mut n = first;
    while n < end {
        if is_prime(n) {
            count += 1;
        }
        n += step.max(1);
    }
    count
}

fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut divisor = 3;
    while divisor * divisor <= n {
        if n % divisor == 0 {
            return false;
        }
        divisor += 2;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primes_are_counted_across_strides() {
        assert_eq!(count_primes(0, 100, 1), 25);
        let split: u64 = (0..4).map(|k| count_primes(k, 100, 4)).sum();
        assert_eq!(split, 25);
    }

    #[test]
    fn the_count_is_read_back_from_its_line() {
        assert_eq!(count_in("counted 17984 primes"), Some(17_984));
        assert_eq!(count_in("counted many primes"), None);
    }
}
