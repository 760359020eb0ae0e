//! Every Forklift object the host renders validates against the real
//! Forklift CRDs (the `forklift-crds` crate): the `--setup-plan` output of
//! the quickstart (copy-offload tests with two vendors included) and of a
//! copy-offload plan, object by object, as the YAML reads back.

mod runner_common;
mod support;

use std::process::Command;

use runner_common::{PLAN, Workspace, code, quickstart_dir, text};
use serde_json::{Value, json};
use support::plugin;

/// The objects of a `--setup-plan` output.
fn objects(stdout: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(stdout)
        .map(|document| serde::Deserialize::deserialize(document).unwrap_or_else(|e| panic!("{e}:\n{stdout}")))
        .filter(|object: &Value| !object.is_null())
        .collect()
}

/// Validates each Forklift object; returns their kinds.
fn validate_forklift_objects(objects: &[Value]) -> Vec<String> {
    let forklift: Vec<&Value> = objects.iter().filter(|object| forklift_crds::is_forklift(object)).collect();
    for object in &forklift {
        if let Err(errors) = forklift_crds::validate(object) {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("{} {} is invalid:\n{}\n{object:#}", object["kind"], object["metadata"]["name"], listed.join("\n"));
        }
    }
    forklift.iter().filter_map(|object| object["kind"].as_str().map(str::to_owned)).collect()
}

fn quickstart_setup_plan() -> String {
    plugin("ontap");
    plugin("vantara");
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(cwd.path())
        .args(["run", "--setup-plan", "--config"])
        .arg(quickstart_dir().join("mtv-host.toml"))
        .env("HOME", cwd.path())
        .env("MTV_HOST_CACHE_DIR", cwd.path().join("cache"))
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("PYTEST_JIRA_URL")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    stdout
}

#[test]
fn the_quickstarts_objects_validate_against_the_forklift_crds() {
    let objects = objects(&quickstart_setup_plan());
    let kinds = validate_forklift_objects(&objects);
    for kind in ["Provider", "StorageMap", "NetworkMap", "Hook", "Plan", "Migration"] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} among {kinds:?}");
    }
    let offload: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "StorageMap")
        .flat_map(|map| map["spec"]["map"].as_array().into_iter().flatten())
        .filter_map(|entry| entry["offloadPlugin"]["vsphereXcopyConfig"]["storageVendorProduct"].as_str().map(|_| entry))
        .collect();
    let products: Vec<&str> =
        offload.iter().filter_map(|e| e["offloadPlugin"]["vsphereXcopyConfig"]["storageVendorProduct"].as_str()).collect();
    assert!(products.contains(&"ontap") && products.contains(&"vantara"), "copy-offload StorageMaps of both vendors: {products:?}");
}

#[test]
fn a_copy_offload_plans_objects_validate_against_the_forklift_crds() {
    let plan = format!("{PLAN}\n[[tests]]\nname = \"xcopy\"\ncopyoffload = true\nvirtual_machines = [{{ name = \"mtv-xcopy-rhel9\" }}]\n");
    let vendor = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\n", plugin("ontap"));
    let ws = Workspace::new(&plan, "", &vendor);
    let output = ws.run(&["--setup-plan", "-k", "xcopy"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    let kinds = validate_forklift_objects(&objects(&stdout));
    assert_eq!(kinds, ["Provider", "Provider", "StorageMap", "NetworkMap", "Plan", "Migration"], "{stdout}");
    assert!(stdout.contains("storageVendorProduct: ontap"), "{stdout}");
}

#[test]
fn a_wrong_field_in_a_rendered_object_fails_with_its_path() {
    let objects = objects(&quickstart_setup_plan());
    let mut plan = objects.iter().find(|o| o["kind"] == "Plan").cloned().expect("a Plan");
    assert!(forklift_crds::validate(&plan).is_ok());
    // What a YAML 1.1 reader makes of a plain `targetPowerState: on`.
    plan["spec"]["vms"][0]["targetPowerState"] = json!(true);
    plan["spec"]["warm"] = json!("yes");
    plan["spec"]["typo"] = json!(1);
    let errors = forklift_crds::validate(&plan).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["spec.vms[0].targetPowerState", "spec.warm", "spec.typo"], "{errors:?}");
    assert!(errors[0].to_string().contains("must be of type string"), "{}", errors[0]);

    let mut storage_map = objects.iter().find(|o| o["kind"] == "StorageMap").cloned().expect("a StorageMap");
    storage_map["apiVersion"] = json!("forklift.konveyor.io/v1");
    assert_eq!(forklift_crds::validate(&storage_map).unwrap_err()[0].field, "apiVersion");
}
