//! One run of a Python program, as a worker of the demo engine.

use std::cell::RefCell;
use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use super::interpreter::PythonError;
use super::pid_lines::{PidAttribution, ProcessSeen};
use crate::engine::interrupt::InterruptGuard;
use crate::engine::keeper::KeptProgram;
use crate::engine::process_group::ProcessGroup;
use crate::engine::{
    EngineError, Event, EventSink, ExitStatus, Load, LoadMeter, RunContext, StartMethod,
};
use crate::xray::collect::{Collector, RunEnd};
use crate::xray::model::Xray;
use crate::xray::wire::SOCKET_ENV;

/// The tagging module every interpreter of a run imports at start-up.
const SITECUSTOMIZE: &str = include_str!("sitecustomize.py");

/// The program to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonProgram {
    /// Source text, written to `file_name` in a temporary folder for the run.
    Source { code: String, file_name: String },
    /// A file of the student's, run where it is, with these arguments
    /// after it (`sys.argv[1:]`).
    File { path: PathBuf, args: Vec<String> },
}

/// How a run ended, what it printed, and what the machine gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PythonOutcome {
    /// How the interpreter mptutor started ended.
    pub status: ExitStatus,
    /// The same as Python's `Process.exitcode` shows it: the exit code, or
    /// minus the signal's number when a signal ended it.
    pub exit_code: i32,
    /// What was printed on stdout, in order, tags removed.
    pub stdout: Vec<String>,
    /// Every process that printed; the interpreter first.
    pub processes: Vec<ProcessSeen>,
    /// The timeout was reached and every process of the run was killed.
    pub timed_out: bool,
    pub elapsed_us: u64,
    /// CPU time of the interpreter and of every process it waited for
    /// (its `Pool`'s workers, its joined `Process`es), and of the orphans
    /// the keeper reaped with every process they waited for (the fork
    /// server and its workers), from the kernel's account at each reaping.
    pub cpu_us: u64,
    /// The machine from just before the interpreter started until it and
    /// what it left behind were reaped; the run counts as mptutor's own.
    pub load: Load,
    /// The run's process group: the interpreter and everything it started.
    pub group: i32,
    /// Every process, thread and pool task of the run (see
    /// [`crate::xray`]).
    pub xray: Xray,
}

/// What a run may use, and where it works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunLimits {
    /// The whole run is killed after this long.
    pub timeout: Duration,
    /// At most this many bytes of address space (RLIMIT_AS) for the
    /// interpreter, inherited by every process it starts; `None`: no limit.
    pub memory_limit: Option<u64>,
    /// Work in the run's own temporary folder, deleted with it, instead of
    /// mptutor's working folder: whatever the program writes there goes.
    pub scratch_folder: bool,
}

impl RunLimits {
    /// Only a timeout: how the student's own runs go (`python`, `try`).
    pub fn timeout(timeout: Duration) -> RunLimits {
        RunLimits {
            timeout,
            memory_limit: None,
            scratch_folder: false,
        }
    }
}

/// [`run_limited`] with only a timeout.
pub fn run_program(
    interpreter: &Path,
    program: &PythonProgram,
    timeout: Duration,
    sink: &mut dyn EventSink,
) -> Result<PythonOutcome, PythonError> {
    run_limited(interpreter, program, RunLimits::timeout(timeout), sink)
}

/// Runs `program` with `interpreter -u` in a process group of its own,
/// with `sitecustomize.py` on `PYTHONPATH` so every line reaches `sink`
/// tagged with the process that printed it. At `timeout` the whole group
/// is killed; Ctrl-C does the same. The interpreter is started by a keeper
/// (see [`crate::engine::keeper`]), which kills everything the program
/// started once the interpreter has exited, or once mptutor is gone
/// however it died, so nothing outlives a run, not even a child that left
/// the group. `limits` says how long it may take, how much memory it may
/// use and where it works.
pub fn run_limited(
    interpreter: &Path,
    program: &PythonProgram,
    limits: RunLimits,
    sink: &mut dyn EventSink,
) -> Result<PythonOutcome, PythonError> {
    if let PythonProgram::File { path, .. } = program {
        // python3 would wait for ever on a named pipe, or read a device
        // without end.
        crate::user_file::check_regular(path)
            .map_err(PythonError::io(format!("run {}", path.display())))?;
    }
    let timeout = limits.timeout;
    let workspace = tempfile::Builder::new()
        .prefix("mptutor-python-")
        .tempdir()
        .map_err(PythonError::io("create a temporary folder for the run"))?;
    let site = workspace.path().join("site");
    std::fs::create_dir(&site)
        .and_then(|()| std::fs::write(site.join("sitecustomize.py"), SITECUSTOMIZE))
        .map_err(PythonError::io("write sitecustomize.py"))?;
    let path = match program {
        PythonProgram::File { path, .. } => path.clone(),
        PythonProgram::Source { code, file_name } => {
            let path = workspace.path().join(file_name);
            std::fs::write(&path, code)
                .map_err(PythonError::io(format!("write {}", path.display())))?;
            path
        }
    };
    let mut argv = vec![
        c_string(interpreter.as_os_str().as_bytes())?,
        c"-u".to_owned(),
        c_string(path.as_os_str().as_bytes())?,
    ];
    if let PythonProgram::File { args, .. } = program {
        for arg in args {
            argv.push(c_string(arg.as_bytes())?);
        }
    }
    let xray_socket = workspace.path().join("xray.sock");
    let env = environment(&site, &xray_socket)?;
    let shown = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );

    let _interrupts = InterruptGuard::install();
    let _adoption = Adoption::begin();
    let attribution = RefCell::new(PidAttribution::new(sink));
    let mut front = Shared(&attribution);
    let mut ctx = RunContext::new(&mut front, StartMethod::Fork, timeout);
    let mut collector = Collector::new(&xray_socket, ctx.started_ns());
    let named = interpreter
        .file_name()
        .map_or_else(|| "python3".into(), |name| name.to_string_lossy());
    ctx.note(format!("{named} -u {shown}"));
    let mut group = ProcessGroup::new();
    let meter = LoadMeter::start();
    let kept = KeptProgram {
        program: argv[0].clone(),
        argv,
        env,
        cwd: limits
            .scratch_folder
            .then(|| workspace.path().to_path_buf()),
        memory_limit: limits.memory_limit,
    };
    let started = group.spawn_program(&mut ctx, 0, "python3", kept);
    let waited = started.and_then(|pid| {
        let keeper = ctx.start_of(0).map(|start| start.ppid);
        collector.watch(pid.as_raw(), keeper, ctx.t_us());
        wait_watching(&mut group, &mut ctx, &mut collector, &attribution)
    });
    // The keeper has killed whatever the interpreter left running once it
    // reports the interpreter's exit; this ends the keeper itself, and
    // anything of the run that got past it (its group, should the keeper
    // itself have been killed).
    group.signal_all(Signal::SIGKILL);
    group.release_keepers();
    if let Some(pgid) = group.group_id() {
        crate::engine::sys::reap_group(pgid, ORPHAN_PATIENCE);
    }
    let load = meter.finish();
    waited?;
    // The last look: everything of the run is gone by now.
    show(&attribution, &collector.look(ctx.t_us(), ctx.timed_out));
    let status = group.status(0).cloned().unwrap_or(ExitStatus::Code(-1));
    let cpu_us = ctx.exit(0).map_or(0, |exit| exit.cpu_us);
    let (timed_out, elapsed_us) = (ctx.timed_out, ctx.t_us());
    let group_id = group.group_id().map_or(0, nix::unistd::Pid::as_raw);
    drop(ctx);
    let xray = collector.finish(&RunEnd {
        now_us: elapsed_us,
        timed_out,
        main_status: group.status(0).cloned(),
        main_cpu_us: cpu_us,
    });
    let attribution = attribution.into_inner();
    Ok(PythonOutcome {
        exit_code: python_exit_code(&status),
        status,
        stdout: attribution.stdout_lines().to_vec(),
        processes: attribution.processes().to_vec(),
        timed_out,
        elapsed_us,
        cpu_us,
        load,
        group: group_id,
        xray,
    })
}

/// How often a live view that wants it is sent the X-ray so far (µs).
const LIVE_XRAY_EVERY_US: u64 = 100_000;

/// [`ProcessGroup::wait_all`], with a look by the X-ray's collector
/// between two rounds (at most [`crate::xray::collect::SAMPLE_EVERY_US`]
/// apart), so what it sees reaches the live view while the program runs.
/// At the timeout, every worker is killed, as there.
fn wait_watching(
    group: &mut ProcessGroup,
    ctx: &mut RunContext<'_>,
    collector: &mut Collector,
    attribution: &RefCell<PidAttribution<'_>>,
) -> Result<(), EngineError> {
    let live = attribution.borrow().wants_xray();
    let mut last_shown_us: Option<u64> = None;
    while group.running() > 0 {
        if ctx.remaining().is_zero() && !ctx.timed_out {
            ctx.timed_out = true;
            ctx.note("timeout reached: stopping every worker");
            group.signal_all(Signal::SIGKILL);
        }
        let wait = collector.next_wait(ctx.t_us());
        group.pump_waking(ctx, wait, collector.wake_fd())?;
        let now_us = ctx.t_us();
        show(attribution, &collector.poll(now_us, ctx.timed_out));
        if live && last_shown_us.is_none_or(|last| now_us >= last + LIVE_XRAY_EVERY_US) {
            last_shown_us = Some(now_us);
            attribution
                .borrow_mut()
                .xray_so_far(&collector.so_far(now_us));
        }
    }
    Ok(())
}

fn show(attribution: &RefCell<PidAttribution<'_>>, sightings: &[crate::xray::collect::Sighting]) {
    let mut attribution = attribution.borrow_mut();
    for sighting in sightings {
        attribution.sighting(sighting);
    }
}

/// The run's events go to the attribution, which the collector's
/// sightings reach too, between two rounds of the engine.
struct Shared<'a, 's>(&'a RefCell<PidAttribution<'s>>);

impl EventSink for Shared<'_, '_> {
    fn event(&mut self, event: &Event) {
        self.0.borrow_mut().event(event);
    }

    fn interrupted(&self) -> bool {
        self.0.borrow().interrupted()
    }

    fn run_ends_by(&mut self, deadline: std::time::Instant) {
        self.0.borrow_mut().run_ends_by(deadline);
    }
}

/// While a run lasts, processes the program orphans (a child still running
/// when the interpreter exits) become mptutor's children instead of init's,
/// so mptutor can reap them: an init that does not reap (as in some
/// containers) would otherwise keep them as zombies for good. Dropping it
/// ends the adoption; those already adopted stay mptutor's to reap.
struct Adoption;

impl Adoption {
    fn begin() -> Self {
        // Best effort: without it, orphans fall to init as usual.
        let _ = crate::engine::sys::set_child_subreaper(true);
        Adoption
    }
}

impl Drop for Adoption {
    fn drop(&mut self) {
        let _ = crate::engine::sys::set_child_subreaper(false);
    }
}

/// How long killed orphans get to die before mptutor stops waiting.
const ORPHAN_PATIENCE: Duration = Duration::from_secs(2);

/// `-9` for SIGKILL, as Python shows a child killed by a signal.
fn python_exit_code(status: &ExitStatus) -> i32 {
    match status {
        ExitStatus::Code(code) => *code,
        ExitStatus::Signal(name) => name.parse::<Signal>().map_or(-1, |signal| -(signal as i32)),
    }
}

fn c_string(bytes: &[u8]) -> Result<CString, PythonError> {
    CString::new(bytes).map_err(|_| PythonError::NulByte)
}

/// mptutor's environment, with `site` first on `PYTHONPATH`, output
/// unbuffered, no `__pycache__` written next to the student's file, and
/// the X-ray's socket in `MPTUTOR_XRAY`.
fn environment(site: &Path, xray_socket: &Path) -> Result<Vec<CString>, PythonError> {
    const SET_HERE: [&str; 4] = [
        "PYTHONPATH",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        SOCKET_ENV,
    ];
    let mut python_path = vec![site.to_path_buf()];
    if let Some(existing) = std::env::var_os("PYTHONPATH") {
        python_path.extend(std::env::split_paths(&existing));
    }
    let python_path = std::env::join_paths(python_path)
        .map_err(|_| PythonError::io("set PYTHONPATH")(std::io::ErrorKind::InvalidInput.into()))?;
    let mut vars: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(key, _)| !SET_HERE.iter().any(|set| key == set))
        .collect();
    vars.push(("PYTHONPATH".into(), python_path));
    vars.push(("PYTHONUNBUFFERED".into(), "1".into()));
    vars.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    vars.push((SOCKET_ENV.into(), xray_socket.as_os_str().to_owned()));
    vars.iter()
        .map(|(key, value)| {
            let mut entry = key.as_bytes().to_vec();
            entry.push(b'=');
            entry.extend_from_slice(value.as_bytes());
            c_string(&entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_becomes_a_negative_exit_code_as_in_python() {
        assert_eq!(python_exit_code(&ExitStatus::Code(3)), 3);
        assert_eq!(python_exit_code(&ExitStatus::Signal("SIGKILL".into())), -9);
        assert_eq!(python_exit_code(&ExitStatus::Signal("SIGTERM".into())), -15);
    }

    #[test]
    fn a_program_that_is_not_a_regular_file_is_refused_before_anything_starts() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let fifo = dir.path().join("copy.py");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let mut events = crate::engine::Recorder::default();
        // `cat`, like python3, would wait on the pipe until the timeout.
        let error = run_program(
            Path::new("/bin/cat"),
            &PythonProgram::File {
                path: fifo.clone(),
                args: Vec::new(),
            },
            Duration::from_secs(5),
            &mut events,
        )
        .expect_err("a named pipe is refused");
        let message = error.to_string();
        assert!(message.contains(&fifo.display().to_string()), "{message}");
        assert!(message.contains("named pipe (FIFO)"), "{message}");
        assert!(events.events.is_empty(), "nothing started");
    }
}
