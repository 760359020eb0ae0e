//! YAML that Kubernetes clients read back as written. kubectl and oc parse
//! YAML with 1.1 rules, where `on`, `no`, `y`, `~`, `0x1F`, `1_000`, `1:20`
//! or `2001-12-14` are booleans, nulls, numbers or dates, not strings. So
//! a string is written plain only when no YAML 1.1 or 1.2 reader can take
//! it for anything else; every other string is quoted (single quotes when
//! it has nothing to escape), and a multi-line one is a literal block when
//! that keeps it exact.
//!
//! Every YAML output of the host (`run --setup-plan`, `job render`, the
//! data collector) is written here.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// One YAML document (without the `---` line) for any serializable value.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    let mut out = String::new();
    match &value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        scalar => {
            inline(scalar, 2, &mut out);
            out.push('\n');
        }
    }
    Ok(out)
}

fn indent(level: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', level));
}

/// A block mapping whose keys start at column `level`.
fn mapping(map: &serde_json::Map<String, Value>, level: usize, out: &mut String) {
    for (index, (key, value)) in map.iter().enumerate() {
        // The first key of a sequence item follows its `- `.
        if index > 0 {
            indent(level, out);
        }
        out.push_str(&quoted_if_needed(key));
        out.push(':');
        match value {
            Value::Object(child) if !child.is_empty() => {
                out.push('\n');
                indent(level + 2, out);
                mapping(child, level + 2, out);
            }
            // Like kubectl's own output: a sequence sits at its key's column.
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                indent(level, out);
                sequence(items, level, out);
            }
            scalar => {
                out.push(' ');
                inline(scalar, level + 2, out);
                out.push('\n');
            }
        }
    }
}

/// A block sequence whose dashes are at column `level`; the caller has
/// written the first dash's indentation.
fn sequence(items: &[Value], level: usize, out: &mut String) {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            indent(level, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(child) if !child.is_empty() => mapping(child, level + 2, out),
            Value::Array(inner) if !inner.is_empty() => sequence(inner, level + 2, out),
            scalar => {
                inline(scalar, level + 2, out);
                out.push('\n');
            }
        }
    }
}

/// A scalar or empty collection after `key: ` or `- `; a literal block's
/// lines are indented to `level`.
fn inline(value: &Value, level: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) if literal_block_fits(s) => literal_block(s, level, out),
        Value::String(s) => out.push_str(&quoted_if_needed(s)),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn quoted_if_needed(text: &str) -> String {
    if plain_is_safe(text) {
        text.to_owned()
    } else if text.chars().all(|c| is_printable(c) && c != '\t') {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        double_quoted(text)
    }
}

/// Whether `text`, written plain, reads back as this same string under
/// YAML 1.1 and 1.2. Deliberately narrow: quoting a string that did not
/// need it costs two characters, the opposite mistake changes its type.
fn plain_is_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    let lower = text.to_ascii_lowercase();
    // YAML 1.1 booleans and nulls, in every case a reader might accept.
    if matches!(lower.as_str(), "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "~") {
        return false;
    }
    // Numbers (0x1F, 1e3, 1_000, 1:20, .5, .inf, +1), dates (2001-12-14)
    // and indicators (`-`, `?`, `:`, `<<`, `=`, quotes, anchors, tags, …).
    let number_like = first.is_ascii_digit() || first == '.' || first == '+';
    let indicator = " -?:,[]{}#&*!|>'\"%@`<=~".contains(first);
    if number_like || indicator {
        return false;
    }
    text.chars().all(|c| c.is_ascii_graphic() || c == ' ') && !text.ends_with([' ', ':']) && !text.contains(": ") && !text.contains(" #")
}

/// A multi-line string as `|` (one final newline) or `|-` (none): only
/// when the block reproduces it exactly.
fn literal_block_fits(text: &str) -> bool {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let first_content_line = body.split('\n').find(|line| !line.is_empty());
    body.contains('\n')
        && !body.ends_with('\n')
        && first_content_line.is_some_and(|line| !line.starts_with(' '))
        && body.split('\n').all(|line| !line.ends_with(' ') && line.chars().all(|c| is_printable(c) && c != '\t'))
}

fn literal_block(text: &str, level: usize, out: &mut String) {
    let (body, chomp) = match text.strip_suffix('\n') {
        Some(body) => (body, "|"),
        None => (text, "|-"),
    };
    out.push_str(chomp);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            indent(level, out);
            out.push_str(line);
        }
    }
}

/// Characters YAML allows unescaped, less those YAML 1.1 reads as line
/// breaks (NEL, LS, PS) and the byte-order mark.
fn is_printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_printable(c) => out.push(c),
            // Everything not printable is below U+10000.
            c => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Strings YAML 1.1 reads as something else when plain.
    const AMBIGUOUS: &[&str] = &[
        "on",
        "On",
        "ON",
        "off",
        "yes",
        "Yes",
        "no",
        "NO",
        "y",
        "Y",
        "n",
        "N",
        "true",
        "False",
        "null",
        "Null",
        "~",
        "",
        "0x1F",
        "0o17",
        "0b101",
        "012",
        "1e3",
        "1E+3",
        "1_000",
        "1:20",
        "190:20:30",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        ".inf",
        "-.Inf",
        ".NaN",
        ".5",
        "+12",
        "-1",
        "0",
        "3.14",
        "<<",
        "=",
    ];

    fn round_trip(value: &Value) -> Value {
        serde_yaml_ng::from_str(&to_string(value).unwrap()).unwrap()
    }

    #[test]
    fn yaml_1_1_scalars_are_quoted() {
        for text in AMBIGUOUS {
            let yaml = to_string(&json!({ "value": text })).unwrap();
            assert!(yaml.starts_with("value: '"), "{text:?} as a value is not quoted:\n{yaml}");
            let yaml = to_string(&json!({ *text: "key" })).unwrap();
            assert!(yaml.starts_with('\''), "{text:?} as a key is not quoted:\n{yaml}");
        }
    }

    #[test]
    fn plain_strings_stay_plain() {
        let yaml =
            to_string(&json!({"kind": "Plan", "url": "https://vc.example/sdk", "name": "mtv-rhel8", "image": "quay.io/a/b:v1"})).unwrap();
        assert_eq!(yaml, "image: quay.io/a/b:v1\nkind: Plan\nname: mtv-rhel8\nurl: https://vc.example/sdk\n");
    }

    #[test]
    fn every_string_reads_back_unchanged() {
        let strings: Vec<&str> = AMBIGUOUS
            .iter()
            .copied()
            .chain([
                "a: b",
                "a #b",
                "x:",
                " lead",
                "trail ",
                "#c",
                "-x",
                "- x",
                "it's",
                "say \"hi\"",
                "back\\slash",
                "tab\there",
                "bell\u{7}",
                "del\u{7f}",
                "nel\u{85}",
                "ls\u{2028}",
                "bom\u{feff}",
                "grin 😀",
                "café",
                "one\ntwo",
                "one\ntwo\n",
                "one\ntwo\n\n",
                "\nlead",
                "  indented\nblock",
                "trailing \nspace",
                "x\r\ny",
                "a\n\nb\n",
                "- hosts: localhost\n  tasks:\n    - debug: {}\n",
            ])
            .collect();
        for text in strings {
            let doc = json!({"k": text, "list": [text, {"k": text}], "nested": {"deeper": {"k": text}}});
            assert_eq!(round_trip(&doc), doc, "{text:?}\n{}", to_string(&doc).unwrap());
        }
    }

    #[test]
    fn structure_matches_kubectl_style() {
        let doc = json!({"spec": {"vms": [{"name": "vm1", "hooks": [{"step": "PreHook"}]}, "x", [1, [2]]], "empty": {}, "none": [], "n": null, "b": false, "i": 3}});
        let yaml = to_string(&doc).unwrap();
        assert_eq!(
            yaml,
            "spec:\n  b: false\n  empty: {}\n  i: 3\n  'n': null\n  none: []\n  vms:\n  - hooks:\n    - step: PreHook\n    name: vm1\n  - x\n  - - 1\n    - - 2\n"
        );
        assert_eq!(round_trip(&doc), doc);
        assert_eq!(to_string(&json!("on")).unwrap(), "'on'\n");
        assert_eq!(to_string(&json!("it's on")).unwrap(), "it's on\n");
        assert_eq!(to_string(&json!("'on'")).unwrap(), "'''on'''\n");
        assert_eq!(to_string(&json!("on\u{7}")).unwrap(), "\"on\\u0007\"\n");
        assert_eq!(to_string(&json!([])).unwrap(), "[]\n");
        assert_eq!(to_string(&json!("a\nb")).unwrap(), "|-\n  a\n  b\n");
    }

    #[test]
    fn multi_line_strings_are_literal_blocks() {
        let yaml = to_string(&json!({"script": "set -e\necho on\n", "msg": "a\nb"})).unwrap();
        assert_eq!(yaml, "msg: |-\n  a\n  b\nscript: |\n  set -e\n  echo on\n");
    }
}
