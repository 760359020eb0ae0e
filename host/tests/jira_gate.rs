//! The JIRA gate plugin (target/plugins/jira.wasm) against a JIRA double on
//! loopback: pytest-jira's decisions, batching, retries, degraded service,
//! and the token staying with the host.

mod support;

use mtv_host::plugins::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::jira_server::{Endpoint, Issue, JiraServer, Scenario};
use support::{FixedSecrets, plugin, services};

/// The token the host attaches; it must never come back from the plugin.
const TOKEN: &str = "canary-jira-token-6f1d2c9e";

/// Loads are serialized so the first one compiles into the shared cache and
/// the others read it.
static LOADS: Mutex<()> = Mutex::new(());

struct Gate {
    runtime: PluginRuntime,
    plugin: LoadedPlugin,
}

/// The gate, granted `url` (where the host attaches `Bearer TOKEN`), with
/// `url` and `settings` as its settings table.
fn gate(url: &str, settings: &[(&str, &str)]) -> Gate {
    gate_with_limits(url, settings, Limits::default())
}

fn gate_with_limits(url: &str, settings: &[(&str, &str)], limits: Limits) -> Gate {
    load(url, url, settings, limits)
}

/// The gate configured for `url`, granted only `granted`.
fn load(url: &str, granted: &str, settings: &[(&str, &str)], limits: Limits) -> Gate {
    let secrets = FixedSecrets { credentials: [(url.to_string(), format!("Bearer {TOKEN}"))].into(), ..Default::default() };
    let (services, _audit) = services(secrets);
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jira-gate-components");
    let runtime = PluginRuntime::new(services, Some(cache)).unwrap();
    let mut table: BTreeMap<String, String> = [("url".to_string(), url.to_string())].into();
    table.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let spec = PluginSpec {
        name: "jira".into(),
        path: plugin("jira"),
        grants: Grants { http: vec![granted.to_string()], ..Default::default() },
        settings: table,
        limits,
        ..Default::default()
    };
    let plugin = {
        let _one_at_a_time = LOADS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        runtime.load(&spec).unwrap()
    };
    Gate { runtime, plugin }
}

impl Gate {
    fn decide(&self, tests: &[TestItem]) -> Result<GateOutcome, String> {
        self.decide_with(tests, false)
    }

    fn decide_with(&self, tests: &[TestItem], dry_run: bool) -> Result<GateOutcome, String> {
        let facts = RunFacts {
            source_provider: "rhv-4.4".into(),
            source_provider_type: "ovirt".into(),
            source_provider_version: None,
            storage_class: "sc".into(),
            dry_run,
        };
        self.runtime.gate_decide(&self.plugin, &facts, tests).expect("the hook ran")
    }
}

fn test(name: &str, markers: Vec<Marker>) -> TestItem {
    TestItem { id: format!("plan.toml::{name}"), name: name.into(), markers }
}

fn jira(keys: &[&str], kwargs: &[(&str, &str)]) -> Marker {
    Marker {
        name: "jira".into(),
        args: keys.iter().map(|k| k.to_string()).collect(),
        kwargs: kwargs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

fn verdict<'a>(outcome: &'a GateOutcome, name: &str) -> Option<&'a Verdict> {
    outcome.verdicts.iter().find(|v| v.id == format!("plan.toml::{name}"))
}

/// `run`, `skip: <reason>` or `xfail: <reason>`; `none` without a verdict.
fn decision(outcome: &GateOutcome, name: &str) -> String {
    match verdict(outcome, name).map(|v| &v.decision) {
        None => "none".into(),
        Some(Decision::Run) => "run".into(),
        Some(Decision::Skip(reason)) => format!("skip: {reason}"),
        Some(Decision::Xfail(reason)) => format!("xfail: {reason}"),
    }
}

/// The values of one property of a test's verdict.
fn property(outcome: &GateOutcome, name: &str, key: &str) -> Vec<String> {
    verdict(outcome, name).map_or(vec![], |v| v.properties.iter().filter(|(k, _)| k == key).map(|(_, value)| value.clone()).collect())
}

fn issues() -> Vec<Issue> {
    vec![
        Issue::new("MTV-1", "Open"),
        Issue::new("MTV-2", "Closed").resolution("Done"),
        Issue::new("MTV-3", "Resolved").resolution("Fixed"),
        Issue::new("MTV-4", "Closed").resolution("Won't Do"),
        Issue::new("MTV-5", "In Progress"),
        Issue::new("MTV-2846", "Open"),
    ]
}

fn server(scenario: Scenario) -> JiraServer {
    JiraServer::start(TOKEN, issues(), scenario)
}

/// A server that was started and stopped: connecting is refused.
fn stopped_server() -> JiraServer {
    let mut server = server(Scenario::default());
    server.stop();
    server
}

/// One retry (two requests), as urllib3 counts `connection_retry_total`.
const FAST_RETRIES: [(&str, &str); 2] = [("connection_retry_total", "1"), ("connection_retry_backoff_factor", "0.01")];

#[test]
fn an_unresolved_issue_with_run_false_skips_the_test_with_its_browse_link() {
    let jira_server = server(Scenario::default());
    let outcome = gate(&jira_server.url, &[]).decide(&[test("warm", vec![jira(&["MTV-2846"], &[("run", "false")])])]).unwrap();
    let link = format!("{}/browse/MTV-2846", jira_server.url);
    assert_eq!(decision(&outcome, "warm"), format!("skip: {link}"));
    assert_eq!(property(&outcome, "warm", "jira"), ["MTV-2846:Open:skip"]);
    assert_eq!(property(&outcome, "warm", "jira_url"), [link]);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn an_unresolved_issue_runs_the_test_as_an_expected_failure_by_default() {
    let jira_server = server(Scenario::default());
    let outcome = gate(&jira_server.url, &[]).decide(&[test("known_bug", vec![jira(&["MTV-5"], &[])])]).unwrap();
    assert_eq!(decision(&outcome, "known_bug"), format!("xfail: {}/browse/MTV-5", jira_server.url));
    assert_eq!(property(&outcome, "known_bug", "jira"), ["MTV-5:In Progress:xfail"]);
}

#[test]
fn closed_and_resolved_issues_let_their_tests_run() {
    let jira_server = server(Scenario::default());
    let tests =
        [test("closed", vec![jira(&["MTV-2"], &[("run", "false")])]), test("resolved", vec![jira(&["MTV-3"], &[("run", "false")])])];
    let outcome = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "closed"), "run");
    assert_eq!(decision(&outcome, "resolved"), "run");
    assert_eq!(property(&outcome, "closed", "jira"), ["MTV-2:Closed:run"]);
    assert_eq!(property(&outcome, "resolved", "jira"), ["MTV-3:Resolved:run"]);

    let custom = gate(&jira_server.url, &[("resolved_statuses", "Verified, Closed")]).decide(&tests).unwrap();
    assert_eq!(decision(&custom, "closed"), "run");
    assert_eq!(decision(&custom, "resolved"), format!("skip: {}/browse/MTV-3", jira_server.url));
}

#[test]
fn with_resolved_resolutions_a_wont_do_issue_stays_unresolved() {
    let jira_server = server(Scenario::default());
    let tests = [
        test("done", vec![jira(&["MTV-2"], &[("run", "false")])]),
        test("fixed", vec![jira(&["MTV-3"], &[("run", "false")])]),
        test("wont_do", vec![jira(&["MTV-4"], &[("run", "false")])]),
    ];
    let without = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&without, "wont_do"), "run");

    let outcome = gate(&jira_server.url, &[("resolved_resolutions", "Done,fixed")]).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "done"), "run");
    assert_eq!(decision(&outcome, "fixed"), "run");
    assert_eq!(decision(&outcome, "wont_do"), format!("skip: {}/browse/MTV-4", jira_server.url));
    assert_eq!(property(&outcome, "wont_do", "jira"), ["MTV-4:Closed:skip"]);
}

#[test]
fn the_product_version_decides_for_closed_and_open_issues() {
    let jira_server = JiraServer::start(
        TOKEN,
        [
            Issue::new("MTV-10", "Closed").versions(&["2.10"]),
            Issue::new("MTV-11", "Closed").versions(&["2.10"]).fix_versions(&["2.10"]),
            Issue::new("MTV-12", "Open").versions(&["2.9"]),
            Issue::new("MTV-13", "Open").versions(&["2.9", "2.10"]),
        ],
        Scenario::default(),
    );
    let tests: Vec<TestItem> =
        ["MTV-10", "MTV-11", "MTV-12", "MTV-13"].iter().map(|key| test(key, vec![jira(&[key], &[("run", "false")])])).collect();
    let outcome = gate(&jira_server.url, &[("version", "2.10")]).decide(&tests).unwrap();
    assert!(decision(&outcome, "MTV-10").starts_with("skip"), "closed, still affected, not fixed");
    assert_eq!(decision(&outcome, "MTV-11"), "run", "closed and fixed in 2.10");
    assert_eq!(decision(&outcome, "MTV-12"), "run", "open, but 2.10 is not affected");
    assert!(decision(&outcome, "MTV-13").starts_with("skip"), "open and affects 2.10");

    let unversioned = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&unversioned, "MTV-10"), "run");
    assert!(decision(&unversioned, "MTV-12").starts_with("skip"));
}

#[test]
fn open_issues_outside_the_configured_components_count_as_resolved() {
    let jira_server = JiraServer::start(
        TOKEN,
        [
            Issue::new("MTV-20", "Open").components(&["UI"]),
            Issue::new("MTV-21", "Open").components(&["UI", "Storage"]),
            Issue::new("MTV-22", "Open"),
            Issue::new("MTV-23", "Closed").components(&["UI"]),
        ],
        Scenario::default(),
    );
    let tests: Vec<TestItem> =
        ["MTV-20", "MTV-21", "MTV-22", "MTV-23"].iter().map(|key| test(key, vec![jira(&[key], &[("run", "false")])])).collect();
    let outcome = gate(&jira_server.url, &[("components", "Storage,Network")]).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "MTV-20"), "run", "open, other component");
    assert!(decision(&outcome, "MTV-21").starts_with("skip"), "open, configured component");
    assert!(decision(&outcome, "MTV-22").starts_with("skip"), "open, no component: affects all, as in pytest-jira");
    assert_eq!(decision(&outcome, "MTV-23"), "run", "closed");
}

#[test]
fn a_missing_issue_follows_marker_strategy() {
    let jira_server = server(Scenario::default());
    let tests = [test("gated", vec![jira(&["MTV-404"], &[("run", "false")])])];
    let link = format!("{}/browse/MTV-404", jira_server.url);

    let open = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&open, "gated"), format!("skip: {link}"));
    assert_eq!(property(&open, "gated", "jira"), ["MTV-404:not-found:skip"]);
    assert!(open.warnings.is_empty(), "{:?}", open.warnings);

    // pytest-jira warns and runs the test.
    let warn = gate(&jira_server.url, &[("marker_strategy", "warn")]).decide(&tests).unwrap();
    assert_eq!(decision(&warn, "gated"), "run");
    assert_eq!(property(&warn, "gated", "jira"), ["MTV-404:not-found:run"]);
    assert_eq!(warn.warnings.len(), 1, "{:?}", warn.warnings);
    let warned = &warn.warnings[0];
    assert!(warned.contains("MTV-404") && warned.contains("its tests run (marker_strategy = warn)"), "{warned}");

    let ignore = gate(&jira_server.url, &[("marker_strategy", "ignore")]).decide(&tests).unwrap();
    assert_eq!(decision(&ignore, "gated"), "run");
    assert_eq!(property(&ignore, "gated", "jira"), ["MTV-404:not-found:run"]);

    let strict = gate(&jira_server.url, &[("marker_strategy", "strict")]).decide(&tests).unwrap_err();
    assert!(strict.contains("test 'gated'") && strict.contains("MTV-404") && strict.contains("marker_strategy = strict"), "{strict}");
}

#[test]
fn rate_limits_are_retried_after_the_retry_after_delay() {
    let jira_server = server(Scenario { rate_limited: 2, retry_after_secs: 1, ..Default::default() });
    // No backoff of its own: only `Retry-After` can make the plugin wait.
    let gate = gate(&jira_server.url, &[("connection_retry_backoff_factor", "0")]);
    let started = Instant::now();
    let outcome = gate.decide(&[test("t", vec![jira(&["MTV-1"], &[("run", "false")])])]).unwrap();
    assert!(started.elapsed() >= Duration::from_secs(2), "waited only {:?}", started.elapsed());
    assert_eq!(decision(&outcome, "t"), format!("skip: {}/browse/MTV-1", jira_server.url));
    assert_eq!(jira_server.requests(Endpoint::Search), 3);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
}

#[test]
fn overload_is_retried_with_backoff() {
    let jira_server = server(Scenario { unavailable: 2, ..Default::default() });
    let outcome =
        gate(&jira_server.url, &[("connection_retry_backoff_factor", "0.05")]).decide(&[test("t", vec![jira(&["MTV-2"], &[])])]).unwrap();
    assert_eq!(decision(&outcome, "t"), "run");
    assert_eq!(jira_server.requests(Endpoint::Search), 3);
}

#[test]
fn retries_stop_at_connection_retry_total() {
    // urllib3 (pytest-jira 0.3.22): `connection_retry_total = N` is N retries, N + 1 requests.
    let jira_server = server(Scenario { unavailable: 100, ..Default::default() });
    let tests = [test("gated", vec![jira(&["MTV-1"], &[])]), test("plain", vec![])];
    let outcome =
        gate(&jira_server.url, &[("connection_retry_total", "3"), ("connection_retry_backoff_factor", "0.01")]).decide(&tests).unwrap();
    assert_eq!(jira_server.total_requests(), 4);
    assert_eq!(decision(&outcome, "gated"), "skip: JIRA unavailable: JIRA answered 503 Service Unavailable (gave up after 4 tries)");
    let none = server(Scenario { unavailable: 100, ..Default::default() });
    gate(&none.url, &[("connection_retry_total", "0")]).decide(&tests).unwrap();
    assert_eq!(none.total_requests(), 1, "0 retries: one request");
    assert_eq!(decision(&outcome, "plain"), "none");
}

#[test]
fn an_sso_login_page_is_a_clear_error() {
    let jira_server = server(Scenario { html_login: true, ..Default::default() });
    let tests = [test("t", vec![jira(&["MTV-1"], &[])])];
    let strict = gate(&jira_server.url, &[("error_strategy", "strict")]).decide(&tests).unwrap_err();
    assert!(
        strict.contains("JIRA answered with HTML: check url/token (<!DOCTYPE html> <html><head><title>Log in - Corporate SSO"),
        "{strict}"
    );
    assert_eq!(jira_server.total_requests(), 1, "a login page is not retried");

    let skip = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert!(
        decision(&skip, "t").starts_with("skip: JIRA unavailable: JIRA answered with HTML: check url/token"),
        "{}",
        decision(&skip, "t")
    );
}

#[test]
fn slow_answers_do_not_use_up_the_plugin_deadline() {
    let jira_server = server(Scenario {
        slow_answers: Duration::from_millis(400),
        latency: Duration::from_millis(100),
        search_disabled: true,
        ..Default::default()
    });
    let limits = Limits { deadline_ms: 300, ..Limits::default() };
    let started = Instant::now();
    let tests = [test("a", vec![jira(&["MTV-1"], &[])]), test("b", vec![jira(&["MTV-2"], &[])])];
    let outcome = gate_with_limits(&jira_server.url, &[], limits).decide(&tests).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    assert!(decision(&outcome, "a").starts_with("xfail"));
    assert_eq!(decision(&outcome, "b"), "run");
}

#[test]
fn a_rejected_token_is_a_clear_credentials_error() {
    let jira_server = JiraServer::start("the-token-jira-expects", issues(), Scenario::default());
    let tests = [test("t", vec![jira(&["MTV-1"], &[])])];
    let message = "JIRA rejected the credentials: check token in jira.cfg or PYTEST_JIRA_TOKEN";

    let strict = gate(&jira_server.url, &[("error_strategy", "strict")]).decide(&tests).unwrap_err();
    assert!(strict.contains(message), "{strict}");
    assert_eq!(jira_server.total_requests(), 1, "a rejection is not retried");

    let skip = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&skip, "t"), format!("skip: JIRA unavailable: {message}"));
    assert!(skip.warnings.iter().any(|w| w.contains(message)), "{:?}", skip.warnings);
}

#[test]
fn several_keys_and_several_markers_add_up() {
    let jira_server = server(Scenario::default());
    let url = &jira_server.url;
    let tests = [
        test("nearest_says_skip", vec![jira(&["MTV-1", "MTV-2"], &[]), jira(&["MTV-2", "MTV-5"], &[("run", "false")])]),
        test("nearest_says_nothing", vec![jira(&["MTV-1"], &[("run", "false")]), jira(&["MTV-3"], &[])]),
        test("all_resolved", vec![jira(&["MTV-2", "MTV-3"], &[("run", "false")])]),
    ];
    let outcome = gate(url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "nearest_says_skip"), format!("skip: {url}/browse/MTV-1, {url}/browse/MTV-5"));
    assert_eq!(property(&outcome, "nearest_says_skip", "jira"), ["MTV-1:Open:skip", "MTV-2:Closed:run", "MTV-5:In Progress:skip"]);
    assert_eq!(property(&outcome, "nearest_says_skip", "jira_url").len(), 3);
    assert_eq!(decision(&outcome, "nearest_says_nothing"), format!("xfail: {url}/browse/MTV-1"), "run comes from the nearest marker only");
    assert_eq!(decision(&outcome, "all_resolved"), "run");
    assert_eq!(jira_server.requests(Endpoint::Search), 1);
}

#[test]
fn skipif_false_makes_a_marker_ignored() {
    let jira_server = server(Scenario::default());
    let tests = [
        test("only_ignored", vec![jira(&["MTV-1"], &[("run", "false"), ("skipif", "false")])]),
        test("ignored_and_active", vec![jira(&["MTV-1"], &[("run", "false"), ("skipif", "false")]), jira(&["MTV-2"], &[])]),
        test("skipif_true", vec![jira(&["MTV-1"], &[("run", "false"), ("skipif", "true")])]),
    ];
    let outcome = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "only_ignored"), "none");
    assert_eq!(decision(&outcome, "ignored_and_active"), "run");
    assert_eq!(property(&outcome, "ignored_and_active", "jira"), ["MTV-2:Closed:run"]);
    assert!(decision(&outcome, "skipif_true").starts_with("skip: "));
}

#[test]
fn run_defaults_to_run_test_case() {
    let jira_server = server(Scenario::default());
    let tests = [test("default", vec![jira(&["MTV-1"], &[])]), test("explicit", vec![jira(&["MTV-1"], &[("run", "true")])])];
    let outcome = gate(&jira_server.url, &[("run_test_case", "false")]).decide(&tests).unwrap();
    assert!(decision(&outcome, "default").starts_with("skip: "), "{}", decision(&outcome, "default"));
    assert!(decision(&outcome, "explicit").starts_with("xfail: "), "{}", decision(&outcome, "explicit"));
}

#[test]
fn force_run_keys_let_their_tests_run_without_asking_jira() {
    let jira_server = server(Scenario::default());
    let gate = gate(&jira_server.url, &[("force_run", "MTV-1, MTV-2846")]);
    let forced_only = gate.decide(&[test("warm", vec![jira(&["MTV-2846"], &[("run", "false")])])]).unwrap();
    assert_eq!(decision(&forced_only, "warm"), "run");
    assert_eq!(property(&forced_only, "warm", "jira"), ["MTV-2846:force-run:run"]);
    assert_eq!(jira_server.total_requests(), 0);

    let mixed = gate.decide(&[test("mixed", vec![jira(&["MTV-1", "MTV-5"], &[("run", "false")])])]).unwrap();
    assert_eq!(decision(&mixed, "mixed"), format!("skip: {}/browse/MTV-5", jira_server.url));
    assert_eq!(property(&mixed, "mixed", "jira"), ["MTV-1:force-run:run", "MTV-5:In Progress:skip"]);
}

#[test]
fn malformed_markers_stop_the_run_naming_each_test() {
    let jira_server = server(Scenario::default());
    let gate = gate(&jira_server.url, &[]);
    let error = gate
        .decide(&[
            test("lowercase_key", vec![jira(&["mtv-1"], &[])]),
            test("no_key", vec![jira(&[], &[("run", "false")])]),
            test("fine", vec![jira(&["MTV-1"], &[])]),
            test("bad_run", vec![jira(&["MTV-1"], &[("run", "sometimes")])]),
        ])
        .unwrap_err();
    assert!(error.contains("test 'lowercase_key': jira key 'mtv-1' does not match the issue pattern `[A-Z]+-[0-9]+`"), "{error}");
    assert!(error.contains("test 'no_key': a jira marker needs at least one issue key"), "{error}");
    assert!(error.contains("test 'bad_run'") && error.contains("sometimes"), "{error}");
    assert!(!error.contains("'fine'"), "{error}");
    assert_eq!(jira_server.total_requests(), 0);

    let custom = self::gate(&jira_server.url, &[("issue_regex", r"MTV-\d+")]);
    let error = custom.decide(&[test("other_project", vec![jira(&["OTHER-1"], &[])])]).unwrap_err();
    assert!(error.contains("test 'other_project'") && error.contains(r"`MTV-\d+`"), "{error}");
}

// pytest-jira 0.3.22's rules, one test per difference the gate once had
// (plugins/jira/README.md, "pytest-jira 0.3.22 settings").

#[test]
fn run_comes_from_the_nearest_marker_even_one_skipif_false_leaves_out() {
    let jira_server = server(Scenario::default());
    // MTV-1 is open. The nearest (last) marker is left out by skipif = false,
    // but pytest-jira still takes its `run`.
    let tests = [
        test("nearest_runs", vec![jira(&["MTV-1"], &[("run", "false")]), jira(&["MTV-5"], &[("run", "true"), ("skipif", "false")])]),
        test("nearest_skips", vec![jira(&["MTV-1"], &[("run", "true")]), jira(&["MTV-5"], &[("run", "false"), ("skipif", "false")])]),
    ];
    let outcome = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    let link = format!("{}/browse/MTV-1", jira_server.url);
    assert_eq!(decision(&outcome, "nearest_runs"), format!("xfail: {link}"));
    assert_eq!(decision(&outcome, "nearest_skips"), format!("skip: {link}"));
    assert_eq!(property(&outcome, "nearest_runs", "jira"), ["MTV-1:Open:xfail"], "the left-out marker's keys do not count");
}

#[test]
fn a_closed_issue_without_an_accepted_resolution_follows_the_version_and_component_rules() {
    let jira_server = JiraServer::start(
        TOKEN,
        [
            Issue::new("MTV-30", "Closed").resolution("Won't Do").components(&["UI"]),
            Issue::new("MTV-31", "Closed").resolution("Won't Do").components(&["Storage"]),
            Issue::new("MTV-32", "Closed").versions(&["2.9"]),
            Issue::new("MTV-33", "Closed").versions(&["2.10"]),
        ],
        Scenario::default(),
    );
    let tests: Vec<TestItem> =
        ["MTV-30", "MTV-31", "MTV-32", "MTV-33"].iter().map(|key| test(key, vec![jira(&[key], &[("run", "false")])])).collect();
    let settings = [("resolved_resolutions", "Done"), ("components", "Storage"), ("version", "2.10")];
    let outcome = gate(&jira_server.url, &settings).decide(&tests).unwrap();
    assert_eq!(decision(&outcome, "MTV-30"), "run", "not accepted, but affects no configured component");
    assert!(decision(&outcome, "MTV-31").starts_with("skip"), "not accepted, affects Storage");
    assert_eq!(decision(&outcome, "MTV-32"), "run", "no resolution, affects only 2.9");
    assert!(decision(&outcome, "MTV-33").starts_with("skip"), "no resolution, affects 2.10");
}

#[test]
fn components_are_trimmed_unless_trim_components_is_false() {
    let jira_server = JiraServer::start(TOKEN, [Issue::new("MTV-40", "Open").components(&["UI"])], Scenario::default());
    let tests = [test("ui", vec![jira(&["MTV-40"], &[("run", "false")])])];
    let trimmed = gate(&jira_server.url, &[("components", "Storage, UI")]).decide(&tests).unwrap();
    assert!(decision(&trimmed, "ui").starts_with("skip"), "` UI` is UI: the issue affects a configured component");
    // pytest-jira's own reading: ` UI` matches no component, so the open issue counts as resolved.
    let untrimmed = gate(&jira_server.url, &[("components", "Storage, UI"), ("trim_components", "false")]).decide(&tests).unwrap();
    assert_eq!(decision(&untrimmed, "ui"), "run");
}

#[test]
fn issue_regex_matches_the_start_of_a_key_as_re_match_does() {
    let jira_server = JiraServer::start(TOKEN, [Issue::new("mtv-7", "Open"), Issue::new("MTV-8x", "Open")], Scenario::default());
    let custom = gate(&jira_server.url, &[("issue_regex", "[a-z]+-[0-9]+")]).decide(&[test("lower", vec![jira(&["mtv-7"], &[])])]).unwrap();
    assert_eq!(decision(&custom, "lower"), format!("xfail: {}/browse/mtv-7", jira_server.url), "a custom pattern accepts other keys");
    let prefix = gate(&jira_server.url, &[]).decide(&[test("suffixed", vec![jira(&["MTV-8x"], &[])])]).unwrap();
    assert_eq!(property(&prefix, "suffixed", "jira"), ["MTV-8x:Open:xfail"], "`MTV-8` starts the key: accepted and asked");
}

#[test]
fn a_failed_search_falls_back_to_one_lookup_per_issue() {
    let jira_server = server(Scenario { search_fails: true, broken_issues: vec!["MTV-5".into()], ..Default::default() });
    let tests = [
        test("open", vec![jira(&["MTV-1"], &[("run", "false")])]),
        test("closed", vec![jira(&["MTV-2"], &[("run", "false")])]),
        test("broken", vec![jira(&["MTV-5"], &[("run", "false")])]),
    ];
    let outcome = gate(&jira_server.url, &[("connection_retry_total", "0")]).decide(&tests).unwrap();
    assert_eq!(jira_server.requests(Endpoint::Search), 1);
    assert_eq!(jira_server.requests(Endpoint::Issue), 3, "each issue of the failed batch is asked for");
    assert_eq!(decision(&outcome, "open"), format!("skip: {}/browse/MTV-1", jira_server.url));
    assert_eq!(decision(&outcome, "closed"), "run");
    // As in pytest-jira, a lookup fails for its own issue only.
    assert_eq!(decision(&outcome, "broken"), "skip: JIRA unavailable: JIRA answered 500 Internal Server Error for /rest/api/2/issue");
}

#[test]
fn retries_back_off_as_urllib3() {
    // factor 1 s: urllib3 waits 0 s before retry 1 and 2 s before retry 2
    // (the unit tests of settings.rs pin each wait).
    let jira_server = server(Scenario { unavailable: 2, ..Default::default() });
    let started = Instant::now();
    let outcome =
        gate(&jira_server.url, &[("connection_retry_backoff_factor", "1")]).decide(&[test("t", vec![jira(&["MTV-2"], &[])])]).unwrap();
    assert_eq!(decision(&outcome, "t"), "run");
    assert_eq!(jira_server.requests(Endpoint::Search), 3);
    assert!(started.elapsed() >= Duration::from_secs(2), "the second retry waits factor × 2: {:?}", started.elapsed());
}

#[test]
fn jira_down_with_error_strategy_strict_stops_the_run() {
    let jira_server = stopped_server();
    let settings = [FAST_RETRIES[0], FAST_RETRIES[1], ("error_strategy", "strict")];
    let error = gate(&jira_server.url, &settings).decide(&[test("t", vec![jira(&["MTV-1"], &[])])]).unwrap_err();
    assert!(error.contains(&format!("JIRA unavailable: cannot connect to {}", jira_server.url)), "{error}");
    assert!(error.contains("gave up after 2 tries") && error.contains("error_strategy = strict"), "{error}");
}

#[test]
fn jira_down_with_the_default_error_strategy_skips_only_the_gated_tests() {
    let jira_server = stopped_server();
    let tests = [
        test("gated", vec![jira(&["MTV-1"], &[])]),
        test("gated_run_false", vec![jira(&["MTV-2"], &[("run", "false")])]),
        test("plain", vec![]),
    ];
    let outcome = gate(&jira_server.url, &FAST_RETRIES).decide(&tests).unwrap();
    for name in ["gated", "gated_run_false"] {
        assert!(decision(&outcome, name).starts_with("skip: JIRA unavailable: cannot connect to"), "{}", decision(&outcome, name));
    }
    assert_eq!(property(&outcome, "gated", "jira"), ["MTV-1:unavailable:skip"]);
    assert_eq!(decision(&outcome, "plain"), "none");
    assert_eq!(outcome.warnings.len(), 1, "{:?}", outcome.warnings);
    assert!(
        outcome.warnings[0].contains("skipped 2 tests") && outcome.warnings[0].contains("error_strategy = skip"),
        "{:?}",
        outcome.warnings
    );
}

#[test]
fn jira_down_with_error_strategy_ignore_runs_every_test() {
    let jira_server = stopped_server();
    let tests: Vec<TestItem> =
        (0..50).map(|n| test(&format!("t{n}"), vec![jira(&[&format!("MTV-{}", n % 7 + 1)], &[("run", "false")])])).collect();
    let settings = [FAST_RETRIES[0], FAST_RETRIES[1], ("error_strategy", "ignore")];
    let started = Instant::now();
    let outcome = gate(&jira_server.url, &settings).decide(&tests).unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "gave up once, not per issue: {:?}", started.elapsed());
    assert_eq!(outcome.verdicts.len(), 50);
    for n in 0..50 {
        assert_eq!(decision(&outcome, &format!("t{n}")), "run");
    }
    assert_eq!(property(&outcome, "t0", "jira"), ["MTV-1:unavailable:run"]);
    assert!(outcome.warnings.iter().any(|w| w.contains("counted as resolved for 50 tests")), "{:?}", outcome.warnings);
}

#[test]
fn ten_tests_on_four_issues_make_one_search_request() {
    let jira_server = server(Scenario::default());
    let keys = ["MTV-1", "MTV-2", "MTV-3", "MTV-5"];
    let tests: Vec<TestItem> = (0..10).map(|n| test(&format!("t{n}"), vec![jira(&[keys[n % 4]], &[])])).collect();
    let outcome = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert_eq!(outcome.verdicts.len(), 10);
    assert!(decision(&outcome, "t0").starts_with("xfail"));
    assert_eq!(decision(&outcome, "t1"), "run");
    assert_eq!(jira_server.requests(Endpoint::Search), 1);
    assert_eq!(jira_server.total_requests(), 1);
}

#[test]
fn without_search_each_issue_is_fetched_once() {
    let jira_server = server(Scenario { search_disabled: true, ..Default::default() });
    let keys = ["MTV-1", "MTV-2", "MTV-3", "MTV-404"];
    let tests: Vec<TestItem> = (0..10).map(|n| test(&format!("t{n}"), vec![jira(&[keys[n % 4]], &[("run", "false")])])).collect();
    let outcome = gate(&jira_server.url, &[]).decide(&tests).unwrap();
    assert!(decision(&outcome, "t0").starts_with("skip"));
    assert_eq!(decision(&outcome, "t1"), "run");
    assert_eq!(property(&outcome, "t3", "jira"), ["MTV-404:not-found:skip"]);
    assert_eq!(jira_server.requests(Endpoint::Search), 1);
    assert_eq!(jira_server.requests(Endpoint::Issue), 4);
}

#[test]
fn capped_search_pages_are_followed() {
    let jira_server = server(Scenario { page_limit: Some(2), ..Default::default() });
    let keys = ["MTV-1", "MTV-2", "MTV-3", "MTV-4", "MTV-5", "MTV-404"];
    let tests: Vec<TestItem> = keys.iter().map(|key| test(key, vec![jira(&[key], &[("run", "false")])])).collect();
    let outcome = gate(&jira_server.url, &[("resolved_resolutions", "done,fixed")]).decide(&tests).unwrap();
    let decided: Vec<String> = keys.iter().map(|key| decision(&outcome, key).split(':').next().unwrap_or_default().to_string()).collect();
    assert_eq!(decided, ["skip", "run", "run", "skip", "skip", "skip"]);
    assert_eq!(property(&outcome, "MTV-404", "jira"), ["MTV-404:not-found:skip"]);
    assert_eq!(jira_server.requests(Endpoint::Search), 3, "5 known issues, 2 per page");
}

#[test]
fn an_origin_the_run_config_does_not_grant_stops_the_run() {
    let jira_server = server(Scenario::default());
    let error = load(&jira_server.url, "https://issues.example.com", &[], Limits::default())
        .decide(&[test("t", vec![jira(&["MTV-1"], &[])])])
        .unwrap_err();
    assert!(error.contains("grants.http") && error.contains(&jira_server.url), "{error}");
    assert_eq!(jira_server.total_requests(), 0);
}

#[test]
fn a_thousand_tests_on_two_hundred_issues_make_two_search_requests() {
    let issues = (1..=200).map(|n| Issue::new(&format!("MTV-{n}"), if n % 2 == 0 { "Closed" } else { "Open" }));
    let jira_server = JiraServer::start(TOKEN, issues, Scenario::default());
    let tests: Vec<TestItem> =
        (0..1000).map(|n| test(&format!("t{n}"), vec![jira(&[&format!("MTV-{}", n % 200 + 1)], &[("run", "false")])])).collect();
    let gate = gate(&jira_server.url, &[]);
    let started = Instant::now();
    let outcome = gate.decide(&tests).unwrap();
    let elapsed = started.elapsed();
    eprintln!("gated 1000 tests on 200 issues in {elapsed:?} with {} requests", jira_server.total_requests());
    assert_eq!(outcome.verdicts.len(), 1000);
    assert_eq!(outcome.verdicts.iter().filter(|v| matches!(v.decision, Decision::Skip(_))).count(), 500);
    assert_eq!(jira_server.requests(Endpoint::Search), 2);
    assert_eq!(jira_server.total_requests(), 2);
}

#[test]
fn the_token_stays_with_the_host_and_rides_on_every_request() {
    let jira_server = server(Scenario { rate_limited: 1, retry_after_secs: 0, ..Default::default() });
    let tests = [test("a", vec![jira(&["MTV-1", "MTV-404"], &[])]), test("b", vec![jira(&["MTV-2"], &[("run", "false")])])];
    let outcome = gate(&jira_server.url, &[("marker_strategy", "warn")]).decide(&tests).unwrap();
    assert!(!format!("{outcome:?}").contains(TOKEN), "{outcome:?}");
    let authorizations = jira_server.authorizations();
    assert_eq!(authorizations.len(), 2);
    assert!(authorizations.iter().all(|a| a.as_deref() == Some(format!("Bearer {TOKEN}").as_str())), "{authorizations:?}");

    let rejecting = JiraServer::start("another-token", issues(), Scenario::default());
    let error = gate(&rejecting.url, &[("error_strategy", "strict")]).decide(&tests).unwrap_err();
    assert!(!error.contains(TOKEN), "{error}");
}

#[test]
fn a_dry_run_lists_dependencies_without_asking_jira() {
    let jira_server = server(Scenario::default());
    let gate = gate(&jira_server.url, &[]);
    let outcome = gate.decide_with(&[test("t", vec![jira(&["MTV-1"], &[("run", "false")])])], true).unwrap();
    assert_eq!(decision(&outcome, "t"), "run");
    assert_eq!(property(&outcome, "t", "jira"), ["MTV-1:not-checked:run"]);
    assert_eq!(jira_server.total_requests(), 0);
    assert!(gate.decide_with(&[test("bad", vec![jira(&["bad"], &[])])], true).is_err(), "markers are still checked");
}

#[test]
fn bad_settings_stop_the_run_and_unknown_ones_are_reported() {
    let jira_server = server(Scenario::default());
    let error = gate(&jira_server.url, &[("url", ""), ("marker_strategy", "loud"), ("search_batch_size", "0")]).decide(&[]).unwrap_err();
    for part in ["`url` is required", "`marker_strategy` = 'loud'", "`search_batch_size` = '0'"] {
        assert!(error.contains(part), "{error}");
    }
    let outcome = gate(&jira_server.url, &[("colour", "blue"), ("docs_search", "false")]).decide(&[]).unwrap();
    assert_eq!(outcome.warnings, ["jira: ignoring unknown setting `colour`"]);
}
