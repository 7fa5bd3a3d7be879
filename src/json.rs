//! mptutor's JSON: one envelope for everything `--json` prints.
//!
//! `run`, `compare`, `bench` and Python runs print JSON objects, one per
//! line, each an [`Envelope`]: a `schema` field (`"mptutor/2"`), a `kind`
//! saying what it is, and the thing itself. Events stream as they happen
//! (`"type":"event"`, then the engine's [`Event`] fields); a run ends with
//! its typed result (`"type":"demo"`, `"compare"`, `"bench"`, `"python"`,
//! `"xray"`)
//! and the findings that result supports, or with `"type":"error"`. Every
//! object deserializes back into the engine's types, so a script (or a
//! test) can read a run the way mptutor wrote it.

use std::io::Write;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::bench::BenchRun;
use crate::demos::DemoResult;
use crate::demos::compare::{Comparison, RowReport};
use crate::engine::{EngineError, Event, EventSink};
use crate::findings::Finding;
use crate::python::CheckedRun;

/// The version of mptutor's JSON: changes when a field changes meaning.
pub const SCHEMA: &str = "mptutor/2";

/// The `schema` field: always [`SCHEMA`]; anything else is refused when
/// reading, so a script never misreads another version's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schema;

impl Serialize for Schema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(SCHEMA)
    }
}

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == SCHEMA {
            Ok(Schema)
        } else {
            Err(serde::de::Error::custom(format!(
                "schema `{text}`, where this mptutor reads `{SCHEMA}`"
            )))
        }
    }
}

/// One JSON object mptutor prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub schema: Schema,
    #[serde(flatten)]
    pub body: T,
}

impl<T> Envelope<T> {
    pub fn new(body: T) -> Self {
        Envelope {
            schema: Schema,
            body,
        }
    }
}

/// What a line of `--json` output is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// Something that happened while a run went on.
    Event(Event),
    /// How a demo ended: its typed result and the findings it supports.
    Demo(DemoOutcome),
    /// What `compare` measured, and each row's verdict and findings.
    Compare(CompareOutcome),
    /// A run that stopped before finishing.
    Error(Failure),
    /// How `mptutor selftest` ended.
    Selftest(crate::selftest::SelftestReport),
    /// What `mptutor bench` measured, and each target's verdict.
    Bench(BenchRun),
    /// How a lesson's Python example ran, and how it fared against its
    /// checks and its speed claim.
    Python(CheckedRun),
    /// How a program `mptutor trace` ran ended, and its X-ray.
    Xray(XrayRun),
}

/// How a traced program ended, and every process, thread and pool task
/// of it that mptutor saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XrayRun {
    /// The interpreter's exit code, or minus the signal that ended it.
    pub exit_code: i32,
    pub elapsed_us: u64,
    /// Every process, thread and task, the figures and the findings.
    #[serde(flatten)]
    pub result: crate::xray::result::XrayResult,
}

impl XrayRun {
    pub fn of(outcome: &crate::python::PythonOutcome) -> Self {
        XrayRun {
            exit_code: outcome.exit_code,
            elapsed_us: outcome.elapsed_us,
            result: crate::xray::result::XrayResult::new(&outcome.xray, &outcome.load),
        }
    }
}

/// A demo's result and findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoOutcome {
    #[serde(flatten)]
    pub result: DemoResult,
    pub findings: Vec<Finding>,
}

impl DemoOutcome {
    pub fn new(result: DemoResult) -> Self {
        let findings = result.report().findings;
        DemoOutcome { result, findings }
    }
}

/// A comparison's results, and what each row's result supports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareOutcome {
    #[serde(flatten)]
    pub comparison: Comparison,
    /// Each row's verdict, cell and findings, made from `rows`.
    pub judged: Vec<RowReport>,
}

impl CompareOutcome {
    pub fn new(comparison: Comparison) -> Self {
        let judged = comparison.judged();
        CompareOutcome { comparison, judged }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub error: String,
    /// Stopped by Ctrl-C, rather than failed.
    pub interrupted: bool,
}

impl Failure {
    pub fn of(error: &EngineError) -> Self {
        Failure {
            error: error.to_string(),
            interrupted: matches!(error, EngineError::Interrupted),
        }
    }
}

/// Writes `value` in its envelope as one line.
pub fn write_line<T: Serialize>(out: &mut dyn Write, value: T) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut line, EveryControlEscaped);
    Envelope::new(value)
        .serialize(&mut serializer)
        .map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// JSON with no control character written as itself, so a line shown on a
/// terminal cannot drive it, and the text a program printed still reads
/// back exactly. serde_json escapes ESC and the other C0 controls
/// (`\u001b`) but writes DEL and the C1 controls (U+009B is a CSI to some
/// terminals) as they are; this escapes them too.
struct EveryControlEscaped;

impl serde_json::ser::Formatter for EveryControlEscaped {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, ch) in fragment.char_indices() {
            if ch.is_control() {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                write!(writer, "\\u{:04x}", u32::from(ch))?;
                start = at + ch.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// A sink that prints every event as one enveloped JSON line.
pub struct JsonLines<'w> {
    pub out: &'w mut dyn Write,
    /// A write failed (closed pipe): keep running, stop printing.
    pub broken: bool,
}

impl<'w> JsonLines<'w> {
    pub fn new(out: &'w mut dyn Write) -> Self {
        JsonLines { out, broken: false }
    }

    /// The closing line of a demo: its outcome, or why it stopped.
    pub fn finish(&mut self, outcome: &Result<DemoResult, EngineError>) -> std::io::Result<()> {
        match outcome {
            Ok(result) => write_line(self.out, Message::Demo(DemoOutcome::new(result.clone()))),
            Err(error) => write_line(self.out, Message::Error(Failure::of(error))),
        }
    }
}

impl EventSink for JsonLines<'_> {
    fn event(&mut self, event: &Event) {
        if self.broken {
            return;
        }
        self.broken = write_line(self.out, Message::Event(event.clone())).is_err();
    }
}

/// Reads one line of mptutor's JSON back.
pub fn read_line<T: serde::de::DeserializeOwned>(line: &str) -> serde_json::Result<T> {
    serde_json::from_str::<Envelope<T>>(line).map(|envelope| envelope.body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ExitStatus, Stream, WorkerKind};

    fn events() -> Vec<Event> {
        vec![
            Event::Started {
                worker: 0,
                label: "P1".into(),
                name: "Process-1".into(),
                kind: WorkerKind::Process,
                pid: 10,
                ppid: 9,
                t_us: 1,
            },
            Event::Line {
                worker: 0,
                pid: 10,
                stream: Stream::Stderr,
                text: "a \"quoted\" line".into(),
                t_us: 2,
            },
            Event::Exited {
                worker: 0,
                pid: 10,
                status: ExitStatus::Signal("SIGSEGV".into()),
                cpu_us: 3,
                max_rss_kb: 4,
                t_us: 5,
            },
            Event::Exited {
                worker: 1,
                pid: 11,
                status: ExitStatus::Code(0),
                cpu_us: 3,
                max_rss_kb: 4,
                t_us: 5,
            },
            Event::Note {
                text: "a note".into(),
                t_us: 6,
            },
            Event::Progress {
                done: 1,
                total: 2,
                t_us: 7,
            },
        ]
    }

    #[test]
    fn every_event_carries_the_schema_and_reads_back() {
        for event in events() {
            let mut out = Vec::new();
            write_line(&mut out, Message::Event(event.clone())).expect("written");
            let line = String::from_utf8(out).unwrap_or_default();
            assert!(
                line.starts_with(r#"{"schema":"mptutor/2","type":"event","event":"#),
                "{line}"
            );
            let back: Message = read_line(line.trim()).expect("parses back");
            assert_eq!(back, Message::Event(event));
        }
    }

    #[test]
    fn a_comparison_carries_the_schema_and_reads_back_whole() {
        let comparison = crate::demos::compare::samples::comparison(2);
        let mut out = Vec::new();
        write_line(
            &mut out,
            Message::Compare(CompareOutcome::new(comparison.clone())),
        )
        .expect("written");
        let line = String::from_utf8(out).unwrap_or_default();
        assert!(
            line.starts_with(r#"{"schema":"mptutor/2","type":"compare","rows":[{"row":"memory""#),
            "{line}"
        );
        let back: Message = read_line(line.trim()).expect("parses back");
        let Message::Compare(outcome) = back else {
            panic!("a comparison: {line}");
        };
        assert_eq!(outcome.comparison, comparison);
        assert_eq!(outcome.judged, comparison.judged());
        assert_eq!(outcome.judged[0].summary, "0 vs 4,000; 4 pids vs 1 pid ✓");
    }

    #[test]
    fn a_selftest_report_reads_back() {
        let report = Message::Selftest(crate::selftest::SelftestReport {
            case: "flood".into(),
            ok: true,
            error: None,
            interrupted: false,
            flood: Some(crate::selftest::FloodFigures {
                bytes: 1000,
                lines_seen: 1,
                notes: vec!["P1 printed 2 more lines on stdout than are shown".into()],
                exited: vec![ExitStatus::Code(0)],
                peak_rss_kb: 4096,
            }),
        });
        let mut out = Vec::new();
        write_line(&mut out, report.clone()).expect("written");
        let line = String::from_utf8(out).unwrap_or_default();
        assert_eq!(read_line::<Message>(line.trim()).ok(), Some(report));
    }

    #[test]
    fn no_control_character_is_written_as_itself_and_all_read_back() {
        let text = "\x1b]52;c;aGk=\x07 \u{9b}2J \u{9d}0;t \u{7f} é ─";
        let mut line = Vec::new();
        write_line(
            &mut line,
            Message::Event(Event::Note {
                t_us: 0,
                text: text.into(),
            }),
        )
        .expect("write to a Vec");
        let shown = String::from_utf8(line).expect("UTF-8");
        assert!(!shown.trim_end().contains(char::is_control), "{shown:?}");
        assert!(shown.contains("\\u009b"), "{shown}");
        match read_line::<Message>(&shown) {
            Ok(Message::Event(Event::Note { text: read, .. })) => assert_eq!(read, text),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn another_schema_is_refused() {
        let line = r#"{"schema":"mptutor/1","type":"event","event":"note","text":"x","t_us":0}"#;
        let error = read_line::<Message>(line).expect_err("refused");
        assert!(error.to_string().contains("mptutor/1"), "{error}");
    }

    #[test]
    fn a_failure_reads_back() {
        let failure = Message::Error(Failure::of(&EngineError::Interrupted));
        let text = serde_json::to_string(&Envelope::new(failure.clone())).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"schema":"mptutor/2","type":"error","error":"stopped: Ctrl-C","interrupted":true}"#
        );
        assert_eq!(read_line::<Message>(&text).ok(), Some(failure));
    }

    #[test]
    fn a_bench_run_reads_back_with_its_verdicts_and_loads() {
        use crate::bench::{BenchRun, Extra, Measured, Op, Operation, PythonSide, Stats};
        use crate::engine::Load;
        let stats = |median_us: f64| Stats {
            median_us,
            p99_us: median_us * 2.0,
            samples: 100,
        };
        let busy = Load {
            wall_us: 1_000_000,
            cores: 2,
            machine_busy_us: Some(1_900_000),
            own_us: 1_000_000,
        };
        let run = BenchRun {
            quick: true,
            cores: 2,
            unix_time: 1_700_000_000,
            python: PythonSide::Version("3.12.3".into()),
            operations: vec![Operation::new(
                Measured {
                    op: Op::ProcessFork,
                    mptutor: stats(150.0),
                    floor: stats(110.0),
                    python: Some(stats(2200.0)),
                    paired_ratio: Some(1.36),
                    runs: 100,
                    extra: Extra::default(),
                    notes: vec!["floor: fork, _exit, waitpid".into()],
                },
                Some(busy),
                None,
            )],
            skipped: Vec::new(),
        };
        let mut out = Vec::new();
        write_line(&mut out, Message::Bench(run.clone())).expect("written");
        let line = String::from_utf8(out).unwrap_or_default();
        assert!(
            line.starts_with(r#"{"schema":"mptutor/2","type":"bench","quick":true"#),
            "{line}"
        );
        assert!(line.contains(r#""because":"others_busy""#), "{line}");
        let back: Message = read_line(line.trim()).expect("parses back");
        assert_eq!(back, Message::Bench(run));
    }

    #[test]
    fn a_python_run_reads_back_with_its_checks_speed_finding_and_load() {
        use crate::course::CheckVerdict;
        use crate::findings::{Finding, SpeedRun, Unclear, Verdict};
        use crate::python::speed::SpeedFinding;
        use crate::python::{CheckReport, CheckedRun, ProcessSeen, PythonOutcome};
        let busy = Unclear::MachineBusy {
            got: Some(0.4),
            needed: 2.0,
            others: Some(1.5),
        };
        let run = CheckedRun {
            outcome: PythonOutcome {
                status: ExitStatus::Code(0),
                exit_code: 0,
                stdout: vec!["1 process:   17984 primes in 1.46 s".into()],
                processes: vec![ProcessSeen {
                    pid: 10,
                    ppid: 9,
                    lines: 2,
                }],
                xray: Default::default(),
                timed_out: false,
                elapsed_us: 3_570_000,
                cpu_us: 1_700_000,
                load: crate::engine::Load {
                    wall_us: 3_571_000,
                    cores: 2,
                    machine_busy_us: Some(7_000_000),
                    own_us: 1_750_000,
                },
                group: 10,
            },
            checks: vec![CheckReport {
                file: "lessons/q1.md".into(),
                line: 139,
                verdict: CheckVerdict {
                    problems: Vec::new(),
                },
                speed: Some(SpeedFinding {
                    workers: 4,
                    at_least: 1.3,
                    times: Some((1.46, 1.64)),
                    run: Some(SpeedRun {
                        workers: 4,
                        cores: 2,
                        speedup: 0.89,
                        parallel_cores: Some(0.4),
                        baseline_cores: None,
                        others_cores: Some(1.5),
                        per_worker_us: Some(365_000),
                        parallel_work_cpu: None,
                    }),
                    run_cores: Some(0.48),
                    finding: Finding::judged("…", Verdict::CouldntTell(busy), "Couldn't tell …"),
                }),
            }],
        };
        let mut out = Vec::new();
        write_line(&mut out, Message::Python(run.clone())).expect("written");
        let line = String::from_utf8(out).unwrap_or_default();
        assert!(
            line.starts_with(r#"{"schema":"mptutor/2","type":"python","status":{"code":0}"#),
            "{line}"
        );
        let back: Message = read_line(line.trim()).expect("parses back");
        assert_eq!(back, Message::Python(run));
    }
}
