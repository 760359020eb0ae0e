//! Gating against JIRA: the jira gate plugin with the JIRA test server on
//! loopback, 20 ms latency per request. Batched search (`key in (…)`) next
//! to one request per issue (search turned off on the server), and the
//! host's own overhead for 10,000 tests.
//!
//! `cargo xtask bench` builds the plugins and runs this.

#[allow(dead_code)] // the bench uses part of the test server
#[path = "../tests/support/jira_server.rs"]
mod jira_server;

use jira_server::{Issue, JiraServer, Scenario};
use mtv_host::plugins::{
    Grants, HostServices, Marker, NoAudit, PluginRuntime, PluginSpec, ReqwestTransport, RunFacts, SecretSource, TestItem,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

struct Credential(String);

impl SecretSource for Credential {
    fn secret(&self, name: &str) -> Result<String, String> {
        Err(format!("no secret {name}"))
    }
    fn origin_credential(&self, _origin: &str) -> Option<String> {
        Some(self.0.clone())
    }
}

fn tests(count: usize, issues: usize) -> Vec<TestItem> {
    (0..count)
        .map(|n| TestItem {
            id: format!("plan::t{n}"),
            name: format!("t{n}"),
            markers: vec![Marker {
                name: "jira".into(),
                args: vec![format!("MTV-{}", n % issues + 1)],
                kwargs: vec![("run".into(), "false".into())],
            }],
        })
        .collect()
}

/// (wall time, requests the server saw)
fn gate(tests: &[TestItem], issues: usize, scenario: Scenario) -> anyhow::Result<(Duration, usize)> {
    let server = JiraServer::start(
        TOKEN,
        (1..=issues).map(|n| Issue::new(&format!("MTV-{n}"), if n % 2 == 0 { "Closed" } else { "Open" })),
        scenario,
    );
    let services = HostServices {
        secrets: Arc::new(Credential(format!("Bearer {TOKEN}"))),
        transport: Arc::new(ReqwestTransport::new()),
        audit: Arc::new(NoAudit),
    };
    let dir = std::env::var_os("MTV_PLUGIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/plugins"));
    let runtime = PluginRuntime::new(services, None)?;
    let spec = PluginSpec {
        name: "jira".into(),
        path: dir.join("jira.wasm"),
        grants: Grants { http: vec![server.url.clone()], secrets: vec![] },
        settings: [("url".to_string(), server.url.clone())].into(),
        ..Default::default()
    };
    let plugin = runtime.load(&spec)?;
    let facts = RunFacts {
        source_provider: "rhv".into(),
        source_provider_type: "ovirt".into(),
        source_provider_version: None,
        storage_class: "sc".into(),
        dry_run: false,
    };
    let started = Instant::now();
    let outcome = runtime.gate_decide(&plugin, &facts, tests)?.map_err(anyhow::Error::msg)?;
    let elapsed = started.elapsed();
    anyhow::ensure!(outcome.verdicts.len() == tests.len(), "a verdict per test");
    Ok((elapsed, server.total_requests()))
}

fn main() -> anyhow::Result<()> {
    let latency = Scenario { latency: Duration::from_millis(20), ..Default::default() };
    let thousand = tests(1_000, 200);
    let (batched, batched_requests) = gate(&thousand, 200, latency.clone())?;
    let (per_issue, per_issue_requests) = gate(&thousand, 200, Scenario { search_disabled: true, ..latency })?;
    println!("1,000 tests on 200 issues, 20 ms per request:");
    println!("  batched search      {:>4} requests  {:>8.1} ms", batched_requests, batched.as_secs_f64() * 1e3);
    println!("  one per issue       {:>4} requests  {:>8.1} ms", per_issue_requests, per_issue.as_secs_f64() * 1e3);

    let ten_thousand = tests(10_000, 200);
    let (overhead, requests) = gate(&ten_thousand, 200, Scenario::default())?;
    println!(
        "10,000 tests on 200 issues, no latency: {requests} requests, {:.1} ms in all (host + plugin + loopback)",
        overhead.as_secs_f64() * 1e3
    );
    Ok(())
}
