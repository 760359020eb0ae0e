//! The checks after a migration compare each migrated VM with its source as the
//! Forklift inventory served it before migrating. Each is shown failing by a
//! simulator fault, with a message naming the VM, the fact, the expected and
//! the actual value.

mod runner_common;
mod support;

use mtv_sim::{SimConfig, VmBehavior};
use runner_common::{PLAN, Workspace, case_outcome, code, run_against, simulator};

/// The `check_vms` outcome (kind, message) and the JUnit report.
async fn check_vms_with(fault: VmBehavior) -> ((String, String), String) {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    sim.scenario().set_vm("mtv-rhel8-sanity", fault);
    let ws = Workspace::new(PLAN, "", "");
    let output = run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    let xml = ws.read("junit-report.xml");
    let outcome = case_outcome(&xml, "plan::cold-sanity", "check_vms");
    assert_eq!(code(&output), if outcome.0 == "passed" { 0 } else { 1 }, "{outcome:?}");
    (outcome, xml)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_source_fact_check_fails_on_its_fault() {
    let cases = [
        (VmBehavior { target_memory_mib: Some(1024), ..VmBehavior::default() }, "VM mtv-rhel8-sanity: memory: expected 4096Mi, got 1024Mi"),
        (VmBehavior { target_drop_nic: Some(true), ..VmBehavior::default() }, "VM mtv-rhel8-sanity: NIC count: expected 1, got 0"),
        (
            VmBehavior { target_firmware: Some("efi".into()), ..VmBehavior::default() },
            "VM mtv-rhel8-sanity: firmware: expected bios, got efi",
        ),
        (
            VmBehavior { target_serial: Some("not-the-uuid".into()), ..VmBehavior::default() },
            "VM mtv-rhel8-sanity: serial: expected VMware-42 10",
        ),
    ];
    for (fault, expected) in cases {
        let ((kind, message), _) = check_vms_with(fault.clone()).await;
        assert_eq!(kind, "failure:VmCheckFailed", "{fault:?}: {message}");
        assert!(message.starts_with(expected), "{fault:?}: {message}");
    }
    let ((kind, message), _) = check_vms_with(VmBehavior::default()).await;
    assert_eq!(kind, "passed", "without a fault the migrated VM matches its source: {message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn source_fact_checks_are_recorded_for_the_report_page() {
    let (_, xml) = check_vms_with(VmBehavior { target_memory_mib: Some(1024), ..VmBehavior::default() }).await;
    let xml = xml.replace("&quot;", "\"");
    let memory = xml
        .lines()
        .find(|line| line.contains("name=\"check\"") && line.contains("\"check\":\"memory\""))
        .unwrap_or_else(|| panic!("no memory check recorded:\n{xml}"));
    for part in ["\"expected\":\"4096Mi\"", "\"actual\":\"1024Mi\"", "\"passed\":false", "\"subject\":\"mtv-rhel8-sanity\""] {
        assert!(memory.contains(part), "{part} in {memory}");
    }
    assert!(xml.contains("\"check\":\"CPU sockets\""), "every source fact is recorded:\n{xml}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_expected_serial_follows_the_clusters_openshift_release() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    // Before 4.20 Forklift writes the uuid itself, and the check expects it.
    sim.scenario().update(|s| s.openshift_version = Some("4.18.3".into()));
    let output = run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    let xml = ws.read("junit-report.xml").replace("&quot;", "\"");
    assert_eq!(code(&output), 0, "{xml}");
    let serial = xml.lines().find(|l| l.contains("\"check\":\"serial\"")).unwrap_or_else(|| panic!("no serial check:\n{xml}"));
    assert!(serial.contains("\"expected\":\"4210") && serial.contains("\"passed\":true"), "{serial}");
    // A 4.20 cluster whose VM kept the uuid fails, naming the form 4.20 writes.
    sim.scenario().update(|s| s.openshift_version = None);
    let uuid = serial.split("\"expected\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or_default().to_owned();
    sim.scenario().set_vm("mtv-rhel8-sanity", VmBehavior { target_serial: Some(uuid.clone()), ..VmBehavior::default() });
    run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    let (kind, message) = case_outcome(&ws.read("junit-report.xml"), "plan::cold-sanity", "check_vms");
    assert_eq!(kind, "failure:VmCheckFailed", "{message}");
    assert!(
        message.starts_with("VM mtv-rhel8-sanity: serial: expected VMware-42 10") && message.ends_with(&format!("got {uuid}")),
        "{message}"
    );
}
