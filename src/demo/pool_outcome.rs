//! What a map over a pool produces, for process and thread pools alike:
//! an outcome per input in input order, the workers that took part, and
//! how the results arrived.
//!
//! Both pools file results by input position, so "results come back in
//! input order" holds by construction; what they measure here is the other
//! half of the lesson, the order in which the work actually finished
//! ([`CompletionOrder`]).

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use super::context::DemoContext;
use super::event::WorkerIndex;

/// A worker that took part in a map: a process (`P2`) or a thread (`T2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerInfo {
    pub index: WorkerIndex,
    pub label: String,
    /// Its pid, or for a thread its kernel thread id.
    pub pid: i32,
}

/// How one input fared.
#[derive(Debug, Clone)]
pub struct ItemOutcome {
    pub input: i64,
    /// The result, or why there is none.
    pub result: Result<i64, Arc<str>>,
    /// The worker that computed it, or held it when it failed; `None` when
    /// it was never handed out.
    pub worker: Option<WorkerIndex>,
}

/// What a map did, item by item and overall.
#[derive(Debug, Clone, Default)]
pub struct MapRun {
    /// One outcome per input, in input order.
    pub items: Vec<ItemOutcome>,
    /// Every worker that was part of the pool, in start order.
    pub workers: Vec<WorkerInfo>,
    /// Results that arrived while the result of an earlier input was
    /// still missing.
    pub out_of_order: usize,
    /// Workers started because one died.
    pub replacements: usize,
    /// Workers retired after their share of result lines, and replaced.
    pub retired: usize,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl MapRun {
    pub fn worker(&self, index: WorkerIndex) -> Option<&WorkerInfo> {
        self.workers.iter().find(|worker| worker.index == index)
    }
}

/// A chunk handed to a worker, or finished by one: for narration.
pub enum ChunkEvent<'a> {
    Sent {
        /// The task number, from 1.
        task: usize,
        worker: &'a WorkerInfo,
        inputs: &'a [i64],
    },
    Done {
        task: usize,
        worker: &'a WorkerInfo,
        items: &'a [ItemOutcome],
        /// From handing the chunk out to its last result arriving.
        busy: Duration,
    },
}

/// Tells a demo about chunks as they go out and come back.
pub type Observer<'o> = dyn FnMut(&mut DemoContext<'_>, ChunkEvent<'_>) + 'o;

/// Which chunks are complete, and how many results overtook earlier ones.
#[derive(Debug)]
pub struct CompletionOrder {
    done: Vec<bool>,
    /// The lowest chunk not complete yet.
    lowest: usize,
    pub out_of_order: usize,
}

impl CompletionOrder {
    pub fn new(chunks: usize) -> Self {
        CompletionOrder {
            done: vec![false; chunks],
            lowest: 0,
            out_of_order: 0,
        }
    }

    /// Marks `chunk` complete with `results` results (0 when it failed).
    pub fn complete(&mut self, chunk: usize, results: usize) {
        if self.done.get(chunk) != Some(&false) {
            return;
        }
        if chunk > self.lowest {
            self.out_of_order += results;
        }
        self.done[chunk] = true;
        while self.done.get(self.lowest) == Some(&true) {
            self.lowest += 1;
        }
    }

    pub fn is_done(&self, chunk: usize) -> bool {
        self.done.get(chunk) == Some(&true)
    }

    pub fn all_done(&self) -> bool {
        self.lowest == self.done.len()
    }
}

/// The inputs `chunk` covers.
pub fn chunk_range(chunk: usize, chunksize: usize, len: usize) -> Range<usize> {
    let start = chunk.saturating_mul(chunksize).min(len);
    start..start.saturating_add(chunksize).min(len)
}

/// `3`, or `4–6` for a run of inputs.
pub fn span(inputs: &[i64]) -> String {
    match (inputs.first(), inputs.last()) {
        (Some(first), Some(last)) if first != last => format!("{first}–{last}"),
        (Some(first), _) => first.to_string(),
        _ => "none".to_string(),
    }
}
