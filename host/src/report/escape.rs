//! Text into XML 1.0: markup characters escaped, and characters XML 1.0
//! cannot carry at all (most C0 controls, U+FFFE, U+FFFF) written as
//! `#x1B`, the way pytest's JUnit writer does, so a colour code in a
//! captured log cannot make the report unreadable.

use std::fmt::Write as _;

/// Appends `text` escaped for element content.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    escape_into(out, text, false);
}

/// Appends `text` escaped for a double-quoted attribute value. Newlines
/// and tabs become character references so parsers keep them instead of
/// normalising them to spaces.
pub(crate) fn escape_attribute(out: &mut String, text: &str) {
    escape_into(out, text, true);
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    let mut rest = text;
    while let Some(index) = rest.find(|c| needs_escape(c, attribute)) {
        out.push_str(&rest[..index]);
        let Some(c) = rest[index..].chars().next() else {
            break;
        };
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            other => {
                let _ = write!(out, "#x{:02X}", u32::from(other));
            }
        }
        rest = &rest[index + c.len_utf8()..];
    }
    out.push_str(rest);
}

fn needs_escape(c: char, attribute: bool) -> bool {
    match c {
        '<' | '>' | '&' | '\r' => true,
        '"' | '\n' | '\t' => attribute,
        '\u{FFFE}' | '\u{FFFF}' => true,
        c => c < ' ',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> String {
        let mut out = String::new();
        escape_text(&mut out, input);
        out
    }

    fn attribute(input: &str) -> String {
        let mut out = String::new();
        escape_attribute(&mut out, input);
        out
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(text("a < b && \"c\" > d"), "a &lt; b &amp;&amp; \"c\" &gt; d");
        assert_eq!(attribute("say \"hi\"\n\tnow"), "say &quot;hi&quot;&#10;&#9;now");
    }

    #[test]
    fn forbidden_characters_become_visible_codes() {
        assert_eq!(text("\u{1b}[31mred\u{0}\u{FFFF}"), "#x1B[31mred#x00#xFFFF");
        assert_eq!(text("line\r\nnext\ttab"), "line&#13;\nnext\ttab");
    }

    #[test]
    fn other_text_passes_unchanged() {
        assert_eq!(text("héllo ✓ 日本 😀 '"), "héllo ✓ 日本 😀 '");
    }
}
