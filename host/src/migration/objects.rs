//! Every object one migration test creates, built before any cluster call
//! (so `--setup-plan` shows exactly what a run would create).

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::{Value, json};

use super::inventory::{SourceVm, networks_used, storage_entries};
use super::names::{dns_label, resource_name, test_namespace};
use super::source::SourceEndpoint;
use crate::copyoffload::{CopyOffloadPlan, secret_manifest};
use crate::plan::{DiskDatastore, HookResult, TargetPowerState, TestSpec};
use crate::secrets::{REDACTED, ResolvedValue};

const FORKLIFT: &str = "forklift.konveyor.io/v1beta1";
/// The image Forklift runs local hooks with.
const HOOK_IMAGE: &str = "quay.io/kubev2v/hook-runner";

/// What a run contributes to every test's objects.
pub struct RunInputs<'a> {
    pub storage_class: &'a str,
    pub source: &'a SourceEndpoint,
    /// StorageMap sources for tests without copy-offload; empty: one per
    /// datastore the test's VMs use, from the Forklift inventory.
    pub source_storages: &'a [String],
    /// NetworkMap sources: the first maps to the pod network, the others
    /// to a NetworkAttachmentDefinition each; empty: the networks the test's
    /// VMs use, from the Forklift inventory.
    pub source_networks: &'a [String],
}

/// The objects of one test, in creation order. Its Secrets hold real
/// values, so `Debug` shows kinds and names only.
#[derive(Clone)]
pub struct Blueprint {
    pub namespace: Value,
    pub destination_provider: Value,
    pub source_secret: Value,
    pub source_provider: Value,
    pub copyoffload_secret: Option<Value>,
    /// Merge patch for the source Provider (copy-offload over SSH).
    pub provider_patch: Option<Value>,
    pub storage_map: Value,
    pub network_attachments: Vec<Value>,
    pub network_map: Value,
    pub hooks: Vec<Value>,
    pub plan: Value,
    pub migration: Value,
    /// The StorageMap's entries come from the inventory, with this storage class.
    pub storage_from_inventory: Option<String>,
    /// The NetworkMap's entries (and NADs) come from the inventory.
    pub networks_from_inventory: bool,
}

/// `metadata.name` of a manifest.
pub fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

fn reference(object: &Value) -> Value {
    json!({"name": object["metadata"]["name"], "namespace": object["metadata"]["namespace"]})
}

fn meta(name: String, namespace: &str) -> Value {
    json!({"name": name, "namespace": namespace})
}

impl Blueprint {
    pub fn build(spec: &TestSpec, run: &RunInputs<'_>, copyoffload: Option<&CopyOffloadPlan>) -> Self {
        let ns = test_namespace();
        let namespace = json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
        });
        let destination_provider = json!({
            "apiVersion": FORKLIFT,
            "kind": "Provider",
            "metadata": meta(resource_name("host"), &ns),
            "spec": {"type": "openshift", "url": "", "secret": {}},
        });
        let source = run.source;
        let source_secret = opaque_secret(resource_name(&format!("{}-secret", source.profile)), &ns, &source.secret);
        let mut source_spec = json!({
            "type": source.provider_type,
            "url": source.url,
            "secret": reference(&source_secret),
        });
        if !source.settings.is_empty() {
            source_spec["settings"] = Value::Object(source.settings.clone());
        }
        let source_provider = json!({
            "apiVersion": FORKLIFT,
            "kind": "Provider",
            "metadata": meta(resource_name(&source.profile), &ns),
            "spec": source_spec,
        });
        let provider_refs = json!({"source": reference(&source_provider), "destination": reference(&destination_provider)});

        let copyoffload_secret =
            copyoffload.map(|plan| secret_manifest(plan, &resource_name(&format!("{}-copyoffload", plan.product)), &ns));
        let storage_entries = match (copyoffload, &copyoffload_secret) {
            (Some(plan), Some(secret)) => {
                let disks = || spec.virtual_machines.iter().flat_map(|vm| &vm.add_disks);
                let secondary = disks().any(|d| d.datastore == DiskDatastore::Secondary);
                let non_xcopy = disks().any(|d| d.datastore == DiskDatastore::NonXcopy);
                plan.storagemap_entries(name_of(secret), run.storage_class, secondary, non_xcopy)
            }
            _ if run.source_storages.is_empty() => Vec::new(),
            _ => run
                .source_storages
                .iter()
                .map(|id| json!({"source": {"id": id}, "destination": {"storageClass": run.storage_class}}))
                .collect(),
        };
        let storage_map = json!({
            "apiVersion": FORKLIFT,
            "kind": "StorageMap",
            "metadata": meta(resource_name(&format!("{}-storagemap", spec.name)), &ns),
            "spec": {"provider": provider_refs, "map": storage_entries},
        });

        let (network_attachments, network_entries) = network_objects(run.source_networks, &ns);
        let network_map = json!({
            "apiVersion": FORKLIFT,
            "kind": "NetworkMap",
            "metadata": meta(resource_name(&format!("{}-networkmap", spec.name)), &ns),
            "spec": {"provider": provider_refs, "map": network_entries},
        });

        let hooks: Vec<(&str, Value)> = [("PreHook", &spec.pre_hook), ("PostHook", &spec.post_hook)]
            .into_iter()
            .filter_map(|(step, hook)| hook.as_ref().map(|hook| (step, hook_manifest(&spec.name, step, hook.expected_result, &ns))))
            .collect();
        let migration_type = if spec.warm_migration { "warm" } else { "cold" };
        let vms: Vec<Value> = spec
            .virtual_machines
            .iter()
            .map(|vm| {
                let mut entry = json!({"name": vm.name});
                if !hooks.is_empty() {
                    entry["hooks"] = hooks.iter().map(|(step, hook)| json!({"hook": reference(hook), "step": step})).collect();
                }
                if let Some(power) = vm.target_power_state {
                    entry["targetPowerState"] = json!(power_text(power));
                }
                entry
            })
            .collect();
        let mut plan_spec = json!({
            "provider": provider_refs,
            "map": {"network": reference(&network_map), "storage": reference(&storage_map)},
            "targetNamespace": ns,
            "type": migration_type,
            "vms": vms,
        });
        let pvc_template = spec.pvc_name_template.clone().or_else(|| copyoffload.map(|_| "pvc".to_owned()));
        if let Some(template) = pvc_template {
            plan_spec["pvcNameTemplate"] = json!(template);
        }
        if let Some(power) = spec.target_power_state {
            plan_spec["targetPowerState"] = json!(power_text(power));
        }
        if spec.preserve_static_ips {
            plan_spec["preserveStaticIPs"] = json!(true);
        }
        let plan = json!({
            "apiVersion": FORKLIFT,
            "kind": "Plan",
            "metadata": meta(resource_name(&format!("{}-{migration_type}", spec.name)), &ns),
            "spec": plan_spec,
        });
        let mut migration_spec = json!({"plan": reference(&plan)});
        if spec.warm_migration {
            migration_spec["cutover"] = json!(cutover_now());
        }
        let migration = json!({
            "apiVersion": FORKLIFT,
            "kind": "Migration",
            "metadata": meta(resource_name(&format!("{}-{migration_type}", spec.name)), &ns),
            "spec": migration_spec,
        });
        Self {
            namespace,
            destination_provider,
            source_secret,
            source_provider,
            copyoffload_secret,
            provider_patch: copyoffload.and_then(|plan| plan.provider_patch.clone()),
            storage_map,
            network_attachments,
            network_map,
            hooks: hooks.into_iter().map(|(_, hook)| hook).collect(),
            plan,
            migration,
            storage_from_inventory: (copyoffload.is_none() && run.source_storages.is_empty()).then(|| run.storage_class.to_owned()),
            networks_from_inventory: run.source_networks.is_empty(),
        }
    }

    /// This blueprint with the source VMs as the Forklift inventory knows
    /// them: their ids in the Plan (a VM the inventory lacks keeps its name,
    /// for Forklift to report), and the maps it derives from their disks and NICs.
    pub fn with_inventory(&self, vms: &[SourceVm]) -> Blueprint {
        let mut resolved = self.clone();
        if let Some(entries) = resolved.plan["spec"]["vms"].as_array_mut() {
            for entry in entries {
                if let Some(vm) = vms.iter().find(|vm| entry["name"] == vm.name.as_str())
                    && let Some(fields) = entry.as_object_mut()
                {
                    fields.remove("name");
                    fields.insert("id".to_owned(), json!(vm.id));
                }
            }
        }
        if let Some(storage_class) = &self.storage_from_inventory {
            resolved.storage_map["spec"]["map"] = json!(storage_entries(vms, storage_class));
        }
        if self.networks_from_inventory {
            let (attachments, entries) = network_objects(&networks_used(vms), self.namespace_name());
            resolved.network_attachments = attachments;
            resolved.network_map["spec"]["map"] = json!(entries);
        }
        resolved
    }

    pub fn namespace_name(&self) -> &str {
        name_of(&self.namespace)
    }

    /// Every object in creation order (the Provider patch is not an
    /// object; see [`Blueprint::provider_patch`]).
    pub fn manifests(&self) -> Vec<&Value> {
        let mut all = vec![&self.namespace, &self.destination_provider, &self.source_secret, &self.source_provider];
        all.extend(&self.copyoffload_secret);
        all.push(&self.storage_map);
        all.extend(&self.network_attachments);
        all.push(&self.network_map);
        all.extend(&self.hooks);
        all.push(&self.plan);
        all.push(&self.migration);
        all
    }
}

/// The NetworkAttachmentDefinitions and NetworkMap entries for `networks`:
/// the first maps to the pod network, each other one to a NAD of its own.
fn network_objects(networks: &[String], ns: &str) -> (Vec<Value>, Vec<Value>) {
    let attachments: Vec<Value> = networks
        .iter()
        .skip(1)
        .map(|network| {
            let name = resource_name(&format!("nad-{network}"));
            let config = json!({"cniVersion": "0.3.1", "name": name, "type": "bridge", "bridge": "br1"});
            json!({
                "apiVersion": "k8s.cni.cncf.io/v1",
                "kind": "NetworkAttachmentDefinition",
                "metadata": meta(name, ns),
                "spec": {"config": config.to_string()},
            })
        })
        .collect();
    let entries = networks
        .iter()
        .enumerate()
        .map(|(index, network)| match index {
            0 => json!({"source": {"id": network}, "destination": {"type": "pod"}}),
            _ => json!({
                "source": {"id": network},
                "destination": {"type": "multus", "name": name_of(&attachments[index - 1]), "namespace": ns},
            }),
        })
        .collect();
    (attachments, entries)
}

impl std::fmt::Debug for Blueprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.manifests().iter().map(|m| format!("{}/{}", m["kind"].as_str().unwrap_or("?"), name_of(m))).collect();
        f.debug_struct("Blueprint").field("objects", &names).finish()
    }
}

/// The current time as the Migration's `cutover`: a warm migration copies
/// once, then cuts over.
pub fn cutover_now() -> String {
    format!("{:.0}", jiff::Timestamp::now())
}

fn power_text(power: TargetPowerState) -> &'static str {
    match power {
        TargetPowerState::On => "on",
        TargetPowerState::Off => "off",
        TargetPowerState::Auto => "auto",
    }
}

fn opaque_secret(name: String, namespace: &str, data: &BTreeMap<String, ResolvedValue>) -> Value {
    let encoded: serde_json::Map<String, Value> =
        data.iter().map(|(key, value)| (key.clone(), json!(base64::engine::general_purpose::STANDARD.encode(value.expose())))).collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": meta(name, namespace),
        "data": encoded,
    })
}

/// A local hook whose playbook succeeds, or fails on purpose with
/// `ansible.builtin.fail`.
fn hook_manifest(test: &str, step: &str, expected: HookResult, namespace: &str) -> Value {
    let task = match expected {
        HookResult::Succeed => "    - name: hook succeeds\n      ansible.builtin.debug:\n        msg: hook ran\n",
        HookResult::Fail => "    - name: hook fails on purpose\n      ansible.builtin.fail:\n        msg: this hook is expected to fail\n",
    };
    let playbook = format!("- hosts: localhost\n  tasks:\n{task}");
    json!({
        "apiVersion": FORKLIFT,
        "kind": "Hook",
        "metadata": meta(resource_name(&format!("{test}-{}", dns_label(step))), namespace),
        "spec": {"image": HOOK_IMAGE, "playbook": base64::engine::general_purpose::STANDARD.encode(playbook)},
    })
}

/// A manifest fit to print: Secret values replaced by `[REDACTED]`.
pub fn display_manifest(object: &Value) -> Value {
    let mut shown = object.clone();
    if shown["kind"] == "Secret" {
        for field in ["data", "stringData"] {
            if let Some(values) = shown.get_mut(field).and_then(Value::as_object_mut) {
                values.values_mut().for_each(|value| *value = json!(REDACTED));
            }
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::TestPlan;

    fn spec(text: &str) -> TestSpec {
        TestPlan::parse(text, "plan.toml").expect("plan").tests()[0].clone()
    }

    fn source() -> SourceEndpoint {
        let secret = BTreeMap::from([("url".to_owned(), ResolvedValue::Plain("https://vc/sdk".into()))]);
        SourceEndpoint {
            profile: "vsphere-8".into(),
            provider_type: "vsphere".into(),
            url: "https://vc/sdk".into(),
            secret,
            settings: Default::default(),
        }
    }

    #[test]
    fn a_warm_test_with_hooks_and_two_networks() {
        let spec = spec(
            "[[tests]]\nname = \"warm-hooked\"\nwarm_migration = true\nvirtual_machines = [{ name = \"vm1\" }]\n\
             pre_hook = { expected_result = \"fail\" }\nexpected_migration_result = \"failed\"\n",
        );
        let source = source();
        let networks = ["net-a".to_owned(), "net-b".to_owned()];
        let inputs = RunInputs { storage_class: "sc", source: &source, source_storages: &["ds-1".to_owned()], source_networks: &networks };
        let bp = Blueprint::build(&spec, &inputs, None);
        let ns = bp.namespace_name();
        assert_eq!(bp.namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
        assert_eq!(bp.plan["spec"]["type"], "warm");
        assert!(name_of(&bp.plan).starts_with("warm-hooked-warm-"));
        assert!(bp.migration["spec"]["cutover"].is_string(), "warm migrations cut over now");
        assert_eq!(bp.plan["spec"]["vms"][0]["hooks"][0]["step"], "PreHook");
        let playbook = base64::engine::general_purpose::STANDARD.decode(bp.hooks[0]["spec"]["playbook"].as_str().unwrap()).unwrap();
        assert!(String::from_utf8(playbook).unwrap().contains("ansible.builtin.fail"));
        assert_eq!(bp.network_map["spec"]["map"][0]["destination"]["type"], "pod");
        assert_eq!(bp.network_map["spec"]["map"][1]["destination"]["name"], name_of(&bp.network_attachments[0]));
        assert_eq!(bp.storage_map["spec"]["map"][0]["source"]["id"], "ds-1");
        assert!(bp.manifests().iter().all(|m| m["metadata"]["namespace"] == ns || m["kind"] == "Namespace"));
        assert!(bp.manifests().iter().all(|m| name_of(m).len() <= 63));
    }

    #[test]
    fn every_forklift_object_validates_against_its_crd() {
        let spec = spec(
            "[[tests]]\nname = \"all-options\"\nwarm_migration = true\ntarget_power_state = \"on\"\n\
             pvc_name_template = \"{{.VmName}}-disk\"\npreserve_static_ips = true\n\
             virtual_machines = [{ name = \"vm1\", target_power_state = \"off\" }]\n\
             pre_hook = { expected_result = \"succeed\" }\npost_hook = { expected_result = \"succeed\" }\n",
        );
        let source = source();
        let networks = ["net-a".to_owned(), "net-b".to_owned()];
        let inputs = RunInputs { storage_class: "sc", source: &source, source_storages: &["ds-1".to_owned()], source_networks: &networks };
        let bp = Blueprint::build(&spec, &inputs, None);
        let forklift: Vec<&Value> = bp.manifests().into_iter().filter(|m| forklift_crds::is_forklift(m)).collect();
        assert_eq!(forklift.len(), 8, "two Providers, two maps, two Hooks, the Plan and the Migration");
        for manifest in forklift {
            assert_eq!(forklift_crds::validate(manifest), Ok(()), "{manifest:#}");
        }
        assert_eq!((&bp.plan["spec"]["targetPowerState"], &bp.plan["spec"]["vms"][0]["targetPowerState"]), (&json!("on"), &json!("off")));
    }

    #[test]
    fn displayed_secrets_show_no_values() {
        let shown = display_manifest(&json!({"kind": "Secret", "data": {"password": "cGFzcw=="}, "stringData": {"user": "u"}}));
        assert_eq!(shown["data"]["password"], REDACTED);
        assert_eq!(shown["stringData"]["user"], REDACTED);
    }
}
