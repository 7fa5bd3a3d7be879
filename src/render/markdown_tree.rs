//! pulldown-cmark's event stream → a small tree of blocks.
//!
//! Laying out a block needs to know its width, and the width of a block in a
//! list or a quote depends on everything around it, so the events are first
//! gathered into a tree and laid out afterwards, recursively. Inline markup
//! is resolved while reading (see `markdown_inline`): a paragraph's text
//! arrives already styled (escapes in colour, backticks without), ready to
//! be wrapped.

use comfy_table::CellAlignment;
use pulldown_cmark::{Alignment, CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::markdown_inline::{Inline, Target};
use super::style::{Span, Styles};
use crate::course::MAX_NESTING;

/// A block of Markdown, with its inline text already styled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// Text to wrap; `\n` marks a hard line break.
    Paragraph(String),
    Heading(u8, String),
    List {
        /// The first number of an ordered list; `None` for bullets.
        start: Option<u64>,
        /// Items hold paragraphs separated by blank lines (a "loose" list).
        loose: bool,
        items: Vec<Vec<Node>>,
    },
    Quote(Vec<Node>),
    Code {
        lang: String,
        code: String,
    },
    Rule,
    Table {
        aligns: Vec<CellAlignment>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// Parses `md` (with tables and strikethrough) into blocks.
pub(crate) fn parse(md: &str, styles: &Styles) -> Vec<Node> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut builder = Builder {
        styles,
        frames: vec![Frame::Blocks(Vec::new())],
        inline: None,
        code: None,
        nesting: 0,
        flattened: 0,
    };
    for event in Parser::new_ext(md, options) {
        builder.event(event);
    }
    builder.finish()
}

/// An open container.
enum Frame {
    /// The document, a quote or a list item: a sequence of blocks.
    Blocks(Vec<Node>),
    List {
        start: Option<u64>,
        loose: bool,
        items: Vec<Vec<Node>>,
    },
    Table {
        aligns: Vec<CellAlignment>,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        row: Vec<String>,
    },
}

struct Builder<'s> {
    styles: &'s Styles,
    /// Never empty: the document's own `Blocks` frame is at the bottom.
    frames: Vec<Frame>,
    inline: Option<Inline>,
    /// An open code block: its language and text so far.
    code: Option<(String, String)>,
    /// Lists and quotes open in `frames`.
    nesting: usize,
    /// Lists, items and quotes open beyond [`MAX_NESTING`], whose blocks
    /// join the deepest one kept. A loaded lesson never nests that deep;
    /// this keeps the tree (and the recursion that lays it out) shallow
    /// whatever Markdown arrives, so no input can overflow the stack.
    flattened: usize,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => match &mut self.code {
                Some((_, code)) => code.push_str(&text),
                None => self.push_text(&text),
            },
            Event::Code(code) => {
                let styles = self.styles;
                self.open_inline().push_code(&code, styles);
            }
            Event::Html(html) | Event::InlineHtml(html) => self.push_text(&html),
            Event::InlineMath(math) | Event::DisplayMath(math) => self.push_text(&math),
            Event::FootnoteReference(name) => self.push_text(&format!("[^{name}]")),
            Event::SoftBreak => self.push_text(" "),
            Event::HardBreak => self.open_inline().hard_break(),
            Event::TaskListMarker(done) => self.push_text(if done { "[x] " } else { "[ ] " }),
            Event::Rule => {
                self.flush_implicit();
                self.push_node(Node::Rule);
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::BlockQuote(_) | Tag::List(_) | Tag::Item
                if self.flattened > 0
                    || (self.nesting >= MAX_NESTING && !matches!(tag, Tag::Item)) =>
            {
                self.flush_implicit();
                self.flattened += 1;
            }
            Tag::Paragraph | Tag::HtmlBlock => {
                self.flush_implicit();
                self.mark_list_loose();
                self.begin_inline(Target::Paragraph, Vec::new());
            }
            Tag::Heading { level, .. } => {
                self.flush_implicit();
                let level = level as u8;
                let span = if level <= 2 {
                    Span::Heading
                } else {
                    Span::Subheading
                };
                self.begin_inline(Target::Heading(level), vec![span]);
            }
            Tag::BlockQuote(_) | Tag::Item => {
                self.flush_implicit();
                if !matches!(tag, Tag::Item) {
                    self.nesting += 1;
                }
                self.frames.push(Frame::Blocks(Vec::new()));
            }
            Tag::CodeBlock(kind) => {
                self.flush_implicit();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.flush_implicit();
                self.nesting += 1;
                self.frames.push(Frame::List {
                    start,
                    loose: false,
                    items: Vec::new(),
                });
            }
            Tag::Table(aligns) => {
                self.flush_implicit();
                self.frames.push(Frame::Table {
                    aligns: aligns.iter().map(cell_alignment).collect(),
                    header: Vec::new(),
                    rows: Vec::new(),
                    row: Vec::new(),
                });
            }
            Tag::TableCell => self.begin_inline(Target::Cell, Vec::new()),
            Tag::Emphasis => self.open_span(Span::Emphasis),
            Tag::Strong => self.open_span(Span::Strong),
            Tag::Strikethrough => self.open_span(Span::Strike),
            Tag::Link { dest_url, .. } => self.open_inline().open_link(&dest_url, false),
            Tag::Image { dest_url, .. } => self.open_inline().open_link(&dest_url, true),
            // Table rows and the head only group cells; footnotes, metadata
            // and the rest are not enabled, and their text (if any) simply
            // joins the surrounding block.
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item if self.flattened > 0 => {
                self.flush_implicit();
                self.flattened -= 1;
            }
            TagEnd::Paragraph | TagEnd::HtmlBlock | TagEnd::Heading(_) | TagEnd::TableCell => {
                self.flush_inline();
            }
            TagEnd::BlockQuote(_) => {
                self.flush_implicit();
                self.nesting = self.nesting.saturating_sub(1);
                if let Some(children) = self.pop_blocks() {
                    self.push_node(Node::Quote(children));
                }
            }
            TagEnd::Item => {
                self.flush_implicit();
                if let Some(item) = self.pop_blocks()
                    && let Some(Frame::List { items, .. }) = self.frames.last_mut()
                {
                    items.push(item);
                }
            }
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    self.push_node(Node::Code { lang, code });
                }
            }
            TagEnd::List(_) => {
                self.nesting = self.nesting.saturating_sub(1);
                if let Some(Frame::List { .. }) = self.frames.last()
                    && let Some(Frame::List {
                        start,
                        loose,
                        items,
                    }) = self.frames.pop()
                {
                    self.push_node(Node::List {
                        start,
                        loose,
                        items,
                    });
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(Frame::Table {
                    header, rows, row, ..
                }) = self.frames.last_mut()
                {
                    let cells = std::mem::take(row);
                    if tag == TagEnd::TableHead {
                        *header = cells;
                    } else {
                        rows.push(cells);
                    }
                }
            }
            TagEnd::Table => {
                if let Some(Frame::Table { .. }) = self.frames.last()
                    && let Some(Frame::Table {
                        aligns,
                        header,
                        rows,
                        ..
                    }) = self.frames.pop()
                {
                    self.push_node(Node::Table {
                        aligns,
                        header,
                        rows,
                    });
                }
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                let styles = self.styles;
                self.open_inline().close(styles);
            }
            TagEnd::Link | TagEnd::Image => {
                let styles = self.styles;
                self.open_inline().close_link(styles);
            }
            _ => {}
        }
    }

    fn begin_inline(&mut self, target: Target, spans: Vec<Span>) {
        self.inline = Some(Inline::new(target, spans));
    }

    /// The inline text being gathered, starting an implicit paragraph when
    /// text arrives directly inside a list item.
    fn open_inline(&mut self) -> &mut Inline {
        self.inline
            .get_or_insert_with(|| Inline::new(Target::Implicit, Vec::new()))
    }

    fn push_text(&mut self, text: &str) {
        let styles = self.styles;
        self.open_inline().push_text(text, styles);
    }

    fn open_span(&mut self, span: Span) {
        let styles = self.styles;
        self.open_inline().open(span, styles);
    }

    fn flush_implicit(&mut self) {
        if self
            .inline
            .as_ref()
            .is_some_and(|inline| inline.target == Target::Implicit)
        {
            self.flush_inline();
        }
    }

    fn flush_inline(&mut self) {
        let Some(inline) = self.inline.take() else {
            return;
        };
        let text = inline.text.trim_end().to_string();
        match inline.target {
            Target::Cell => {
                if let Some(Frame::Table { row, .. }) = self.frames.last_mut() {
                    row.push(text);
                }
            }
            Target::Heading(level) => self.push_node(Node::Heading(level, text)),
            Target::Paragraph | Target::Implicit if !text.trim().is_empty() => {
                self.push_node(Node::Paragraph(text));
            }
            Target::Paragraph | Target::Implicit => {}
        }
    }

    /// A paragraph directly in a list item makes its list loose.
    fn mark_list_loose(&mut self) {
        let depth = self.frames.len();
        if depth >= 3
            && matches!(self.frames[depth - 1], Frame::Blocks(_))
            && let Frame::List { loose, .. } = &mut self.frames[depth - 2]
        {
            *loose = true;
        }
    }

    fn push_node(&mut self, node: Node) {
        if let Some(Frame::Blocks(nodes)) = self.frames.last_mut() {
            nodes.push(node);
        }
    }

    /// Closes a quote or list item, never the document itself.
    fn pop_blocks(&mut self) -> Option<Vec<Node>> {
        if self.frames.len() > 1
            && let Some(Frame::Blocks(_)) = self.frames.last()
            && let Some(Frame::Blocks(nodes)) = self.frames.pop()
        {
            return Some(nodes);
        }
        None
    }

    fn finish(mut self) -> Vec<Node> {
        self.flush_inline();
        match self.frames.into_iter().next() {
            Some(Frame::Blocks(nodes)) => nodes,
            _ => Vec::new(),
        }
    }
}

fn cell_alignment(align: &Alignment) -> CellAlignment {
    match align {
        Alignment::Center => CellAlignment::Center,
        Alignment::Right => CellAlignment::Right,
        Alignment::None | Alignment::Left => CellAlignment::Left,
    }
}
