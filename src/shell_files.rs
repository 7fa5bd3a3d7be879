//! `mptutor completions SHELL` and `mptutor man`: the completion scripts
//! and the man page, made from the same clap definitions that parse the
//! command line (`cli.rs`), so neither can drift from the flags mptutor
//! really takes.

use std::io::{self, Write};

use clap::{Command, CommandFactory};

use crate::cli::Cli;

/// The completion script for `shell`, as `clap_complete` writes it, for
/// the commands a user types (not the hidden `worker` and `selftest`,
/// which `clap_complete` would offer too).
pub fn write_completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    let full = Cli::command();
    let mut command = Command::new("mptutor")
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(
            full.get_subcommands()
                .filter(|sub| !sub.is_hide_set())
                .cloned(),
        );
    clap_complete::generate(shell, &mut command, "mptutor", out);
    out.flush()
}

/// The man page, in roff: the top-level command with a section per
/// subcommand, its `.TH` title line first.
pub fn write_man(out: &mut dyn Write) -> io::Result<()> {
    let mut page = Vec::new();
    write_man_sections(&mut page)?;
    // clap_mangen defines the apostrophe string (`.ds Aq`) before the
    // title; man pages start with `.TH`, and the definition holds as well
    // after it.
    let page = String::from_utf8_lossy(&page);
    let (before, title, after) = match page.find(".TH ") {
        Some(at) => {
            let end = page[at..].find('\n').map_or(page.len(), |end| at + end + 1);
            (&page[..at], &page[at..end], &page[end..])
        }
        None => ("", "", &page[..]),
    };
    out.write_all(title.as_bytes())?;
    out.write_all(before.as_bytes())?;
    out.write_all(after.as_bytes())?;
    out.flush()
}

fn write_man_sections(out: &mut dyn Write) -> io::Result<()> {
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        writeln!(out, ".SH \"MPTUTOR {}\"", sub.get_name().to_uppercase())?;
        let sub_man =
            clap_mangen::Man::new(sub.clone().bin_name(format!("mptutor {}", sub.get_name())));
        sub_man.render_synopsis_section(out)?;
        sub_man.render_description_section(out)?;
        sub_man.render_options_section(out)?;
    }
    man.render_version_section(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn completions(shell: clap_complete::Shell) -> String {
        let mut out = Vec::new();
        write_completions(shell, &mut out).expect("writing to memory works");
        String::from_utf8(out).expect("the script is UTF-8")
    }

    #[test]
    fn bash_completions_name_the_subcommands() {
        let script = completions(clap_complete::Shell::Bash);
        assert!(!script.is_empty());
        for command in [
            "show",
            "run",
            "python",
            "trace",
            "check",
            "completions",
            "man",
        ] {
            assert!(script.contains(command), "no `{command}` in {script}");
        }
        assert!(!script.contains("selftest"), "a hidden command is offered");
    }

    #[test]
    fn every_shell_gets_a_script() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::Elvish,
            clap_complete::Shell::PowerShell,
        ] {
            assert!(completions(shell).contains("mptutor"), "{shell}");
        }
    }

    #[test]
    fn the_man_page_is_roff_naming_each_command() {
        let mut out = Vec::new();
        write_man(&mut out).expect("writing to memory works");
        let page = String::from_utf8(out).expect("the page is UTF-8");
        assert!(page.starts_with(".TH"), "{page}");
        for section in ["MPTUTOR SHOW", "MPTUTOR CHECK", "MPTUTOR COMPLETIONS"] {
            assert!(page.contains(section), "no {section} in {page}");
        }
        assert!(page.contains("CLICOLOR"), "--color's help is missing");
    }
}
