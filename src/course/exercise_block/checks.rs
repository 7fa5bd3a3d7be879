//! An exercise block's checks: `[output]` (a check block's keys, and
//! examples that pass them), `[behaviour]` (what the run's X-ray must
//! show) and `[speed]`, each rule checked against the others.

use serde::Deserialize;
use toml::Spanned;

use super::super::blocks::{BlockSource, CheckToml, output_check};
use super::super::diagnostic::Problem;
use super::super::exercise::{
    BehaviourChecks, CountRule, ExerciseChecks, JoinRule, SpeedBaseline, SpeedCheck,
};
use super::super::limits::MAX_EXAMPLES;
use super::super::output_check::OutputCheck;
use super::{ExerciseToml, program, report};
use crate::suggest::did_you_mean;

/// The longest a zombie may be allowed to wait, in milliseconds: a parent
/// that takes a minute to reap its child has not joined it.
const MAX_ZOMBIE_MS: i64 = 60_000;

/// The longest a run may be allowed to take, in seconds (what `python
/// timeout=N` allows).
const MAX_TIME_LIMIT_S: f64 = 600.0;

/// The most a speed check may ask for: as many times faster as the
/// biggest machine a class uses has cores.
const MAX_SPEEDUP: f64 = 64.0;

/// The `[behaviour]` keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BehaviourToml {
    processes: Option<Spanned<CountToml>>,
    alive_at_once: Option<Spanned<CountToml>>,
    pool_workers: Option<Spanned<CountToml>>,
    threads: Option<Spanned<CountToml>>,
    all_joined: Option<Spanned<JoinToml>>,
    nothing_left_running: Option<bool>,
    exit_code: Option<i32>,
    time_limit: Option<Spanned<f64>>,
}

impl BehaviourToml {
    /// Whether the table asks anything of the run.
    fn states_something(&self) -> bool {
        self.processes.is_some()
            || self.alive_at_once.is_some()
            || self.pool_workers.is_some()
            || self.threads.is_some()
            || self.all_joined.is_some()
            || self.nothing_left_running == Some(true)
            || self.exit_code.is_some()
            || self.time_limit.is_some()
    }
}

/// A count rule, as written: `{ exactly = 4 }`, `{ at_least = 2, at_most = 8 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountToml {
    exactly: Option<Spanned<i64>>,
    at_least: Option<Spanned<i64>>,
    at_most: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinToml {
    zombie_ms: Option<Spanned<i64>>,
}

/// The `[speed]` keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SpeedToml {
    at_least: Option<Spanned<f64>>,
    against: Option<Spanned<String>>,
    serial: Option<Spanned<String>>,
}

/// The block's checks: its `[output]`, `[behaviour]` and `[speed]`, of
/// which at least one must say something.
pub(super) fn checks(
    block: &ExerciseToml,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<ExerciseChecks> {
    let before = problems.len();
    let (output, examples) = match &block.output {
        Some(table) => output(table, source, problems),
        None => (None, Vec::new()),
    };
    let behaviour = behaviour(block.behaviour.as_ref(), source, problems);
    let speed = block
        .speed
        .as_ref()
        .and_then(|speed| speed_check(speed, source, problems));
    let states_behaviour = block
        .behaviour
        .as_ref()
        .is_some_and(BehaviourToml::states_something);
    if block.output.is_none() && !states_behaviour && block.speed.is_none() {
        problems.push(source.error_at(
            None,
            "this exercise checks nothing; give it an `[output]`, a `[behaviour]` or a \
             `[speed]` table saying what a correct run does",
        ));
    }
    (problems.len() == before).then_some(ExerciseChecks {
        output,
        examples,
        behaviour,
        speed,
    })
}

/// The `[output]` table: a check block's keys, and examples that pass its
/// patterns.
fn output(
    table: &Spanned<CheckToml>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> (Option<OutputCheck>, Vec<String>) {
    let check = match output_check(
        table.get_ref(),
        source,
        "the exercise's `[output]`",
        Some(table.span()),
    ) {
        Ok(check) => check,
        Err(mut found) => {
            problems.append(&mut found);
            return (None, Vec::new());
        }
    };
    let Some(written) = &table.get_ref().examples else {
        return (Some(check), Vec::new());
    };
    if written.get_ref().len() > MAX_EXAMPLES {
        problems.push(source.error_at(
            Some(written.span()),
            format!(
                "`output.examples` holds {} lines, more than the {MAX_EXAMPLES} allowed; a few \
                 lines show the student what passes",
                written.get_ref().len()
            ),
        ));
        return (Some(check), Vec::new());
    }
    let patterns: Vec<&regex::Regex> = check
        .each_once
        .iter()
        .chain(check.matching.as_ref().map(|(pattern, _)| pattern))
        .chain(&check.in_order)
        .chain(&check.last_line)
        .collect();
    let mut examples = Vec::new();
    for example in written.get_ref() {
        let line = example.get_ref();
        if patterns.iter().any(|pattern| pattern.is_match(line)) {
            examples.push(line.clone());
            continue;
        }
        let mut shown: String = line.chars().take(80).collect();
        if shown.len() < line.len() {
            shown.push('…');
        }
        problems.push(source.error_at(
            Some(example.span()),
            format!(
                "the example `{shown}` matches no pattern of `[output]` (each_once, matching, \
                 in_order, last_line); an example is a line a correct run prints, shown to the \
                 student instead of the patterns"
            ),
        ));
    }
    (Some(check), examples)
}

/// The `[behaviour]` table, every rule checked.
fn behaviour(
    table: Option<&BehaviourToml>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> BehaviourChecks {
    let Some(table) = table else {
        return BehaviourChecks::default();
    };
    let mut count = |key: &str, rule: &Option<Spanned<CountToml>>| {
        rule.as_ref()
            .and_then(|rule| count_rule(key, rule, source, problems))
    };
    let processes = count("processes", &table.processes);
    let alive_at_once = count("alive_at_once", &table.alive_at_once);
    let pool_workers = count("pool_workers", &table.pool_workers);
    let threads = count("threads", &table.threads);
    let all_joined = table.all_joined.as_ref().and_then(|rule| {
        let Some(zombie_ms) = &rule.get_ref().zombie_ms else {
            problems.push(source.error_at(
                Some(rule.span()),
                format!(
                    "`behaviour.all_joined` needs `zombie_ms`, how long a child may stay a \
                     zombie before its parent reaps it, as in `all_joined = {{ zombie_ms = 200 \
                     }}` (1 to {MAX_ZOMBIE_MS})"
                ),
            ));
            return None;
        };
        let value = *zombie_ms.get_ref();
        let why = (!(1..=MAX_ZOMBIE_MS).contains(&value)).then(|| {
            format!(
                "`behaviour.all_joined.zombie_ms` is how many milliseconds a child may stay a \
                 zombie before its parent reaps it, from 1 to {MAX_ZOMBIE_MS}, not {value}"
            )
        });
        report(why, zombie_ms, source, problems).then(|| JoinRule {
            zombie_ms: value.unsigned_abs(),
        })
    });
    let time_limit_s = table.time_limit.as_ref().and_then(|limit| {
        let value = *limit.get_ref();
        let why = (!(value > 0.0 && value <= MAX_TIME_LIMIT_S)).then(|| {
            format!(
                "`behaviour.time_limit` is how many seconds the run may take, more than 0 and \
                 at most {MAX_TIME_LIMIT_S}, not {value}"
            )
        });
        report(why, limit, source, problems).then_some(value)
    });
    BehaviourChecks {
        processes,
        alive_at_once,
        pool_workers,
        threads,
        all_joined,
        nothing_left_running: table.nothing_left_running.unwrap_or(false),
        exit_code: table.exit_code,
        time_limit_s,
    }
}

/// A count rule with at least one bound, bounds that agree, and counts
/// that are counts.
fn count_rule(
    key: &str,
    rule: &Spanned<CountToml>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<CountRule> {
    let written = rule.get_ref();
    let before = problems.len();
    let mut bound = |name: &str, value: &Option<Spanned<i64>>| {
        let value = value.as_ref()?;
        match u32::try_from(*value.get_ref()) {
            Ok(count) => Some(count),
            Err(_) => {
                problems.push(source.error_at(
                    Some(value.span()),
                    format!(
                        "`behaviour.{key}.{name}` is a count, a whole number from 0, not {}",
                        value.get_ref()
                    ),
                ));
                None
            }
        }
    };
    let checked = CountRule {
        exactly: bound("exactly", &written.exactly),
        at_least: bound("at_least", &written.at_least),
        at_most: bound("at_most", &written.at_most),
    };
    let why = if written.exactly.is_none()
        && written.at_least.is_none()
        && written.at_most.is_none()
    {
        Some(format!(
            "`behaviour.{key}` gives no bound; write `{{ exactly = N }}`, `{{ at_least = N }}`, \
             `{{ at_most = N }}` or both of the last two"
        ))
    } else if written.exactly.is_some() && (written.at_least.is_some() || written.at_most.is_some())
    {
        Some(format!(
            "`behaviour.{key}` gives `exactly` with `at_least` or `at_most`; give an exact count \
             or bounds, not both"
        ))
    } else if let (Some(least), Some(most)) = (checked.at_least, checked.at_most)
        && least > most
    {
        Some(format!(
            "`behaviour.{key}` asks for at least {least} and at most {most}; no count is both"
        ))
    } else {
        None
    };
    let agreed = report(why, rule, source, problems);
    (agreed && problems.len() == before).then_some(checked)
}

/// The `[speed]` table: a factor a machine can show, and a baseline.
fn speed_check(
    table: &Spanned<SpeedToml>,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Option<SpeedCheck> {
    let speed = table.get_ref();
    let before = problems.len();
    let at_least = match &speed.at_least {
        None => {
            problems.push(source.error_at(
                Some(table.span()),
                "`[speed]` needs `at_least`, how many times as fast as its baseline the program \
                 must be, as in `at_least = 2.0`",
            ));
            None
        }
        Some(at_least) => {
            let value = *at_least.get_ref();
            let why = (!(value > 1.0 && value <= MAX_SPEEDUP)).then(|| {
                format!(
                    "`speed.at_least` is how many times as fast as its baseline the program must \
                     be, more than 1 and at most {MAX_SPEEDUP}, not {value}"
                )
            });
            report(why, at_least, source, problems).then_some(value)
        }
    };
    let serial = speed.serial.as_ref().and_then(|serial| {
        program(
            serial,
            "serial",
            "the same work done one item at a time",
            source,
            problems,
        )
    });
    // Where `against = "serial"` is written, when it is; the starter is the
    // baseline otherwise.
    let serial_at = match speed.against.as_ref() {
        None => None,
        Some(against) if against.get_ref() == "starter" => None,
        Some(against) if against.get_ref() == "serial" => Some(against.span()),
        Some(against) => {
            let other = against.get_ref();
            let hint = did_you_mean(other, ["starter", "serial"])
                .map(|near| format!(" (did you mean `{near}`?)"))
                .unwrap_or_default();
            problems.push(source.error_at(
                Some(against.span()),
                format!(
                    "`speed.against` is what the program is timed against: \"starter\" or \
                     \"serial\", not \"{other}\"{hint}"
                ),
            ));
            return None;
        }
    };
    let baseline = match (serial_at, &speed.serial) {
        (Some(span), None) => {
            problems.push(source.error_at(
                Some(span),
                "`against = \"serial\"` needs the serial program in `serial = '''…'''`: the \
                 same work done one item at a time",
            ));
            None
        }
        (Some(_), Some(_)) => serial.map(SpeedBaseline::Serial),
        (None, Some(written)) => {
            problems.push(source.error_at(
                Some(written.span()),
                "`speed.serial` is timed only with `against = \"serial\"`; add that, or remove \
                 `serial` to time the program against the starter",
            ));
            None
        }
        (None, None) => Some(SpeedBaseline::Starter),
    };
    if problems.len() > before {
        return None;
    }
    Some(SpeedCheck {
        at_least: at_least?,
        against: baseline?,
    })
}
