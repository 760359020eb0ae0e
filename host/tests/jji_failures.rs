//! Enrichment against a loopback stand-in for JJI: a good answer replaces
//! the report; every failure leaves it byte-for-byte as it was; the report
//! only ever goes to the granted origin.

mod support;

use mtv_host::enrich::{EnrichOutcome, JjiConfig, enrich_report, plugin_spec};
use mtv_host::plugins::{LoadedPlugin, PluginRuntime};
use mtv_host::secrets::AuditKind;
use std::sync::Arc;
use std::time::Duration;
use support::jji::{FAILED_REPORT, FakeJji, GREEN_REPORT, Reply, config, enriched_report, facts, refused_url, report_file};
use support::{FixedSecrets, plugin, services};

fn runtime() -> (PluginRuntime, Arc<mtv_host::secrets::AuditLog>) {
    let (services, audit) = services(FixedSecrets::default());
    (PluginRuntime::new(services, None).unwrap(), audit)
}

fn load(runtime: &PluginRuntime, config: &JjiConfig) -> LoadedPlugin {
    runtime.load(&plugin_spec(config, plugin("jji"))).unwrap()
}

/// Run enrichment of the failed report against `url`; returns the outcome
/// and the report's bytes afterwards.
fn enrich_failed(url: &str, extra: &[(&str, &str)]) -> (EnrichOutcome, String) {
    let (runtime, _) = runtime();
    let plugin = load(&runtime, &config(url, extra));
    let (_dir, path) = report_file(FAILED_REPORT);
    let outcome = enrich_report(&runtime, &plugin, &path, facts(1, 1));
    (outcome, std::fs::read_to_string(&path).unwrap())
}

fn assert_unchanged(outcome: &EnrichOutcome, after: &str, reason_contains: &str) {
    match outcome {
        EnrichOutcome::Unchanged { reason, .. } => assert!(reason.contains(reason_contains), "reason: {reason}"),
        other => panic!("expected unchanged ({reason_contains}), got {other:?}"),
    }
    assert_eq!(after, FAILED_REPORT, "the report changed");
}

#[test]
fn a_completed_analysis_replaces_the_report_and_the_request_is_what_jji_expects() {
    let server = FakeJji::start(Reply::completed(&enriched_report()));
    let (outcome, after) = enrich_failed(&format!("{}/", server.url), &[("JJI_TIMEOUT", "30")]);
    assert_eq!(outcome, EnrichOutcome::Replaced { messages: vec![format!("AI analysis: {}/results/fake-1", server.url)] });
    assert_eq!(after, enriched_report());

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let head = requests[0].head.to_ascii_lowercase();
    assert!(head.starts_with("post /analyze-failures http/1.1"), "{head}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body, serde_json::json!({ "raw_xml": FAILED_REPORT, "ai_provider": "claude", "ai_model": "claude-opus-4-6[1m]" }));
}

#[test]
fn http_500_leaves_the_report_unchanged_and_quotes_the_answer() {
    let server = FakeJji::start(Reply::status(500, "Internal Server Error"));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, "HTTP 500: Internal Server Error");
}

#[test]
fn http_422_leaves_the_report_unchanged() {
    let server = FakeJji::start(Reply::status(422, r#"{"detail":[{"type":"value_error","msg":"Provide either raw_xml or failures"}]}"#));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, "HTTP 422");
    assert_unchanged(&outcome, &after, "Provide either raw_xml or failures");
}

#[test]
fn a_server_slower_than_the_timeout_leaves_the_report_unchanged() {
    let server = FakeJji::start(Reply::Stall(Duration::from_secs(5)));
    let started = std::time::Instant::now();
    let (outcome, after) = enrich_failed(&server.url, &[("JJI_TIMEOUT", "1")]);
    assert_unchanged(&outcome, &after, "did not answer within 1 s");
    assert!(started.elapsed() < Duration::from_secs(4), "waited {:?}", started.elapsed());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_failed_analysis_leaves_the_report_unchanged_but_links_to_it() {
    let server = FakeJji::start(Reply::json(&serde_json::json!({
        "job_id": "j1", "status": "failed", "summary": "Analysis failed: RuntimeError: no workspace",
        "enriched_xml": null, "base_url": "", "result_url": "/results/j1",
    })));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, "Analysis failed: RuntimeError: no workspace");
    assert_eq!(outcome.messages(), [format!("AI analysis: {}/results/j1", server.url)]);
}

#[test]
fn a_missing_empty_or_foreign_enriched_xml_leaves_the_report_unchanged() {
    for (enriched_xml, why) in [
        (serde_json::Value::Null, "no enriched_xml"),
        ("".into(), "empty"),
        ("<html><body>oops</body></html>".into(), "<html>"),
        ("not xml at all".into(), "no root element"),
    ] {
        let server = FakeJji::start(Reply::json(&serde_json::json!({ "status": "completed", "enriched_xml": enriched_xml })));
        let (outcome, after) = enrich_failed(&server.url, &[]);
        assert_unchanged(&outcome, &after, why);
    }
}

#[test]
fn malformed_xml_that_passes_the_plugins_quick_look_is_refused_by_the_host() {
    let broken = "<testsuites><testsuite><testcase></testsuite></testsuites>";
    let server = FakeJji::start(Reply::completed(broken));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, "plugin 'jji' returned a report the host refuses");
}

#[test]
fn an_answer_that_is_not_json_leaves_the_report_unchanged() {
    let server = FakeJji::start(Reply::status(200, "<html>proxy login</html>"));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, "not its JSON answer");
}

#[test]
fn a_refused_connection_leaves_the_report_unchanged() {
    let url = refused_url();
    let (outcome, after) = enrich_failed(&url, &[]);
    assert_unchanged(&outcome, &after, &format!("cannot reach JJI at {url}"));
}

#[test]
fn a_green_run_or_a_dry_run_sends_nothing_and_reads_nothing() {
    let server = FakeJji::start(Reply::completed(FAILED_REPORT));
    let (runtime, audit) = runtime();
    let plugin = load(&runtime, &config(&server.url, &[]));
    let (_dir, path) = report_file(GREEN_REPORT);
    let green = enrich_report(&runtime, &plugin, &path, facts(0, 0));
    assert_eq!(green, EnrichOutcome::Skipped { reason: "no failures: nothing to analyze".into() });
    let dry = enrich_report(&runtime, &plugin, &path, mtv_host::plugins::ReportFacts { dry_run: true, ..facts(1, 0) });
    assert!(matches!(dry, EnrichOutcome::Skipped { .. }), "{dry:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), GREEN_REPORT);
    assert_eq!(server.requests().len(), 0);
    assert!(audit.entries().unwrap().is_empty());
}

#[test]
fn the_plugin_itself_sends_nothing_for_a_green_run() {
    let server = FakeJji::start(Reply::completed(FAILED_REPORT));
    let (runtime, _) = runtime();
    let plugin = load(&runtime, &config(&server.url, &[]));
    let result = runtime.report(&plugin, facts(0, 0), GREEN_REPORT).unwrap();
    assert!(
        matches!(&result.outcome, mtv_host::plugins::Outcome::Unchanged(why) if why == "no failures: nothing to analyze"),
        "{:?}",
        result.outcome
    );
    assert_eq!(server.requests().len(), 0);
}

#[test]
fn the_report_cannot_go_to_any_origin_but_the_granted_one() {
    let granted = FakeJji::start(Reply::completed(FAILED_REPORT));
    let elsewhere = FakeJji::start(Reply::completed(FAILED_REPORT));
    let (runtime, audit) = runtime();
    // The grant names one server, the settings point at another (a
    // hand-edited entry, or a plugin that tried).
    let mut spec = plugin_spec(&config(&granted.url, &[]), plugin("jji"));
    spec.settings.insert("server_url".into(), elsewhere.url.clone());
    let plugin = runtime.load(&spec).unwrap();
    let (_dir, path) = report_file(FAILED_REPORT);

    let outcome = enrich_report(&runtime, &plugin, &path, facts(1, 1));
    assert_unchanged(&outcome, &std::fs::read_to_string(&path).unwrap(), "not granted");
    assert_eq!(elsewhere.requests().len(), 0, "the report reached an ungranted server");
    assert_eq!(granted.requests().len(), 0);
    let entries = audit.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].kind, entries[0].target.as_str(), entries[0].allowed), (AuditKind::Http, elsewhere.url.as_str(), false));
}

#[test]
fn a_redirect_cannot_carry_the_report_to_another_origin() {
    let elsewhere = FakeJji::start(Reply::completed(FAILED_REPORT));
    let granted = FakeJji::start(Reply::Redirect(format!("{}/analyze-failures", elsewhere.url)));
    let (outcome, after) = enrich_failed(&granted.url, &[]);
    assert_eq!(granted.requests().len(), 1);
    assert_eq!(elsewhere.requests().len(), 0, "the report followed a redirect to an ungranted origin");
    assert_unchanged(&outcome, &after, "HTTP 307");
}

/// `text` without the first element that starts with `open` and ends with `close`.
fn cut(text: &str, open: &str, close: &str) -> String {
    let start = text.find(open).expect("element present");
    let end = start + text[start..].find(close).expect("element closed") + close.len();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn a_reply_that_drops_a_case_or_an_outcome_leaves_the_report_unchanged() {
    let cold = "tests.test_copyoffload::test_cold_migration";
    for (reply, lost) in [
        ("<testsuites/>".to_owned(), format!("it drops test case {cold}, ")),
        (cut(&enriched_report(), "<failure ", "</failure>"), format!("it drops the <failure> of {cold}, which")),
        (cut(&enriched_report(), "<error ", "</error>"), "it drops the <error> of tests.test_copyoffload::test_warm_migration,".into()),
        (
            cut(&enriched_report(), "<testcase classname=\"tests.test_smoke\"", "/>"),
            "it drops test case tests.test_smoke::test_provider_ready,".into(),
        ),
    ] {
        let server = FakeJji::start(Reply::completed(&reply));
        let (outcome, after) = enrich_failed(&server.url, &[]);
        assert_unchanged(&outcome, &after, "plugin 'jji' returned a report the host refuses");
        assert_unchanged(&outcome, &after, &lost);
    }
}

#[test]
fn a_reply_that_keeps_every_case_and_outcome_may_add_to_them() {
    let added = enriched_report()
        .replace("</testsuite>", "<testcase classname=\"jji\" name=\"analysis\"><skipped message=\"summary\"/></testcase>\n</testsuite>");
    let server = FakeJji::start(Reply::completed(&added));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert!(matches!(outcome, EnrichOutcome::Replaced { .. }), "{outcome:?}");
    assert_eq!(after, added);
}

#[test]
fn control_characters_in_an_error_body_arrive_escaped() {
    let server = FakeJji::start(Reply::status(500, "\x1b[2J\x1b[31mboom\0\r\n==== 9 passed in 0.01s ===="));
    let (outcome, after) = enrich_failed(&server.url, &[]);
    assert_unchanged(&outcome, &after, r"HTTP 500: \x1b[2J\x1b[31mboom\0");
    let EnrichOutcome::Unchanged { reason, .. } = outcome else { unreachable!() };
    assert!(!reason.contains(['\x1b', '\0', '\r', '\n']), "{reason:?}");
}
