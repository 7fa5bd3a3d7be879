//! Python syntax colouring with syntect, as plain segments a panel can wrap.
//!
//! The syntax and theme sets take a few milliseconds to load, so they load
//! once, on first use, and only when colour is on: plain rendering (pipes,
//! tests, `--no-color`) never pays for them.
//!
//! Colours are mapped to the 256-colour palette rather than written as
//! 24-bit escapes: macOS Terminal and some classroom projectors' terminals
//! show 24-bit codes as garbage, while 256 colours work everywhere. Text in
//! the theme's default colour gets no colour at all, so identifiers stay in
//! the terminal's own foreground and remain readable on a light background.

use std::sync::OnceLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::{Color, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// A dark theme whose colours stay readable on the usual dark terminal.
const THEME: &str = "base16-ocean.dark";

/// A run of code drawn in one colour (`None`: the terminal's default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub text: String,
    pub color: Option<u8>,
}

impl Segment {
    pub fn plain(text: &str) -> Self {
        Segment {
            text: text.to_string(),
            color: None,
        }
    }

    /// The segment as terminal text, closing its own colour.
    pub fn paint(&self) -> String {
        match self.color {
            Some(index) if !self.text.is_empty() => {
                format!("\x1b[38;5;{index}m{}\x1b[0m", self.text)
            }
            _ => self.text.clone(),
        }
    }
}

fn syntaxes() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn theme() -> Option<&'static Theme> {
    static THEME_CELL: OnceLock<Option<Theme>> = OnceLock::new();
    THEME_CELL
        .get_or_init(|| ThemeSet::load_defaults().themes.remove(THEME))
        .as_ref()
}

/// Whether `lang` (a fence's info string) is highlighted as Python.
pub(crate) fn is_python(lang: &str) -> bool {
    let lang = lang.split_whitespace().next().unwrap_or_default();
    lang.eq_ignore_ascii_case("python") || lang.eq_ignore_ascii_case("py")
}

/// Python `code` split into lines of coloured segments (no newlines in the
/// segments). `None` if the theme or syntax is missing or syntect fails, in
/// which case the caller shows the code plain.
pub(crate) fn highlight_python(code: &str) -> Option<Vec<Vec<Segment>>> {
    let syntaxes = syntaxes();
    let syntax = syntaxes.find_syntax_by_extension("py")?;
    let theme = theme()?;
    let default_fg = theme.settings.foreground;
    let mut highlighter = HighlightLines::new(syntax, theme);
    let mut lines = Vec::new();
    for line in LinesWithEndings::from(code) {
        let ranges = highlighter.highlight_line(line, syntaxes).ok()?;
        let mut segments: Vec<Segment> = Vec::new();
        for (style, text) in ranges {
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                continue;
            }
            let color = (Some(style.foreground) != default_fg).then(|| to_256(style.foreground));
            match segments.last_mut() {
                Some(last) if last.color == color => last.text.push_str(text),
                _ => segments.push(Segment {
                    text: text.to_string(),
                    color,
                }),
            }
        }
        lines.push(segments);
    }
    Some(lines)
}

/// The nearest colour of the xterm 256-colour palette: the 6×6×6 cube or
/// the 24-step grey ramp, whichever is closer.
fn to_256(color: Color) -> u8 {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let nearest_level = |value: u8| -> usize {
        (0..LEVELS.len())
            .min_by_key(|&i| LEVELS[i].abs_diff(value))
            .unwrap_or(0)
    };
    let (r, g, b) = (color.r, color.g, color.b);
    let (ri, gi, bi) = (nearest_level(r), nearest_level(g), nearest_level(b));
    let cube = (LEVELS[ri], LEVELS[gi], LEVELS[bi]);
    let average = (u16::from(r) + u16::from(g) + u16::from(b)) / 3;
    let grey_step = (average.saturating_sub(8) / 10).min(23);
    let grey_value = 8 + grey_step * 10;
    let distance = |(cr, cg, cb): (u16, u16, u16)| {
        let d = |a: u16, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(cr, r) + d(cg, g) + d(cb, b)
    };
    let cube_distance = distance((cube.0.into(), cube.1.into(), cube.2.into()));
    let grey_distance = distance((grey_value, grey_value, grey_value));
    if grey_distance < cube_distance {
        // grey_step ≤ 23, so this fits in u8.
        232 + grey_step as u8
    } else {
        16 + 36 * ri as u8 + 6 * gi as u8 + bi as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 0xff }
    }

    #[test]
    fn palette_mapping_hits_cube_corners_and_greys() {
        assert_eq!(to_256(rgb(0, 0, 0)), 16);
        assert_eq!(to_256(rgb(255, 255, 255)), 231);
        assert_eq!(to_256(rgb(255, 0, 0)), 196);
        assert_eq!(to_256(rgb(128, 128, 128)), 244);
    }

    #[test]
    fn python_is_recognised_by_fence_name() {
        assert!(is_python("python"));
        assert!(is_python("Py title=x"));
        assert!(!is_python("console"));
        assert!(!is_python(""));
    }

    #[test]
    fn highlighting_keeps_the_text_and_colours_keywords() {
        let code = "def square(x):\n    return x * x  # why not\n";
        let lines = highlight_python(code).expect("default syntaxes include Python");
        let text: Vec<String> = lines
            .iter()
            .map(|segments| segments.iter().map(|s| s.text.as_str()).collect())
            .collect();
        assert_eq!(text, ["def square(x):", "    return x * x  # why not"]);
        assert!(
            lines[0]
                .iter()
                .any(|s| s.text == "def" && s.color.is_some())
        );
    }
}
