//! `details`: the last demo run's tables whole, where `run` cut them short
//! so its verdict stayed in view.

use super::{Reply, Session};
use crate::live_view::RunDetails;
use crate::repl::effects::RunsSeen;

impl Session {
    pub(super) fn details(&self) -> Reply {
        match &self.last_run {
            Some(details) => {
                let shown = details.render(&self.options);
                if shown.is_empty() {
                    self.say("The last run had no tables: no worker started.")
                } else {
                    Reply::text(shown)
                }
            }
            None => self.say(
                "No demo has run yet in this session. `run` runs the step's demo; then \
                 `details` shows its tables in full.",
            ),
        }
    }
}

impl RunsSeen for Session {
    fn exercise_ran(&mut self, ran: &super::ExerciseRan) -> String {
        Session::exercise_ran(self, ran)
    }

    fn demo_ran(&mut self, details: RunDetails) {
        self.last_run = Some(details);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Report, Table};
    use crate::render::RenderOptions;

    fn session() -> Session {
        let course = crate::course::load_builtin().expect("built-in course");
        Session::new(course, RenderOptions::plain(80))
    }

    #[test]
    fn details_before_any_run_says_how_to_get_one() {
        let reply = session().handle("details");
        assert!(!reply.is_error, "{}", reply.text);
        assert!(reply.text.contains("No demo has run yet"), "{}", reply.text);
        assert!(reply.text.contains("`run`"), "{}", reply.text);
    }

    #[test]
    fn details_shows_every_row_of_the_last_runs_tables() {
        let mut session = session();
        let rows: Vec<Vec<String>> = (1..=20)
            .map(|n| vec![format!("worker-{n}"), format!("{}", n * 3)])
            .collect();
        session.demo_ran(RunDetails {
            events: Vec::new(),
            report: Some(Report {
                tables: vec![Table {
                    header: vec!["who".into(), "tasks".into()],
                    rows,
                }],
                findings: Vec::new(),
            }),
        });
        let shown = session.handle("details").text;
        for n in 1..=20 {
            assert!(shown.contains(&format!("worker-{n} ")), "{n}:\n{shown}");
        }
        assert!(!shown.contains("more;"), "{shown}");
    }
}
