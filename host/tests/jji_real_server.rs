//! Enrichment against the real JJI server (`jenkins-job-insight` from PyPI,
//! installed by `.ci/jji-server.sh`), with a stand-in `claude` command so
//! the whole flow runs offline. Skipped loudly where Python >= 3.12 or the
//! registry is unavailable; never skipped with `CI=true`.

mod support;

use mtv_host::enrich::{EnrichOutcome, enrich_report, plugin_spec};
use mtv_host::plugins::PluginRuntime;
use support::jji::{FAILED_REPORT, GREEN_REPORT, STAND_IN_CLASSIFICATION, config, facts, real_jji, report_file};
use support::{FixedSecrets, plugin, services};

fn runtime() -> PluginRuntime {
    PluginRuntime::new(services(FixedSecrets::default()).0, None).unwrap()
}

/// A failed or errored test case of the enriched report.
struct FailedCase {
    name: String,
    properties: Vec<(String, String)>,
    system_out: String,
}

fn failed_cases(xml: &str) -> Vec<FailedCase> {
    let document = roxmltree::Document::parse(xml).expect("the enriched report parses");
    document
        .descendants()
        .filter(|n| n.has_tag_name("testcase") && n.children().any(|c| c.has_tag_name("failure") || c.has_tag_name("error")))
        .map(|case| {
            let properties = case
                .descendants()
                .filter(|p| p.has_tag_name("property"))
                .map(|p| (p.attribute("name").unwrap_or_default().to_string(), p.attribute("value").unwrap_or_default().to_string()))
                .collect();
            let system_out = case.children().find(|c| c.has_tag_name("system-out")).and_then(|s| s.text()).unwrap_or_default().to_string();
            FailedCase { name: case.attribute("name").unwrap_or_default().to_string(), properties, system_out }
        })
        .collect()
}

#[test]
fn a_failed_report_comes_back_with_an_ai_analysis_of_every_failed_case() {
    let Some(server) = real_jji() else { return };
    let runtime = runtime();
    let plugin = runtime.load(&plugin_spec(&config(&server.url, &[]), plugin("jji"))).unwrap();
    let (_dir, path) = report_file(FAILED_REPORT);

    let outcome = enrich_report(&runtime, &plugin, &path, facts(1, 1));

    let EnrichOutcome::Replaced { messages } = &outcome else { panic!("{outcome:?}\nserver log:\n{}", server.log()) };
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].starts_with(&format!("AI analysis: {}/results/", server.url)), "{messages:?}");
    let enriched = std::fs::read_to_string(&path).unwrap();
    let cases = failed_cases(&enriched);
    assert_eq!(cases.len(), 2, "{enriched}");
    for FailedCase { name, properties, system_out } in &cases {
        assert!(
            properties.contains(&("ai_classification".to_string(), STAND_IN_CLASSIFICATION.to_string())),
            "{name} has no ai_classification: {properties:?}"
        );
        assert!(properties.iter().any(|(k, _)| k == "ai_code_fix_file"), "{name}: {properties:?}");
        assert!(system_out.contains("--- AI Analysis ---"), "{name}: {system_out}");
        assert!(system_out.starts_with("creating "), "{name} lost its captured output: {system_out}");
    }
    // The passing case and the suite's own properties survive.
    assert!(enriched.contains("test_provider_ready") && enriched.contains("source_provider"), "{enriched}");
    assert_eq!(server.analyze_requests(), 1);
    let calls = server.ai_calls();
    assert!(!calls.is_empty() && calls.iter().all(|c| c.contains("--model claude-opus-4-6[1m]")), "{calls:?}");
}

#[test]
fn a_green_run_sends_nothing_to_the_real_server() {
    let Some(server) = real_jji() else { return };
    let runtime = runtime();
    let plugin = runtime.load(&plugin_spec(&config(&server.url, &[]), plugin("jji"))).unwrap();
    let (_dir, path) = report_file(GREEN_REPORT);

    let outcome = enrich_report(&runtime, &plugin, &path, facts(0, 0));

    assert!(matches!(outcome, EnrichOutcome::Skipped { .. }), "{outcome:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), GREEN_REPORT);
    assert_eq!(server.analyze_requests(), 0, "{}", server.log());
    assert!(server.ai_calls().is_empty());
}

#[test]
fn a_provider_the_real_server_rejects_leaves_the_report_unchanged() {
    let Some(server) = real_jji() else { return };
    let runtime = runtime();
    let plugin = runtime.load(&plugin_spec(&config(&server.url, &[("JJI_AI_PROVIDER", "no-such-ai")]), plugin("jji"))).unwrap();
    let (_dir, path) = report_file(FAILED_REPORT);

    let outcome = enrich_report(&runtime, &plugin, &path, facts(1, 1));

    let EnrichOutcome::Unchanged { reason, .. } = &outcome else { panic!("{outcome:?}") };
    assert!(reason.starts_with("JJI answered HTTP 4"), "{reason}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), FAILED_REPORT);
    assert!(server.ai_calls().is_empty());
}
