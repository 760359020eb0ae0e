//! Text into HTML: everything a report holds is untrusted (test ids, error
//! messages, an AI's analysis), so all of it is escaped, and only http(s)
//! addresses become links.

/// `text` with the characters that are markup in HTML text and attribute
/// values escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link to `url` labelled `label`, or the label alone when `url` is not
/// an http(s) address (a `javascript:` URL in a report is not followed).
pub fn link(url: &str, label: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!(r#"<a href="{}" rel="noreferrer noopener">{}</a>"#, escape(url), escape(label))
    } else {
        escape(label)
    }
}

/// An id usable as an HTML anchor: the test id with anything but
/// alphanumerics, `-` and `_` turned into `-`, plus its position (two ids
/// may differ only in such characters).
pub fn anchor(index: usize, id: &str) -> String {
    let cleaned: String = id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    format!("t{index}-{cleaned}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_text() {
        assert_eq!(escape(r#"<script>alert("x")</script>&'"#), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(link("javascript:alert(1)", "MTV-1"), "MTV-1");
        assert_eq!(
            link("https://issues.example/browse/MTV-1?a=1&b=\"", "MTV-1"),
            r#"<a href="https://issues.example/browse/MTV-1?a=1&amp;b=&quot;" rel="noreferrer noopener">MTV-1</a>"#
        );
    }

    #[test]
    fn anchors_are_plain() {
        assert_eq!(anchor(3, "plan::a b/c"), "t3-plan--a-b-c");
    }
}
