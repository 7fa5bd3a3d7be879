//! The user's settings: `config.toml` in the config directory
//! (`$XDG_CONFIG_HOME/mptutor/config.toml` on Linux, `~/.config/mptutor/…`).
//!
//! It holds what a user chooses once and expects next time, today only the
//! colour theme (`theme = "light"`), which the REPL's `theme` command
//! saves. A file that cannot be read or is not valid never stops mptutor:
//! the defaults are used and the warning says `path:line:col: what is
//! wrong`. Nor is it overwritten while it is broken, so a typo costs
//! nothing that was in it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::render::Theme;
use crate::user_file::{self, SizeCap};

/// A config file is a few lines; anything this large is not one.
const CONFIG_CAP: SizeCap = SizeCap {
    bytes: 64 * 1024,
    of: "a config file",
};

/// What `config.toml` holds. Every field is optional, so an empty file is
/// the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `dark`, `light` or `high-contrast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<Theme>,
}

/// Why the config file could not be used (or saved), ready to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// The config file at one path.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    pub fn new(path: PathBuf) -> Self {
        ConfigFile { path }
    }

    /// `config.toml` in the user's config directory; `None` when there is
    /// no home to find it in.
    pub fn in_config_dir() -> Option<Self> {
        directories::ProjectDirs::from("", "", "mptutor")
            .map(|dirs| ConfigFile::new(dirs.config_dir().join("config.toml")))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings saved; a missing file is the defaults.
    pub fn load(&self) -> Result<Config, ConfigError> {
        let text = match user_file::read_regular(&self.path, CONFIG_CAP) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(error) => {
                return Err(ConfigError(format!(
                    "{}: cannot read it: {error}",
                    self.path.display()
                )));
            }
        };
        parse(&self.path, &text)
    }

    /// Saves `theme` into the file, keeping whatever else it says. A file
    /// that does not parse is left as it is, and the error says why.
    pub fn save_theme(&self, theme: Theme) -> Result<(), ConfigError> {
        let mut config = self.load()?;
        config.theme = Some(theme);
        self.write_atomically(&config)
    }

    /// Temporary file in the same folder, `fsync`, rename: a crash leaves
    /// the old file or the new one, never half of one.
    fn write_atomically(&self, config: &Config) -> Result<(), ConfigError> {
        let failed = |what: &str, path: &Path, error: &dyn std::fmt::Display| {
            ConfigError(format!("cannot {what} {}: {error}", path.display()))
        };
        let folder = self
            .path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&folder).map_err(|error| failed("create", &folder, &error))?;
        if self.path.exists() {
            user_file::check_regular(&self.path)
                .map_err(|error| failed("replace", &self.path, &error))?;
        }
        let text = toml::to_string(config).map_err(|error| failed("write", &self.path, &error))?;
        let mut temporary = tempfile::Builder::new()
            .prefix(".config.toml.")
            .suffix(".tmp")
            .tempfile_in(&folder)
            .map_err(|error| failed("create a temporary file in", &folder, &error))?;
        temporary
            .write_all(text.as_bytes())
            .and_then(|()| temporary.as_file().sync_all())
            .map_err(|error| failed("write", temporary.path(), &error))?;
        temporary
            .persist(&self.path)
            .map_err(|error| failed("replace", &self.path, &error.error))?;
        if let Ok(dir) = std::fs::File::open(&folder) {
            // Durability of the rename; the file itself is whole either way.
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// `text` read as a config file; a mistake is placed `path:line:col`.
fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|error: toml::de::Error| {
        let (line, column) = error
            .span()
            .map_or((1, 1), |span| line_and_column(text, span.start));
        let message = error.message().trim_end().replace('\n', " ");
        ConfigError(format!("{}:{line}:{column}: {message}", path.display()))
    })
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_theme_is_read_back() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = ConfigFile::new(dir.path().join("mptutor").join("config.toml"));
        assert_eq!(file.load(), Ok(Config::default()));
        for theme in Theme::ALL {
            file.save_theme(theme).expect("saved");
            assert_eq!(file.load().expect("read back").theme, Some(theme));
        }
        let text = std::fs::read_to_string(file.path()).expect("the file");
        assert_eq!(text.trim(), "theme = \"high-contrast\"");
    }

    #[test]
    fn a_broken_config_file_is_placed_by_line_and_column_and_left_alone() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("config.toml");
        let broken = "# my settings\ntheme = \"blue\"\n";
        std::fs::write(&path, broken).expect("write");
        let file = ConfigFile::new(path.clone());
        let error = file.load().expect_err("blue is no theme").to_string();
        assert!(
            error.starts_with(&format!("{}:2:9: ", path.display())),
            "{error}"
        );
        assert!(error.contains("blue"), "{error}");
        assert!(error.contains("high-contrast"), "{error}");
        // Saving would lose the comment and the mistake the user can fix.
        assert!(file.save_theme(Theme::Light).is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("kept"), broken);
    }

    #[test]
    fn a_misspelt_key_or_bad_toml_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("config.toml");
        for (text, at) in [
            ("them = \"light\"\n", ":1:1: "),
            ("theme = light\n", ":1:9: "),
            ("\n\ntheme = [\n", ":3:"),
            ("theme = \"light\"\ntheme = \"dark\"\n", ":2:1: "),
        ] {
            std::fs::write(&path, text).expect("write");
            let error = ConfigFile::new(path.clone())
                .load()
                .expect_err(text)
                .to_string();
            assert!(error.contains(at), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_config_path_that_is_a_folder_or_a_pipe_is_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let error = ConfigFile::new(dir.path().to_path_buf())
            .load()
            .expect_err("a folder");
        assert!(error.to_string().contains("cannot read"), "{error}");
        let fifo = dir.path().join("fifo.toml");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        assert!(ConfigFile::new(fifo.clone()).load().is_err());
        assert!(ConfigFile::new(fifo).save_theme(Theme::Light).is_err());
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_and_column("ab\nçd", 5), (2, 2));
        assert_eq!(line_and_column("", 3), (1, 1));
    }
}
