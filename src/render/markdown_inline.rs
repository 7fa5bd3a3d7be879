//! The text of one paragraph, heading or table cell, styled as it arrives.
//!
//! Markdown nests inline markup (code in a link in bold), so the open kinds
//! are kept as a stack and each run of text is painted with the whole stack;
//! see [`Span`]. Links are finished when they close, once their text is
//! known: `text (url)`, or just the URL when that is the text.

use super::ansi::sanitize;
use super::style::{Span, Styles};

/// Where the inline text being gathered will go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Paragraph,
    /// Text straight inside a list item (a "tight" list has no paragraphs).
    Implicit,
    Heading(u8),
    Cell,
}

/// A link or image whose text is still arriving.
struct OpenLink {
    url: String,
    /// The link's text without styling, to tell `<https://x>` from `[x](y)`.
    plain: String,
    image: bool,
    /// Byte offset in the inline text where the link's text starts.
    start: usize,
}

pub(super) struct Inline {
    pub target: Target,
    /// Styled text so far; `\n` marks a hard line break.
    pub text: String,
    spans: Vec<Span>,
    links: Vec<OpenLink>,
}

impl Inline {
    /// Text for `target`, every run painted with `spans` (a heading's look)
    /// beneath whatever markup opens inside it.
    pub fn new(target: Target, spans: Vec<Span>) -> Self {
        Inline {
            target,
            text: String::new(),
            spans,
            links: Vec::new(),
        }
    }

    pub fn push_text(&mut self, text: &str, styles: &Styles) {
        let text = sanitize(text, " ");
        let painted = styles.paint(&text, &self.spans);
        self.text.push_str(&painted);
        if let Some(link) = self.links.last_mut() {
            link.plain.push_str(&text);
        }
    }

    /// Inline code: coloured, or in backticks when colour is off.
    pub fn push_code(&mut self, code: &str, styles: &Styles) {
        let code = sanitize(code, " ");
        let painted = if styles.color() {
            let mut spans = self.spans.clone();
            spans.push(Span::Code);
            styles.paint(&code, &spans)
        } else {
            format!("`{code}`")
        };
        self.text.push_str(&painted);
        if let Some(link) = self.links.last_mut() {
            link.plain.push_str(&code);
        }
    }

    pub fn hard_break(&mut self) {
        self.text.push('\n');
    }

    pub fn open(&mut self, span: Span, styles: &Styles) {
        self.spans.push(span);
        // Without colour, struck-out text keeps its marks: "~~threads~~
        // processes" must not read as "threads processes".
        if span == Span::Strike && !styles.color() {
            self.text.push_str("~~");
        }
    }

    pub fn close(&mut self, styles: &Styles) {
        if self.spans.pop() == Some(Span::Strike) && !styles.color() {
            self.text.push_str("~~");
        }
    }

    pub fn open_link(&mut self, url: &str, image: bool) {
        if !image {
            self.spans.push(Span::Link);
        }
        self.links.push(OpenLink {
            url: sanitize(url, " "),
            plain: String::new(),
            image,
            start: self.text.len(),
        });
    }

    /// Ends a link as `text (url)`, or just `text` when the text is the URL;
    /// an image becomes `[image: alt] (url)`.
    pub fn close_link(&mut self, styles: &Styles) {
        let Some(link) = self.links.pop() else {
            return;
        };
        if link.image {
            self.text.insert_str(link.start, "[image: ");
            self.text.push(']');
        } else {
            self.spans.pop();
        }
        let bare = link.url.strip_prefix("mailto:").unwrap_or(&link.url);
        if !link.url.is_empty() && link.plain != link.url && link.plain != bare {
            self.text.push(' ');
            self.text.push_str(&styles.dim(&format!("({})", link.url)));
        }
        if let Some(outer) = self.links.last_mut() {
            outer.plain.push_str(&link.plain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::RenderOptions;

    fn styles(color: bool) -> Styles {
        Styles::new(&RenderOptions {
            width: 80,
            measure: crate::render::DEFAULT_MEASURE,
            color,
            show_notes: false,
            theme: Default::default(),
        })
    }

    #[test]
    fn links_name_their_url_unless_it_is_their_text() {
        let plain = styles(false);
        let mut inline = Inline::new(Target::Paragraph, Vec::new());
        inline.open_link("https://x.org", false);
        inline.push_text("docs", &plain);
        inline.close_link(&plain);
        inline.push_text(" ", &plain);
        inline.open_link("mailto:a@b.org", false);
        inline.push_text("a@b.org", &plain);
        inline.close_link(&plain);
        assert_eq!(inline.text, "docs (https://x.org) a@b.org");
    }

    #[test]
    fn images_show_their_alt_text_and_url() {
        let plain = styles(false);
        let mut inline = Inline::new(Target::Paragraph, Vec::new());
        inline.push_text("see ", &plain);
        inline.open_link("fork.png", true);
        inline.push_text("a fork", &plain);
        inline.close_link(&plain);
        assert_eq!(inline.text, "see [image: a fork] (fork.png)");
    }

    #[test]
    fn text_after_nested_code_keeps_the_outer_style() {
        let color = styles(true);
        let mut inline = Inline::new(Target::Paragraph, Vec::new());
        inline.open(Span::Strong, &color);
        inline.push_code("x", &color);
        inline.push_text(" still bold", &color);
        inline.close(&color);
        assert!(
            inline.text.ends_with("\x1b[1m still bold\x1b[0m"),
            "{:?}",
            inline.text
        );
    }
}
