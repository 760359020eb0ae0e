//! Small, realistic inputs for hook calls: what `plugins check` feeds a
//! plugin, and a starting point for a plugin's own tests.

use crate::{Marker, ReportFacts, RunFacts, TestItem};

/// A vSphere run with a Ceph storage class, not a dry run.
pub fn run_facts() -> RunFacts {
    RunFacts {
        source_provider: "vsphere-8".into(),
        source_provider_type: "vsphere".into(),
        source_provider_version: Some("8.0.1".into()),
        storage_class: "ocs-storagecluster-ceph-rbd".into(),
        dry_run: false,
    }
}

/// A marker with positional arguments, e.g. `marker("jira", &["ABC-1"])`.
pub fn marker(name: &str, args: &[&str]) -> Marker {
    Marker { name: name.into(), args: args.iter().map(|a| a.to_string()).collect(), kwargs: Vec::new() }
}

/// A collected test from `plan.toml`.
pub fn test_item(name: &str, markers: Vec<Marker>) -> TestItem {
    TestItem { id: format!("plan.toml::{name}"), name: name.into(), markers }
}

/// Three tests: one plain, one with `jira("ABC-1")`, one marked `slow`.
pub fn tests() -> Vec<TestItem> {
    vec![
        test_item("test_warm_migration", Vec::new()),
        test_item("test_cold_migration", vec![marker("jira", &["ABC-1"])]),
        test_item("test_copy_offload_large_disk", vec![marker("slow", &[])]),
    ]
}

/// Facts matching [`failing_junit`].
pub fn report_facts() -> ReportFacts {
    ReportFacts { tests: 2, failures: 1, errors: 0, skipped: 0, dry_run: false }
}

/// A JUnit report with one passed and one failed test.
pub fn failing_junit() -> &'static str {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1" errors="0" skipped="0">
  <testsuite name="mtv-host" tests="2" failures="1" errors="0" skipped="0" time="12.5">
    <testcase classname="plan.toml" name="test_warm_migration" time="4.1"/>
    <testcase classname="plan.toml" name="test_cold_migration" time="8.4">
      <failure message="migration did not complete">Plan cold-plan: VM vm-42 failed in DiskTransfer: populator pod exited 1</failure>
    </testcase>
  </testsuite>
</testsuites>
"#
}
