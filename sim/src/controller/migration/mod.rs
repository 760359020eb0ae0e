//! Migration runs: every VM of the Plan goes through its pipeline, step by step, with
//! the Plan's and the Migration's status following along.

mod transfer;
mod vm;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::join_all;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::Ctx;
use super::conditions::{ADVISORY, CRITICAL, REQUIRED, child, condition, durable, set_conditions, text};
use super::events::{Severity, emit};
use super::reference;
use crate::inventory::{SourceVm, VmBehavior};
use crate::store::Object;
use vm::VmRun;

/// Migration conditions set while a Migration waits to start.
const WAITING_TYPES: &[&str] = &["PlanNotValid", "PlanNotReady", "PlanExecuting"];
/// Plan conditions a run owns.
const PLAN_RUN_TYPES: &[&str] = &["Executing", "Succeeded", "Failed", "Canceled"];

/// Says why a Migration has not started.
pub(crate) fn set_waiting(ctx: &Ctx, ns: &str, name: &str, kind: &str, message: &str) {
    let category = if kind == "PlanExecuting" { ADVISORY } else { CRITICAL };
    let waiting = condition(kind, category, "NotReady", message);
    let _ = ctx.store.update(ctx.kinds.migrations, ns, name, |current| {
        let mut next = (**current).clone();
        set_conditions(child(&mut next, "status"), |t| WAITING_TYPES.contains(&t), vec![waiting]);
        Ok(next)
    });
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    Initialize,
    PreHook,
    DiskAllocation,
    DiskTransfer,
    Cutover,
    ImageConversion,
    VirtualMachineCreation,
    PostHook,
}

impl Step {
    pub(super) fn name(self) -> &'static str {
        match self {
            Step::Initialize => "Initialize",
            Step::PreHook => "PreHook",
            Step::DiskAllocation => "DiskAllocation",
            Step::DiskTransfer => "DiskTransfer",
            Step::Cutover => "Cutover",
            Step::ImageConversion => "ImageConversion",
            Step::VirtualMachineCreation => "VirtualMachineCreation",
            Step::PostHook => "PostHook",
        }
    }
}

/// How a wait, a step or a VM ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Failed(String),
    Canceled,
    /// The Migration or Plan is gone, or the simulator is stopping.
    Aborted,
}

/// State shared by the VMs of one run.
pub(super) struct Run {
    pub(super) ctx: Arc<Ctx>,
    pub(super) plan: Object,
    pub(super) migration: Object,
    pub(super) warm: bool,
    pub(super) target_namespace: String,
    pub(super) storage_map: Option<Object>,
    pub(super) network_map: Option<Object>,
    pub(super) source_provider: Option<Object>,
    /// `status.migration.vms` (and the Migration's `status.vms`), written as a whole.
    pub(super) vms: Mutex<Vec<Value>>,
}

pub(super) fn key(obj: &Value) -> (String, String) {
    (text(obj, "/metadata/namespace").to_string(), text(obj, "/metadata/name").to_string())
}

pub(super) fn now() -> String {
    crate::time::now_rfc3339()
}

impl Run {
    pub(super) fn vms(&self) -> MutexGuard<'_, Vec<Value>> {
        self.vms.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn edit_vm(&self, index: usize, edit: impl FnOnce(&mut Value)) {
        if let Some(entry) = self.vms().get_mut(index) {
            edit(entry);
        }
    }

    /// Writes the VM statuses to the Plan and the Migration; `false` when either is gone.
    pub(super) fn publish(&self) -> bool {
        let snapshot = Value::Array(self.vms().clone());
        let ctx = &self.ctx;
        let (plan_ns, plan_name) = key(&self.plan);
        let plan_ok = ctx
            .store
            .update(ctx.kinds.plans, &plan_ns, &plan_name, |current| {
                let mut next = (**current).clone();
                child(child(&mut next, "status"), "migration")["vms"] = snapshot.clone();
                Ok(next)
            })
            .is_ok();
        let (m_ns, m_name) = key(&self.migration);
        let migration_ok = ctx
            .store
            .update(ctx.kinds.migrations, &m_ns, &m_name, |current| {
                let mut next = (**current).clone();
                child(&mut next, "status")["vms"] = snapshot.clone();
                Ok(next)
            })
            .is_ok();
        plan_ok && migration_ok
    }

    pub(super) fn behavior(&self, vm: &SourceVm) -> VmBehavior {
        match self.ctx.scenario.vm_behavior(&vm.id, &vm.name) {
            Some(runtime) => runtime.or(&vm.behavior),
            None => vm.behavior.clone(),
        }
    }

    pub(super) fn step_delay(&self, vm: &SourceVm) -> Duration {
        self.behavior(vm).step_delay_ms.map(Duration::from_millis).unwrap_or_else(|| self.ctx.scenario.step_delay())
    }

    pub(super) fn labels(&self, vm_id: &str) -> Value {
        json!({
            "vmID": vm_id,
            "plan": self.plan["metadata"]["uid"],
            "migration": self.migration["metadata"]["uid"],
        })
    }
}

/// Executes one Migration of `plan`.
pub(crate) async fn run(ctx: Arc<Ctx>, migration: Object, plan: Object, updates: watch::Receiver<Object>) {
    let plan_ns = text(&plan, "/metadata/namespace").to_string();
    let get = |pointer: &str, resource| reference(&plan, pointer, &plan_ns).and_then(|(ns, name)| ctx.store.get(resource, &ns, &name));
    let run = Arc::new(Run {
        warm: text(&plan, "/spec/type") == "warm" || plan.pointer("/spec/warm").and_then(Value::as_bool) == Some(true),
        target_namespace: match text(&plan, "/spec/targetNamespace") {
            "" => plan_ns.clone(),
            ns => ns.to_string(),
        },
        storage_map: get("/spec/map/storage", ctx.kinds.storage_maps),
        network_map: get("/spec/map/network", ctx.kinds.network_maps),
        source_provider: get("/spec/provider/source", ctx.kinds.providers),
        ctx: ctx.clone(),
        plan: plan.clone(),
        migration: migration.clone(),
        vms: Mutex::new(Vec::new()),
    });
    let vm_runs: Vec<VmRun> = plan
        .pointer("/spec/vms")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|plan_vm| {
            let source =
                [text(plan_vm, "/id"), text(plan_vm, "/name")].into_iter().filter(|k| !k.is_empty()).find_map(|k| ctx.inventory.vm(k))?;
            Some((plan_vm, source))
        })
        .enumerate()
        .map(|(index, (plan_vm, source))| VmRun::new(&run, index, plan_vm, source, updates.clone()))
        .collect();
    *run.vms() = vm_runs.iter().map(|vm| vm.initial_status(&run)).collect();
    if !start(&run) {
        return;
    }
    tracing::debug!(plan = %text(&plan, "/metadata/name"), vms = vm_runs.len(), warm = run.warm, "migration started");
    let flows = join_all(vm_runs.into_iter().map(|vm| vm.execute(run.clone()))).await;
    if ctx.shutdown.is_cancelled() {
        return;
    }
    finish(&run, &flows);
}

/// Marks the Plan executing and the Migration running.
fn start(run: &Run) -> bool {
    let ctx = &run.ctx;
    let started = now();
    let vms = Value::Array(run.vms().clone());
    let (plan_ns, plan_name) = key(&run.plan);
    let plan_ok = ctx
        .store
        .update(ctx.kinds.plans, &plan_ns, &plan_name, |current| {
            let mut next = (**current).clone();
            let status = child(&mut next, "status");
            status["migration"] = json!({"started": started, "vms": vms});
            set_conditions(
                status,
                |t| PLAN_RUN_TYPES.contains(&t),
                vec![condition("Executing", ADVISORY, "Started", "The plan is EXECUTING.")],
            );
            Ok(next)
        })
        .is_ok();
    let (m_ns, m_name) = key(&run.migration);
    let migration_ok = ctx
        .store
        .update(ctx.kinds.migrations, &m_ns, &m_name, |current| {
            let mut next = (**current).clone();
            let generation = next["metadata"]["generation"].clone();
            let status = child(&mut next, "status");
            status["started"] = json!(started);
            status["vms"] = vms.clone();
            status["observedGeneration"] = generation;
            set_conditions(
                status,
                |_| true,
                vec![
                    condition("Ready", REQUIRED, "Completed", "The migration is ready."),
                    condition("Running", ADVISORY, "Started", "The migration is RUNNING."),
                ],
            );
            Ok(next)
        })
        .is_ok();
    plan_ok && migration_ok
}

/// Sets the result on the Plan and the Migration.
fn finish(run: &Run, flows: &[Flow]) {
    let ctx = &run.ctx;
    let (m_ns, m_name) = key(&run.migration);
    let migration_gone = ctx.store.get(ctx.kinds.migrations, &m_ns, &m_name).is_none();
    if migration_gone {
        // A deleted Migration cancels what was still running.
        for (index, flow) in flows.iter().enumerate() {
            if *flow == Flow::Aborted {
                run.edit_vm(index, |s| {
                    s["phase"] = json!("Canceled");
                    s["completed"] = json!(now());
                    set_conditions(
                        s,
                        |_| true,
                        vec![durable(condition("Canceled", ADVISORY, "Completed", "The VM migration has been CANCELED."))],
                    );
                });
            }
        }
    }
    let (kind, message, severity) = if flows.iter().any(|f| matches!(f, Flow::Failed(_))) {
        ("Failed", "The plan execution has FAILED.", Severity::Warning)
    } else if flows.iter().any(|f| matches!(f, Flow::Canceled | Flow::Aborted)) {
        ("Canceled", "The plan execution has been CANCELED.", Severity::Normal)
    } else {
        ("Succeeded", "The plan execution has SUCCEEDED.", Severity::Normal)
    };
    let completed = now();
    let vms = Value::Array(run.vms().clone());
    let result = durable(condition(kind, ADVISORY, "Completed", message));
    let (plan_ns, plan_name) = key(&run.plan);
    let plan = ctx.store.update(ctx.kinds.plans, &plan_ns, &plan_name, |current| {
        let mut next = (**current).clone();
        let status = child(&mut next, "status");
        let migration = child(status, "migration");
        migration["completed"] = json!(completed);
        migration["vms"] = vms.clone();
        set_conditions(status, |t| PLAN_RUN_TYPES.contains(&t), vec![result.clone()]);
        Ok(next)
    });
    let migration = ctx.store.update(ctx.kinds.migrations, &m_ns, &m_name, |current| {
        let mut next = (**current).clone();
        let status = child(&mut next, "status");
        status["completed"] = json!(completed);
        status["vms"] = vms.clone();
        set_conditions(status, |t| t != "Ready", vec![result.clone()]);
        Ok(next)
    });
    let event_message = message.replace("plan execution", "migration");
    if let Ok(plan) = plan {
        emit(ctx, &plan, severity, kind, message);
    }
    if let Ok(migration) = migration {
        emit(ctx, &migration, severity, kind, &event_message);
    }
}
