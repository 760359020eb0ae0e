//! KubeVirt's power calls on a VirtualMachine (`subresources.kubevirt.io/v1`
//! `virtualmachines/<name>/start|stop|restart`) and what they do: the VM's
//! `spec.runStrategy` (or `spec.running` when it has no strategy), its
//! VirtualMachineInstance created or removed, and its status. A running VM's
//! status has `ready: true`; a stopped one has no `ready` (and no `created`)
//! at all, as on a cluster, so clients waiting for `ready` to be absent work.

use serde_json::{Value, json};

use super::conditions::text;
use crate::api::errors::ApiError;
use crate::api::resources::{self, KUBEVIRT};
use crate::store::Store;

/// A power call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PowerAction {
    Start,
    Stop,
    Restart,
}

impl PowerAction {
    pub fn parse(text: &str) -> Option<PowerAction> {
        match text {
            "start" => Some(PowerAction::Start),
            "stop" => Some(PowerAction::Stop),
            "restart" => Some(PowerAction::Restart),
            _ => None,
        }
    }
}

/// The status of a VM that runs, or of one that is stopped.
pub(crate) fn status(running: bool) -> Value {
    let now = crate::time::now_rfc3339();
    if running {
        json!({
            "created": true,
            "ready": true,
            "printableStatus": "Running",
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}],
        })
    } else {
        json!({
            "printableStatus": "Stopped",
            "conditions": [{"type": "Ready", "status": "False", "reason": "VMINotExists", "message": "VMI does not exist",
                            "lastProbeTime": null, "lastTransitionTime": now}],
        })
    }
}

/// Whether the VM's spec asks for it to run.
fn wants_running(vm: &Value) -> bool {
    match vm.pointer("/spec/runStrategy").and_then(Value::as_str) {
        Some(strategy) => matches!(strategy, "Always" | "RerunOnFailure"),
        None => vm.pointer("/spec/running").and_then(Value::as_bool) == Some(true),
    }
}

fn conflict(name: &str, message: &str) -> ApiError {
    ApiError::new(409, "Conflict", format!("Operation cannot be fulfilled on virtualmachine.kubevirt.io \"{name}\": {message}"))
}

/// Runs `action` on VM `namespace/name`.
pub(crate) fn act(store: &Store, namespace: &str, name: &str, action: PowerAction) -> Result<(), ApiError> {
    let vms = resources::get(KUBEVIRT, "virtualmachines");
    let vmis = resources::get(KUBEVIRT, "virtualmachineinstances");
    let vm = store.get(vms, namespace, name).ok_or_else(|| ApiError::not_found(&vms.subject(name)))?;
    let running = wants_running(&vm);
    match action {
        PowerAction::Start if running => return Err(conflict(name, "VM is already running")),
        PowerAction::Stop | PowerAction::Restart if !running => return Err(conflict(name, "VM is not running")),
        _ => {}
    }
    let run = action != PowerAction::Stop;
    let updated = store.update(vms, namespace, name, |current| {
        let mut next = current.as_ref().clone();
        if next.pointer("/spec/runStrategy").is_some() {
            next["spec"]["runStrategy"] = json!(if run { "Always" } else { "Halted" });
        } else {
            next["spec"]["running"] = json!(run);
        }
        next["status"] = status(run);
        Ok(next)
    })?;
    match store.delete(vmis, namespace, name) {
        Ok(_) => {}
        Err(e) if e.code == 404 => {}
        Err(e) => return Err(e),
    }
    if run {
        store.create(vmis, instance_of(&updated))?;
    }
    Ok(())
}

/// The VirtualMachineInstance a running VM has: its template's spec, owned by
/// the VM, `Running` with one address per interface.
pub(crate) fn instance_of(vm: &Value) -> Value {
    let template = vm.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
    let interfaces: Vec<Value> = template
        .pointer("/spec/domain/devices/interfaces")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .enumerate()
                .map(|(i, nic)| {
                    json!({"name": nic["name"], "mac": nic["macAddress"], "interfaceName": format!("eth{i}"),
                           "ipAddress": format!("10.128.2.{}", 10 + i), "infoSource": "domain, guest-agent"})
                })
                .collect()
        })
        .unwrap_or_default();
    let mut labels = template.pointer("/metadata/labels").cloned().unwrap_or_else(|| json!({}));
    labels["kubevirt.io/nodeName"] = json!("worker-0");
    json!({
        "apiVersion": "kubevirt.io/v1",
        "kind": "VirtualMachineInstance",
        "metadata": {
            "name": text(vm, "/metadata/name"),
            "namespace": text(vm, "/metadata/namespace"),
            "labels": labels,
            "ownerReferences": [{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": text(vm, "/metadata/name"),
                                 "uid": text(vm, "/metadata/uid"), "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
        "status": {
            "phase": "Running",
            "nodeName": "worker-0",
            "interfaces": interfaces,
            "conditions": [{"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": crate::time::now_rfc3339()}],
        },
    })
}
