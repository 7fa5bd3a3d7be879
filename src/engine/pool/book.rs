//! What a map over a pool produces, for process and thread pools alike:
//! an outcome per input in input order, the workers that took part, and
//! how the results arrived.
//!
//! Both pools keep their books the same way ([`MapBook`]): they file each
//! result by its input's position, so "results come back in input order"
//! holds by construction, and they measure the other half of the lesson,
//! the order in which the work actually finished ([`CompletionOrder`]).

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::context::RunContext;
use crate::engine::event::WorkerIndex;

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
pub type Observer<'o> = dyn FnMut(&mut RunContext<'_>, ChunkEvent<'_>) + 'o;

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

/// The books of one map: which chunk goes out next, and every result
/// filed in its input's slot.
#[derive(Debug)]
pub struct MapBook<'i> {
    pub inputs: &'i [i64],
    pub chunksize: usize,
    pub items: Vec<ItemOutcome>,
    pub order: CompletionOrder,
    /// Results filed so far, per chunk.
    received: Vec<usize>,
    /// Chunks handed back (a send failed), to go out before `next`.
    again: Vec<usize>,
    next: usize,
}

impl<'i> MapBook<'i> {
    /// Books for `inputs` in chunks of `chunksize`; every item is an error
    /// saying `pending` until its result is filed.
    pub fn new(inputs: &'i [i64], chunksize: usize, pending: &str) -> Self {
        let chunksize = chunksize.max(1);
        let chunks = inputs.len().div_ceil(chunksize);
        let pending: Arc<str> = Arc::from(pending);
        MapBook {
            inputs,
            chunksize,
            items: inputs
                .iter()
                .map(|&input| ItemOutcome {
                    input,
                    result: Err(Arc::clone(&pending)),
                    worker: None,
                })
                .collect(),
            order: CompletionOrder::new(chunks),
            received: vec![0; chunks],
            again: Vec::new(),
            next: 0,
        }
    }

    pub fn chunks(&self) -> usize {
        self.received.len()
    }

    /// The positions of the inputs `chunk` covers.
    pub fn range(&self, chunk: usize) -> Range<usize> {
        let start = chunk.saturating_mul(self.chunksize).min(self.inputs.len());
        start..start.saturating_add(self.chunksize).min(self.inputs.len())
    }

    /// The next chunk to hand out, if any is left.
    pub fn next_chunk(&mut self) -> Option<usize> {
        if let Some(chunk) = self.again.pop() {
            return Some(chunk);
        }
        let chunk = self.next;
        (chunk < self.chunks()).then(|| {
            self.next += 1;
            chunk
        })
    }

    /// A chunk that could not be handed out goes out again.
    pub fn hand_back(&mut self, chunk: usize) {
        self.again.push(chunk);
    }

    /// Files the next results of `chunk`, computed by `worker`; true when
    /// they complete it. Results beyond the chunk's size are ignored, so
    /// nothing is counted twice.
    pub fn file(
        &mut self,
        chunk: usize,
        worker: WorkerIndex,
        results: impl IntoIterator<Item = Result<i64, Arc<str>>>,
    ) -> bool {
        if self.order.is_done(chunk) {
            return false;
        }
        let range = self.range(chunk);
        for result in results {
            let got = self.received[chunk];
            if got >= range.len() {
                break;
            }
            let item = &mut self.items[range.start + got];
            item.result = result;
            item.worker = Some(worker);
            self.received[chunk] += 1;
        }
        let complete = self.received[chunk] == range.len();
        if complete {
            self.order.complete(chunk, range.len());
        }
        complete
    }

    /// Gives the items of `chunk` that have no result yet this error;
    /// returns how many.
    pub fn fail(&mut self, chunk: usize, holder: Option<WorkerIndex>, error: &Arc<str>) -> usize {
        if self.order.is_done(chunk) {
            return 0;
        }
        let range = self.range(chunk);
        let first = range.start + self.received[chunk].min(range.len());
        for item in &mut self.items[first..range.end] {
            item.result = Err(Arc::clone(error));
            item.worker = holder;
        }
        self.order.complete(chunk, 0);
        range.end - first
    }
}

/// `3`, or `4–6` for a run of inputs.
pub fn span(inputs: &[i64]) -> String {
    match (inputs.first(), inputs.last()) {
        (Some(first), Some(last)) if first != last => format!("{first}–{last}"),
        (Some(first), _) => first.to_string(),
        _ => "none".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(values: &[i64]) -> Vec<Result<i64, Arc<str>>> {
        values.iter().map(|value| Ok(*value)).collect()
    }

    #[test]
    fn results_that_overtake_an_earlier_input_are_counted() {
        let mut order = CompletionOrder::new(4);
        order.complete(2, 3);
        order.complete(0, 3);
        order.complete(1, 3);
        order.complete(3, 1);
        assert_eq!(order.out_of_order, 3);
        assert!(order.all_done());
    }

    #[test]
    fn chunks_cover_every_input_once_and_the_last_may_be_short() {
        let inputs: Vec<i64> = (1..=10).collect();
        let mut book = MapBook::new(&inputs, 4, "pending");
        let mut covered = Vec::new();
        while let Some(chunk) = book.next_chunk() {
            covered.extend(book.range(chunk));
        }
        assert_eq!(book.chunks(), 3);
        assert_eq!(covered, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn a_chunk_handed_back_goes_out_again_first() {
        let inputs = [1, 2, 3];
        let mut book = MapBook::new(&inputs, 1, "pending");
        assert_eq!(book.next_chunk(), Some(0));
        book.hand_back(0);
        assert_eq!(book.next_chunk(), Some(0));
        assert_eq!(book.next_chunk(), Some(1));
    }

    #[test]
    fn results_land_in_input_slots_and_are_never_filed_twice() {
        let inputs = [1, 2, 3, 4];
        let mut book = MapBook::new(&inputs, 2, "pending");
        assert!(book.file(1, 7, ok(&[9, 16, 99])));
        assert!(
            !book.file(1, 8, ok(&[0, 0])),
            "a finished chunk takes nothing"
        );
        assert!(!book.file(0, 7, ok(&[1])));
        assert!(book.file(0, 7, ok(&[4])));
        let results: Vec<_> = book.items.iter().map(|item| item.result.clone()).collect();
        assert_eq!(results, ok(&[1, 4, 9, 16]));
        assert_eq!(book.items[2].worker, Some(7));
        assert_eq!(book.order.out_of_order, 2);
    }

    #[test]
    fn a_failed_chunk_keeps_the_results_that_arrived() {
        let inputs = [1, 2, 3];
        let mut book = MapBook::new(&inputs, 3, "pending");
        assert!(!book.file(0, 1, ok(&[1])));
        let error: Arc<str> = Arc::from("worker P1 (pid 9) died of SIGSEGV");
        assert_eq!(book.fail(0, Some(1), &error), 2);
        assert_eq!(book.items[0].result, Ok(1));
        assert_eq!(book.items[1].result, Err(Arc::clone(&error)));
        assert!(book.order.all_done());
        assert_eq!(
            book.fail(0, Some(1), &error),
            0,
            "failing twice changes nothing"
        );
    }
}
