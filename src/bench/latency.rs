//! Live-output latency: a worker prints lines holding the time it wrote
//! them (CLOCK_MONOTONIC, which every process shares), and the time each
//! line reaches the sink as a `Line` event is taken the moment it arrives.
//! The floor is a forked child writing the same lines into a bare pipe,
//! read with `poll` + `read`. Lines are spaced out so each is read on its
//! own, as a student's `print` in a loop would be.

use super::{BenchError, Extra, LatencyPlan, Measured, Op, check_interrupt, floor, stats};
use crate::engine::process_group::ProcessGroup;
use crate::engine::task::{STAMPS, Task, monotonic_ns};
use crate::engine::{Event, EventSink, RunContext, StartMethod};

/// Keeps, per line, the microseconds from its write to its event.
#[derive(Default)]
struct StampSink {
    latencies: Vec<f64>,
}

impl EventSink for StampSink {
    fn event(&mut self, event: &Event) {
        let now = monotonic_ns();
        if let Event::Line { text, .. } = event
            && let Ok(stamp) = text.parse::<u64>()
        {
            self.latencies
                .push(now.saturating_sub(stamp) as f64 / 1000.0);
        }
    }
}

fn engine_latencies(plan: LatencyPlan) -> Result<Vec<f64>, BenchError> {
    let mut sink = StampSink::default();
    let mut ctx = RunContext::new(&mut sink, StartMethod::Fork, super::ENGINE_TIMEOUT);
    let mut group = ProcessGroup::new();
    let task = Task::new(&STAMPS)
        .uint(u64::try_from(plan.lines).unwrap_or(u64::MAX))
        .uint(u64::try_from(plan.gap.as_micros()).unwrap_or(u64::MAX));
    group.spawn(&mut ctx, 0, "Process-1", &task, false)?;
    group.wait_all(&mut ctx)?;
    drop(ctx);
    Ok(sink.latencies)
}

pub fn output(plan: LatencyPlan) -> Result<Measured, BenchError> {
    super::ensure_single_threaded()?;
    let engine = engine_latencies(plan)?;
    check_interrupt()?;
    let bare =
        floor::pipe_latencies(plan.lines, plan.gap).map_err(BenchError::io("time a bare pipe"))?;
    if engine.len() != plan.lines || bare.len() != plan.lines {
        return Err(BenchError::Failed(format!(
            "lines went missing: {} and {} of {}",
            engine.len(),
            bare.len(),
            plan.lines
        )));
    }
    Ok(Measured {
        op: Op::OutputLatency,
        mptutor: stats(&engine[plan.warmup..], "latency")?,
        floor: stats(&bare[plan.warmup..], "bare latency")?,
        python: None,
        paired_ratio: None,
        runs: plan.lines - plan.warmup,
        extra: Extra::default(),
        notes: vec![format!(
            "{} lines {} µs apart, the first {} a warm-up; Python: a child's Pipe.send() \
             to the parent's recv()",
            plan.lines,
            plan.gap.as_micros(),
            plan.warmup
        )],
    })
}
