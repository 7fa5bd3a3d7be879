//! mptutor under limits a student's shell or a class's pace can set: a
//! refused fork names the limit and what to do, 50 MiB of address space
//! (`ulimit -v`) runs mptutor or is refused in words, never with an
//! abort, and a paced run still ends at its timeout, unslowed.

use std::os::unix::process::CommandExt;

use nix::sys::wait::WaitStatus;

use crate::proc_table::{self, Mptutor};
use crate::support::have_python3;
use crate::support::{self, TempCourse};

/// The user mptutor runs as when the tests run as root, whom the kernel
/// does not hold to `RLIMIT_NPROC`.
const NOBODY: u32 = 65_534;

/// `command` with `resource` limited to `value` (soft and hard), set in
/// the child before mptutor starts; as `nobody` when `as_nobody`.
#[allow(unsafe_code)]
fn with_limit(
    command: &mut std::process::Command,
    resource: libc::__rlimit_resource_t,
    value: u64,
    as_nobody: bool,
) {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: the closure runs in the forked child before exec and makes
    // only system calls (setrlimit, setgroups, setgid, setuid), which are
    // async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(move || {
            let failed = |result: libc::c_int| {
                if result == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            };
            failed(libc::setrlimit(resource, &limit))?;
            if as_nobody {
                failed(libc::setgroups(0, std::ptr::null()))?;
                failed(libc::setgid(NOBODY))?;
                failed(libc::setuid(NOBODY))?;
            }
            Ok(())
        });
    }
}

/// With its user at the process limit, a demo's fork fails. mptutor says
/// which limit stopped it and what to try, stops what it had started,
/// leaves no process behind and goes on to the next command.
///
/// The same when the fork server is the one refused: it reads the limits
/// itself and mptutor says what they are. One test for both, one after
/// the other, since the user's process count is what they share.
#[test]
fn a_refused_fork_names_the_process_limit_and_leaves_nothing_running() {
    refused_fork_is_explained("run");
    refused_fork_is_explained("run start=forkserver");
}

fn refused_fork_is_explained(run: &str) {
    let home = tempfile::tempdir().expect("temporary directory");
    // /proc/self belongs to the effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|proc_self| {
        use std::os::unix::fs::MetadataExt;
        proc_self.uid() == 0
    });
    if root {
        std::os::unix::fs::chown(home.path(), Some(NOBODY), Some(NOBODY)).expect("chown home");
    }
    // nobody runs nothing else as a rule: mptutor and one worker, then
    // the second fork fails. Another user already runs this test, so
    // every fork fails.
    let mut command = support::mptutor(home.path());
    let tasks = if root { 2 } else { 1 };
    with_limit(&mut command, libc::RLIMIT_NPROC, tasks, root);
    let mut mptutor = match Mptutor::try_start_command(command, &["--width", "100"]) {
        Ok(mptutor) => mptutor,
        Err(error) => {
            eprintln!("cannot start mptutor under a process limit ({error}): skipping");
            return;
        }
    };
    mptutor.send_line("open q6");
    mptutor.send_line(run);
    mptutor.send_line("list");
    let shown = mptutor.read_until("seen for real");
    if shown.contains("Every number appeared") {
        eprintln!("the kernel does not hold this user to RLIMIT_NPROC: skipping");
        return;
    }
    let failure = shown
        .split("The demo failed: ")
        .nth(1)
        .expect("the demo failed")
        .replace('\n', " ");
    assert!(failure.starts_with("could not start process "), "{shown}");
    assert!(
        failure.contains("the system refused a new process (EAGAIN): your user may run at most"),
        "{shown}"
    );
    assert!(failure.contains("(ulimit -u)"), "{shown}");
    assert!(
        failure.contains("Close some programs or raise the limit"),
        "{shown}"
    );
    let pids = proc_table::tagged_pids(&shown);
    let left = proc_table::leftovers(mptutor.pid(), &pids);
    assert!(left.is_empty(), "mptutor left {left:?}:\n{shown}");
    mptutor.send_line("quit");
    // The failed `run` line makes the script's exit status 1.
    assert_eq!(mptutor.wait(), Some(1), "{}", mptutor.output);
}

/// A program that prints `line 1` … `line 100`, one every 20 ms: two
/// seconds at the very least, whatever the machine.
const SLOW_PRINTER: &str = "import time\nfor n in range(1, 101):\n    print(f\"line {n}\", \
                            flush=True)\n    time.sleep(0.02)\n";

/// A paced run is recorded at full speed and replayed afterwards, so its
/// timeout counts the program's own time: with `timeout=1` the program is
/// stopped after a second (about 50 of its lines, it needs two seconds
/// for all 100), and the replay shows only what it printed by then.
#[test]
fn a_paced_python_run_is_stopped_at_its_timeout() {
    if !have_python3() {
        return;
    }
    let lesson = format!(
        "+++\nid = \"slow\"\ntitle = \"Slow\"\n+++\n\n## A slow printer\n\nProse.\n\n\
         ```python\n{SLOW_PRINTER}```\n"
    );
    let course = TempCourse::new(&[("slow.md", &lesson)]);
    let home = tempfile::tempdir().expect("temporary directory");
    let lessons = course.path().to_str().expect("a UTF-8 path");
    let output = support::run_with_input(
        home.path(),
        &["--width", "100", "--lessons", lessons],
        "pace 5\nopen slow\npython timeout=1\nquit\n",
    );
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("line 1"), "{shown}");
    assert!(shown.contains("Stopped at the timeout"), "{shown}");
    assert!(
        !shown.contains("line 100"),
        "the program ran to its end past its timeout:\n{shown}"
    );
}

/// The same for a demo: the pace no longer slows the workers, so six
/// lines paced 200 ms each (1.2 s when the view waited in the run) no
/// longer run into a one-second timeout: all three runs are made.
#[test]
fn a_paced_demo_is_not_slowed_into_its_timeout() {
    let home = tempfile::tempdir().expect("temporary directory");
    let output = support::run_with_input(
        home.path(),
        &["--width", "100"],
        "open q6\nrun workers=2 repeat=3 pace=200 timeout=1\nquit\n",
    );
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("run 3 of 3"), "{shown}");
    assert!(
        !shown.contains("timeout reached"),
        "the pace slowed the run into its timeout:\n{shown}"
    );
    assert!(output.status.success(), "{output:?}");
}

/// `ulimit -v 51200`: 50 MiB of address space.
const FIFTY_MIB: u64 = 50 << 20;

/// What mptutor prints when the address space is too small to run in.
const TOO_SMALL: &str = "MiB of address space; this shell limits it to";

/// Under 50 MiB of address space, mptutor either runs, a pool of 64
/// threads included, or says at once that it needs more and exits with
/// status 1; it is never killed by a signal (an allocation that found no
/// room aborted it with status 134, a thread that found none failed the
/// demo with "Resource temporarily unavailable"). Under 30 MiB, too
/// little for the threads, it says so before it starts.
#[test]
fn a_small_address_space_runs_a_script_and_a_thread_pool_or_says_it_is_too_small() {
    for limit in [FIFTY_MIB, 30 << 20] {
        let home = tempfile::tempdir().expect("temporary directory");
        let mut command = support::mptutor(home.path());
        with_limit(&mut command, libc::RLIMIT_AS, limit, false);
        let output = support::run_with_command(
            command,
            &["--width", "100"],
            "list\nopen q5\nrun threads=true workers=64\nquit\n",
        );
        let (shown, said) = (
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        let mib = limit >> 20;
        match output.status.code() {
            Some(0) => {
                assert!(
                    shown.contains("Create a pool of workers"),
                    "{mib} MiB: {shown}"
                );
                assert!(
                    shown.contains("Every thread of the pool ran inside one process"),
                    "{mib} MiB: {shown}\n{said}"
                );
            }
            Some(1) => assert!(
                said.starts_with("mptutor needs at least")
                    && said.contains(&format!("{TOO_SMALL} {mib} MiB (ulimit -v)")),
                "{mib} MiB: {said}"
            ),
            _ => panic!("{mib} MiB: mptutor ended with {:?}:\n{said}", output.status),
        }
    }
}

/// The same in a terminal, where colour and a whole comparison make the
/// heap grow and the threads' stacks are kept after them: `compare`, then
/// a pool of 64 threads. This aborted mptutor (status 134).
#[test]
fn fifty_mib_of_address_space_survives_compare_then_a_thread_pool_in_a_terminal() {
    let home = tempfile::tempdir().expect("temporary directory");
    let mut command = support::mptutor(home.path());
    command.args(["--width", "100"]);
    with_limit(&mut command, libc::RLIMIT_AS, FIFTY_MIB, false);
    let mut repl =
        rexpect::session::spawn_command(command, Some(60_000)).expect("start mptutor in a pty");
    let (_, first) = repl
        .exp_regex(&format!("mptutor> |{TOO_SMALL}"))
        .expect("a prompt, or the reason there is none");
    if first != "mptutor> " {
        let status = repl.process().wait().expect("wait for mptutor");
        assert!(matches!(status, WaitStatus::Exited(_, 1)), "{status:?}");
        return;
    }
    repl.send_line("open q2").expect("type open q2");
    repl.exp_string("mptutor q2").expect("q2 opened");
    repl.send_line("compare").expect("type compare");
    let compared = repl.exp_string("mptutor q2").expect("compare ended");
    assert!(!compared.contains("failed"), "{compared}");
    repl.send_line("open q5").expect("type open q5");
    repl.exp_string("mptutor q5").expect("q5 opened");
    repl.send_line("run threads=true workers=64")
        .expect("type run");
    repl.exp_string("Every thread of the pool ran inside one process")
        .expect("the thread pool ran");
    repl.exp_string("mptutor q5").expect("prompt after the run");
    repl.send_line("quit").expect("type quit");
    repl.exp_eof().expect("quit leaves mptutor");
    let status = repl.process().wait().expect("wait for mptutor");
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
}
