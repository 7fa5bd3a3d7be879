//! What `spawn-process` found, as a table of pids and the claims they
//! settle: the child is a process of its own, whose parent is mptutor (or,
//! under forkserver, the fork server), `join()` collects its exit status,
//! and an unjoined child is a zombie until waited for (or, under
//! forkserver, never one in mptutor's sight).

use super::{Ids, SpawnProcessResult, Unjoined};
use crate::engine::StartMethod;
use crate::findings::{Finding, Table, Unclear, Verdict, format_us};

pub(super) fn table(result: &SpawnProcessResult) -> Table {
    let pid = |ids: Option<Ids>, pick: fn(Ids) -> i32| {
        ids.map_or("–".into(), |ids| pick(ids).to_string())
    };
    let mut rows = vec![vec![
        "mptutor, the main process".to_string(),
        result.parent_pid.to_string(),
        "–".to_string(),
    ]];
    if let Some(server) = result.fork_server_pid {
        rows.push(vec![
            "the fork server".into(),
            server.to_string(),
            result.parent_pid.to_string(),
        ]);
    }
    rows.push(vec![
        "the child, as it printed".into(),
        pid(result.printed, |ids| ids.pid),
        pid(result.printed, |ids| ids.ppid),
    ]);
    rows.push(vec![
        "the child, as the engine saw it".into(),
        pid(result.child, |ids| ids.pid),
        pid(result.child, |ids| ids.ppid),
    ]);
    Table {
        header: vec!["process".into(), "pid".into(), "parent's pid".into()],
        rows,
    }
}

pub(super) fn findings(result: &SpawnProcessResult) -> Vec<Finding> {
    let mut findings = vec![own_pid(result), parent(result), collected(result)];
    if let Some(unjoined) = &result.unjoined {
        findings.push(zombie(result, unjoined));
    }
    findings
}

/// The child is a process of its own.
fn own_pid(result: &SpawnProcessResult) -> Finding {
    const CLAIM: &str = "the child is a new process, with a pid of its own";
    let me = result.parent_pid;
    let Some(child) = result.child else {
        return Finding::judged(
            CLAIM,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "the child did not start".into(),
            }),
            "The child did not start, so there is no pid to look at.",
        );
    };
    let printed = result.printed.map(|ids| ids.pid);
    let own = child.pid > 0 && child.pid != me;
    match printed {
        Some(printed) if printed != child.pid => Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "The child printed pid {printed}, but the engine started pid {}: the line came \
                 from another process. Run it again.",
                child.pid
            ),
        ),
        _ if !own => Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "The engine reported pid {} for the child, which is not a pid of its own \
                 (mptutor is {me}). Run it again.",
                child.pid
            ),
        ),
        Some(_) => Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "The child got its own pid, {}, not mptutor's ({me}); it printed the same pid \
                 itself.",
                child.pid
            ),
        ),
        None => Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "The child got its own pid, {}, not mptutor's ({me}), though it printed nothing \
                 to show it.",
                child.pid
            ),
        ),
    }
}

/// Who the child's parent is: mptutor, or under forkserver the server.
fn parent(result: &SpawnProcessResult) -> Finding {
    let me = result.parent_pid;
    let by_server = result.start == StartMethod::ForkServer;
    let claim = if by_server {
        "the child's parent is the fork server, not mptutor"
    } else {
        "the child's parent is mptutor, which started it"
    };
    let (Some(child), Some(printed)) = (result.child, result.printed) else {
        return Finding::judged(
            claim,
            Verdict::CouldntTell(Unclear::NotMeasured {
                why: "the child printed no parent pid".into(),
            }),
            "The child printed no parent pid, so who its parent was cannot be told.",
        );
    };
    let expected = if by_server {
        result.fork_server_pid
    } else {
        Some(me)
    };
    let agrees = expected.is_some_and(|expected| {
        printed.ppid == expected && child.ppid == expected && (!by_server || expected != me)
    });
    if !agrees {
        let server = result
            .fork_server_pid
            .map(|server| format!(", the fork server {server}"))
            .unwrap_or_default();
        return Finding::judged(
            claim,
            Verdict::Contradicted,
            format!(
                "The child printed {} as its parent's pid and the engine saw {} (mptutor is \
                 {me}{server}). A child whose parent has died is adopted by init or a \
                 subreaper, and then reports that one; run it again.",
                printed.ppid, child.ppid
            ),
        );
    }
    let text = if by_server {
        format!(
            "Its parent is not mptutor (pid {me}) but the fork server, pid {}: the child printed \
             that pid with getppid(), and the engine saw the same. mptutor asked the server for \
             a worker, and the server forked it.",
            printed.ppid
        )
    } else {
        format!(
            "Its parent pid is mptutor's, {me}: the child printed it with getppid(), and the \
             engine saw the same."
        )
    };
    Finding::judged(claim, Verdict::Holds, text)
}

/// The wait collected the child's exit status.
fn collected(result: &SpawnProcessResult) -> Finding {
    const CLAIM: &str = "join() collects the child's exit status";
    let by_server = result.start == StartMethod::ForkServer;
    let Some(status) = &result.status else {
        let why = if result.timed_out {
            " The timeout stopped the demo first."
        } else {
            " Run it again."
        };
        return Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!("No exit status came back for the child.{why}"),
        );
    };
    let text = match (by_server, result.reaped_by) {
        (true, Some(server)) => format!(
            "The fork server (pid {server}) collected the child's exit status ({status}) with \
             waitpid() and passed it on to mptutor: under forkserver, that is what `join()` \
             waits for."
        ),
        _ => format!(
            "The parent collected the child's exit status ({status}) with waitpid(), which is \
             what `join()` does."
        ),
    };
    Finding::judged(CLAIM, Verdict::Holds, text)
}

/// Between its exit and the parent's wait: a zombie, or (forkserver) none.
fn zombie(result: &SpawnProcessResult, unjoined: &Unjoined) -> Finding {
    let watched = format_us(unjoined.watched_us);
    let pid = result.child.map_or(0, |child| child.pid);
    let last = match unjoined.last_state {
        Some(state) => format!("/proc/{pid}/stat said state {state}"),
        None => format!("/proc/{pid} was gone"),
    };
    if result.start == StartMethod::ForkServer {
        const CLAIM: &str =
            "the fork server reaps the child at once, so the program sees no zombie";
        let server = result.fork_server_pid.map_or_else(
            || "the fork server".to_string(),
            |pid| format!("the fork server (pid {pid})"),
        );
        return if unjoined.zombie_seen {
            Finding::judged(
                CLAIM,
                Verdict::Contradicted,
                format!(
                    "/proc showed the child as a zombie (state Z) while the parent left it \
                     unjoined: {server} had not reaped it yet. It reaps a child when it next \
                     wakes up, which a busy machine can delay; run it again."
                ),
            )
        } else {
            // Only a child /proc no longer lists was reaped; one still
            // listed (not as Z) is all the watch can vouch for.
            let who_reaped = match unjoined.last_state {
                None => format!(
                    "{server}, its parent, reaped it while mptutor was not waiting and kept only \
                     its exit status for mptutor"
                ),
                Some(_) => format!("it was not a zombie of mptutor's: {server} is its parent"),
            };
            Finding::judged(
                CLAIM,
                Verdict::Holds,
                format!(
                    "For the {watched} the parent left it unjoined, /proc never showed the child \
                     as a zombie ({last}): {who_reaped}. A zombie is its parent's to reap, and \
                     here the parent is the server."
                ),
            )
        };
    }
    const CLAIM: &str = "an unjoined child stays a zombie until it is waited for";
    match (unjoined.zombie_seen, unjoined.gone_after_wait) {
        (true, true) => Finding::judged(
            CLAIM,
            Verdict::Holds,
            format!(
                "Until it was waited for, the finished child stayed in the process table as a \
                 zombie (state Z, watched for {watched}): a pid and an exit status, nothing more. \
                 Once waitpid() reaped it, /proc/{pid} was gone. A program that never joins \
                 leaks them."
            ),
        ),
        (true, false) => Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "The child was a zombie until the parent waited, but /proc/{pid} was still there \
                 after waitpid() ({last}): the kernel may have given its pid to a new process \
                 already. Run it again."
            ),
        ),
        (false, _) => Finding::judged(
            CLAIM,
            Verdict::Contradicted,
            format!(
                "/proc never showed the exited child as a zombie in the {watched} before the \
                 parent waited ({last}): something else reaped it, or /proc could not be read. \
                 Run it again."
            ),
        ),
    }
}
