//! The Kubernetes objects copy-offload adds to a test: the vendor Secret,
//! StorageMap entries that point at it, and the Provider patch for SSH
//! cloning.

use super::plan::CopyOffloadPlan;
use base64::Engine;
use serde_json::{Value, json};

/// The Opaque Secret the StorageMap's `vsphereXcopyConfig.secretRef` names.
/// Values are base64, as the API stores them; this object holds secrets
/// and is never printed.
pub fn secret_manifest(plan: &CopyOffloadPlan, name: &str, namespace: &str) -> Value {
    let data: serde_json::Map<String, Value> = plan
        .secret
        .iter()
        .map(|entry| (entry.key.clone(), Value::String(base64::engine::general_purpose::STANDARD.encode(entry.value.expose()))))
        .collect();
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": { "name": name, "namespace": namespace },
        "type": "Opaque",
        "data": data,
    })
}

/// One StorageMap `spec.map[]` pair for `datastore`, offloaded through the
/// vendor Secret.
pub fn storagemap_entry(plan: &CopyOffloadPlan, datastore: &str, secret_name: &str, storage_class: &str) -> Value {
    json!({
        "source": { "id": datastore },
        "destination": { "storageClass": storage_class, "volumeMode": "Block" },
        "offloadPlugin": {
            "vsphereXcopyConfig": { "secretRef": secret_name, "storageVendorProduct": plan.product },
        },
    })
}

/// The merge patch that switches a vSphere Provider to SSH cloning.
pub fn provider_patch_ssh() -> Value {
    json!({ "spec": { "settings": { "esxiCloneMethod": "ssh" } } })
}
