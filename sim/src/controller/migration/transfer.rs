//! The DiskTransfer step: a plain copy, warm precopies until cutover, or copy-offload
//! through `VSphereXcopyVolumePopulator`s.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::vm::VmRun;
use super::{Flow, Run, now};
use crate::controller::conditions::{child, object, text};
use crate::controller::copyoffload::{self, PopulatorSpec};
use crate::controller::target::DiskTarget;
use crate::inventory::SourceVm;

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

impl VmRun {
    /// DiskTransfer: copy-offload through populators, warm precopies until cutover,
    /// or a plain copy.
    pub(super) async fn transfer(&mut self, run: &Run, i: usize, rest: Duration) -> Flow {
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
                let deltas: Vec<Value> =
                    self.disks.iter().map(|d| json!({"disk": d.vmdk_path, "deltaId": format!("change-{taken}")})).collect();
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
