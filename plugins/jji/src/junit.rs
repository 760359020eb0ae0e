//! A cheap shape check of the enriched report: a JUnit document starts
//! with a `testsuites` or `testsuite` element and ends by closing it. The
//! host parses the whole document again before it writes anything; this
//! check only spares it a round trip for an answer that is plainly wrong.

/// Why `xml` is not a JUnit document, if it is not.
pub fn shape_problem(xml: &str) -> Option<String> {
    let Some(root) = root_name(xml) else {
        return Some("it has no root element".into());
    };
    if root != "testsuites" && root != "testsuite" {
        return Some(format!("its root element is <{root}>, not <testsuites> or <testsuite>"));
    }
    let tail = xml.trim_end();
    let closed = tail.ends_with("/>") || tail.strip_suffix('>').is_some_and(|t| t.trim_end().ends_with(&format!("</{root}")));
    if !closed {
        return Some(format!("it does not end by closing <{root}> (truncated?)"));
    }
    None
}

/// The name of the first element, skipping the XML declaration, processing
/// instructions, comments and a doctype.
fn root_name(xml: &str) -> Option<&str> {
    let mut rest = xml.trim_start_matches('\u{feff}');
    loop {
        rest = rest.trim_start();
        let after = rest.strip_prefix('<')?;
        let skip_to = if after.starts_with('?') {
            "?>"
        } else if after.starts_with("!--") {
            "-->"
        } else if after.starts_with('!') {
            ">"
        } else {
            let end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
            return Some(&after[..end]).filter(|name| !name.is_empty());
        };
        let end = after.find(skip_to)?;
        rest = &after[end + skip_to.len()..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junit_documents_pass() {
        for xml in [
            "<?xml version='1.0' encoding='utf-8'?>\n<testsuites><testsuite/></testsuites>\n",
            "<!-- made by pytest --><testsuite name=\"a\" tests=\"1\"></testsuite >",
            "<testsuite/>",
        ] {
            assert_eq!(shape_problem(xml), None, "{xml}");
        }
    }

    #[test]
    fn other_documents_are_named() {
        assert!(shape_problem("").unwrap().contains("no root"));
        assert!(shape_problem("not xml").unwrap().contains("no root"));
        assert!(shape_problem("<html><body/></html>").unwrap().contains("<html>"));
        assert!(shape_problem("<testsuites><testsuite>").unwrap().contains("truncated"));
    }
}
