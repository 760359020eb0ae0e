//! Full runs of `mtv-host run` against a simulator over real HTTP: the
//! report, step semantics, teardown, the data collector, interruption and
//! secrecy.

mod runner_common;
mod support;

use std::time::Duration;

use mtv_host::report::summarize;
use mtv_sim::{RequestFault, SimConfig};
use runner_common::*;
use support::plugin;

/// `(tests, failures, errors, skipped)` counted from the testcase elements
/// themselves, not the header.
fn count_cases(xml: &str) -> (usize, usize, usize, usize) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed JUnit");
    let cases: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("testcase")).collect();
    let with = |tag: &str| cases.iter().filter(|c| c.children().any(|e| e.has_tag_name(tag))).count();
    (cases.len(), with("failure"), with("error"), with("skipped"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_run_reports_every_step_and_tears_everything_down() {
    let (sim, cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "jobs = 3", "");
    let output = run_against(&ws, &sim, &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "one real failure:\n{stdout}\n{stderr}");

    let counts = summarize(&ws.path("junit-report.xml")).expect("report");
    assert_eq!((counts.tests, counts.failures, counts.errors, counts.skipped), (25, 1, 0, 7), "{counts:?}");
    assert_eq!(count_cases(&ws.read("junit-report.xml")), (25, 1, 0, 7));
    assert!(stdout.contains("1 failed, 3 passed, 1 skipped"), "{stdout}");
    assert!(stdout.contains("JUnit report: junit-report.xml"), "{stdout}");

    assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES, "teardown removes every test namespace");
    let resources: serde_json::Value = serde_json::from_str(&ws.read(".data-collector/resources.json")).expect("resources.json");
    assert_eq!(resources["torn_down"], true);
    assert!(resources["created"].as_array().is_some_and(|c| c.iter().any(|r| r["kind"] == "Plan")));
    assert_eq!(resources["leftovers"], serde_json::json!([]));
    assert!(ws.read("mtv-host.log").contains("plan::missing-vm FAILED"));
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_failed_step_the_later_steps_are_expected_failures_naming_it() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    let output = run_against(&ws, &sim, &["-k", "missing-vm or pre-hook"]).await;
    assert_eq!(code(&output), 1);
    let xml = ws.read("junit-report.xml");
    let (kind, message) = case_outcome(&xml, "plan::missing-vm", "create_plan");
    assert_eq!(kind, "failure:PlanNotReady");
    assert!(message.contains("VMNotFound"), "{message}");
    for step in ["migrate", "check_vms"] {
        assert_eq!(
            case_outcome(&xml, "plan::missing-vm", step),
            ("skipped:xfail".into(), "xfail: previous step failed (create_plan)".into())
        );
    }
    // An expected migration failure is a pass when it fails at the expected step.
    for step in ["create_plan", "migrate", "check_vms"] {
        assert_eq!(case_outcome(&xml, "plan::pre-hook-fails", step).0, "passed", "{step}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_data_collector_dumps_failed_tests_only() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    // A dump an earlier run wrote (the marker lists it) is cleared at start.
    std::fs::create_dir_all(ws.path(".data-collector/stale")).unwrap();
    std::fs::write(ws.path(".data-collector/.mtv-host-output"), "stale\n").unwrap();
    let output = run_against(&ws, &sim, &["-k", "missing-vm or cold-sanity"]).await;
    assert_eq!(code(&output), 1);
    let dir = ws.path(".data-collector/plan__missing-vm");
    for file in ["plans.yaml", "migrations.yaml", "providers.yaml", "events.yaml"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    assert!(std::fs::read_to_string(dir.join("plans.yaml")).unwrap().contains("VMNotFound"));
    assert!(!ws.path(".data-collector/plan__cold-sanity").exists(), "passing tests are not collected");
    assert!(!ws.path(".data-collector/stale").exists(), "what an earlier run wrote is cleared at start");

    let skipped = run_against(&ws, &sim, &["-k", "missing-vm", "--skip-data-collector"]).await;
    assert_eq!(code(&skipped), 1);
    assert!(!ws.path(".data-collector/plan__missing-vm").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_collector_path_the_host_does_not_own_is_refused_and_left_alone() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    // The working directory holds the config and the plan: never cleared.
    for dir in [".", "..", "/"] {
        let output = run_against(&ws, &sim, &["-k", "cold-sanity", "--data-collector-path", dir]).await;
        let (_, stderr) = text(&output);
        assert_eq!(code(&output), 4, "{dir}: {stderr}");
        assert!(stderr.contains("--data-collector-path") && stderr.contains("would delete"), "{dir}: {stderr}");
    }
    // A directory with files the host did not write, even with --skip-data-collector.
    std::fs::create_dir_all(ws.path("evidence")).unwrap();
    std::fs::write(ws.path("evidence/notes.txt"), "keep me").unwrap();
    let output = run_against(&ws, &sim, &["-k", "cold-sanity", "--data-collector-path", "evidence", "--skip-data-collector"]).await;
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 4, "{stderr}");
    assert!(stderr.contains("notes.txt") && stderr.contains("did not write"), "{stderr}");
    assert_eq!(ws.read("evidence/notes.txt"), "keep me");
    assert!(ws.path("mtv-host.toml").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_that_cannot_be_written_stops_the_run_with_the_reporter_named() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    // A directory stands where the report should go: it can never be written.
    std::fs::create_dir(ws.path("report.xml")).unwrap();
    let output = run_against(&ws, &sim, &["-k", "cold-sanity", "--junit-xml", "report.xml"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 3, "{stdout}\n{stderr}");
    assert!(stderr.contains("the junit reporter failed") && stderr.contains("report.xml"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn skip_teardown_keeps_the_objects_and_lists_them_in_resources_json() {
    let (sim, cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", "");
    let output = run_against(&ws, &sim, &["-k", "cold-sanity", "--skip-teardown"]).await;
    assert_eq!(code(&output), 0, "{}", text(&output).1);
    let kept: Vec<String> = namespaces(&cluster).await.into_iter().filter(|n| n.starts_with("auto-")).collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let resources: serde_json::Value = serde_json::from_str(&ws.read(".data-collector/resources.json")).unwrap();
    assert_eq!(resources["torn_down"], false);
    let created = resources["created"].as_array().unwrap();
    assert!(created.iter().any(|r| r["kind"] == "Namespace" && r["name"] == kept[0].as_str()));
    for kind in ["Provider", "Secret", "StorageMap", "NetworkMap", "Plan", "Migration"] {
        assert!(created.iter().any(|r| r["kind"] == kind && r["namespace"] == kept[0].as_str()), "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn leftovers_after_teardown_exit_6() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    sim.scenario().fail_requests(RequestFault::new("delete", "namespaces", 100, 500));
    let ws = Workspace::new(PLAN, "teardown_timeout_s = 2", "");
    let output = run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(code(&output), 6, "{stdout}");
    assert!(stdout.contains("LEFTOVER Namespace"), "{stdout}");
    let resources: serde_json::Value = serde_json::from_str(&ws.read(".data-collector/resources.json")).unwrap();
    assert_eq!(resources["leftovers"][0]["kind"], "Namespace");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_cancels_running_migrations_tears_down_writes_the_report_and_exits_2() {
    let (sim, cluster) = simulator(SimConfig::default().step_delay(Duration::from_secs(2))).await;
    let ws = Workspace::new(PLAN, "jobs = 2", "");
    let kubeconfig = ws.kubeconfig_for(&sim);
    let mut command = ws.command(&["-k", "cold-sanity or two-disks or pre-hook"]);
    command.arg("--cluster").arg("kubeconfig").env("KUBECONFIG", kubeconfig).stdout(std::process::Stdio::piped());
    let child = command.spawn().expect("spawn");
    // Wait until both migrations run.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let stats = sim.stats();
        if stats.by_resource.get("migrations").copied().unwrap_or(0) >= 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "migrations never started: {stats:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stdout}\n{stderr}");
    let xml = ws.read("junit-report.xml");
    assert!(xml.contains("type=\"Interrupted\""), "{xml}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    let summary: Vec<&str> = stdout.lines().filter(|line| line.starts_with("FAILED plan::")).collect();
    assert!(summary.iter().any(|line| line.contains(": interrupted (Ctrl-C / SIGTERM)")), "{stdout}");
    assert!(summary.iter().all(|line| !line.trim_end().ends_with(" -")), "a summary line without a reason:\n{stdout}");
    assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES, "interrupted tests are torn down");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_stops_at_once_but_writes_the_report_so_far_and_every_object_left() {
    let (sim, cluster) = simulator(SimConfig::default().step_delay(Duration::from_secs(2))).await;
    let ws = Workspace::new(PLAN, "jobs = 2", "");
    let kubeconfig = ws.kubeconfig_for(&sim);
    let mut command = ws.command(&["-k", "cold-sanity or two-disks"]);
    command.arg("--cluster").arg("kubeconfig").env("KUBECONFIG", kubeconfig);
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("spawn");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while sim.stats().by_resource.get("migrations").copied().unwrap_or(0) < 2 {
        assert!(std::time::Instant::now() < deadline, "migrations never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..2 {
        let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        // Apart enough to be two signals, close enough to land during teardown.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted twice"), "{stderr}");
    let xml = ws.read("junit-report.xml");
    let resources: serde_json::Value = serde_json::from_str(&ws.read(".data-collector/resources.json")).unwrap();
    // Teardown may have finished before the second signal; if not, the
    // report says the run was aborted and resources.json that it was not torn down.
    let aborted = xml.contains("name=\"aborted\"");
    assert_eq!(resources["torn_down"], !aborted, "{resources}\n{xml}");
    let listed: Vec<&str> =
        resources["leftovers"].as_array().unwrap().iter().filter(|l| l["kind"] == "Namespace").filter_map(|l| l["name"].as_str()).collect();
    // Whatever teardown did not get to is listed, however far it got.
    for namespace in namespaces(&cluster).await.into_iter().filter(|n| n.starts_with("auto-")) {
        assert!(listed.contains(&namespace.as_str()), "{namespace} is left but not listed: {resources}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_reach_the_report_the_log_or_the_console() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let plan = format!(
        "{PLAN}\n[[tests]]\nname = \"copyoffload-ontap\"\ncopyoffload = true\nstorage_vendor_product = \"ontap\"\nvirtual_machines = [{{ name = \"mtv-xcopy-rhel9\" }}]\n"
    );
    let vendor = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\n", plugin("ontap"));
    let ws = Workspace::new(&plan, "", &vendor);
    let output = run_against(&ws, &sim, &["-v"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    let xml = ws.read("junit-report.xml");
    assert!(xml.contains("classname=\"plan::copyoffload-ontap\" name=\"create_copyoffload_secret\""));
    assert_eq!(case_outcome(&xml, "plan::copyoffload-ontap", "check_vms").0, "passed");
    let mut outputs = vec![("stdout", stdout), ("stderr", stderr), ("junit", xml), ("log", ws.read("mtv-host.log"))];
    outputs.push(("resources", ws.read(".data-collector/resources.json")));
    for entry in std::fs::read_dir(ws.path(".data-collector/plan__missing-vm")).unwrap() {
        let path = entry.unwrap().path();
        outputs.push(("data collector", std::fs::read_to_string(path).unwrap()));
    }
    let setup = text(&ws.run(&["--setup-plan"]));
    outputs.push(("setup-plan", setup.0 + &setup.1));
    for (what, content) in outputs {
        for canary in [CANARY_PASSWORD, CANARY_ARRAY_PASSWORD] {
            assert!(!content.contains(canary), "{what} leaks {canary}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn exitfirst_stops_starting_tests_after_the_first_failure() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "jobs = 1", "");
    let output = run_against(&ws, &sim, &["-x", "-k", "missing-vm or pre-hook"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}");
    let xml = ws.read("junit-report.xml");
    let (kind, message) = case_outcome(&xml, "plan::pre-hook-fails", "create_storagemap");
    assert_eq!((kind.as_str(), message.as_str()), ("skipped:skip", "stopped after 1 failed test(s) (--maxfail 1)"));
    assert!(stdout.contains("!!! stopped after 1 failed test(s) (--maxfail 1) !!!"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_source_provider_fails_fast_as_a_setup_error() {
    let (sim, cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "provider_ready_timeout_s = 60", "");
    let providers = PROVIDERS.replace("vcenter.test.example", "unreachable.invalid");
    std::fs::write(ws.path("providers.json"), providers).unwrap();
    let started = std::time::Instant::now();
    let output = run_against(&ws, &sim, &["-k", "cold-sanity"]).await;
    assert!(started.elapsed() < Duration::from_secs(20), "no waiting for the Ready timeout");
    assert_eq!(code(&output), 1);
    let xml = ws.read("junit-report.xml");
    let (kind, message) = case_outcome(&xml, "plan::cold-sanity", "create_storagemap");
    assert_eq!(kind, "error:SetupError");
    assert!(message.contains("ConnectionFailed"), "{message}");
    assert_eq!(case_outcome(&xml, "plan::cold-sanity", "migrate").1, "xfail: previous step failed (create_storagemap)");
    assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES);
}

#[tokio::test(flavor = "multi_thread")]
async fn waits_survive_dropped_watches_and_expired_resource_versions() {
    // Every watch ends after one event, and the history is too short to
    // resume from: the runner must resume, and re-read on 410 Gone.
    let (sim, _cluster) = simulator(SimConfig::default().step_delay(Duration::from_millis(30)).watch_history(2)).await;
    sim.scenario().drop_watches_after_events(Some(1));
    let ws = Workspace::new(PLAN, "jobs = 2", "");
    let output = run_against(&ws, &sim, &["-k", "cold-sanity or two-disks"]).await;
    assert_eq!(code(&output), 0, "{}", text(&output).0);
    assert!(sim.stats().watch >= 2, "the waits watched: {:?}", sim.stats());
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_offload_over_ssh_patches_the_source_provider() {
    let (sim, cluster) = simulator(SimConfig::default()).await;
    let plan = "[[tests]]\nname = \"xcopy-ssh\"\ncopyoffload = true\nvirtual_machines = [{ name = \"mtv-xcopy-rhel9\" }]\n";
    let vendor = format!("[[plugins]]\nname = \"ontap\"\npath = {:?}\n", plugin("ontap"));
    let ws = Workspace::new(plan, "", &vendor);
    let ssh = r#""esxi_clone_method": "ssh", "esxi_host": "10.0.0.9", "esxi_user": "root", "esxi_password": "esxi-Pa55w0rd-3d1e","#;
    std::fs::write(ws.path("providers.json"), PROVIDERS.replace("\"datastore_id\"", &format!("{ssh} \"datastore_id\""))).unwrap();
    let output = run_against(&ws, &sim, &["--skip-teardown"]).await;
    assert_eq!(code(&output), 0, "{}", text(&output).0);
    let ns = namespaces(&cluster).await.into_iter().find(|n| n.starts_with("auto-")).expect("kept namespace");
    let providers = cluster.list(mtv_host::migration::Kind::Provider, Some(&ns)).await.unwrap();
    let source = providers.iter().find(|p| p["spec"]["type"] == "vsphere").expect("source provider");
    assert_eq!(source["spec"]["settings"]["esxiCloneMethod"], "ssh");
    let xml = ws.read("junit-report.xml");
    assert!(xml.contains("patched Provider"), "the patch is in the step's log");
}

#[tokio::test(flavor = "multi_thread")]
async fn maxfail_0_means_no_limit_as_in_pytest() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "jobs = 1", "");
    let output = run_against(&ws, &sim, &["--maxfail", "0", "-k", "missing-vm or pre-hook"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}");
    assert!(!stdout.contains("stopped after"), "{stdout}");
    let xml = ws.read("junit-report.xml");
    let (kind, _) = case_outcome(&xml, "plan::pre-hook-fails", "create_storagemap");
    assert_ne!(kind, "skipped:skip", "the second test did not run");
}
