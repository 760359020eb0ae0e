//! Test plans end to end: loading and its error messages, collection rules,
//! conditional jira markers, `-k`/`-m` selection, and steps.

use std::path::{Path, PathBuf};

use mtv_host::plan::{
    CollectStatus, CollectedTest, Marker, PlanError, ProblemKind, RunFacts, StepName, TestFilter, TestPlan, collect, steps_after_failure,
};

fn quickstart_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart/plan.toml")
}

fn quickstart() -> TestPlan {
    TestPlan::load(quickstart_path()).unwrap_or_else(|error| panic!("quickstart plan: {error}"))
}

fn facts(kind: &str) -> RunFacts {
    RunFacts {
        source_provider: Some(format!("{kind}-profile")),
        source_provider_type: Some(kind.to_owned()),
        source_provider_version: None,
        storage_class: Some("ocs-storagecluster-ceph-rbd".to_owned()),
        storage_vendor_product: Some("powerstore".to_owned()),
    }
}

fn find<'a>(tests: &'a [CollectedTest], name: &str) -> &'a CollectedTest {
    tests.iter().find(|test| test.name() == name).unwrap_or_else(|| panic!("no collected test {name}"))
}

fn refused(text: &str) -> PlanError {
    match TestPlan::parse(text, "plans/bad.toml") {
        Ok(plan) => panic!("plan was accepted: {plan:?}"),
        Err(error) => error,
    }
}

const VM: &str = "virtual_machines = [{ name = \"vm\" }]";

#[test]
fn the_quickstart_plan_loads_with_stable_ids() {
    let plan = quickstart();
    assert_eq!(plan.name(), "plan");
    assert!(plan.tests().len() >= 8);
    let collected = collect(&plan, &facts("vsphere"));
    assert_eq!(collected[0].id, "plan::cold-rhel8-sanity");
    let ids: std::collections::HashSet<&str> = collected.iter().map(|test| test.id.as_str()).collect();
    assert_eq!(ids.len(), collected.len());
    assert!(plan.markers().contains("negative"), "the plan registers its own marker");
}

#[test]
fn vsphere_runs_skip_tests_for_other_providers_with_the_reason() {
    let collected = collect(&quickstart(), &facts("vsphere"));
    let skipped: Vec<(&str, &str)> = collected.iter().filter_map(|test| test.skip_reason().map(|reason| (test.name(), reason))).collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].0, "openstack-only");
    assert!(skipped[0].1.contains("openstack") && skipped[0].1.contains("vsphere"), "{}", skipped[0].1);
    assert_eq!(find(&collected, "warm-rhel9").status, CollectStatus::Run);
}

#[test]
fn warm_migration_is_skipped_where_unsupported() {
    for kind in ["openstack", "openshift", "ova"] {
        let collected = collect(&quickstart(), &facts(kind));
        let reason = find(&collected, "warm-rhel9").skip_reason().unwrap_or_default();
        assert_eq!(reason, format!("warm migration is not supported for {kind} source providers"));
    }
    assert_eq!(find(&collect(&quickstart(), &facts("ovirt")), "warm-rhel9").status, CollectStatus::Run);
}

#[test]
fn copy_offload_is_vsphere_only() {
    let collected = collect(&quickstart(), &facts("ovirt"));
    let reason = find(&collected, "copyoffload-ontap").skip_reason().unwrap_or_default();
    assert!(reason.contains("copy-offload is supported only for vSphere"), "{reason}");
    assert_eq!(find(&collect(&quickstart(), &facts("vsphere")), "copyoffload-ontap").status, CollectStatus::Run);
}

#[test]
fn unknown_provider_facts_rule_nothing_out() {
    let collected = collect(&quickstart(), &RunFacts::default());
    assert!(collected.iter().all(|test| test.status == CollectStatus::Run));
    assert!(!find(&collected, "warm-rhel9").has_marker("jira"), "conditions on unknown facts do not hold");
}

#[test]
fn the_rhv_jira_marker_applies_only_on_rhv() {
    let expected =
        Marker { name: "jira".to_owned(), args: vec!["MTV-2846".to_owned()], kwargs: vec![("run".to_owned(), "false".to_owned())] };
    for kind in ["ovirt", "RHV"] {
        let collected = collect(&quickstart(), &facts(kind));
        let warm = find(&collected, "warm-rhel9");
        assert_eq!(warm.markers.last(), Some(&expected), "{kind}");
        assert!(warm.has_marker("warm"));
    }
    let collected = collect(&quickstart(), &facts("vsphere"));
    assert!(!find(&collected, "warm-rhel9").has_marker("jira"));
}

#[test]
fn unconditional_jira_markers_carry_their_run_flag() {
    let collected = collect(&quickstart(), &facts("vsphere"));
    let gated = find(&collected, "jira-gated-win2019");
    let jira: Vec<&Marker> = gated.markers.iter().filter(|marker| marker.name == "jira").collect();
    assert_eq!(jira.len(), 1);
    assert_eq!(jira[0].args, ["MTV-1001"]);
    assert_eq!(jira[0].kwargs, [("run".to_owned(), "true".to_owned())]);
}

#[test]
fn conditions_can_name_the_profile() {
    let plan = TestPlan::parse(
        &format!(
            "[[tests]]\nname = \"t\"\n{VM}\njira = [{{ keys = [\"MTV-1\", \"MTV-2\"], skipif = false, when = {{ source_provider = \"vsphere-profile\" }} }}]\n"
        ),
        "p.toml",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let on_profile = collect(&plan, &facts("vsphere"));
    assert_eq!(on_profile[0].markers[0].args, ["MTV-1", "MTV-2"]);
    assert_eq!(on_profile[0].markers[0].kwargs, [("skipif".to_owned(), "false".to_owned())]);
    assert!(collect(&plan, &facts("ovirt"))[0].markers.is_empty());
}

#[test]
fn copy_offload_vendor_is_the_test_override_else_the_profile() {
    let collected = collect(&quickstart(), &facts("vsphere"));
    assert_eq!(find(&collected, "copyoffload-ontap").storage_vendor_product.as_deref(), Some("ontap"));
    assert_eq!(find(&collected, "copyoffload-vantara").storage_vendor_product.as_deref(), Some("vantara"));
    assert_eq!(find(&collected, "cold-rhel8-sanity").storage_vendor_product, None);

    let plan = TestPlan::parse(&format!("[[tests]]\nname = \"x\"\ncopyoffload = true\n{VM}\n"), "p.toml")
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(collect(&plan, &facts("vsphere"))[0].storage_vendor_product.as_deref(), Some("powerstore"));
}

#[test]
fn unregistered_markers_name_the_test_marker_file_and_fix() {
    let error = refused(&format!("[[tests]]\nname = \"slow-one\"\nmarkers = [\"tier0\", \"slowish\"]\n{VM}\n"));
    assert!(error.has(ProblemKind::UnregisteredMarker));
    let text = error.to_string();
    for needle in ["plans/bad.toml:1:1", "slow-one", "\"slowish\"", "[markers]", "slowish = \""] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

#[test]
fn plan_registered_markers_are_accepted() {
    let text = format!("[markers]\nslowish = \"takes long\"\n\n[[tests]]\nname = \"t\"\nmarkers = [\"slowish\"]\n{VM}\n");
    assert!(TestPlan::parse(&text, "p.toml").is_ok());
}

#[test]
fn jira_is_not_a_plain_marker() {
    let error = refused(&format!("[[tests]]\nname = \"t\"\nmarkers = [\"jira\"]\n{VM}\n"));
    assert!(error.to_string().contains("jira = [{ keys"), "{error}");
}

#[test]
fn unknown_keys_name_file_position_test_and_key() {
    let error = refused(&format!("[[tests]]\nname = \"warm-one\"\nwarm_migraton = true\n{VM}\n"));
    assert!(error.has(ProblemKind::UnknownKey));
    let text = error.to_string();
    for needle in ["plans/bad.toml:3:1", "test \"warm-one\"", "warm_migraton", "hint:"] {
        assert!(text.contains(needle), "{needle:?} missing from: {text}");
    }
}

#[test]
fn unknown_keys_deep_inside_a_test_still_name_the_test() {
    let text = "[[tests]]\nname = \"first\"\nvirtual_machines = [{ name = \"a\" }]\n\n[[tests]]\nname = \"second\"\nvirtual_machines = [\n  { name = \"b\", add_disks = [{ size_gb = 1, sized = 2 }] },\n]\n";
    let error = refused(text).to_string();
    assert!(error.contains("plans/bad.toml:8:45"), "{error}");
    assert!(error.contains("test \"second\"") && error.contains("sized"), "{error}");
}

#[test]
fn missing_required_keys_name_the_test() {
    let error = refused("[[tests]]\nname = \"no-vms\"\n").to_string();
    assert!(error.contains("plans/bad.toml:1:1: test \"no-vms\": missing field `virtual_machines`"), "{error}");
    let error = refused(&format!("[[tests]]\nname = \"t\"\n{VM}\n\n[markers]\nx = 1\n")).to_string();
    assert!(error.contains("plans/bad.toml:6:5: invalid type"), "{error}");
    assert!(!error.contains("test \"t\""), "a [markers] error is not the test's: {error}");
}

#[test]
fn unknown_top_level_keys_are_errors() {
    let error = refused("[defaults]\nwarm = true\n").to_string();
    assert!(error.contains("defaults") && error.contains("[markers] table and [[tests]]"), "{error}");
}

#[test]
fn wrong_values_are_errors_with_position() {
    let error = refused(&format!("[[tests]]\nname = \"t\"\n{VM}\nexpected_migration_result = \"maybe\"\n"));
    assert!(error.has(ProblemKind::InvalidValue));
    assert!(error.to_string().contains("plans/bad.toml:4:29"), "{error}");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let error = refused("[[tests]]\nname = \"t\"\nmarkers = [\"a\",\n");
    assert!(error.has(ProblemKind::Syntax));
    let text = error.to_string();
    assert!(text.starts_with("plans/bad.toml:3:16: invalid TOML"), "{text}");
}

#[test]
fn duplicate_names_are_refused() {
    let error = refused(&format!("[[tests]]\nname = \"t\"\n{VM}\n\n[[tests]]\nname = \"t\"\n{VM}\n"));
    assert!(error.has(ProblemKind::DuplicateTest));
    assert!(error.to_string().contains("plans/bad.toml:5:1: test \"t\": the name is already used by the test at line 1"), "{error}");
}

#[test]
fn jira_keys_must_be_one_key_each() {
    // The issue pattern is the gate's (`issue_regex` in jira.cfg); the plan
    // refuses only what can be no key at all.
    let error = refused(&format!("[[tests]]\nname = \"gated\"\n{VM}\njira = [{{ keys = [\"MTV-1, MTV-2\"] }}]\n"));
    assert!(error.has(ProblemKind::InvalidJiraKey));
    let text = error.to_string();
    assert!(text.contains("test \"gated\"") && text.contains("\"MTV-1, MTV-2\"") && text.contains("not one issue key"), "{text}");
    assert!(refused(&format!("[[tests]]\nname = \"g\"\n{VM}\njira = [{{ keys = [] }}]\n")).has(ProblemKind::InvalidJiraKey));
    let custom = format!("[[tests]]\nname = \"g\"\n{VM}\njira = [{{ keys = [\"mtv-12\"] }}]\n");
    assert!(TestPlan::parse(&custom, "plans/custom.toml").is_ok(), "a key for a custom issue_regex loads");
}

#[test]
fn expectations_must_agree() {
    let error = refused(&format!(
        "[[tests]]\nname = \"h\"\n{VM}\npre_hook = {{ expected_result = \"fail\" }}\nexpected_failed_step = \"PreHoook\"\n"
    ));
    let text = error.to_string();
    assert!(text.contains("pre_hook is expected to fail"), "{text}");
    assert!(text.contains("\"PreHoook\" is not a Forklift pipeline step"), "{text}");
    assert!(text.contains("expected_failed_step is set but the migration is expected to succeed"), "{text}");
    assert_eq!(error.problems.len(), 3, "every problem is reported at once");
}

#[test]
fn tests_need_virtual_machines() {
    let error = refused("[[tests]]\nname = \"t\"\nvirtual_machines = []\n");
    assert!(error.to_string().contains("no virtual_machines"), "{error}");
}

#[test]
fn missing_files_are_named() {
    let error = match TestPlan::load("/nonexistent/plan.toml") {
        Ok(_) => panic!("loaded a missing file"),
        Err(error) => error,
    };
    assert!(error.has(ProblemKind::Read));
    assert!(error.to_string().starts_with("/nonexistent/plan.toml: cannot read the test plan"), "{error}");
}

fn selected(keyword: Option<&str>, marker: Option<&str>) -> (Vec<String>, usize) {
    let filter = TestFilter::new(keyword, marker).unwrap_or_else(|error| panic!("{error}"));
    let selection = filter.select(collect(&quickstart(), &facts("vsphere")));
    (selection.tests.iter().map(|test| test.name().to_owned()).collect(), selection.deselected)
}

#[test]
fn keyword_expressions_match_name_substrings_case_insensitively() {
    let (names, deselected) = selected(Some("COPYOFFLOAD and not vantara"), None);
    assert_eq!(names, ["copyoffload-ontap"]);
    assert_eq!(deselected, 8);
    assert_eq!(selected(Some("plan::"), None).1, 0, "the plan name matches every test");
}

#[test]
fn marker_expressions_combine_with_and_or_not_and_parentheses() {
    let (names, deselected) = selected(None, Some("tier0 or (tier1 and not warm)"));
    assert_eq!(names, ["cold-rhel8-sanity", "jira-gated-win2019", "pre-hook-fails", "openstack-only", "cold-rhel8-2disks"]);
    assert_eq!(deselected, 4);
    assert_eq!(selected(None, Some("jira")).0, ["jira-gated-win2019"]);
    assert_eq!(selected(Some("rhel8"), Some("cold")).0, ["cold-rhel8-sanity", "cold-rhel8-2disks"]);
}

#[test]
fn malformed_expressions_point_at_the_column() {
    let error = match TestFilter::new(None, Some("tier0 and (warm")) {
        Ok(_) => panic!("accepted"),
        Err(error) => error,
    };
    assert_eq!((error.option, error.column), ("-m", 16));
    assert!(error.to_string().contains("expected `)`"), "{error}");
    let error = match TestFilter::new(Some("a $ b"), None) {
        Ok(_) => panic!("accepted"),
        Err(error) => error,
    };
    assert_eq!((error.option, error.column), ("-k", 3));
}

#[test]
fn tests_run_as_ordered_steps() {
    let plan = quickstart();
    let collected = collect(&plan, &facts("vsphere"));
    use StepName::*;
    assert_eq!(find(&collected, "cold-rhel8-sanity").spec.steps(), [CreateStoragemap, CreateNetworkmap, CreatePlan, Migrate, CheckVms]);
    let xcopy = find(&collected, "copyoffload-ontap").spec.steps();
    assert_eq!(xcopy[0], CreateCopyoffloadSecret);
    assert_eq!(xcopy.len(), 6);
    assert_eq!(CreateCopyoffloadSecret.to_string(), "create_copyoffload_secret");
}

#[test]
fn steps_after_a_failure_are_expected_failures_naming_it() {
    use StepName::*;
    let steps = [CreateStoragemap, CreateNetworkmap, CreatePlan, Migrate, CheckVms];
    let after = steps_after_failure(&steps, CreatePlan);
    let reason = "previous step failed (create_plan)".to_owned();
    assert_eq!(after, [(Migrate, reason.clone()), (CheckVms, reason)]);
    assert!(steps_after_failure(&steps, CheckVms).is_empty());
}
