//! Whether mptutor's output is coloured: `--color`, then the conventions
//! other tools share (<https://no-color.org>, and `CLICOLOR` /
//! `CLICOLOR_FORCE` from <https://bixense.com/clicolors/>).
//!
//! `--color always` and `--color never` win over every variable. Under
//! `auto`: a `NO_COLOR` that is set and not empty turns colour off (an
//! empty one does not count, as no-color.org says); else a
//! `CLICOLOR_FORCE` that is set, not empty and not `0` turns it on even
//! when the output is not a terminal; else `CLICOLOR=0` turns it off on a
//! terminal; else a terminal gets colour when it supports it.

use std::ffi::OsString;

use crate::cli::ColorChoice;

/// The colour variables as they were at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColorEnv {
    pub no_color: Option<OsString>,
    pub clicolor: Option<OsString>,
    pub clicolor_force: Option<OsString>,
}

impl ColorEnv {
    /// The variables of this process.
    pub fn from_process() -> ColorEnv {
        ColorEnv {
            no_color: std::env::var_os("NO_COLOR"),
            clicolor: std::env::var_os("CLICOLOR"),
            clicolor_force: std::env::var_os("CLICOLOR_FORCE"),
        }
    }
}

/// Whether to colour: `terminal` says the output is an interactive
/// terminal, `supported` whether that terminal takes colour codes (asked
/// only when it matters).
pub fn wants_color(
    choice: ColorChoice,
    terminal: bool,
    env: &ColorEnv,
    supported: impl FnOnce() -> bool,
) -> bool {
    let set = |value: &Option<OsString>| value.as_ref().is_some_and(|value| !value.is_empty());
    let zero = std::ffi::OsStr::new("0");
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set(&env.no_color) => false,
        ColorChoice::Auto
            if set(&env.clicolor_force) && env.clicolor_force.as_deref() != Some(zero) =>
        {
            true
        }
        ColorChoice::Auto if env.clicolor.as_deref() == Some(zero) => false,
        ColorChoice::Auto => terminal && supported(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, clicolor: Option<&str>, force: Option<&str>) -> ColorEnv {
        ColorEnv {
            no_color: no_color.map(OsString::from),
            clicolor: clicolor.map(OsString::from),
            clicolor_force: force.map(OsString::from),
        }
    }

    /// Each row: NO_COLOR, CLICOLOR, CLICOLOR_FORCE, on a terminal, then
    /// whether `auto` colours.
    #[test]
    fn auto_follows_no_color_clicolor_and_clicolor_force() {
        let rows = [
            (None, None, None, true, true),
            (None, None, None, false, false),
            (Some("1"), None, None, true, false),
            (Some(""), None, None, true, true),
            (None, Some("0"), None, true, false),
            (None, Some("1"), None, true, true),
            (None, Some("1"), None, false, false),
            (None, None, Some("1"), false, true),
            (None, None, Some("0"), false, false),
            (None, None, Some(""), false, false),
            (None, Some("0"), Some("1"), true, true),
            (Some("1"), None, Some("1"), false, false),
            (Some(""), None, Some("1"), false, true),
        ];
        for (no_color, clicolor, force, terminal, wanted) in rows {
            let got = wants_color(
                ColorChoice::Auto,
                terminal,
                &env(no_color, clicolor, force),
                || true,
            );
            assert_eq!(
                got, wanted,
                "NO_COLOR={no_color:?} CLICOLOR={clicolor:?} CLICOLOR_FORCE={force:?} \
                 terminal={terminal}"
            );
        }
    }

    #[test]
    fn a_terminal_without_colour_support_gets_none() {
        assert!(!wants_color(
            ColorChoice::Auto,
            true,
            &ColorEnv::default(),
            || false
        ));
    }

    #[test]
    fn the_color_flag_wins_over_every_variable() {
        let against = env(Some("1"), Some("0"), None);
        assert!(wants_color(ColorChoice::Always, false, &against, || false));
        let forced = env(None, None, Some("1"));
        assert!(!wants_color(ColorChoice::Never, true, &forced, || true));
    }
}
