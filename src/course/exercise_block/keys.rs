//! The keys an exercise block may hold, table by table: a key that is
//! not one of them is reported where it is written, with the nearest one
//! that is, before anything else is read.

use toml::de::{DeTable, DeValue};

use super::super::blocks::BlockSource;
use super::super::diagnostic::Problem;
use crate::suggest::did_you_mean;

/// The keys a table may hold, each with the keys of the table it holds,
/// if it is one.
pub(super) struct Keys(&'static [(&'static str, Option<&'static Keys>)]);

const COUNT_KEYS: Keys = Keys(&[("exactly", None), ("at_least", None), ("at_most", None)]);
const JOIN_KEYS: Keys = Keys(&[("zombie_ms", None)]);
const SPEEDUP_KEYS: Keys = Keys(&[
    ("one_worker", None),
    ("parallel", None),
    ("workers", None),
    ("at_least", None),
]);
const OUTPUT_KEYS: Keys = Keys(&[
    ("each_once", None),
    ("matching", None),
    ("matching_count", None),
    ("in_order", None),
    ("last_line", None),
    ("line_count", None),
    ("exit_code", None),
    ("speedup", Some(&SPEEDUP_KEYS)),
    ("examples", None),
]);
const BEHAVIOUR_KEYS: Keys = Keys(&[
    ("processes", Some(&COUNT_KEYS)),
    ("alive_at_once", Some(&COUNT_KEYS)),
    ("pool_workers", Some(&COUNT_KEYS)),
    ("threads", Some(&COUNT_KEYS)),
    ("all_joined", Some(&JOIN_KEYS)),
    ("nothing_left_running", None),
    ("exit_code", None),
    ("time_limit", None),
]);
const SPEED_KEYS: Keys = Keys(&[("at_least", None), ("against", None), ("serial", None)]);
pub(super) const EXERCISE_KEYS: Keys = Keys(&[
    ("id", None),
    ("title", None),
    ("task", None),
    ("starter", None),
    ("solution", None),
    ("hints", None),
    ("output", Some(&OUTPUT_KEYS)),
    ("behaviour", Some(&BEHAVIOUR_KEYS)),
    ("speed", Some(&SPEED_KEYS)),
]);

/// Reports every key of `table` that `keys` does not list, at the key,
/// with the nearest listed one, and takes it out of the table so that the
/// rest can still be checked; `path` is where the table sits
/// (`behaviour.`), empty at the top. Returns the offsets (in the file)
/// of the nested tables that lost a key: what is reported there next
/// (a bound or key missing) is the misspelling's doing.
pub(super) fn unknown_keys(
    table: &mut DeTable,
    keys: &Keys,
    path: &str,
    source: &BlockSource,
    problems: &mut Vec<Problem>,
) -> Vec<usize> {
    let mut lost_keys = Vec::new();
    let mut unknown = Vec::new();
    for (key, value) in table.iter_mut() {
        let name: &str = key.get_ref();
        match keys.0.iter().find(|(known, _)| *known == name) {
            Some((_, Some(inner))) => {
                let at = source.content_offset + value.span().start;
                if let DeValue::Table(inner_table) = value.get_mut() {
                    let path = format!("{path}{name}.");
                    let before = problems.len();
                    lost_keys.extend(unknown_keys(inner_table, inner, &path, source, problems));
                    if problems.len() > before {
                        lost_keys.push(at);
                    }
                }
            }
            Some((_, None)) => {}
            None => {
                problems.push(source.error_at(Some(key.span()), unknown_key(name, keys, path)));
                unknown.push(key.clone());
            }
        }
    }
    for key in unknown {
        table.remove(&key);
    }
    lost_keys
}

/// What to say about key `name` of the table at `path`, which holds
/// `keys` only.
fn unknown_key(name: &str, keys: &Keys, path: &str) -> String {
    let hint = did_you_mean(name, keys.0.iter().map(|(known, _)| *known))
        .map(|near| format!(" (did you mean `{near}`?)"))
        .unwrap_or_default();
    let holder = match path.strip_suffix('.') {
        None => "an exercise block".to_string(),
        Some(table) if !table.contains('.') => format!("`[{table}]`"),
        Some(table) => format!("`{table}`"),
    };
    let listed: Vec<String> = keys
        .0
        .iter()
        .map(|(known, inner)| match (path.is_empty(), inner) {
            (true, Some(_)) => format!("[{known}]"),
            _ => known.to_string(),
        })
        .collect();
    format!(
        "unknown key `{path}{name}` in exercise block{hint}; {holder} takes {}",
        listed.join(", ")
    )
}
