//! The fake Forklift controller: Providers, Plans and Migrations through their real
//! condition and pipeline shapes.

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use forklift_crds::validate_kind as validate_forklift;
use futures_util::StreamExt;
use kube::api::{ListParams, Patch, PatchParams};
use mtv_sim::{SimConfig, VmBehavior};
use serde_json::{Value, json};

fn assert_valid(kind: &str, obj: &Value) {
    if let Err(errors) = validate_forklift(kind, obj) {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{kind} written by the controller does not match its CRD: {listed:?}");
    }
}

async fn list(cluster: &Cluster, res: &kube::api::ApiResource, ns: &str, labels: &str) -> Vec<Value> {
    cluster.api(res, ns).list(&ListParams::default().labels(labels)).await.unwrap().items.iter().map(to_json).collect()
}

#[tokio::test]
async fn providers_validate_secrets_and_connections() {
    let cluster = start().await;
    cluster.namespace("prov").await;
    let provider = |name: &str, url: &str, secret: &str| json!({"metadata": {"name": name}, "spec": {"type": "vsphere", "url": url, "secret": {"name": secret, "namespace": "prov"}}});

    cluster.create(&providers(), "prov", provider("no-secret", "https://vc.example/sdk", "vc-creds")).await;
    let failed =
        cluster.wait_for(&providers(), "prov", "no-secret", "ValidationFailed", |p| p["status"]["phase"] == "ValidationFailed").await;
    let secret_condition = condition(&failed, "SecretNotValid");
    assert_eq!(secret_condition["category"], "Critical");
    assert!(secret_condition["message"].as_str().unwrap().contains("prov/vc-creds not found"));

    cluster.create(&secrets(), "prov", json!({"metadata": {"name": "vc-creds"}, "stringData": {"user": "admin"}})).await;
    let missing_key = cluster
        .wait_for(&providers(), "prov", "no-secret", "a missing-key message", |p| {
            p.pointer("/status/conditions/0/message").and_then(Value::as_str).is_some_and(|m| m.contains("missing required keys: password"))
        })
        .await;
    assert_eq!(missing_key["status"]["phase"], "ValidationFailed");
    cluster
        .api(&secrets(), "prov")
        .patch("vc-creds", &PatchParams::default(), &Patch::Merge(json!({"stringData": {"password": "pw"}})))
        .await
        .unwrap();
    let ready = cluster.wait_condition(&providers(), "prov", "no-secret", "Ready").await;
    assert_eq!(ready["status"]["phase"], "Ready");
    for kind in ["ConnectionTestSucceeded", "Validated", "InventoryCreated"] {
        assert_eq!(condition(&ready, kind)["status"], "True", "{kind}");
    }
    assert_eq!(condition(&ready, "Ready")["category"], "Required");
    assert_valid("Provider", &ready);

    cluster.create(&providers(), "prov", provider("down", "https://unreachable.invalid/sdk", "vc-creds")).await;
    let down = cluster.wait_for(&providers(), "prov", "down", "ConnectionFailed", |p| p["status"]["phase"] == "ConnectionFailed").await;
    assert_eq!(condition(&down, "ConnectionTestFailed")["category"], "Critical");
    assert!(!has_condition(&down, "Ready"));

    cluster.sim.scenario().update(|s| s.unreachable_urls.push("https://vc.example/sdk".into()));
    cluster
        .wait_for(&providers(), "prov", "no-secret", "ConnectionFailed after a scenario change", |p| {
            p["status"]["phase"] == "ConnectionFailed"
        })
        .await;

    let mut ssh = provider("ssh", "https://vc2.example/sdk", "vc-creds");
    ssh["spec"]["settings"] = json!({"esxiCloneMethod": "ssh"});
    cluster.create(&providers(), "prov", ssh).await;
    let ssh_ready = cluster.wait_condition(&providers(), "prov", "ssh", "SSHReady").await;
    assert!(has_condition(&ssh_ready, "Ready"));
    let key = cluster.get(&secrets(), "prov", "offload-ssh-keys-ssh-public").await;
    assert!(key["data"]["public-key"].is_string());

    cluster
        .create(&providers(), "prov", json!({"metadata": {"name": "local"}, "spec": {"type": "openshift", "url": "", "secret": {}}}))
        .await;
    cluster.wait_condition(&providers(), "prov", "local", "Ready").await;
    let seeded = cluster.wait_condition(&providers(), "openshift-mtv", "host", "Ready").await;
    assert_eq!(seeded["spec"]["type"], "openshift");

    let events = list(&cluster, &events(), "prov", "").await;
    assert!(events.iter().any(|e| e["reason"] == "Ready" && e["involvedObject"]["name"] == "no-secret"), "{events:#?}");
    assert!(events.iter().any(|e| e["reason"] == "ConnectionFailed" && e["type"] == "Warning"));
}

#[tokio::test]
async fn plan_validation_blocks_ready() {
    let cluster = start().await;
    let env = env(&cluster, "pv", vec![storage_entry("datastore-1", None)]).await;
    cluster.create(&plans(), "pv", env.plan("unknown-vm", "cold", json!([{"id": "vm-1001"}, {"name": "no-such-vm"}]))).await;
    let plan = cluster.wait_condition(&plans(), "pv", "unknown-vm", "VMNotFound").await;
    let not_found = condition(&plan, "VMNotFound");
    assert_eq!(not_found["category"], "Critical");
    assert_eq!(not_found["items"], json!(["name:no-such-vm"]));
    assert!(!has_condition(&plan, "Ready"));
    assert_valid("Plan", &plan);

    let mut dangling = env.plan("no-maps", "cold", json!([{"id": "vm-1001"}]));
    dangling["spec"]["map"]["storage"]["name"] = json!("missing");
    dangling["spec"]["provider"]["source"]["name"] = json!("missing");
    cluster.create(&plans(), "pv", dangling).await;
    let plan = cluster.wait_condition(&plans(), "pv", "no-maps", "StorageMapNotReady").await;
    assert!(has_condition(&plan, "SourceProviderNotReady"));
    assert!(!has_condition(&plan, "Ready"));

    // The plan turns Ready once what it references appears.
    cluster
        .create(
            &storage_maps(),
            "pv",
            json!({"metadata": {"name": "missing"}, "spec": {
        "provider": {"source": {"name": "vsphere"}, "destination": {"name": "host"}},
        "map": [storage_entry("datastore-1", None)]}}),
        )
        .await;
    cluster
        .api(&plans(), "pv")
        .patch("no-maps", &PatchParams::default(), &Patch::Merge(json!({"spec": {"provider": {"source": {"name": "vsphere"}}}})))
        .await
        .unwrap();
    cluster.wait_condition(&plans(), "pv", "no-maps", "Ready").await;

    cluster
        .create(
            &storage_maps(),
            "pv",
            json!({"metadata": {"name": "mixed"}, "spec": {
        "provider": {"source": {"name": "vsphere"}, "destination": {"name": "host"}},
        "map": [storage_entry("datastore-12345", Some(("storage-creds", "ontap"))), storage_entry("datastore-1", None)]}}),
        )
        .await;
    let mut mixed = env.plan("mixed", "cold", json!([{"id": "vm-2003"}]));
    mixed["spec"]["map"]["storage"]["name"] = json!("mixed");
    cluster.create(&plans(), "pv", mixed).await;
    let plan = cluster.wait_condition(&plans(), "pv", "mixed", "VDDKAndOffloadMixedUsage").await;
    assert_eq!(condition(&plan, "VDDKAndOffloadMixedUsage")["category"], "Critical");
}

#[tokio::test]
async fn cold_migration_succeeds_and_creates_the_vm() {
    let cluster = start().await;
    let env = env(&cluster, "cold", vec![storage_entry("datastore-1", None)]).await;
    cluster
        .create(
            &plans(),
            "cold",
            env.plan("plan-cold", "cold", json!([{"name": "mtv-rhel8-sanity"}, {"id": "vm-1004", "targetPowerState": "off"}])),
        )
        .await;
    let ready = cluster.wait_condition(&plans(), "cold", "plan-cold", "Ready").await;
    assert_eq!(condition(&ready, "Ready")["category"], "Required");
    cluster.create(&migrations(), "cold", env.migration("mig-cold", "plan-cold")).await;
    let plan = cluster.wait_plan_done("cold", "plan-cold").await;
    assert!(has_condition(&plan, "Succeeded"), "{:#}", plan["status"]);
    let result = condition(&plan, "Succeeded");
    assert_eq!(result["category"], "Advisory");
    assert!(!has_condition(&plan, "Executing"));
    assert_eq!(step_names(&plan, 0), ["Initialize", "DiskAllocation", "DiskTransfer", "ImageConversion", "VirtualMachineCreation"]);
    for name in step_names(&plan, 1) {
        let s = step(&plan, 1, &name);
        assert_eq!(s["phase"], "Completed", "{name}");
        assert_eq!(s["progress"]["completed"], s["progress"]["total"], "{name}");
        assert!(s["started"].is_string() && s["completed"].is_string());
    }
    assert_eq!(step(&plan, 1, "DiskTransfer")["progress"]["total"], (20 + 10) * 1024);
    assert_eq!(plan["status"]["migration"]["vms"][0]["phase"], "Completed");
    assert_valid("Plan", &plan);

    let migration = cluster.wait_condition(&migrations(), "cold", "mig-cold", "Succeeded").await;
    assert!(migration["status"]["completed"].is_string());
    assert_valid("Migration", &migration);

    let vm = cluster.get(&virtual_machines(), "cold", "mtv-rhel8-sanity").await;
    assert_eq!(vm["spec"]["runStrategy"], "Always", "source power state kept");
    assert_eq!(vm["metadata"]["labels"]["vmID"], "vm-1001");
    assert_eq!(vm["metadata"]["labels"]["plan"], plan["metadata"]["uid"]);
    assert_eq!(vm["spec"]["template"]["spec"]["volumes"].as_array().unwrap().len(), 1);
    let two_disks = cluster.get(&virtual_machines(), "cold", "mtv-rhel8-2disks").await;
    assert_eq!(two_disks["spec"]["runStrategy"], "Halted", "targetPowerState off");
    assert_eq!(two_disks["spec"]["template"]["spec"]["volumes"].as_array().unwrap().len(), 2);
    assert_eq!(two_disks["spec"]["template"]["spec"]["networks"], json!([{"name": "net-0", "pod": {}}]), "network-2 is ignored by the map");
    let claims = list(&cluster, &pvcs(), "cold", "vmID=vm-1004").await;
    assert_eq!(claims.len(), 2);

    let events = list(&cluster, &events(), "cold", "").await;
    assert!(events.iter().any(|e| e["reason"] == "Succeeded" && e["involvedObject"]["kind"] == "Migration"));
}

#[tokio::test]
async fn warm_migration_waits_for_cutover() {
    let cluster = start().await;
    let env = env(&cluster, "warm", vec![storage_entry("datastore-1", None)]).await;
    cluster.create(&plans(), "warm", env.plan("plan-warm", "warm", json!([{"name": "mtv-rhel9-warm"}]))).await;
    cluster.wait_condition(&plans(), "warm", "plan-warm", "Ready").await;
    let mut migration = env.migration("mig-warm", "plan-warm");
    migration["spec"]["cutover"] = json!("2099-01-01T00:00:00Z");
    cluster.create(&migrations(), "warm", migration).await;
    let precopying = cluster
        .wait_for(&plans(), "warm", "plan-warm", "a precopy", |p| {
            p.pointer("/status/migration/vms/0/warm/successes").and_then(Value::as_u64).is_some_and(|n| n >= 1)
        })
        .await;
    assert_eq!(step(&precopying, 0, "DiskTransfer")["phase"], "Running");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let still = cluster.get(&plans(), "warm", "plan-warm").await;
    assert_eq!(step(&still, 0, "Cutover")["phase"], "Pending", "no cutover before its time");

    let now = jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap().to_string();
    cluster
        .api(&migrations(), "warm")
        .patch("mig-warm", &PatchParams::default(), &Patch::Merge(json!({"spec": {"cutover": now}})))
        .await
        .unwrap();
    let plan = cluster.wait_plan_done("warm", "plan-warm").await;
    assert!(has_condition(&plan, "Succeeded"), "{:#}", plan["status"]);
    assert_eq!(step_names(&plan, 0), ["Initialize", "DiskTransfer", "Cutover", "ImageConversion", "VirtualMachineCreation"]);
    assert!(!plan["status"]["migration"]["vms"][0]["warm"]["precopies"].as_array().unwrap().is_empty());
    assert_valid("Plan", &plan);
    cluster.get(&virtual_machines(), "warm", "mtv-rhel9-warm").await;
}

fn storage_secret(name: &str, pairs: &[(&str, &str)]) -> Value {
    let data: serde_json::Map<String, Value> = pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    json!({"metadata": {"name": name}, "stringData": data})
}

#[tokio::test]
async fn copy_offload_migration_uses_populators() {
    let cluster = start().await;
    let offload = Some(("ontap-creds", "ontap"));
    let env = env(&cluster, "xcopy", vec![storage_entry("datastore-12345", offload), storage_entry("datastore-67890", offload)]).await;
    cluster
        .create(
            &secrets(),
            "xcopy",
            storage_secret(
                "ontap-creds",
                &[("STORAGE_HOSTNAME", "10.0.0.5"), ("STORAGE_USERNAME", "admin"), ("STORAGE_PASSWORD", "pw"), ("ONTAP_SVM", "svm1")],
            ),
        )
        .await;
    let mut plan = env.plan("plan-xcopy", "cold", json!([{"id": "vm-2002"}]));
    plan["spec"]["pvcNameTemplate"] = json!("pvc");
    cluster.create(&plans(), "xcopy", plan).await;
    cluster.wait_condition(&plans(), "xcopy", "plan-xcopy", "Ready").await;
    cluster.create(&migrations(), "xcopy", env.migration("mig-xcopy", "plan-xcopy")).await;
    let plan = cluster.wait_plan_done("xcopy", "plan-xcopy").await;
    assert!(has_condition(&plan, "Succeeded"), "{:#}", plan["status"]);
    let populators = list(&cluster, &populators(), "xcopy", "vmID=vm-2002").await;
    assert_eq!(populators.len(), 2, "one populator per disk");
    for populator in &populators {
        assert_eq!(populator["spec"]["storageVendorProduct"], "ontap");
        assert_eq!(populator["spec"]["secretName"], "ontap-creds");
        assert_eq!(populator["status"]["progress"], "100");
        assert_eq!(populator["status"]["xcopyUsed"], "true");
        assert!(populator["spec"]["vmdkPath"].as_str().unwrap().ends_with(".vmdk"));
        assert_valid("VSphereXcopyVolumePopulator", populator);
    }
    let claims = list(&cluster, &pvcs(), "xcopy", "vmID=vm-2002").await;
    assert!(claims.iter().all(|c| c["metadata"]["name"].as_str().unwrap().starts_with("pvc-")), "{claims:#?}");
    cluster.get(&virtual_machines(), "xcopy", "mtv-xcopy-2disks").await;
}

#[tokio::test]
async fn powermax_secret_without_port_group_fails_disk_transfer() {
    let cluster = start().await;
    let env = env(&cluster, "pmax", vec![storage_entry("datastore-12345", Some(("pmax-creds", "powermax")))]).await;
    cluster
        .create(
            &secrets(),
            "pmax",
            storage_secret(
                "pmax-creds",
                &[
                    ("STORAGE_HOSTNAME", "10.0.0.9"),
                    ("STORAGE_USERNAME", "smc"),
                    ("STORAGE_PASSWORD", "pw"),
                    ("POWERMAX_SYMMETRIX_ID", "000120000123"),
                ],
            ),
        )
        .await;
    cluster.create(&plans(), "pmax", env.plan("plan-pmax", "cold", json!([{"id": "vm-2001"}]))).await;
    cluster.wait_condition(&plans(), "pmax", "plan-pmax", "Ready").await;
    cluster.create(&migrations(), "pmax", env.migration("mig-pmax", "plan-pmax")).await;
    let plan = cluster.wait_plan_done("pmax", "plan-pmax").await;
    assert!(has_condition(&plan, "Failed"), "{:#}", plan["status"]);
    let transfer = step(&plan, 0, "DiskTransfer");
    assert_eq!(transfer["error"]["phase"], "DiskTransfer");
    let reason = transfer["error"]["reasons"][0].as_str().unwrap();
    assert_eq!(reason, "populator failed: missing required environment variable POWERMAX_PORT_GROUP_NAME");
    let vm = &plan["status"]["migration"]["vms"][0];
    assert_eq!(vm["phase"], "Failed");
    assert_eq!(vm["error"]["phase"], "DiskTransfer");
    assert_eq!(step(&plan, 0, "ImageConversion")["phase"], "Pending");
    let populators = list(&cluster, &populators(), "pmax", "").await;
    assert_eq!(populators[0]["status"]["result"], reason);
    assert!(cluster.api(&virtual_machines(), "pmax").get_opt("mtv-xcopy-rhel9").await.unwrap().is_none());
    assert_valid("Plan", &plan);
}

#[tokio::test]
async fn injected_step_failure_fails_the_vm_at_that_step() {
    let cluster = start().await;
    let env = env(&cluster, "inj", vec![storage_entry("datastore-1", None)]).await;
    cluster.sim.scenario().set_vm(
        "mtv-rhel8-sanity",
        VmBehavior {
            fail_at: Some("ImageConversion".into()),
            fail_message: Some("virt-v2v: disk inspection failed".into()),
            ..VmBehavior::default()
        },
    );
    cluster.create(&plans(), "inj", env.plan("plan-inj", "cold", json!([{"id": "vm-1001"}, {"id": "vm-1005"}]))).await;
    cluster.wait_condition(&plans(), "inj", "plan-inj", "Ready").await;
    cluster.create(&migrations(), "inj", env.migration("mig-inj", "plan-inj")).await;
    let plan = cluster.wait_plan_done("inj", "plan-inj").await;
    assert!(has_condition(&plan, "Failed"));
    let failed = step(&plan, 0, "ImageConversion");
    assert_eq!(failed["error"], json!({"phase": "ImageConversion", "reasons": ["virt-v2v: disk inspection failed"]}));
    assert_eq!(step(&plan, 0, "DiskTransfer")["phase"], "Completed");
    assert_eq!(step(&plan, 0, "VirtualMachineCreation")["phase"], "Pending");
    let vms = &plan["status"]["migration"]["vms"];
    assert!(vms[0]["conditions"].as_array().unwrap().iter().any(|c| c["type"] == "Failed"));
    assert!(vms[1]["conditions"].as_array().unwrap().iter().any(|c| c["type"] == "Succeeded"), "the other VM still succeeds");
    assert!(cluster.api(&virtual_machines(), "inj").get_opt("mtv-rhel8-sanity").await.unwrap().is_none());
    assert!(list(&cluster, &pvcs(), "inj", "vmID=vm-1001").await.is_empty(), "deleteVmOnFailMigration removes the disks");
    let off = cluster.get(&virtual_machines(), "inj", "mtv-rhel8-off").await;
    assert_eq!(off["spec"]["runStrategy"], "Halted");
    cluster.wait_condition(&migrations(), "inj", "mig-inj", "Failed").await;

    // The inventory's own knob: this VM always fails at ImageConversion.
    cluster.create(&plans(), "inj", env.plan("plan-inv", "cold", json!([{"name": "mtv-rhel8-fail-conversion"}]))).await;
    cluster.wait_condition(&plans(), "inj", "plan-inv", "Ready").await;
    cluster.create(&migrations(), "inj", env.migration("mig-inv", "plan-inv")).await;
    let plan = cluster.wait_plan_done("inj", "plan-inv").await;
    assert!(step(&plan, 0, "ImageConversion")["error"]["reasons"][0].as_str().unwrap().contains("inspection"));
}

#[tokio::test]
async fn failing_hooks_fail_their_step() {
    let cluster = start().await;
    let env = env(&cluster, "hooks", vec![storage_entry("datastore-1", None)]).await;
    let playbook = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    cluster
        .create(&hooks(), "hooks", json!({"metadata": {"name": "pre-fail", "annotations": {"sim.mtv-host.io/result": "fail"}}, "spec": {"image": "quay.io/konveyor/hook-runner", "playbook": playbook("- hosts: localhost\n  tasks: []\n")}}))
        .await;
    cluster
        .create(&hooks(), "hooks", json!({"metadata": {"name": "post-fail"}, "spec": {"image": "quay.io/konveyor/hook-runner", "playbook": playbook("- hosts: localhost\n  tasks:\n  - ansible.builtin.fail:\n      msg: boom\n")}}))
        .await;
    cluster.create(&hooks(), "hooks", json!({"metadata": {"name": "ok"}, "spec": {"image": "quay.io/konveyor/hook-runner"}})).await;
    let hook = |name: &str, step: &str| json!({"hook": {"name": name, "namespace": "hooks"}, "step": step});

    cluster
        .create(
            &plans(),
            "hooks",
            env.plan("plan-pre", "cold", json!([{"id": "vm-1001", "hooks": [hook("pre-fail", "PreHook"), hook("ok", "PostHook")]}])),
        )
        .await;
    cluster.wait_condition(&plans(), "hooks", "plan-pre", "Ready").await;
    cluster.create(&migrations(), "hooks", env.migration("mig-pre", "plan-pre")).await;
    let plan = cluster.wait_plan_done("hooks", "plan-pre").await;
    assert!(has_condition(&plan, "Failed"));
    assert_eq!(step_names(&plan, 0).first().map(String::as_str), Some("Initialize"));
    assert_eq!(step_names(&plan, 0)[1], "PreHook");
    assert_eq!(step_names(&plan, 0).last().map(String::as_str), Some("PostHook"));
    let pre = step(&plan, 0, "PreHook");
    assert_eq!(pre["error"]["phase"], "PreHook");
    assert!(pre["error"]["reasons"][0].as_str().unwrap().starts_with("hook failed:"), "{pre:#}");
    assert_eq!(plan["status"]["migration"]["vms"][0]["error"]["phase"], "PreHook");

    cluster
        .create(
            &plans(),
            "hooks",
            env.plan("plan-post", "cold", json!([{"id": "vm-1001", "hooks": [hook("ok", "PreHook"), hook("post-fail", "PostHook")]}])),
        )
        .await;
    cluster.wait_condition(&plans(), "hooks", "plan-post", "Ready").await;
    cluster.create(&migrations(), "hooks", env.migration("mig-post", "plan-post")).await;
    let plan = cluster.wait_plan_done("hooks", "plan-post").await;
    assert!(has_condition(&plan, "Failed"));
    assert_eq!(step(&plan, 0, "PreHook")["phase"], "Completed");
    assert!(step(&plan, 0, "PostHook")["error"]["reasons"][0].as_str().unwrap().contains("ansible.builtin.fail"));

    cluster
        .create(
            &plans(),
            "hooks",
            env.plan("plan-missing-hook", "cold", json!([{"id": "vm-1001", "hooks": [hook("nope", "PreHook"), hook("ok", "Sometime")]}])),
        )
        .await;
    let plan = cluster.wait_condition(&plans(), "hooks", "plan-missing-hook", "HookNotValid").await;
    assert!(has_condition(&plan, "HookStepNotValid"));
}

#[tokio::test]
async fn canceling_a_vm_cancels_the_plan() {
    let cluster = start_with(SimConfig::default().step_delay(Duration::from_millis(300))).await;
    let env = env(&cluster, "cancel", vec![storage_entry("datastore-1", None)]).await;
    cluster.create(&plans(), "cancel", env.plan("plan-cancel", "cold", json!([{"id": "vm-1001"}]))).await;
    cluster.wait_condition(&plans(), "cancel", "plan-cancel", "Ready").await;
    cluster.create(&migrations(), "cancel", env.migration("mig-cancel", "plan-cancel")).await;
    cluster.wait_condition(&plans(), "cancel", "plan-cancel", "Executing").await;
    cluster
        .api(&migrations(), "cancel")
        .patch("mig-cancel", &PatchParams::default(), &Patch::Merge(json!({"spec": {"cancel": [{"id": "vm-1001"}]}})))
        .await
        .unwrap();
    let plan = cluster.wait_plan_done("cancel", "plan-cancel").await;
    assert!(has_condition(&plan, "Canceled"), "{:#}", plan["status"]);
    assert_eq!(plan["status"]["migration"]["vms"][0]["phase"], "Canceled");
    assert!(cluster.api(&virtual_machines(), "cancel").get_opt("mtv-rhel8-sanity").await.unwrap().is_none());
    cluster.wait_condition(&migrations(), "cancel", "mig-cancel", "Canceled").await;
}

#[tokio::test]
async fn waiting_by_watch_keeps_requests_flat_as_migrations_get_longer() {
    async fn requests_for_one_migration(step_ms: u64) -> u64 {
        let cluster = start_with(SimConfig::default().step_delay(Duration::from_millis(step_ms))).await;
        let env = env(&cluster, "flat", vec![storage_entry("datastore-1", None)]).await;
        cluster.create(&plans(), "flat", env.plan("p", "cold", json!([{"id": "vm-1001"}]))).await;
        cluster.wait_condition(&plans(), "flat", "p", "Ready").await;
        let before = cluster.sim.stats().total;
        let api = cluster.api(&plans(), "flat");
        let rv = api.get("p").await.unwrap().metadata.resource_version.unwrap();
        let params = kube::api::WatchParams::default().fields("metadata.name=p");
        let mut stream = api.watch(&params, &rv).await.unwrap().boxed();
        cluster.create(&migrations(), "flat", env.migration("m", "p")).await;
        let wait = async {
            while let Some(event) = stream.next().await {
                if let kube::api::WatchEvent::Modified(plan) = event.unwrap()
                    && has_condition(&to_json(&plan), "Succeeded")
                {
                    return;
                }
            }
            panic!("the watch ended before the plan succeeded");
        };
        tokio::time::timeout(Duration::from_secs(20), wait).await.expect("plan succeeds");
        cluster.sim.stats().total - before
    }
    let short = requests_for_one_migration(2).await;
    let long = requests_for_one_migration(60).await;
    assert_eq!((short, long), (3, 3), "one get, one watch and one create, however long the migration takes");
}

#[tokio::test]
async fn a_migration_waits_for_its_plan_to_become_ready() {
    let cluster = start().await;
    let env = env(&cluster, "later", vec![storage_entry("datastore-1", None)]).await;
    cluster.create(&migrations(), "later", env.migration("orphan", "no-such-plan")).await;
    let orphan = cluster.wait_condition(&migrations(), "later", "orphan", "PlanNotValid").await;
    assert!(condition(&orphan, "PlanNotValid")["message"].as_str().unwrap().contains("later/no-such-plan"));

    let mut plan = env.plan("plan-later", "cold", json!([{"id": "vm-1001"}]));
    plan["spec"]["map"]["storage"]["name"] = json!("smap-later");
    cluster.create(&plans(), "later", plan).await;
    cluster.wait_condition(&plans(), "later", "plan-later", "StorageMapNotReady").await;
    cluster.create(&migrations(), "later", env.migration("mig-later", "plan-later")).await;
    let waiting = cluster.wait_condition(&migrations(), "later", "mig-later", "PlanNotReady").await;
    assert!(waiting.pointer("/status/started").is_none());

    cluster
        .create(
            &storage_maps(),
            "later",
            json!({"metadata": {"name": "smap-later"}, "spec": {
        "provider": {"source": {"name": "vsphere"}, "destination": {"name": "host"}},
        "map": [storage_entry("datastore-1", None)]}}),
        )
        .await;
    let plan = cluster.wait_plan_done("later", "plan-later").await;
    assert!(has_condition(&plan, "Succeeded"), "{:#}", plan["status"]);
    let migration = cluster.wait_condition(&migrations(), "later", "mig-later", "Succeeded").await;
    assert!(!has_condition(&migration, "PlanNotReady"));
}
