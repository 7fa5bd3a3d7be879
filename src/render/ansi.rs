//! Measuring and tidying lines that may hold ANSI escapes.
//!
//! Renderers build text freely (a styled word may wrap onto the next line, a
//! table may come back a column too wide at a silly width) and then pass it
//! through [`finish`], which is where the module's promises are kept: every
//! line fits the width, closes its own styles, has no trailing spaces, and
//! there are no leading, trailing or doubled blank lines.

use console::AnsiCodeIterator;

/// Ends every style; what `owo-colors` writes after a styled run.
pub(crate) const RESET: &str = "\x1b[0m";

/// Display width of `text`, ignoring ANSI escapes.
pub(crate) fn width(text: &str) -> usize {
    console::measure_text_width(text)
}

/// Display width of one character.
fn char_width(ch: char) -> usize {
    let mut buf = [0u8; 4];
    textwrap::core::display_width(ch.encode_utf8(&mut buf))
}

/// `text` padded with spaces on the right to `columns` display columns.
pub(crate) fn pad(text: &str, columns: usize) -> String {
    console::pad_str(text, columns, console::Alignment::Left, None).into_owned()
}

/// Replaces characters that would corrupt the layout: tabs become spaces
/// (their width depends on the terminal), other control characters (a stray
/// ESC in a lesson file) become `�`. Newlines are kept.
pub(crate) fn sanitize(text: &str, tab: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\n' => clean.push('\n'),
            '\t' => clean.push_str(tab),
            '\r' => {}
            ch if ch.is_control() => clean.push('\u{fffd}'),
            ch => clean.push(ch),
        }
    }
    clean
}

/// What stands in for a control character that must not reach the
/// terminal: one visible column, so text after it stays where it was.
pub const REPLACEMENT: char = '\u{fffd}';

/// `text` made safe to send to a terminal, whoever wrote it: mptutor's own
/// colours (`ESC [ digits ; … m`) are kept when `keep_colours` (dropped
/// otherwise), newlines and tabs are kept, a CR before a newline is
/// dropped, and every other control character (ESC starting anything but
/// a colour, BEL, BS, a bare CR, DEL, the C1 controls U+0080–U+009F such as
/// U+009B CSI and U+009D OSC) becomes [`REPLACEMENT`]. What followed an ESC
/// then shows as plain text (`�]52;c;…`): a clipboard write, a hyperlink, a
/// reset or a cursor move is seen, never carried out.
pub fn terminal_safe(text: &str, keep_colours: bool) -> String {
    let mut safe = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if ch == '\x1b'
            && let Some(len) = colour_len(rest)
        {
            if keep_colours {
                safe.push_str(&rest[..len]);
            }
            rest = &rest[len..];
            continue;
        }
        rest = &rest[ch.len_utf8()..];
        match ch {
            '\n' | '\t' => safe.push(ch),
            '\r' if rest.starts_with('\n') => {}
            ch if ch.is_control() => safe.push(REPLACEMENT),
            ch => safe.push(ch),
        }
    }
    safe
}

/// The length of the colour sequence (SGR) `text` starts with, if it does.
pub(crate) fn colour_len(text: &str) -> Option<usize> {
    let params = text.strip_prefix("\x1b[")?;
    let end = params.find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))?;
    params[end..].starts_with('m').then_some(2 + end + 1)
}

/// Splits one line into pieces of at most `columns` display columns,
/// breaking anywhere (escapes are carried along, never cut).
pub(crate) fn hard_wrap(line: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_width = 0;
    for (part, is_ansi) in AnsiCodeIterator::new(line) {
        if is_ansi {
            current.push_str(part);
            continue;
        }
        for ch in part.chars() {
            let w = char_width(ch);
            if current_width + w > columns && current_width > 0 {
                pieces.push(std::mem::take(&mut current));
                current_width = 0;
            }
            current.push(ch);
            current_width += w;
        }
    }
    pieces.push(current);
    pieces
}

fn is_reset(code: &str) -> bool {
    code == "\x1b[0m" || code == "\x1b[m"
}

/// Makes every line close the styles it opens and reopen the ones still
/// active from the line before, so each line stands on its own.
pub(crate) fn balance_lines(text: &str) -> String {
    if !text.contains('\x1b') {
        return text.to_string();
    }
    let mut active: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for line in text.split('\n') {
        if line.is_empty() {
            out.push(String::new());
            continue;
        }
        let mut balanced: String = active.concat();
        for (part, is_ansi) in AnsiCodeIterator::new(line) {
            balanced.push_str(part);
            if is_ansi && part.ends_with('m') {
                if is_reset(part) {
                    active.clear();
                } else {
                    active.push(part);
                }
            }
        }
        if !active.is_empty() {
            balanced.push_str(RESET);
        }
        out.push(balanced);
    }
    out.join("\n")
}

/// `line` without trailing whitespace, looking through escapes that follow
/// it (`"text   \x1b[0m"` becomes `"text\x1b[0m"`).
pub(crate) fn trim_end(line: &str) -> String {
    if !line.contains('\x1b') {
        return line.trim_end().to_string();
    }
    let mut parts: Vec<(String, bool)> = AnsiCodeIterator::new(line)
        .map(|(part, is_ansi)| (part.to_string(), is_ansi))
        .collect();
    for (part, is_ansi) in parts.iter_mut().rev() {
        if *is_ansi {
            continue;
        }
        let trimmed_len = part.trim_end().len();
        part.truncate(trimmed_len);
        if trimmed_len > 0 {
            break;
        }
    }
    parts.into_iter().map(|(part, _)| part).collect()
}

/// The last step of every public renderer: enforces the width, balances
/// styles, trims trailing spaces and blank lines at both ends, and squeezes
/// runs of blank lines into one. With colour off, any escape that slipped in
/// is removed so the "no escapes" promise holds whatever the input.
pub(crate) fn finish(text: &str, columns: usize, color: bool) -> String {
    let mut fitted = Vec::new();
    for line in text.split('\n') {
        if width(line) > columns {
            fitted.extend(hard_wrap(line, columns));
        } else {
            fitted.push(line.to_string());
        }
    }
    let mut joined = fitted.join("\n");
    if color {
        joined = balance_lines(&joined);
    } else if joined.contains('\x1b') {
        joined = console::strip_ansi_codes(&joined).replace('\x1b', "");
    }
    let mut lines: Vec<String> = Vec::new();
    for line in joined.split('\n').map(trim_end) {
        let blank = line.is_empty();
        let previous_blank = lines.last().is_none_or(|last| last.is_empty());
        if blank && previous_blank {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|last| last.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_ignores_escapes() {
        assert_eq!(width("\x1b[1mbold\x1b[0m"), 4);
        assert_eq!(width("•"), 1);
    }

    #[test]
    fn hard_wrap_splits_by_display_width_and_keeps_escapes_whole() {
        let pieces = hard_wrap("\x1b[33mabcdef\x1b[0m", 4);
        assert_eq!(pieces, ["\x1b[33mabcd", "ef\x1b[0m"]);
        assert!(pieces.iter().all(|piece| width(piece) <= 4));
    }

    #[test]
    fn balance_reopens_styles_on_the_next_line() {
        let balanced = balance_lines("\x1b[1mone\ntwo\x1b[0m three");
        assert_eq!(balanced, "\x1b[1mone\x1b[0m\n\x1b[1mtwo\x1b[0m three");
    }

    #[test]
    fn trim_end_looks_through_trailing_escapes() {
        assert_eq!(trim_end("a  \x1b[0m"), "a\x1b[0m");
        assert_eq!(trim_end("a b  "), "a b");
    }

    #[test]
    fn finish_squeezes_blank_lines_and_trims_ends() {
        assert_eq!(finish("\n\na  \n\n\n\nb\n\n", 40, false), "a\n\nb");
    }

    #[test]
    fn finish_without_colour_removes_stray_escapes() {
        assert_eq!(finish("\x1b[31mred\x1b[0m", 40, false), "red");
    }

    #[test]
    fn terminal_safe_keeps_colours_and_shows_every_other_control() {
        let hostile = "\x1b[1mA\x1b[0m\x1b]52;c;aGk=\x07\x1bc\x1b[2J\u{9b}31m\u{9d}0\x08\r\n";
        assert_eq!(
            terminal_safe(hostile, true),
            "\x1b[1mA\x1b[0m�]52;c;aGk=��c�[2J�31m�0�\n"
        );
        assert_eq!(
            terminal_safe(hostile, false),
            "A�]52;c;aGk=��c�[2J�31m�0�\n"
        );
        assert_eq!(terminal_safe("a\rb\tc", false), "a�b\tc");
    }

    #[test]
    fn sanitize_expands_tabs_and_replaces_control_characters() {
        assert_eq!(sanitize("a\tb\x1bc\r\n", "  "), "a  b\u{fffd}c\n");
    }
}
