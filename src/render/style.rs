//! What each kind of text looks like, in colour and without.
//!
//! Every renderer styles text through [`Styles`], so the palette lives in one
//! place and "colour off" is decided once: then every method returns the text
//! unchanged, except where a marker carries meaning that colour would have
//! carried (inline code keeps its backticks, struck-out text its `~~`).
//!
//! There are three palettes, one per [`Theme`]: the dark one for the usual
//! dark terminal, a light one for a white background (a projector in a lit
//! room: dark colours only, no yellow, no white) and a high-contrast one
//! (everything bold, only the strongest colours). None of them uses faint
//! text (`ESC [2m`) or bright black: both wash out on a projector, and
//! secondary text is still text a room must read.

use owo_colors::{AnsiColors, DynColors, Style, XtermColors};

use super::RenderOptions;

/// A kind of inline text. Markdown nests them (code inside a link inside
/// bold), so a run of text is painted with the whole stack, not just the
/// innermost kind: an inner reset must not switch the outer style off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    Heading,
    Subheading,
    Emphasis,
    Strong,
    Strike,
    Link,
    Code,
    Dim,
    Accent,
    Command,
    Ok,
    Error,
    /// Something wrong but not failed (a zombie): on a yellow background,
    /// so it cannot be mistaken for a worker's own colour.
    Warning,
    /// Not judged either way (a "couldn't tell"): yellow, bold.
    Unsure,
    /// The colour of the worker with this index (see [`WORKER_COLORS`]).
    Worker(usize),
}

/// Which palette colour uses: `--theme`, the REPL's `theme`, or the
/// config file's `theme = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    /// Light text on a dark background, the usual terminal.
    #[default]
    Dark,
    /// Dark colours for a white background: no yellow, no white text.
    Light,
    /// Bold text in the strongest colours only, for a dim projector.
    HighContrast,
}

impl Theme {
    /// Every theme, in the order `help` and completion list them.
    pub const ALL: [Theme; 3] = [Theme::Dark, Theme::Light, Theme::HighContrast];

    /// The name typed after `--theme` and `theme`.
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::HighContrast => "high-contrast",
        }
    }

    /// The theme called `name` (any case; `high_contrast` and `contrast`
    /// too), or `None`.
    pub fn from_name(name: &str) -> Option<Theme> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "dark" => Some(Theme::Dark),
            "light" => Some(Theme::Light),
            "high-contrast" | "contrast" | "hc" => Some(Theme::HighContrast),
            _ => None,
        }
    }
}

/// How many workers get different colours before they repeat.
pub const WORKER_COLOR_COUNT: usize = 6;

/// One colour per worker, chosen by index modulo the length. Red is left out
/// (it means failure) and so is cyan (the accent, used for a demo's own
/// notes); the four hues come round before their second shades, so workers
/// next to each other never look alike.
const DARK_WORKERS: [DynColors; WORKER_COLOR_COUNT] = [
    DynColors::Ansi(AnsiColors::BrightYellow),
    DynColors::Ansi(AnsiColors::BrightMagenta),
    DynColors::Ansi(AnsiColors::BrightGreen),
    DynColors::Ansi(AnsiColors::BrightBlue),
    DynColors::Ansi(AnsiColors::Yellow),
    DynColors::Ansi(AnsiColors::Magenta),
];

/// Dark shades from the 256-colour palette, which every terminal shows
/// alike (the 16 basic colours are the terminal's to choose, and some make
/// blue or green pale): navy, plum, green, brown, steel blue, indigo.
const LIGHT_WORKERS: [DynColors; WORKER_COLOR_COUNT] = [
    DynColors::Xterm(XtermColors::MidnightBlue),
    DynColors::Xterm(XtermColors::LightFreshEggplant),
    DynColors::Xterm(XtermColors::JapaneseLaurel),
    DynColors::Xterm(XtermColors::Brown),
    DynColors::Xterm(XtermColors::OrientBlue),
    DynColors::Xterm(XtermColors::PigmentIndigo),
];

/// The strongest colours (drawn bold), none of them red or cyan.
const HIGH_CONTRAST_WORKERS: [DynColors; WORKER_COLOR_COUNT] = [
    DynColors::Ansi(AnsiColors::BrightYellow),
    DynColors::Ansi(AnsiColors::BrightMagenta),
    DynColors::Ansi(AnsiColors::BrightGreen),
    DynColors::Ansi(AnsiColors::BrightWhite),
    DynColors::Ansi(AnsiColors::BrightBlue),
    DynColors::Ansi(AnsiColors::Yellow),
];

impl Span {
    /// Adds this kind's look on top of `style` in `theme`; later kinds win
    /// on colour.
    fn apply(self, style: Style, theme: Theme) -> Style {
        match theme {
            Theme::Dark => self.apply_dark(style),
            Theme::Light => self.apply_light(style),
            Theme::HighContrast => self.apply_high_contrast(style),
        }
    }

    fn apply_dark(self, style: Style) -> Style {
        match self {
            Span::Heading => style.bold().color(AnsiColors::BrightCyan),
            Span::Subheading => style.bold().color(AnsiColors::Cyan),
            Span::Emphasis => style.italic(),
            Span::Strong => style.bold(),
            Span::Strike => style.strikethrough(),
            Span::Link => style.underline().color(AnsiColors::BrightBlue),
            Span::Code => style.color(AnsiColors::Yellow),
            // Set apart by its colour, not by being faint.
            Span::Dim => style.color(AnsiColors::White),
            Span::Accent => style.color(AnsiColors::Cyan),
            Span::Command => style.bold().color(AnsiColors::BrightGreen),
            Span::Ok => style.bold().color(AnsiColors::Green),
            Span::Error => style.bold().color(AnsiColors::Red),
            Span::Warning => style.color(AnsiColors::Black).on_color(AnsiColors::Yellow),
            Span::Unsure => style.bold().color(AnsiColors::Yellow),
            Span::Worker(index) => style.color(DARK_WORKERS[index % WORKER_COLOR_COUNT]),
        }
    }

    fn apply_light(self, style: Style) -> Style {
        match self {
            Span::Heading => style.bold().color(XtermColors::NavyBlue),
            Span::Subheading => style.bold().color(XtermColors::OrientBlue),
            Span::Emphasis => style.italic(),
            Span::Strong => style.bold(),
            Span::Strike => style.strikethrough(),
            Span::Link => style.underline().color(XtermColors::MidnightBlue),
            Span::Code => style.color(XtermColors::LightFreshEggplant),
            // The terminal's own (dark) foreground.
            Span::Dim => style,
            Span::Accent => style.color(XtermColors::OrientBlue),
            Span::Command => style.bold().color(XtermColors::JapaneseLaurel),
            Span::Ok => style.bold().color(XtermColors::CamaroneGreen),
            Span::Error => style.bold().color(XtermColors::BrightRed),
            Span::Warning => style.color(AnsiColors::Black).on_color(XtermColors::Gold),
            Span::Unsure => style.bold().color(XtermColors::Brown),
            Span::Worker(index) => style.color(LIGHT_WORKERS[index % WORKER_COLOR_COUNT]),
        }
    }

    fn apply_high_contrast(self, style: Style) -> Style {
        let style = style.bold();
        match self {
            Span::Heading => style.underline().color(AnsiColors::BrightCyan),
            Span::Subheading => style.color(AnsiColors::BrightCyan),
            Span::Emphasis => style.italic(),
            Span::Strong | Span::Dim => style,
            Span::Strike => style.strikethrough(),
            Span::Link => style.underline().color(AnsiColors::BrightCyan),
            Span::Code => style.color(AnsiColors::BrightYellow),
            Span::Accent => style.color(AnsiColors::BrightCyan),
            Span::Command => style.color(AnsiColors::BrightGreen),
            Span::Ok => style.color(AnsiColors::BrightGreen),
            Span::Error => style.color(AnsiColors::BrightRed),
            Span::Warning => style
                .color(AnsiColors::Black)
                .on_color(AnsiColors::BrightYellow),
            Span::Unsure => style.color(AnsiColors::BrightYellow).underline(),
            Span::Worker(index) => style.color(HIGH_CONTRAST_WORKERS[index % WORKER_COLOR_COUNT]),
        }
    }
}

/// The palette for one rendering, made from [`RenderOptions`].
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    color: bool,
    theme: Theme,
}

impl Styles {
    pub fn new(opts: &RenderOptions) -> Self {
        Styles::themed(opts.color, opts.theme)
    }

    /// The palette of `theme`, or none when `color` is off: for what is
    /// drawn outside a rendering (the prompt, the line editor's hints).
    pub fn themed(color: bool, theme: Theme) -> Self {
        Styles { color, theme }
    }

    pub fn theme(&self) -> Theme {
        self.theme
    }

    pub fn color(&self) -> bool {
        self.color
    }

    /// `text` painted with every kind in `stack`, outermost first.
    pub(crate) fn paint(&self, text: &str, stack: &[Span]) -> String {
        if !self.color || text.is_empty() || stack.is_empty() {
            return text.to_string();
        }
        let style = stack
            .iter()
            .fold(Style::new(), |style, span| span.apply(style, self.theme));
        style.style(text).to_string()
    }

    /// A lesson or step title.
    pub fn heading(&self, text: &str) -> String {
        self.paint(text, &[Span::Heading])
    }

    /// A `###` heading or a label inside a view ("Question 1 of 3").
    pub fn subheading(&self, text: &str) -> String {
        self.paint(text, &[Span::Subheading])
    }

    pub fn emphasis(&self, text: &str) -> String {
        self.paint(text, &[Span::Emphasis])
    }

    pub fn strong(&self, text: &str) -> String {
        self.paint(text, &[Span::Strong])
    }

    /// Code in running text: coloured, or in backticks when colour is off so
    /// `join()` still reads as code.
    pub fn inline_code(&self, text: &str) -> String {
        if self.color {
            self.paint(text, &[Span::Code])
        } else {
            format!("`{text}`")
        }
    }

    /// Secondary text: gutters, hints, footers. Set apart by colour, never
    /// faint: a room reads it too.
    pub fn dim(&self, text: &str) -> String {
        self.paint(text, &[Span::Dim])
    }

    /// Something to notice: lesson ids, markers.
    pub fn accent(&self, text: &str) -> String {
        self.paint(text, &[Span::Accent])
    }

    /// A word the student types (`run`, `quiz`).
    pub fn command(&self, text: &str) -> String {
        self.paint(text, &[Span::Command])
    }

    pub fn link(&self, text: &str) -> String {
        self.paint(text, &[Span::Link])
    }

    pub fn ok(&self, text: &str) -> String {
        self.paint(text, &[Span::Ok])
    }

    pub fn error(&self, text: &str) -> String {
        self.paint(text, &[Span::Error])
    }

    /// Something to worry about that is not a failure: a zombie.
    pub fn warning(&self, text: &str) -> String {
        self.paint(text, &[Span::Warning])
    }

    /// A check that could not be judged either way: `?`.
    pub fn unsure(&self, text: &str) -> String {
        self.paint(text, &[Span::Unsure])
    }

    /// What the line editor offers to complete from history: secondary
    /// and in italics, so it is not taken for what was typed.
    pub fn suggestion(&self, text: &str) -> String {
        self.paint(text, &[Span::Dim, Span::Emphasis])
    }

    /// The REPL's prompt.
    pub fn prompt(&self, text: &str) -> String {
        self.paint(text, &[Span::Strong, Span::Accent])
    }

    /// Text about one worker of a demo, in that worker's colour: the same
    /// index always gets the same colour, in the live view and afterwards.
    pub fn worker(&self, index: usize, text: &str) -> String {
        self.paint(text, &[Span::Worker(index)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn styles(color: bool) -> Styles {
        Styles::new(&RenderOptions {
            width: 80,
            measure: crate::render::DEFAULT_MEASURE,
            color,
            show_notes: false,
            theme: Theme::Dark,
        })
    }

    #[test]
    fn colour_off_returns_text_unchanged_except_code_backticks() {
        let plain = styles(false);
        assert_eq!(plain.heading("Title"), "Title");
        assert_eq!(plain.dim("hint"), "hint");
        assert_eq!(plain.command("run"), "run");
        assert_eq!(plain.inline_code("join()"), "`join()`");
    }

    #[test]
    fn colour_on_styles_and_resets() {
        let color = styles(true);
        let code = color.inline_code("join()");
        assert!(code.starts_with('\x1b'));
        assert!(code.ends_with("\x1b[0m"));
        assert!(!code.contains('`'));
    }

    #[test]
    fn nested_spans_combine_into_one_style() {
        let painted = styles(true).paint("x", &[Span::Strong, Span::Code]);
        // One prefix carrying bold and yellow, then the text, then one reset.
        assert_eq!(painted.matches("\x1b[0m").count(), 1);
        assert_eq!(painted, "\x1b[33;1mx\x1b[0m", "{painted:?}");
    }

    #[test]
    fn worker_colours_are_stable_and_cycle() {
        let color = styles(true);
        assert_eq!(color.worker(1, "P2"), color.worker(1, "P2"));
        assert_ne!(color.worker(0, "P"), color.worker(1, "P"));
        assert_eq!(
            color.worker(2, "P"),
            color.worker(2 + WORKER_COLOR_COUNT, "P")
        );
        assert_eq!(styles(false).worker(3, "P4"), "P4");
    }

    #[test]
    fn empty_text_gets_no_escapes() {
        assert_eq!(styles(true).strong(""), "");
    }
}
