//! What an X-ray shows, as findings: a pure function of the [`Xray`] and
//! of how busy the machine was, so tests can generate runs and check that
//! no finding states what its figures contradict.
//!
//! Each finding is made only when the run shows it: the concurrency of
//! two or more children, the CPU of processes or threads that ran
//! together for long enough to measure, a zombie that lasted, a child
//! nobody joined. A claim about the GIL or about parallelism is judged
//! only when the machine could have shown it: with cores free beside the
//! run (see [`Load`]); otherwise it is "couldn't tell", with the figures
//! that kept it from telling.

use serde::{Deserialize, Serialize};

use super::failures;
use super::finding::{Named, NotJoined, Unreaped, XrayFinding, Zombie};
use super::model::{Xray, XrayProcess};
use super::overlap::{self, Span};
use crate::engine::Load;
use crate::engine::load::SHORTEST_WINDOW_US;
use crate::findings::speed::{BUSY_SHARE, OTHERS_BUSY};
use crate::findings::{Unclear, Verdict};

/// A zombie shorter than this is a parent's `join()` doing its work; one
/// this long means the parent was busy elsewhere.
pub const LONG_ZOMBIE_US: u64 = 100_000;
/// Threads that had this many cores' worth or more ran in parallel.
pub const PARALLEL_THREADS: f64 = 1.3;
/// Threads that had less than this were waiting more than computing.
pub const ABOUT_ONE_CORE: f64 = 0.8;
/// Cores the machine must have had free for threads to show more than
/// one core between them.
pub const FREE_FOR_THREADS: f64 = 1.5;
/// A thread that used less than this share of a core over its life did
/// not compute: not counted among the threads that competed for the GIL.
pub const BUSY_THREAD: f64 = 0.05;
/// Processes that used under this share of the cores free to them were
/// waiting, not kept from running by other programs.
pub const IDLE_SHARE: f64 = 0.5;
/// A thread whose CPU was not sampled is judged only if the time all ran
/// together covers this share of each one's life.
pub const UNSAMPLED_COVER: f64 = 0.9;

/// The figures and findings of one X-ray.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XraySummary {
    /// The most children of the main program alive at once.
    pub max_concurrent_processes: usize,
    /// CPU time of every process of the run over the run's wall time.
    pub cpu_parallelism: f64,
    pub findings: Vec<XrayFinding>,
}

/// The X-ray's figures and what they show; `load` is how busy the machine
/// was meanwhile.
pub fn summarize(xray: &Xray, load: &Load) -> XraySummary {
    let children = overlap::children(xray);
    let spans: Vec<Span> = children
        .iter()
        .map(|child| Span::of_process(child, xray.wall_us))
        .collect();
    let (max_concurrent_processes, peak_at) = overlap::peak(&spans);
    let mut findings = Vec::new();
    findings.extend(concurrency(&children, &spans, max_concurrent_processes));
    findings.extend(peak_at.and_then(|at| processes_cpu(xray, load, &children, &spans, at)));
    findings.extend(
        xray.processes
            .iter()
            .filter_map(|process| threads_cpu(xray, load, process)),
    );
    findings.extend(never_joined(xray));
    findings.extend(zombies(xray));
    findings.extend(failures::pool_workers_killed(xray));
    findings.extend(failures::worker_exceptions(xray));
    findings.extend(killed_at_end(xray));
    XraySummary {
        max_concurrent_processes,
        cpu_parallelism: cpu_parallelism(xray),
        findings,
    }
}

/// CPU time of every process of the run over its wall time; 0 for a run
/// of no time.
pub fn cpu_parallelism(xray: &Xray) -> f64 {
    if xray.wall_us == 0 {
        return 0.0;
    }
    let cpu: f64 = xray
        .processes
        .iter()
        .map(|process| process.cpu_us as f64)
        .sum();
    cpu / xray.wall_us as f64
}

pub(super) fn named(process: &XrayProcess) -> Named {
    Named {
        pid: process.pid,
        name: process.name.clone(),
    }
}

fn concurrency(children: &[&XrayProcess], spans: &[Span], most: usize) -> Option<XrayFinding> {
    if children.len() < 2 {
        return None;
    }
    let mut in_order: Vec<(&XrayProcess, Span)> = children
        .iter()
        .copied()
        .zip(spans.iter().copied())
        .collect();
    in_order.sort_by_key(|(_, span)| (span.start, span.end));
    let joined_in_turn = most == 1
        && in_order.windows(2).all(|pair| {
            pair[0]
                .0
                .reaped_us
                .is_some_and(|reaped| reaped <= pair[1].1.start)
        });
    Some(XrayFinding::Concurrency {
        children: children.len(),
        max_at_once: most,
        phases: overlap::phases(spans),
        joined_in_turn,
    })
}

/// Whether the machine had the cores free to show `wanted` cores' worth
/// of CPU, by what other programs used.
fn room_for(load: &Load, wanted: f64) -> Result<(), Unclear> {
    if load.cores < 2 {
        return Err(Unclear::OneCore);
    }
    let Some(others) = load.others_cores_measured() else {
        return Err(Unclear::NotMeasured {
            why: "the machine's CPU counters could not tell what other programs used meanwhile"
                .into(),
        });
    };
    if others >= OTHERS_BUSY || (load.cores as f64 - others) < wanted {
        return Err(Unclear::OthersBusy {
            others,
            cores: load.cores,
        });
    }
    Ok(())
}

/// The CPU of the children alive at the moment the most of them were,
/// over the time all of those ran together.
fn processes_cpu(
    xray: &Xray,
    load: &Load,
    children: &[&XrayProcess],
    spans: &[Span],
    at: u64,
) -> Option<XrayFinding> {
    let together: Vec<(&XrayProcess, Span)> = children
        .iter()
        .copied()
        .zip(spans.iter().copied())
        .filter(|(_, span)| span.start <= at && at < span.end)
        .collect();
    if together.len() < 2 {
        return None;
    }
    let window = Span::common(together.iter().map(|(_, span)| *span))?;
    if window.duration_us() < SHORTEST_WINDOW_US {
        return None;
    }
    let cpu: f64 = together
        .iter()
        .flat_map(|(process, _)| overlap::process_curves(xray, process))
        .map(|curve| curve.within(window))
        .sum();
    let cores_used = cpu / window.duration_us() as f64;
    let ideal = together.len().min(load.cores).max(1) as f64;
    let verdict = if load.cores < 2 {
        Some(Verdict::CouldntTell(Unclear::OneCore))
    } else if cores_used >= BUSY_SHARE * ideal {
        Some(Verdict::Holds)
    } else if left_cores_idle(load, cores_used, ideal) {
        // Other programs left them cores they did not take: they were
        // waiting (a sleep, I/O, a lock), not kept from running.
        None
    } else {
        room_for(load, BUSY_SHARE * ideal)
            .err()
            .map(Verdict::CouldntTell)
    };
    Some(XrayFinding::ProcessesCpu {
        processes: together.len(),
        together_us: window.duration_us(),
        cpu_us: cpu.round() as u64,
        cores_used,
        machine_cores: load.cores,
        verdict,
    })
}

/// Whether processes that could have used `ideal` cores used under half
/// of what the machine had free beside other programs: they left cores
/// idle that were theirs to take, so a busy machine is not why.
fn left_cores_idle(load: &Load, cores_used: f64, ideal: f64) -> bool {
    load.others_cores().is_some_and(|others| {
        let free = (load.cores as f64 - others).min(ideal);
        free > 0.0 && cores_used < IDLE_SHARE * free
    })
}

/// The CPU of a process's threads (other than its main thread) that
/// computed, over the time all of them ran together.
fn threads_cpu(xray: &Xray, load: &Load, process: &XrayProcess) -> Option<XrayFinding> {
    let threads: Vec<_> = xray
        .threads
        .iter()
        .filter(|thread| thread.pid == process.pid && thread.tid != process.pid)
        .filter(|thread| {
            let life = Span::of_thread(thread, xray.wall_us).duration_us();
            thread.cpu_us as f64 >= BUSY_THREAD * life as f64
        })
        .collect();
    if threads.len() < 2 {
        return None;
    }
    let lives: Vec<Span> = threads
        .iter()
        .map(|thread| Span::of_thread(thread, xray.wall_us))
        .collect();
    let window = Span::common(lives.iter().copied())?;
    if window.duration_us() < SHORTEST_WINDOW_US {
        return None;
    }
    let curves: Vec<_> = threads
        .iter()
        .map(|thread| overlap::thread_curve(xray, thread))
        .collect();
    let sampled = curves.iter().all(|(_, sampled)| *sampled);
    let cpu: f64 = curves.iter().map(|(curve, _)| curve.within(window)).sum();
    let cores_used = cpu / window.duration_us() as f64;
    let covers = lives
        .iter()
        .all(|life| window.duration_us() as f64 >= UNSAMPLED_COVER * life.duration_us() as f64);
    let verdict = if !sampled && !covers {
        Some(Verdict::CouldntTell(Unclear::NotMeasured {
            why: "their CPU was not sampled over time, and they did not all run for the same \
                  time, so their share while together is not known"
                .into(),
        }))
    } else if cores_used >= PARALLEL_THREADS {
        // More than a core is more than the GIL allows, however busy the
        // machine was.
        Some(Verdict::Contradicted)
    } else {
        match room_for(load, FREE_FOR_THREADS) {
            Err(why) => Some(Verdict::CouldntTell(why)),
            Ok(()) if cores_used >= ABOUT_ONE_CORE => Some(Verdict::Holds),
            Ok(()) => None,
        }
    };
    Some(XrayFinding::ThreadsCpu {
        process: named(process),
        threads: threads.len(),
        together_us: window.duration_us(),
        cpu_us: cpu.round() as u64,
        cores_used,
        sampled,
        verdict,
    })
}

/// The processes the program should have joined: not the interpreter,
/// not `multiprocessing`'s helpers, not those mptutor killed at the end.
fn joinable(xray: &Xray) -> impl Iterator<Item = &XrayProcess> {
    let main = xray.main().map(|main| main.pid);
    xray.processes.iter().filter(move |process| {
        Some(process.pid) != main && !overlap::is_helper(process.role) && !process.killed_at_end
    })
}

fn never_joined(xray: &Xray) -> Option<XrayFinding> {
    let processes: Vec<NotJoined> = joinable(xray)
        .filter(|process| process.end_us.is_some())
        .filter_map(|process| {
            let parent = xray.process(process.ppid)?;
            let how = match (process.reaped_us, parent.end_us) {
                (None, _) => Unreaped::NotByTheEnd,
                (Some(reaped), Some(parent_end)) if reaped > parent_end => {
                    Unreaped::AfterItsParentExited
                }
                _ => return None,
            };
            Some(NotJoined {
                process: named(process),
                how,
            })
        })
        .collect();
    (!processes.is_empty()).then_some(XrayFinding::NeverJoined { processes })
}

fn zombies(xray: &Xray) -> Option<XrayFinding> {
    let zombies: Vec<Zombie> = joinable(xray)
        .filter_map(|process| {
            let zombie_us = process.zombie_us.filter(|us| *us >= LONG_ZOMBIE_US)?;
            let reaped_by_parent = process.reaped_us.is_some_and(|reaped| {
                xray.process(process.ppid)
                    .is_some_and(|parent| parent.end_us.is_none_or(|end| reaped <= end))
            });
            Some(Zombie {
                process: named(process),
                zombie_us,
                reaped_by_parent,
            })
        })
        .collect();
    (!zombies.is_empty()).then_some(XrayFinding::Zombies { zombies })
}

fn killed_at_end(xray: &Xray) -> Option<XrayFinding> {
    let processes: Vec<Named> = xray
        .processes
        .iter()
        .filter(|process| process.killed_at_end)
        .map(named)
        .collect();
    (!processes.is_empty()).then_some(XrayFinding::KilledAtEnd {
        processes,
        timed_out: xray.timed_out,
    })
}
