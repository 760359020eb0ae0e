//! Checks after a migration: every problem is collected before the step
//! fails, so one run shows everything that is wrong.

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::kinds::Kind;
use super::names::dns_label;
use crate::plan::{TargetPowerState, TestSpec};

/// Every comparison the checks made, passing or not, in order: what the
/// report shows as expected against actual. A check records through
/// [`Checked::compare`], so a new check is reported without further work.
#[derive(Debug, Default)]
pub struct Checked(Vec<Value>);

impl Checked {
    /// Records that `check` of `subject` expected `expected` and found
    /// `actual`; true when they agree.
    pub fn compare(&mut self, subject: &str, check: &str, expected: impl ToString, actual: impl ToString) -> bool {
        let (expected, actual) = (expected.to_string(), actual.to_string());
        let passed = expected == actual;
        self.0.push(json!({"subject": subject, "check": check, "expected": expected, "actual": actual, "passed": passed}));
        passed
    }

    /// One JSON object per comparison, for the report.
    pub fn into_records(self) -> Vec<Value> {
        self.0
    }
}

/// The per-VM entries of a finished Plan (`status.migration.vms[]`).
pub fn plan_vms(plan: &Value) -> Vec<&Value> {
    plan.pointer("/status/migration/vms").and_then(Value::as_array).into_iter().flatten().collect()
}

/// The pipeline steps that carry an error: `(vm, step, reasons)`.
pub fn failed_steps(plan: &Value) -> Vec<(String, String, String)> {
    plan_vms(plan)
        .into_iter()
        .flat_map(|vm| {
            let vm_name = vm["name"].as_str().unwrap_or_default().to_owned();
            vm["pipeline"].as_array().into_iter().flatten().filter(|step| step.get("error").is_some()).map(move |step| {
                let reasons: Vec<&str> = step["error"]["reasons"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
                (vm_name.clone(), step["name"].as_str().unwrap_or_default().to_owned(), reasons.join("; "))
            })
        })
        .collect()
}

/// For a test expected to fail: every VM failed at `expected_step` (when
/// the plan names one).
pub fn check_expected_failure(plan: &Value, spec: &TestSpec, checked: &mut Checked) -> Vec<String> {
    let failed = failed_steps(plan);
    let mut problems = Vec::new();
    if failed.is_empty() {
        problems.push("the Plan failed, but no VM pipeline step carries an error".to_owned());
    }
    if let Some(expected) = &spec.expected_failed_step {
        for (vm, step, reasons) in failed.iter().filter(|(_, step, _)| step != expected) {
            problems.push(format!("VM {vm} failed at {step} ({reasons}), expected {expected}"));
        }
        for vm in &spec.virtual_machines {
            let at: Vec<&str> = failed.iter().filter(|(name, _, _)| name == &vm.name).map(|(_, step, _)| step.as_str()).collect();
            let actual = if at.is_empty() { "no failed step".to_owned() } else { at.join(", ") };
            checked.compare(&vm.name, "failed step", expected, &actual);
            if !failed.iter().any(|(name, step, _)| name == &vm.name && step == expected) {
                problems.push(format!("VM {} did not fail at {expected}", vm.name));
            }
        }
    }
    problems
}

/// For a migration that succeeded: each target VirtualMachine exists under
/// the expected name, with one disk per disk Forklift transferred and the
/// expected power state.
pub async fn check_migrated_vms(cluster: &Cluster, namespace: &str, plan: &Value, spec: &TestSpec, checked: &mut Checked) -> Vec<String> {
    let mut problems = Vec::new();
    let statuses = plan_vms(plan);
    for vm in &spec.virtual_machines {
        let Some(status) = statuses.iter().find(|s| s["name"] == vm.name.as_str()) else {
            problems.push(format!("VM {}: not in the Plan's status.migration.vms", vm.name));
            continue;
        };
        let expected_name = status["newName"].as_str().map_or_else(|| dns_label(&vm.name), str::to_owned);
        let target = match cluster.get(Kind::VirtualMachine, Some(namespace), &expected_name).await {
            Ok(Some(target)) => target,
            Ok(None) => {
                checked.compare(&vm.name, "VirtualMachine", format!("{namespace}/{expected_name}"), "absent");
                problems.push(format!("VM {}: no VirtualMachine {namespace}/{expected_name} on the destination", vm.name));
                continue;
            }
            Err(error) => {
                problems.push(format!("VM {}: {error}", vm.name));
                continue;
            }
        };
        let disks = target.pointer("/spec/template/spec/domain/devices/disks").and_then(Value::as_array).map_or(0, Vec::len);
        let transferred = transferred_disks(status);
        checked.compare(&vm.name, "VirtualMachine", format!("{namespace}/{expected_name}"), format!("{namespace}/{expected_name}"));
        if !checked.compare(&vm.name, "disks", transferred, disks) {
            problems.push(format!("VM {}: {disks} disks on the destination, {transferred} transferred", vm.name));
        }
        let wanted = vm.target_power_state.or(spec.target_power_state);
        let expect_running = match wanted {
            Some(TargetPowerState::On) => true,
            Some(TargetPowerState::Off) => false,
            Some(TargetPowerState::Auto) | None => status["restorePowerState"] == "On",
        };
        let running = is_running(&target);
        let state = |on: bool| if on { "running" } else { "stopped" };
        if !checked.compare(&vm.name, "power state", state(expect_running), state(running)) {
            problems.push(format!("VM {}: {} on the destination, expected {}", vm.name, state(running), state(expect_running)));
        }
    }
    problems
}

/// Disks Forklift reported for the VM: the DiskTransfer tasks, else the
/// DiskAllocation total.
fn transferred_disks(status: &Value) -> usize {
    let pipeline = status["pipeline"].as_array().into_iter().flatten();
    let mut allocation = 0;
    for step in pipeline {
        match step["name"].as_str() {
            Some("DiskTransfer") => {
                if let Some(tasks) = step["tasks"].as_array() {
                    return tasks.len();
                }
            }
            Some("DiskAllocation") => allocation = step["progress"]["total"].as_u64().unwrap_or(0) as usize,
            _ => {}
        }
    }
    allocation
}

fn is_running(vm: &Value) -> bool {
    match vm.pointer("/spec/runStrategy").and_then(Value::as_str) {
        Some(strategy) => strategy == "Always" || strategy == "RerunOnFailure",
        None => vm.pointer("/spec/running").and_then(Value::as_bool).unwrap_or(false),
    }
}
