//! Checks after a migration: every problem is collected before the step
//! fails, so one run shows everything that is wrong.

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::inventory::SourceVm;
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

/// One fact of a migrated VM that differs from what its source says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmProblem {
    pub vm: String,
    pub fact: &'static str,
    pub expected: String,
    pub actual: String,
}

impl std::fmt::Display for VmProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VM {}: {}: expected {}, got {}", self.vm, self.fact, self.expected, self.actual)
    }
}

/// The target VM's CPU, memory, firmware, serial and NICs against the source
/// VM as the inventory served it before migrating. Each fact is recorded in
/// `checked`; the ones that differ come back as problems.
/// `release` is the cluster's OpenShift version, which decides the serial's
/// form; without one (not OpenShift) either form is accepted.
pub fn compare_with_source(source: &SourceVm, target: &Value, release: Option<&str>, checked: &mut Checked) -> Vec<VmProblem> {
    let facts = &source.facts;
    let domain = &target["spec"]["template"]["spec"]["domain"];
    let mut problems = Vec::new();
    let mut differ = |fact: &'static str, expected: String, actual: String| {
        if !checked.compare(&source.name, fact, &expected, &actual) {
            problems.push(VmProblem { vm: source.name.clone(), fact, expected, actual });
        }
    };
    let number = |value: &Value| value.as_u64().map_or_else(|| "none".to_owned(), |n| n.to_string());
    let cores = facts["coresPerSocket"].as_u64().unwrap_or(1).max(1);
    let cpus = facts["cpuCount"].as_u64().unwrap_or(0);
    differ("CPU sockets", (cpus / cores).max(1).to_string(), number(&domain["cpu"]["sockets"]));
    differ("CPU cores per socket", cores.to_string(), number(&domain["cpu"]["cores"]));
    differ("memory", format!("{}Mi", number(&facts["memoryMB"])), memory_mib(&domain["memory"]["guest"]));
    let bootloader =
        domain["firmware"]["bootloader"].as_object().and_then(|b| b.keys().next().cloned()).unwrap_or_else(|| "none".to_owned());
    differ("firmware", facts["firmware"].as_str().unwrap_or("bios").to_owned(), bootloader);
    let uuid = facts["uuid"].as_str().unwrap_or_default();
    let serial = domain["firmware"]["serial"].as_str().unwrap_or("none");
    let expected_serial = match release {
        Some(release) => forklift_crds::vm_serial(uuid, release),
        None if serial == forklift_crds::vmware_form(uuid) => serial.to_owned(),
        None => uuid.to_owned(),
    };
    differ("serial", expected_serial, serial.to_owned());
    let interfaces: Vec<&str> =
        domain["devices"]["interfaces"].as_array().into_iter().flatten().map(|i| i["macAddress"].as_str().unwrap_or_default()).collect();
    let nics: Vec<&str> = facts["nics"].as_array().into_iter().flatten().filter_map(|n| n["mac"].as_str()).collect();
    differ("NIC count", nics.len().to_string(), interfaces.len().to_string());
    for mac in nics {
        let found = interfaces.iter().any(|i| i.eq_ignore_ascii_case(mac));
        let actual = if found { mac.to_owned() } else { format!("none of [{}]", interfaces.join(", ")) };
        differ("NIC MAC", mac.to_owned(), actual);
    }
    problems
}

/// A KubeVirt quantity in MiB (`4096Mi`, `4Gi`), as written when not one.
fn memory_mib(quantity: &Value) -> String {
    let text = quantity.as_str().unwrap_or("none");
    match (text.strip_suffix("Mi"), text.strip_suffix("Gi").and_then(|g| g.parse::<u64>().ok())) {
        (Some(mib), _) => format!("{mib}Mi"),
        (_, Some(gib)) => format!("{}Mi", gib * 1024),
        _ => text.to_owned(),
    }
}

/// For a migration that succeeded: each target VirtualMachine exists under
/// the expected name, with one disk per disk Forklift transferred and the
/// expected power state, and with the CPU, memory, firmware, serial and NICs
/// of its source in `sources` (the inventory's, before migrating). Every
/// comparison is recorded in `checked`.
pub async fn check_migrated_vms(
    cluster: &Cluster,
    namespace: &str,
    plan: &Value,
    spec: &TestSpec,
    sources: &[SourceVm],
    release: Option<&str>,
    checked: &mut Checked,
) -> Vec<String> {
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
        if let Some(source) = sources.iter().find(|s| s.name == vm.name) {
            problems.extend(compare_with_source(source, &target, release, checked).iter().map(ToString::to_string));
        }
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
