//! A tenth storage vendor (`tests/fixtures/tenth-vendor`: `acmeArray`,
//! keys `acme_pool` and `acme_api_key`, the latter sensitive) works with no
//! host change: its override, `secrets explain`, `copyoffload check` and
//! the generated key docs all come from the plugin's declaration.

mod support;

use std::path::Path;

use mtv_host::copyoffload::{VendorRegistry, declare_vendor, keys_markdown, plan_copyoffload, resolution};
use mtv_host::plugins::{PluginRuntime, PluginSpec};
use mtv_host::secrets::{BrokerSources, Env, Providers, ResolvedValue, SecretBroker, Source, check_secret_name, resolve_copyoffload};
use serde_json::json;
use support::{FixedSecrets, fixture, mtv_host, mtv_host_env, services, text};

const FILE_KEY: &str = "canary-acme-file-3d7e";
const ENV_KEY: &str = "canary-acme-env-91b4";
const STORAGE_PW: &str = "canary-acme-storage-pw-58c0";

fn section() -> serde_json::Value {
    json!({
        "storage_vendor_product": "acmeArray", "datastore_id": "datastore-1",
        "storage_hostname": "10.0.0.9", "storage_username": "admin", "storage_password": STORAGE_PW,
        "acme_pool": "gold", "acme_api_key": FILE_KEY,
    })
}

fn acme() -> (PluginRuntime, VendorRegistry) {
    let runtime = PluginRuntime::new(services(FixedSecrets::default()).0, None).unwrap();
    let loaded = runtime.load(&PluginSpec { name: "acme".into(), path: fixture("tenth-vendor"), ..Default::default() }).unwrap();
    let (registry, failures) = VendorRegistry::describe_all(&runtime, vec![loaded]);
    assert!(failures.is_empty(), "{failures:?}");
    (runtime, registry)
}

#[test]
fn the_env_override_of_a_declared_key_wins_and_stays_secret() {
    let (runtime, registry) = acme();
    let map = section().as_object().unwrap().clone();
    let env = Env::from_pairs([("COPYOFFLOAD_ACME_API_KEY", ENV_KEY), ("COPYOFFLOAD_ACME_POOL", "silver")]);
    let resolution = resolve_copyoffload("vsphere-8", &map, &env, Path::new(".providers.json"));
    let plan = plan_copyoffload(&runtime, &registry, &resolution, None).unwrap();
    let entry = |key: &str| plan.secret.iter().find(|e| e.key == key).unwrap_or_else(|| panic!("{key} in the Secret"));
    assert_eq!(entry("ACME_API_KEY").value.expose(), ENV_KEY);
    assert!(matches!(entry("ACME_API_KEY").value, ResolvedValue::Secret(_)), "the plugin declares it sensitive");
    assert!(entry("ACME_API_KEY").from.contains("COPYOFFLOAD_ACME_API_KEY"), "{}", entry("ACME_API_KEY").from);
    assert_eq!(entry("ACME_POOL").value.expose(), "silver");
    assert!(matches!(entry("ACME_POOL").value, ResolvedValue::Plain(_)));

    // Without the vendor's declaration the host has never heard of the key.
    assert!(resolution.get("acme_api_key").is_some_and(|key| key.value.expose() == FILE_KEY), "the file value, unlisted");
    let declared = resolution.with_declared(&registry.find("acmeArray").unwrap().info.fields);
    assert_eq!(declared.get("acme_api_key").map(|key| &key.source), Some(&Source::Env { var: "COPYOFFLOAD_ACME_API_KEY".into() }));
}

#[test]
fn a_declared_sensitive_key_becomes_a_broker_secret() {
    let (_runtime, registry) = acme();
    let providers = Providers::parse(
        Path::new("/work/.providers.json"),
        &json!({ "vsphere-8": { "type": "vsphere", "copyoffload": section() } }).to_string(),
    )
    .unwrap();
    let mut broker = SecretBroker::new(BrokerSources {
        providers: Some(providers),
        source_profile: Some("vsphere-8".into()),
        env: Env::from_pairs([("COPYOFFLOAD_ACME_API_KEY", ENV_KEY)]),
        ..BrokerSources::default()
    });
    assert!(broker.get("copyoffload.acme_api_key").is_err(), "unknown until the vendor declares it");
    assert!(check_secret_name("copyoffload.acme_api_key").is_err());

    declare_vendor(&mut broker, &registry.find("acmeArray").unwrap().info);
    assert_eq!(broker.get("copyoffload.acme_api_key").unwrap().expose(), ENV_KEY);
    let rows = broker.describe();
    let row = rows.iter().find(|row| row.name == "copyoffload.acme_api_key").expect("listed");
    assert!(row.set && row.from == "environment variable COPYOFFLOAD_ACME_API_KEY", "{row:?}");
    let message = broker.get("copyoffload.acme_pool").expect_err("not sensitive").to_string();
    assert!(message.contains("not sensitive"), "{message}");
    assert!(resolution(&broker).and_then(|r| r.secret("acme_api_key")).is_some());
}

/// A working directory whose config loads the tenth vendor and whose
/// source profile names it.
fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[run]\nsource_provider = \"vsphere-8\"\nstorage_class = \"standard\"\n\n[[plugins]]\nname = \"acme\"\npath = \"{}\"\n",
        fixture("tenth-vendor").display()
    );
    std::fs::write(dir.path().join("mtv-host.toml"), config).unwrap();
    let providers = json!({ "vsphere-8": { "type": "vsphere", "api_url": "https://vcenter.example.com/sdk", "copyoffload": section() } });
    std::fs::write(dir.path().join(".providers.json"), providers.to_string()).unwrap();
    dir
}

#[test]
fn secrets_explain_lists_the_declared_key_with_its_source() {
    let dir = workdir();
    let output = mtv_host_env(dir.path(), &["secrets", "explain"], &[("COPYOFFLOAD_ACME_API_KEY", ENV_KEY)]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    let row = out.lines().find(|line| line.starts_with("copyoffload.acme_api_key")).unwrap_or_else(|| panic!("no row in {out}"));
    assert!(row.contains("yes") && row.contains("environment variable COPYOFFLOAD_ACME_API_KEY"), "{row}");
    assert!(!out.contains("copyoffload.acme_pool"), "not sensitive: {out}");
    assert!(out.contains("  copyoffload  .providers.json, COPYOFFLOAD_<KEY>"), "{out}");
    assert!(!out.contains(ENV_KEY) && !out.contains(FILE_KEY) && !out.contains(STORAGE_PW), "{out}");

    let output = mtv_host(dir.path(), &["secrets", "explain"]);
    let out = text(&output);
    let row = out.lines().find(|line| line.starts_with("copyoffload.acme_api_key")).unwrap_or_else(|| panic!("no row in {out}"));
    assert!(row.contains("vsphere-8.copyoffload.acme_api_key in "), "the file, without the variable: {row}");
}

#[test]
fn copyoffload_check_redacts_the_declared_key() {
    let dir = workdir();
    let output = mtv_host_env(dir.path(), &["copyoffload", "check"], &[("COPYOFFLOAD_ACME_API_KEY", ENV_KEY)]);
    let out = text(&output);
    assert!(output.status.success(), "{out}");
    let line = out.lines().find(|line| line.trim_start().starts_with("ACME_API_KEY")).unwrap_or_else(|| panic!("no key in {out}"));
    assert!(line.contains("[REDACTED]") && line.contains("COPYOFFLOAD_ACME_API_KEY"), "{line}");
    assert!(!out.contains(ENV_KEY) && !out.contains(FILE_KEY) && !out.contains(STORAGE_PW), "{out}");
}

#[test]
fn the_generated_key_docs_list_the_declared_keys() {
    let (_runtime, registry) = acme();
    let page = keys_markdown(&registry.infos());
    let row = page.lines().find(|line| line.starts_with("| `acme_api_key`")).unwrap_or_else(|| panic!("no row in {page}"));
    assert_eq!(row, "| `acme_api_key` | `ACME_API_KEY` | `COPYOFFLOAD_ACME_API_KEY` | required | yes | API key |");
    assert!(page.contains("### `acmeArray` — ACME Array"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let output = mtv_host(dir.path(), &["copyoffload", "keys", "--markdown", fixture("tenth-vendor").to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), page);

    let output = mtv_host(dir.path(), &["copyoffload", "keys", fixture("tenth-vendor").to_str().unwrap()]);
    let out = text(&output);
    assert!(out.contains("acmeArray  acme_api_key  COPYOFFLOAD_ACME_API_KEY  sensitive=true"), "{out}");
    assert!(out.contains("host  datastore_id  (file only)  sensitive=false"), "{out}");
}
