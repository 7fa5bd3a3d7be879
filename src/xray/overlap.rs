//! Which processes of an X-ray ran at the same time, and how much CPU
//! they and their threads had while they did.
//!
//! A process or thread is alive from its start until it exits (its zombie
//! time does not count: it runs nothing); one still running when the run
//! ended is alive until then. Lifetimes are half-open, `[start, end)`, and
//! at least a microsecond long, so a process that ended exactly when
//! another started did not run beside it, and one that lived for less
//! than a microsecond still counts once.

use super::model::{Role, Xray, XrayProcess, XrayThread};

/// `[start, end)`, in microseconds from the start of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

impl Span {
    fn new(start: u64, end: Option<u64>, wall_us: u64) -> Span {
        let end = end.unwrap_or(wall_us.max(start));
        Span {
            start,
            end: end.max(start.saturating_add(1)),
        }
    }

    pub fn of_process(process: &XrayProcess, wall_us: u64) -> Span {
        Span::new(process.start_us, process.end_us, wall_us)
    }

    pub fn of_thread(thread: &XrayThread, wall_us: u64) -> Span {
        Span::new(thread.start_us, thread.end_us, wall_us)
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn duration_us(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// The time all of `spans` were alive together, if there was any.
    pub fn common(spans: impl IntoIterator<Item = Span>) -> Option<Span> {
        let mut spans = spans.into_iter();
        let first = spans.next()?;
        let common = spans.fold(first, |common, span| Span {
            start: common.start.max(span.start),
            end: common.end.min(span.end),
        });
        (common.start < common.end).then_some(common)
    }
}

/// `multiprocessing`'s own helpers, which the program does not start or
/// join itself: they are not counted among its children.
pub fn is_helper(role: Role) -> bool {
    matches!(
        role,
        Role::Forkserver | Role::ResourceTracker | Role::Manager
    )
}

/// The processes the main program started: its own children, and those
/// the forkserver started for it (under `forkserver`, a `Process`'s
/// parent is the server), without `multiprocessing`'s helpers.
pub fn children(xray: &Xray) -> Vec<&XrayProcess> {
    let Some(main) = xray.main() else {
        return Vec::new();
    };
    let servers: Vec<i32> = xray
        .processes
        .iter()
        .filter(|process| process.role == Role::Forkserver)
        .map(|process| process.pid)
        .collect();
    xray.processes
        .iter()
        .filter(|process| process.pid != main.pid && !is_helper(process.role))
        .filter(|process| process.ppid == main.pid || servers.contains(&process.ppid))
        .collect()
}

/// The most of `spans` alive at one moment, and the first moment it was
/// reached.
pub fn peak(spans: &[Span]) -> (usize, Option<u64>) {
    // An end sorts before a start at the same time: half-open spans.
    let mut edges: Vec<(u64, bool)> = spans
        .iter()
        .flat_map(|span| [(span.start, true), (span.end, false)])
        .collect();
    edges.sort_unstable();
    let (mut alive, mut most, mut when) = (0usize, 0usize, None);
    for (t, starts) in edges {
        if starts {
            alive += 1;
            if alive > most {
                most = alive;
                when = Some(t);
            }
        } else {
            alive = alive.saturating_sub(1);
        }
    }
    (most, when)
}

/// A stretch of the run in which each process overlapped the next: how
/// many ran in it, and the most at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Phase {
    pub processes: usize,
    pub at_once: usize,
}

/// The spans in phases, in time order; consecutive phases of one process
/// each become one phase of processes that ran one after another.
pub fn phases(spans: &[Span]) -> Vec<Phase> {
    let mut sorted = spans.to_vec();
    sorted.sort_unstable_by_key(|span| (span.start, span.end));
    let mut groups: Vec<Vec<Span>> = Vec::new();
    let mut group_end = 0;
    for span in sorted {
        match groups.last_mut() {
            Some(group) if span.start < group_end => {
                group.push(span);
                group_end = group_end.max(span.end);
            }
            _ => {
                groups.push(vec![span]);
                group_end = span.end;
            }
        }
    }
    let mut phases: Vec<Phase> = Vec::new();
    for group in groups {
        let at_once = peak(&group).0;
        match phases.last_mut() {
            Some(last) if last.at_once == 1 && at_once == 1 => last.processes += 1,
            _ => phases.push(Phase {
                processes: group.len(),
                at_once,
            }),
        }
    }
    phases
}

/// A cumulative CPU time against time, `(t_us, cpu_us)`, never going
/// down; read between two points as a straight line.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve(Vec<(u64, u64)>);

impl Curve {
    /// CPU used up to `t`.
    pub fn at(&self, t: u64) -> f64 {
        let points = &self.0;
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return 0.0;
        };
        if t <= first.0 {
            return first.1 as f64;
        }
        if t >= last.0 {
            return last.1 as f64;
        }
        let after = points.partition_point(|point| point.0 <= t);
        let (t0, c0) = points[after - 1];
        let (t1, c1) = points[after];
        let share = (t - t0) as f64 / (t1 - t0) as f64;
        c0 as f64 + share * c1.saturating_sub(c0) as f64
    }

    /// CPU used within `span`.
    pub fn within(&self, span: Span) -> f64 {
        (self.at(span.end) - self.at(span.start)).max(0.0)
    }

    /// From `start` (when nothing was used yet) through the samples to
    /// `end`, where `cpu_us` had been used in all.
    fn through(start: u64, samples: &[(u64, u64)], end: u64, cpu_us: u64) -> Curve {
        let mut points = Vec::with_capacity(samples.len() + 2);
        if samples.first().is_none_or(|first| first.0 > start) {
            points.push((start, 0));
        }
        points.extend_from_slice(samples);
        points.sort_by_key(|point| point.0);
        let last_t = points.last().map_or(start, |point| point.0);
        if end > last_t {
            points.push((end, cpu_us));
        }
        // Samples are cumulative; a figure below an earlier one (read
        // from another counter) must not make the use negative.
        let mut most = 0;
        for point in &mut points {
            most = most.max(point.1);
            point.1 = most;
        }
        Curve(points)
    }
}

/// The samples of one thread, when there were any.
fn samples(xray: &Xray, pid: i32, tid: i32) -> Option<&[(u64, u64)]> {
    xray.cpu
        .iter()
        .find(|series| series.pid == pid && series.tid == tid && !series.points.is_empty())
        .map(|series| series.points.as_slice())
}

/// A thread's CPU over time, and whether it was sampled: without samples
/// its CPU time is taken as spread evenly over its life.
pub fn thread_curve(xray: &Xray, thread: &XrayThread) -> (Curve, bool) {
    let span = Span::of_thread(thread, xray.wall_us);
    let sampled = samples(xray, thread.pid, thread.tid);
    let curve = Curve::through(
        span.start,
        sampled.unwrap_or_default(),
        span.end,
        thread.cpu_us,
    );
    (curve, sampled.is_some())
}

/// A process's CPU over time: the sum of its threads' samples when it
/// has any, else its CPU time spread evenly over its life.
pub fn process_curves(xray: &Xray, process: &XrayProcess) -> Vec<Curve> {
    let span = Span::of_process(process, xray.wall_us);
    let sampled: Vec<Curve> = xray
        .cpu
        .iter()
        .filter(|series| series.pid == process.pid && !series.points.is_empty())
        .map(|series| {
            let first = series.points.first().map_or(span.start, |point| point.0);
            let last = series.points.last().map_or(0, |point| point.1);
            match xray
                .threads
                .iter()
                .find(|thread| thread.pid == process.pid && thread.tid == series.tid)
            {
                Some(thread) => {
                    let life = Span::of_thread(thread, xray.wall_us);
                    Curve::through(
                        life.start.min(first),
                        &series.points,
                        life.end,
                        thread.cpu_us.max(last),
                    )
                }
                None => Curve::through(first, &series.points, first, last),
            }
        })
        .collect();
    if sampled.is_empty() {
        vec![Curve::through(span.start, &[], span.end, process.cpu_us)]
    } else {
        sampled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u64, end: u64) -> Span {
        Span { start, end }
    }

    #[test]
    fn touching_spans_do_not_overlap() {
        assert!(!span(0, 10).overlaps(&span(10, 20)));
        assert!(span(0, 11).overlaps(&span(10, 20)));
        assert_eq!(peak(&[span(0, 10), span(10, 20)]), (1, Some(0)));
        assert_eq!(peak(&[span(0, 10), span(5, 20), span(6, 7)]), (3, Some(6)));
        assert_eq!(peak(&[]), (0, None));
    }

    #[test]
    fn one_after_another_then_all_at_once_are_two_phases() {
        let spans = [
            span(0, 10),
            span(10, 20),
            span(20, 30),
            span(30, 40),
            span(40, 90),
            span(41, 91),
            span(42, 92),
            span(43, 93),
        ];
        assert_eq!(
            phases(&spans),
            vec![
                Phase {
                    processes: 4,
                    at_once: 1
                },
                Phase {
                    processes: 4,
                    at_once: 4
                }
            ]
        );
    }

    #[test]
    fn a_curve_is_read_between_its_samples() {
        let curve = Curve::through(0, &[(10, 5), (20, 15)], 30, 15);
        assert_eq!(curve.at(5), 2.5);
        assert_eq!(curve.within(span(10, 20)), 10.0);
        assert_eq!(curve.within(span(20, 40)), 0.0);
        let even = Curve::through(100, &[], 200, 50);
        assert_eq!(even.within(span(100, 150)), 25.0);
    }
}
