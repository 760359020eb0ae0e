//! The fake Forklift controller. It follows the store's change feed (no polling),
//! reconciles Providers, maps and Plans into Forklift's condition shapes, and runs
//! Migrations through their per-VM pipelines.

mod conditions;
mod copyoffload;
mod events;
mod hooks;
mod maps;
mod migration;
mod plan;
mod provider;
mod target;
mod vm_power;

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::resources::{self, CNI, CORE, FORKLIFT, KUBEVIRT, ResourceDef};
use crate::inventory::Inventory;
use crate::scenario::ScenarioHandle;
use crate::store::{Change, ChangeType, Object, Store};
use conditions::has_condition;
pub(crate) use conditions::text;
pub(crate) use hooks::RESULT_ANNOTATION as HOOK_RESULT_ANNOTATION;
pub(crate) use vm_power::{PowerAction, act as power_vm};

/// The resource types the controller reads and writes.
pub(crate) struct Kinds {
    pub namespaces: &'static ResourceDef,
    pub secrets: &'static ResourceDef,
    pub events: &'static ResourceDef,
    pub pvcs: &'static ResourceDef,
    pub providers: &'static ResourceDef,
    pub storage_maps: &'static ResourceDef,
    pub network_maps: &'static ResourceDef,
    pub plans: &'static ResourceDef,
    pub migrations: &'static ResourceDef,
    pub hooks: &'static ResourceDef,
    pub populators: &'static ResourceDef,
    pub nads: &'static ResourceDef,
    pub vms: &'static ResourceDef,
}

impl Kinds {
    fn new() -> Kinds {
        Kinds {
            namespaces: resources::get(CORE, "namespaces"),
            secrets: resources::get(CORE, "secrets"),
            events: resources::get(CORE, "events"),
            pvcs: resources::get(CORE, "persistentvolumeclaims"),
            providers: resources::get(FORKLIFT, "providers"),
            storage_maps: resources::get(FORKLIFT, "storagemaps"),
            network_maps: resources::get(FORKLIFT, "networkmaps"),
            plans: resources::get(FORKLIFT, "plans"),
            migrations: resources::get(FORKLIFT, "migrations"),
            hooks: resources::get(FORKLIFT, "hooks"),
            populators: resources::get(FORKLIFT, "vspherexcopyvolumepopulators"),
            nads: resources::get(CNI, "network-attachment-definitions"),
            vms: resources::get(KUBEVIRT, "virtualmachines"),
        }
    }
}

/// What every reconciler and migration run shares.
pub(crate) struct Ctx {
    pub store: Arc<Store>,
    pub scenario: ScenarioHandle,
    pub inventory: Arc<Inventory>,
    pub kinds: Kinds,
    pub shutdown: CancellationToken,
}

impl Ctx {
    pub fn new(store: Arc<Store>, scenario: ScenarioHandle, inventory: Arc<Inventory>, shutdown: CancellationToken) -> Ctx {
        Ctx { store, scenario, inventory, kinds: Kinds::new(), shutdown }
    }
}

/// `(namespace, name)` of an object reference, the namespace defaulting to `default_ns`.
pub(crate) fn reference(obj: &Value, pointer: &str, default_ns: &str) -> Option<(String, String)> {
    let r = obj.pointer(pointer)?;
    let name = r.get("name").and_then(Value::as_str).filter(|n| !n.is_empty())?;
    let ns = r.get("namespace").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or(default_ns);
    Some((ns.to_string(), name.to_string()))
}

fn key_of(obj: &Value) -> (String, String) {
    (text(obj, "/metadata/namespace").to_string(), text(obj, "/metadata/name").to_string())
}

/// Makes the Plan the Migration's owner (`metadata.ownerReferences`), as
/// Forklift does, so clients find a Plan's Migrations by owner.
fn set_owner(ctx: &Ctx, ns: &str, name: &str, plan: &Value) {
    let plan_uid = text(plan, "/metadata/uid");
    let owner = serde_json::json!({
        "apiVersion": "forklift.konveyor.io/v1beta1",
        "kind": "Plan",
        "name": text(plan, "/metadata/name"),
        "uid": plan_uid,
        "blockOwnerDeletion": true,
    });
    let result = ctx.store.update(ctx.kinds.migrations, ns, name, |current| {
        let mut next = current.as_ref().clone();
        let refs = next["metadata"]["ownerReferences"].as_array().cloned().unwrap_or_default();
        if !refs.iter().any(|r| r["uid"] == plan_uid) {
            let mut refs = refs;
            refs.push(owner);
            next["metadata"]["ownerReferences"] = Value::Array(refs);
        }
        Ok(next)
    });
    if let Err(e) = result {
        tracing::debug!(migration = name, error = %e.message, "cannot set the migration's owner");
    }
}

/// A migration being executed.
struct Running {
    plan: (String, String),
    /// Latest Migration object, for the run to see cancel lists and cutover changes.
    /// Dropping it tells the run its Migration is gone.
    updates: watch::Sender<Object>,
}

struct Controller {
    ctx: Arc<Ctx>,
    running: HashMap<String, Running>,
}

/// Starts the controller on the current runtime.
pub(crate) fn spawn(ctx: Arc<Ctx>) -> JoinHandle<()> {
    let mut feed = ctx.store.subscribe();
    let mut knobs = ctx.scenario.subscribe();
    tokio::spawn(async move {
        let mut controller = Controller { ctx: ctx.clone(), running: HashMap::new() };
        controller.resync();
        loop {
            tokio::select! {
                () = ctx.shutdown.cancelled() => break,
                changed = knobs.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    // Unreachable URLs or the operator's health may have changed.
                    controller.reconcile_all(ctx.kinds.providers);
                    crate::platform::reconcile(&ctx.store, &ctx.scenario);
                }
                received = feed.recv() => match received {
                    Ok(change) => controller.handle(&change),
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::debug!(missed, "controller fell behind the change feed; resyncing");
                        controller.resync();
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    })
}

/// Whether a change touched the spec (a new object, or a generation bump).
fn spec_changed(change: &Change) -> bool {
    match (&change.change, &change.previous) {
        (ChangeType::Added, _) => true,
        (ChangeType::Modified, Some(previous)) => previous["metadata"]["generation"] != change.object["metadata"]["generation"],
        _ => false,
    }
}

/// Ready, and not executing another migration.
fn plan_available(plan: &Value) -> bool {
    has_condition(plan, "Ready") && !has_condition(plan, "Executing")
}

impl Controller {
    fn resync(&mut self) {
        let kinds = &self.ctx.kinds;
        for resource in [kinds.providers, kinds.storage_maps, kinds.network_maps, kinds.plans] {
            self.reconcile_all(resource);
        }
        let (migrations, _) = self.ctx.store.list(kinds.migrations, None);
        for migration in migrations {
            self.try_start(&migration);
        }
    }

    fn reconcile_all(&self, resource: &'static ResourceDef) {
        let (objects, _) = self.ctx.store.list(resource, None);
        for obj in objects {
            let (ns, name) = key_of(&obj);
            self.reconcile(resource, &ns, &name);
        }
    }

    fn reconcile(&self, resource: &'static ResourceDef, ns: &str, name: &str) {
        let kinds = &self.ctx.kinds;
        if std::ptr::eq(resource, kinds.providers) {
            provider::reconcile(&self.ctx, ns, name);
        } else if std::ptr::eq(resource, kinds.storage_maps) {
            maps::reconcile(&self.ctx, maps::MapKind::Storage, ns, name);
        } else if std::ptr::eq(resource, kinds.network_maps) {
            maps::reconcile(&self.ctx, maps::MapKind::Network, ns, name);
        } else if std::ptr::eq(resource, kinds.plans) {
            plan::reconcile(&self.ctx, ns, name);
        }
    }

    /// Reconciles every object of `resource` whose reference at one of `pointers`
    /// names `(ns, name)`.
    fn reconcile_referrers(&self, resource: &'static ResourceDef, pointers: &[&str], target: &(String, String)) {
        let (objects, _) = self.ctx.store.list(resource, None);
        for obj in objects {
            let (own_ns, own_name) = key_of(&obj);
            if pointers.iter().any(|p| reference(&obj, p, &own_ns).as_ref() == Some(target)) {
                self.reconcile(resource, &own_ns, &own_name);
            }
        }
    }

    fn handle(&mut self, change: &Arc<Change>) {
        let kinds = &self.ctx.kinds;
        let target = (change.namespace.clone(), change.name.clone());
        let resource = change.resource;
        if std::ptr::eq(resource, kinds.secrets) {
            self.reconcile_referrers(kinds.providers, &["/spec/secret"], &target);
        } else if std::ptr::eq(resource, kinds.providers) {
            if spec_changed(change) {
                provider::reconcile(&self.ctx, &change.namespace, &change.name);
            }
            let provider_refs = ["/spec/provider/source", "/spec/provider/destination"];
            self.reconcile_referrers(kinds.storage_maps, &provider_refs, &target);
            self.reconcile_referrers(kinds.network_maps, &provider_refs, &target);
            self.reconcile_referrers(kinds.plans, &provider_refs, &target);
        } else if std::ptr::eq(resource, kinds.storage_maps) || std::ptr::eq(resource, kinds.network_maps) {
            if spec_changed(change) {
                self.reconcile(resource, &change.namespace, &change.name);
            }
            let pointer = if std::ptr::eq(resource, kinds.storage_maps) { "/spec/map/storage" } else { "/spec/map/network" };
            self.reconcile_referrers(kinds.plans, &[pointer], &target);
        } else if std::ptr::eq(resource, kinds.nads) {
            self.reconcile_all(kinds.network_maps);
        } else if std::ptr::eq(resource, kinds.hooks) {
            let (plans, _) = self.ctx.store.list(kinds.plans, None);
            for plan in plans.iter().filter(|p| plan::references_hook(p, &target)) {
                let (ns, name) = key_of(plan);
                plan::reconcile(&self.ctx, &ns, &name);
            }
        } else if std::ptr::eq(resource, kinds.plans) {
            if spec_changed(change) {
                plan::reconcile(&self.ctx, &change.namespace, &change.name);
            }
            let was_available = change.previous.as_ref().is_some_and(|p| plan_available(p));
            if change.change != ChangeType::Deleted && plan_available(&change.object) && !was_available {
                self.start_waiting_migrations(&target);
            }
        } else if std::ptr::eq(resource, kinds.migrations) {
            self.running.retain(|_, run| !run.updates.is_closed());
            let uid = text(&change.object, "/metadata/uid").to_string();
            match change.change {
                ChangeType::Deleted => {
                    self.running.remove(&uid);
                }
                _ => match self.running.get(&uid) {
                    // Runs follow spec changes (cancel lists, cutover), not their own status writes.
                    Some(run) => {
                        if spec_changed(change) {
                            run.updates.send_replace(change.object.clone());
                        }
                    }
                    None => self.try_start(&change.object),
                },
            }
        }
    }

    fn start_waiting_migrations(&mut self, plan: &(String, String)) {
        let (migrations, _) = self.ctx.store.list(self.ctx.kinds.migrations, None);
        for migration in migrations {
            let (ns, _) = key_of(&migration);
            if reference(&migration, "/spec/plan", &ns).as_ref() == Some(plan) {
                self.try_start(&migration);
            }
        }
    }

    /// Starts a Migration that has not run yet, once its Plan is ready and idle.
    fn try_start(&mut self, migration: &Object) {
        self.running.retain(|_, run| !run.updates.is_closed());
        let uid = text(migration, "/metadata/uid").to_string();
        if self.running.contains_key(&uid) || migration.pointer("/status/started").is_some() {
            return;
        }
        let (ns, name) = key_of(migration);
        let Some(plan_key) = reference(migration, "/spec/plan", &ns) else {
            migration::set_waiting(&self.ctx, &ns, &name, "PlanNotValid", "The migration does not reference a plan (spec.plan.name).");
            return;
        };
        let Some(plan) = self.ctx.store.get(self.ctx.kinds.plans, &plan_key.0, &plan_key.1) else {
            migration::set_waiting(
                &self.ctx,
                &ns,
                &name,
                "PlanNotValid",
                &format!("The plan {}/{} was not found.", plan_key.0, plan_key.1),
            );
            return;
        };
        set_owner(&self.ctx, &ns, &name, &plan);
        let busy = self.running.values().any(|run| run.plan == plan_key);
        if !has_condition(&plan, "Ready") {
            migration::set_waiting(&self.ctx, &ns, &name, "PlanNotReady", "The referenced plan is not ready.");
            return;
        }
        if busy || has_condition(&plan, "Executing") {
            migration::set_waiting(&self.ctx, &ns, &name, "PlanExecuting", "The referenced plan is executing another migration.");
            return;
        }
        let updates = watch::Sender::new(migration.clone());
        let receiver = updates.subscribe();
        self.running.insert(uid, Running { plan: plan_key, updates });
        tokio::spawn(migration::run(self.ctx.clone(), migration.clone(), plan, receiver));
    }
}
