//! `hint all`: every hint already seen on this step (or its exercise),
//! shown again in order, without counting another one as seen.

use super::{Reply, Session};
use crate::course::Block;

impl Session {
    /// `hint all`.
    pub(super) fn hints_seen_again(&self) -> Reply {
        let Some((at, lesson)) = self.current_lesson() else {
            return self.nothing_open();
        };
        let exercise = self
            .current_exercise()
            .ok()
            .map(|(_, _, exercise)| exercise);
        let (hints, seen) = match exercise.filter(|exercise| !exercise.hints.is_empty()) {
            Some(exercise) => {
                let seen = self
                    .saved()
                    .and_then(|course| course.exercise(&lesson.id, &exercise.id))
                    .map_or(0, |progress| progress.hints_shown);
                (exercise.hints.clone(), seen)
            }
            None => {
                let hints: Vec<String> = lesson.steps[at.step]
                    .blocks
                    .iter()
                    .filter_map(|block| match block {
                        Block::Hint(markdown) => Some(markdown.clone()),
                        _ => None,
                    })
                    .collect();
                let seen = self.hints_shown.get(&at).copied().unwrap_or(0);
                (hints, seen)
            }
        };
        if hints.is_empty() {
            return self.say("This step has no hints.");
        }
        let seen = seen.min(hints.len());
        if seen == 0 {
            return self.say(&format!(
                "You have seen none of this step's {} yet: `hint` shows the first.",
                crate::findings::words::count(hints.len() as u64, "hint", "hints")
            ));
        }
        let shown: Vec<String> = hints[..seen]
            .iter()
            .enumerate()
            .map(|(index, hint)| format!("**Hint {} of {}**\n\n{hint}", index + 1, hints.len()))
            .collect();
        let more = if seen < hints.len() {
            "`hint` shows the next one."
        } else {
            "That is every hint of this step."
        };
        self.say(&format!("{}\n\n{more}", shown.join("\n\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render;

    fn q6_session() -> Session {
        let course = crate::course::load_builtin().expect("built-in course");
        let mut session = Session::new(course, render::RenderOptions::plain(80));
        session.handle("open q6");
        session
    }

    #[test]
    fn hint_all_shows_again_every_hint_seen_and_no_more() {
        let mut session = q6_session();
        let before = session.handle("hint all").text;
        assert!(before.contains("`hint` shows the first"), "{before}");
        let first = session.handle("hint").text;
        assert!(first.contains("Hint 1 of"), "{first}");
        let again = session.handle("hint all").text;
        assert!(again.contains("Hint 1 of"), "{again}");
        assert!(
            !again.contains("Hint 2 of"),
            "an unseen hint was shown: {again}"
        );
        // Showing them again does not count as seeing another.
        let second = session.handle("hint").text;
        assert!(second.contains("Hint 2 of"), "{second}");
        let both = session.handle("hint all").text;
        assert!(
            both.contains("Hint 1 of") && both.contains("Hint 2 of"),
            "{both}"
        );
    }
}
