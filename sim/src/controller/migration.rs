//! Migration runs: every VM of the Plan goes through its pipeline, step by step, with
//! the Plan's and the Migration's status following along.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::join_all;
use jiff::Timestamp;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use super::conditions::{ADVISORY, CRITICAL, REQUIRED, child, condition, durable, object, set_conditions, text};
use super::copyoffload::{self, PopulatorSpec};
use super::events::{Severity, emit};
use super::target::{self, DiskTarget, TargetVm};
use super::{Ctx, hooks, reference};
use crate::inventory::{HookResult, SourceVm, VmBehavior};
use crate::store::Object;

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
enum Step {
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
    fn name(self) -> &'static str {
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
enum Flow {
    Continue,
    Failed(String),
    Canceled,
    /// The Migration or Plan is gone, or the simulator is stopping.
    Aborted,
}

/// State shared by the VMs of one run.
struct Run {
    ctx: Arc<Ctx>,
    plan: Object,
    migration: Object,
    warm: bool,
    target_namespace: String,
    storage_map: Option<Object>,
    network_map: Option<Object>,
    source_provider: Option<Object>,
    /// `status.migration.vms` (and the Migration's `status.vms`), written as a whole.
    vms: Mutex<Vec<Value>>,
}

/// One VM of the run.
struct VmRun {
    index: usize,
    source: SourceVm,
    plan_vm: Value,
    steps: Vec<Step>,
    disks: Vec<DiskTarget>,
    target_name: String,
    labels: Value,
    pvcs: Vec<String>,
    created_vm: bool,
    updates: watch::Receiver<Object>,
}

fn key(obj: &Value) -> (String, String) {
    (text(obj, "/metadata/namespace").to_string(), text(obj, "/metadata/name").to_string())
}

fn now() -> String {
    crate::time::now_rfc3339()
}

impl Run {
    fn vms(&self) -> MutexGuard<'_, Vec<Value>> {
        self.vms.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn edit_vm(&self, index: usize, edit: impl FnOnce(&mut Value)) {
        if let Some(entry) = self.vms().get_mut(index) {
            edit(entry);
        }
    }

    /// Writes the VM statuses to the Plan and the Migration; `false` when either is gone.
    fn publish(&self) -> bool {
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

    fn behavior(&self, vm: &SourceVm) -> VmBehavior {
        match self.ctx.scenario.vm_behavior(&vm.id, &vm.name) {
            Some(runtime) => runtime.or(&vm.behavior),
            None => vm.behavior.clone(),
        }
    }

    fn step_delay(&self, vm: &SourceVm) -> Duration {
        self.behavior(vm).step_delay_ms.map(Duration::from_millis).unwrap_or_else(|| self.ctx.scenario.step_delay())
    }

    fn labels(&self, vm_id: &str) -> Value {
        json!({
            "vmID": vm_id,
            "plan": self.plan["metadata"]["uid"],
            "migration": self.migration["metadata"]["uid"],
        })
    }
}

fn is_canceled(migration: &Value, vm: &SourceVm) -> bool {
    migration.pointer("/spec/cancel").and_then(Value::as_array).is_some_and(|refs| {
        refs.iter().any(|r| {
            let id = text(r, "/id");
            let name = text(r, "/name");
            (!id.is_empty() && id == vm.id) || (!name.is_empty() && name == vm.name)
        })
    })
}

/// When this VM may cut over: its `vmCutover` entry, else the Migration's `cutover`.
fn cutover_time(migration: &Value, vm: &SourceVm) -> Option<Timestamp> {
    let per_vm = migration
        .pointer("/spec/vmCutover")
        .and_then(Value::as_array)
        .and_then(|entries| entries.iter().find(|e| text(e, "/id") == vm.id))
        .map(|e| text(e, "/cutover"));
    let when = per_vm.unwrap_or_else(|| text(migration, "/spec/cutover"));
    crate::time::parse_rfc3339(when)
}

fn step_total(step: Step, disks: &[DiskTarget]) -> u64 {
    match step {
        Step::DiskAllocation => disks.len() as u64,
        Step::DiskTransfer => disks.iter().map(|d| d.capacity_gib * 1024).sum(),
        _ => 1,
    }
}

impl VmRun {
    fn new(run: &Run, index: usize, plan_vm: &Value, source: &SourceVm, updates: watch::Receiver<Object>) -> VmRun {
        let hook_steps: Vec<&str> = plan_vm.get("hooks").and_then(Value::as_array).into_iter().flatten().map(|h| text(h, "/step")).collect();
        let mut steps = vec![Step::Initialize];
        if hook_steps.contains(&"PreHook") {
            steps.push(Step::PreHook);
        }
        if run.warm {
            steps.extend([Step::DiskTransfer, Step::Cutover]);
        } else {
            steps.extend([Step::DiskAllocation, Step::DiskTransfer]);
        }
        steps.extend([Step::ImageConversion, Step::VirtualMachineCreation]);
        if hook_steps.contains(&"PostHook") {
            steps.push(Step::PostHook);
        }
        VmRun {
            index,
            disks: target::disks(&run.ctx, source, run.storage_map.as_deref()),
            target_name: target::target_name(plan_vm, source),
            labels: run.labels(&source.id),
            source: source.clone(),
            plan_vm: plan_vm.clone(),
            steps,
            pvcs: Vec::new(),
            created_vm: false,
            updates,
        }
    }

    fn initial_status(&self, run: &Run) -> Value {
        let pipeline: Vec<Value> = self
            .steps
            .iter()
            .map(|&step| {
                let mut entry = json!({"name": step.name(), "phase": "Pending", "progress": {"completed": 0, "total": step_total(step, &self.disks)}});
                if step == Step::DiskTransfer {
                    entry["annotations"] = json!({"unit": "MB"});
                    entry["tasks"] = Value::Array(
                        self.disks
                            .iter()
                            .map(|d| json!({"name": d.vmdk_path, "phase": "Pending", "progress": {"completed": 0, "total": d.capacity_gib * 1024}, "annotations": {"unit": "MB"}}))
                            .collect(),
                    );
                }
                entry
            })
            .collect();
        let mut status = json!({
            "id": self.source.id,
            "name": self.source.name,
            "phase": "Pending",
            "pipeline": pipeline,
            "restorePowerState": if self.source.power_state == crate::inventory::PowerState::On { "On" } else { "Off" },
            "firmware": self.source.firmware,
            "operatingSystem": self.source.guest_os,
        });
        if self.target_name != self.source.name {
            status["newName"] = json!(self.target_name);
        }
        if let Some(hooks) = self.plan_vm.get("hooks") {
            status["hooks"] = hooks.clone();
        }
        if run.warm {
            status["warm"] = json!({"successes": 0, "failures": 0, "consecutiveFailures": 0, "precopies": []});
        }
        status
    }

    fn step_entry(status: &mut Value, i: usize) -> Option<&mut Value> {
        status.get_mut("pipeline").and_then(Value::as_array_mut).and_then(|p| p.get_mut(i))
    }

    /// Waits `delay`, or until `deadline`; with `wake_on_change`, returns early when the
    /// Migration changes. Cancellation is checked on every change.
    async fn wait(&mut self, run: &Run, delay: Option<Duration>, wake_on_change: bool) -> Flow {
        let deadline = delay.map(|d| Instant::now() + d);
        loop {
            if is_canceled(&self.updates.borrow(), &self.source) {
                return Flow::Canceled;
            }
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = sleep => return Flow::Continue,
                () = run.ctx.shutdown.cancelled() => return Flow::Aborted,
                changed = self.updates.changed() => {
                    if changed.is_err() {
                        return Flow::Aborted;
                    }
                    if wake_on_change && !is_canceled(&self.updates.borrow(), &self.source) {
                        return Flow::Continue;
                    }
                }
            }
        }
    }

    async fn pause(&mut self, run: &Run, delay: Duration) -> Flow {
        self.wait(run, Some(delay), false).await
    }

    fn set_progress(&self, run: &Run, i: usize, fraction: (u64, u64)) {
        run.edit_vm(self.index, |status| {
            if let Some(step) = Self::step_entry(status, i) {
                let total = step["progress"]["total"].as_u64().unwrap_or(1);
                step["progress"]["completed"] = json!(total * fraction.0 / fraction.1);
                if let Some(tasks) = step.get_mut("tasks").and_then(Value::as_array_mut) {
                    for task in tasks {
                        let total = task["progress"]["total"].as_u64().unwrap_or(1);
                        task["progress"]["completed"] = json!(total * fraction.0 / fraction.1);
                        task["phase"] = json!(if fraction.0 == fraction.1 { "Completed" } else { "Running" });
                    }
                }
            }
        });
    }

    async fn execute(mut self, run: Arc<Run>) -> Flow {
        run.edit_vm(self.index, |s| {
            s["started"] = json!(now());
            s["phase"] = json!("Running");
        });
        let steps = self.steps.clone();
        for (i, &step) in steps.iter().enumerate() {
            if is_canceled(&self.updates.borrow(), &self.source) {
                return self.end(&run, i, Flow::Canceled);
            }
            run.edit_vm(self.index, |s| {
                s["phase"] = json!(step.name());
                if let Some(entry) = Self::step_entry(s, i) {
                    entry["phase"] = json!("Running");
                    entry["started"] = json!(now());
                }
            });
            if !run.publish() {
                return Flow::Aborted;
            }
            let flow = self.perform(&run, i, step).await;
            if flow != Flow::Continue {
                return self.end(&run, i, flow);
            }
            self.set_progress(&run, i, (1, 1));
            run.edit_vm(self.index, |s| {
                if let Some(entry) = Self::step_entry(s, i) {
                    entry["phase"] = json!("Completed");
                    entry["completed"] = json!(now());
                }
            });
        }
        self.end(&run, steps.len(), Flow::Continue)
    }

    /// Records how the VM ended (at step `i` unless it completed) and publishes it.
    fn end(&mut self, run: &Run, i: usize, flow: Flow) -> Flow {
        if flow == Flow::Aborted {
            return flow;
        }
        let (phase, kind, message) = match &flow {
            Flow::Continue => ("Completed", "Succeeded", "The VM migration has SUCCEEDED.".to_string()),
            Flow::Failed(reason) => ("Failed", "Failed", format!("The VM migration has FAILED: {reason}")),
            _ => ("Canceled", "Canceled", "The VM migration has been CANCELED.".to_string()),
        };
        let step_name = self.steps.get(i).map(|s| s.name()).unwrap_or_default();
        run.edit_vm(self.index, |s| {
            s["phase"] = json!(phase);
            s["completed"] = json!(now());
            if let Some(entry) = Self::step_entry(s, i) {
                match &flow {
                    Flow::Failed(reason) => {
                        entry["phase"] = json!("Completed");
                        entry["completed"] = json!(now());
                        entry["error"] = json!({"phase": step_name, "reasons": [reason]});
                    }
                    Flow::Canceled if entry["phase"] == "Running" => entry["phase"] = json!("Canceled"),
                    _ => {}
                }
            }
            if let Flow::Failed(reason) = &flow {
                s["error"] = json!({"phase": step_name, "reasons": [reason]});
            }
            set_conditions(s, |_| true, vec![durable(condition(kind, ADVISORY, "Completed", &message))]);
        });
        if matches!(flow, Flow::Failed(_)) && self.delete_on_failure(run) {
            let name = self.created_vm.then_some(self.target_name.as_str());
            target::delete_created(&run.ctx, &run.target_namespace, name, &self.pvcs);
        }
        run.publish();
        flow
    }

    fn delete_on_failure(&self, run: &Run) -> bool {
        self.plan_vm
            .get("deleteVmOnFailMigration")
            .or_else(|| run.plan.pointer("/spec/deleteVmOnFailMigration"))
            .and_then(Value::as_bool)
            .unwrap_or(true)
    }

    /// The injected failure for `step`, if the VM's behaviour asks for one.
    fn injected_failure(&self, run: &Run, step: Step) -> Option<String> {
        let behavior = run.behavior(&self.source);
        (behavior.fail_at.as_deref() == Some(step.name()))
            .then(|| behavior.fail_message.unwrap_or_else(|| format!("simulated failure at {}", step.name())))
    }

    fn target<'a>(&'a self, run: &'a Run) -> TargetVm<'a> {
        TargetVm {
            plan: &run.plan,
            plan_vm: &self.plan_vm,
            source: &self.source,
            name: &self.target_name,
            namespace: &run.target_namespace,
            labels: &self.labels,
            disks: &self.disks,
            network_map: run.network_map.as_deref(),
        }
    }

    fn ensure_pvcs(&mut self, run: &Run) -> Result<(), String> {
        if !self.pvcs.is_empty() || self.disks.is_empty() {
            return Ok(());
        }
        target::ensure_namespace(&run.ctx, &run.target_namespace)?;
        self.pvcs = target::create_pvcs(&run.ctx, &self.target(run))?;
        Ok(())
    }

    async fn perform(&mut self, run: &Run, i: usize, step: Step) -> Flow {
        let delay = run.step_delay(&self.source);
        let first_half = if step == Step::DiskTransfer { delay / 2 } else { delay };
        let flow = self.pause(run, first_half).await;
        if flow != Flow::Continue {
            return flow;
        }
        if let Some(reason) = self.injected_failure(run, step) {
            return Flow::Failed(reason);
        }
        let result = match step {
            Step::PreHook | Step::PostHook => self.run_hook(run, step),
            Step::DiskAllocation => self.ensure_pvcs(run),
            Step::DiskTransfer => return self.transfer(run, i, delay - first_half).await,
            Step::VirtualMachineCreation => {
                let target = self.target(run);
                let created = target::ensure_namespace(&run.ctx, &run.target_namespace).and_then(|()| target::create_vm(&run.ctx, &target, &self.pvcs));
                self.created_vm = created.is_ok();
                created
            }
            Step::Initialize | Step::Cutover | Step::ImageConversion => Ok(()),
        };
        match result {
            Ok(()) => Flow::Continue,
            Err(reason) => Flow::Failed(reason),
        }
    }

    fn run_hook(&self, run: &Run, step: Step) -> Result<(), String> {
        let behavior = run.behavior(&self.source);
        let forced: Option<HookResult> = if step == Step::PreHook { behavior.pre_hook } else { behavior.post_hook };
        let ns = text(&run.plan, "/metadata/namespace");
        for hook in self.plan_vm.get("hooks").and_then(Value::as_array).into_iter().flatten() {
            if text(hook, "/step") != step.name() {
                continue;
            }
            let Some(hook_ref) = reference(hook, "/hook", ns) else {
                return Err("hook failed: the hook reference has no name".to_string());
            };
            hooks::run(&run.ctx, &hook_ref, forced)?;
        }
        Ok(())
    }

    /// DiskTransfer: copy-offload through populators, warm precopies until cutover,
    /// or a plain copy.
    async fn transfer(&mut self, run: &Run, i: usize, rest: Duration) -> Flow {
        if let Err(reason) = self.ensure_pvcs(run) {
            return Flow::Failed(reason);
        }
        if run.warm {
            let flow = self.precopy_until_cutover(run).await;
            if flow != Flow::Continue {
                return flow;
            }
        }
        let offloaded: Vec<DiskTarget> = self.disks.iter().filter(|d| d.offload.is_some()).cloned().collect();
        if offloaded.is_empty() {
            self.set_progress(run, i, (1, 2));
            if !run.publish() {
                return Flow::Aborted;
            }
            return self.pause(run, rest).await;
        }
        self.copy_offload(run, i, &offloaded, rest).await
    }

    async fn precopy_until_cutover(&mut self, run: &Run) -> Flow {
        let delay = run.step_delay(&self.source);
        let mut taken = 0u32;
        loop {
            // One precopy (snapshot and delta copy) at a time, while waiting for cutover.
            if taken == 0 || !self.cutover_due() {
                let start = now();
                let flow = self.pause(run, delay).await;
                if flow != Flow::Continue {
                    return flow;
                }
                taken += 1;
                let deltas: Vec<Value> = self.disks.iter().map(|d| json!({"disk": d.vmdk_path, "deltaId": format!("change-{taken}")})).collect();
                run.edit_vm(self.index, |s| {
                    let warm = child(s, "warm");
                    warm["successes"] = json!(taken);
                    let precopies = object(warm).entry("precopies").or_insert_with(|| json!([]));
                    if let Some(list) = precopies.as_array_mut() {
                        list.push(json!({"start": start, "end": now(), "snapshot": format!("snapshot-{taken}"), "deltas": deltas}));
                    }
                });
                if !run.publish() {
                    return Flow::Aborted;
                }
            }
            let cutover = cutover_time(&self.updates.borrow(), &self.source);
            let flow = match cutover {
                Some(at) if at <= Timestamp::now() => return Flow::Continue,
                Some(at) => {
                    let until = Duration::try_from(at.duration_since(Timestamp::now())).unwrap_or_default();
                    self.wait(run, Some(until), true).await
                }
                None => self.wait(run, None, true).await,
            };
            if flow != Flow::Continue {
                return flow;
            }
        }
    }

    fn cutover_due(&self) -> bool {
        cutover_time(&self.updates.borrow(), &self.source).is_some_and(|at| at <= Timestamp::now())
    }

    async fn copy_offload(&mut self, run: &Run, i: usize, disks: &[DiskTarget], rest: Duration) -> Flow {
        let ctx = &run.ctx;
        let mut populators = Vec::new();
        let mut failure = None;
        for disk in disks {
            let Some((secret_ref, vendor)) = &disk.offload else { continue };
            let spec = PopulatorSpec {
                namespace: &run.target_namespace,
                vm_name: &self.target_name,
                disk_index: disk.index,
                vm_id: &self.source.id,
                vmdk_path: &disk.vmdk_path,
                secret_name: secret_ref,
                vendor,
                labels: self.labels.clone(),
            };
            match ctx.store.create(ctx.kinds.populators, copyoffload::populator(&spec)) {
                Ok(created) => populators.push(text(&created, "/metadata/name").to_string()),
                Err(e) => return Flow::Failed(format!("populator failed: {}", e.message)),
            }
            if failure.is_none() {
                failure = self.check_vendor_secret(run, secret_ref, vendor).err();
            }
        }
        let set_status = |status: Value| {
            for name in &populators {
                let _ = ctx.store.update(ctx.kinds.populators, &run.target_namespace, name, |current| {
                    let mut next = (**current).clone();
                    object(child(&mut next, "status")).extend(status.as_object().cloned().unwrap_or_default());
                    Ok(next)
                });
            }
        };
        if let Some(reason) = failure {
            set_status(json!({"progress": "0", "xcopyUsed": "false", "result": reason}));
            return Flow::Failed(reason);
        }
        let clone_method = run.source_provider.as_deref().map_or("vib", |p| match text(p, "/spec/settings/esxiCloneMethod") {
            "ssh" => "ssh",
            _ => "vib",
        });
        let xcopy = disks.iter().all(|d| d.xcopy);
        set_status(json!({"progress": "50", "cloneMethod": clone_method, "storageVendor": disks[0].offload.as_ref().map(|o| o.1.clone())}));
        self.set_progress(run, i, (1, 2));
        if !run.publish() {
            return Flow::Aborted;
        }
        let flow = self.pause(run, rest).await;
        if flow == Flow::Continue {
            set_status(json!({
                "progress": "100",
                "xcopyUsed": xcopy.to_string(),
                "result": "success",
                "copyDurationSeconds": (run.step_delay(&self.source).as_secs_f64().ceil() as u64).to_string(),
            }));
        }
        flow
    }

    /// Finds the vendor Secret (in the source Provider's namespace, then the Plan's)
    /// and checks it as the populator would.
    fn check_vendor_secret(&self, run: &Run, secret_name: &str, vendor: &str) -> Result<(), String> {
        let ctx = &run.ctx;
        let plan_ns = text(&run.plan, "/metadata/namespace");
        let provider_ns = run.source_provider.as_deref().map(|p| text(p, "/metadata/namespace")).unwrap_or(plan_ns);
        let secret = [provider_ns, plan_ns].into_iter().find_map(|ns| ctx.store.get(ctx.kinds.secrets, ns, secret_name));
        match secret {
            Some(secret) => copyoffload::check_secret(vendor, &secret),
            None => Err(format!("populator failed: secret {secret_name:?} not found in namespace {provider_ns:?}")),
        }
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
            let source = [text(plan_vm, "/id"), text(plan_vm, "/name")].into_iter().filter(|k| !k.is_empty()).find_map(|k| ctx.inventory.vm(k))?;
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
            set_conditions(status, |t| PLAN_RUN_TYPES.contains(&t), vec![condition("Executing", ADVISORY, "Started", "The plan is EXECUTING.")]);
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
            set_conditions(status, |_| true, vec![
                condition("Ready", REQUIRED, "Completed", "The migration is ready."),
                condition("Running", ADVISORY, "Started", "The migration is RUNNING."),
            ]);
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
                    set_conditions(s, |_| true, vec![durable(condition("Canceled", ADVISORY, "Completed", "The VM migration has been CANCELED."))]);
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
