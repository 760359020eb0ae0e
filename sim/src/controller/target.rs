//! What a migrated VM becomes on the destination: PVCs for its disks and a
//! `kubevirt.io/v1 VirtualMachine`.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::conditions::text;
use super::plan::is_offload;
use crate::api::meta;
use crate::inventory::{PowerState, SourceVm, VmBehavior};

/// One source disk and where it goes.
#[derive(Debug, Clone)]
pub(crate) struct DiskTarget {
    pub index: usize,
    pub capacity_gib: u64,
    /// Datastore backing the source disk: `xcopy` tells whether the array offloads.
    pub xcopy: bool,
    pub vmdk_path: String,
    pub storage_class: String,
    pub volume_mode: String,
    pub access_mode: String,
    /// `(secretRef, storageVendorProduct)` when the disk's StorageMap entry offloads the copy.
    pub offload: Option<(String, String)>,
}

/// The StorageMap entry for a datastore, by id or name.
fn map_entry<'a>(storage_map: Option<&'a Value>, datastore_id: &str, datastore_name: &str) -> Option<&'a Value> {
    storage_map?.pointer("/spec/map")?.as_array()?.iter().find(|entry| {
        let id = text(entry, "/source/id");
        let name = text(entry, "/source/name");
        (!id.is_empty() && id == datastore_id) || (!name.is_empty() && name == datastore_name)
    })
}

/// The disks of `vm` with their destination, per the plan's StorageMap. A disk whose
/// datastore has no entry takes the first entry's destination and is not offloaded.
pub(crate) fn disks(ctx: &Ctx, vm: &SourceVm, storage_map: Option<&Value>) -> Vec<DiskTarget> {
    let first = storage_map.and_then(|m| m.pointer("/spec/map/0"));
    vm.disks
        .iter()
        .enumerate()
        .map(|(index, disk)| {
            let datastore = ctx.inventory.datastore(&disk.datastore);
            let ds_name = datastore.map_or(disk.datastore.as_str(), |d| d.name.as_str());
            let ds_id = datastore.map_or(disk.datastore.as_str(), |d| d.id.as_str());
            let entry = map_entry(storage_map, ds_id, ds_name);
            let destination = entry.or(first).map(|e| &e["destination"]);
            let field = |key: &str, default: &str| {
                destination.and_then(|d| d.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(default).to_string()
            };
            let suffix = if index == 0 { String::new() } else { format!("_{index}") };
            DiskTarget {
                index,
                capacity_gib: disk.capacity_gib,
                xcopy: datastore.is_some_and(|d| d.xcopy),
                vmdk_path: format!("[{ds_name}] {}/{}{suffix}.vmdk", vm.name, vm.name),
                storage_class: field("storageClass", ""),
                volume_mode: field("volumeMode", "Filesystem"),
                access_mode: field("accessMode", "ReadWriteOnce"),
                offload: entry.filter(|e| is_offload(e)).map(|e| {
                    let config = &e["offloadPlugin"]["vsphereXcopyConfig"];
                    (text(config, "/secretRef").to_string(), text(config, "/storageVendorProduct").to_string())
                }),
            }
        })
        .collect()
}

/// The destination name: the plan VM's `targetName`, else the source name made DNS-1123-valid.
pub(crate) fn target_name(plan_vm: &Value, vm: &SourceVm) -> String {
    match text(plan_vm, "/targetName") {
        "" => meta::dns1123_label(&vm.name),
        explicit => explicit.to_string(),
    }
}

/// `targetPowerState` of the plan VM, else of the plan; `auto`/unset keeps the source state.
pub(crate) fn powered_on(plan: &Value, plan_vm: &Value, vm: &SourceVm) -> bool {
    let wanted = match text(plan_vm, "/targetPowerState") {
        "" => text(plan, "/spec/targetPowerState"),
        v => v,
    };
    match wanted {
        "on" => true,
        "off" => false,
        _ => vm.power_state == PowerState::On,
    }
}

/// Renders a Forklift PVC name template (`{{.VmName}}`, `{{.PlanName}}`, `{{.DiskIndex}}`, `{{.RootDiskIndex}}`).
fn render_pvc_name(template: &str, vm_name: &str, plan_name: &str, disk_index: usize) -> String {
    let mut out = template.to_string();
    for (key, value) in [
        ("VmName", vm_name.to_string()),
        ("PlanName", plan_name.to_string()),
        ("DiskIndex", disk_index.to_string()),
        ("RootDiskIndex", "0".to_string()),
    ] {
        for spelling in [format!("{{{{.{key}}}}}"), format!("{{{{ .{key} }}}}")] {
            out = out.replace(&spelling, &value);
        }
    }
    meta::dns1123_label(&out)
}

/// Everything needed to create the destination objects of one VM.
pub(crate) struct TargetVm<'a> {
    pub plan: &'a Value,
    pub plan_vm: &'a Value,
    pub source: &'a SourceVm,
    pub name: &'a str,
    pub namespace: &'a str,
    pub labels: &'a Value,
    pub disks: &'a [DiskTarget],
    pub network_map: Option<&'a Value>,
}

/// Creates the destination namespace when it does not exist yet, as Forklift does.
pub(crate) fn ensure_namespace(ctx: &Ctx, namespace: &str) -> Result<(), String> {
    if ctx.store.get(ctx.kinds.namespaces, "", namespace).is_some() {
        return Ok(());
    }
    let ns = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": {"kubernetes.io/metadata.name": namespace}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    });
    match ctx.store.create(ctx.kinds.namespaces, ns) {
        Ok(_) => Ok(()),
        Err(e) if e.code == 409 => Ok(()),
        Err(e) => Err(e.message),
    }
}

/// Creates one bound PVC per disk; returns their names.
pub(crate) fn create_pvcs(ctx: &Ctx, target: &TargetVm<'_>) -> Result<Vec<String>, String> {
    let plan_name = text(target.plan, "/metadata/name");
    let template = match text(target.plan_vm, "/pvcNameTemplate") {
        "" => text(target.plan, "/spec/pvcNameTemplate"),
        t => t,
    };
    let use_generate_name = target.plan.pointer("/spec/pvcNameTemplateUseGenerateName").and_then(Value::as_bool) != Some(false);
    let mut names = Vec::new();
    for disk in target.disks {
        let base = if template.is_empty() {
            format!("{}-disk-{}", target.name, disk.index)
        } else {
            render_pvc_name(template, target.name, plan_name, disk.index)
        };
        let mut metadata = json!({"namespace": target.namespace, "labels": target.labels});
        if use_generate_name {
            metadata["generateName"] = json!(format!("{base}-"));
        } else {
            metadata["name"] = json!(base);
        }
        let size = format!("{}Gi", disk.capacity_gib);
        let mut spec = json!({
            "accessModes": [disk.access_mode],
            "volumeMode": disk.volume_mode,
            "resources": {"requests": {"storage": size}},
        });
        if !disk.storage_class.is_empty() {
            spec["storageClassName"] = json!(disk.storage_class);
        }
        let pvc = json!({
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": metadata,
            "spec": spec,
            "status": {"phase": "Bound", "accessModes": [disk.access_mode], "capacity": {"storage": size}},
        });
        let created = ctx.store.create(ctx.kinds.pvcs, pvc).map_err(|e| e.message)?;
        names.push(text(&created, "/metadata/name").to_string());
    }
    Ok(names)
}

/// Interfaces and networks of the VM from its NICs and the NetworkMap.
fn networks(ctx: &Ctx, target: &TargetVm<'_>) -> (Vec<Value>, Vec<Value>) {
    let entries = target.network_map.and_then(|m| m.pointer("/spec/map")).and_then(Value::as_array).cloned().unwrap_or_default();
    let map_ns = target.network_map.map(|m| text(m, "/metadata/namespace")).unwrap_or_default();
    let mut interfaces = Vec::new();
    let mut networks = Vec::new();
    for (i, nic) in target.source.nics.iter().enumerate() {
        let network = ctx.inventory.network(&nic.network);
        let (net_id, net_name) = network.map_or((nic.network.as_str(), nic.network.as_str()), |n| (n.id.as_str(), n.name.as_str()));
        let entry = entries.iter().find(|e| {
            let id = text(e, "/source/id");
            let name = text(e, "/source/name");
            (!id.is_empty() && id == net_id) || (!name.is_empty() && name == net_name)
        });
        let Some(entry) = entry else { continue };
        let name = format!("net-{i}");
        let (binding, network) = match text(entry, "/destination/type") {
            "pod" => (json!({"masquerade": {}}), json!({"name": name, "pod": {}})),
            "multus" => {
                let ns = match text(entry, "/destination/namespace") {
                    "" => map_ns,
                    other => other,
                };
                let nad = format!("{ns}/{}", text(entry, "/destination/name"));
                (json!({"bridge": {}}), json!({"name": name, "multus": {"networkName": nad}}))
            }
            _ => continue,
        };
        let mut interface = json!({"name": name, "model": "virtio"});
        if let (Some(map), Some(b)) = (interface.as_object_mut(), binding.as_object()) {
            map.extend(b.clone());
        }
        if !nic.mac.is_empty() {
            interface["macAddress"] = json!(nic.mac);
        }
        interfaces.push(interface);
        networks.push(network);
    }
    (interfaces, networks)
}

/// Creates the VirtualMachine, its disks backed by `pvcs`.
/// `faults` (the VM's scenario knobs) can change what the destination gets.
pub(crate) fn create_vm(ctx: &Ctx, target: &TargetVm<'_>, pvcs: &[String], faults: &VmBehavior) -> Result<(), String> {
    let running = powered_on(target.plan, target.plan_vm, target.source);
    let (mut interfaces, mut networks) = networks(ctx, target);
    if faults.target_drop_nic == Some(true) {
        interfaces.pop();
        networks.pop();
    }
    let source = target.source;
    let memory_mib = faults.target_memory_mib.unwrap_or(source.memory_mib);
    let release = crate::platform::openshift_version(&ctx.scenario.get());
    let serial = faults.target_serial.clone().unwrap_or_else(|| forklift_crds::vm_serial(&source.uuid(), &release));
    let firmware_kind = faults.target_firmware.as_deref().unwrap_or(&source.firmware);
    let disks: Vec<Value> = pvcs.iter().enumerate().map(|(i, _)| json!({"name": format!("vol-{i}"), "disk": {"bus": "virtio"}})).collect();
    let volumes: Vec<Value> =
        pvcs.iter().enumerate().map(|(i, pvc)| json!({"name": format!("vol-{i}"), "persistentVolumeClaim": {"claimName": pvc}})).collect();
    let mut template_labels: Map<String, Value> = target.labels.as_object().cloned().unwrap_or_default();
    if let Some(extra) = target.plan.pointer("/spec/targetLabels").and_then(Value::as_object) {
        template_labels.extend(extra.clone());
    }
    let bootloader = if firmware_kind == "efi" { json!({"efi": {}}) } else { json!({"bios": {}}) };
    let firmware = json!({"bootloader": bootloader, "serial": serial});
    let mut pod_spec = json!({
        "domain": {
            "cpu": {"sockets": source.sockets(), "cores": source.cores_per_socket.max(1), "threads": 1},
            "memory": {"guest": format!("{memory_mib}Mi")},
            "firmware": firmware,
            "devices": {"disks": disks, "interfaces": interfaces},
        },
        "networks": networks,
        "volumes": volumes,
    });
    if let Some(selector) = target.plan.pointer("/spec/targetNodeSelector").filter(|s| s.is_object()) {
        pod_spec["nodeSelector"] = selector.clone();
    }
    let vm = json!({
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachine",
        "metadata": {
            "name": target.name,
            "namespace": target.namespace,
            "labels": target.labels,
            "annotations": {"forklift.konveyor.io/source-vm-name": target.source.name},
        },
        "spec": {
            "runStrategy": if running { "Always" } else { "Halted" },
            "template": {"metadata": {"labels": template_labels}, "spec": pod_spec},
        },
        "status": super::vm_power::status(running),
    });
    ctx.store.create(ctx.kinds.vms, vm).map(|_| ()).map_err(|e| e.message)
}

/// Removes what a failed VM left on the destination (`deleteVmOnFailMigration`).
pub(crate) fn delete_created(ctx: &Ctx, namespace: &str, vm_name: Option<&str>, pvcs: &[String]) {
    if let Some(name) = vm_name {
        let _ = ctx.store.delete(ctx.kinds.vms, namespace, name);
    }
    for pvc in pvcs {
        let _ = ctx.store.delete(ctx.kinds.pvcs, namespace, pvc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pvc_templates() {
        assert_eq!(render_pvc_name("{{.VmName}}-disk-{{ .DiskIndex }}", "web", "p1", 2), "web-disk-2");
        assert_eq!(render_pvc_name("{{.PlanName}}_{{.VmName}}", "Web", "p1", 0), "p1-web");
        assert_eq!(render_pvc_name("pvc", "web", "p1", 0), "pvc");
    }
}
