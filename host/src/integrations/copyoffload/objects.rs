//! The Kubernetes objects copy-offload adds to a test: the vendor Secret,
//! StorageMap entries that point at it, and the Provider patch for SSH
//! cloning.

use base64::Engine;
use serde_json::{Value, json};

/// The Opaque Secret the StorageMap's `vsphereXcopyConfig.secretRef` names.
/// Values are base64, as the API stores them; this object holds secrets
/// and is never printed.
pub fn secret_object<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>, name: &str, namespace: &str) -> Value {
    let data: serde_json::Map<String, Value> =
        entries.map(|(key, value)| (key.to_owned(), Value::String(base64::engine::general_purpose::STANDARD.encode(value)))).collect();
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
pub fn storagemap_entry(product: &str, datastore: &str, secret_name: &str, storage_class: &str) -> Value {
    json!({
        "source": { "id": datastore },
        "destination": { "storageClass": storage_class, "volumeMode": "Block" },
        "offloadPlugin": {
            "vsphereXcopyConfig": { "secretRef": secret_name, "storageVendorProduct": product },
        },
    })
}

/// The merge patch that switches a vSphere Provider to SSH cloning.
pub fn provider_patch_ssh() -> Value {
    json!({ "spec": { "settings": { "esxiCloneMethod": "ssh" } } })
}
