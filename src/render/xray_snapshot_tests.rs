//! Snapshots of a Python run's X-ray, from hand-built X-rays of the runs
//! the lessons are about: lesson q6's children one after another then all
//! at once, four threads taking turns on the GIL, a `Pool(2)` over eight
//! tasks, a child left a zombie, and a pool worker killed by SIGKILL.
//! Plain text at 80 and 160 columns; `cargo insta review` after a
//! deliberate change.

use super::ansi::width;
use super::*;
use crate::xray::model::{CpuSeries, ProcessExit, Role, Xray, XrayProcess, XrayTask, XrayThread};

const MS: u64 = 1_000;

fn process(pid: i32, ppid: i32, name: &str, role: Role, start_ms: u64, end_ms: u64) -> XrayProcess {
    XrayProcess {
        pid,
        ppid,
        name: name.to_string(),
        role,
        start_method: (role != Role::Main).then(|| "fork".to_string()),
        python: true,
        start_us: start_ms * MS,
        end_us: Some(end_ms * MS),
        reaped_us: Some(end_ms * MS),
        exit: Some(ProcessExit::Code(0)),
        cpu_us: 0,
        peak_rss_kb: 10_240,
        zombie_us: None,
        killed_at_end: false,
        exception: None,
    }
}

fn thread(pid: i32, tid: i32, name: &str, start_ms: u64, end_ms: u64) -> XrayThread {
    XrayThread {
        pid,
        tid,
        name: name.to_string(),
        start_us: start_ms * MS,
        end_us: Some(end_ms * MS),
        cpu_us: 0,
    }
}

/// A thread's samples every 10 ms from `start_ms` to `end_ms`, busy
/// (a whole core) while `busy(t_ms)` says so, idle otherwise.
fn sampled(
    pid: i32,
    tid: i32,
    start_ms: u64,
    end_ms: u64,
    busy: impl Fn(u64) -> bool,
) -> CpuSeries {
    let mut cpu = 0;
    let mut points = vec![(start_ms * MS, 0)];
    let mut t = start_ms;
    while t < end_ms {
        if busy(t) {
            cpu += 10 * MS;
        }
        t += 10;
        points.push((t * MS, cpu));
    }
    CpuSeries { pid, tid, points }
}

fn task(pid: i32, items: u64, start_ms: u64, end_ms: u64) -> XrayTask {
    XrayTask {
        pid,
        function: "square".to_string(),
        items,
        start_us: start_ms * MS,
        end_us: end_ms * MS,
        ok: true,
        error: None,
    }
}

/// Lesson q6 step 2: four children started and joined one at a time,
/// then four started together and joined together; each sleeps 100 ms.
fn q6_xray() -> Xray {
    let mut xray = Xray {
        processes: vec![process(4000, 3999, "MainProcess", Role::Main, 0, 900)],
        wall_us: 900 * MS,
        samples_per_s: 100.0,
        ..Xray::default()
    };
    xray.cpu.push(sampled(4000, 4000, 0, 900, |t| t < 30));
    let mut add = |pid: i32, start: u64| {
        let name = format!("Process-{}", pid - 4000);
        xray.processes
            .push(process(pid, 4000, &name, Role::Process, start, start + 110));
        xray.cpu
            .push(sampled(pid, pid, start, start + 110, |t| t < start + 10));
    };
    for (n, pid) in (4001..=4004).enumerate() {
        add(pid, 40 + 120 * n as u64);
    }
    for (n, pid) in (4005..=4008).enumerate() {
        add(pid, 560 + 10 * n as u64);
    }
    xray
}

/// Four CPU-bound threads of one process, each running 50 ms in turn: one
/// core between them, however many there are.
fn threads_xray() -> Xray {
    let mut xray = Xray {
        processes: vec![process(5000, 4999, "MainProcess", Role::Main, 0, 1_000)],
        threads: vec![thread(5000, 5000, "MainThread", 0, 1_000)],
        wall_us: 1_000 * MS,
        samples_per_s: 100.0,
        ..Xray::default()
    };
    xray.cpu.push(sampled(5000, 5000, 0, 1_000, |t| t < 20));
    for k in 0..4u64 {
        let tid = 5001 + k as i32;
        let name = format!("Thread-{} (count)", k + 1);
        xray.threads.push(thread(5000, tid, &name, 20, 980));
        xray.cpu.push(sampled(5000, tid, 20, 980, move |t| {
            ((t - 20) / 50) % 4 == k
        }));
    }
    xray
}

/// `Pool(2).map(square, range(8))` with chunksize 1: four tasks each.
fn pool_xray() -> Xray {
    let mut xray = Xray {
        processes: vec![
            process(6000, 5999, "MainProcess", Role::Main, 0, 700),
            process(6001, 6000, "ForkPoolWorker-1", Role::PoolWorker, 30, 650),
            process(6002, 6000, "ForkPoolWorker-2", Role::PoolWorker, 35, 650),
        ],
        wall_us: 700 * MS,
        samples_per_s: 100.0,
        ..Xray::default()
    };
    xray.cpu.push(sampled(6000, 6000, 0, 700, |t| t < 30));
    for (pid, offset) in [(6001, 50), (6002, 60)] {
        for n in 0..4 {
            let start = offset + 140 * n;
            xray.tasks.push(task(pid, 1, start, start + 120));
        }
        xray.cpu.push(sampled(pid, pid, 30, 650, move |t| {
            t >= offset && t < offset + 560 && (t - offset) % 140 < 120
        }));
    }
    xray.tasks[7].items = 2;
    xray
}

/// A child that exits after 200 ms and is reaped only when its parent,
/// asleep, joins it at 800 ms.
fn zombie_xray() -> Xray {
    let mut child = process(7001, 7000, "Process-1", Role::Process, 20, 200);
    child.reaped_us = Some(800 * MS);
    child.zombie_us = Some(600 * MS);
    let mut xray = Xray {
        processes: vec![
            process(7000, 6999, "MainProcess", Role::Main, 0, 850),
            child,
        ],
        wall_us: 850 * MS,
        samples_per_s: 100.0,
        ..Xray::default()
    };
    xray.cpu.push(sampled(7000, 7000, 0, 850, |t| t < 20));
    xray.cpu.push(sampled(7001, 7001, 20, 200, |t| t < 150));
    xray
}

/// A `Pool(2)` whose second worker is killed by SIGKILL mid-task: the
/// pool starts a third, the lost task is never answered, and mptutor
/// stops the run at its timeout.
fn killed_worker_xray() -> Xray {
    let mut main = process(8000, 7999, "MainProcess", Role::Main, 0, 0);
    let mut one = process(8001, 8000, "ForkPoolWorker-1", Role::PoolWorker, 30, 0);
    let mut two = process(8002, 8000, "ForkPoolWorker-2", Role::PoolWorker, 35, 300);
    let mut three = process(8003, 8000, "ForkPoolWorker-3", Role::PoolWorker, 320, 0);
    for running in [&mut main, &mut one, &mut three] {
        running.end_us = None;
        running.reaped_us = None;
        running.exit = Some(ProcessExit::Signal("SIGKILL".to_string()));
        running.killed_at_end = true;
    }
    two.exit = Some(ProcessExit::Signal("SIGKILL".to_string()));
    two.reaped_us = Some(310 * MS);
    two.zombie_us = Some(10 * MS);
    let mut xray = Xray {
        processes: vec![main, one, two, three],
        wall_us: 1_000 * MS,
        timed_out: true,
        samples_per_s: 100.0,
        notes: vec!["the pool's task hook is off on this Python".to_string()],
        ..Xray::default()
    };
    xray.cpu.push(sampled(8000, 8000, 0, 1_000, |t| t < 30));
    xray.cpu
        .push(sampled(8001, 8001, 30, 1_000, |t| (50..250).contains(&t)));
    xray.cpu.push(sampled(8002, 8002, 35, 300, |t| t >= 60));
    xray.cpu.push(sampled(8003, 8003, 320, 1_000, |_| false));
    xray.tasks.push(task(8001, 2, 50, 250));
    xray
}

/// Each process's and thread's CPU time, as its samples end.
fn with_cpu_totals(mut xray: Xray) -> Xray {
    let last = |series: &CpuSeries| series.points.last().map_or(0, |&(_, cpu)| cpu);
    for process in &mut xray.processes {
        process.cpu_us = xray
            .cpu
            .iter()
            .filter(|s| s.pid == process.pid)
            .map(last)
            .sum();
    }
    for thread in &mut xray.threads {
        thread.cpu_us = xray
            .cpu
            .iter()
            .filter(|s| s.tid == thread.tid)
            .map(last)
            .sum();
    }
    xray
}

fn every_xray() -> Vec<(&'static str, Xray)> {
    [
        ("q6", q6_xray()),
        ("threads", threads_xray()),
        ("pool", pool_xray()),
        ("zombie", zombie_xray()),
        ("killed_worker", killed_worker_xray()),
    ]
    .map(|(name, xray)| (name, with_cpu_totals(xray)))
    .to_vec()
}

#[test]
fn xray_snapshots_at_80_and_160_columns() {
    for (name, xray) in every_xray() {
        for columns in [80, 160] {
            insta::assert_snapshot!(
                format!("xray_{name}_{columns}"),
                render_xray(&xray, &RenderOptions::plain(columns))
            );
        }
    }
}

/// The lines of lanes: those between the label and the right `│`.
fn lane(shown: &str, label: &str) -> String {
    shown
        .lines()
        .find(|line| line.starts_with(label))
        .and_then(|line| line.split('│').nth(1))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn children_one_after_another_never_share_a_column_and_together_all_do() {
    let shown = render_xray(&q6_xray(), &RenderOptions::plain(160));
    let busy = |label: &str| -> Vec<usize> {
        lane(&shown, label)
            .chars()
            .enumerate()
            .filter(|(_, glyph)| *glyph != ' ')
            .map(|(at, _)| at)
            .collect()
    };
    let first: Vec<Vec<usize>> = (1..=4).map(|n| busy(&format!("Process-{n} "))).collect();
    for pair in first.windows(2) {
        assert!(pair[0].iter().all(|at| !pair[1].contains(at)), "{shown}");
    }
    let together: Vec<Vec<usize>> = (5..=8).map(|n| busy(&format!("Process-{n} "))).collect();
    let middle = together[3][0] + 1;
    assert!(
        together.iter().all(|cells| cells.contains(&middle)),
        "{shown}"
    );
}

#[test]
fn threads_taking_turns_have_lanes_under_their_process() {
    let shown = render_xray(&threads_xray(), &RenderOptions::plain(80));
    let lines: Vec<&str> = shown.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with("MainProcess 5000"))
        .unwrap_or(usize::MAX);
    assert!(lines[at + 1].starts_with("  MainThread 5000"), "{shown}");
    assert!(
        lines[at + 2].starts_with("  Thread-1 (count) 5001"),
        "{shown}"
    );
    // Each thread runs in some slices and waits in others.
    let turn = lane(&shown, "  Thread-2 (count) 5002");
    assert!(turn.contains('█') && turn.contains('·'), "{shown}");
    // The process as a whole used about one core throughout.
    let process = lane(&shown, "MainProcess 5000");
    let full = process.chars().filter(|glyph| *glyph == '█').count();
    assert!(full * 10 > process.chars().count() * 8, "{shown}");
}

#[test]
fn a_zombie_is_drawn_as_one_and_never_as_running() {
    let shown = render_xray(&zombie_xray(), &RenderOptions::plain(80));
    let child = lane(&shown, "Process-1 7001");
    let after_exit: String = child
        .chars()
        .skip_while(|glyph| *glyph != '✓')
        .skip(1)
        .collect();
    let zombie = after_exit.trim_end();
    assert!(
        zombie.len() > 20 && zombie.chars().all(|glyph| glyph == 'z'),
        "{shown}"
    );
    assert!(shown.contains("z zombie:"), "{shown}");
}

#[test]
fn a_killed_worker_names_its_signal_and_the_pool_lines_count_items() {
    let shown = render_xray(&killed_worker_xray(), &RenderOptions::plain(80));
    let two = shown
        .lines()
        .find(|line| line.starts_with("ForkPoolWorker-2"))
        .unwrap_or_default();
    assert!(two.contains('✗') && two.ends_with("SIGKILL"), "{shown}");
    assert!(shown.contains("stopped at the timeout"), "{shown}");
    let pool = render_xray(&pool_xray(), &RenderOptions::plain(80));
    assert!(
        pool.contains("ForkPoolWorker-2 (pid 6002): 4 tasks, 5 items of square, 480ms busy"),
        "{pool}"
    );
}

#[test]
fn every_line_fits_and_colour_closes_on_every_line() {
    for (name, xray) in every_xray() {
        for columns in [40, 80, 160] {
            for color in [false, true] {
                let opts = RenderOptions {
                    width: columns,
                    measure: crate::render::DEFAULT_MEASURE,
                    color,
                    show_notes: false,
                    theme: Default::default(),
                };
                let shown = render_xray(&xray, &opts);
                assert_eq!(shown.contains('\x1b'), color, "{name} at {columns}");
                for line in shown.lines() {
                    assert!(width(line) <= columns, "{name} at {columns}: {line}");
                    let last_escape = line.rfind('\x1b').map(|at| &line[at..]);
                    assert!(
                        last_escape.is_none_or(|code| code.starts_with("\x1b[0m")),
                        "{name} at {columns}: {line:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn an_empty_xray_says_it_saw_nothing() {
    let shown = render_xray(&Xray::default(), &RenderOptions::plain(80));
    assert_eq!(shown, "The X-ray saw no process of this run.");
}

/// `xray` as a live view sees it at `t_ms`: what started by then, with
/// no end, exit or samples after it.
fn cut_at(mut xray: Xray, t_ms: u64) -> Xray {
    let t = t_ms * MS;
    xray.processes.retain(|process| process.start_us <= t);
    for process in &mut xray.processes {
        if process.end_us.is_some_and(|end| end > t) {
            process.end_us = None;
            process.reaped_us = None;
            process.exit = None;
        }
    }
    for series in &mut xray.cpu {
        series.points.retain(|(at, _)| *at <= t);
    }
    xray.wall_us = t;
    xray.tasks.clear();
    xray
}

#[test]
fn the_live_picture_draws_what_runs_so_far_and_no_more_lanes_than_asked() {
    let live = render_xray_live(&cut_at(q6_xray(), 600), &RenderOptions::plain(80), 12);
    insta::assert_snapshot!("xray_live_q6_600ms_80", live);
    assert!(
        live.starts_with("X-ray, live: 9 processes so far, 600ms"),
        "{live}"
    );
    // The first four have ended; the four started together still run.
    for n in 1..=4 {
        assert!(!lane_line(&live, n).ends_with("running"), "{live}");
    }
    for n in 5..=8 {
        assert!(lane_line(&live, n).ends_with("│ running"), "{live}");
    }
    assert!(live.lines().all(|line| width(line) <= 80), "{live}");
    // No table, no findings: they wait for the end.
    assert!(!live.contains("peak mem"), "{live}");

    let short = render_xray_live(&cut_at(q6_xray(), 600), &RenderOptions::plain(80), 3);
    assert_eq!(
        short
            .lines()
            .filter(|line| line.contains(" process "))
            .count(),
        2,
        "{short}"
    );
    assert!(short.contains("… and 6 more lanes, not drawn"), "{short}");

    let first = render_xray_live(&cut_at(q6_xray(), 50), &RenderOptions::plain(80), 12);
    assert!(
        first.starts_with("X-ray, live: 2 processes so far, 50ms"),
        "{first}"
    );
}

fn lane_line(shown: &str, n: usize) -> &str {
    shown
        .lines()
        .find(|line| line.starts_with(&format!("Process-{n} ")))
        .unwrap_or_default()
}

#[test]
fn the_process_table_never_cuts_a_name_or_a_pid_at_80_columns() {
    for (name, xray) in every_xray() {
        let shown = render_xray(&xray, &RenderOptions::plain(80));
        let table: Vec<&str> = shown
            .lines()
            .skip_while(|line| !line.starts_with('╭'))
            .take_while(|line| !line.starts_with('╰'))
            .collect();
        for process in &xray.processes {
            assert!(
                table.iter().any(|line| line.contains(&process.name)),
                "{name}: {} is cut:\n{shown}",
                process.name
            );
            let pid = format!("pid {} ← {}", process.pid, process.ppid);
            assert!(
                table.iter().any(|line| line.contains(&pid)),
                "{name}: no {pid:?}:\n{shown}"
            );
        }
    }
}
