//! Synchronization row: lost updates, the reason threads need locks and
//! processes rarely do.
//!
//! `counter += 1` is a read, an add and a write; a thread switch between
//! the read and the write lets another thread write in between, and the
//! updates it made are lost. The experiment makes that switch happen where
//! it hurts (`std::thread::yield_now()` between the read and the write of
//! every hundredth update, as CPython may switch threads there), so
//! updates are lost on one core as on many, run after run:
//!
//! - N threads add to one shared counter without a lock: updates are lost;
//! - the same with a lock around read-switch-write: none are;
//! - N processes do the unlocked version, each on its own copy: each ends
//!   at M, mptutor's stays 0: nothing is shared, nothing needs a lock;
//! - N processes on one counter in memory they really share (a page mapped
//!   before the fork, what `multiprocessing.Value` is): without a lock
//!   they lose updates like threads, with a lock in that memory none.
//!
//! The verdicts are counts against N×M, so a busy machine cannot fake them.

mod run;

use serde::{Deserialize, Serialize};

pub(super) use run::run;
pub use run::{RACE_OWN_COPY, RACE_SHARED};

use super::{Cell, Judged};
use crate::findings::{Finding, Unclear, Verdict, words};

/// What the counters ended at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynchronizationResult {
    /// Workers of each kind (N).
    pub workers: usize,
    /// What each worker added, one at a time (M).
    pub adds: u64,
    /// One update in this many switched threads between its read and its
    /// write.
    pub switch_every: u64,
    /// The threads' shared counter, added to without a lock…
    pub threads_unlocked: u64,
    /// …and with one.
    pub threads_locked: u64,
    /// Each child's own copy at its end, in start order; `None` for a
    /// child that said nothing.
    pub own_copies: Vec<Option<u64>>,
    /// mptutor's copy after those children.
    pub parent_copy: u64,
    /// The counter in shared memory.
    pub shared: SharedCounts,
    /// Worker processes that did not exit normally, in every phase.
    pub failed_processes: usize,
}

/// The processes' counter in shared memory, without a lock and with one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "measured", rename_all = "snake_case")]
pub enum SharedCounts {
    Counted { unlocked: u64, locked: u64 },
    NotMeasured { why: String },
}

const THREADS_LOSE: &str = "threads updating shared data without a lock lose updates";
const THREADS_LOCKED: &str = "with a lock, threads lose no update";
const OWN_COPIES: &str = "processes each keep their own copy: nothing shared, nothing to lock";
const SHARED_LOSE: &str = "processes sharing memory without a lock lose updates";
const SHARED_LOCKED: &str = "with a lock in the shared memory, processes lose no update";

impl SynchronizationResult {
    /// N×M: what every counter ends at when no update is lost.
    pub fn expected(&self) -> u64 {
        self.adds.saturating_mul(self.workers as u64)
    }

    fn lost(&self, got: u64) -> u64 {
        self.expected().saturating_sub(got)
    }

    fn loses(&self, got: u64) -> Verdict {
        Verdict::of(got < self.expected())
    }

    fn keeps(&self, got: u64) -> Verdict {
        Verdict::of(got == self.expected())
    }

    /// Process counts are worth judging only when every worker ran.
    fn processes_ran(&self) -> Option<Verdict> {
        (self.failed_processes > 0).then(|| {
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: format!(
                    "{} did not exit normally",
                    words::count(
                        self.failed_processes as u64,
                        "worker process",
                        "worker processes"
                    )
                ),
            })
        })
    }

    fn own_copies_verdict(&self) -> Verdict {
        self.processes_ran().unwrap_or_else(|| {
            Verdict::of(
                self.own_copies.len() == self.workers
                    && self.own_copies.iter().all(|copy| *copy == Some(self.adds))
                    && self.parent_copy == 0,
            )
        })
    }

    fn shared_verdicts(&self) -> (Verdict, Verdict) {
        match (&self.shared, self.processes_ran()) {
            (SharedCounts::NotMeasured { why }, _) => {
                let not = Verdict::CouldntTell(Unclear::NotMeasured { why: why.clone() });
                (not.clone(), not)
            }
            (_, Some(failed)) => (failed.clone(), failed),
            (SharedCounts::Counted { unlocked, locked }, None) => {
                (self.loses(*unlocked), self.keeps(*locked))
            }
        }
    }

    /// `expected 40,000, got 27,127: 12,873 updates lost`.
    fn tally(&self, got: u64) -> String {
        let lost = match self.lost(got) {
            0 if got > self.expected() => self.off_by(got),
            0 => "0 lost".to_string(),
            1 => "1 update lost".to_string(),
            lost => format!("{} updates lost", words::grouped(lost)),
        };
        format!(
            "expected {}, got {}: {lost}",
            words::grouped(self.expected()),
            words::grouped(got)
        )
    }

    /// `14,999`, or `1 too many` for a counter above N×M, which no lost
    /// update explains.
    fn off_by(&self, got: u64) -> String {
        if got > self.expected() {
            format!("{} too many", words::grouped(got - self.expected()))
        } else {
            words::grouped(self.lost(got))
        }
    }

    fn copies_words(&self) -> String {
        if !self.own_copies.is_empty()
            && self.own_copies.iter().all(|copy| *copy == Some(self.adds))
        {
            return format!("{} each", words::grouped(self.adds));
        }
        self.own_copies
            .iter()
            .map(|copy| copy.map_or_else(|| "–".to_string(), words::grouped))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn verdicts(&self) -> [Verdict; 5] {
        let (shared_lose, shared_locked) = self.shared_verdicts();
        [
            self.loses(self.threads_unlocked),
            self.keeps(self.threads_locked),
            self.own_copies_verdict(),
            shared_lose,
            shared_locked,
        ]
    }
}

impl Judged for SynchronizationResult {
    fn findings(&self) -> Vec<Finding> {
        let [
            threads_lose,
            threads_locked,
            own,
            shared_lose,
            shared_locked,
        ] = self.verdicts();
        let n = self.workers;
        let adds = words::grouped(self.adds);
        let unlocked = self.tally(self.threads_unlocked);
        let mut findings = vec![Finding::judged(
            THREADS_LOSE,
            threads_lose.clone(),
            match threads_lose {
                Verdict::Holds => format!(
                    "{} each added 1 to one shared counter {adds} times without a lock, reading \
                     it and writing it back, with a thread switch in between every {} times (as \
                     Python may switch between the read and the write of `counter += 1`): \
                     {unlocked}, each one overwritten by a thread writing back a value it had \
                     read before.",
                    words::threads(n),
                    self.switch_every
                ),
                _ => format!(
                    "{} each added 1 to one shared counter {adds} times without a lock, with a \
                     thread switch between the read and the write every {} times: {unlocked}. \
                     A switch loses updates only when another thread writes in between, and \
                     this time none did; type `compare synchronization` to run it again.",
                    words::threads(n),
                    self.switch_every
                ),
            },
        )];
        let locked = self.tally(self.threads_locked);
        findings.push(Finding::judged(
            THREADS_LOCKED,
            threads_locked.clone(),
            match threads_locked {
                Verdict::Holds => format!(
                    "With a lock held around each read and write (and the switch between them), \
                     the same {}: {locked}. Only the thread holding the lock could touch the \
                     counter.",
                    words::threads(n)
                ),
                _ => format!(
                    "With a lock held around each read and write, the same {}: {locked}, which \
                     a lock should make impossible. Type `compare synchronization` to run it \
                     again.",
                    words::threads(n)
                ),
            },
        ));
        let parent = words::grouped(self.parent_copy);
        findings.push(Finding::judged(
            OWN_COPIES,
            own.clone(),
            match own {
                Verdict::Holds => format!(
                    "{} did the same without a lock, each on its own copy of the counter: every \
                     copy ended at {adds}, nothing lost, and mptutor's copy stayed {parent}. \
                     Nothing is shared, so there is nothing to lock.",
                    words::processes(n)
                ),
                Verdict::Contradicted => format!(
                    "{} did the same without a lock, each on its own copy: the copies ended at \
                     {} where each should be {adds}, and mptutor's was {parent} where it should \
                     be 0. Type `compare synchronization` to run it again.",
                    words::processes(n),
                    self.copies_words()
                ),
                Verdict::CouldntTell(why) => format!(
                    "Without a lock, each on its own copy, {} ended at {}, but {}, so those \
                     counts say nothing. Type `compare synchronization` to run it again.",
                    words::processes(n),
                    self.copies_words(),
                    why.words()
                ),
            },
        ));
        let (unlocked, locked) = match &self.shared {
            SharedCounts::Counted { unlocked, locked } => {
                (self.tally(*unlocked), self.tally(*locked))
            }
            SharedCounts::NotMeasured { .. } => (String::new(), String::new()),
        };
        let shared = "one counter in memory they share (a page mapped before the fork, what \
                      `multiprocessing.Value` is)";
        findings.push(Finding::judged(
            SHARED_LOSE,
            shared_lose.clone(),
            match shared_lose {
                Verdict::Holds => format!(
                    "{} adding to {shared} without a lock: {unlocked}, as with threads.",
                    words::processes(n)
                ),
                Verdict::Contradicted => format!(
                    "{} adding to {shared} without a lock: {unlocked}. This time no other \
                     process wrote between a read and its write; type `compare synchronization` \
                     to run it again.",
                    words::processes(n)
                ),
                Verdict::CouldntTell(why) if unlocked.is_empty() => format!(
                    "Processes sharing memory could not be measured: {}.",
                    why.words()
                ),
                Verdict::CouldntTell(why) => format!(
                    "{} adding to {shared} without a lock: {unlocked}, but {}, so the count says \
                     nothing.",
                    words::processes(n),
                    why.words()
                ),
            },
        ));
        findings.push(Finding::judged(
            SHARED_LOCKED,
            shared_locked.clone(),
            match shared_locked {
                Verdict::Holds => format!(
                    "With a lock in that shared memory, held around each read and write, the \
                     same {}: {locked}. Processes need a lock only for what they really share.",
                    words::processes(n)
                ),
                Verdict::Contradicted => format!(
                    "With a lock in that shared memory the same {}: {locked}, which the lock \
                     should make impossible. Type `compare synchronization` to run it again.",
                    words::processes(n)
                ),
                Verdict::CouldntTell(why) if locked.is_empty() => format!(
                    "The locked counter in shared memory could not be measured either: {}.",
                    why.words()
                ),
                Verdict::CouldntTell(why) => format!(
                    "With a lock in that shared memory: {locked}, but {}, so that count says \
                     nothing either.",
                    why.words()
                ),
            },
        ));
        findings
    }

    fn cell(&self) -> Cell {
        let lost = |got: u64| self.off_by(got);
        let shared = match &self.shared {
            SharedCounts::Counted { unlocked, locked } => format!(
                "shared {} lost, {} with a lock",
                lost(*unlocked),
                lost(*locked)
            ),
            SharedCounts::NotMeasured { .. } => "shared memory not measured".to_string(),
        };
        Cell::judged(
            format!(
                "copies {}; {shared} vs {} lost, {} with a lock",
                self.copies_words(),
                lost(self.threads_unlocked),
                lost(self.threads_locked)
            ),
            Verdict::all(self.verdicts()),
        )
    }
}

#[cfg(test)]
pub(super) mod tests;
