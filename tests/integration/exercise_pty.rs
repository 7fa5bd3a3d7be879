//! An exercise as a student does it, in a pseudo-terminal: `exercise`
//! gives the file, `watch` runs the starter and says what is wrong, each
//! save runs it again, and a right program passes, ends the watch and is
//! saved in the progress file.

use regex::Regex;

use crate::pty::Terminal;
use crate::support::{TempCourse, have_python3};

const LESSON: &str = r#"+++
id = "ex"
title = "Exercise lesson"
+++

## Four at once

Four children, all alive at the same time.

```exercise
id = "four-at-once"
title = "Four at once"
task = "Start four processes that each print `child N`, **all four alive at once**, and join every one."
starter = '''
import time
from multiprocessing import Process


def nap(n):
    time.sleep(0.3)
    print("child", n)


if __name__ == "__main__":
    for n in range(4):
        p = Process(target=nap, args=(n,))
        p.start()
        p.join()
'''
solution = '''
import time
from multiprocessing import Process


def nap(n):
    time.sleep(0.3)
    print("child", n)


if __name__ == "__main__":
    procs = [Process(target=nap, args=(n,)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
'''
hints = ["Start them all before you join any."]

[output]
each_once = ['child 0', 'child 1', 'child 2', 'child 3']

[behaviour]
processes = { exactly = 4 }
alive_at_once = { at_least = 4 }
all_joined = { zombie_ms = 1000 }
```
"#;

/// A wrong program: four children, but one at a time, and it prints
/// something else first.
const WRONG: &str = "import time\nfrom multiprocessing import Process\n\n\
def nap(n):\n    time.sleep(0.2)\n    print('child', n)\n\n\
if __name__ == '__main__':\n    print('trying')\n    for n in range(4):\n\
        p = Process(target=nap, args=(n,))\n        p.start()\n        p.join()\n";

fn solution() -> String {
    let start = LESSON.find("solution = '''\n").expect("a solution") + "solution = '''\n".len();
    let end = start + LESSON[start..].find("'''").expect("its end");
    LESSON[start..end].to_string()
}

#[test]
fn a_watched_exercise_fails_then_passes_on_save_and_the_pass_is_saved() {
    if !have_python3() {
        return;
    }
    let course = TempCourse::new(&[("ex.md", LESSON)]);
    let home = tempfile::tempdir().expect("temporary directory");
    let dir = course.path().display().to_string();
    let mut terminal = Terminal::start(home.path(), &["--lessons", &dir]);
    terminal.wait_for("mptutor> ");
    terminal.type_bytes(b"open ex\r");
    terminal.wait_for("mptutor ex 1/");
    terminal.type_bytes(b"exercise\r");
    // Typed only once the line editor reads again: what is typed before
    // it starts reading is lost.
    let shown = terminal.wait_for("mptutor ex 1/1> ");
    let path = Regex::new(r"(/\S+four-at-once\.py)")
        .expect("a path pattern")
        .captures(&shown)
        .map(|found| found[1].to_string())
        .unwrap_or_else(|| panic!("no file named in:\n{shown}"));
    let file = std::path::PathBuf::from(&path);
    let starter = std::fs::read_to_string(&file).expect("the starter was copied");
    assert!(starter.contains("p.join()"), "{starter}");

    // The starter runs one child at a time: the check says so in words.
    terminal.type_bytes(b"watch\r");
    let first = terminal.wait_for("to go.");
    assert!(first.contains('✗'), "{first}");
    assert!(
        first.contains("at a time") || first.contains("at once"),
        "no word of how many ran at once:\n{first}"
    );

    // A wrong program, saved: it runs again, and still fails.
    std::fs::write(&file, WRONG).expect("save a wrong program");
    let second = terminal.wait_for("to go.");
    assert!(
        second.contains("trying"),
        "the saved program ran:\n{second}"
    );
    assert!(second.contains('✗'), "{second}");

    // The right one passes, and the watch ends at the prompt.
    std::fs::write(&file, solution()).expect("save a right program");
    let passed = terminal.wait_for("Exercise passed");
    assert!(!passed.contains("trying"), "{passed}");
    terminal.wait_for("mptutor ex 1/");

    let progress = std::fs::read_to_string(home.path().join("mptutor").join("progress.toml"))
        .or_else(|_| std::fs::read_to_string(home.path().join("progress.toml")))
        .expect("the progress file");
    assert!(progress.contains("four-at-once"), "{progress}");
    assert!(progress.contains("passed_at"), "{progress}");

    terminal.type_bytes(b"exercises\r");
    let listed = terminal.wait_for("exercises passed");
    assert!(listed.contains("✓ passed"), "{listed}");
    assert!(listed.contains("1 of 1 exercises passed"), "{listed}");
}
