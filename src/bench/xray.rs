//! What the X-ray costs a Python run: the same program run traced, as
//! `python` and `try` run it (through [`run_limited`]: the keeper, the
//! collector's socket, pidfds and `/proc` samples, the `sitecustomize`
//! that tags lines and reports processes, threads and pool tasks), and
//! untraced, as a terminal runs it (`python3 -u FILE`, no
//! `sitecustomize`), taking turns one run each. Each sample is the wall
//! time of one whole run, from starting the interpreter to having reaped
//! it and read all it printed.
//!
//! Both sides run the same file with the same interpreter, in the same
//! working folder, with the same environment but for what the X-ray adds
//! (`PYTHONPATH`'s first folder and `MPTUTOR_XRAY`). The interpreter is
//! the one `python3` on `PATH` really runs (its `sys.executable`), so a
//! launcher script in front of it (pyenv's shim) costs neither side. The
//! traced side is whatever `run_limited` does in this build, so a newer
//! `sitecustomize` is measured by running the bench again.
//!
//! In the table, "floor" is the untraced run and "÷ floor" traced over
//! untraced; each operation's notes say so.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::{BenchError, Discard, Extra, Measured, Op, Plan, alternate, paired_ratio, stats};
use crate::python::{PythonProgram, RunLimits, run_limited};
use crate::xray::model::Xray;
use crate::xray::wire::SOCKET_ENV;

/// How long one run may take before the bench stops, saying so.
const RUN_LIMIT: Duration = Duration::from_secs(60);

/// How many inputs the pool maps, one per task.
const POOL_ITEMS: usize = 20_000;

/// A pool of 4 mapping a trivial function over `ITEMS` ([`POOL_ITEMS`])
/// inputs at chunksize 1: every input is a task of its own, the most the
/// X-ray's task records can cost.
const POOL_PROGRAM: &str = r#"from multiprocessing import Pool


def same(x):
    return x


if __name__ == "__main__":
    with Pool(4) as pool:
        results = pool.map(same, range(ITEMS), chunksize=1)
    assert len(results) == ITEMS and results[-1] == ITEMS - 1
"#;

/// The interpreter both sides run: what `python3` on `PATH` runs, or why
/// there is none.
pub fn interpreter() -> Result<PathBuf, String> {
    let python3 = crate::python::find_python3()
        .map_err(|_| "python3 is not on PATH, so the X-ray's cost was not measured".to_string())?;
    let printed = super::python::run_with_limit(
        Command::new(&python3).args(["-c", "import sys; print(sys.executable)"]),
        Duration::from_secs(20),
    )
    .map_err(|why| format!("{}: {why}", python3.display()))?;
    let executable = printed.trim();
    // `sys.executable` may be empty when Python cannot tell; the launcher
    // then runs both sides.
    Ok(if executable.is_empty() {
        python3
    } else {
        PathBuf::from(executable)
    })
}

/// The program an operation runs.
fn program(op: Op) -> Result<String, BenchError> {
    match op {
        Op::XrayQ1 => q1_example(),
        _ => Ok(POOL_PROGRAM.replace("ITEMS", &POOL_ITEMS.to_string())),
    }
}

/// Lesson q1's Python example, from the built-in course.
fn q1_example() -> Result<String, BenchError> {
    let course = crate::course::load_builtin().map_err(|errors| {
        BenchError::Failed(format!(
            "the built-in course does not load ({} problems)",
            errors.diagnostics.len()
        ))
    })?;
    course
        .lessons
        .iter()
        .find(|lesson| lesson.id == "q1")
        .and_then(|lesson| {
            lesson
                .python_examples()
                .first()
                .map(|example| example.code.code.clone())
        })
        .ok_or_else(|| BenchError::Failed("lesson q1 has no Python example".into()))
}

/// One traced run; its wall time in microseconds and its X-ray.
fn traced(python: &Path, file: &Path) -> Result<(f64, Xray), BenchError> {
    let program = PythonProgram::File {
        path: file.to_path_buf(),
        args: Vec::new(),
    };
    let mut sink = Discard;
    let started = Instant::now();
    let outcome = run_limited(python, &program, RunLimits::timeout(RUN_LIMIT), &mut sink)
        .map_err(|error| BenchError::Failed(format!("the traced run failed: {error}")))?;
    let took = super::micros(started.elapsed());
    if outcome.timed_out {
        return Err(BenchError::Failed(format!(
            "the traced run of {} did not end within {} s",
            file.display(),
            RUN_LIMIT.as_secs()
        )));
    }
    if outcome.exit_code != 0 {
        return Err(BenchError::Failed(format!(
            "the traced run of {} ended with {}",
            file.display(),
            outcome.status
        )));
    }
    Ok((took, outcome.xray))
}

/// One untraced run: `python -u FILE` in a process group of its own, its
/// output read through pipes to the end; its wall time in microseconds.
fn untraced(python: &Path, file: &Path) -> Result<f64, BenchError> {
    let mut command = Command::new(python);
    command
        .arg("-u")
        .arg(file)
        .env_remove(SOCKET_ENV)
        // As the traced side's environment has it; `-u` is the other.
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let started = Instant::now();
    super::python::run_with_limit(&mut command, RUN_LIMIT).map_err(|why| {
        BenchError::Failed(format!("the untraced run of {}: {why}", file.display()))
    })?;
    Ok(super::micros(started.elapsed()))
}

/// `op` (`Op::XrayQ1` or `Op::XrayPool`) traced and untraced with
/// `python`, taking turns.
pub fn cost(op: Op, plan: Plan, python: &Path) -> Result<Measured, BenchError> {
    super::ensure_single_threaded()?;
    let folder = tempfile::Builder::new()
        .prefix("mptutor-bench-xray-")
        .tempdir()
        .map_err(BenchError::io("create a temporary folder"))?;
    let file = folder.path().join(match op {
        Op::XrayQ1 => "q1_example.py",
        _ => "pool_map.py",
    });
    std::fs::write(&file, program(op)?).map_err(BenchError::io("write the Python program"))?;
    let mut last = Xray::default();
    let (traced_us, untraced_us) = alternate(
        plan,
        || {
            let (took, xray) = traced(python, &file)?;
            last = xray;
            Ok(took)
        },
        || untraced(python, &file),
    )?;
    let what = match op {
        Op::XrayQ1 => "lesson q1's example",
        _ => "the pool map",
    };
    Ok(Measured {
        op,
        mptutor: stats(&traced_us, "traced runs")?,
        floor: stats(&untraced_us, "untraced runs")?,
        python: None,
        paired_ratio: paired_ratio(&traced_us, &untraced_us),
        runs: plan.runs,
        extra: Extra::default(),
        notes: vec![
            format!(
                "the wall time of one whole run of {what} with {}: \"mptutor\" is the run \
                 traced, as `python` runs it, \"floor\" the same file untraced (`-u`, no \
                 sitecustomize), \"÷ floor\" traced ÷ untraced, paired run by run",
                python.display()
            ),
            seen(&last),
        ],
    })
}

/// What the last traced run's X-ray held, so the figures say how much
/// the X-ray was tracing.
fn seen(xray: &Xray) -> String {
    let items: u64 = xray.tasks.iter().map(|task| task.items).sum();
    format!(
        "the last traced run's X-ray saw {} processes, {} threads and {} pool tasks \
         ({items} inputs), {:.0} samples a second",
        xray.processes.len(),
        xray.threads.len(),
        xray.tasks.len(),
        xray.samples_per_s
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_q1_operation_runs_the_lessons_own_example() {
        let code = q1_example().expect("lesson q1 has an example");
        assert!(code.contains("from multiprocessing import Pool"), "{code}");
        assert!(code.contains("count_primes"), "{code}");
    }

    #[test]
    fn the_pool_program_maps_20000_inputs_each_a_task_of_its_own() {
        let code = program(Op::XrayPool).expect("the pool program");
        assert!(code.contains("with Pool(4) as pool:"), "{code}");
        assert!(
            code.contains("pool.map(same, range(20000), chunksize=1)"),
            "{code}"
        );
        assert!(!code.contains("ITEMS"), "{code}");
    }
}
