//! What each kind of text looks like, in colour and without.
//!
//! Every renderer styles text through [`Styles`], so the palette lives in one
//! place and "colour off" is decided once: then every method returns the text
//! unchanged, except where a marker carries meaning that colour would have
//! carried (inline code keeps its backticks, struck-out text its `~~`).

use owo_colors::{AnsiColors, Style};

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

/// One colour per worker, chosen by index modulo the length. Red is left out
/// (it means failure) and so is cyan (the accent, used for a demo's own
/// notes); the four hues come round before their second shades, so workers
/// next to each other never look alike.
const WORKER_COLORS: [AnsiColors; 6] = [
    AnsiColors::BrightYellow,
    AnsiColors::BrightMagenta,
    AnsiColors::BrightGreen,
    AnsiColors::BrightBlue,
    AnsiColors::Yellow,
    AnsiColors::Magenta,
];

/// How many workers get different colours before they repeat.
pub const WORKER_COLOR_COUNT: usize = WORKER_COLORS.len();

impl Span {
    /// Adds this kind's look on top of `style`; later kinds win on colour.
    fn apply(self, style: Style) -> Style {
        match self {
            Span::Heading => style.bold().color(AnsiColors::BrightCyan),
            Span::Subheading => style.bold().color(AnsiColors::Cyan),
            Span::Emphasis => style.italic(),
            Span::Strong => style.bold(),
            Span::Strike => style.strikethrough(),
            Span::Link => style.underline().color(AnsiColors::BrightBlue),
            Span::Code => style.color(AnsiColors::Yellow),
            Span::Dim => style.dimmed(),
            Span::Accent => style.color(AnsiColors::Cyan),
            Span::Command => style.bold().color(AnsiColors::BrightGreen),
            Span::Ok => style.bold().color(AnsiColors::Green),
            Span::Error => style.bold().color(AnsiColors::Red),
            Span::Warning => style.color(AnsiColors::Black).on_color(AnsiColors::Yellow),
            Span::Unsure => style.bold().color(AnsiColors::Yellow),
            Span::Worker(index) => style.color(WORKER_COLORS[index % WORKER_COLORS.len()]),
        }
    }
}

/// The palette for one rendering, made from [`RenderOptions`].
#[derive(Debug, Clone, Copy)]
pub struct Styles {
    color: bool,
}

impl Styles {
    pub fn new(opts: &RenderOptions) -> Self {
        Styles { color: opts.color }
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
            .fold(Style::new(), |style, span| span.apply(style));
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

    /// Secondary text: gutters, hints, footers.
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
