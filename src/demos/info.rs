//! What a lesson knows of a demo: its name, what it shows, its parameters,
//! and the parameters several demos share.
//!
//! The caps are deliberate: a demo runs on a student's laptop in front of
//! them, so at most 64 workers (more than enough to oversubscribe any
//! classroom machine and see what that costs), at most 100 000 items, and a
//! timeout after which every worker is stopped.

use super::params::{DemoParams, ParamError, ParamKind, ParamSpec, ParamValue, ResolvedParams};

/// A demo a lesson can reference by name.
#[derive(Debug, PartialEq, Eq)]
pub struct DemoInfo {
    /// The name used in ```` ```demo ```` blocks (`print-numbers`).
    pub name: &'static str,
    /// The lesson it was made for.
    pub lesson: &'static str,
    /// One line: what the student sees happen.
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
}

/// `start=fork|spawn|forkserver`.
pub const START: ParamSpec = ParamSpec {
    name: "start",
    kind: ParamKind::Choice(&["fork", "spawn", "forkserver"]),
    default: ParamValue::Choice("fork"),
    help: "how processes start: fork clones mptutor (its memory shared copy-on-write), spawn \
           starts it afresh, forkserver asks a server process to fork them",
};

/// `timeout=S`.
pub const TIMEOUT: ParamSpec = ParamSpec {
    name: "timeout",
    kind: ParamKind::Int {
        min: 1,
        max: 600,
        unit: "s",
    },
    default: ParamValue::Int(30),
    help: "seconds before every worker is stopped",
};

/// The most workers a demo starts.
pub const MAX_WORKERS: i64 = 64;

/// `workers=N`, from `min` to [`MAX_WORKERS`].
pub const fn workers(default: i64, min: i64, help: &'static str) -> ParamSpec {
    ParamSpec {
        name: "workers",
        kind: ParamKind::Int {
            min,
            max: MAX_WORKERS,
            unit: "",
        },
        default: ParamValue::Int(default),
        help,
    }
}

/// A count from 1 to `max`.
pub const fn count(name: &'static str, default: i64, max: i64, help: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        kind: ParamKind::Int {
            min: 1,
            max,
            unit: "",
        },
        default: ParamValue::Int(default),
        help,
    }
}

impl DemoInfo {
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|spec| spec.name == name)
    }

    /// Every parameter with the value it will have: `set` where given, the
    /// default elsewhere.
    pub fn resolve(&self, set: &DemoParams) -> Vec<(&'static ParamSpec, ParamValue)> {
        self.params
            .iter()
            .map(|spec| (spec, set.0.get(spec.name).copied().unwrap_or(spec.default)))
            .collect()
    }

    /// The same, as typed accessors for the demo that runs.
    pub fn resolved(&self, set: &DemoParams) -> ResolvedParams {
        ResolvedParams(self.resolve(set))
    }

    /// Parses `key=value` words typed after `run`, checking each against this
    /// demo's parameters.
    pub fn parse_assignments<'a>(
        &'static self,
        words: impl IntoIterator<Item = &'a str>,
    ) -> Result<DemoParams, ParamError> {
        let mut params = DemoParams::default();
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(ParamError(format!(
                    "expected key=value, not `{word}` (parameters of {}: {})",
                    self.name,
                    self.param_names().join(", ")
                )));
            };
            let spec = self
                .param(key.trim())
                .ok_or_else(|| self.unknown_param(key.trim()))?;
            params.set(spec.name, spec.parse_text(value)?);
        }
        Ok(params)
    }

    pub fn param_names(&self) -> Vec<&'static str> {
        self.params.iter().map(|spec| spec.name).collect()
    }

    /// The error for a parameter this demo does not have, with the closest
    /// name it does have when one is near.
    pub fn unknown_param(&self, key: &str) -> ParamError {
        let names = self.param_names();
        let hint = crate::suggest::did_you_mean(key, names.iter().copied())
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        ParamError(format!(
            "demo `{}` has no parameter `{key}`{hint}; it takes {}",
            self.name,
            names.join(", ")
        ))
    }
}
