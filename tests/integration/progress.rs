//! Saved progress: never lost, never half-written, never a reason to crash;
//! quiz scores and `review`; resuming where the student left off.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use mptutor::progress::{CourseProgress, Progress};

use crate::support::mptutor;

/// The built-in course's title: progress is kept per course.
const COURSE: &str = "Processes and threads: Python's multiprocessing, seen for real";

/// Steps per lesson of the built-in course, in order.
fn steps_per_lesson() -> Vec<(String, usize)> {
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    course
        .lessons
        .iter()
        .map(|lesson| (lesson.id.clone(), lesson.steps.len()))
        .collect()
}

/// Runs mptutor in script mode with progress in `file`, feeding `script`.
fn run_script(home: &Path, file: &Path, script: &str) -> Output {
    let mut child = mptutor(home)
        .arg("--progress")
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .expect("write the script");
    }
    child.wait_with_output().expect("wait for mptutor")
}

fn read_progress(file: &Path) -> Progress {
    let text = std::fs::read_to_string(file).expect("the progress file");
    toml::from_str(&text).unwrap_or_else(|error| panic!("unparsable progress:\n{text}\n{error}"))
}

fn saved_course(file: &Path) -> CourseProgress {
    read_progress(file)
        .courses
        .get(COURSE)
        .cloned()
        .unwrap_or_default()
}

/// The script every kill round runs: forget everything, answer q1's quiz,
/// then walk every step of the course in order. Each line saves.
fn walk_script() -> String {
    let steps: usize = steps_per_lesson().iter().map(|(_, steps)| steps).sum();
    let mut script = format!("reset\ny\nopen q1\nquiz all\n{}", right_answers("q1"));
    script.push_str(&"next\n".repeat(steps - 1));
    script
}

/// True when `saved` is a state the walk script writes at some point: the
/// empty state after `reset`, or a prefix of the walk (every step of the
/// lessons before the current one, steps 1..k of the current one, and
/// `last_place` there), with a prefix of q1's answers.
fn is_a_state_the_walk_writes(saved: &CourseProgress) -> Result<(), String> {
    if saved.lessons.is_empty() {
        return match saved.last_place {
            None => Ok(()),
            Some(_) => Err("a place but no lessons".into()),
        };
    }
    let lessons = steps_per_lesson();
    let Some(current) = lessons
        .iter()
        .rposition(|(id, _)| saved.lessons.contains_key(id))
    else {
        return Err("lessons that are not in the course".into());
    };
    for (index, (id, steps)) in lessons.iter().enumerate() {
        let entry = saved.lessons.get(id);
        let seen: BTreeSet<usize> = entry.map(|e| e.steps_seen.clone()).unwrap_or_default();
        if index < current && seen != (1..=*steps).collect() {
            return Err(format!(
                "{id} before the current lesson is not complete: {seen:?}"
            ));
        }
        if index == current {
            let k = seen.len();
            if seen != (1..=k).collect() {
                return Err(format!("{id}'s steps are not a prefix: {seen:?}"));
            }
            let place = saved.last_place.as_ref().ok_or("no last place")?;
            if place.lesson != *id || place.step != k {
                return Err(format!("last place {place:?} is not {id} step {k}"));
            }
        }
        if index > current && entry.is_some() {
            return Err(format!("{id} is after the current lesson"));
        }
        let answered: BTreeSet<usize> = entry
            .map(|e| e.right.union(&e.wrong).copied().collect())
            .unwrap_or_default();
        let is_prefix = answered == (1..=answered.len()).collect();
        if !(is_prefix && (id == "q1" || answered.is_empty())) {
            return Err(format!(
                "{id}'s answers are not a prefix of q1's: {answered:?}"
            ));
        }
    }
    Ok(())
}

/// The right answer of every question of lesson `id`, one per line.
pub(crate) fn right_answers(id: &str) -> String {
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let lesson = course.find_lesson(id).expect("the lesson");
    course
        .lesson(lesson)
        .quizzes()
        .map(|(_, quiz)| format!("{}\n", quiz.answer))
        .collect()
}

/// A small, seedable random number source (xorshift), so a failing round
/// can be told apart without a dependency.
struct Rounds(u64);

impl Rounds {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

#[test]
fn progress_survives_kill_9_at_any_moment_of_a_save() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    let script = walk_script();

    // One whole run first: how long the script takes, and that its end
    // state is right, so the kills below land while it is saving.
    let started = Instant::now();
    let output = run_script(home.path(), &file, &script);
    let whole_run = started.elapsed();
    assert!(output.status.success(), "{output:?}");
    let end = saved_course(&file);
    is_a_state_the_walk_writes(&end).expect("the finished walk is consistent");
    assert_eq!(
        end.last_place.as_ref().map(|p| p.lesson.as_str()),
        Some("q9")
    );

    let seed = u64::from(std::process::id()) | 1;
    let mut rounds = Rounds(seed);
    let window_us = u64::try_from(whole_run.as_micros()).unwrap_or(1_000_000);
    let mut states_seen = BTreeSet::new();
    for round in 0..50 {
        let mut child = mptutor(home.path())
            .arg("--progress")
            .arg(&file)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mptutor");
        if let Some(mut input) = child.stdin.take() {
            // It may already be dead: a broken pipe is part of the test.
            let _ = input.write_all(script.as_bytes());
        }
        let delay = Duration::from_micros(rounds.next_below(window_us));
        std::thread::sleep(delay);
        child.kill().expect("kill -9 mptutor");
        child.wait().expect("reap mptutor");

        let saved = saved_course(&file);
        if let Err(why) = is_a_state_the_walk_writes(&saved) {
            panic!("round {round} (seed {seed}, killed after {delay:?}): {why}\n{saved:#?}");
        }
        let steps: usize = saved.lessons.values().map(|e| e.steps_seen.len()).sum();
        states_seen.insert(steps);
    }
    // Only the lock and temporary files of killed saves may be left beside
    // the file.
    for entry in std::fs::read_dir(home.path())
        .expect("read the folder")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            name == "progress.toml"
                || name == "progress.toml.lock"
                || name.starts_with(".progress.toml.")
                || name == "mptutor",
            "unexpected file {name}"
        );
    }
    assert!(
        states_seen.len() > 3,
        "the kills should land at many different points of the walk: {states_seen:?}"
    );
}

#[test]
fn a_corrupt_progress_file_is_set_aside_with_a_warning_and_kept() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    std::fs::write(
        &file,
        "format_version = 1\n[courses.\"x\"\nthis is not TOML",
    )
    .expect("write");
    let output = run_script(home.path(), &file, "open q1\nquit\n");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mptutor: warning:"), "{stderr}");
    assert!(stderr.contains("could not be used"), "{stderr}");
    let kept = stderr
        .split("moved to ")
        .nth(1)
        .and_then(|rest| rest.split(" and your progress").next())
        .unwrap_or_else(|| panic!("no path in the warning: {stderr}"));
    let kept_text = std::fs::read_to_string(kept).expect("the old file is kept");
    assert!(kept_text.contains("this is not TOML"));
    let saved = saved_course(&file);
    assert!(saved.lessons["q1"].steps_seen.contains(&1));
}

#[test]
fn quiz_answers_are_scored_with_retries_and_review_says_what_is_due() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    // q6's answers are 2, 3, 1, 4: the first right, the second wrong
    // twice, the third right on the second try, the fourth wrong twice.
    let output = run_script(
        home.path(),
        &file,
        "open q6\nquiz all\n2\n1\n2\n2\n1\n1\n2\nprogress\nreview\nstop\n",
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("Quiz done: 2 of 4 right (1 on the second try)"),
        "{text}"
    );
    assert!(text.contains("2/4 right, 2 to review"), "{text}");
    assert!(
        text.contains("4 questions due: 2 answered wrong last time, 2 not yet reviewed"),
        "{text}"
    );
    assert!(
        text.contains("Review stopped before its first answer"),
        "{text}"
    );
    let saved = saved_course(&file);
    assert_eq!(saved.lessons["q6"].right, BTreeSet::from([1, 3]));
    assert_eq!(saved.lessons["q6"].right_on_retry, BTreeSet::from([3]));
    assert_eq!(saved.lessons["q6"].wrong, BTreeSet::from([2, 4]));
}

#[test]
fn reset_asks_first_and_forgets_only_after_yes() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    let output = run_script(home.path(), &file, "open q3\nnext\nopen q4\nreset q3\nn\n");
    assert!(String::from_utf8_lossy(&output.stdout).contains("Nothing was reset"));
    assert!(saved_course(&file).lessons.contains_key("q3"));

    run_script(home.path(), &file, "reset q3\ny\n");
    let saved = saved_course(&file);
    assert!(!saved.lessons.contains_key("q3"), "{saved:?}");
    assert!(saved.lessons.contains_key("q4"), "only q3 is forgotten");
}

#[test]
fn a_student_takes_a_quiz_and_resumes_after_a_restart() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("saved.toml");
    let start = || {
        let mut command = mptutor(home.path());
        command.args(["--width", "100", "--progress"]).arg(&file);
        rexpect::session::spawn_command(command, Some(10_000)).expect("start mptutor in a pty")
    };
    let mut repl = start();
    repl.exp_string("mptutor> ").expect("first prompt");
    repl.send_line("open q3").expect("open q3");
    repl.exp_string("mptutor q3 1/9> ").expect("q3 step 1");
    repl.send_line("").expect("Enter");
    repl.exp_string("mptutor q3 2/9> ").expect("q3 step 2");
    repl.send_line("quiz").expect("quiz");
    repl.exp_string("mptutor q3 quiz 1/1> ")
        .expect("the step's one question");
    repl.send_line("stop").expect("stop");
    repl.exp_string("mptutor q3 2/9> ").expect("back at step 2");
    repl.send_line("quiz all").expect("quiz all");
    repl.exp_string("mptutor q3 quiz 1/10> ")
        .expect("first question");
    repl.send_line("b").expect("a right answer");
    repl.exp_string("Right").expect("scored right");
    repl.exp_string("mptutor q3 quiz 2/10> ")
        .expect("second question");
    // Question 2's answer is 3: a wrong first try, then the right one.
    repl.send_line("a").expect("a wrong answer");
    repl.exp_string("Try once more").expect("a second try");
    repl.exp_string("mptutor q3 quiz 2/10> ")
        .expect("the same question");
    repl.send_line("c").expect("the right answer");
    repl.exp_string("Right, on the second try")
        .expect("right on the second try");
    repl.exp_string("mptutor q3 quiz 3/10> ")
        .expect("third question");
    repl.send_line("stop").expect("stop");
    repl.exp_string("Quiz stopped after 2 of 10 questions")
        .expect("stopped");
    repl.exp_string("mptutor q3 2/9> ").expect("back at step 2");
    repl.send_line("quit").expect("quit");
    repl.exp_eof().expect("mptutor left");

    let mut repl = start();
    // `q3` is in bold: the escapes around it are not spaces.
    repl.exp_regex(r"Last time you were at \S*q3\S*, step 2 of 9")
        .expect("the welcome offers to resume");
    repl.exp_string("mptutor> ").expect("first prompt");
    repl.send_line("").expect("Enter resumes");
    repl.exp_string("mptutor q3 2/9> ")
        .expect("resumed at q3 step 2");
    repl.send_line("quiz all").expect("quiz all");
    repl.exp_string("Resuming where this quiz stopped: question 3 of 10")
        .expect("the quiz resumes");
    repl.exp_string("mptutor q3 quiz 3/10> ")
        .expect("at the third question");
    // `quit` in a quiz leaves mptutor, keeping the place.
    repl.send_line("quit").expect("quit");
    repl.exp_eof().expect("mptutor left");
    let saved = saved_course(&file);
    assert_eq!(saved.lessons["q3"].right, BTreeSet::from([1, 2]));
    assert_eq!(saved.lessons["q3"].right_on_retry, BTreeSet::from([2]));
}

#[test]
fn review_in_a_terminal_takes_the_right_choice_wherever_it_is_shuffled_to() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("saved.toml");
    // q6 answered once, all right, in a script.
    let output = run_script(
        home.path(),
        &file,
        &format!("open q6\nquiz all\n{}", right_answers("q6")),
    );
    assert!(output.status.success(), "{output:?}");
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let q6 = course.lesson(course.find_lesson("q6").expect("q6"));
    let mut command = mptutor(home.path());
    command
        .args(["--width", "100", "--color", "never", "--progress"])
        .arg(&file);
    let mut repl =
        rexpect::session::spawn_command(command, Some(10_000)).expect("start mptutor in a pty");
    repl.exp_string("mptutor> ").expect("first prompt");
    repl.send_line("review").expect("review");
    repl.exp_string("4 questions due: 4 not yet reviewed")
        .expect("why they are due");
    for number in 1..=4 {
        let (shown, _) = repl
            .exp_regex(&format!(r"mptutor review {number}/4> "))
            .expect("a review question");
        let question: usize = shown
            .rsplit("(lesson q6, question ")
            .next()
            .and_then(|rest| rest.split(')').next())
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("no question number in {shown:?}"));
        let quiz = q6.quizzes().nth(question - 1).expect("the question").1;
        let right: String = quiz.choices[quiz.answer - 1].chars().take(25).collect();
        let letter = shown
            .rsplit(&format!("(lesson q6, question {question})"))
            .next()
            .unwrap_or_default()
            .lines()
            .find_map(|line| {
                let (marker, text) = line.trim().split_once(") ")?;
                let number: u8 = marker.parse().ok()?;
                text.starts_with(&right)
                    .then(|| char::from(b'a' + number - 1))
            })
            .unwrap_or_else(|| panic!("{right:?} is not among the choices of {shown:?}"));
        repl.send_line(&letter.to_string())
            .expect("the right letter");
        // The pty reads bytes one by one: match the ASCII word, not the ✓.
        repl.exp_string("Right").expect("taken as right");
    }
    repl.exp_string("Review done: all 4 right now")
        .expect("the review is done");
    repl.send_line("review").expect("review again");
    repl.exp_string("4 already reviewed this")
        .expect("none comes back in the same session");
    repl.send_line("quit").expect("quit");
    repl.exp_eof().expect("mptutor left");
}

/// A script that shows every step of `lessons` (consecutive in the
/// course), `times` times over, then answers every question of the first
/// one right; and how many questions that is.
fn walk_lessons(lessons: &[&str], times: usize) -> (String, usize) {
    let course = mptutor::course::load_builtin().expect("the built-in course loads");
    let chosen = || {
        course
            .lessons
            .iter()
            .filter(|lesson| lessons.contains(&lesson.id.as_str()))
    };
    let steps: usize = chosen().map(|lesson| lesson.steps.len()).sum();
    let questions = chosen().next().map_or(0, |lesson| lesson.quizzes().count());
    let walk = format!("open {}\n{}", lessons[0], "next\n".repeat(steps - 1));
    let script = format!(
        "{}open {}\nquiz all\n{}",
        walk.repeat(times),
        lessons[0],
        right_answers(lessons[0])
    );
    (script, questions)
}

#[test]
fn two_sessions_on_one_progress_file_keep_every_step_and_answer_of_both() {
    let home = tempfile::tempdir().expect("temporary directory");
    let sessions = [
        walk_lessons(&["q1", "q2", "q3", "q4"], 3),
        walk_lessons(&["q5", "q6", "q7", "q8", "q9"], 3),
    ];
    let steps = steps_per_lesson();
    for round in 0..4 {
        let file = home.path().join(format!("progress-{round}.toml"));
        // Both start before either is given its script, so they overlap.
        let mut children: Vec<_> = sessions
            .iter()
            .map(|_| {
                mptutor(home.path())
                    .arg("--progress")
                    .arg(&file)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("start mptutor")
            })
            .collect();
        for (child, (script, _)) in children.iter_mut().zip(&sessions) {
            let mut input = child.stdin.take().expect("stdin");
            input
                .write_all(script.as_bytes())
                .expect("write the script");
        }
        for child in children {
            let output = child.wait_with_output().expect("wait for mptutor");
            assert!(output.status.success(), "round {round}: {output:?}");
        }
        let saved = saved_course(&file);
        for (id, count) in &steps {
            let seen = saved
                .lessons
                .get(id)
                .map(|lesson| lesson.steps_seen.clone())
                .unwrap_or_default();
            assert_eq!(seen, (1..=*count).collect(), "round {round}: {id}'s steps");
        }
        for (id, (_, questions)) in ["q1", "q5"].into_iter().zip(&sessions) {
            let lesson = &saved.lessons[id];
            let answered: BTreeSet<usize> = lesson.right.union(&lesson.wrong).copied().collect();
            assert_eq!(
                answered,
                (1..=*questions).collect(),
                "round {round}: {id}'s answers"
            );
        }
    }
}

/// Runs mptutor's script mode with progress in `file`, killing it if it
/// has not finished after `guard` (a hang guard, not a timing).
fn run_script_guarded(home: &Path, file: &Path, script: &str, guard: Duration) -> Output {
    let mut child = mptutor(home)
        .arg("--progress")
        .arg(file)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mptutor");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(script.as_bytes())
            .expect("write the script");
    }
    let started = Instant::now();
    while child.try_wait().expect("poll mptutor").is_none() {
        if started.elapsed() > guard {
            let _ = child.kill();
            let output = child.wait_with_output().expect("reap mptutor");
            panic!("mptutor hung on {}: {output:?}", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait for mptutor")
}

#[test]
fn a_named_pipe_as_the_progress_file_is_refused_instead_of_blocking_start_up() {
    let home = tempfile::tempdir().expect("temporary directory");
    let fifo = home.path().join("progress.toml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let output = run_script_guarded(
        home.path(),
        &fifo,
        "open q1\nprogress\n",
        Duration::from_secs(60),
    );
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&fifo.display().to_string()), "{stderr}");
    assert!(stderr.contains("named pipe (FIFO)"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Not being saved"), "{stdout}");
    assert!(!stdout.contains("Saved in"), "{stdout}");
}

#[test]
fn progress_says_it_is_not_being_saved_while_saves_fail() {
    let home = tempfile::tempdir().expect("temporary directory");
    // Nobody, root included, can create files directly in /proc.
    let file = Path::new("/proc/mptutor-progress.toml");
    let output = run_script_guarded(
        home.path(),
        file,
        "open q1\nnext\nprogress\n",
        Duration::from_secs(60),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("could not be saved"), "{stdout}");
    assert!(stdout.contains("Not being saved"), "{stdout}");
    assert!(!stdout.contains("Saved in"), "{stdout}");
}

#[test]
fn a_temporary_left_by_a_killed_save_is_removed_at_the_next_start() {
    let home = tempfile::tempdir().expect("temporary directory");
    let file = home.path().join("progress.toml");
    let leftover = home.path().join(".progress.toml.k1ll3d.tmp");
    std::fs::write(&leftover, "half a save").expect("a leftover temporary");
    let output = run_script_guarded(home.path(), &file, "list\n", Duration::from_secs(60));
    assert!(output.status.success(), "{output:?}");
    assert!(!leftover.exists(), "the leftover is still there");
}
