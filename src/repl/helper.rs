//! Line-editing help for the REPL: Tab completion of commands, lesson ids and
//! demo parameters and theme names, hints from history, set apart (in the
//! theme's secondary colour, in italics) when colour is on.

use std::borrow::Cow;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::commands::COMMANDS;

/// What completion offers; refreshed by the REPL before every prompt.
pub struct ReplHelper {
    pub lesson_ids: Vec<String>,
    /// Parameters of the demo `run` would start now.
    pub demo_params: Vec<&'static str>,
    /// While a quiz is asked, nothing is completed.
    pub in_quiz: bool,
    pub color: bool,
    /// The palette of the hint; refreshed with the rest (`theme` changes it).
    pub theme: crate::render::Theme,
    hinter: HistoryHinter,
}

impl ReplHelper {
    pub fn new(lesson_ids: Vec<String>, color: bool) -> Self {
        ReplHelper {
            lesson_ids,
            demo_params: Vec::new(),
            in_quiz: false,
            color,
            theme: crate::render::Theme::default(),
            hinter: HistoryHinter::new(),
        }
    }

    /// Candidates for the word being typed, given the words before it.
    fn candidates(&self, before: &[&str], word: &str) -> Vec<String> {
        let lowered = word.to_ascii_lowercase();
        let matching = |options: Vec<String>| -> Vec<String> {
            options
                .into_iter()
                .filter(|option| option.to_ascii_lowercase().starts_with(&lowered))
                .collect()
        };
        match before.first().map(|first| first.to_ascii_lowercase()) {
            None => matching(
                COMMANDS
                    .iter()
                    .map(|info| info.name.to_string())
                    .chain(self.lesson_ids.iter().cloned())
                    .collect(),
            ),
            Some(command) => match command.as_str() {
                "open" | "goto" | "reset" if before.len() == 1 => matching(self.lesson_ids.clone()),
                "quiz" | "q" if before.len() == 1 => matching(vec!["all".to_string()]),
                "help" if before.len() == 1 => {
                    matching(COMMANDS.iter().map(|info| info.name.to_string()).collect())
                }
                "theme" if before.len() == 1 => matching(
                    crate::render::Theme::ALL
                        .iter()
                        .map(|theme| theme.name().to_string())
                        .collect(),
                ),
                "compare" if before.len() == 1 => matching(
                    crate::demos::compare::names::WORDS
                        .iter()
                        .map(|word| word.to_string())
                        .collect(),
                ),
                "run" | "r" if !word.contains('=') => {
                    let already: Vec<&str> = before
                        .iter()
                        .filter_map(|w| w.split_once('=').map(|(k, _)| k))
                        .collect();
                    matching(
                        self.demo_params
                            .iter()
                            .filter(|name| !already.contains(name))
                            .map(|name| format!("{name}="))
                            .chain((!already.contains(&"view")).then(|| "view=live".to_string()))
                            .collect(),
                    )
                }
                _ => Vec::new(),
            },
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if self.in_quiz {
            return Ok((pos, Vec::new()));
        }
        let typed = &line[..pos];
        let word_start = typed.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let before: Vec<&str> = typed[..word_start].split_whitespace().collect();
        let candidates = self
            .candidates(&before, &typed[word_start..])
            .into_iter()
            .map(|candidate| {
                // A parameter completes to `name=`; anything else gets a space.
                let replacement = if candidate.ends_with('=') {
                    candidate.clone()
                } else {
                    format!("{candidate} ")
                };
                Pair {
                    display: candidate,
                    replacement,
                }
            })
            .collect();
        Ok((word_start, candidates))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        if self.in_quiz {
            return None;
        }
        self.hinter.hint(line, pos, ctx)
    }
}

impl Highlighter for ReplHelper {
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(crate::render::Styles::themed(true, self.theme).suggestion(hint))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        false
    }
}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ReplHelper {
        let mut helper = ReplHelper::new(vec!["q1".into(), "q2".into(), "q3".into()], false);
        helper.demo_params = vec!["workers", "repeat", "start"];
        helper
    }

    #[test]
    fn completes_commands_and_lessons_first() {
        assert_eq!(helper().candidates(&[], "ne"), vec!["next"]);
        assert_eq!(
            helper().candidates(&[], "q"),
            vec!["quiz", "quit", "q1", "q2", "q3"]
        );
    }

    #[test]
    fn completes_lesson_ids_after_open() {
        assert_eq!(helper().candidates(&["open"], "q"), vec!["q1", "q2", "q3"]);
    }

    #[test]
    fn completes_the_rows_of_the_comparison_after_compare() {
        assert_eq!(
            helper().candidates(&["compare"], "c"),
            vec!["cpu", "communication"]
        );
        assert_eq!(
            helper().candidates(&["compare"], "s"),
            vec!["synchronization", "start_methods"]
        );
        assert_eq!(helper().candidates(&["compare"], "G"), vec!["gil"]);
    }

    #[test]
    fn completes_unused_demo_parameters_after_run() {
        assert_eq!(
            helper().candidates(&["run", "workers=2"], ""),
            vec!["repeat=", "start=", "view=live"]
        );
        assert_eq!(
            helper().candidates(&["run", "view=live"], ""),
            vec!["workers=", "repeat=", "start="]
        );
    }

    #[test]
    fn completes_theme_names_after_theme() {
        assert_eq!(
            helper().candidates(&["theme"], ""),
            vec!["dark", "light", "high-contrast"]
        );
        assert_eq!(helper().candidates(&["theme"], "h"), vec!["high-contrast"]);
    }
}
