use std::path::PathBuf;

use proptest::prelude::*;

use super::*;
use crate::engine::sys::limits::GroupPids;

/// A roomy machine: a user well under its limit, no group limit.
fn roomy() -> TaskLimits {
    TaskLimits {
        user_soft: Some(4096),
        user_hard: None,
        user_limit_applies: true,
        user_tasks: Some(57),
        system_tasks: Some(300),
        threads_max: Some(192_724),
        pid_max: Some(32_768),
        group: None,
        address_space: None,
        address_space_used: Some(24 * MIB),
    }
}

fn process(limits: &TaskLimits) -> String {
    why_refused(NewTask::Process, Refusal::TryAgain, limits)
}

#[test]
fn a_user_at_its_process_limit_is_told_the_limit_and_how_to_raise_it() {
    let limits = TaskLimits {
        user_soft: Some(50),
        user_tasks: Some(50),
        ..roomy()
    };
    assert_eq!(
        process(&limits),
        "the system refused a new process (EAGAIN): your user may run at most 50 processes \
         and threads (ulimit -u) and has 50 running. Close some programs or raise the limit \
         (ulimit -u 4096), then try again."
    );
}

#[test]
fn a_soft_limit_is_raised_no_further_than_the_hard_one() {
    let limits = TaskLimits {
        user_soft: Some(50),
        user_hard: Some(200),
        user_tasks: Some(49),
        ..roomy()
    };
    assert!(
        process(&limits).contains("(ulimit -u 200)"),
        "{}",
        process(&limits)
    );
    let stuck = TaskLimits {
        user_hard: Some(50),
        ..limits
    };
    assert!(
        process(&stuck).contains(
            "raise the limit (as root, in /etc/security/limits.conf: 50 is the hard limit too)"
        ),
        "{}",
        process(&stuck)
    );
}

#[test]
fn root_is_not_told_of_a_user_limit_the_kernel_does_not_hold_it_to() {
    let limits = TaskLimits {
        user_soft: Some(50),
        user_tasks: Some(50),
        user_limit_applies: false,
        ..roomy()
    };
    let text = process(&limits);
    assert!(!text.contains("may run at most"), "{text}");
    assert!(
        text.contains("none of the limits mptutor checked is reached"),
        "{text}"
    );
    assert!(
        text.contains("your user: 50 running, not held to a limit"),
        "{text}"
    );
}

#[test]
fn a_full_control_group_is_named_by_its_file() {
    let limits = TaskLimits {
        group: Some(GroupPids {
            path: PathBuf::from("/sys/fs/cgroup/user.slice/pids.max"),
            max: 100,
            current: 99,
        }),
        ..roomy()
    };
    let text = process(&limits);
    assert!(
        text.contains(
            "this session's control group may hold at most 100 processes and threads \
             (/sys/fs/cgroup/user.slice/pids.max) and holds 99"
        ),
        "{text}"
    );
    assert!(
        text.contains("echo 4096 > /sys/fs/cgroup/user.slice/pids.max"),
        "{text}"
    );
}

#[test]
fn the_machine_s_thread_and_pid_limits_are_named_when_reached() {
    let threads = TaskLimits {
        system_tasks: Some(192_724),
        pid_max: Some(4_194_304),
        ..roomy()
    };
    let text = process(&threads);
    assert!(
        text.contains("(kernel.threads-max) and runs 192724"),
        "{text}"
    );
    assert!(text.contains("sysctl kernel.threads-max=385448"), "{text}");
    let pids = TaskLimits {
        system_tasks: Some(32_760),
        ..roomy()
    };
    let text = process(&pids);
    assert!(
        text.contains("32768 process ids (kernel.pid_max) and 32760 are taken"),
        "{text}"
    );
    assert!(text.contains("sysctl kernel.pid_max=65536"), "{text}");
}

#[test]
fn two_limits_reached_are_both_named_the_fuller_first() {
    let limits = TaskLimits {
        user_soft: Some(300),
        user_tasks: Some(295),
        system_tasks: Some(32_768),
        ..roomy()
    };
    let text = process(&limits);
    let pid_at = text.find("kernel.pid_max").expect("pid_max named");
    let user_at = text.find("ulimit -u").expect("the user limit named");
    assert!(pid_at < user_at, "{text}");
    assert!(text.contains("raise the limits ("), "{text}");
}

#[test]
fn a_thread_without_room_for_its_stack_names_the_address_space_limit() {
    let limits = TaskLimits {
        address_space: Some(50 * MIB),
        address_space_used: Some(49 * MIB),
        ..roomy()
    };
    let text = why_refused(NewTask::Thread, Refusal::TryAgain, &limits);
    assert_eq!(
        text,
        "the system refused a new thread (EAGAIN): mptutor may use at most 50 MiB of address \
         space (ulimit -v), uses 49 MiB, and each thread's stack needs room in it. Close some \
         programs or raise the limit (ulimit -v unlimited), then try again."
    );
    // A process's address space is its own: the limit is not why a fork
    // failed.
    assert!(
        !process(&limits).contains("ulimit -v"),
        "{}",
        process(&limits)
    );
}

#[test]
fn with_no_limit_reached_every_limit_checked_is_listed_with_its_value() {
    assert_eq!(
        process(&roomy()),
        "the system refused a new process (EAGAIN), though none of the limits mptutor \
         checked is reached: your user: 57 running, at most 4096 (ulimit -u); control group: \
         no pids.max; the machine: 300 threads, at most 192724 (kernel.threads-max), 32768 \
         process ids (kernel.pid_max). Another program may have held a limit for a moment: \
         try again, and if it goes on, close some programs."
    );
    let text = why_refused(NewTask::Thread, Refusal::NoMemory, &TaskLimits::default());
    assert!(
        text.starts_with("the system refused a new thread (ENOMEM)"),
        "{text}"
    );
    assert!(text.contains("the machine: at most unknown"), "{text}");
    assert!(
        text.contains("address space: no limit (ulimit -v)"),
        "{text}"
    );
    assert!(text.ends_with("The machine is short of memory: close some programs, then try again."));
}

fn any_limits() -> impl Strategy<Value = TaskLimits> {
    let count = prop_oneof![
        Just(None),
        (0u64..100_000).prop_map(Some),
        Just(Some(u64::MAX))
    ];
    (
        (count.clone(), count.clone(), any::<bool>(), count.clone()),
        (count.clone(), count.clone(), count.clone()),
        proptest::option::of((1u64..10_000, 0u64..10_000)),
        (count.clone(), count),
    )
        .prop_map(
            |(
                (user_soft, user_hard, user_limit_applies, user_tasks),
                (system_tasks, threads_max, pid_max),
                group,
                (address_space, address_space_used),
            )| TaskLimits {
                user_soft,
                user_hard,
                user_limit_applies,
                user_tasks,
                system_tasks,
                threads_max,
                pid_max,
                group: group.map(|(max, current)| GroupPids {
                    path: PathBuf::from("/sys/fs/cgroup/pids.max"),
                    max,
                    current,
                }),
                address_space: address_space.map(|mib| mib.saturating_mul(MIB)),
                address_space_used: address_space_used.map(|mib| mib.saturating_mul(MIB)),
            },
        )
}

proptest! {
    /// A limit is named as the cause only when the numbers show it
    /// within a few tasks of full; otherwise the message says none is
    /// reached and lists them. Either way it says what to do next.
    #[test]
    fn only_a_limit_the_numbers_show_near_is_named(limits in any_limits(), thread in any::<bool>()) {
        let new = if thread { NewTask::Thread } else { NewTask::Process };
        let text = why_refused(new, Refusal::TryAgain, &limits);
        let user_near = limits.user_limit_applies
            && matches!((limits.user_soft, limits.user_tasks), (Some(max), Some(used)) if near(used, max));
        prop_assert_eq!(text.contains("(ulimit -u) and has"), user_near, "{}", text);
        let group_near = limits.group.as_ref().is_some_and(|group| near(group.current, group.max));
        prop_assert_eq!(text.contains("and holds"), group_near, "{}", text);
        let named = text.contains("Close some programs or raise");
        prop_assert_eq!(named, !text.contains("none of the limits"), "{}", text);
        prop_assert!(text.ends_with("try again.") || text.ends_with("close some programs."), "{}", text);
        if !thread {
            prop_assert!(!text.contains("ulimit -v"), "{}", text);
        }
    }
}
