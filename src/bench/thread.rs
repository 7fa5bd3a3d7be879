//! Thread start + join: a one-thread [`ThreadPool`] started and shut down
//! (its `Started` and `Exited` events included), against a bare
//! `std::thread::spawn` + `join`.

use super::{
    BenchError, Discard, Extra, Measured, Op, Plan, alternate, context, paired_ratio, stats, timed,
};
use crate::engine::StartMethod;
use crate::engine::pool::thread_pool::ThreadPool;

pub fn start_join(plan: Plan) -> Result<Measured, BenchError> {
    let (engine, bare) = alternate(
        plan,
        timed(|| {
            let mut sink = Discard;
            let mut ctx = context(&mut sink, StartMethod::Fork);
            ThreadPool::start(&mut ctx, 1)?.shutdown(&mut ctx)?;
            Ok(1)
        }),
        timed(|| {
            std::thread::spawn(|| ())
                .join()
                .map_err(|_| BenchError::Failed("a bare thread panicked".into()))?;
            Ok(1)
        }),
    )?;
    Ok(Measured {
        op: Op::Thread,
        mptutor: stats(&engine, "thread")?,
        floor: stats(&bare, "bare thread")?,
        python: None,
        paired_ratio: paired_ratio(&engine, &bare),
        runs: plan.runs,
        extra: Extra::default(),
        notes: vec![
            "mptutor: a one-thread ThreadPool, started and shut down; floor: \
             std::thread::spawn then join; Python: threading.Thread start() then join()"
                .into(),
        ],
    })
}
