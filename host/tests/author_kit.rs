//! The plugin author kit: the test harness with fake host interfaces,
//! record and replay, `plugins check` and `plugins new` (contract versions:
//! `contract_versions.rs`).

mod support;

use mtv_host::plugins::testing::{FakeHost, TestPlugin, load_exchanges, sample};
use mtv_host::plugins::{CONTRACT_VERSION, HookError, Limits};
use mtv_host::secrets::AuditKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{TinyHttpServer, fixture, mtv_host, plugin, plugins_check, text};

const API: &str = "https://api.example.com";

/// The hostile gate fixture in `mode`, aimed at `target`.
fn hostile(host: FakeHost, mode: &str, target: &str) -> TestPlugin {
    host.setting("mode", mode).setting("target", target).load(fixture("hostile")).expect("hostile fixture loads")
}

/// What the hostile fixture observed (it reports through warnings).
fn observed(plugin: &TestPlugin) -> Vec<String> {
    plugin.decide(&sample::run_facts(), &[]).expect("hook ran").expect("plugin returned an outcome").warnings
}

// ── the harness ─────────────────────────────────────────────────────────

#[test]
fn canned_answers_are_served_and_requests_are_kept_without_credentials() {
    let url = format!("{API}/rest/status");
    let host = FakeHost::new().grant_origin(API).credential(API, "Bearer canary-cred-3b7a").respond("get", &url, 204, "");
    let plugin = hostile(host, "http", &url);
    assert_eq!(observed(&plugin), ["http status 204"]);
    plugin.assert_no_unexpected_requests();
    let requests = plugin.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!((requests[0].method.as_str(), requests[0].url.as_str()), ("GET", url.as_str()));
    assert!(requests[0].headers.iter().all(|(name, _)| !name.eq_ignore_ascii_case("authorization")), "{requests:?}");
    let audit = plugin.audit();
    assert_eq!((audit[0].kind, audit[0].target.as_str(), audit[0].allowed), (AuditKind::Http, API, true));
}

#[test]
fn answers_for_one_request_are_served_in_order_and_the_last_repeats() {
    let url = format!("{API}/rest/status");
    let host = FakeHost::new().grant_origin(API).respond("GET", &url, 503, "busy").respond("GET", &url, 200, "ok");
    let plugin = hostile(host, "http", &url);
    let served: Vec<Vec<String>> = (0..3).map(|_| observed(&plugin)).collect();
    assert_eq!(served, [["http status 503"], ["http status 200"], ["http status 200"]]);
}

#[test]
fn a_request_without_a_canned_answer_is_recorded_and_fails_naming_the_answer_to_add() {
    let url = format!("{API}/rest/missing");
    let plugin = hostile(FakeHost::new().grant_origin(API), "http", &url);
    let seen = observed(&plugin);
    assert!(seen[0].contains("Connection") && seen[0].contains(&format!(".respond(\\\"GET\\\", \\\"{url}\\\"")), "{seen:?}");
    assert_eq!(plugin.unexpected_requests(), [format!("GET {url}")]);
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| plugin.assert_no_unexpected_requests())).unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains(&url) && message.contains("FakeHost::respond"), "{message}");
}

#[test]
fn an_origin_the_fake_host_does_not_grant_is_denied_and_audited() {
    let url = format!("{API}/rest/status");
    let plugin = hostile(FakeHost::new().respond("GET", &url, 200, "ok"), "http", &url);
    assert!(observed(&plugin)[0].contains("Denied"));
    assert!(plugin.requests().is_empty());
    assert_eq!((plugin.audit()[0].target.as_str(), plugin.audit()[0].allowed), (API, false));
}

#[test]
fn secrets_given_to_the_fake_host_are_granted_and_audited() {
    let given = hostile(FakeHost::new().secret("jira.token", "canary-token-77c1"), "secret", "jira.token");
    assert_eq!(observed(&given), ["secret value canary-token-77c1"]);
    assert_eq!((given.audit()[0].kind, given.audit()[0].allowed), (AuditKind::Secret, true));

    let withheld = hostile(FakeHost::new(), "secret", "jira.token");
    assert!(observed(&withheld)[0].contains("Denied"), "{:?}", observed(&withheld));
    assert_eq!((withheld.audit()[0].target.as_str(), withheld.audit()[0].allowed), ("jira.token", false));
}

#[test]
fn plugin_output_is_captured_per_plugin() {
    let plugin = hostile(FakeHost::new(), "panic", "");
    let error = plugin.decide(&sample::run_facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Trap { .. }), "{error:?}");
    let logs = plugin.logs();
    assert!(
        logs.iter().any(|line| line.message.starts_with("[hostile stderr]") && line.message.contains("panicked on purpose")),
        "{logs:?}"
    );
    assert!(hostile(FakeHost::new(), "ok", "").logs().is_empty());
}

#[test]
fn limits_set_on_the_fake_host_apply() {
    let plugin = hostile(FakeHost::new().limits(Limits { deadline_ms: 200, ..Limits::default() }), "loop", "");
    let error = plugin.decide(&sample::run_facts(), &[]).unwrap_err();
    assert!(matches!(error, HookError::Deadline { limit_ms: 200, .. }), "{error:?}");
}

#[test]
fn a_vendor_written_outside_the_tree_describes_and_validates() {
    let plugin = FakeHost::new().load(fixture("tenth-vendor")).unwrap();
    let info = plugin.describe().unwrap();
    assert_eq!(info.product, "acmeArray");
    assert!(info.fields.iter().any(|f| f.config_key == "acme_api_key" && f.sensitive));
    let problems = plugin.validate(&[("acme_pool", "echo"), ("storage_hostname", "10.0.0.9")]).unwrap();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["acme_pool", "storage_hostname"]);
    assert!(plugin.requests().is_empty() && plugin.audit().is_empty());
}

// ── record and replay ───────────────────────────────────────────────────

/// A loopback server that answers every request with a JSON body and a
/// session cookie, and keeps the request heads it received.
fn recorded_server() -> TinyHttpServer {
    TinyHttpServer::start_with_headers(
        200,
        "content-type: application/json\r\nset-cookie: session=canary-cookie-1c9f\r\n",
        r#"{"state":"ready"}"#,
    )
}

#[test]
fn record_then_replay_serves_the_same_answers_without_the_network_or_credentials() {
    let server = recorded_server();
    let url = format!("{}/api/state", server.url);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recordings/state.json");
    let host = |host: FakeHost| host.grant_origin(&server.url).credential(&server.url, "Bearer canary-cred-52aa");

    let recording = hostile(host(FakeHost::new()).record(&file), "http", &url);
    assert_eq!(observed(&recording), ["http status 200"]);
    assert_eq!(server.request_count(), 1);
    assert!(server.requests.lock().unwrap()[0].to_ascii_lowercase().contains("authorization: bearer canary-cred-52aa"));

    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(!saved.contains("canary-cred-52aa") && !saved.contains("canary-cookie-1c9f"), "{saved}");
    let exchanges = load_exchanges(&file).unwrap();
    assert_eq!((exchanges[0].method.as_str(), exchanges[0].url.as_str(), exchanges[0].status), ("GET", url.as_str(), 200));
    assert_eq!(exchanges[0].body.as_deref(), Some(r#"{"state":"ready"}"#));
    assert!(exchanges[0].headers.iter().any(|(name, _)| name == "content-type"));

    let replay = hostile(host(FakeHost::replay(&file).unwrap()), "http", &url);
    assert_eq!(observed(&replay), ["http status 200"]);
    replay.assert_no_unexpected_requests();
    assert_eq!(server.request_count(), 1, "a replay must not reach the network");
}

#[test]
fn replaying_a_missing_or_malformed_recording_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let error = FakeHost::replay(&missing).err().expect("refused").to_string();
    assert!(error.contains("nope.json") && error.contains("FakeHost::record"), "{error}");
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "[1, 2]").unwrap();
    let error = FakeHost::replay(&bogus).err().expect("refused").to_string();
    assert!(error.contains("bogus.json") && error.contains("exchanges"), "{error}");
}

// ── mtv-host plugins check ──────────────────────────────────────────────

#[test]
fn check_describes_and_validates_a_storage_vendor() {
    let path = fixture("tenth-vendor");
    let (code, out) = plugins_check(&[path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("world     storage-vendor (mtv:plugin@{CONTRACT_VERSION})")), "{out}");
    assert!(out.contains("product   acmeArray (ACME Array)"), "{out}");
    let api_key = out.lines().find(|l| l.contains("acme_api_key")).unwrap_or_default();
    assert!(api_key.contains("ACME_API_KEY") && api_key.contains("required") && api_key.contains("sensitive"), "{out}");
    assert!(out.contains("validate (no values)") && out.contains("secrets   none"), "{out}");
}

#[test]
fn check_lists_the_secrets_a_gate_asks_for() {
    let path = fixture("hostile");
    let (code, out) = plugins_check(&[path.to_str().unwrap(), "--setting", "mode=secret", "--setting", "target=jira.token"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("decide (3 sample tests)") && out.contains("plan.toml::test_cold_migration"), "{out}");
    assert!(out.contains("secrets   jira.token"), "{out}");
    assert!(
        out.contains("imports   mtv:plugin/log@0.2.0, mtv:plugin/config@0.2.0, mtv:plugin/http@0.2.0, mtv:plugin/secrets@0.2.0"),
        "{out}"
    );
}

#[test]
fn check_reports_a_reporter_and_the_origins_a_gate_asks_for() {
    let (code, out) = plugins_check(&[plugin("jji").to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("report (sample: 2 tests, 1 failed)") && out.contains("unchanged: "), "{out}");
    let (code, out) = plugins_check(&[plugin("jira").to_str().unwrap(), "--setting", "url=https://issues.example.com"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("origins   https://issues.example.com"), "{out}");
}

#[test]
fn check_fails_on_a_crash_or_an_unknown_import() {
    let (code, out) = plugins_check(&[fixture("hostile").to_str().unwrap(), "--setting", "mode=panic"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("crashed") && out.contains("panicked on purpose"), "{out}");

    let (code, out) = plugins_check(&[fixture("unknown-import").to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("other     fixtures:evil/raw-socket") && out.contains("does not provide: fixtures:evil/raw-socket"), "{out}");

    let (code, out) = plugins_check(&[fixture("hostile").to_str().unwrap(), "--setting", "no-equals-sign"]);
    assert_eq!(code, Some(4), "{out}");
    assert!(out.contains("expected KEY=VALUE"), "{out}");
}

// ── mtv-host plugins new ────────────────────────────────────────────────

fn repo_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join(relative)
}

fn toml_file(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn dependency_path(manifest: &toml::Table, table: &str, name: &str) -> PathBuf {
    PathBuf::from(manifest[table][name]["path"].as_str().unwrap_or_else(|| panic!("{table}.{name}.path")))
}

#[test]
fn new_creates_each_kind_with_its_files_and_paths_into_this_repository() {
    let work = tempfile::tempdir().unwrap();
    for (kind, name) in [("storage-vendor", "acme-array"), ("gate", "slow-gate"), ("reporter", "quiet-reporter")] {
        let output = mtv_host(work.path(), &["plugins", "new", "--kind", kind, name]);
        assert!(output.status.success(), "{kind}: {}", text(&output));
        let dir = work.path().join(name);
        for file in ["Cargo.toml", "README.md", "mtv-host.toml", "src/lib.rs", "tests/plugin.rs", ".gitignore"] {
            assert!(dir.join(file).is_file(), "{kind}: {file} missing");
        }
        let manifest = toml_file(&dir.join("Cargo.toml"));
        assert_eq!(manifest["package"]["name"].as_str(), Some(name));
        assert!(manifest.contains_key("workspace"), "{kind}: not its own workspace");
        assert_eq!(manifest["lib"]["crate-type"][0].as_str(), Some("cdylib"));
        assert_eq!(dependency_path(&manifest, "dependencies", "mtv-plugin-sdk"), repo_dir("guest-sdk"));
        assert_eq!(dependency_path(&manifest, "dev-dependencies", "mtv-plugin-runtime"), repo_dir("plugin-runtime"));
        let dev_dependencies: Vec<&String> = manifest["dev-dependencies"].as_table().unwrap().keys().collect();
        assert_eq!(dev_dependencies, ["mtv-plugin-runtime"], "{kind}: the tests must not compile the host");
        assert_eq!(manifest["profile"], toml_file(&repo_dir("Cargo.toml"))["profile"], "{kind}: build profiles differ from mtv-host's");
        let config = mtv_host::config::RunConfig::load(&dir.join("mtv-host.toml")).unwrap();
        assert_eq!(config.plugins[0].name, name);
        let stem = name.replace('-', "_");
        assert!(config.plugins[0].path.ends_with(format!("target/wasm32-wasip2/release/{stem}.wasm")));
        let test = std::fs::read_to_string(dir.join("tests/plugin.rs")).unwrap();
        assert!(test.contains("FakeHost::new()") && test.contains("build_component(env!(\"CARGO_MANIFEST_DIR\"))"), "{kind}: {test}");
    }
    let vendor = std::fs::read_to_string(work.path().join("acme-array/src/lib.rs")).unwrap();
    assert!(
        vendor.contains("vendor(\"acmeArray\", \"Acme Array\")") && vendor.contains("\"acme_array_pool\", \"ACME_ARRAY_POOL\""),
        "{vendor}"
    );
    let gate = std::fs::read_to_string(work.path().join("slow-gate/src/lib.rs")).unwrap();
    assert!(gate.contains("get_or(\"marker\", \"slow\")") && gate.contains("Decision::Skip"), "{gate}");
    let reporter = std::fs::read_to_string(work.path().join("quiet-reporter/src/lib.rs")).unwrap();
    assert!(reporter.contains("Outcome::Unchanged"), "{reporter}");
}

#[test]
fn new_takes_a_directory_and_path_overrides_and_refuses_to_overwrite() {
    let work = tempfile::tempdir().unwrap();
    let args = ["plugins", "new", "--kind", "gate", "my-gate", "plugins/gate", "--sdk-path", "sdk", "--runtime-path", "/opt/mtv/runtime"];
    let output = mtv_host(work.path(), &args);
    assert!(output.status.success(), "{}", text(&output));
    let manifest = toml_file(&work.path().join("plugins/gate/Cargo.toml"));
    assert_eq!(dependency_path(&manifest, "dependencies", "mtv-plugin-sdk"), work.path().join("sdk"));
    assert_eq!(dependency_path(&manifest, "dev-dependencies", "mtv-plugin-runtime"), Path::new("/opt/mtv/runtime"));
    assert!(text(&output).contains("has no Cargo.toml; pass --sdk-path DIR"), "{}", text(&output));

    let before = std::fs::read_to_string(work.path().join("plugins/gate/src/lib.rs")).unwrap();
    let again = mtv_host(work.path(), &["plugins", "new", "--kind", "reporter", "other", "plugins/gate"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again).contains("plugins/gate already exists and is not empty"), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(work.path().join("plugins/gate/src/lib.rs")).unwrap(), before);

    let bad = mtv_host(work.path(), &["plugins", "new", "--kind", "gate", "My Gate"]);
    assert_eq!(bad.status.code(), Some(4));
    assert!(text(&bad).contains("not a usable plugin name"), "{}", text(&bad));

    let old_flag = mtv_host(work.path(), &["plugins", "new", "--kind", "gate", "old-gate", "--host-path", "/opt/mtv-host/host"]);
    assert_eq!(old_flag.status.code(), Some(4), "{}", text(&old_flag));
    assert!(text(&old_flag).contains("--host-path is replaced by --runtime-path"), "{}", text(&old_flag));
    assert!(text(&old_flag).contains("--runtime-path /opt/mtv-host/plugin-runtime"), "{}", text(&old_flag));
    assert!(!work.path().join("old-gate").exists(), "a refused --host-path still wrote the crate");
}

#[test]
fn a_new_storage_vendor_builds_and_passes_check_and_copyoffload_check() {
    let work = tempfile::tempdir().unwrap();
    assert!(mtv_host(work.path(), &["plugins", "new", "--kind", "storage-vendor", "acme-array"]).status.success());
    let dir = work.path().join("acme-array");
    // A target dir beside the workspace's reuses the SDK and wit-bindgen
    // builds from earlier runs.
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| repo_dir("target")).join("scaffold-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(cargo)
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(build.status.success(), "{}", text(&build));
    let wasm = target.join("wasm32-wasip2/release/acme_array.wasm");

    let (code, out) = plugins_check(&[wasm.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("acme_array_pool   ACME_ARRAY_POOL   required"), "{out}");

    let config = format!(
        "[run]\nsource_provider = \"vsphere-8\"\nstorage_class = \"ocs-storagecluster-ceph-rbd\"\n\n[[plugins]]\nname = \"acme-array\"\npath = \"{}\"\n",
        wasm.display()
    );
    std::fs::write(dir.join("mtv-host.toml"), config).unwrap();
    let providers = serde_json::json!({ "vsphere-8": { "type": "vsphere", "api_url": "https://vcenter.example.com/sdk", "username": "admin", "copyoffload": {
        "storage_vendor_product": "acmeArray", "datastore_id": "datastore-1", "storage_hostname": "10.0.0.9",
        "storage_username": "admin", "storage_password": "canary-scaffold-pw-0b3e", "acme_array_pool": "gold",
    } } });
    std::fs::write(dir.join(".providers.json"), providers.to_string()).unwrap();
    let output = mtv_host(&dir, &["copyoffload", "check"]);
    let out = text(&output);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("ACME_ARRAY_POOL   gold") && out.contains("storageVendorProduct: acmeArray"), "{out}");
    assert!(!out.contains("canary-scaffold-pw-0b3e"), "{out}");

    let pool_with_space = providers.to_string().replace("\"gold\"", "\"gold pool\"");
    std::fs::write(dir.join(".providers.json"), pool_with_space).unwrap();
    let output = mtv_host(&dir, &["copyoffload", "check"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("pool names have no spaces"), "{}", text(&output));
}
