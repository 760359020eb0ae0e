//! One VM's pipeline: its steps, their status, waiting and cancellation.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

use super::{Flow, Run, Step, now};
use crate::controller::conditions::{ADVISORY, condition, durable, set_conditions, text};
use crate::controller::target::{self, DiskTarget, TargetVm};
use crate::controller::{hooks, reference};
use crate::inventory::{HookResult, SourceVm};
use crate::store::Object;

/// One VM of the run.
pub(super) struct VmRun {
    pub(super) index: usize,
    pub(super) source: SourceVm,
    pub(super) plan_vm: Value,
    pub(super) steps: Vec<Step>,
    pub(super) disks: Vec<DiskTarget>,
    pub(super) target_name: String,
    pub(super) labels: Value,
    pub(super) pvcs: Vec<String>,
    pub(super) created_vm: bool,
    pub(super) updates: watch::Receiver<Object>,
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

fn step_total(step: Step, disks: &[DiskTarget]) -> u64 {
    match step {
        Step::DiskAllocation => disks.len() as u64,
        Step::DiskTransfer => disks.iter().map(|d| d.capacity_gib * 1024).sum(),
        _ => 1,
    }
}

impl VmRun {
    pub(super) fn new(run: &Run, index: usize, plan_vm: &Value, source: &SourceVm, updates: watch::Receiver<Object>) -> VmRun {
        let hook_steps: Vec<&str> =
            plan_vm.get("hooks").and_then(Value::as_array).into_iter().flatten().map(|h| text(h, "/step")).collect();
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

    pub(super) fn initial_status(&self, run: &Run) -> Value {
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
    pub(super) async fn wait(&mut self, run: &Run, delay: Option<Duration>, wake_on_change: bool) -> Flow {
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

    pub(super) async fn pause(&mut self, run: &Run, delay: Duration) -> Flow {
        self.wait(run, Some(delay), false).await
    }

    pub(super) fn set_progress(&self, run: &Run, i: usize, fraction: (u64, u64)) {
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

    pub(super) async fn execute(mut self, run: Arc<Run>) -> Flow {
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

    pub(super) fn ensure_pvcs(&mut self, run: &Run) -> Result<(), String> {
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
                let created = target::ensure_namespace(&run.ctx, &run.target_namespace)
                    .and_then(|()| target::create_vm(&run.ctx, &target, &self.pvcs, &run.behavior(&self.source)));
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
}
