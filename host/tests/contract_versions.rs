//! Contract versions. Plugins built against the previous contract keep
//! working: the components in `tests/contract-0.1.0/` (checked in, built
//! from the tag `contract-v0.1.0`) load through the 0.1.0 adapter and
//! decide, report and describe exactly as the current build of the same
//! source does. A newer contract is refused before instantiation, and the
//! current one's new run fact reaches gates.

mod runner_common;
mod support;

use mtv_host::enrich::{EnrichOutcome, enrich_report, plugin_spec};
use mtv_host::plugins::testing::{FakeHost, sample};
use mtv_host::plugins::*;
use std::path::PathBuf;
use support::jira_server::{Issue, JiraServer, Scenario};
use support::jji::{FAILED_REPORT, FakeJji, Reply, config, enriched_report, facts, report_file};
use support::{FixedSecrets, fixture, plugin, plugins_check, services};

/// A checked-in component built against contract 0.1.0.
fn previous(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contract-0.1.0").join(format!("{name}.wasm"))
}

fn runtime(secrets: FixedSecrets) -> PluginRuntime {
    PluginRuntime::new(services(secrets).0, None).unwrap()
}

fn spec(name: &str, path: PathBuf) -> PluginSpec {
    PluginSpec { name: name.into(), path, ..Default::default() }
}

#[test]
fn the_checked_in_components_are_the_ones_their_readme_lists_and_load_as_0_1_0() {
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contract-0.1.0/README.md")).unwrap();
    let runtime = runtime(FixedSecrets::default());
    for (name, world) in [("jira", World::Gate), ("jji", World::Reporter), ("powermax", World::StorageVendor)] {
        let loaded = runtime.load(&spec(name, previous(name))).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(readme.contains(&format!("`{name}.wasm` | {world} |")) && readme.contains(&loaded.sha256), "{name}: {}", loaded.sha256);
        assert_eq!((loaded.world, loaded.contract, loaded.contract_version.as_str()), (world, Contract::V0_1, "0.1.0"));
        assert!(loaded.shape.imports.iter().filter(|i| i.starts_with("mtv:plugin/")).all(|i| i.ends_with("@0.1.0")), "{:?}", loaded.shape);
    }
    assert_ne!(CONTRACT_VERSION, "0.1.0");
    assert_eq!(PREVIOUS_CONTRACT_VERSIONS, ["0.1.0"]);
}

#[test]
fn a_0_1_0_storage_vendor_describes_and_validates_as_the_current_build_does() {
    let runtime = runtime(FixedSecrets::default());
    let old = runtime.load(&spec("powermax-0.1.0", previous("powermax"))).unwrap();
    let new = runtime.load(&spec("powermax", plugin("powermax"))).unwrap();
    assert_eq!(new.contract, Contract::Current);
    let (old_info, new_info) = (runtime.vendor_describe(&old).unwrap(), runtime.vendor_describe(&new).unwrap());
    assert_eq!(format!("{old_info:?}"), format!("{new_info:?}"));
    assert_eq!(old_info.product, "powermax");
    assert!(old_info.fields.iter().any(|f| f.secret_key == "POWERMAX_SYMMETRIX_ID"), "{old_info:?}");
    for values in [vec![], vec![("powermax_symmetrix_id".to_string(), "not-a-serial".to_string())]] {
        let (old_problems, new_problems) =
            (runtime.vendor_validate(&old, &values).unwrap(), runtime.vendor_validate(&new, &values).unwrap());
        assert_eq!(format!("{old_problems:?}"), format!("{new_problems:?}"), "{values:?}");
    }
}

#[test]
fn a_0_1_0_jira_gate_decides_as_the_current_one_with_the_host_attaching_the_token() {
    const TOKEN: &str = "canary-jira-token-0c1d";
    let issues = [Issue::new("MTV-1", "Open"), Issue::new("MTV-2", "Closed").resolution("Done")];
    let server = JiraServer::start(TOKEN, issues, Scenario::default());
    let secrets = || FixedSecrets { credentials: [(server.url.clone(), format!("Bearer {TOKEN}"))].into(), ..Default::default() };
    let gate = |name: &str, path: PathBuf| PluginSpec {
        grants: Grants { http: vec![server.url.clone()], ..Default::default() },
        settings: [("url".to_string(), server.url.clone())].into(),
        ..spec(name, path)
    };
    let marker = |key: &str, run: &str| Marker { name: "jira".into(), args: vec![key.into()], kwargs: vec![("run".into(), run.into())] };
    let tests: Vec<TestItem> = [("open", "MTV-1", "true"), ("open-no-run", "MTV-1", "false"), ("closed", "MTV-2", "true")]
        .into_iter()
        .map(|(name, key, run)| TestItem { id: format!("plan::{name}"), name: name.into(), markers: vec![marker(key, run)] })
        .collect();
    let facts = sample::run_facts();

    let old_runtime = runtime(secrets());
    let old = old_runtime.load(&gate("jira-0.1.0", previous("jira"))).unwrap();
    let old_outcome = old_runtime.gate_decide(&old, &facts, &tests).unwrap().unwrap();
    let new_runtime = runtime(secrets());
    let new = new_runtime.load(&gate("jira", plugin("jira"))).unwrap();
    let new_outcome = new_runtime.gate_decide(&new, &facts, &tests).unwrap().unwrap();

    assert_eq!(format!("{old_outcome:?}"), format!("{new_outcome:?}"));
    let decision = |id: &str| old_outcome.verdicts.iter().find(|v| v.id == id).map(|v| v.decision.clone());
    let browse = format!("{}/browse/MTV-1", server.url);
    assert!(matches!(decision("plan::open"), Some(Decision::Xfail(reason)) if reason == browse), "{old_outcome:?}");
    assert!(matches!(decision("plan::open-no-run"), Some(Decision::Skip(reason)) if reason == browse), "{old_outcome:?}");
    assert!(matches!(decision("plan::closed"), None | Some(Decision::Run)), "{old_outcome:?}");
    assert!(!format!("{old_outcome:?}").contains(TOKEN));
    let authorizations = server.authorizations();
    assert!(!authorizations.is_empty() && authorizations.iter().all(|a| a.as_deref() == Some(&format!("Bearer {TOKEN}") as &str)));
}

#[test]
fn a_0_1_0_jji_reporter_replaces_a_failed_report() {
    let enriched = enriched_report();
    let server = FakeJji::start(Reply::completed(&enriched));
    let runtime = runtime(FixedSecrets::default());
    let reporter = runtime.load(&plugin_spec(&config(&server.url, &[]), previous("jji"))).unwrap();
    assert_eq!(reporter.contract, Contract::V0_1);
    let (_dir, path) = report_file(FAILED_REPORT);
    let outcome = enrich_report(&runtime, &reporter, &path, facts(1, 0));
    assert!(matches!(outcome, EnrichOutcome::Replaced { .. }), "{outcome:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), enriched);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn plugins_check_accepts_each_0_1_0_component_and_says_it_is_an_older_contract() {
    for (name, world) in [("jira", "gate"), ("jji", "reporter"), ("powermax", "storage-vendor")] {
        let (code, out) = plugins_check(&[previous(name).to_str().unwrap()]);
        assert_eq!(code, Some(0), "{name}: {out}");
        assert!(out.contains(&format!("world     {world} (mtv:plugin@0.1.0, an older contract this host still loads;")), "{out}");
        assert!(out.contains(&format!("mtv-plugin-sdk {CONTRACT_VERSION} builds against the current one")), "{out}");
    }
}

#[test]
fn a_component_built_against_a_newer_contract_is_refused_naming_the_versions_and_the_sdk() {
    let error = FakeHost::new().load(fixture("future-contract")).err().expect("refused");
    let load = error.downcast_ref::<LoadError>().expect("a load error");
    assert!(matches!(load, LoadError::UnsupportedVersion { found, why: Unsupported::Newer, .. } if found == "0.3.0"), "{load:?}");
    let message = error.to_string();
    assert!(
        message.contains("mtv:plugin@0.3.0") && message.contains(&format!("it loads mtv:plugin 0.1.0, {CONTRACT_VERSION}")),
        "{message}"
    );
    assert!(
        message.contains("an mtv-host release that supports 0.3.0") && message.contains(&format!("mtv-plugin-sdk {CONTRACT_VERSION}")),
        "{message}"
    );

    let (code, out) = plugins_check(&[fixture("future-contract").to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains(&format!("world     storage-vendor (mtv:plugin@0.3.0, newer than this host's {CONTRACT_VERSION})")), "{out}");
    assert!(out.contains("mtv:plugin@0.3.0") && out.contains(&format!("mtv-plugin-sdk {CONTRACT_VERSION}")), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_passes_the_profile_version_to_current_gates_and_into_the_report() {
    let providers = runner_common::PROVIDERS.replacen(r#""type": "vsphere","#, r#""type": "vsphere", "version": "8.0.1","#, 1);
    let gate = format!("[[plugins]]\nname = \"facts\"\npath = {:?}\nsettings = {{ mode = \"facts\" }}\n", fixture("hostile"));
    let ws = runner_common::Workspace::new(runner_common::PLAN, "", &gate);
    std::fs::write(ws.path("providers.json"), providers).unwrap();
    let (sim, _cluster) = runner_common::simulator(mtv_sim::SimConfig::default()).await;
    let output = runner_common::run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    let (stdout, stderr) = runner_common::text(&output);
    assert_eq!(runner_common::code(&output), 0, "{stdout}\n{stderr}");
    let expected = "facts vsphere-test type=vsphere version=8.0.1 storage-class=standard dry-run=false";
    assert!(stdout.contains(expected) || stderr.contains(expected), "{stdout}\n{stderr}");
    let xml = ws.read("junit-report.xml");
    assert!(xml.contains(r#"<property name="source_provider_version" value="8.0.1"/>"#), "{xml}");
}
