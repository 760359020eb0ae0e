//! StorageMap and NetworkMap readiness: their providers are ready, their sources exist
//! in the inventory, and multus destinations exist.

use serde_json::Value;

use super::conditions::{CRITICAL, REQUIRED, child, condition, condition_with_items, has_condition, set_conditions, text};
use super::{Ctx, reference};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    Storage,
    Network,
}

/// A `Ready` provider at `pointer`, or the condition saying why not.
pub(crate) fn provider_condition(ctx: &Ctx, obj: &Value, pointer: &str, role: &str) -> Result<Value, Value> {
    let ns = text(obj, "/metadata/namespace");
    let not_ready = |message: String| condition(&format!("{role}ProviderNotReady"), CRITICAL, "NotReady", &message);
    let Some((p_ns, p_name)) = reference(obj, pointer, ns) else {
        return Err(not_ready(format!("The {} provider is not set.", role.to_lowercase())));
    };
    match ctx.store.get(ctx.kinds.providers, &p_ns, &p_name) {
        Some(provider) if has_condition(&provider, "Ready") => Ok((*provider).clone()),
        Some(_) => Err(not_ready(format!("The {} provider {p_ns}/{p_name} is not ready.", role.to_lowercase()))),
        None => Err(not_ready(format!("The {} provider {p_ns}/{p_name} was not found.", role.to_lowercase()))),
    }
}

fn source_known(ctx: &Ctx, kind: MapKind, source: &Value) -> bool {
    let ids = [text(source, "/id"), text(source, "/name")];
    ids.iter().filter(|s| !s.is_empty()).any(|s| match kind {
        MapKind::Storage => ctx.inventory.datastore(s).is_some(),
        MapKind::Network => ctx.inventory.network(s).is_some(),
    })
}

pub(crate) fn reconcile(ctx: &Ctx, kind: MapKind, ns: &str, name: &str) {
    let resource = match kind {
        MapKind::Storage => ctx.kinds.storage_maps,
        MapKind::Network => ctx.kinds.network_maps,
    };
    let Some(map) = ctx.store.get(resource, ns, name) else { return };
    let mut problems = Vec::new();
    let source = provider_condition(ctx, &map, "/spec/provider/source", "Source");
    if let Err(c) = &source {
        problems.push(c.clone());
    }
    if let Err(c) = provider_condition(ctx, &map, "/spec/provider/destination", "Destination") {
        problems.push(c);
    }
    // The inventory describes vSphere-like sources; OpenShift sources name namespaces and networks of a cluster.
    let check_inventory = source.as_ref().is_ok_and(|p| text(p, "/spec/type") != "openshift");
    let entries = map.pointer("/spec/map").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut unknown_sources = Vec::new();
    let mut missing_nads = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let entry_source = &entry["source"];
        let is_pod_source = matches!(text(entry_source, "/type"), "pod" | "multus");
        if check_inventory && !is_pod_source && !source_known(ctx, kind, entry_source) {
            unknown_sources.push(format!("spec.map[{i}].source {}", entry_source));
        }
        if kind == MapKind::Network && text(entry, "/destination/type") == "multus" {
            let nad_ns = match text(entry, "/destination/namespace") {
                "" => ns,
                other => other,
            };
            let nad_name = text(entry, "/destination/name");
            if ctx.store.get(ctx.kinds.nads, nad_ns, nad_name).is_none() {
                missing_nads.push(format!("{nad_ns}/{nad_name}"));
            }
        }
    }
    if !unknown_sources.is_empty() {
        let (kind_name, what) = match kind {
            MapKind::Storage => ("SourceStorageNotValid", "datastores"),
            MapKind::Network => ("SourceNetworkNotValid", "networks"),
        };
        problems.push(condition_with_items(
            kind_name,
            CRITICAL,
            "NotFound",
            &format!("Source {what} not found in the inventory."),
            &unknown_sources,
        ));
    }
    if !missing_nads.is_empty() {
        problems.push(condition_with_items(
            "DestinationNetworkNotValid",
            CRITICAL,
            "NotFound",
            "Destination network attachment definitions not found.",
            &missing_nads,
        ));
    }
    let mut desired = problems;
    if desired.is_empty() {
        desired.push(condition("Ready", REQUIRED, "Completed", "The map is ready."));
    }
    let _ = ctx.store.update(resource, ns, name, |current| {
        let mut next = (**current).clone();
        let generation = next["metadata"]["generation"].clone();
        let status = child(&mut next, "status");
        status["observedGeneration"] = generation;
        set_conditions(status, |_| true, desired);
        Ok(next)
    });
}
