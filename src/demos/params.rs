//! Demo parameters: what each one accepts, and turning text or TOML into a
//! checked value.
//!
//! The same checks serve a lesson's ```` ```demo ```` block (TOML values) and
//! the REPL's `run key=value` (text), so a teacher and a student get the same
//! message for the same mistake.

use std::collections::BTreeMap;
use std::fmt;

/// What values a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number in `min..=max`; `unit` is shown after it (`ms`, `s`).
    Int {
        min: i64,
        max: i64,
        unit: &'static str,
    },
    Bool,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
}

/// A checked parameter value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamValue {
    Int(i64),
    Bool(bool),
    Choice(&'static str),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Int(n) => write!(f, "{n}"),
            ParamValue::Bool(b) => write!(f, "{b}"),
            ParamValue::Choice(word) => f.write_str(word),
        }
    }
}

/// One parameter of a demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: ParamValue,
    /// One line for `help run` and completion hints.
    pub help: &'static str,
}

/// Why a parameter value was refused. The message names the parameter and
/// what it accepts, so it can be shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParamError(pub String);

impl ParamSpec {
    /// What the parameter accepts, in words: "a whole number from 1 to 64".
    pub fn accepts(&self) -> String {
        match self.kind {
            ParamKind::Int { min, max, unit } => {
                let unit = if unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({unit})")
                };
                format!("a whole number from {min} to {max}{unit}")
            }
            ParamKind::Bool => "true or false".to_string(),
            ParamKind::Choice(words) => format!("one of {}", words.join(", ")),
        }
    }

    fn refuse(&self, given: &str) -> ParamError {
        ParamError(format!(
            "`{}` must be {}, not {given}",
            self.name,
            self.accepts()
        ))
    }

    /// Checks a value typed as text (`run workers=8`).
    pub fn parse_text(&self, text: &str) -> Result<ParamValue, ParamError> {
        let text = text.trim();
        match self.kind {
            ParamKind::Int { .. } => {
                let digits: String = text.chars().filter(|c| *c != '_').collect();
                match digits.parse::<i64>() {
                    Ok(n) => self.check_int(n),
                    Err(_) => Err(self.refuse(&format!("`{text}`"))),
                }
            }
            ParamKind::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Ok(ParamValue::Bool(true)),
                "false" | "no" | "off" | "0" => Ok(ParamValue::Bool(false)),
                _ => Err(self.refuse(&format!("`{text}`"))),
            },
            ParamKind::Choice(words) => words
                .iter()
                .find(|word| same_word(word, text))
                .map(|word| ParamValue::Choice(word))
                .ok_or_else(|| self.refuse(&format!("`{text}`"))),
        }
    }

    /// Checks a value written in a lesson's TOML demo block.
    pub fn from_toml(&self, value: &toml::Value) -> Result<ParamValue, ParamError> {
        match (self.kind, value) {
            (ParamKind::Int { .. }, toml::Value::Integer(n)) => self.check_int(*n),
            (ParamKind::Bool, toml::Value::Boolean(b)) => Ok(ParamValue::Bool(*b)),
            (ParamKind::Choice(_), toml::Value::String(text)) => self.parse_text(text),
            (_, other) => Err(self.refuse(&format!("{} `{other}`", other.type_str()))),
        }
    }

    fn check_int(&self, n: i64) -> Result<ParamValue, ParamError> {
        match self.kind {
            ParamKind::Int { min, max, .. } if (min..=max).contains(&n) => Ok(ParamValue::Int(n)),
            _ => Err(self.refuse(&n.to_string())),
        }
    }
}

/// Whether `typed` is `word`, ignoring case and with spaces, hyphens and
/// underscores alike: `best-for` is the choice `best_for`.
fn same_word(word: &str, typed: &str) -> bool {
    let simple = |c: char| match c {
        ' ' | '-' => '_',
        c => c.to_ascii_lowercase(),
    };
    word.chars().map(simple).eq(typed.chars().map(simple))
}

/// Parameter values set explicitly (by a lesson or on the command line),
/// keyed by parameter name. Missing names take the spec's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoParams(pub BTreeMap<&'static str, ParamValue>);

impl DemoParams {
    pub fn set(&mut self, name: &'static str, value: ParamValue) {
        self.0.insert(name, value);
    }

    /// `self` with every value of `overrides` laid on top.
    pub fn merged(&self, overrides: &DemoParams) -> DemoParams {
        let mut merged = self.clone();
        merged.0.extend(overrides.0.iter().map(|(k, v)| (*k, *v)));
        merged
    }

    /// `workers=4 start=fork`, in name order; empty when nothing is set.
    pub fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every parameter of a demo with the value it has for one run.
#[derive(Debug, Clone)]
pub struct ResolvedParams(pub Vec<(&'static ParamSpec, ParamValue)>);

impl ResolvedParams {
    fn get(&self, name: &str) -> Option<ParamValue> {
        self.0
            .iter()
            .find(|(spec, _)| spec.name == name)
            .map(|(_, value)| *value)
    }

    /// A whole-number parameter; 0 when the demo has no such parameter.
    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Some(ParamValue::Int(n)) => n,
            _ => 0,
        }
    }

    /// A count parameter as `usize` (they are never negative).
    pub fn count(&self, name: &str) -> usize {
        usize::try_from(self.int(name)).unwrap_or(0)
    }

    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ParamValue::Bool(true)))
    }

    pub fn word(&self, name: &str) -> &'static str {
        match self.get(name) {
            Some(ParamValue::Choice(word)) => word,
            _ => "",
        }
    }
}
