//! `--analyze-with-ai` in a run: a run with a failure sends its report to
//! JJI and writes the enriched report back. `JJI_TOKEN` goes to the JJI
//! server as a bearer token that the host attaches, and nowhere else.

mod runner_common;
mod support;

use mtv_sim::SimConfig;
use runner_common::*;
use support::jji::{FakeJji, Reply, annotated};
use support::plugin;

const TOKEN: &str = "canary-jji-token-3e9d71";

/// Runs the failing test with `--analyze-with-ai` and `dotenv` as `.env`;
/// returns the JJI double and everything the run printed and wrote.
async fn analyzed_run(dotenv: impl Fn(&str) -> String) -> (FakeJji, Workspace, String) {
    let server = FakeJji::start(Reply::Annotate);
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
    let requests = server.requests();
    let enriched = annotated(&sent_report(&requests[0].body));
    assert!(enriched.contains("ai_classification"), "{enriched}");
    assert_eq!(ws.read("junit-report.xml"), enriched, "the enriched report replaced the original");
    // The page is built after enrichment: the analysis shows with its test.
    let page = ws.read("report.html");
    let section = &page[page.find(r#"data-test="plan::missing-vm""#).expect("the test's section")..];
    assert!(section.contains("<h4>AI analysis</h4><dl><dt>classification</dt><dd>PRODUCT BUG</dd>"), "{section}");
    assert_eq!(requests.len(), 1);
    assert!(requests[0].head.to_ascii_lowercase().contains(&format!("authorization: bearer {TOKEN}")), "{}", requests[0].head);
    assert!(!all.contains(TOKEN), "the JJI token leaked:\n{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_jji_token_no_authorization_is_sent() {
    let (server, ws, all) = analyzed_run(|url| format!("JJI_SERVER_URL={url}\n")).await;
    assert_eq!(ws.read("junit-report.xml"), annotated(&sent_report(&server.requests()[0].body)), "{all}");
    assert!(!server.requests()[0].head.to_ascii_lowercase().contains("authorization:"), "{}", server.requests()[0].head);
}

/// The report the run sent to JJI (`raw_xml` of the request).
fn sent_report(body: &[u8]) -> String {
    let request: serde_json::Value = serde_json::from_slice(body).expect("a JSON request");
    request["raw_xml"].as_str().expect("raw_xml").to_owned()
}
