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
const DARK_THEME: &str = "base16-ocean.dark";
/// Dark colours on white (keywords in crimson, strings in navy), for
/// `--theme light`. The high-contrast theme highlights nothing: code in
/// the terminal's own foreground, bold, is as strong as text gets.
const LIGHT_THEME: &str = "InspiredGitHub";

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

fn theme(palette: super::Theme) -> Option<&'static Theme> {
    static THEMES: OnceLock<ThemeSet> = OnceLock::new();
    let name = match palette {
        super::Theme::Dark => DARK_THEME,
        super::Theme::Light => LIGHT_THEME,
        super::Theme::HighContrast => return None,
    };
    THEMES.get_or_init(ThemeSet::load_defaults).themes.get(name)
}

/// Whether `lang` (a fence's info string) is highlighted as Python.
pub(crate) fn is_python(lang: &str) -> bool {
    let lang = lang.split_whitespace().next().unwrap_or_default();
    lang.eq_ignore_ascii_case("python") || lang.eq_ignore_ascii_case("py")
}

/// Python `code` split into lines of coloured segments (no newlines in the
/// segments), in the colours of `palette`. `None` if the palette highlights
/// nothing, the theme or syntax is missing or syntect fails, in which case
/// the caller shows the code plain.
pub(crate) fn highlight_python(code: &str, palette: super::Theme) -> Option<Vec<Vec<Segment>>> {
    let theme = theme(palette)?;
    let syntaxes = syntaxes();
    let syntax = syntaxes.find_syntax_by_extension("py")?;
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
            let color = (Some(style.foreground) != default_fg)
                .then(|| to_256(readable(style.foreground, palette)));
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

/// `color` moved, if it must be, far enough from the background to be
/// read on a projector: darkened on the light theme's white until its
/// contrast with white is at least 4.5 : 1 (WCAG's for text), lightened on
/// the dark theme's black the same way. A syntax theme's comment grey is
/// the colour this changes.
fn readable(color: Color, palette: super::Theme) -> Color {
    /// Relative luminance of black text on white at 4.5 : 1, and of light
    /// text on black at 4.5 : 1, with a margin for the 256-colour rounding.
    const LIGHT_MAX: f64 = 0.16;
    const DARK_MIN: f64 = 0.22;
    let mut color = color;
    for _ in 0..40 {
        let luminance = relative_luminance(color);
        let step = |value: u8, toward: u8| -> u8 {
            let value = f64::from(value);
            let moved = value + (f64::from(toward) - value) * 0.1;
            // Within 0..=255 by construction.
            moved.round().clamp(0.0, 255.0) as u8
        };
        let toward = match palette {
            super::Theme::Light if luminance > LIGHT_MAX => 0,
            super::Theme::Dark if luminance < DARK_MIN => 255,
            _ => return color,
        };
        color = Color {
            r: step(color.r, toward),
            g: step(color.g, toward),
            b: step(color.b, toward),
            a: color.a,
        };
    }
    color
}

/// WCAG's relative luminance of an sRGB colour, 0 (black) to 1 (white).
fn relative_luminance(color: Color) -> f64 {
    let linear = |value: u8| {
        let value = f64::from(value) / 255.0;
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(color.r) + 0.7152 * linear(color.g) + 0.0722 * linear(color.b)
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
    fn colours_too_faint_for_their_background_are_moved_until_they_read() {
        use super::super::Theme;
        let comment_grey = rgb(0x96, 0x98, 0x96);
        let on_white = readable(comment_grey, Theme::Light);
        assert!(relative_luminance(on_white) <= 0.16, "{on_white:?}");
        let dark_grey = rgb(0x65, 0x73, 0x7e);
        let on_black = readable(dark_grey, Theme::Dark);
        assert!(relative_luminance(on_black) >= 0.22, "{on_black:?}");
        // A colour that already reads is left alone.
        let navy = rgb(0x18, 0x36, 0x91);
        assert_eq!(readable(navy, Theme::Light), navy);
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
        let lines = highlight_python(code, super::super::Theme::Dark)
            .expect("default syntaxes include Python");
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
