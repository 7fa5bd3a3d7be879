//! How a demo is announced in a step and described by `help run`.

use crate::course::DemoBlock;
use crate::demos::{DemoInfo, DemoParams, ParamKind, ParamSpec, ParamValue};

use super::RenderOptions;
use super::ansi::finish;
use super::markdown::{hang, wrap};
use super::style::Styles;
use super::table::table_lines;

/// The "run this" line a step shows for its demo block:
/// `▶ demo spawn-process (join=false) — type run to start it`; without
/// `with_command` (printed by the shell, where `run` is no command), the
/// demo and its parameters alone.
pub(crate) fn demo_line(
    block: &DemoBlock,
    width: usize,
    styles: &Styles,
    with_command: bool,
) -> Vec<String> {
    let set = block.params.to_text();
    let params = if set.is_empty() {
        String::new()
    } else {
        format!(" {}", styles.dim(&format!("({set})")))
    };
    let mut text = format!(
        "{} {}{params}",
        styles.accent("demo"),
        styles.strong(block.demo.name)
    );
    if with_command {
        text.push_str(&format!(" — type {} to start it", styles.command("run")));
    }
    hang(&styles.accent("▶"), 2, wrap(&text, width.saturating_sub(2)))
}

/// A demo's name, what it shows, and every parameter with the value it will
/// run with (`set` where given, else the default), what it accepts and what
/// it is for. Used by `help run`.
pub fn render_demo_info(demo: &DemoInfo, set: &DemoParams, opts: &RenderOptions) -> String {
    let columns = opts.columns();
    let measure = opts.prose();
    let styles = Styles::new(opts);
    let mut lines = wrap(
        &format!(
            "{} {} {}",
            styles.accent("▶ demo"),
            styles.heading(demo.name),
            styles.dim(&format!("· made for {}", demo.lesson)),
        ),
        measure,
    );
    lines.extend(wrap(demo.summary, measure));

    if !demo.params.is_empty() {
        lines.push(String::new());
        let resolved = demo.resolve(set);
        if columns >= MIN_TABLE_COLUMNS {
            lines.extend(param_table(&resolved, set, columns, &styles));
        } else {
            lines.extend(param_list(&resolved, set, columns, &styles));
        }
        if let Some((first, current)) = resolved.first() {
            lines.push(String::new());
            let example = format!("{}={}", first.name, example_value(first, *current));
            lines.extend(wrap(
                &format!(
                    "{} {} {}",
                    styles.dim("Change a parameter for one run:"),
                    styles.command(&format!("run {example}")),
                    styles.dim("(any number of name=value pairs)"),
                ),
                measure,
            ));
        }
    }
    finish(&lines.join("\n"), columns, opts.color)
}

/// Five columns of parameters squeezed below this width wrap a few letters
/// per line, so narrower terminals get a list instead.
const MIN_TABLE_COLUMNS: usize = 72;

/// The parameter's value, strong when it was set rather than defaulted.
fn value_text(spec: &ParamSpec, value: ParamValue, set: &DemoParams, styles: &Styles) -> String {
    if set.0.contains_key(spec.name) {
        styles.strong(&value.to_string())
    } else {
        value.to_string()
    }
}

fn param_table(
    resolved: &[(&ParamSpec, ParamValue)],
    set: &DemoParams,
    width: usize,
    styles: &Styles,
) -> Vec<String> {
    let header: Vec<String> = ["parameter", "value", "default", "accepts", "what it does"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = resolved
        .iter()
        .map(|(spec, value)| {
            vec![
                styles.command(spec.name),
                value_text(spec, *value, set, styles),
                spec.default.to_string(),
                spec.accepts(),
                spec.help.to_string(),
            ]
        })
        .collect();
    table_lines(&header, &rows, &[], width, styles)
}

/// `name = value (default d)`, then what it accepts and does, indented.
fn param_list(
    resolved: &[(&ParamSpec, ParamValue)],
    set: &DemoParams,
    width: usize,
    styles: &Styles,
) -> Vec<String> {
    let mut lines = Vec::new();
    for (spec, value) in resolved {
        let title = format!(
            "{} = {} {}",
            styles.command(spec.name),
            value_text(spec, *value, set, styles),
            styles.dim(&format!("(default {})", spec.default)),
        );
        lines.extend(wrap(&title, width));
        for detail in [spec.accepts(), spec.help.to_string()] {
            let detail = wrap(&detail, width.saturating_sub(2));
            lines.extend(detail.into_iter().map(|line| format!("  {line}")));
        }
    }
    lines
}

/// A value other than `current`, to make the example in the hint real.
fn example_value(spec: &ParamSpec, current: ParamValue) -> ParamValue {
    match (spec.kind, current) {
        (ParamKind::Bool, ParamValue::Bool(on)) => ParamValue::Bool(!on),
        (ParamKind::Choice(words), current) => words
            .iter()
            .find(|word| ParamValue::Choice(word) != current)
            .map_or(current, |word| ParamValue::Choice(word)),
        (ParamKind::Int { min, max, .. }, ParamValue::Int(n)) => {
            let doubled = n.max(1).saturating_mul(2);
            ParamValue::Int(if doubled <= max {
                doubled
            } else {
                (n / 2).max(min)
            })
        }
        (_, current) => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demos::find_demo;
    use crate::render::ansi::width;

    fn spawn_process() -> &'static DemoInfo {
        find_demo("spawn-process").expect("spawn-process is in the catalogue")
    }

    #[test]
    fn demo_line_shows_only_the_parameters_the_lesson_sets() {
        let demo = spawn_process();
        let mut params = DemoParams::default();
        let styles = Styles::new(&RenderOptions::plain(80));
        let block = |params: DemoParams| DemoBlock {
            demo,
            params,
            line: 1,
        };
        assert_eq!(
            demo_line(&block(params.clone()), 80, &styles, true),
            ["▶ demo spawn-process — type run to start it"]
        );
        params.set("join", ParamValue::Bool(false));
        assert_eq!(
            demo_line(&block(params.clone()), 80, &styles, true),
            ["▶ demo spawn-process (join=false) — type run to start it"]
        );
        assert_eq!(
            demo_line(&block(params), 80, &styles, false),
            ["▶ demo spawn-process (join=false)"]
        );
    }

    #[test]
    fn demo_info_lists_every_parameter_within_the_width() {
        let mut set = DemoParams::default();
        set.set("join", ParamValue::Bool(false));
        for columns in [40, 80, 160] {
            let shown = render_demo_info(spawn_process(), &set, &RenderOptions::plain(columns));
            for name in ["join", "start", "timeout", "false"] {
                assert!(shown.contains(name), "{columns}: {shown}");
            }
            assert!(shown.lines().all(|line| width(line) <= columns), "{shown}");
        }
    }

    #[test]
    fn the_example_uses_a_value_other_than_the_default() {
        let demo = find_demo("pool-queue").expect("pool-queue is in the catalogue");
        let shown = render_demo_info(demo, &DemoParams::default(), &RenderOptions::plain(100));
        assert!(shown.contains("run workers=6"), "{shown}");
    }
}
