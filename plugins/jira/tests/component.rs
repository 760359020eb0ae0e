//! The built component in the real mtv-host runtime, with a fake host that
//! answers JIRA's REST API from canned responses.

use mtv_plugin_runtime::Decision;
use mtv_plugin_runtime::testing::{FakeHost, build_component, sample};
use std::path::PathBuf;

const JIRA: &str = "https://issues.example.com";

/// `cargo xtask test` has built the component into `MTV_PLUGIN_DIR`; a
/// plain `cargo test -p mtv-plugin-jira` builds it here.
fn component() -> PathBuf {
    match std::env::var_os("MTV_PLUGIN_DIR") {
        Some(dir) => PathBuf::from(dir).join("jira.wasm"),
        None => build_component(env!("CARGO_MANIFEST_DIR")).expect("the plugin builds for wasm32-wasip2"),
    }
}

fn host() -> FakeHost {
    FakeHost::new()
        .setting("url", JIRA)
        .setting("connection_retry_total", "0")
        .grant_origin(JIRA)
        .credential(JIRA, "Bearer canary-jira-4e0d")
}

/// The search the gate sends for the sample tests: without canned answers,
/// it is reported as unexpected, with its exact URL.
fn search_url() -> String {
    let first = host().load(component()).unwrap();
    first.decide(&sample::run_facts(), &sample::tests()).unwrap().unwrap();
    let search = first.unexpected_requests();
    assert_eq!(search.len(), 1, "{search:?}");
    search[0].strip_prefix("GET ").unwrap().to_string()
}

#[test]
fn one_search_decides_every_marked_test() {
    let url = search_url();
    assert!(url.starts_with(&format!("{JIRA}/rest/api/2/search?")) && url.contains("ABC-1"), "{url}");

    let body = r#"{"total":1,"issues":[{"key":"ABC-1","fields":{"status":{"name":"Open"}}}]}"#;
    let plugin = host().respond("GET", &url, 200, body).load(component()).unwrap();
    let outcome = plugin.decide(&sample::run_facts(), &sample::tests()).unwrap().unwrap();
    plugin.assert_no_unexpected_requests();
    let verdict = outcome.verdicts.iter().find(|v| v.id == "plan.toml::test_cold_migration").expect("a verdict for the jira-marked test");
    assert!(matches!(&verdict.decision, Decision::Xfail(reason) if reason == &format!("{JIRA}/browse/ABC-1")), "{verdict:?}");
    assert!(outcome.verdicts.iter().all(|v| v.id == verdict.id), "only the marked test gets a verdict: {outcome:?}");
    assert!(plugin.logs().iter().any(|line| line.message.contains("1 requests to JIRA")), "{:?}", plugin.logs());
    assert!(plugin.requests().iter().all(|r| r.headers.iter().all(|(_, v)| !v.contains("canary-jira-4e0d"))));
}

#[test]
fn a_resolved_issue_lets_the_test_run() {
    let url = search_url();
    let body = r#"{"total":1,"issues":[{"key":"ABC-1","fields":{"status":{"name":"Closed"},"resolution":{"name":"Done"}}}]}"#;
    let plugin = host().respond("GET", &url, 200, body).load(component()).unwrap();
    let outcome = plugin.decide(&sample::run_facts(), &sample::tests()).unwrap().unwrap();
    let verdict = outcome.verdicts.iter().find(|v| v.id == "plan.toml::test_cold_migration").expect("a verdict for the jira-marked test");
    assert!(matches!(verdict.decision, Decision::Run), "{outcome:?}");
    assert!(verdict.properties.contains(&("jira".to_string(), "ABC-1:Closed:run".to_string())), "{outcome:?}");
}

#[test]
fn an_sso_login_page_is_a_clear_error_under_the_strict_policy() {
    let url = search_url();
    let plugin =
        host().setting("error_strategy", "strict").respond("GET", &url, 200, "<html><body>Log in</body></html>").load(component()).unwrap();
    let error = plugin.decide(&sample::run_facts(), &sample::tests()).unwrap().expect_err("strict stops the run");
    assert!(error.contains("HTML"), "{error}");
}
