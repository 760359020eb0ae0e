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

#[test]
fn out_of_range_numbers_are_usage_errors_naming_the_flag_or_key_and_the_range() {
    let ws = Workspace::new(PLAN, "", "");
    let flag = ws.run(&["--collect-only", "-j", "0"]);
    let stderr = text(&flag).1;
    assert_eq!(code(&flag), 4, "{stderr}");
    assert!(stderr.contains("--jobs") && stderr.contains("0 is not in 1..=256"), "{stderr}");

    let key = Workspace::new(PLAN, "jobs = 0", "").run(&["--collect-only"]);
    assert_eq!(code(&key), 4);
    assert!(text(&key).1.contains("[run] jobs must be 1 to 256, found 0"), "{}", text(&key).1);

    for (limits, needle) in [
        ("memory_mib = 0", "limits.memory_mib = 0 is out of range: give 1 to 4096 MiB"),
        ("memory_mib = 1048576", "limits.memory_mib = 1048576 is out of range: give 1 to 4096 MiB"),
        ("deadline_ms = 0", "limits.deadline_ms = 0 is out of range: give 1 to 3600000 milliseconds"),
        ("wall_ms = 0", "limits.wall_ms = 0 is out of range: give 1 to 3600000 milliseconds"),
        ("wall_ms = 500", "limits.wall_ms = 500 is shorter than limits.deadline_ms = 10000: raise wall_ms to at least 10000"),
    ] {
        let entry = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\nlimits = {{ {limits} }}\n", plugin("ontap"));
        let output = Workspace::new(PLAN, "", &entry).run(&["--collect-only"]);
        let stderr = text(&output).1;
        assert_eq!(code(&output), 4, "{limits}: {stderr}");
        assert!(stderr.contains(needle) && stderr.contains("mtv-host.toml"), "{limits}: {stderr}");
    }
}

#[test]
fn expressions_nested_past_the_bound_are_usage_errors_not_a_crash() {
    let ws = Workspace::new(PLAN, "", "");
    let parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let nots = format!("{}tier0", "not ".repeat(30_000));
    for (flag, expression) in [("-k", parens), ("-m", nots)] {
        let output = ws.run(&["--collect-only", flag, &expression]);
        let stderr = text(&output).1;
        assert_eq!(code(&output), 4, "{flag}: {}", &stderr[..stderr.len().min(2000)]);
        assert!(stderr.contains(&format!("{flag} expression is malformed")) && stderr.contains("deeper than 100 levels"), "{flag}");
        assert!(stderr.len() < 2000, "{flag}: the message quotes {} bytes", stderr.len());
    }
}

#[test]
fn a_missing_config_is_reported_once_with_its_cause() {
    let ws = Workspace::new(PLAN, "", "");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .args(["run", "--collect-only", "--config"])
        .arg(ws.path("missing.toml"))
        .current_dir(ws.path("."))
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = text(&output).1;
    assert!(stderr.contains("missing.toml") && stderr.contains("pass --config FILE"), "{stderr}");
    assert_eq!(stderr.matches("No such file or directory").count(), 1, "{stderr}");
}

#[test]
fn a_broken_copyoffload_configuration_lists_its_problems_where_the_error_is_shown() {
    let plan = format!("{PLAN}\n[[tests]]\nname = \"xcopy\"\ncopyoffload = true\nvirtual_machines = [{{ name = \"mtv-xcopy-rhel9\" }}]\n");
    let vendor = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\n", plugin("ontap"));
    let ws = Workspace::new(&plan, "", &vendor);
    let providers = PROVIDERS.replace("\"datastore_id\": \"datastore-12345\",", "").replace("\"storage_hostname\": \"10.0.0.50\",", "");
    std::fs::write(ws.path("providers.json"), providers).unwrap();
    let (stdout, _) = text(&ws.run(&["--setup-plan", "-k", "xcopy"]));
    let line = stdout.lines().find(|line| line.starts_with("# plan::xcopy")).unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("has 2 problem(s): ") && line.contains("datastore_id") && line.contains("storage_hostname"), "{line}");
}
