//! The built component in the real mtv-host runtime, with a fake host that
//! answers JJI's `/analyze-failures` from canned responses.

use mtv_plugin_runtime::Outcome;
use mtv_plugin_runtime::testing::{FakeHost, TestPlugin, build_component, sample};
use std::path::PathBuf;

const JJI: &str = "https://jji.example.com";

/// `cargo xtask test` has built the component into `MTV_PLUGIN_DIR`; a
/// plain `cargo test -p mtv-plugin-jji` builds it here.
fn component() -> PathBuf {
    match std::env::var_os("MTV_PLUGIN_DIR") {
        Some(dir) => PathBuf::from(dir).join("jji.wasm"),
        None => build_component(env!("CARGO_MANIFEST_DIR")).expect("the plugin builds for wasm32-wasip2"),
    }
}

fn answered(status: u16, body: &str) -> TestPlugin {
    FakeHost::new()
        .setting("server_url", JJI)
        .grant_origin(JJI)
        .respond("POST", &format!("{JJI}/analyze-failures"), status, body)
        .load(component())
        .unwrap()
}

fn enriched() -> String {
    sample::failing_junit().replacen(
        "<failure ",
        r#"<properties><property name="ai_classification" value="PRODUCT BUG"/></properties><failure "#,
        1,
    )
}

#[test]
fn a_completed_analysis_replaces_the_report() {
    let answer = serde_json::json!({ "status": "completed", "enriched_xml": enriched(), "result_url": "/results/7" });
    let plugin = answered(200, &answer.to_string());
    let result = plugin.report(sample::report_facts(), sample::failing_junit()).unwrap();
    assert!(matches!(&result.outcome, Outcome::Replaced(xml) if *xml == enriched()), "{:?}", result.messages);
    assert_eq!(result.messages, [format!("AI analysis: {JJI}/results/7")]);
    plugin.assert_no_unexpected_requests();
    let sent: serde_json::Value = serde_json::from_slice(&plugin.requests()[0].body).unwrap();
    assert_eq!(sent["raw_xml"], sample::failing_junit());
}

#[test]
fn a_server_error_leaves_the_report_unchanged_with_the_reason() {
    let plugin = answered(500, r#"{"detail":"worker crashed"}"#);
    let result = plugin.report(sample::report_facts(), sample::failing_junit()).unwrap();
    assert!(matches!(&result.outcome, Outcome::Unchanged(why) if why.contains("500")), "{:?}", result.outcome);
}

#[test]
fn a_green_run_sends_nothing() {
    let plugin = answered(200, "{}");
    let facts = mtv_plugin_runtime::ReportFacts { failures: 0, ..sample::report_facts() };
    let result = plugin.report(facts, sample::failing_junit()).unwrap();
    assert!(matches!(&result.outcome, Outcome::Unchanged(why) if why.contains("no failures")), "{:?}", result.outcome);
    assert!(plugin.requests().is_empty());
}
