//! Copy-offload setup through the real vendor components: the Secret each
//! vendor gets, the errors for missing keys, env overrides, and what
//! crosses into the plugin.

mod support;

use mtv_host::copyoffload::{CopyOffloadError, CopyOffloadPlan, VendorRegistry, plan_copyoffload, secret_manifest};
use mtv_host::plugins::{PluginRuntime, PluginSpec};
use mtv_host::secrets::{Env, ResolvedValue, resolve_copyoffload};
use serde_json::{Map, Value, json};
use std::path::Path;
use support::{FixedSecrets, fixture, plugin, services};

const VENDORS: [&str; 9] =
    ["ontap", "vantara", "primera3par", "pureFlashArray", "powerflex", "powermax", "powerstore", "infinibox", "flashsystem"];
const CANARY_PASSWORD: &str = "canary-storage-pw-4be1";

fn registry() -> (PluginRuntime, VendorRegistry) {
    let runtime = PluginRuntime::new(services(FixedSecrets::default()).0, None).unwrap();
    let mut loaded: Vec<_> =
        VENDORS.iter().map(|v| runtime.load(&PluginSpec { name: v.to_string(), path: plugin(v), ..Default::default() }).unwrap()).collect();
    loaded.push(runtime.load(&PluginSpec { name: "acme".into(), path: fixture("tenth-vendor"), ..Default::default() }).unwrap());
    let (registry, failures) = VendorRegistry::describe_all(&runtime, loaded);
    assert!(failures.is_empty(), "{failures:?}");
    (runtime, registry)
}

/// A complete, valid section for `vendor`, with the keys its Secret needs.
fn complete(vendor: &str) -> (Value, Vec<&'static str>) {
    let mut section = json!({
        "storage_vendor_product": vendor,
        "datastore_id": "datastore-12345",
        "storage_hostname": "10.0.0.5",
        "storage_username": "admin",
        "storage_password": CANARY_PASSWORD,
    });
    let mut keys = vec!["STORAGE_HOSTNAME", "STORAGE_USERNAME", "STORAGE_PASSWORD"];
    let extra: &[(&str, &str, &str)] = match vendor {
        "ontap" => &[("ontap_svm", "svm0", "ONTAP_SVM")],
        "vantara" => &[
            ("vantara_storage_id", "800000012345", "STORAGE_ID"),
            ("vantara_storage_port", "443", "STORAGE_PORT"),
            ("vantara_hostgroup_id_list", "CL1-A,1:CL2-B,2", "HOSTGROUP_ID_LIST"),
        ],
        "pureFlashArray" => &[("pure_cluster_prefix", "px", "PURE_CLUSTER_PREFIX")],
        "powerflex" => &[("powerflex_system_id", "sys1", "POWERFLEX_SYSTEM_ID")],
        "powermax" => &[
            ("powermax_symmetrix_id", "000197900123", "POWERMAX_SYMMETRIX_ID"),
            ("powermax_port_group_name", "pg1", "POWERMAX_PORT_GROUP_NAME"),
        ],
        "primera3par" => {
            section["storage_hostname"] = json!("https://10.0.0.5:8080");
            &[]
        }
        _ => &[],
    };
    for (key, value, secret_key) in extra {
        section[key] = json!(value);
        keys.push(secret_key);
    }
    (section, keys)
}

fn plan_for(runtime: &PluginRuntime, registry: &VendorRegistry, section: &Value, env: &Env) -> Result<CopyOffloadPlan, CopyOffloadError> {
    let map: Map<String, Value> = section.as_object().unwrap().clone();
    let resolution = resolve_copyoffload("vsphere-8", &map, env, Path::new(".providers.json"));
    plan_copyoffload(runtime, registry, &resolution, None)
}

fn secret_keys(plan: &CopyOffloadPlan) -> Vec<&str> {
    let mut keys: Vec<&str> = plan.secret.iter().map(|e| e.key.as_str()).collect();
    keys.sort();
    keys
}

#[test]
fn a_complete_config_gives_exactly_the_vendor_secret_keys() {
    let (runtime, registry) = registry();
    for vendor in VENDORS {
        let (section, mut expected) = complete(vendor);
        let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap_or_else(|e| panic!("{vendor}: {e}"));
        expected.sort();
        assert_eq!(secret_keys(&plan), expected, "{vendor}");
        assert_eq!(plan.product, vendor);
        assert!(plan.provider_patch.is_none());
        assert!(plan.warnings.is_empty(), "{vendor}: {:?}", plan.warnings);
    }
}

#[test]
fn each_missing_required_key_has_its_own_named_error() {
    let (runtime, registry) = registry();
    for vendor in VENDORS {
        let (section, _) = complete(vendor);
        let required: Vec<String> =
            section.as_object().unwrap().keys().filter(|k| !["storage_vendor_product"].contains(&k.as_str())).cloned().collect();
        for key in required {
            let mut partial = section.clone();
            partial.as_object_mut().unwrap().remove(&key);
            let error = plan_for(&runtime, &registry, &partial, &Env::default())
                .err()
                .unwrap_or_else(|| panic!("{vendor} accepted a config without {key}"));
            let CopyOffloadError::Invalid { problems, .. } = &error else { panic!("{vendor}/{key}: {error}") };
            assert_eq!(problems.len(), 1, "{vendor}/{key}: {problems:?}");
            assert!(problems[0].contains(&format!("vsphere-8.copyoffload.{key}")), "{vendor}: {}", problems[0]);
            if key != "datastore_id" {
                assert!(problems[0].contains(&format!("COPYOFFLOAD_{}", key.to_uppercase())), "{vendor}: {}", problems[0]);
            }
        }
    }
}

#[test]
fn env_overrides_win_and_empty_env_falls_back() {
    let (runtime, registry) = registry();
    let (section, _) = complete("ontap");
    let env = Env::from_pairs([("COPYOFFLOAD_ONTAP_SVM", "svm-from-env"), ("COPYOFFLOAD_STORAGE_USERNAME", "")]);
    let plan = plan_for(&runtime, &registry, &section, &env).unwrap();
    let value = |key: &str| plan.secret.iter().find(|e| e.key == key).map(|e| (e.value.expose().to_string(), e.from.clone())).unwrap();
    assert_eq!(value("ONTAP_SVM").0, "svm-from-env");
    assert!(value("ONTAP_SVM").1.contains("COPYOFFLOAD_ONTAP_SVM"));
    assert_eq!(value("STORAGE_USERNAME").0, "admin");
}

#[test]
fn vendor_checks_catch_what_the_populator_would_reject() {
    let (runtime, registry) = registry();
    let problems = |section: Value| match plan_for(&runtime, &registry, &section, &Env::default()) {
        Err(CopyOffloadError::Invalid { problems, .. }) => problems.join("\n"),
        other => panic!("expected problems, got {other:?}"),
    };
    let (mut vantara, _) = complete("vantara");
    vantara["storage_hostname"] = json!("array.example.com");
    vantara["vantara_hostgroup_id_list"] = json!("CL1-A");
    let text = problems(vantara);
    assert!(text.contains("storage_hostname") && text.contains("IPv4"), "{text}");
    assert!(text.contains("vantara_hostgroup_id_list"), "{text}");

    let (mut primera, _) = complete("primera3par");
    primera["storage_hostname"] = json!("10.0.0.5");
    assert!(problems(primera).contains("scheme and port"));

    let (mut powermax, _) = complete("powermax");
    powermax.as_object_mut().unwrap().remove("powermax_port_group_name");
    assert!(problems(powermax).contains("COPYOFFLOAD_POWERMAX_PORT_GROUP_NAME"));
}

#[test]
fn powermax_port_group_may_come_from_storage_secret_extra() {
    let (runtime, registry) = registry();
    let (mut section, _) = complete("powermax");
    section.as_object_mut().unwrap().remove("powermax_port_group_name");
    section["storage_secret_extra"] = json!({ "POWERMAX_PORT_GROUP_NAME": "pg-extra" });
    let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap();
    assert_eq!(plan.secret.iter().filter(|e| e.key == "POWERMAX_PORT_GROUP_NAME").count(), 1);
}

#[test]
fn pure_accepts_a_token_instead_of_username_and_password() {
    let (runtime, registry) = registry();
    let (mut section, _) = complete("pureFlashArray");
    let object = section.as_object_mut().unwrap();
    object.remove("storage_username");
    object.remove("storage_password");
    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_TOKEN", "canary-pure-token-77aa")]);
    let plan = plan_for(&runtime, &registry, &section, &env).unwrap();
    assert_eq!(secret_keys(&plan), ["PURE_CLUSTER_PREFIX", "STORAGE_HOSTNAME", "STORAGE_TOKEN"]);
    assert!(plan_for(&runtime, &registry, &section, &Env::default()).is_err(), "no token and no credentials must fail");
}

#[test]
fn skip_ssl_verification_is_exactly_true_and_flagged_when_ignored() {
    let (runtime, registry) = registry();
    for (vendor, ignored) in [("powerstore", false), ("ontap", true)] {
        let (mut section, _) = complete(vendor);
        section["storage_skip_ssl_verification"] = json!(true);
        let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap();
        let entry = plan.secret.iter().find(|e| e.key == "STORAGE_SKIP_SSL_VERIFICATION").unwrap();
        assert_eq!(entry.value.expose(), "true");
        assert_eq!(plan.warnings.iter().any(|w| w.contains("never verifies certificates")), ignored, "{vendor}");
    }
}

#[test]
fn storage_secret_extra_is_merged_last_and_malformed_extra_is_an_error() {
    let (runtime, registry) = registry();
    let (mut section, _) = complete("ontap");
    section["storage_secret_extra"] = json!({ "ONTAP_SVM": "svm-extra", "COPY_SPEED": "faster" });
    let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap();
    assert_eq!(plan.secret.iter().find(|e| e.key == "ONTAP_SVM").unwrap().value.expose(), "svm-extra");
    assert!(plan.secret.iter().any(|e| e.key == "COPY_SPEED"));

    let env = Env::from_pairs([("COPYOFFLOAD_STORAGE_SECRET_EXTRA", "{not json")]);
    let error = plan_for(&runtime, &registry, &complete("ontap").0, &env).unwrap_err().to_string();
    assert!(error.contains("storage_secret_extra"), "{error}");
    assert!(!error.contains("{not json"), "the malformed value may hold secrets: {error}");
}

#[test]
fn ssh_clone_method_patches_the_provider_and_requires_esxi_credentials() {
    let (runtime, registry) = registry();
    let (mut section, _) = complete("ontap");
    section["esxi_clone_method"] = json!("ssh");
    let error = plan_for(&runtime, &registry, &section, &Env::default()).unwrap_err().to_string();
    for key in ["esxi_host", "esxi_user", "esxi_password"] {
        assert!(error.contains(&format!("copyoffload.{key}")), "{error}");
    }
    let env = Env::from_pairs([
        ("COPYOFFLOAD_ESXI_HOST", "esxi1"),
        ("COPYOFFLOAD_ESXI_USER", "root"),
        ("COPYOFFLOAD_ESXI_PASSWORD", "canary-esxi-31ff"),
    ]);
    let plan = plan_for(&runtime, &registry, &section, &env).unwrap();
    assert_eq!(plan.provider_patch, Some(json!({ "spec": { "settings": { "esxiCloneMethod": "ssh" } } })));
}

#[test]
fn no_sensitive_value_crosses_into_the_plugin() {
    let (runtime, registry) = registry();
    let section = json!({
        "storage_vendor_product": "acmeArray", "datastore_id": "datastore-1",
        "storage_hostname": "10.0.0.9", "storage_username": "admin", "storage_password": CANARY_PASSWORD,
        "acme_pool": "echo", "acme_api_key": "canary-acme-key-0c9d",
    });
    // The echo vendor reports everything it was given as problems.
    let error = plan_for(&runtime, &registry, &section, &Env::default()).unwrap_err().to_string();
    assert!(error.contains("acme_pool: given echo") && error.contains("storage_hostname: given 10.0.0.9"), "{error}");
    assert!(!error.contains(CANARY_PASSWORD) && !error.contains("canary-acme-key-0c9d"), "{error}");
    assert!(!error.contains("storage_password") && !error.contains("acme_api_key"), "{error}");
}

#[test]
fn a_tenth_vendor_needs_no_host_change_and_is_flagged_outside_the_crd() {
    let (runtime, registry) = registry();
    let section = json!({
        "storage_vendor_product": "acmeArray", "datastore_id": "datastore-1",
        "storage_hostname": "10.0.0.9", "storage_username": "admin", "storage_password": CANARY_PASSWORD,
        "acme_pool": "gold", "acme_api_key": "canary-acme-key-0c9d",
    });
    let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap();
    assert!(secret_keys(&plan).contains(&"ACME_API_KEY"));
    assert!(matches!(plan.secret.iter().find(|e| e.key == "ACME_API_KEY").unwrap().value, ResolvedValue::Secret(_)));
    assert!(plan.warnings.iter().any(|w| w.contains("outside the Forklift StorageMap CRD")), "{:?}", plan.warnings);
}

#[test]
fn an_unknown_product_lists_the_loaded_vendors() {
    let (runtime, registry) = registry();
    let (mut section, _) = complete("ontap");
    section["storage_vendor_product"] = json!("netapp");
    let error = plan_for(&runtime, &registry, &section, &Env::default()).unwrap_err().to_string();
    assert!(error.contains("'netapp'") && error.contains("ontap, vantara"), "{error}");
}

#[test]
fn the_objects_validate_against_the_forklift_crds() {
    let (runtime, registry) = registry();
    for vendor in VENDORS {
        let (mut section, _) = complete(vendor);
        section["secondary_datastore_id"] = json!("datastore-67890");
        let plan = plan_for(&runtime, &registry, &section, &Env::default()).unwrap();
        let map = json!({
            "apiVersion": "forklift.konveyor.io/v1beta1", "kind": "StorageMap",
            "metadata": { "name": "copyoffload", "namespace": "auto-test" },
            "spec": {
                "provider": { "source": { "name": "vsphere", "namespace": "auto-test" }, "destination": { "name": "host", "namespace": "auto-test" } },
                "map": plan.storagemap_entries("copyoffload-secret", "ocs-storagecluster-ceph-rbd", true, false),
            },
        });
        assert_eq!(map["spec"]["map"].as_array().unwrap().len(), 2);
        forklift_crds::validate_kind("StorageMap", &map).unwrap_or_else(|e| panic!("{vendor}: {e:?}"));
        let secret = secret_manifest(&plan, "copyoffload-secret", "auto-test");
        assert_eq!(secret["data"].as_object().unwrap().len(), plan.secret.len());
    }
}
