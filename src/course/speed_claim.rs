//! A check block's `[speedup]` table: the lesson's claim that its example's
//! parallel part is faster than its one-worker part, and by how much.
//!
//! An example that times itself prints both times ("1 process: … in 0.69
//! s", "4 processes: … in 0.41 s") and the lesson says the second is
//! shorter. Printing them is not checking them: the claim is judged after
//! every run (`python::speed`) with what the machine gave the run, so a
//! busy machine makes it "couldn't tell", never a false ✗. This module
//! only says what the claim is and reads the two times out of the output.

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use super::blocks::BlockSource;
use super::diagnostic::Problem;

/// Most workers a claim may name: far beyond any machine a class uses.
const MAX_WORKERS: i64 = 1024;

/// How much faster the parallel part of an example should be.
#[derive(Debug, Clone)]
pub struct SpeedClaim {
    /// The line with the one-worker time; its one capture group is the
    /// seconds.
    pub one_worker: Regex,
    /// The line with the parallel time, likewise.
    pub parallel: Regex,
    /// Workers in the parallel part.
    pub workers: usize,
    /// The one-worker time over the parallel time is at least this.
    pub at_least: f64,
}

/// The `[speedup]` keys, as the teacher writes them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SpeedToml {
    one_worker: Option<Spanned<String>>,
    parallel: Option<Spanned<String>>,
    workers: Option<Spanned<i64>>,
    at_least: Option<Spanned<f64>>,
}

impl SpeedClaim {
    /// Validates a `[speedup]` table whose span is `span`, compiling its
    /// patterns with `compile` (which reports a bad pattern itself).
    pub(super) fn parse(
        table: &Spanned<SpeedToml>,
        source: &BlockSource,
        compile: &mut dyn FnMut(&Spanned<String>) -> Option<Regex>,
        problems: &mut Vec<Problem>,
    ) -> Option<SpeedClaim> {
        let speed = table.get_ref();
        let missing: Vec<String> = [
            ("one_worker", speed.one_worker.is_none()),
            ("parallel", speed.parallel.is_none()),
            ("workers", speed.workers.is_none()),
            ("at_least", speed.at_least.is_none()),
        ]
        .into_iter()
        .filter(|(_, missing)| *missing)
        .map(|(key, _)| format!("`{key}`"))
        .collect();
        if !missing.is_empty() {
            problems.push(source.error_at(
                Some(table.span()),
                format!(
                    "`speedup` is missing {}; a speed claim needs one_worker and parallel \
                     (patterns of the lines holding each time, the seconds in one capture \
                     group), workers and at_least",
                    missing.join(", ")
                ),
            ));
        }
        let mut pattern = |key: &str, written: &Option<Spanned<String>>| {
            let written = written.as_ref()?;
            let regex = compile(written)?;
            let groups = regex.captures_len() - 1;
            if groups == 1 {
                return Some(regex);
            }
            problems.push(source.error_at(
                Some(written.span()),
                format!(
                    "the `speedup.{key}` pattern needs exactly one capture group around the \
                     seconds, as in `in (\\d+\\.\\d+) s`; it has {groups} (write other groups \
                     as `(?:…)`)"
                ),
            ));
            None
        };
        let one_worker = pattern("one_worker", &speed.one_worker);
        let parallel = pattern("parallel", &speed.parallel);
        let workers =
            speed
                .workers
                .as_ref()
                .and_then(|workers| match usize::try_from(*workers.get_ref()) {
                    Ok(count @ 2..) if *workers.get_ref() <= MAX_WORKERS => Some(count),
                    _ => {
                        problems.push(source.error_at(
                            Some(workers.span()),
                            format!(
                                "`speedup.workers` is how many workers the parallel part uses, \
                             from 2 to {MAX_WORKERS}, not {}",
                                workers.get_ref()
                            ),
                        ));
                        None
                    }
                });
        let at_least = speed.at_least.as_ref().and_then(|at_least| {
            let value = *at_least.get_ref();
            let most = workers.map_or(MAX_WORKERS as f64, |workers| workers as f64);
            if value > 1.0 && value <= most {
                return Some(value);
            }
            let bound = match workers {
                Some(workers) => format!("at most `workers` ({workers})"),
                None => "at most the workers".to_string(),
            };
            problems.push(source.error_at(
                Some(at_least.span()),
                format!(
                    "`speedup.at_least` is how many times as fast the parallel part should \
                     be: more than 1 and {bound}, not {value}"
                ),
            ));
            None
        });
        Some(SpeedClaim {
            one_worker: one_worker?,
            parallel: parallel?,
            workers: workers?,
            at_least: at_least?,
        })
    }

    /// The one-worker and the parallel time the output printed, in
    /// seconds, or why they cannot be read.
    pub fn times(&self, lines: &[&str]) -> Result<(f64, f64), String> {
        Ok((
            seconds(&self.one_worker, lines)?,
            seconds(&self.parallel, lines)?,
        ))
    }
}

/// The seconds in the one line `pattern` matches.
fn seconds(pattern: &Regex, lines: &[&str]) -> Result<f64, String> {
    let mut found = lines.iter().filter_map(|line| pattern.captures(line));
    let shown = super::output_check::shown(pattern);
    let (Some(captures), None) = (found.next(), found.next()) else {
        let count = lines.iter().filter(|line| pattern.is_match(line)).count();
        return Err(match count {
            0 => format!("no line of the output matches `{shown}`"),
            n => format!("{n} lines match `{shown}`, so which time to take is unclear"),
        });
    };
    let text = captures.get(1).map_or("", |group| group.as_str());
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .ok_or_else(|| format!("`{text}` in the line matching `{shown}` is not a time in seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::{Block, Diagnostic, parse_lesson};

    const HEADER: &str =
        "+++\nid = \"a\"\ntitle = \"A\"\n+++\n\n## Step\n\n```python\npass\n```\n\n";

    const GOOD: &str = "[speedup]\none_worker = '1 process: .* in (\\d+\\.\\d+) s'\n\
                        parallel = '4 processes: .* in (\\d+\\.\\d+) s'\nworkers = 4\nat_least = 1.3\n";

    /// The lesson's check block with `body`: its claim, or its problems.
    fn parse(body: &str) -> Result<Option<SpeedClaim>, Vec<Diagnostic>> {
        let text = format!("{HEADER}```check\n{body}```\n");
        let lesson = parse_lesson("a.md", text.as_bytes()).map_err(|errors| errors.diagnostics)?;
        Ok(lesson.steps[0].blocks.iter().find_map(|block| match block {
            Block::Check(check) => check.speedup.clone(),
            _ => None,
        }))
    }

    /// The one problem of a check block with `body`, as `line:col: message`.
    fn problem(body: &str) -> String {
        let problems = parse(body).err().unwrap_or_default();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let (line, col) = problems[0].position.unwrap_or((0, 0));
        format!("{line}:{col}: {}", problems[0].message)
    }

    #[test]
    fn a_claim_is_read_with_its_patterns_workers_and_factor() {
        let claim = parse(GOOD).ok().flatten().expect("a claim");
        assert_eq!(claim.workers, 4);
        assert_eq!(claim.at_least, 1.3);
        let lines = [
            "1 process:   17984 primes in 0.69 s",
            "4 processes: 17984 primes in 0.41 s",
        ];
        assert_eq!(claim.times(&lines), Ok((0.69, 0.41)));
        // An inline table says the same, and a whole number is a factor.
        let inline = "speedup = { one_worker = '1 (\\d+)', parallel = '4 (\\d+)', workers = 4, \
                      at_least = 2 }\n";
        let claim = parse(inline).ok().flatten().expect("a claim");
        assert_eq!(claim.at_least, 2.0);
        assert_eq!(claim.times(&["1 3", "4 1"]), Ok((3.0, 1.0)));
    }

    #[test]
    fn times_that_cannot_be_read_say_why() {
        let claim = parse(GOOD).ok().flatten().expect("a claim");
        let missing = claim.times(&["1 process: x in 0.69 s"]);
        assert!(
            missing
                .as_ref()
                .is_err_and(|why| why.starts_with("no line of the output matches")),
            "{missing:?}"
        );
        let twice = claim.times(&[
            "1 process: a in 0.69 s",
            "1 process: b in 0.70 s",
            "4 processes: c in 0.41 s",
        ]);
        assert!(
            twice
                .as_ref()
                .is_err_and(|why| why.starts_with("2 lines match")),
            "{twice:?}"
        );
    }

    #[test]
    fn a_missing_key_is_reported_at_the_table() {
        let text = problem("[speedup]\nworkers = 4\n");
        assert!(
            text.starts_with("13:1: `speedup` is missing `one_worker`, `parallel`, `at_least`"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_key_is_reported_at_it() {
        let text = problem(&format!("{GOOD}speed = 2\n"));
        assert!(
            text.starts_with("18:1: bad TOML in check block: unknown field `speed`"),
            "{text}"
        );
    }

    #[test]
    fn a_pattern_without_one_capture_group_is_refused() {
        let none = problem(&GOOD.replace("(\\d+\\.\\d+) s'\nparallel", "\\d+\\.\\d+ s'\nparallel"));
        assert!(
            none.starts_with(
                "14:14: the `speedup.one_worker` pattern needs exactly one capture group"
            ) && none.contains("it has 0"),
            "{none}"
        );
        let two = problem(&GOOD.replace("'4 processes: .*", "'(4) processes: .*"));
        assert!(
            two.starts_with("15:12: the `speedup.parallel` pattern") && two.contains("it has 2"),
            "{two}"
        );
        let bad = problem(&GOOD.replace("'4 processes: .*", "'4 (processes: .*"));
        assert!(
            bad.starts_with("15:12: bad pattern in check block"),
            "{bad}"
        );
    }

    #[test]
    fn workers_and_the_factor_must_make_a_claim_that_can_hold() {
        let one = problem(&GOOD.replace("workers = 4", "workers = 1"));
        assert_eq!(
            one,
            "16:11: `speedup.workers` is how many workers the parallel part uses, from 2 to \
             1024, not 1"
        );
        let slower = problem(&GOOD.replace("at_least = 1.3", "at_least = 0.9"));
        assert_eq!(
            slower,
            "17:12: `speedup.at_least` is how many times as fast the parallel part should be: \
             more than 1 and at most `workers` (4), not 0.9"
        );
        let beyond = problem(&GOOD.replace("at_least = 1.3", "at_least = 5.0"));
        assert!(beyond.contains("at most `workers` (4), not 5"), "{beyond}");
    }
}
