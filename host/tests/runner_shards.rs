//! A suite split with `--shard i/n` across several host processes against
//! one simulator, merged with `junit merge`, equals one unsharded run.

mod runner_common;

use mtv_sim::SimConfig;
use runner_common::*;
use std::collections::BTreeSet;

/// Every (classname, name, outcome) in a report.
fn cases(xml: &str) -> BTreeSet<(String, String, String)> {
    let doc = roxmltree::Document::parse(xml).expect("well-formed JUnit");
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|case| {
            let outcome = case
                .children()
                .find(|e| e.is_element() && matches!(e.tag_name().name(), "failure" | "error" | "skipped"))
                .map_or("passed".to_string(), |e| e.tag_name().name().to_string());
            (case.attribute("classname").unwrap_or_default().to_string(), case.attribute("name").unwrap_or_default().to_string(), outcome)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_shards_merge_into_the_unsharded_run() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let ws = Workspace::new(PLAN, "jobs = 2", "");
    let whole = run_against(&ws, &sim, &["--junit-xml", "whole.xml"]).await;
    assert_eq!(code(&whole), 1, "{}", text(&whole).0);

    let runs = (1..=3).map(|i| {
        let (shard, report) = (format!("{i}/3"), format!("shard-{i}.xml"));
        let data = format!("collector-{i}");
        let ws = &ws;
        let sim = &sim;
        async move { run_against(ws, sim, &["--shard", &shard, "--junit-xml", &report, "--data-collector-path", &data]).await }
    });
    let outputs = futures_util::future::join_all(runs).await;
    let mut reports = Vec::new();
    for (i, output) in outputs.iter().enumerate() {
        let (stdout, stderr) = text(output);
        assert!([0, 1].contains(&code(output)), "shard {}: {stdout}\n{stderr}", i + 1);
        let report = ws.path(&format!("shard-{}.xml", i + 1));
        // A shard with no test writes no report; every other one must.
        if stdout.contains("has no tests") {
            continue;
        }
        assert!(report.exists(), "shard {} wrote no report: {stdout}\n{stderr}", i + 1);
        reports.push(report);
    }
    let merged = ws.path("merged.xml");
    mtv_host::report::merge(&reports, &merged).expect("merge");
    let (whole_cases, merged_cases) = (cases(&ws.read("whole.xml")), cases(&ws.read("merged.xml")));
    assert!(!whole_cases.is_empty());
    assert_eq!(merged_cases, whole_cases);
    let (whole_counts, merged_counts) =
        (mtv_host::report::summarize(&ws.path("whole.xml")).unwrap(), mtv_host::report::summarize(&merged).unwrap());
    assert_eq!(
        (merged_counts.tests, merged_counts.failures, merged_counts.errors, merged_counts.skipped),
        (whole_counts.tests, whole_counts.failures, whole_counts.errors, whole_counts.skipped)
    );

    // A sharded run gets one page, built from the merged report alone.
    let page = std::process::Command::new(env!("CARGO_BIN_EXE_mtv-host"))
        .current_dir(ws.path("."))
        .args(["report", "html", "merged.xml", "-o", "merged.html"])
        .output()
        .unwrap();
    assert_eq!(code(&page), 0, "{:?}", text(&page));
    let html = ws.read("merged.html");
    for (test, _, _) in &merged_cases {
        assert!(html.contains(&format!("data-test=\"{test}\"")), "{test} has no section on the merged page");
    }
    // Each shard's migrations keep their timelines: the VMs come from different shards.
    for vm in ["mtv-rhel8-sanity", "mtv-rhel8-2disks", "mtv-rhel8-off"] {
        assert!(html.contains(&format!("VM {vm} pipeline")), "no pipeline for {vm}");
    }
    // missing-vm's bar on the run timeline and its create_plan step, pre-hook-fails' PreHook.
    assert_eq!(html.matches("data-failed").count(), 3, "{html}");
}

/// The plan ten times over, each copy with its own test names.
fn plan_times_ten() -> String {
    let (head, tests) = PLAN.split_once("[[tests]]").expect("plan has tests");
    let tests = format!("[[tests]]{tests}");
    let mut plan = head.to_string();
    for copy in 0..10 {
        plan.push_str(&tests.replace("\nname = \"", &format!("\nname = \"c{copy}-")));
    }
    plan
}

/// Benchmark for BENCHMARKS.md: `cargo test -p mtv-host --release --test
/// runner_shards -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: prints wall times"]
async fn benchmark_one_process_against_four_shards() {
    let (sim, _cluster) = simulator(SimConfig::default().step_delay(std::time::Duration::from_millis(50))).await;
    let ws = Workspace::new(&plan_times_ten(), "jobs = 4", "");
    let started = std::time::Instant::now();
    let whole = run_against(&ws, &sim, &["--junit-xml", "whole.xml"]).await;
    let one_process = started.elapsed();
    let summary = text(&whole).0.lines().filter(|l| l.starts_with("====")).map(str::to_owned).collect::<Vec<_>>().join(" ");
    assert_eq!(code(&whole), 1, "{summary}");

    let started = std::time::Instant::now();
    let runs = (1..=4).map(|i| {
        let (shard, report, data) = (format!("{i}/4"), format!("shard-{i}.xml"), format!("collector-{i}"));
        let (ws, sim) = (&ws, &sim);
        async move { run_against(ws, sim, &["--shard", &shard, "--junit-xml", &report, "--data-collector-path", &data]).await }
    });
    futures_util::future::join_all(runs).await;
    let four_shards = started.elapsed();
    println!("50 tests (quickstart-sized plan x10), 50 ms per pipeline step, -j 4 per process:");
    println!("  1 process   {:>6.1} s  {summary}", one_process.as_secs_f64());
    println!("  4 shards    {:>6.1} s (4 processes against one simulator)", four_shards.as_secs_f64());
}
