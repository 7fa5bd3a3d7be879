//! The engine's hot paths, timed with divan: `cargo bench`.
//!
//! What a demo does for every line a worker prints and every item a pool
//! maps — split the output into lines, draw the line's event, encode and
//! decode the pool's requests and results — and what opening a course
//! costs: parsing a lesson. `mptutor bench` measures whole operations
//! against the system; this catches a slower function before it gets there.

use divan::{Bencher, black_box};
use mptutor::engine::lines::LineSplitter;
use mptutor::engine::pool::protocol;
use mptutor::engine::{Event, Stream, WorkerKind};
use mptutor::render::{RenderOptions, WorkerLabels, render_event};

fn main() {
    divan::main();
}

/// 64 KiB of what print-numbers workers print, as one read returns it.
fn worker_output() -> Vec<u8> {
    let mut bytes = Vec::with_capacity(65536);
    let mut number = 0;
    while bytes.len() < 65536 - 64 {
        bytes.extend_from_slice(format!("Process-3 (pid 41230) prints {number}\n").as_bytes());
        number += 1;
    }
    bytes
}

#[divan::bench]
fn split_64_kib_into_lines(bencher: Bencher) {
    let bytes = worker_output();
    bencher.bench_local(|| {
        let mut splitter = LineSplitter::unbounded();
        splitter.feed(black_box(&bytes))
    });
}

#[divan::bench]
fn split_one_line_in_three_reads(bencher: Bencher) {
    bencher.bench_local(|| {
        let mut splitter = LineSplitter::default();
        let mut lines = splitter.feed(black_box(b"Process-1 (pid 4"));
        lines.extend(splitter.feed(black_box(b"1230) prints")));
        lines.extend(splitter.feed(black_box(b" 7\n")));
        lines
    });
}

#[divan::bench(args = [false, true])]
fn render_a_line_event(bencher: Bencher, color: bool) {
    let started = Event::Started {
        worker: 2,
        label: "P3".into(),
        name: "Process-3".into(),
        kind: WorkerKind::Process,
        pid: 41230,
        ppid: 41200,
        t_us: 512,
    };
    let mut labels = WorkerLabels::new();
    labels.observe(&started);
    let line = Event::Line {
        worker: 2,
        pid: 41230,
        stream: Stream::Stdout,
        text: "Process-3 (pid 41230) prints 30".into(),
        t_us: 8008,
    };
    let options = RenderOptions {
        width: 100,
        measure: mptutor::render::DEFAULT_MEASURE,
        color,
        show_notes: false,
        theme: Default::default(),
    };
    bencher.bench_local(|| render_event(black_box(&line), &labels, 56, &options));
}

fn inputs(count: i64) -> Vec<i64> {
    (0..count).map(|x| x * 7919 - 40_000).collect()
}

#[divan::bench(args = [1, 150])]
fn encode_a_request(bencher: Bencher, chunk: i64) {
    let inputs = inputs(chunk);
    let mut line = String::new();
    bencher.bench_local(|| {
        line.clear();
        protocol::encode_request(&mut line, black_box(1234), "square", 0, 0, &inputs);
    });
}

#[divan::bench(args = [1, 150])]
fn decode_a_request(bencher: Bencher, chunk: i64) {
    let mut line = String::new();
    protocol::encode_request(&mut line, 1234, "square", 0, 0, &inputs(chunk));
    // The inputs are read as they are used: read them all.
    bencher.bench_local(|| {
        protocol::decode_request(black_box(&line)).map(|request| request.inputs().sum::<i64>())
    });
}

#[divan::bench(args = [1, 150])]
fn encode_results(bencher: Bencher, chunk: i64) {
    let results: Vec<i64> = inputs(chunk).iter().map(|x| x * x).collect();
    let mut out = Vec::new();
    bencher.bench_local(|| {
        out.clear();
        protocol::encode_results(black_box("1234"), &results, &mut out);
        out.len()
    });
}

#[divan::bench(args = [1, 150])]
fn decode_a_result_line(bencher: Bencher, chunk: i64) {
    let results: Vec<i64> = inputs(chunk).iter().map(|x| x * x).collect();
    let mut bytes = Vec::new();
    protocol::encode_results("1234", &results, &mut bytes);
    let line = String::from_utf8(bytes).unwrap_or_default();
    bencher.bench_local(|| {
        protocol::decode_result(black_box(line.trim_end()))
            .map(|(chunk, values)| chunk + values.filter(Result::is_ok).count())
    });
}

#[divan::bench]
fn parse_a_lesson(bencher: Bencher) {
    let lesson = include_str!("../lessons/q3.md");
    bencher.bench_local(|| mptutor::course::parse_lesson("q3.md", black_box(lesson.as_bytes())));
}
