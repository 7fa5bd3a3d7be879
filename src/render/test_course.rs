//! A small hand-built course for the renderers' tests, independent of the
//! loader and of the real lessons so that their changes never move these
//! snapshots.

use crate::course::{Block, CodeBlock, Course, CourseOrigin, DemoBlock, Lesson, Quiz, Step};
use crate::demos::{DemoParams, ParamValue, find_demo};

fn code(lang: &str, code: &str) -> CodeBlock {
    CodeBlock {
        lang: lang.to_string(),
        code: code.to_string(),
        line: 1,
    }
}

fn quiz(question: &str, choices: &[&str], answer: usize, explain: &str) -> Block {
    Block::Quiz(Quiz {
        question: question.to_string(),
        choices: choices.iter().map(|choice| choice.to_string()).collect(),
        answer,
        explain: explain.to_string(),
        hint: None,
        line: 1,
    })
}

const STARTING: &str = "\
A **process** is a running program with its own memory. Python's \
`multiprocessing` module starts one with `Process(target=f)`; the parent \
keeps running while the child works.

- `start()` asks the operating system for a new process
- `join()` waits until the child has finished
  - without it, the child may outlive the parent's interest in it
- `pid` is the process id the OS gave the child";

const PROGRAM: &str = "\
from multiprocessing import Process
import os

def greet(name):
    print(f\"hello {name} from pid {os.getpid()}, my parent is {os.getppid()}\")

if __name__ == \"__main__\":
    child = Process(target=greet, args=(\"child\",))
    child.start()
    child.join()
";

const OS_VIEW: &str = "\
### Looking from outside

While the child runs, `ps` shows both processes:

| process | pid | parent pid |
|---|--:|---|
| parent (python) | 4100 | your shell |
| child | 4101 | 4100 |

> A process that has exited but was not yet *waited for* is a **zombie**:
> it holds only its exit status.";

const CONSOLE: &str = "\
$ ps -o pid,ppid,stat,command
  PID  PPID STAT COMMAND
 4100  3990 S+   python3 start.py
 4101  4100 Z+   [python3] <defunct>
";

/// Lesson `q3`, three steps: prose with a list, a program, a demo, two
/// quizzes and a note; a table, a quote and console output; prose alone.
pub(crate) fn sample_lesson() -> Lesson {
    let demo = find_demo("spawn-process").expect("spawn-process is in the catalogue");
    let mut params = DemoParams::default();
    params.set("join", ParamValue::Bool(false));
    Lesson {
        id: "q3".to_string(),
        title: "Create a process".to_string(),
        summary: "Start a child process, wait for it, and see what the OS did.".to_string(),
        path: "lessons/q3.md".to_string(),
        steps: vec![
            Step {
                title: "Starting a process".to_string(),
                line: 7,
                blocks: vec![
                    Block::Prose(STARTING.to_string()),
                    Block::Python(code("python", PROGRAM)),
                    Block::Demo(DemoBlock {
                        demo,
                        params,
                        line: 30,
                    }),
                    quiz(
                        "What does `join()` do?",
                        &[
                            "Starts the child",
                            "Waits for the child to finish",
                            "Kills the child",
                        ],
                        2,
                        "`join()` blocks the parent until the child has exited.",
                    ),
                    quiz(
                        "Which process prints first?",
                        &["The parent", "The child", "It depends on the scheduler"],
                        3,
                        "Both run at once; the OS decides who gets a CPU first.",
                    ),
                    Block::Note(
                        "Ask the room to *predict* the two pids before running.\n\n\
                         - works best with `join=false`"
                            .to_string(),
                    ),
                ],
            },
            Step {
                title: "What the OS does".to_string(),
                line: 40,
                blocks: vec![
                    Block::Prose(OS_VIEW.to_string()),
                    Block::Code(code("console", CONSOLE)),
                    quiz(
                        "What is a zombie?",
                        &[
                            "A process that was never started",
                            "An exited child not yet waited for",
                        ],
                        2,
                        "The OS keeps its exit status until the parent collects it.",
                    ),
                ],
            },
            Step {
                title: "Recap".to_string(),
                line: 60,
                blocks: vec![Block::Prose(
                    "Start with `start()`, wait with `join()`, and always wait for your children."
                        .to_string(),
                )],
            },
        ],
    }
}

/// A course of three lessons, `q3` the sample lesson.
pub(crate) fn sample_course() -> Course {
    let mut first = sample_lesson();
    first.id = "q1".to_string();
    first.title = "Why more processes".to_string();
    first.summary = "Time a CPU-heavy job on one core, then on all of them.".to_string();
    first.steps.truncate(2);
    let mut last = sample_lesson();
    last.id = "q4".to_string();
    last.title = "Pools and queues".to_string();
    last.summary =
        "Hand out work to a pool of workers through a queue, and watch who takes which task; \
                    then see what happens when a worker dies."
            .to_string();
    Course {
        title: "Processes and threads".to_string(),
        format_version: 1,
        origin: CourseOrigin::BuiltIn,
        lessons: vec![first, sample_lesson(), last],
    }
}
