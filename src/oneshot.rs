//! The one-shot commands: `list`, `show`, `run`, `python`, `trace`,
//! `compare`, `bench`, `check`. Each writes to the given output and returns whether it
//! succeeded.

use std::io::{self, Write};

use crate::course::{Course, CourseErrors};
use crate::live_view::{DemoRequest, run_json, run_live};
use crate::render::{self, RenderOptions};

/// `mptutor list`
pub fn list(course: &Course, options: &RenderOptions, out: &mut dyn Write) -> io::Result<bool> {
    writeln!(out, "{}", render::render_course_list(course, None, options))?;
    Ok(true)
}

/// `mptutor show <lesson> [--step N]`
pub fn show(
    course: &Course,
    lesson: &str,
    step: Option<usize>,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let text = match step {
        None => render::render_lesson(lesson, options),
        Some(n) if (1..=lesson.steps.len()).contains(&n) => {
            render::render_step_printed(lesson, n - 1, options)
        }
        Some(n) => {
            writeln!(
                err,
                "mptutor: lesson {} has steps 1 to {}, not {n}",
                lesson.id,
                lesson.steps.len()
            )?;
            return Ok(false);
        }
    };
    writeln!(out, "{text}")?;
    Ok(true)
}

/// `mptutor run <lesson> [key=value …] [--json]`: the lesson's first demo,
/// live (or as JSON lines).
#[allow(clippy::too_many_arguments)]
pub fn run(
    course: &Course,
    lesson: &str,
    assignments: &[String],
    json: bool,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let Some((step, block)) = lesson.demo_at(0) else {
        writeln!(err, "mptutor: lesson {} has no demo", lesson.id)?;
        return Ok(false);
    };
    let mut assignments = assignments.to_vec();
    let live_only = match DemoRequest::take_view(&mut assignments) {
        Ok(live_only) => live_only,
        Err(message) => {
            writeln!(err, "mptutor: {message}")?;
            return Ok(false);
        }
    };
    let overrides = match block
        .demo
        .parse_assignments(assignments.iter().map(String::as_str))
    {
        Ok(overrides) => overrides,
        Err(error) => {
            writeln!(err, "mptutor: {error}")?;
            return Ok(false);
        }
    };
    let request = DemoRequest {
        demo: block.demo,
        params: block.params.merged(&overrides),
        explanation: lesson.steps[step].prose(),
        live_only,
    };
    let outcome = if json {
        run_json(&request, out)?
    } else {
        run_live(&request, out, *options)
    };
    if let Err(error) = &outcome {
        writeln!(err, "mptutor: {error}")?;
    }
    Ok(outcome.is_ok())
}

/// What `mptutor python` was asked to run.
#[derive(Debug, Clone, Copy)]
pub struct PythonRun<'a> {
    pub lesson: &'a str,
    /// 1-based; `None`: the lesson's first example.
    pub step: Option<usize>,
    pub timeout: Option<std::time::Duration>,
    pub json: bool,
}

/// `mptutor python <lesson> [--step N] [--timeout S] [--json]`: a step's
/// Python example, live (or as JSON lines), then its checks and speed
/// claim. Fails when the example cannot run or fails a check block;
/// a speed claim the machine could not show does not fail it.
pub fn python(
    course: &Course,
    run: &PythonRun<'_>,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let Some(index) = find_lesson(course, run.lesson, err)? else {
        return Ok(false);
    };
    let lesson = course.lesson(index);
    let steps = lesson.steps.len();
    let step = match run.step {
        None => 0,
        Some(n) if (1..=steps).contains(&n) => n - 1,
        Some(n) => {
            writeln!(
                err,
                "mptutor: lesson {} has steps 1 to {steps}, not {n}",
                lesson.id
            )?;
            return Ok(false);
        }
    };
    let Some(example) = lesson.example_for_step(step) else {
        writeln!(err, "mptutor: lesson {} has no Python example", lesson.id)?;
        return Ok(false);
    };
    let timeout = run.timeout.unwrap_or(crate::python_view::DEFAULT_TIMEOUT);
    let request = crate::python_view::PythonRequest::for_example(lesson, &example, timeout);
    let outcome = if run.json {
        crate::python_view::run_python_json(&request, out)?
    } else {
        let outcome = crate::python_view::run_python_live(&request, out, *options, None);
        writeln!(out)?;
        outcome
    };
    match outcome {
        Ok(checked) => {
            let failed = checked.failed_checks();
            if failed > 0 {
                writeln!(
                    err,
                    "mptutor: the example's run failed {}",
                    crate::findings::words::count(failed as u64, "check block", "check blocks")
                )?;
            }
            Ok(failed == 0 && !checked.outcome.timed_out)
        }
        Err(error) => {
            writeln!(err, "mptutor: {error}")?;
            Ok(false)
        }
    }
}

/// What `mptutor trace` was asked to run.
#[derive(Debug, Clone)]
pub struct TraceRun {
    pub program: crate::python::PythonProgram,
    pub python: Option<std::path::PathBuf>,
    pub timeout: Option<std::time::Duration>,
    pub json: bool,
}

/// The exit status of a program stopped at its timeout, as `timeout(1)`
/// gives it.
pub const TIMED_OUT_EXIT: u8 = 124;

/// `mptutor trace FILE.py [ARGS…]` or `mptutor trace -c CODE`: the program
/// live (or as JSON lines), then its X-ray. Returns the exit status to end
/// with: the program's own, 128 + the signal's number when a signal ended
/// it, [`TIMED_OUT_EXIT`] when it was stopped at its timeout, and 1 when
/// it could not be run (saying why on `err`).
pub fn trace(
    run: &TraceRun,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let timeout = run.timeout.unwrap_or(crate::python_view::DEFAULT_TIMEOUT);
    let title = match &run.program {
        crate::python::PythonProgram::File { path, .. } => path.display().to_string(),
        crate::python::PythonProgram::Source { .. } => "python3 -c".to_string(),
    };
    let request = crate::python_view::PythonRequest {
        program: run.program.clone(),
        title: render::sanitize(&title, " "),
        checks: Vec::new(),
        checks_file: String::new(),
        checks_step: String::new(),
        timeout,
        interpreter: run.python.clone(),
    };
    let outcome = if run.json {
        crate::python_view::run_trace_json(&request, out)?
    } else {
        let outcome = crate::python_view::run_trace_live(&request, out, *options);
        writeln!(out)?;
        outcome
    };
    match outcome {
        Ok(outcome) if outcome.timed_out => {
            writeln!(
                err,
                "mptutor trace: timed out after {} s; the program and every process it started \
                 were killed (`--timeout S` gives it longer)",
                timeout.as_secs()
            )?;
            Ok(TIMED_OUT_EXIT)
        }
        Ok(outcome) => Ok(match outcome.status {
            crate::engine::ExitStatus::Code(code) => u8::try_from(code).unwrap_or(1),
            crate::engine::ExitStatus::Signal(_) => {
                u8::try_from(128 - outcome.exit_code.clamp(-127, 0)).unwrap_or(1)
            }
        }),
        Err(error) => {
            writeln!(err, "mptutor trace: {error}")?;
            Ok(1)
        }
    }
}

/// `mptutor compare [ROW] [--json]`: the experiments behind lesson q2's
/// table, live (or as one JSON object).
pub fn compare(
    course: &Course,
    row: Option<&str>,
    json: bool,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let request = match crate::compare_view::CompareRequest::new(course, row) {
        Ok(request) => request,
        Err(message) => {
            writeln!(err, "mptutor: {message}")?;
            return Ok(false);
        }
    };
    let outcome = if json {
        crate::compare_view::run_json(&request, out)?
    } else {
        crate::compare_view::run_live(&request, out, *options, None)
    };
    if let Err(error) = &outcome {
        writeln!(err, "mptutor: {error}")?;
    }
    Ok(outcome.is_ok())
}

/// `mptutor bench [--quick] [--json]`: the figures as a table (or JSON) on
/// `out`, progress on `err`.
pub fn bench(
    settings: crate::bench::Settings,
    json: bool,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    match crate::bench::run(settings, err) {
        Ok(run) if json => {
            crate::json::write_line(out, crate::json::Message::Bench(run))?;
            Ok(true)
        }
        Ok(run) => {
            writeln!(out, "{}", crate::bench::render_table(&run, options))?;
            Ok(true)
        }
        Err(error) => {
            writeln!(err, "mptutor bench: {error}")?;
            Ok(false)
        }
    }
}

/// What `mptutor check` runs the course's code with.
#[derive(Debug, Clone)]
pub struct CheckRun {
    /// Each program's timeout.
    pub timeout: std::time::Duration,
    /// The start methods the examples run under, one after another;
    /// empty: each interpreter's default.
    pub methods: Vec<&'static str>,
    /// The interpreters asked for with `--python`.
    pub pythons: Vec<std::path::PathBuf>,
    /// `--every-python`: python3 and every CPython 3.8 or newer of pyenv's.
    pub every_python: bool,
}

impl CheckRun {
    /// python3 alone, under its default start method.
    pub fn default_python(timeout: std::time::Duration) -> CheckRun {
        CheckRun {
            timeout,
            methods: Vec::new(),
            pythons: Vec::new(),
            every_python: false,
        }
    }

    /// Problems and headings name the interpreter: more than python3
    /// alone may run.
    fn names_pythons(&self) -> bool {
        self.every_python || !self.pythons.is_empty()
    }
}

/// `mptutor check [DIR]`: the verdict on a loaded (or failed) course, then,
/// with `run_code`, on each Python example that has check blocks and on
/// each exercise.
pub fn check(
    result: &Result<Course, CourseErrors>,
    run_code: Option<&CheckRun>,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let loaded = check_loaded(result, out, err)?;
    match (result, run_code) {
        (Ok(course), Some(run)) if loaded => check_code(course, run, options, out, err),
        _ => Ok(loaded),
    }
}

/// The interpreters `run` asks for, each once; `Err(false)` when one
/// asked for by name cannot be used (said on `err`), `Err(true)` when
/// there is no python3 and none was asked for (said on `out`: nothing
/// was run, and that fails nothing).
fn check_interpreters(
    run: &CheckRun,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<Result<Vec<crate::python::FoundPython>, bool>> {
    let mut found = Vec::new();
    if run.every_python {
        let every = crate::python::every_python();
        for note in &every.notes {
            writeln!(err, "mptutor check: {note}")?;
        }
        found.extend(every.found);
    } else if run.pythons.is_empty() {
        let described = crate::python::find_python3()
            .and_then(|python3| crate::python::describe_python(&python3));
        match described {
            Ok(python3) => found.push(python3),
            Err(error) => {
                writeln!(
                    out,
                    "The Python examples and exercises were not run: {error}"
                )?;
                return Ok(Err(true));
            }
        }
    }
    for asked in &run.pythons {
        let described = crate::python::chosen_interpreter(asked)
            .and_then(|python| crate::python::describe_python(&python));
        match described {
            Ok(python) => found.push(python),
            Err(error) => {
                writeln!(err, "mptutor check: {error}")?;
                return Ok(Err(false));
            }
        }
    }
    let mut once: Vec<crate::python::FoundPython> = Vec::new();
    for python in found {
        if !once.iter().any(|seen| seen.executable == python.executable) {
            once.push(python);
        }
    }
    if once.is_empty() {
        writeln!(
            out,
            "The Python examples and exercises were not run: no Python 3.8 or newer was found"
        )?;
        return Ok(Err(true));
    }
    Ok(Ok(once))
}

/// Runs the course's own code: every example that has checks, with each
/// interpreter under each start method, then every exercise with each
/// interpreter. Before the first, says on `err` that the course's own
/// code is about to run, so `out` stays the report.
fn check_code(
    course: &Course,
    run: &CheckRun,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    use crate::findings::words;
    let pythons = match check_interpreters(run, out, err)? {
        Ok(pythons) => pythons,
        Err(verdict) => return Ok(verdict),
    };
    let (example_count, exercise_count) = (
        crate::python::examples_to_run(course),
        crate::python::exercises_to_run(course),
    );
    let mut to_run = Vec::new();
    match example_count {
        0 => {}
        n if run.methods.is_empty() => to_run.push(words::count(n as u64, "example", "examples")),
        n => to_run.push(format!(
            "{} under {}",
            words::count(n as u64, "example", "examples"),
            words::and_list(
                &run.methods
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
            )
        )),
    }
    match exercise_count {
        0 => {}
        n => to_run.push(format!(
            "{}, each starter and solution under {}",
            words::count(n as u64, "exercise", "exercises"),
            words::and_list(&crate::python::START_METHODS.map(String::from))
        )),
    }
    let shown: Vec<String> = pythons
        .iter()
        .map(|python| match run.names_pythons() {
            true => python.label(),
            false => python.path.display().to_string(),
        })
        .collect();
    if !to_run.is_empty() {
        writeln!(
            err,
            "mptutor check: running the course's own Python code now ({} with {}), each program \
             in a temporary folder, for at most {} s and {} GiB of memory; `--no-run` skips this",
            words::and_list(&to_run),
            words::and_list(&shown),
            run.timeout.as_secs(),
            crate::python::CHECK_MEMORY_LIMIT >> 30
        )?;
    }
    // A course of exercises alone says nothing of examples it has none of.
    let examples = if example_count > 0 || exercise_count == 0 {
        check_examples(course, &pythons, run, options, out, err)?
    } else {
        true
    };
    let mut exercises = true;
    if exercise_count > 0 {
        for python in &pythons {
            let named = run.names_pythons().then(|| python.label());
            exercises &= check_exercises(course, &python.path, named.as_deref(), run, out, err)?;
        }
    }
    Ok(examples && exercises)
}

/// Runs every example that has checks with each interpreter under each
/// start method; failures go to `err` as `path:line:col: …` at the check
/// block (or at the example, for one that timed out or ran out of
/// memory), after `under METHOD` and `with Python X.Y.Z (PATH)` when the
/// run was asked for either. Then the table of what passed where.
fn check_examples(
    course: &Course,
    pythons: &[crate::python::FoundPython],
    run: &CheckRun,
    options: &RenderOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let methods: Vec<Option<&'static str>> = if run.methods.is_empty() {
        vec![None]
    } else {
        run.methods.iter().copied().map(Some).collect()
    };
    let several = pythons.len() * methods.len() > 1;
    let mut reports = Vec::new();
    let mut cells = Vec::new();
    for python in pythons {
        let label = python.label();
        for &method in &methods {
            let setting = crate::python::ExampleSetting {
                interpreter: &python.path,
                method,
                named: run.names_pythons().then_some(label.as_str()),
            };
            let method_shown = match method {
                Some(method) => method.to_string(),
                None => format!("default ({})", python.default_method),
            };
            if several || run.names_pythons() || method.is_some() {
                writeln!(out, "{label}, under {method_shown}:")?;
            }
            let began = std::time::Instant::now();
            let mut written = Ok(());
            let ran = crate::python::check_examples(course, &setting, run.timeout, &mut |report| {
                let verdict = if report.problems.is_empty() {
                    "passes its checks"
                } else {
                    "FAILS"
                };
                let mut line = format!(
                    "  {} {verdict} ({})",
                    report.place,
                    render::format_us(report.elapsed_us)
                );
                for speed in &report.speed {
                    line.push_str(&format!("\n    {}", speed.finding.markdown()));
                }
                if written.is_ok() {
                    written = writeln!(out, "{line}").and_then(|()| out.flush());
                }
            });
            written?;
            let failed = ran
                .iter()
                .filter(|report| !report.problems.is_empty())
                .count();
            cells.push(render::CheckCell {
                version: python.version.clone(),
                path: python.path.display().to_string(),
                method: method_shown,
                passed: ran.len() - failed,
                failed,
                elapsed_us: u64::try_from(began.elapsed().as_micros()).unwrap_or(u64::MAX),
            });
            reports.extend(ran);
        }
    }
    let problems: Vec<_> = reports.iter().flat_map(|report| &report.problems).collect();
    for problem in &problems {
        writeln!(err, "{problem}")?;
    }
    let plain = RenderOptions {
        color: false,
        ..*options
    };
    writeln!(out, "{}", render::render_check_matrix(&cells, &plain))?;
    let failed = reports
        .iter()
        .filter(|report| !report.problems.is_empty())
        .count();
    let untold = reports
        .iter()
        .flat_map(|report| &report.speed)
        .filter(|speed| {
            matches!(
                speed.verdict(),
                Some(crate::findings::Verdict::CouldntTell(_))
            )
        })
        .count();
    let runs = if several {
        format!(
            "{} runs of {} Python examples ({} × {})",
            reports.len(),
            reports.len() / cells.len().max(1),
            crate::findings::words::count(pythons.len() as u64, "interpreter", "interpreters"),
            crate::findings::words::count(methods.len() as u64, "start method", "start methods"),
        )
    } else {
        format!(
            "{} Python examples run with {}",
            reports.len(),
            pythons
                .iter()
                .map(|python| python.path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    if failed == 0 {
        let untold = match untold {
            0 => String::new(),
            n => format!(
                "; {} could not be told on this machine (marked ?, above), which fails nothing",
                crate::findings::words::count(n as u64, "speed claim", "speed claims")
            ),
        };
        writeln!(out, "{runs}: every one passes its checks{untold}")?;
    } else if several {
        writeln!(
            err,
            "{failed} of the {runs} fail their checks; fix the example or the check block and \
             run `mptutor check` again"
        )?;
    } else {
        writeln!(
            err,
            "{failed} of {} Python examples fail their checks; fix the example or the check \
             block and run `mptutor check` again",
            reports.len()
        )?;
    }
    Ok(failed == 0)
}

/// Runs every exercise's starter and solution under each start method;
/// each problem goes to `err` as `path:line:col: exercise ID, …` at the
/// exercise's block, after `with Python X.Y.Z (PATH)` when `named`.
fn check_exercises(
    course: &Course,
    interpreter: &std::path::Path,
    named: Option<&str>,
    run: &CheckRun,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    if let Some(named) = named {
        writeln!(out, "The exercises with {named}:")?;
    }
    let mut written = Ok(());
    let reports = crate::python::check_exercises(course, interpreter, run.timeout, &mut |report| {
        if written.is_ok() {
            written = writeln!(out, "{}", render::render_exercise_check(report))
                .and_then(|()| out.flush());
        }
    });
    written?;
    let prefix = named
        .map(|named| format!("with {named}: "))
        .unwrap_or_default();
    for problem in reports.iter().flat_map(|report| &report.problems) {
        let mut problem = problem.clone();
        problem.message = format!("{prefix}{}", problem.message);
        writeln!(err, "{problem}")?;
    }
    let failed = reports
        .iter()
        .filter(|report| !report.problems.is_empty())
        .count();
    let shown = named.map_or_else(|| interpreter.display().to_string(), str::to_string);
    if failed == 0 {
        writeln!(
            out,
            "{}",
            render::render_exercises_verified(&reports, &shown)
        )?;
    } else {
        writeln!(
            err,
            "{prefix}{failed} of {} {} problems; fix the starter, the solution or the checks and              run `mptutor check` again",
            crate::findings::words::count(reports.len() as u64, "exercise", "exercises"),
            if failed == 1 { "has" } else { "have" }
        )?;
    }
    Ok(failed == 0)
}

/// `mptutor new <id> [--lessons DIR]`
pub fn new_lesson(
    id: &str,
    dir: Option<&std::path::Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let folder = dir.unwrap_or(std::path::Path::new("."));
    match crate::course::add_lesson(folder, id, dir.is_some()) {
        Ok(added) => {
            if added.created_course {
                writeln!(out, "created {}", added.course_toml.display())?;
            }
            writeln!(
                out,
                "created {} and added it to {}\nFill in every TODO, then check the course with \
                 `mptutor check {}` and try it with `mptutor --lessons {}` and `open {id}`.",
                added.file.display(),
                added.course_toml.display(),
                folder.display(),
                folder.display(),
            )?;
            Ok(true)
        }
        Err(error) => {
            writeln!(err, "mptutor: {error}")?;
            Ok(false)
        }
    }
}

/// The loading half of `check`.
fn check_loaded(
    result: &Result<Course, CourseErrors>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    match result {
        Ok(course) => {
            let steps: usize = course.lessons.iter().map(|lesson| lesson.steps.len()).sum();
            let quizzes: usize = course
                .lessons
                .iter()
                .map(|lesson| lesson.quizzes().count())
                .sum();
            writeln!(
                out,
                "{}: {} lessons, {steps} steps, {quizzes} quiz questions; no problems found",
                course.title,
                course.lessons.len()
            )?;
            Ok(true)
        }
        Err(errors) => {
            writeln!(err, "{errors}")?;
            Ok(false)
        }
    }
}

fn find_lesson(
    course: &Course,
    name: &str,
    err: &mut dyn Write,
) -> io::Result<Option<crate::course::LessonIndex>> {
    let found = course.find_lesson(name);
    if found.is_none() {
        let ids: Vec<&str> = course.lesson_ids().collect();
        let hint = crate::suggest::did_you_mean(name, ids.iter().copied())
            .map(|near| format!(" (did you mean `{near}`?)"))
            .unwrap_or_default();
        writeln!(
            err,
            "mptutor: no lesson `{name}`{hint}; lessons: {}",
            ids.join(", ")
        )?;
    }
    Ok(found)
}

/// `mptutor exercises`: every exercise of the course, done or to do.
pub fn exercises(
    course: &Course,
    progress: Option<&crate::progress::Progress>,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<bool> {
    let rows = render::exercise_rows(
        course,
        progress.and_then(|saved| saved.course(&course.title)),
    );
    if rows.is_empty() {
        writeln!(
            out,
            "{}",
            render::render_markdown("This course has no exercises.", options)
        )?;
    } else {
        writeln!(
            out,
            "{}",
            render::render_exercise_list(&rows, crate::progress::now_unix(), options)
        )?;
    }
    Ok(true)
}
