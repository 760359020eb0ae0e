//! Gating during a run: the JIRA gate (added from `jira.cfg`) against a
//! JIRA double, its verdicts as skips, expected failures and XPASS in the
//! report (the test judged as a whole, `xfail_strict` for strict XPASS),
//! `--jira-force-run`, `--collect-only` asking JIRA, and a gate error
//! stopping the run.

mod runner_common;
mod support;

use mtv_sim::SimConfig;
use runner_common::*;
use support::jira_server::{Issue, JiraServer, Scenario};

const TOKEN: &str = "canary-jira-token-5b7e19";

const GATED: &str = r#"
[[tests]]
name = "skipped-while-open"
virtual_machines = [{ name = "mtv-rhel8-sanity" }]
jira = [{ keys = ["MTV-1"], run = false }]

[[tests]]
name = "open-but-passes"
virtual_machines = [{ name = "mtv-rhel8-sanity" }]
jira = [{ keys = ["MTV-2"] }]

[[tests]]
name = "open-and-fails"
virtual_machines = [{ name = "mtv-missing-vm" }]
jira = [{ keys = ["MTV-2"] }]

[[tests]]
name = "fails-at-migrate"
virtual_machines = [{ name = "mtv-rhel8-fail-conversion" }]
jira = [{ keys = ["MTV-2"] }]

[[tests]]
name = "resolved"
virtual_machines = [{ name = "mtv-rhel8-2disks" }]
jira = [{ keys = ["MTV-3"] }]
"#;

fn jira() -> JiraServer {
    let issues = [Issue::new("MTV-1", "Open"), Issue::new("MTV-2", "In Progress"), Issue::new("MTV-3", "Closed").resolution("Done")];
    JiraServer::start(TOKEN, issues, Scenario::default())
}

/// `passed`, or `kind:type message`.
fn outcome(xml: &str, classname: &str, name: &str) -> String {
    match case_outcome(xml, classname, name) {
        (kind, _) if kind == "passed" => kind,
        (kind, message) => format!("{kind} {message}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn jira_verdicts_become_skips_and_expected_failures_judged_per_test() {
    let server = jira();
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {}\ntoken = {TOKEN}\n", server.url)).unwrap();
    let output = run_against(&ws, &sim, &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "xfail and a non-strict XPASS are not failures:\n{stdout}\n{stderr}");
    assert!(stderr.contains("JIRA gating on"), "{stderr}");
    assert!(stdout.contains("2 xfailed") && stdout.contains("1 xpassed"), "{stdout}");
    assert!(!stdout.contains("FAILED"), "{stdout}");
    let xml = ws.read("junit-report.xml");
    let browse = format!("{}/browse/MTV-1", server.url);
    assert_eq!(outcome(&xml, "plan::skipped-while-open", "migrate"), format!("skipped:skip {browse}"));
    // A gated test that passes: every step passed, the last carries the XPASS.
    for step in ["create_storagemap", "create_networkmap", "create_plan", "migrate", "check_vms"] {
        assert_eq!(outcome(&xml, "plan::open-but-passes", step), "passed", "{step}: {xml}");
    }
    let mtv2 = format!("{}/browse/MTV-2", server.url);
    assert!(xml.contains(&format!("<property name=\"xpass\" value=\"{mtv2}\"/>")), "{xml}");
    // A gated test that fails: steps before the failure passed, then one xfail with the gate's reason.
    for (test, failing) in [("open-and-fails", "create_plan"), ("fails-at-migrate", "migrate")] {
        let steps = ["create_storagemap", "create_networkmap", "create_plan", "migrate", "check_vms"];
        let at = steps.iter().position(|s| *s == failing).unwrap();
        for step in &steps[..at] {
            assert_eq!(outcome(&xml, &format!("plan::{test}"), step), "passed", "{test} {step}: {xml}");
        }
        assert_eq!(outcome(&xml, &format!("plan::{test}"), failing), format!("skipped:xfail xfail: {mtv2}"), "{xml}");
    }
    assert!(!xml.contains("<failure"), "{xml}");
    for step in ["create_plan", "migrate", "check_vms"] {
        assert_eq!(outcome(&xml, "plan::resolved", step), "passed");
    }
    assert!(xml.contains(&format!("<property name=\"gate\" value=\"xfail: {mtv2}\"/>")), "gate decisions are properties:\n{xml}");
    for content in [stdout, stderr, xml, ws.read("mtv-host.log")] {
        assert!(!content.contains(TOKEN), "the JIRA token leaked");
    }
    assert!(
        server.authorizations().iter().all(|a| a.as_deref() == Some(&format!("Bearer {TOKEN}") as &str)),
        "the host attaches the token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_xfail_strict_a_gated_test_that_passes_fails_the_run() {
    let server = jira();
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {}\ntoken = {TOKEN}\n", server.url)).unwrap();
    let output = run_against(&ws, &sim, &["--set", "xfail_strict=true"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "a strict XPASS fails the run:\n{stdout}\n{stderr}");
    let xpass = "FAILED plan::open-but-passes - XPASS(strict): ";
    assert!(
        stdout.lines().any(|line| line.starts_with(xpass) && line.contains("/browse/MTV-2")),
        "the summary gives the reason:\n{stdout}"
    );
    assert!(stdout.contains("1 failed") && stdout.contains("2 xfailed"), "{stdout}");
    let xml = ws.read("junit-report.xml");
    assert_eq!(outcome(&xml, "plan::open-but-passes", "migrate"), "passed", "{xml}");
    assert!(outcome(&xml, "plan::open-but-passes", "check_vms").starts_with("failure:xpass XPASS(strict)"), "{xml}");
    assert!(outcome(&xml, "plan::fails-at-migrate", "migrate").starts_with("skipped:xfail"), "{xml}");
}

#[test]
fn collect_only_asks_jira_and_prints_each_decision_with_its_reason() {
    let server = jira();
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {}\ntoken = {TOKEN}\n", server.url)).unwrap();
    let output = ws.run(&["--collect-only"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(server.total_requests() > 0, "--collect-only asks JIRA");
    let line = |test: &str| stdout.lines().find(|l| l.starts_with(&format!("plan::{test} "))).unwrap_or_default().to_string();
    assert!(line("skipped-while-open").ends_with(&format!("SKIP ({}/browse/MTV-1)", server.url)), "{stdout}");
    assert!(line("open-but-passes").ends_with(&format!("XFAIL ({}/browse/MTV-2)", server.url)), "{stdout}");
    assert!(line("resolved").ends_with("  run"), "{stdout}");
    // --setup-plan stays offline.
    let before = server.total_requests();
    let output = ws.run(&["--setup-plan"]);
    assert_eq!(code(&output), 0, "{}", text(&output).1);
    assert_eq!(server.total_requests(), before, "--setup-plan asks nothing");
    assert!(text(&output).0.contains("# plan::skipped-while-open — run"), "{}", text(&output).0);
}

#[tokio::test(flavor = "multi_thread")]
async fn force_run_runs_a_gated_test_without_asking_jira() {
    let server = jira();
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {}\ntoken = {TOKEN}\n", server.url)).unwrap();
    let output = run_against(&ws, &sim, &["-k", "open-but-passes", "--jira-force-run", "MTV-2"]).await;
    assert_eq!(code(&output), 0, "{}", text(&output).1);
    assert_eq!(outcome(&ws.read("junit-report.xml"), "plan::open-but-passes", "check_vms"), "passed");
}

/// jira.cfg as pytest-jira 0.3.22 reads it: `%%` is `%`, a username beside
/// a token still sends the token as Bearer, and `ssl_verification` turns off
/// (or redirects to a CA bundle) certificate checks for JIRA's origin only.
#[test]
fn jira_cfg_is_read_as_pytest_jira_0_3_22_reads_it() {
    const RAW_TOKEN: &str = "canary-%jira-5e2a";
    let server = JiraServer::start(RAW_TOKEN, [Issue::new("MTV-1", "Open"), Issue::new("MTV-2", "In Progress")], Scenario::default());
    let front = server.tls_front();
    let ws = Workspace::new(GATED, "", "");
    let cfg =
        |tls: &str| format!("[DEFAULT]\nurl = {front}\nusername = mtv-ci\ntoken = canary-%%jira-5e2a\nconnection_retry_total = 0\n{tls}");
    let open_but_passes = |stdout: &str| stdout.lines().find(|l| l.starts_with("plan::open-but-passes ")).unwrap_or_default().to_string();

    // The test CA is in no system store: verified, JIRA cannot be reached.
    std::fs::write(ws.path("jira.cfg"), cfg("")).unwrap();
    let output = ws.run(&["--collect-only"]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stderr}");
    assert!(open_but_passes(&stdout).contains("SKIP (JIRA unavailable: cannot connect to"), "{stdout}\n{stderr}");
    assert_eq!(server.total_requests(), 0, "no request crossed an unverified connection");

    for (tls, warned) in [("ssl_verification = False\n", true), ("ssl_verification = ca.pem\n", false)] {
        std::fs::copy(support::tls_server::tls_file("ca.pem"), ws.path("ca.pem")).unwrap();
        std::fs::write(ws.path("jira.cfg"), cfg(tls)).unwrap();
        let output = ws.run(&["--collect-only"]);
        let (stdout, stderr) = text(&output);
        assert_eq!(code(&output), 0, "{stderr}");
        assert!(open_but_passes(&stdout).ends_with(&format!("XFAIL ({front}/browse/MTV-2)")), "{tls}: {stdout}\n{stderr}");
        assert_eq!(stderr.contains("ssl_verification = False: the certificate of"), warned, "{stderr}");
        for content in [&stdout, &stderr] {
            assert!(!content.contains("canary-"), "the JIRA token leaked");
        }
    }
    let expected = format!("Bearer {RAW_TOKEN}");
    let authorizations = server.authorizations();
    assert!(!authorizations.is_empty() && authorizations.iter().all(|a| a.as_deref() == Some(expected.as_str())), "{authorizations:?}");

    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {front}\ntoken = canary-%jira-5e2a\n")).unwrap();
    let output = ws.run(&["--collect-only"]);
    let (_, stderr) = text(&output);
    // A dry run reports jira.cfg problems and goes on ungated; a run stops on them.
    assert_eq!(code(&output), 0, "{stderr}");
    assert!(stderr.contains("jira.cfg:3: `token`: has a `%` not followed by `%` or `(`") && stderr.contains("write `%%`"), "{stderr}");
    assert!(!stderr.contains("canary-"), "{stderr}");
}

#[test]
fn a_gate_error_stops_the_run_with_its_message() {
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), "[DEFAULT]\nurl = http://127.0.0.1:9\nissue_regex = [unclosed\n").unwrap();
    let output = ws.run(&["--collect-only"]);
    let (_, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stderr}");
    assert!(stderr.contains("gate plugin 'jira' stopped the run") && stderr.contains("issue_regex"), "{stderr}");
}

#[test]
fn without_jira_settings_the_run_says_how_to_turn_gating_on() {
    let ws = Workspace::new(GATED, "", "");
    let output = ws.run(&["--collect-only"]);
    assert_eq!(code(&output), 0);
    let (stdout, stderr) = text(&output);
    assert!(stderr.contains("JIRA gating is off") && stderr.contains("jira.cfg"), "{stderr}");
    assert!(stdout.contains("plan::skipped-while-open  [jira(\"MTV-1\", run=false)]  run"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_while_the_gate_waits_on_jira_still_reports_every_test_as_not_run() {
    let scenario = Scenario { slow_answers: std::time::Duration::from_secs(30), ..Scenario::default() };
    let server = JiraServer::start(TOKEN, [Issue::new("MTV-1", "Open")], scenario);
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(GATED, "", "");
    std::fs::write(ws.path("jira.cfg"), format!("[DEFAULT]\nurl = {}\ntoken = {TOKEN}\n", server.url)).unwrap();
    // A report from an earlier run must not pass for this run's.
    std::fs::write(ws.path("junit-report.xml"), "<testsuites><testsuite name=\"earlier\"/></testsuites>").unwrap();
    let mut command = ws.command(&[]);
    command.arg("--cluster").arg("kubeconfig").env("KUBECONFIG", ws.kubeconfig_for(&sim));
    command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while server.authorizations().is_empty() {
        assert!(std::time::Instant::now() < deadline, "the gate never asked JIRA");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let xml = ws.read("junit-report.xml");
    assert!(!xml.contains("earlier"), "{xml}");
    for test in ["skipped-while-open", "open-but-passes", "open-and-fails", "resolved"] {
        let (kind, message) = case_outcome(&xml, &format!("plan::{test}"), "migrate");
        assert_eq!(kind, "skipped:skip", "{test}: {xml}");
        assert!(message.contains("interrupted while asking the gate plugins"), "{test}: {message}");
    }
}
