//! `--analyze-with-ai` in a run: a run with a failure sends its report to
//! JJI and writes the enriched report back. `JJI_TOKEN` goes to the JJI
//! server as a bearer token that the host attaches, and nowhere else.

mod runner_common;
mod support;

use mtv_sim::SimConfig;
use runner_common::*;
use support::jji::{FakeJji, Reply, enriched_report};
use support::plugin;

const TOKEN: &str = "canary-jji-token-3e9d71";

/// Runs the failing test with `--analyze-with-ai` and `dotenv` as `.env`;
/// returns the JJI double and everything the run printed and wrote.
async fn analyzed_run(dotenv: impl Fn(&str) -> String) -> (FakeJji, Workspace, String) {
    let server = FakeJji::start(Reply::completed(&enriched_report()));
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "", &format!("[[plugins]]\nname = \"jji\"\npath = {:?}\n", plugin("jji")));
    std::fs::write(ws.path(".env"), dotenv(&server.url)).unwrap();
    let output = run_against(&ws, &sim, &["--analyze-with-ai", "-k", "missing-vm"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "the test fails on purpose:\n{stdout}\n{stderr}");
    let mut all = format!("{stdout}\n{stderr}");
    for file in ["junit-report.xml", "mtv-host.log", "mtv-host-audit.jsonl"] {
        all.push_str(&ws.read(file));
    }
    (server, ws, all)
}

#[tokio::test(flavor = "multi_thread")]
async fn jji_token_reaches_the_jji_server_as_a_bearer_token_and_nothing_else() {
    let (server, ws, all) = analyzed_run(|url| format!("JJI_SERVER_URL={url}\nJJI_TOKEN={TOKEN}\n")).await;
    assert_eq!(ws.read("junit-report.xml"), enriched_report(), "the enriched report replaced the original");
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].head.to_ascii_lowercase().contains(&format!("authorization: bearer {TOKEN}")), "{}", requests[0].head);
    assert!(!all.contains(TOKEN), "the JJI token leaked:\n{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_jji_token_no_authorization_is_sent() {
    let (server, ws, all) = analyzed_run(|url| format!("JJI_SERVER_URL={url}\n")).await;
    assert_eq!(ws.read("junit-report.xml"), enriched_report(), "{all}");
    assert!(!server.requests()[0].head.to_ascii_lowercase().contains("authorization:"), "{}", server.requests()[0].head);
}
