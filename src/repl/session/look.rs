//! `theme`: the colour palette for the room, saved in the config file.

use super::{Reply, Session};
use crate::config::ConfigFile;
use crate::render::Theme;

impl Session {
    /// Where `theme` saves the choice (the config file in the user's
    /// config folder); without one the choice lasts this session.
    pub fn keep_settings_in(&mut self, file: ConfigFile) {
        self.config_file = Some(file);
    }

    /// `theme` or `theme NAME`.
    pub(super) fn theme_command(&mut self, name: Option<&str>) -> Reply {
        let names: Vec<String> = Theme::ALL
            .iter()
            .map(|theme| format!("`{}`", theme.name()))
            .collect();
        let Some(name) = name else {
            return self.say(&format!(
                "The theme is `{}`. Themes: {}; `theme light` suits a white background, \
                 `theme high-contrast` a dim projector.",
                self.options.theme.name(),
                names.join(", ")
            ));
        };
        let Some(theme) = Theme::from_name(name) else {
            return self.fail(format!(
                "There is no theme `{name}`. Themes: {}.",
                names.join(", ")
            ));
        };
        self.options.theme = theme;
        let saved = match &self.config_file {
            None => "for this session (there is no config folder to save it in)".to_string(),
            Some(file) => match file.save_theme(theme) {
                Ok(()) => format!("saved in `{}`", file.path().display()),
                Err(error) => format!("for this session only; it was not saved: {error}"),
            },
        };
        let unseen = if self.options.color {
            ""
        } else {
            " Colour is off, so nothing looks different until it is on."
        };
        self.say(&format!("Theme `{}`, {saved}.{unseen}", theme.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderOptions;

    fn session() -> Session {
        let course = crate::course::load_builtin().expect("built-in course");
        Session::new(course, RenderOptions::plain(80))
    }

    #[test]
    fn theme_changes_the_palette_and_saves_it_in_the_config_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("mptutor").join("config.toml");
        let mut session = session();
        session.keep_settings_in(ConfigFile::new(path.clone()));
        let reply = session.handle("theme light");
        assert!(!reply.is_error, "{}", reply.text);
        assert!(reply.text.contains("saved in"), "{}", reply.text);
        assert_eq!(session.options().theme, Theme::Light);
        let saved = ConfigFile::new(path).load().expect("readable");
        assert_eq!(saved.theme, Some(Theme::Light));
        let asked = session.handle("theme").text;
        assert!(asked.contains("The theme is `light`"), "{asked}");
    }

    #[test]
    fn an_unknown_theme_is_refused_and_changes_nothing() {
        let mut session = session();
        let reply = session.handle("theme blue");
        assert!(reply.is_error);
        assert!(reply.text.contains("high-contrast"), "{}", reply.text);
        assert_eq!(session.options().theme, Theme::Dark);
    }

    #[test]
    fn a_broken_config_file_keeps_the_theme_for_the_session_and_says_why() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "theme = \n").expect("write");
        let mut session = session();
        session.keep_settings_in(ConfigFile::new(path.clone()));
        let reply = session.handle("theme high-contrast");
        assert!(!reply.is_error, "{}", reply.text);
        assert!(reply.text.contains("not saved"), "{}", reply.text);
        assert!(reply.text.contains("config.toml:1:"), "{}", reply.text);
        assert_eq!(session.options().theme, Theme::HighContrast);
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), "theme = \n");
    }
}
