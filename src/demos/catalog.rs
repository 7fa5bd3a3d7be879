//! The built-in demos a lesson can name, with their parameters.
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

const START: ParamSpec = ParamSpec {
    name: "start",
    kind: ParamKind::Choice(&["fork", "spawn"]),
    default: ParamValue::Choice("fork"),
    help: "how processes start: fork copies mptutor, spawn starts it afresh",
};

const TIMEOUT: ParamSpec = ParamSpec {
    name: "timeout",
    kind: ParamKind::Int {
        min: 1,
        max: 600,
        unit: "s",
    },
    default: ParamValue::Int(30),
    help: "seconds before every worker is stopped",
};

const fn workers(default: i64, min: i64, help: &'static str) -> ParamSpec {
    ParamSpec {
        name: "workers",
        kind: ParamKind::Int {
            min,
            max: 64,
            unit: "",
        },
        default: ParamValue::Int(default),
        help,
    }
}

const fn count(name: &'static str, default: i64, max: i64, help: &'static str) -> ParamSpec {
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

/// Every built-in demo, in course order.
pub const CATALOG: &[DemoInfo] = &[
    DemoInfo {
        name: "cpu-speedup",
        lesson: "q1",
        summary: "count primes serially, then split over more and more processes, and time each",
        params: &[
            workers(0, 0, "most processes to try; 0 means one per core"),
            ParamSpec {
                name: "limit",
                kind: ParamKind::Int {
                    min: 10_000,
                    max: 50_000_000,
                    unit: "",
                },
                default: ParamValue::Int(2_000_000),
                help: "count the primes below this number",
            },
            START,
            TIMEOUT,
        ],
    },
    DemoInfo {
        name: "compare",
        lesson: "q2",
        summary: "run the processes-vs-threads experiments and fill in the table",
        params: &[ParamSpec {
            name: "row",
            kind: ParamKind::Choice(&[
                "all",
                "memory",
                "failure",
                "overhead",
                "cpu",
                "io",
                "communication",
                "start_methods",
            ]),
            default: ParamValue::Choice("all"),
            help: "which row of the comparison table to measure",
        }],
    },
    DemoInfo {
        name: "spawn-process",
        lesson: "q3",
        summary: "start one child process, print its pid and its parent's, and wait for it",
        params: &[
            ParamSpec {
                name: "join",
                kind: ParamKind::Bool,
                default: ParamValue::Bool(true),
                help: "wait for the child at once; false shows it as a zombie first",
            },
            START,
            TIMEOUT,
        ],
    },
    DemoInfo {
        name: "pool-queue",
        lesson: "q4",
        summary: "a few worker processes drain a queue of tasks; watch who takes which",
        params: &[
            workers(3, 1, "worker processes in the pool"),
            count("tasks", 12, 100_000, "tasks in the queue"),
            ParamSpec {
                name: "pace",
                kind: ParamKind::Int {
                    min: 0,
                    max: 5_000,
                    unit: "ms",
                },
                default: ParamValue::Int(0),
                help: "extra milliseconds per task, to slow the demo down for a class",
            },
            START,
            TIMEOUT,
        ],
    },
    DemoInfo {
        name: "pool-map",
        lesson: "q5",
        summary: "a pool of pre-started workers maps square() over the inputs, results in order",
        params: &[
            workers(4, 1, "worker processes (or threads) in the pool"),
            count("items", 5, 100_000, "inputs 1, 2, … items to square"),
            count("chunksize", 1, 100_000, "inputs sent to a worker at a time"),
            ParamSpec {
                name: "threads",
                kind: ParamKind::Bool,
                default: ParamValue::Bool(false),
                help: "run the same map on a pool of threads instead",
            },
            ParamSpec {
                name: "crash",
                kind: ParamKind::Int {
                    min: 0,
                    max: 100_000,
                    unit: "",
                },
                default: ParamValue::Int(0),
                help: "the worker that gets this input dies of SIGSEGV; 0 means none",
            },
            START,
            TIMEOUT,
        ],
    },
    DemoInfo {
        name: "print-numbers",
        lesson: "q6",
        summary: "several processes each print a different number; the order is up to the OS",
        params: &[
            workers(4, 1, "processes, each printing its own number"),
            count("repeat", 1, 20, "runs in a row, to see the order change"),
            ParamSpec {
                name: "crash",
                kind: ParamKind::Choice(&["none", "segfault", "abort", "panic"]),
                default: ParamValue::Choice("none"),
                help: "make Process-2 crash this way instead of printing, to see the others carry on",
            },
            START,
            TIMEOUT,
        ],
    },
];

/// Finds a demo by its exact name.
pub fn find_demo(name: &str) -> Option<&'static DemoInfo> {
    CATALOG.iter().find(|demo| demo.name == name)
}

/// Names of every demo, for messages and completion.
pub fn demo_names() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|demo| demo.name)
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
