//! What JJI's answer means for the report: a completed analysis with a
//! JUnit `enriched_xml` replaces it; anything else leaves it unchanged and
//! says why.

use crate::settings::Settings;
use crate::{json_string, junit};
use mtv_plugin_sdk::http::Error;
use mtv_plugin_sdk::reporter::{Outcome, ReportResult};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Most of an error body quoted back to the user.
const EXCERPT_CHARS: usize = 300;

/// The fields of the `/analyze-failures` answer the plugin uses; the rest
/// (per-failure analyses, token usage…) is skipped without being stored.
/// The report stays a raw slice of the response body until it is decoded
/// once, by [`json_string::decode`].
#[derive(Deserialize)]
struct Analysis<'a> {
    status: Option<String>,
    summary: Option<String>,
    #[serde(borrow)]
    enriched_xml: Option<&'a RawValue>,
    result_url: Option<String>,
    /// Older servers name the HTML report here.
    report_url: Option<String>,
    html_report_url: Option<String>,
}

pub fn interpret(status: u16, body: &[u8], server_url: &str) -> ReportResult {
    if status != 200 {
        return unchanged(format!("JJI answered HTTP {status}: {}", excerpt(body)));
    }
    let analysis: Analysis = match serde_json::from_slice(body) {
        Ok(analysis) => analysis,
        Err(error) => {
            return unchanged(format!("JJI answered HTTP 200 with something that is not its JSON answer ({error}): {}", excerpt(body)));
        }
    };
    let links = links(&analysis, server_url);
    match analysis.status.as_deref() {
        Some("completed") => {}
        Some("failed") => {
            let summary = analysis.summary.as_deref().unwrap_or("no summary given");
            return with_messages(Outcome::Unchanged(format!("JJI could not analyze the failures: {summary}")), links);
        }
        other => {
            let status = other.unwrap_or("missing");
            return with_messages(Outcome::Unchanged(format!("JJI answered with status '{status}', not 'completed'")), links);
        }
    }
    let Some(raw) = analysis.enriched_xml else {
        return with_messages(Outcome::Unchanged("JJI completed but sent no enriched_xml".into()), links);
    };
    let xml = match json_string::decode(raw) {
        Ok(xml) if xml.trim().is_empty() => {
            return with_messages(Outcome::Unchanged("JJI completed but its enriched_xml is empty".into()), links);
        }
        Ok(xml) => xml,
        Err(why) => return with_messages(Outcome::Unchanged(format!("JJI's enriched_xml is unusable: {why}")), links),
    };
    if let Some(problem) = junit::shape_problem(&xml) {
        return with_messages(Outcome::Unchanged(format!("JJI's enriched_xml is not a JUnit report: {problem}")), links);
    }
    let mut messages = links;
    // JJI says "completed" even when the AI command failed; only the
    // classification properties show that an analysis really ran.
    if !xml.contains("\"ai_classification\"") {
        messages.push(
            "JJI completed, but no test case got an AI classification: the AI provider may have failed (see ai_details in the report)"
                .into(),
        );
    }
    with_messages(Outcome::Replaced(xml.into_owned()), messages)
}

/// Why no answer came back, for the user.
pub fn transport_failure(error: &Error, settings: &Settings) -> String {
    match error {
        Error::Timeout => format!("JJI did not answer within {} s (raise JJI_TIMEOUT)", settings.timeout_ms / 1000),
        Error::Connection(why) => format!("cannot reach JJI at {}: {why}", settings.server_url),
        Error::Denied(why) => format!("the host refused the request to JJI: {why}"),
        Error::Invalid(why) => format!("the request to JJI is invalid: {why}"),
    }
}

/// Links to the analysis, absolute (JJI answers with paths when it does
/// not know its public URL), without repeats.
fn links(analysis: &Analysis, server_url: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for url in [&analysis.result_url, &analysis.report_url, &analysis.html_report_url].into_iter().flatten() {
        let url = url.trim();
        if url.is_empty() {
            continue;
        }
        let absolute = if url.starts_with('/') { format!("{server_url}{url}") } else { url.to_string() };
        let line = format!("AI analysis: {absolute}");
        if !links.contains(&line) {
            links.push(line);
        }
    }
    links
}

/// The start of a body, on one line.
fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    let collapsed = String::from_utf8_lossy(head).split_whitespace().collect::<Vec<_>>().join(" ");
    let mut line: String = collapsed.chars().take(EXCERPT_CHARS).collect();
    if line.is_empty() {
        return "(empty body)".into();
    }
    if line.len() < collapsed.len() || head.len() < body.len() {
        line.push('…');
    }
    line
}

fn unchanged(why: String) -> ReportResult {
    with_messages(Outcome::Unchanged(why), Vec::new())
}

fn with_messages(outcome: Outcome, messages: Vec<String>) -> ReportResult {
    ReportResult { outcome, messages }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = r#"<testsuites><testsuite><testcase name=\"a\"><properties><property name=\"ai_classification\" value=\"PRODUCT BUG\"/></properties></testcase></testsuite></testsuites>"#;

    fn replaced(result: &ReportResult) -> Option<&str> {
        match &result.outcome {
            Outcome::Replaced(xml) => Some(xml),
            Outcome::Unchanged(_) => None,
        }
    }

    fn reason(result: &ReportResult) -> &str {
        match &result.outcome {
            Outcome::Unchanged(why) => why,
            Outcome::Replaced(_) => panic!("replaced"),
        }
    }

    #[test]
    fn a_completed_analysis_replaces_the_report_and_links_to_it() {
        let body = format!(r#"{{"status":"completed","enriched_xml":"{REPORT}","result_url":"/results/42","failures":[{{"x":1}}]}}"#);
        let result = interpret(200, body.as_bytes(), "http://jji:8000");
        assert!(replaced(&result).unwrap().contains(r#"name="ai_classification""#));
        assert_eq!(result.messages, ["AI analysis: http://jji:8000/results/42"]);
    }

    #[test]
    fn everything_else_leaves_the_report_unchanged_with_the_reason() {
        let server = "http://jji";
        assert_eq!(
            reason(&interpret(500, b"Internal Server Error\n\ntrace", server)),
            "JJI answered HTTP 500: Internal Server Error trace"
        );
        assert_eq!(reason(&interpret(502, b"", server)), "JJI answered HTTP 502: (empty body)");
        assert!(reason(&interpret(200, b"<html>", server)).contains("not its JSON answer"));
        let failed = interpret(200, br#"{"status":"failed","summary":"Analysis failed: boom","result_url":"/results/1"}"#, server);
        assert!(reason(&failed).contains("Analysis failed: boom"));
        assert_eq!(failed.messages.len(), 1);
        assert!(reason(&interpret(200, br#"{"status":"completed","enriched_xml":null}"#, server)).contains("no enriched_xml"));
        assert!(reason(&interpret(200, br#"{"status":"completed"}"#, server)).contains("no enriched_xml"));
        assert!(reason(&interpret(200, br#"{"status":"completed","enriched_xml":" "}"#, server)).contains("empty"));
        assert!(reason(&interpret(200, br#"{"status":"completed","enriched_xml":42}"#, server)).contains("not a string"));
        assert!(reason(&interpret(200, br#"{"status":"completed","enriched_xml":"<html/>"}"#, server)).contains("<html>"));
    }

    #[test]
    fn a_completed_answer_without_classifications_says_so() {
        let result = interpret(200, br#"{"status":"completed","enriched_xml":"<testsuite/>"}"#, "http://jji");
        assert_eq!(replaced(&result), Some("<testsuite/>"));
        assert!(result.messages[0].contains("no test case got an AI classification"));
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "x".repeat(10_000);
        let text = excerpt(long.as_bytes());
        assert_eq!(text.chars().count(), EXCERPT_CHARS + 1);
        assert!(text.ends_with('…'));
    }
}
