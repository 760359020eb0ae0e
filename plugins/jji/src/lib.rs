//! AI failure analysis of a failed run's JUnit report through Jenkins Job
//! Insight (JJI).
//!
//! The plugin posts the report to `{server_url}/analyze-failures` and hands
//! back the enriched report JJI returns. Anything short of a completed
//! analysis with a JUnit document leaves the report unchanged, with the
//! reason. The host grants exactly one HTTP origin, the JJI server's.
//!
//! Reports reach tens of megabytes, so the plugin holds as few copies as it
//! can: the request body is escaped into one buffer sized up front, the
//! report text is dropped before the answer arrives, and the answer is
//! parsed in place.

mod answer;
mod body;
mod json_string;
mod junit;
mod settings;

use mtv_plugin_sdk::export_reporter;
use mtv_plugin_sdk::http::{self, Header};
use mtv_plugin_sdk::reporter::{Guest, Outcome, ReportFacts, ReportResult};
use settings::Settings;

struct Jji;

impl Guest for Jji {
    fn report(facts: ReportFacts, junit_xml: String) -> ReportResult {
        if facts.dry_run {
            return unchanged("dry run: nothing to analyze".into());
        }
        if facts.failures.saturating_add(facts.errors) == 0 {
            return unchanged("no failures: nothing to analyze".into());
        }
        let settings = match Settings::load() {
            Ok(settings) => settings,
            Err(why) => return unchanged(why),
        };
        let body = match body::analyze_request(&junit_xml, &settings.ai_provider, &settings.ai_model) {
            Ok(body) => body,
            Err(error) => return unchanged(format!("cannot encode the request to JJI: {error}")),
        };
        // The request body holds the report now; free the original before
        // the (larger) answer is copied in.
        drop(junit_xml);
        let request = http::Request {
            method: "POST".into(),
            url: settings.endpoint(),
            headers: vec![json_header("content-type"), json_header("accept")],
            body,
            timeout_ms: Some(settings.timeout_ms),
        };
        let sent = http::send(&request);
        drop(request);
        match sent {
            Ok(response) => answer::interpret(response.status, &response.body, &settings.server_url),
            Err(error) => unchanged(answer::transport_failure(&error, &settings)),
        }
    }
}

fn json_header(name: &str) -> Header {
    Header { name: name.into(), value: "application/json".into() }
}

fn unchanged(why: String) -> ReportResult {
    ReportResult { outcome: Outcome::Unchanged(why), messages: Vec::new() }
}

export_reporter!(Jji);
