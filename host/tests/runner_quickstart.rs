//! The quickstart as shipped: `examples/quickstart/mtv-host.toml` against
//! the embedded simulator with the vendor plugins, from any directory.

mod runner_common;
mod support;

use std::process::Command;

use mtv_host::report::summarize;
use runner_common::*;
use support::plugin;

#[test]
fn the_quickstart_has_exactly_its_documented_outcomes() {
    plugin("ontap");
    plugin("vantara");
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(cwd.path())
        .args(["run", "--config"])
        .arg(quickstart_dir().join("mtv-host.toml"))
        .env("HOME", cwd.path())
        .env("MTV_HOST_CACHE_DIR", cwd.path().join("cache"))
        .env_remove("PROVIDERS_JSON_PATH")
        .env_remove("PYTEST_JIRA_URL")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "the one real failure makes the run fail:\n{stdout}\n{stderr}");
    for line in [
        "PASSED plan::cold-rhel8-sanity",
        "PASSED plan::warm-rhel9",
        "PASSED plan::copyoffload-ontap",
        "PASSED plan::copyoffload-vantara",
        "PASSED plan::pre-hook-fails",
        "PASSED plan::jira-gated-win2019",
        "PASSED plan::cold-rhel8-2disks",
        "FAILED plan::missing-vm",
        "SKIPPED plan::openstack-only (0.0s) - applies only to source providers of type openstack",
        "1 failed, 7 passed, 1 skipped",
    ] {
        assert!(stdout.contains(line), "missing {line:?}:\n{stdout}");
    }
    assert!(stderr.contains("JIRA gating is off"), "{stderr}");
    // The profile serves two vendors' tests: neither vendor's keys are typos for the other's.
    assert!(!stdout.contains("is not a copy-offload key"), "{stdout}");
    let counts = summarize(&cwd.path().join("junit-report.xml")).unwrap();
    // 7 tests of 5 steps and 2 copy-offload tests of 6; the failure's 2
    // later steps are xfail, the skipped test's 5 steps are skips.
    assert_eq!((counts.tests, counts.failures, counts.errors, counts.skipped), (47, 1, 0, 7), "{counts:?}");
}
