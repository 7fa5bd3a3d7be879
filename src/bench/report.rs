//! A bench run as a table for people, or as JSON for scripts. Both show
//! the same figures; the table adds the targets and whether each was met,
//! misses included.

use serde_json::{Value, json};

use super::{BenchRun, Measured, Op, Stats, Target};
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

fn target_text(target: Target) -> String {
    match target {
        Target::WithinFloor(most) => format!("≤ {most}× floor"),
        Target::FasterThanPython(times) => format!("≥ {times}× faster"),
        Target::Efficiency(least) => format!("≥ {least}"),
        Target::MedianBelowUs(most) => format!("< {}", show_us(most)),
    }
}

/// The target and whether it was met, in one cell: `≤ 1.3× floor ✓`.
fn target_cell(measured: &Measured) -> String {
    let Some(target) = measured.op.target() else {
        return String::new();
    };
    let verdict = match measured.met() {
        Some(true) => "✓",
        Some(false) => "✗",
        None => "– (no Python)",
    };
    format!("{} {verdict}", target_text(target))
}

/// The table row of an operation's medians.
fn median_row(measured: &Measured, with_target: bool) -> Vec<String> {
    vec![
        measured.op.label().to_string(),
        show_us(measured.mptutor.median_us),
        show_us(measured.floor.median_us),
        format!("{:.2}×", measured.ratio_floor()),
        measured
            .python
            .map_or("–".into(), |python| show_us(python.median_us)),
        measured.ratio_python().map_or("–".into(), versus_python),
        if with_target {
            target_cell(measured)
        } else {
            String::new()
        },
    ]
}

fn rows(measured: &Measured) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    match measured.op {
        Op::CpuAllCores => {
            rows.push(median_row(measured, false));
            if let (Some(cores), Some([mptutor, floor, python])) =
                (measured.extra.cores, measured.extra.efficiency)
            {
                let show = |value: Option<f64>| value.map_or("–".into(), |e| format!("{e:.2}"));
                rows.push(vec![
                    format!("… efficiency (speed-up ÷ {cores})"),
                    show(mptutor),
                    show(floor),
                    String::new(),
                    show(python),
                    String::new(),
                    target_cell(measured),
                ]);
            }
        }
        Op::OutputLatency => {
            rows.push(median_row(measured, true));
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
            rows.push(median_row(measured, true));
            if let Some([mptutor, floor, python]) = measured.extra.peak_rss_kb {
                let show = |kb: Option<u64>| kb.map_or("–".into(), show_kb);
                rows.push(vec![
                    "… peak memory (RSS)".into(),
                    show(mptutor),
                    show(floor),
                    String::new(),
                    show(python),
                    String::new(),
                    String::new(),
                ]);
            }
        }
        _ => rows.push(median_row(measured, true)),
    }
    rows
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
    let rows: Vec<Vec<String>> = run.operations.iter().flat_map(rows).collect();
    let python = match &run.python {
        Ok(version) => format!("Python {version} (multiprocessing)"),
        Err(why) => format!("no Python figures: {why}"),
    };
    let mode = if run.quick { "--quick" } else { "full run" };
    let mut text = format!(
        "mptutor bench · {} cores · {python} · {mode} · medians\n\n",
        run.cores
    );
    text.push_str(&render::render_table(&header, &rows, options));
    let with_target: Vec<Option<bool>> = run
        .operations
        .iter()
        .filter(|measured| measured.op.target().is_some())
        .map(Measured::met)
        .collect();
    let met = with_target.iter().filter(|met| **met == Some(true)).count();
    let missed = with_target
        .iter()
        .filter(|met| **met == Some(false))
        .count();
    text.push_str(&format!(
        "\n\nTargets met: {met} of {}{}.",
        with_target.len(),
        match missed {
            0 => String::new(),
            n => format!(" ({n} missed, marked ✗)"),
        }
    ));
    let mut notes = String::from(
        "**mptutor**: the engine's real paths, its events built and discarded. **floor**: \
         the same operation with the bare system calls, timed the same way in the same run, \
         taking turns with mptutor. **÷ floor**: the median over rounds of mptutor's time \
         over the floor's in the same round, so the machine's swings cancel. **vs Python**: \
         Python's median over mptutor's, from real `multiprocessing` code run right after \
         mptutor's own turn at the same operation.\n",
    );
    for measured in &run.operations {
        for note in &measured.notes {
            notes.push_str(&format!("\n- *{}*: {note}", measured.op.label()));
        }
    }
    text.push_str("\n\n");
    text.push_str(&render::render_markdown(&notes, options));
    text
}

fn rounded(value: f64) -> Value {
    json!((value * 1000.0).round() / 1000.0)
}

fn operation_json(measured: &Measured) -> Value {
    let mut value = json!({
        "op": measured.op.key(),
        "label": measured.op.label(),
        "mptutor_us": rounded(measured.mptutor.median_us),
        "floor_us": rounded(measured.floor.median_us),
        "python_us": measured.python.map(|python| rounded(python.median_us)),
        "ratio_floor": rounded(measured.ratio_floor()),
        "ratio_python": measured.ratio_python().map(rounded),
        "runs": measured.runs,
        "mptutor_p99_us": rounded(measured.mptutor.p99_us),
        "floor_p99_us": rounded(measured.floor.p99_us),
        "python_p99_us": measured.python.map(|python| rounded(python.p99_us)),
        "target": measured.op.target().map(target_text),
        "met": measured.met(),
        "notes": measured.notes,
    });
    if let (Some(object), Some(cores)) = (value.as_object_mut(), measured.extra.cores) {
        object.insert("cores".into(), json!(cores));
    }
    if let (Some(object), Some([mptutor, floor, python])) =
        (value.as_object_mut(), measured.extra.efficiency)
    {
        let efficiency = |value: Option<f64>| value.map(rounded);
        object.insert(
            "efficiency".into(),
            json!({
                "mptutor": efficiency(mptutor),
                "floor": efficiency(floor),
                "python": efficiency(python),
            }),
        );
    }
    if let (Some(object), Some([mptutor, floor, python])) =
        (value.as_object_mut(), measured.extra.peak_rss_kb)
    {
        object.insert(
            "peak_rss_kb".into(),
            json!({ "mptutor": mptutor, "floor": floor, "python": python }),
        );
    }
    value
}

/// The same figures as one JSON object: `operations` holds one object per
/// operation. `ratio_floor` is mptutor ÷ floor (the median of each round's
/// ratio where the two took turns), `ratio_python` mptutor ÷ Python (below
/// 1 when mptutor is faster).
pub fn render_json(run: &BenchRun) -> String {
    let unix_time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    json!({
        "quick": run.quick,
        "cores": run.cores,
        "unix_time": unix_time,
        "python": run.python.as_ref().ok(),
        "python_missing": run.python.as_ref().err(),
        "operations": run.operations.iter().map(operation_json).collect::<Vec<_>>(),
    })
    .to_string()
}
