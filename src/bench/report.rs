//! A bench run as a table for people (`--json` prints the [`BenchRun`]
//! itself): the figures, each target and its verdict — met, missed, or
//! couldn't tell on a busy machine, with the load that made it so.

use super::{BenchRun, Op, Operation, PythonSide, Stats, Target};
use crate::findings::{Unclear, Verdict, words};
use crate::render::{self, RenderOptions, format_us};

/// Microseconds with the precision they deserve: `4.83µs`, `61.2µs`, `1.4ms`.
fn show_us(us: f64) -> String {
    if us < 10.0 {
        format!("{us:.2}µs")
    } else if us < 100.0 {
        format!("{us:.1}µs")
    } else {
        format_us(us.round() as u64)
    }
}

fn show_kb(kb: u64) -> String {
    format!("{:.1} MiB", kb as f64 / 1024.0)
}

/// How Python compares: `14.2× faster`, `4.99× faster` (two decimals
/// below 10, so a ratio just short of a target never shows as reaching
/// it), or `1.30× slower`.
fn versus_python(ratio: f64) -> String {
    let (times, word) = if ratio <= 1.0 {
        (1.0 / ratio, "faster")
    } else {
        (ratio, "slower")
    };
    if times < 10.0 {
        format!("{times:.2}× {word}")
    } else {
        format!("{times:.1}× {word}")
    }
}

/// The target in words; `floor` is what `op`'s floor column holds
/// ([`Op::floor_name`]).
fn target_text(target: Target, op: Op) -> String {
    match target {
        Target::WithinFloor(most) => format!("≤ {most}× {}", op.floor_name()),
        Target::FasterThanPython(times) => format!("≥ {times}× faster"),
        Target::Efficiency(least) => format!("≥ {least}"),
        Target::MedianBelowUs(most) => format!("< {}", show_us(most)),
    }
}

/// Why a target couldn't be told, in a few words for its cell: `busy:
/// other programs used 0.9 of 2 cores`.
fn unclear_cell(why: &Unclear, cores: usize) -> String {
    match why {
        Unclear::MachineBusy {
            others: Some(others),
            ..
        }
        | Unclear::OthersBusy { others, .. }
            if *others >= 0.05 =>
        {
            format!("busy: other programs used {others:.1} of {cores} cores")
        }
        Unclear::MachineBusy {
            got: Some(got),
            needed,
            ..
        } => format!("busy: the workers got {got:.1} of {needed:.0} cores"),
        Unclear::MachineBusy { needed, .. } => {
            format!("busy: the workers needed {needed:.0} cores")
        }
        Unclear::OthersBusy { others, .. } => {
            format!("busy: other programs used {others:.1} of {cores} cores")
        }
        Unclear::BaselineDisturbed { .. } => "the 1-process runs were slowed".into(),
        Unclear::TooLittleWork { .. } => "too little work".into(),
        Unclear::TooFewRuns { .. } => "too few runs".into(),
        Unclear::OneCore => "one core".into(),
        Unclear::CoresSlowerTogether { cpu_ratio, .. } => {
            format!("cores slower together ({cpu_ratio:.1}× the CPU)")
        }
        Unclear::NotMeasured { .. } => "load unknown, see the notes".into(),
    }
}

/// The target and its verdict, in one cell: `≤ 1.3× floor ✓`.
fn target_cell(operation: &Operation, cores: usize) -> String {
    let (Some(target), Some(verdict)) = (operation.target, &operation.verdict) else {
        return String::new();
    };
    let mark = match verdict {
        Verdict::Holds => "✓".to_string(),
        Verdict::Contradicted => "✗".to_string(),
        Verdict::CouldntTell(_) if without_python(operation) => "– (no Python)".to_string(),
        Verdict::CouldntTell(why) => format!("? {}", unclear_cell(why, cores)),
    };
    format!("{} {mark}", target_text(target, operation.measured.op))
}

/// The table row of an operation's medians.
fn median_row(operation: &Operation, target: String) -> Vec<String> {
    let measured = &operation.measured;
    vec![
        operation.label.clone(),
        show_us(measured.mptutor.median_us),
        show_us(measured.floor.median_us),
        format!("{:.2}×", operation.ratio_floor),
        measured
            .python
            .map_or("–".into(), |python| show_us(python.median_us)),
        operation.ratio_python.map_or("–".into(), versus_python),
        target,
    ]
}

fn rows(operation: &Operation, cores: usize) -> Vec<Vec<String>> {
    let measured = &operation.measured;
    let target = target_cell(operation, cores);
    let mut rows = Vec::new();
    match measured.op {
        Op::CpuAllCores => {
            rows.push(median_row(operation, String::new()));
            if let (Some(cores), Some(efficiency)) =
                (measured.extra.cores, measured.extra.efficiency)
            {
                let show = |value: Option<f64>| value.map_or("–".into(), |e| format!("{e:.2}"));
                rows.push(vec![
                    format!("… efficiency (speed-up ÷ {cores})"),
                    show(efficiency.mptutor),
                    show(efficiency.floor),
                    String::new(),
                    show(efficiency.python),
                    String::new(),
                    target,
                ]);
            }
        }
        Op::OutputLatency => {
            rows.push(median_row(operation, target));
            let p99 = |stats: Stats| show_us(stats.p99_us);
            rows.push(vec![
                "… 99th percentile".into(),
                p99(measured.mptutor),
                p99(measured.floor),
                format!("{:.2}×", measured.mptutor.p99_us / measured.floor.p99_us),
                measured.python.map_or("–".into(), p99),
                measured.python.map_or("–".into(), |python| {
                    versus_python(measured.mptutor.p99_us / python.p99_us)
                }),
                String::new(),
            ]);
        }
        Op::Startup => {
            rows.push(median_row(operation, target));
            if let Some(rss) = measured.extra.peak_rss_kb {
                let show = |kb: Option<u64>| kb.map_or("–".into(), show_kb);
                rows.push(vec![
                    "… peak memory (RSS)".into(),
                    show(rss.mptutor),
                    show(rss.floor),
                    String::new(),
                    show(rss.python),
                    String::new(),
                    String::new(),
                ]);
            }
        }
        _ => rows.push(median_row(operation, target)),
    }
    rows
}

/// Whether a verdict is Python's absence rather than a figure's.
fn without_python(operation: &Operation) -> bool {
    matches!(
        operation.verdict,
        Some(Verdict::CouldntTell(Unclear::NotMeasured { .. }))
    ) && operation.measured.python.is_none()
        && matches!(operation.target, Some(Target::FasterThanPython(_)))
}

/// `Targets met: 4 of 6 (1 missed, marked ✗; 1 couldn't be told, marked
/// ?, see the notes).`
fn targets_line(operations: &[Operation]) -> String {
    let judged: Vec<&Operation> = operations
        .iter()
        .filter(|operation| operation.verdict.is_some())
        .collect();
    let count = |wanted: fn(&Operation) -> bool| judged.iter().filter(|o| wanted(o)).count();
    let met = count(|o| o.verdict.as_ref().is_some_and(Verdict::holds));
    let missed = count(|o| o.verdict == Some(Verdict::Contradicted));
    let no_python = count(without_python);
    let unclear = judged.len() - met - missed - no_python;
    let mut asides = Vec::new();
    if missed > 0 {
        asides.push(format!("{missed} missed, marked ✗"));
    }
    if unclear > 0 {
        asides.push(format!(
            "{unclear} couldn't be told, marked ?, see the notes"
        ));
    }
    if no_python > 0 {
        asides.push(format!("{no_python} need Python, marked –"));
    }
    let asides = if asides.is_empty() {
        String::new()
    } else {
        format!(" ({})", asides.join("; "))
    };
    format!("Targets met: {met} of {}{asides}.", judged.len())
}

/// What the machine did while an operation was measured, where it decides
/// how its target reads: every verdict that is not a plain ✓, and the
/// CPU-bound runs always.
fn load_note(operation: &Operation) -> Option<String> {
    let op = operation.measured.op;
    let target = operation.target.map(|target| target_text(target, op))?;
    let verdict = operation.verdict.as_ref()?;
    let speed = operation
        .measured
        .extra
        .cpu_load
        .map(|cpu| cpu.speed)
        .filter(|_| operation.measured.op == Op::CpuAllCores);
    let machine = match (speed, &operation.load) {
        (Some(speed), _) => {
            let got = speed.parallel_cores.map(|got| {
                format!(
                    "its workers got {} of the {} they could use",
                    words::cores_worth(got),
                    speed.cores
                )
            });
            let others = speed
                .others_cores
                .map(|others| format!("other programs used {}", words::cores_worth(others)));
            let parts: Vec<String> = got.into_iter().chain(others).collect();
            (!parts.is_empty())
                .then(|| format!("during the all-cores runs {}", parts.join(" and ")))
        }
        (None, Some(load)) => load.others_cores().map(|others| {
            let python = operation
                .python_load
                .and_then(|python| python.others_cores())
                .filter(|_| matches!(operation.target, Some(Target::FasterThanPython(_))))
                .map(|python| format!(" and {python:.1} during Python's"))
                .unwrap_or_default();
            format!(
                "other programs used {others:.1} of its {} during mptutor's turn{python}",
                words::cores(load.cores)
            )
        }),
        (None, None) => None,
    };
    match verdict {
        Verdict::Holds => machine
            .filter(|_| speed.is_some())
            .map(|machine| format!("target {target} met; {machine}")),
        Verdict::Contradicted => Some(format!(
            "target {target} missed on a quiet machine{}",
            machine
                .map(|machine| format!(": {machine}"))
                .unwrap_or_default()
        )),
        Verdict::CouldntTell(_) if without_python(operation) => None,
        Verdict::CouldntTell(why) => Some(format!(
            "couldn't tell whether target {target} is met: {}; {}",
            why.words(),
            why.what_to_try()
        )),
    }
}

/// The table, how each figure was measured, and the targets met.
pub fn render_table(run: &BenchRun, options: &RenderOptions) -> String {
    let header: Vec<String> = [
        "operation",
        "mptutor",
        "floor",
        "÷ floor",
        "Python",
        "vs Python",
        "target",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = run
        .operations
        .iter()
        .flat_map(|operation| rows(operation, run.cores))
        .collect();
    let python = match &run.python {
        PythonSide::Version(version) => format!("Python {version} (multiprocessing)"),
        PythonSide::Missing(why) => format!("no Python figures: {why}"),
    };
    let mode = if run.quick { "--quick" } else { "full run" };
    let mut text = format!(
        "mptutor bench · {} cores · {python} · {mode} · medians\n\n",
        run.cores
    );
    text.push_str(&render::render_table(&header, &rows, options));
    text.push_str("\n\n");
    text.push_str(&targets_line(&run.operations));
    let mut notes = String::from(
        "**mptutor**: the engine's real paths, its events built and discarded. **floor**: \
         the same operation with the bare system calls, timed the same way in the same run, \
         taking turns with mptutor. **÷ floor**: the median over rounds of mptutor's time \
         over the floor's in the same round, so the machine's swings cancel. **vs Python**: \
         Python's median over mptutor's, from real `multiprocessing` code run right after \
         mptutor's own turn at the same operation. **target**: ✓ met, ✗ missed on a quiet \
         machine, ? couldn't tell: missed while the machine was busy with other programs \
         (measured from its CPU counters during each operation), which slows every figure \
         that waits on the scheduler. In the X-ray's rows, mptutor is a Python run traced \
         and the floor the same run untraced.\n",
    );
    for skipped in &run.skipped {
        notes.push_str(&format!(
            "\n- *{}*: not measured: {}",
            skipped.op.label(),
            skipped.why
        ));
    }
    for operation in &run.operations {
        let label = &operation.label;
        for note in &operation.measured.notes {
            notes.push_str(&format!("\n- *{label}*: {note}"));
        }
        if let Some(note) = load_note(operation) {
            notes.push_str(&format!("\n- *{label}*: {note}"));
        }
    }
    text.push_str("\n\n");
    text.push_str(&render::render_markdown(&notes, options));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{CpuLoad, Extra, Measured, Sides};
    use crate::engine::Load;
    use crate::findings::SpeedRun;

    fn stats(median_us: f64) -> Stats {
        Stats {
            median_us,
            p99_us: median_us,
            samples: 3,
        }
    }

    /// A load in which other programs used `others` cores.
    fn load(others: f64) -> Load {
        Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: Some(1_000_000 + (others * 1e6) as u64),
            own_us: 1_000_000,
        }
    }

    fn cpu(speedup: f64, parallel_cores: f64, others: f64) -> Operation {
        let speed = SpeedRun {
            workers: 2,
            cores: 2,
            speedup,
            parallel_cores: Some(parallel_cores),
            baseline_cores: Some(0.99),
            others_cores: Some(others),
            per_worker_us: Some(50_000),
            parallel_work_cpu: None,
        };
        let measured = Measured {
            op: Op::CpuAllCores,
            mptutor: stats(82_000.0),
            floor: stats(81_000.0),
            python: None,
            paired_ratio: None,
            runs: 3,
            extra: Extra {
                cores: Some(2),
                efficiency: Some(Sides {
                    mptutor: Some(speedup / 2.0),
                    floor: Some(speedup / 2.0),
                    python: None,
                }),
                cpu_load: Some(CpuLoad {
                    one_process: load(others),
                    all_cores: load(others),
                    speed,
                }),
                peak_rss_kb: None,
            },
            notes: Vec::new(),
        };
        Operation::new(measured, Some(load(others)), None)
    }

    fn table(operations: Vec<Operation>) -> String {
        let run = BenchRun {
            quick: true,
            cores: 2,
            unix_time: 0,
            python: PythonSide::Missing("python3 is not on PATH".into()),
            operations,
            skipped: Vec::new(),
        };
        render_table(&run, &wide())
    }

    /// 200 columns, prose as wide: a phrase is asserted whole, on one line.
    fn wide() -> RenderOptions {
        RenderOptions {
            measure: 200,
            ..RenderOptions::plain(200)
        }
    }

    fn xray(op: Op, paired_ratio: f64, others: f64) -> Operation {
        let measured = Measured {
            op,
            mptutor: stats(900_000.0),
            floor: stats(850_000.0),
            python: None,
            paired_ratio: Some(paired_ratio),
            runs: 3,
            extra: Extra::default(),
            notes: vec!["floor: the same file untraced".into()],
        };
        Operation::new(measured, Some(load(others)), None)
    }

    #[test]
    fn the_xray_rows_hold_the_traced_run_against_the_untraced_one() {
        let shown = table(vec![
            xray(Op::XrayQ1, 1.02, 0.02),
            xray(Op::XrayPool, 1.2, 0.02),
        ]);
        for row in [
            "┆ 900ms   ┆ 850ms ┆ 1.02×   ┆ –      ┆ –         ┆ ≤ 1.05× untraced ✓",
            "┆ 1.20×   ┆ –      ┆ –         ┆ ≤ 1.1× untraced ✗",
        ] {
            assert!(shown.contains(row), "{row}\n{shown}");
        }
        assert!(
            shown.contains("Targets met: 1 of 2 (1 missed, marked ✗)."),
            "{shown}"
        );
        assert!(
            shown.contains("target ≤ 1.1× untraced missed on a quiet machine"),
            "{shown}"
        );
        assert!(shown.contains("the floor the same run untraced"), "{shown}");
        assert!(!shown.contains("(no Python)"), "{shown}");
        let busy = table(vec![xray(Op::XrayPool, 1.2, 0.9)]);
        assert!(
            busy.contains("≤ 1.1× untraced ? busy: other programs used 0.9 of 2 cores"),
            "{busy}"
        );
    }

    #[test]
    fn an_operation_skipped_without_python_says_why_and_reads_back_from_json() {
        let run = BenchRun {
            quick: true,
            cores: 2,
            unix_time: 0,
            python: PythonSide::Missing("python3 is not on PATH".into()),
            operations: Vec::new(),
            skipped: vec![crate::bench::Skipped {
                op: Op::XrayPool,
                why: "python3 is not on PATH, so the X-ray's cost was not measured".into(),
            }],
        };
        let shown = render_table(&run, &wide());
        assert!(
            shown.contains(
                "X-ray: Pool(4).map 20 000, traced: not measured: python3 is not on PATH, so \
                 the X-ray's cost was not measured"
            ),
            "{shown}"
        );
        let text = serde_json::to_string(&run).expect("serializes");
        assert!(
            text.contains(r#""skipped":[{"op":"xray_pool_map_20000""#),
            "{text}"
        );
        let back: BenchRun = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, run);
    }

    #[test]
    fn a_low_efficiency_on_a_busy_machine_is_couldnt_tell_with_its_figures() {
        let shown = table(vec![cpu(1.0, 1.0, 0.9)]);
        assert!(
            shown.contains("≥ 0.9 ? busy: other programs used 0.9 of 2 cores"),
            "{shown}"
        );
        assert!(!shown.contains("≥ 0.9 ✗"), "{shown}");
        assert!(
            shown.contains("Targets met: 0 of 1 (1 couldn't be told"),
            "{shown}"
        );
        assert!(
            shown.contains("couldn't tell whether target ≥ 0.9 is met: the machine was busy"),
            "{shown}"
        );
    }

    #[test]
    fn a_low_efficiency_on_a_quiet_machine_is_a_miss_and_says_it_was_quiet() {
        let shown = table(vec![cpu(1.5, 1.95, 0.02)]);
        assert!(shown.contains("≥ 0.9 ✗"), "{shown}");
        assert!(shown.contains("(1 missed, marked ✗)"), "{shown}");
        assert!(
            shown.contains(
                "target ≥ 0.9 missed on a quiet machine: during the all-cores runs its \
                 workers got 1.9 cores of the 2 they could use and other programs used 0.0 of a \
                 core"
            ),
            "{shown}"
        );
        let met = table(vec![cpu(1.9, 1.95, 0.02)]);
        assert!(met.contains("≥ 0.9 ✓"), "{met}");
        assert!(met.contains("Targets met: 1 of 1."), "{met}");
    }
}
