//! Decoding one JSON string value straight from the response body.
//!
//! serde_json decodes an escaped string into a scratch buffer and then
//! copies it out: for a 50 MB `enriched_xml` that is two transient copies.
//! Decoding the raw value here writes each character once, into a string
//! sized from the escaped text (never larger), and borrows when there is
//! nothing to unescape.

use serde_json::value::RawValue;
use std::borrow::Cow;

/// The string a raw JSON value holds, or why it holds none.
pub fn decode(raw: &RawValue) -> Result<Cow<'_, str>, String> {
    let text = raw.get();
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return Err(format!("it is not a string but {}", kind(text)));
    };
    if !inner.contains('\\') {
        return Ok(Cow::Borrowed(inner));
    }
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        rest = unescape_one(&rest[at + 1..], &mut out)?;
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Decode the escape at the start of `rest` (after its `\`) into `out`;
/// returns what follows it.
fn unescape_one<'a>(rest: &'a str, out: &mut String) -> Result<&'a str, String> {
    let mut chars = rest.chars();
    let simple = match chars.next() {
        Some('"') => '"',
        Some('\\') => '\\',
        Some('/') => '/',
        Some('b') => '\u{8}',
        Some('f') => '\u{c}',
        Some('n') => '\n',
        Some('r') => '\r',
        Some('t') => '\t',
        Some('u') => return unescape_unicode(&rest[1..], out),
        _ => return Err("it holds an invalid escape".into()),
    };
    out.push(simple);
    Ok(&rest[1..])
}

/// `\uXXXX`, or a `\uD8xx\uDCxx` surrogate pair; a lone surrogate becomes
/// U+FFFD, as lossy UTF-8 decoding does.
fn unescape_unicode<'a>(rest: &'a str, out: &mut String) -> Result<&'a str, String> {
    let first = hex4(rest)?;
    let rest = &rest[4..];
    if (0xD800..0xDC00).contains(&first)
        && let Some(low) = rest.strip_prefix("\\u").and_then(|r| hex4(r).ok()).filter(|low| (0xDC00..0xE000).contains(low))
    {
        let code = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00);
        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        return Ok(&rest[6..]);
    }
    out.push(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER));
    Ok(rest)
}

fn hex4(text: &str) -> Result<u32, String> {
    text.get(..4).and_then(|digits| u32::from_str_radix(digits, 16).ok()).ok_or_else(|| "it holds an invalid \\u escape".to_string())
}

fn kind(json: &str) -> &'static str {
    match json.as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Box<RawValue> {
        RawValue::from_string(json.to_string()).unwrap()
    }

    #[test]
    fn decodes_like_serde_json() {
        let original = "<a b=\"c\\d\">\n\t/é 😀 \u{1} \u{8}\u{c}\r</a>";
        let json = serde_json::to_string(original).unwrap();
        assert_eq!(decode(&raw(&json)).unwrap(), original);
        assert_eq!(decode(&raw(r#""\ud83d\ude00 \u00e9 \/""#)).unwrap(), "😀 é /");
        assert_eq!(decode(&raw(r#""\ud83d x""#)).unwrap(), "\u{fffd} x");
    }

    #[test]
    fn borrows_when_nothing_is_escaped() {
        assert!(matches!(decode(&raw(r#""<testsuite/>""#)).unwrap(), Cow::Borrowed("<testsuite/>")));
    }

    #[test]
    fn other_values_are_named() {
        assert_eq!(decode(&raw("null")).unwrap_err(), "it is not a string but null");
        assert_eq!(decode(&raw("{}")).unwrap_err(), "it is not a string but an object");
    }
}
