//! `help`: the command table, or one command explained.

use super::{Reply, Session};
use crate::render;
use crate::repl::commands::{COMMANDS, find_command};
use crate::suggest::did_you_mean;

impl Session {
    pub(super) fn help(&self, topic: Option<&str>) -> Reply {
        let Some(topic) = topic else {
            let header = vec!["command".to_string(), "what it does".to_string()];
            let rows: Vec<Vec<String>> = COMMANDS
                .iter()
                .map(|info| {
                    let usage = if info.args.is_empty() {
                        info.name.to_string()
                    } else {
                        format!("{} {}", info.name, info.args)
                    };
                    vec![usage, info.summary.to_string()]
                })
                .collect();
            // The table is read like prose, so it is kept to the measure.
            let measured = self.options.within(self.options.prose());
            return Reply::text(format!(
                "{}\n{}",
                render::render_table(&header, &rows, &measured),
                render::render_markdown(
                    "Tab completes commands, lesson ids and demo parameters; Ctrl-L clears the \
                     screen. `help <command>` says more.",
                    &self.options
                )
            ));
        };
        let Some(info) = find_command(topic) else {
            let hint = did_you_mean(topic, COMMANDS.iter().map(|info| info.name))
                .map(|near| format!(" Did you mean `{near}`?"))
                .unwrap_or_default();
            return self.fail(format!("There is no command `{topic}`.{hint}"));
        };
        let mut markdown = format!(
            "{}\n\n{}",
            usage_heading(info.name, info.args),
            info.details
        );
        if !info.aliases.is_empty() {
            let aliases: Vec<String> = info
                .aliases
                .iter()
                .map(|alias| format!("`{alias}`"))
                .collect();
            markdown.push_str(&format!(" Also typed as {}.", aliases.join(", ")));
        }
        let mut text = render::render_markdown(&markdown, &self.options);
        if info.name == "run"
            && let Some((at, lesson)) = self.current_lesson()
            && let Some(block) = lesson.demo_for_step(at.step)
        {
            text.push_str("\n\n");
            text.push_str(&render::render_demo_info(
                block.demo,
                &block.params,
                &self.options,
            ));
        }
        Reply::text(text.trim_start().to_string())
    }
}

/// The bold first line of `help <command>`: the command and its
/// arguments. A command without arguments has no trailing space, which
/// would stop Markdown from reading the `**` as bold.
fn usage_heading(name: &str, args: &str) -> String {
    format!("**{}**", format!("{name} {args}").trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_without_arguments_gets_a_bold_heading_too() {
        let options = crate::render::RenderOptions::plain(80);
        for (name, args) in [("list", ""), ("open", "<lesson>")] {
            let shown = crate::render::render_markdown(&usage_heading(name, args), &options);
            assert!(!shown.contains("**"), "{shown:?}");
            assert!(shown.starts_with(name), "{shown:?}");
        }
    }
}
