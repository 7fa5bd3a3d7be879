//! Demos: the built-in experiments a lesson runs on real processes and
//! threads.
//!
//! Each demo is one declaration, in a file (or folder) of its own: a type
//! implementing [`Demo`] — its [`DemoInfo`] (name, lesson, parameters), its
//! `run` function on the engine, its typed `Result`, and its `report`, the
//! tables and findings that follow from that result alone. The list at the
//! bottom of this file names every demo once; from it come the catalogue
//! lessons are checked against and [`DemoResult`], the one type the live
//! view, `--json` and the tests read.
//!
//! The child-side bodies a demo's workers run are declared with it
//! (`Demo::BODIES`) and gathered by [`bodies`], so a spawned worker or the
//! fork server finds them by name. A new demo touches its own file and
//! this list, nothing else.

pub mod compare;
pub mod cpu_speedup;
mod info;
mod params;
pub mod pool_map;
pub mod pool_queue;
pub mod primes;
pub mod print_numbers;
pub mod spawn_process;

use std::fmt::Debug;
use std::sync::LazyLock;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use info::{DemoInfo, MAX_WORKERS, START, TIMEOUT, count, workers};
pub use params::{DemoParams, ParamError, ParamKind, ParamSpec, ParamValue, ResolvedParams};

use crate::engine::ENGINE_BODIES;
use crate::engine::task::{self, Bodies, WorkerBody};
use crate::engine::{EngineError, EventSink, RunContext, StartMethod, interrupt};
use crate::findings::Report;

/// A built-in demo.
pub trait Demo {
    /// What it found, as data: what `--json` prints and the report reads.
    type Result: Serialize + DeserializeOwned + Clone + Debug + PartialEq;

    /// Its name, lesson, summary and parameters.
    const INFO: DemoInfo;

    /// The child-side bodies its workers run, beyond the engine's own: a
    /// spawned worker and the fork server find them here by name.
    const BODIES: Bodies = &[];

    /// Runs it on the engine with its parameters resolved.
    fn run(ctx: &mut RunContext<'_>, params: &ResolvedParams) -> Result<Self::Result, EngineError>;

    /// The tables and findings `result` supports: a pure function, no
    /// clock, no I/O, so it can be tested on any result.
    fn report(result: &Self::Result) -> Report;
}

/// Declares the demos, in course order: the catalogue, [`DemoResult`]
/// and running one by name.
macro_rules! demos {
    ($($variant:ident => $demo:ty),* $(,)?) => {
        /// Every built-in demo, in course order.
        pub static CATALOG: &[&DemoInfo] = &[$(&<$demo as Demo>::INFO),*];

        /// What any demo found, tagged with the demo's name.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "demo", content = "result", rename_all = "kebab-case")]
        pub enum DemoResult {
            $($variant(<$demo as Demo>::Result)),*
        }

        impl DemoResult {
            /// The demo's name, as lessons write it.
            pub fn name(&self) -> &'static str {
                match self {
                    $(DemoResult::$variant(_) => <$demo as Demo>::INFO.name),*
                }
            }

            /// The tables and findings the result supports.
            pub fn report(&self) -> Report {
                match self {
                    $(DemoResult::$variant(result) => <$demo as Demo>::report(result)),*
                }
            }
        }

        /// Every child-side body of this build: the engine's own, then each
        /// demo's. A spawned worker and the fork server find theirs here by
        /// name.
        pub fn bodies() -> Bodies {
            static ALL: LazyLock<Vec<&'static WorkerBody>> = LazyLock::new(|| {
                let mut all: Vec<&'static WorkerBody> = ENGINE_BODIES.to_vec();
                for body in [$(<$demo as Demo>::BODIES),*].into_iter().flatten() {
                    if !all.iter().any(|known| known.name == body.name) {
                        all.push(body);
                    }
                }
                all
            });
            LazyLock::force(&ALL).as_slice()
        }

        fn run_named(
            name: &str,
            ctx: &mut RunContext<'_>,
            params: &ResolvedParams,
        ) -> Option<Result<DemoResult, EngineError>> {
            $(
                if name == <$demo as Demo>::INFO.name {
                    return Some(<$demo as Demo>::run(ctx, params).map(DemoResult::$variant));
                }
            )*
            None
        }
    };
}

demos! {
    CpuSpeedup => cpu_speedup::CpuSpeedup,
    Compare => compare::CompareDemo,
    SpawnProcess => spawn_process::SpawnProcess,
    PoolQueue => pool_queue::PoolQueue,
    PoolMap => pool_map::PoolMap,
    PrintNumbers => print_numbers::PrintNumbers,
}

/// Finds a demo by its exact name.
pub fn find_demo(name: &str) -> Option<&'static DemoInfo> {
    CATALOG.iter().copied().find(|demo| demo.name == name)
}

/// Names of every demo, for messages and completion.
pub fn demo_names() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|demo| demo.name)
}

/// How long a demo without a `timeout` parameter may run.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs a demo with its parameters, sending events to `sink` as they
/// happen. Ctrl-C stops it (the previous SIGINT handling is restored after).
pub fn run_demo(
    demo: &DemoInfo,
    params: &DemoParams,
    sink: &mut dyn EventSink,
) -> Result<DemoResult, EngineError> {
    let params = demo.resolved(params);
    let start = StartMethod::from_name(params.word("start")).unwrap_or(StartMethod::Fork);
    let timeout = match u64::try_from(params.int("timeout")) {
        Ok(seconds) if seconds > 0 => Duration::from_secs(seconds),
        _ => DEFAULT_TIMEOUT,
    };
    let _guard = interrupt::InterruptGuard::install();
    let mut ctx = RunContext::new(sink, start, timeout).with_bodies(bodies());
    run_named(demo.name, &mut ctx, &params).unwrap_or_else(|| {
        Err(EngineError::Refused(format!(
            "the `{}` demo is not built yet",
            demo.name
        )))
    })
}

/// The entry point of a spawned worker: `mptutor worker <body> <args…>`.
pub fn worker_main(words: &[String]) -> i32 {
    task::worker_main(bodies(), words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_body_has_a_name_of_its_own() {
        let mut names: Vec<&str> = bodies().iter().map(|body| body.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
        for body in crate::engine::ENGINE_BODIES {
            assert!(
                bodies().iter().any(|known| known.name == body.name),
                "{}",
                body.name
            );
        }
    }

    #[test]
    fn each_result_is_tagged_with_its_demo_s_name() {
        // The variants are the demos' names in kebab case: the JSON tag a
        // script reads is the name a lesson writes.
        let names: Vec<&str> = CATALOG.iter().map(|demo| demo.name).collect();
        assert_eq!(
            names,
            [
                "cpu-speedup",
                "compare",
                "spawn-process",
                "pool-queue",
                "pool-map",
                "print-numbers"
            ]
        );
        let demos = std::collections::BTreeSet::from_iter(names.iter().copied());
        assert_eq!(demos.len(), names.len());
    }
}
