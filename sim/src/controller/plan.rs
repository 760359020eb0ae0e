//! Plan validation: the conditions that keep a Plan from `Ready` until its providers,
//! maps, VMs and hooks check out.

use serde_json::Value;

use super::conditions::{ADVISORY, CRITICAL, REQUIRED, child, condition, condition_with_items, has_condition, set_conditions, text};
use super::events::{Severity, emit};
use super::maps::provider_condition;
use super::{Ctx, reference};

/// Condition types the validation owns; the migration run owns the others.
const VALIDATION_TYPES: &[&str] = &[
    "Ready",
    "Archived",
    "SourceProviderNotReady",
    "DestinationProviderNotReady",
    "StorageMapNotReady",
    "NetworkMapNotReady",
    "VMNotFound",
    "HookNotValid",
    "HookStepNotValid",
    "VDDKAndOffloadMixedUsage",
];

/// Whether a plan VM names the hook `(ns, name)`.
pub(crate) fn references_hook(plan: &Value, hook: &(String, String)) -> bool {
    let ns = text(plan, "/metadata/namespace");
    plan.pointer("/spec/vms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|vm| vm.get("hooks").and_then(Value::as_array).into_iter().flatten())
        .any(|h| reference(h, "/hook", ns).as_ref() == Some(hook))
}

/// Whether a StorageMap entry uses copy-offload.
pub(crate) fn is_offload(entry: &Value) -> bool {
    entry.pointer("/offloadPlugin/vsphereXcopyConfig").is_some_and(Value::is_object)
}

fn map_condition(ctx: &Ctx, plan: &Value, pointer: &str, storage: bool) -> Option<Value> {
    let ns = text(plan, "/metadata/namespace");
    let (kind, resource, label) = if storage {
        ("StorageMapNotReady", ctx.kinds.storage_maps, "storage")
    } else {
        ("NetworkMapNotReady", ctx.kinds.network_maps, "network")
    };
    let message = match reference(plan, pointer, ns) {
        None => format!("The {label} map is not set."),
        Some((m_ns, m_name)) => match ctx.store.get(resource, &m_ns, &m_name) {
            None => format!("The {label} map {m_ns}/{m_name} was not found."),
            Some(map) if !has_condition(&map, "Ready") => format!("The {label} map {m_ns}/{m_name} is not ready."),
            Some(_) => return None,
        },
    };
    Some(condition(kind, CRITICAL, "NotReady", &message))
}

fn evaluate(ctx: &Ctx, plan: &Value) -> Vec<Value> {
    let ns = text(plan, "/metadata/namespace");
    let mut problems: Vec<Value> = Vec::new();
    if let Err(c) = provider_condition(ctx, plan, "/spec/provider/source", "Source") {
        problems.push(c);
    }
    if let Err(c) = provider_condition(ctx, plan, "/spec/provider/destination", "Destination") {
        problems.push(c);
    }
    problems.extend(map_condition(ctx, plan, "/spec/map/storage", true));
    problems.extend(map_condition(ctx, plan, "/spec/map/network", false));

    let vms = plan.pointer("/spec/vms").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut not_found = Vec::new();
    let mut bad_hooks = Vec::new();
    let mut bad_steps = Vec::new();
    for (i, vm) in vms.iter().enumerate() {
        let id = text(vm, "/id");
        let name = text(vm, "/name");
        let found = [id, name].iter().any(|key| !key.is_empty() && ctx.inventory.vm(key).is_some());
        if !found {
            not_found.push(if id.is_empty() { format!("name:{name}") } else { format!("id:{id}") });
        }
        for (j, hook) in vm.get("hooks").and_then(Value::as_array).into_iter().flatten().enumerate() {
            match reference(hook, "/hook", ns) {
                Some((h_ns, h_name)) if ctx.store.get(ctx.kinds.hooks, &h_ns, &h_name).is_some() => {}
                Some((h_ns, h_name)) => bad_hooks.push(format!("{h_ns}/{h_name}")),
                None => bad_hooks.push(format!("spec.vms[{i}].hooks[{j}].hook")),
            }
            let step = text(hook, "/step");
            if !matches!(step, "PreHook" | "PostHook") {
                bad_steps.push(format!("spec.vms[{i}].hooks[{j}].step {step:?}"));
            }
        }
    }
    if !not_found.is_empty() {
        problems.push(condition_with_items("VMNotFound", CRITICAL, "NotFound", "VMs not found in the source inventory.", &not_found));
    }
    if !bad_hooks.is_empty() {
        problems.push(condition_with_items("HookNotValid", CRITICAL, "NotFound", "Hooks not found.", &bad_hooks));
    }
    if !bad_steps.is_empty() {
        problems.push(condition_with_items(
            "HookStepNotValid",
            CRITICAL,
            "NotValid",
            "Hook steps must be PreHook or PostHook.",
            &bad_steps,
        ));
    }
    if let Some((m_ns, m_name)) = reference(plan, "/spec/map/storage", ns)
        && let Some(map) = ctx.store.get(ctx.kinds.storage_maps, &m_ns, &m_name)
    {
        let entries = map.pointer("/spec/map").and_then(Value::as_array).cloned().unwrap_or_default();
        let offloaded = entries.iter().filter(|e| is_offload(e)).count();
        if offloaded > 0 && offloaded < entries.len() {
            problems.push(condition(
                "VDDKAndOffloadMixedUsage",
                CRITICAL,
                "NotValid",
                "The storage map mixes copy-offload and VDDK (non-offload) mappings; a plan cannot use both.",
            ));
        }
    }
    if problems.is_empty() {
        problems.push(condition("Ready", REQUIRED, "Completed", "The migration plan is ready."));
    }
    if plan.pointer("/spec/archived").and_then(Value::as_bool) == Some(true) {
        problems.push(condition("Archived", ADVISORY, "Completed", "The migration plan has been archived."));
    }
    problems
}

pub(crate) fn reconcile(ctx: &Ctx, ns: &str, name: &str) {
    let Some(plan) = ctx.store.get(ctx.kinds.plans, ns, name) else { return };
    let desired = evaluate(ctx, &plan);
    let was_ready = has_condition(&plan, "Ready");
    let updated = ctx.store.update(ctx.kinds.plans, ns, name, |current| {
        let mut next = (**current).clone();
        let generation = next["metadata"]["generation"].clone();
        let status = child(&mut next, "status");
        status["observedGeneration"] = generation;
        set_conditions(status, |t| VALIDATION_TYPES.contains(&t), desired);
        Ok(next)
    });
    if let Ok(updated) = updated
        && !was_ready
        && has_condition(&updated, "Ready")
    {
        emit(ctx, &updated, Severity::Normal, "Ready", "The migration plan is ready.");
    }
}
