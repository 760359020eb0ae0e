//! `mtv-host run` without a cluster: listing, selection, settings errors,
//! and the setup plan.

mod runner_common;
mod support;

use runner_common::*;
use support::plugin;

#[test]
fn collect_only_lists_tests_with_collection_skips_and_touches_nothing() {
    let ws = Workspace::new(PLAN, "", "");
    let output = ws.run(&["--collect-only"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    for id in ["plan::cold-sanity", "plan::two-disks", "plan::missing-vm", "plan::pre-hook-fails"] {
        assert!(stdout.contains(&format!("{id}  [")), "{id} listed:\n{stdout}");
    }
    assert!(stdout.contains("plan::openstack-only  []  SKIP (applies only to source providers of type openstack"), "{stdout}");
    assert!(stdout.contains("5 tests collected, 0 deselected, 1 to be skipped"), "{stdout}");
    assert!(!ws.path("junit-report.xml").exists(), "a dry run writes no report");
    assert!(!ws.path(".data-collector").exists(), "a dry run leaves the data collector alone");
}

#[test]
fn keyword_and_marker_expressions_select_tests() {
    let ws = Workspace::new(PLAN, "", "");
    let (stdout, _) = text(&ws.run(&["--collect-only", "-k", "disks or sanity"]));
    assert!(stdout.contains("plan::cold-sanity") && stdout.contains("plan::two-disks"), "{stdout}");
    assert!(!stdout.contains("plan::missing-vm"), "{stdout}");
    assert!(stdout.contains("2 tests collected, 3 deselected"), "{stdout}");

    let (stdout, _) = text(&ws.run(&["--collect-only", "-m", "negative and not tier0"]));
    assert!(stdout.contains("plan::missing-vm") && stdout.contains("plan::pre-hook-fails"), "{stdout}");
    assert!(stdout.contains("2 tests collected, 3 deselected"), "{stdout}");

    let malformed = ws.run(&["--collect-only", "-m", "tier0 and (warm"]);
    assert_eq!(code(&malformed), 4, "a malformed expression is a usage error");
}

#[test]
fn nothing_selected_exits_5() {
    let ws = Workspace::new(PLAN, "", "");
    let output = ws.run(&["--collect-only", "-k", "no-such-test"]);
    assert_eq!(code(&output), 5);
    assert!(text(&output).0.contains("no tests collected (5 deselected)"));
    // A real run with nothing selected stops before any cluster call too.
    assert_eq!(code(&ws.run(&["-m", "warm"])), 5);
}

#[test]
fn a_run_without_storage_class_or_source_provider_says_both_ways_to_set_them() {
    let ws = Workspace::new(PLAN, "", "");
    std::fs::write(ws.path("mtv-host.toml"), "[run]\ntest_plan = \"plan.toml\"\n").unwrap();
    let output = ws.run(&[]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    for needle in ["--set storage_class=…", "[run] storage_class", "--set source_provider=…", "[run] source_provider"] {
        assert!(stderr.contains(needle), "missing {needle:?} in:\n{stderr}");
    }
    // Dry runs do without them.
    assert_eq!(code(&ws.run(&["--collect-only"])), 0);
    // --set supplies them.
    let output = ws.run(&["--collect-only", "--set", "storage_class=standard", "--set", "source_provider=vsphere-test"]);
    assert_eq!(code(&output), 0, "{}", text(&output).1);
}

#[test]
fn unknown_run_settings_are_usage_errors_naming_the_key() {
    let ws = Workspace::new(PLAN, "", "");
    let output = ws.run(&["--collect-only", "--set", "storage_clas=x"]);
    assert_eq!(code(&output), 4);
    assert!(text(&output).1.contains("unknown run setting 'storage_clas'"));
}

#[test]
fn setup_plan_prints_every_object_with_secret_data_redacted() {
    let ws = Workspace::new(PLAN, "", "");
    let output = ws.run(&["--setup-plan", "-k", "pre-hook"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stderr}");
    for kind in [
        "kind: Namespace",
        "kind: Secret",
        "kind: Provider",
        "kind: StorageMap",
        "kind: NetworkMap",
        "kind: Hook",
        "kind: Plan",
        "kind: Migration",
    ] {
        assert!(stdout.contains(kind), "{kind} in:\n{stdout}");
    }
    assert!(stdout.contains("password: '[REDACTED]'"), "{stdout}");
    assert!(stdout.contains("pod-security.kubernetes.io/enforce: restricted"));
    assert!(!stdout.contains(CANARY_PASSWORD) && !stderr.contains(CANARY_PASSWORD));
    assert!(!ws.path("junit-report.xml").exists());
}

#[test]
fn plugin_selection_flags_narrow_what_loads() {
    let plan = format!("{PLAN}\n[[tests]]\nname = \"xcopy\"\ncopyoffload = true\nvirtual_machines = [{{ name = \"mtv-xcopy-rhel9\" }}]\n");
    let vendor = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\n", plugin("ontap"));
    let ws = Workspace::new(&plan, "", &vendor);
    let (stdout, _) = text(&ws.run(&["--setup-plan", "-k", "xcopy"]));
    assert!(stdout.contains("# plan::xcopy — run") && stdout.contains("storageVendorProduct: ontap"), "{stdout}");
    let (stdout, _) = text(&ws.run(&["--setup-plan", "-k", "xcopy", "--no-plugin", "ontap"]));
    assert!(stdout.contains("# plan::xcopy — ERROR (storage_vendor_product 'ontap' has no vendor plugin"), "{stdout}");
    let unknown = ws.run(&["--collect-only", "--plugin", "nosuch"]);
    assert_eq!(code(&unknown), 4);
    assert!(text(&unknown).1.contains("no plugin named 'nosuch'"));
}
