//! The `/analyze-failures` request body, built in one buffer of exactly the
//! right size: a 50 MB report costs one escaped copy, with no regrowth.

use serde::Serialize;

/// `{"raw_xml": …, "ai_provider": …, "ai_model": …}` as JSON bytes.
pub fn analyze_request(raw_xml: &str, ai_provider: &str, ai_model: &str) -> Result<Vec<u8>, serde_json::Error> {
    #[derive(Serialize)]
    struct AnalyzeRequest<'a> {
        raw_xml: &'a str,
        ai_provider: &'a str,
        ai_model: &'a str,
    }
    const FRAME: usize = r#"{"raw_xml":"","ai_provider":"","ai_model":""}"#.len();
    let capacity = FRAME + escaped_len(raw_xml) + escaped_len(ai_provider) + escaped_len(ai_model);
    let mut body = Vec::with_capacity(capacity);
    let request = AnalyzeRequest { raw_xml, ai_provider, ai_model };
    serde_json::to_writer(&mut body, &request)?;
    Ok(body)
}

/// Length of `text` once escaped as a JSON string body, the way serde_json
/// escapes it: `"` and `\` take two bytes, control characters two
/// (`\n`, `\t`, …) or six (`\u0001`).
fn escaped_len(text: &str) -> usize {
    text.len()
        + text
            .bytes()
            .map(|b| match b {
                b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
                0x00..=0x1f => 5,
                _ => 0,
            })
            .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_the_json_the_server_expects_and_fits_its_buffer_exactly() {
        let xml = "<testsuite name=\"a\\b\">\n\t<x>\u{1}é</x></testsuite>";
        let body = analyze_request(xml, "claude", "claude-opus-4-6[1m]").unwrap();
        assert_eq!(body.len(), body.capacity());
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(parsed["raw_xml"], xml);
        assert_eq!(parsed["ai_provider"], "claude");
        assert_eq!(parsed["ai_model"], "claude-opus-4-6[1m]");
    }
}
