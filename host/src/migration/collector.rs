//! The data collector: when a test fails, its Plans, Migrations, Providers
//! and namespace Events are written as YAML for whoever investigates.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cluster::Cluster;
use super::kinds::Kind;
use crate::secrets::redactor;

/// Writes `<dir>/<test>/<kind>.yaml` for each kind; returns the files.
pub async fn dump_namespace(cluster: &Cluster, namespace: &str, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (kind, file) in
        [(Kind::Plan, "plans.yaml"), (Kind::Migration, "migrations.yaml"), (Kind::Provider, "providers.yaml"), (Kind::Event, "events.yaml")]
    {
        let items = cluster.list(kind, Some(namespace)).await.map_err(|e| e.to_string())?;
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items.into_iter().map(strip_managed_fields).collect::<Vec<_>>()});
        let yaml = crate::yaml::to_string(&list).map_err(|e| format!("{kind} as YAML: {e}"))?;
        let path = dir.join(file);
        std::fs::write(&path, redactor().redact(&yaml).as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn strip_managed_fields(mut object: Value) -> Value {
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    object
}

/// A directory name for a test id (`plan::cold-rhel8` → `plan__cold-rhel8`).
pub fn directory_for(test_id: &str) -> String {
    test_id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect()
}
