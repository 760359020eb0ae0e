//! The report page (`report.html`) of the quickstart, opened in a real
//! headless browser (Debian's chromium, driven by playwright-core; both
//! installed by `.ci/setup`), and rebuilt from the JUnit report alone.
//!
//! Without the browser the browser checks are skipped with a message,
//! except under `CI=true`, where a missing browser fails the test.

mod runner_common;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use runner_common::*;
use serde_json::Value;
use support::plugin;

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Opens `page` in chromium and returns what `check_page.mjs` found, or
/// `None` (skipped) when no browser is installed outside CI.
fn open_in_browser(page: &Path, screenshot: Option<&Path>) -> Option<Value> {
    let missing: Vec<String> = [
        (!chromium().is_file()).then(|| format!("{} (apt-get install chromium)", chromium().display())),
        (!browser_dir().join("node_modules/playwright-core").is_dir())
            .then(|| format!("{}/node_modules/playwright-core (npm ci in that directory)", browser_dir().display())),
        Command::new("node").arg("--version").output().is_err().then(|| "node".to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        let message = format!("no browser to open the report page: missing {}; run .ci/setup", missing.join(", "));
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true: {message}");
        eprintln!("SKIPPED browser checks: {message}");
        return None;
    }
    let mut command = Command::new("node");
    command.arg(browser_dir().join("check_page.mjs")).arg(page).env("CHROMIUM", chromium());
    if let Some(screenshot) = screenshot {
        command.arg(screenshot);
    }
    let output = command.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the browser could not open {}:\n{stdout}\n{}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("check_page.mjs printed no JSON ({e}):\n{stdout}")))
}

/// Runs the quickstart as shipped in a scratch directory, with `args`.
fn quickstart_with(dir: &Path, args: &[&str]) -> std::process::Output {
    plugin("ontap");
    plugin("vantara");
    Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(dir)
        .args(["run", "--config"])
        .arg(quickstart_dir().join("mtv-host.toml"))
        .args(args)
        .env("HOME", dir)
        .env("MTV_HOST_CACHE_DIR", dir.join("cache"))
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("PYTEST_JIRA_URL")
        .output()
        .unwrap()
}

fn quickstart_run(dir: &Path) -> (String, String) {
    let output = quickstart_with(dir, &[]);
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "the quickstart has one failing test:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn html_puts_the_page_elsewhere_and_no_html_writes_none() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pages")).unwrap();
    let output = quickstart_with(dir.path(), &["-k", "cold-rhel8-sanity", "--html", "pages/run.html"]);
    assert!(text(&output).0.contains("report page: pages/run.html"), "{:?}", text(&output));
    assert!(dir.path().join("pages/run.html").is_file() && !dir.path().join("report.html").exists());

    let output = quickstart_with(dir.path(), &["-k", "cold-rhel8-sanity", "--no-html"]);
    assert_eq!(code(&output), 0, "{:?}", text(&output));
    assert!(!text(&output).0.contains("report page"), "{:?}", text(&output));
    assert!(!dir.path().join("report.html").exists());
}

fn report_html(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host")).current_dir(dir).args(["report", "html"]).args(args).output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    stdout
}

/// The test ids of a JUnit report, in order.
fn test_ids(junit: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(junit).unwrap();
    let mut ids: Vec<String> = Vec::new();
    for case in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let id = case.attribute("classname").unwrap_or_default().to_owned();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[test]
fn the_quickstart_page_opens_in_a_browser_and_shows_every_test_and_the_failed_step() {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, _) = quickstart_run(dir.path());
    assert!(stdout.contains("report page: report.html"), "the console names the page:\n{stdout}");
    let page = dir.path().join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();

    // One renderer over one set of facts: the report rebuilt from the JUnit file is the run's page.
    let rebuilt = report_html(dir.path(), &["junit-report.xml", "-o", "rebuilt.html"]);
    assert!(rebuilt.contains("report page: rebuilt.html (9 tests, 1 failed)"), "{rebuilt}");
    assert_eq!(std::fs::read_to_string(dir.path().join("rebuilt.html")).unwrap(), html, "the rebuilt page differs from the run's");

    let ids = test_ids(&std::fs::read_to_string(dir.path().join("junit-report.xml")).unwrap());
    assert_eq!(ids.len(), 9, "{ids:?}");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-page");
    std::fs::create_dir_all(&shots).unwrap();
    let screenshot = shots.join("quickstart.png");
    let Some(found) = open_in_browser(&page, Some(&screenshot)) else { return };

    assert_eq!(found["console_errors"], serde_json::json!([]), "console errors");
    assert_eq!(found["requests"], serde_json::json!([]), "the page made network requests");
    assert_eq!(found["scripts"], 0);
    assert!(found["csp"].as_str().is_some_and(|csp| csp.contains("default-src 'none'")), "{}", found["csp"]);
    let text = found["text"].as_str().unwrap();
    for id in &ids {
        assert!(text.contains(id.as_str()), "{id} is not on the page");
    }
    let tests = found["tests"].as_array().unwrap();
    let failing = tests.iter().find(|t| t["id"] == "plan::missing-vm").expect("the failing test has a section");
    let marked: Vec<&str> = failing["failed_bars"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(marked.len(), 1, "{failing}");
    assert!(marked[0].starts_with("create_plan FAILED"), "the failed step is marked: {marked:?}");
    // The expected hook failure: the VM's pipeline marks PreHook.
    let hook = tests.iter().find(|t| t["id"] == "plan::pre-hook-fails").unwrap();
    assert!(hook["failed_bars"].as_array().unwrap().iter().any(|t| t.as_str().is_some_and(|t| t.starts_with("PreHook"))), "{hook}");
    assert!(hook["timelines"].as_array().unwrap().iter().any(|t| t == "plan::pre-hook-fails VM mtv-hook-vm pipeline"), "{hook}");
    // Passing tests mark nothing.
    let sanity = tests.iter().find(|t| t["id"] == "plan::cold-rhel8-sanity").unwrap();
    assert_eq!(sanity["failed_bars"], serde_json::json!([]), "{sanity}");
    assert!(std::fs::metadata(&screenshot).unwrap().len() > 10_000, "a screenshot was taken");
    eprintln!("screenshot: {}", screenshot.display());
}

#[test]
fn a_report_that_is_not_junit_gets_no_page_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.xml"), "<notes/>").unwrap();
    let output =
        Command::new(env!("CARGO_BIN_EXE_mtv-host")).current_dir(dir.path()).args(["report", "html", "notes.xml"]).output().unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}");
    assert!(stderr.contains("notes.xml is not a JUnit report") && stderr.contains("<notes>"), "{stderr}");
    assert!(!dir.path().join("report.html").exists());
}

/// A JUnit report of `tests` tests of five steps each, every one with a
/// VM pipeline and checks, one in ten failing, spread over an hour.
fn large_report(tests: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"mtv-host\" time=\"3600\" timestamp=\"2026-11-30T00:00:00.000Z\"><properties><property name=\"source_provider\" value=\"vsphere\"/></properties>",
    );
    let at = |s: usize| format!("2026-11-30T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60);
    for t in 0..tests {
        let start = t * 3 % 3000;
        let steps = ["create_storagemap", "create_networkmap", "create_plan", "migrate", "check_vms"];
        for (i, step) in steps.iter().enumerate() {
            let (from, to) = (at(start + i * 100), at(start + i * 100 + 90));
            xml.push_str(&format!(
                "<testcase classname=\"plan::bench-{t}\" name=\"{step}\" time=\"90\"><properties><property name=\"started\" value=\"{from}\"/><property name=\"finished\" value=\"{to}\"/>"
            ));
            if *step == "migrate" {
                let pipeline = serde_json::json!({"vm": format!("vm-{t}"), "phase": "Completed", "pipeline": [
                    {"name": "Initialize", "phase": "Completed", "started": at(start + 300), "completed": at(start + 310)},
                    {"name": "DiskAllocation", "phase": "Completed", "started": at(start + 310), "completed": at(start + 320)},
                    {"name": "DiskTransfer", "phase": "Completed", "started": at(start + 320), "completed": at(start + 360),
                     "tasks": [{"name": "disk-0", "progress": {"completed": 100, "total": 100}}, {"name": "disk-1", "progress": {"completed": 100, "total": 100}}]},
                    {"name": "ImageConversion", "phase": "Completed", "started": at(start + 360), "completed": at(start + 380)},
                    {"name": "VirtualMachineCreation", "phase": "Completed", "started": at(start + 380), "completed": at(start + 390)}]});
                xml.push_str(&format!(
                    "<property name=\"pipeline\" value=\"{}\"/>",
                    pipeline.to_string().replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;")
                ));
            }
            xml.push_str("</properties>");
            if *step == "check_vms" && t % 10 == 0 {
                xml.push_str(
                    "<failure message=\"VM vm: 1 disks on the destination, 2 transferred\" type=\"VmCheckFailed\">detail</failure>",
                );
            }
            xml.push_str("</testcase>");
        }
    }
    xml.push_str("</testsuite></testsuites>\n");
    xml
}

/// Benchmark for BENCHMARKS.md: `cargo test -p mtv-host --release --test
/// report_page -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark: prints timings"]
fn benchmark_a_thousand_test_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("large.xml"), large_report(1000)).unwrap();
    let started = Instant::now();
    report_html(dir.path(), &["large.xml", "-o", "large.html"]);
    let build = started.elapsed();
    let page = dir.path().join("large.html");
    let size = std::fs::metadata(&page).unwrap().len();
    let found = open_in_browser(&page, None).expect("a browser");
    assert_eq!(found["tests"].as_array().unwrap().len(), 1000);
    println!("report page, 1,000 tests (5,000 steps, 1,000 VM pipelines):");
    println!("  mtv-host report html  {:>7.0} ms  ({:.1} MB)", build.as_secs_f64() * 1000.0, size as f64 / 1e6);
    println!("  chromium load+paint   {:>7.0} ms", found["load_ms"].as_f64().unwrap());
}
