//! The findings of `spawn-process` against generated results: nothing is
//! said that the pids and states contradict.

use proptest::prelude::*;

use super::*;
use crate::findings::Verdict;
use crate::findings::testing::text;

const MPTUTOR: i32 = 999;
const SERVER: i32 = 500;

/// A run that went as the lesson says, by `start`.
fn result(start: StartMethod, join: bool) -> SpawnProcessResult {
    let by_server = start == StartMethod::ForkServer;
    let parent = if by_server { SERVER } else { MPTUTOR };
    let ids = Ids {
        pid: 1000,
        ppid: parent,
    };
    SpawnProcessResult {
        start,
        join,
        parent_pid: MPTUTOR,
        fork_server_pid: by_server.then_some(SERVER),
        child: Some(ids),
        printed: Some(ids),
        status: Some(ExitStatus::Code(0)),
        reaped_by: Some(parent),
        unjoined: (!join).then(|| Unjoined {
            zombie_seen: !by_server,
            last_state: (!by_server).then_some('Z'),
            watched_us: 300_000,
            gone_after_wait: true,
            held: None,
        }),
        timed_out: false,
    }
}

#[test]
fn the_ids_the_child_prints_are_read_back() {
    assert_eq!(
        read_ids("child: my pid is 1234, my parent's pid is 99"),
        Some(Ids {
            pid: 1234,
            ppid: 99
        })
    );
    assert_eq!(read_ids("child: my pid is x, my parent's pid is 99"), None);
    assert_eq!(read_ids("something else"), None);
}

#[test]
fn under_fork_the_parent_is_mptutor_and_the_unjoined_child_a_zombie() {
    let found = findings(&result(StartMethod::Fork, false));
    assert_eq!(found.len(), 4);
    assert!(
        found.iter().all(|f| f.verdict == Some(Verdict::Holds)),
        "{found:?}"
    );
    let all = text(&found);
    assert!(all.contains("The child got its own pid, 1000"), "{all}");
    assert!(all.contains("mptutor's, 999"), "{all}");
    assert!(all.contains("zombie (state Z"), "{all}");
    assert!(!all.contains("fork server"), "{all}");
}

#[test]
fn under_forkserver_the_server_is_named_the_parent_and_reaper() {
    let found = findings(&result(StartMethod::ForkServer, false));
    assert!(
        found.iter().all(|f| f.verdict == Some(Verdict::Holds)),
        "{found:?}"
    );
    assert!(
        found[1]
            .text
            .contains("not mptutor (pid 999) but the fork server, pid 500")
    );
    assert!(
        found[2]
            .text
            .contains("The fork server (pid 500) collected")
    );
    assert!(found[3].text.contains("never showed the child as a zombie"));
    assert_eq!(
        found[3].claim.as_deref(),
        Some("the fork server reaps the child at once, so the program sees no zombie")
    );
}

#[test]
fn under_forkserver_the_child_is_called_reaped_only_once_proc_no_longer_lists_it() {
    let mut still_listed = result(StartMethod::ForkServer, false);
    if let Some(unjoined) = &mut still_listed.unjoined {
        unjoined.last_state = Some('S');
    }
    let found = findings(&still_listed);
    assert_eq!(found[3].verdict, Some(Verdict::Holds));
    assert!(!found[3].text.contains("reaped"), "{}", found[3].text);
    assert!(found[3].text.contains("state S"), "{}", found[3].text);

    let gone = findings(&result(StartMethod::ForkServer, false));
    assert!(
        gone[3]
            .text
            .contains("the fork server (pid 500), its parent, reaped it"),
        "{}",
        gone[3].text
    );
}

#[test]
fn a_zombie_seen_under_forkserver_contradicts_the_claim_plainly() {
    let mut seen = result(StartMethod::ForkServer, false);
    if let Some(unjoined) = &mut seen.unjoined {
        unjoined.zombie_seen = true;
    }
    let found = findings(&seen);
    assert_eq!(found[3].verdict, Some(Verdict::Contradicted));
    assert!(
        found[3].text.contains("had not reaped it yet"),
        "{}",
        found[3].text
    );
}

#[test]
fn a_child_never_seen_as_a_zombie_under_fork_contradicts_the_claim() {
    let mut unseen = result(StartMethod::Spawn, false);
    unseen.unjoined = Some(Unjoined {
        zombie_seen: false,
        last_state: None,
        watched_us: 300_000,
        gone_after_wait: true,
        held: None,
    });
    let found = findings(&unseen);
    assert_eq!(found[3].verdict, Some(Verdict::Contradicted));
    assert!(!found[3].text.contains("stayed"), "{}", found[3].text);
}

#[test]
fn joined_at_once_there_is_no_zombie_finding() {
    for start in StartMethod::ALL {
        let found = findings(&result(start, true));
        assert_eq!(found.len(), 3, "{start:?}");
        assert!(!text(&found).contains("zombie"), "{start:?}");
    }
}

#[test]
fn the_result_round_trips_through_json() {
    for start in StartMethod::ALL {
        let result = result(start, false);
        let text = serde_json::to_string(&result).unwrap_or_default();
        let back: SpawnProcessResult = serde_json::from_str(&text).expect("parses back");
        assert_eq!(back, result);
    }
}

fn any_ids() -> impl Strategy<Value = Option<Ids>> {
    proptest::option::weighted(
        0.9,
        (
            prop_oneof![Just(1000), Just(1001), Just(MPTUTOR), Just(0)],
            prop_oneof![Just(MPTUTOR), Just(SERVER), Just(1)],
        )
            .prop_map(|(pid, ppid)| Ids { pid, ppid }),
    )
}

/// Any result: any start method, join or not, pids that agree or not,
/// with or without an exit, any state seen in /proc.
fn any_result() -> impl Strategy<Value = SpawnProcessResult> {
    (
        prop_oneof![
            Just(StartMethod::Fork),
            Just(StartMethod::Spawn),
            Just(StartMethod::ForkServer)
        ],
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(SERVER), Just(MPTUTOR)]),
        any_ids(),
        any_ids(),
        any::<bool>(),
        (
            any::<bool>(),
            proptest::option::of(prop_oneof![Just('Z'), Just('S'), Just('R')]),
            0u64..1_000_000,
            any::<bool>(),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(start, join, server, child, printed, exited, watch, timed_out)| {
                let (zombie_seen, last_state, watched_us, gone_after_wait) = watch;
                let status = exited.then_some(ExitStatus::Code(0));
                SpawnProcessResult {
                    start,
                    join,
                    parent_pid: MPTUTOR,
                    fork_server_pid: server,
                    child,
                    printed,
                    reaped_by: status.as_ref().and(child.map(|child| child.ppid)),
                    status,
                    unjoined: (!join).then_some(Unjoined {
                        zombie_seen,
                        last_state,
                        watched_us,
                        gone_after_wait,
                        held: None,
                    }),
                    timed_out,
                }
            },
        )
}

proptest! {
    #[test]
    fn no_finding_says_what_its_figures_contradict(result in any_result()) {
        let found = findings(&result);
        let all = text(&found);
        let verdict = |at: usize| found[at].verdict.clone();
        prop_assert_eq!(found.len(), 3 + usize::from(!result.join));

        // Its own pid: the engine's pid is not mptutor's, and the printed
        // one, if any, is the same.
        let own = result.child.is_some_and(|child| {
            child.pid > 0
                && child.pid != MPTUTOR
                && result.printed.is_none_or(|printed| printed.pid == child.pid)
        });
        prop_assert_eq!(verdict(0) == Some(Verdict::Holds), own, "{}", all);

        // Its parent: mptutor under fork and spawn, the server (which is
        // not mptutor) under forkserver, as printed and as seen.
        let by_server = result.start == StartMethod::ForkServer;
        let expected = if by_server { result.fork_server_pid.filter(|s| *s != MPTUTOR) } else { Some(MPTUTOR) };
        let parent = match (result.child, result.printed, expected) {
            (Some(child), Some(printed), Some(expected)) => {
                child.ppid == expected && printed.ppid == expected
            }
            _ => false,
        };
        prop_assert_eq!(verdict(1) == Some(Verdict::Holds), parent, "{}", all);
        if verdict(1) == Some(Verdict::Holds) {
            prop_assert_eq!(found[1].text.contains("fork server"), by_server, "{}", all);
        }

        // The exit status: collected exactly when there is one.
        prop_assert_eq!(verdict(2) == Some(Verdict::Holds), result.status.is_some(), "{}", all);

        // The zombie, as /proc showed it.
        if let Some(unjoined) = &result.unjoined {
            let holds = if by_server {
                !unjoined.zombie_seen
            } else {
                unjoined.zombie_seen && unjoined.gone_after_wait
            };
            prop_assert_eq!(verdict(3) == Some(Verdict::Holds), holds, "{}", all);
            if !unjoined.zombie_seen {
                prop_assert!(!all.contains("stayed in the process table"), "{}", all);
            } else {
                prop_assert!(!all.contains("never showed"), "{}", all);
            }
        }
    }
}
