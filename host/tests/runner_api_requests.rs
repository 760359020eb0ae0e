//! Waiting is a watch, not a poll: the API requests one migration test
//! makes stay flat as its pipeline gets slower. Prints the numbers
//! (BENCHMARKS.md, "Migrations"):
//!
//! `cargo test -p mtv-host --release --test runner_api_requests -- --nocapture`

mod runner_common;

use std::time::{Duration, Instant};

use mtv_sim::SimConfig;
use runner_common::*;

const ONE_TEST: &str = r#"
[[tests]]
name = "cold-sanity"
virtual_machines = [{ name = "mtv-rhel8-sanity" }]
target_power_state = "on"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn api_requests_per_migration_stay_flat_as_the_migration_gets_slower() {
    let mut rows = Vec::new();
    for step_ms in [5u64, 50, 200, 500] {
        let (sim, cluster) = simulator(SimConfig::default().step_delay(Duration::from_millis(step_ms))).await;
        let ws = Workspace::new(ONE_TEST, "", "");
        let before = sim.stats();
        let started = Instant::now();
        let output = run_against(&ws, &sim, &["--skip-data-collector"]).await;
        let elapsed = started.elapsed();
        assert_eq!(code(&output), 0, "{}", text(&output).1);
        let after = sim.stats();
        assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES);
        let total = after.total - before.total;
        let watches = after.watch - before.watch;
        rows.push((step_ms, elapsed, total, watches, after.get - before.get));
    }
    println!("| step delay | migration test wall time | API requests | of which watches | of which GETs |");
    println!("|---:|---:|---:|---:|---:|");
    for (step_ms, elapsed, total, watches, gets) in &rows {
        println!("| {step_ms} ms | {:.2} s | {total} | {watches} | {gets} |", elapsed.as_secs_f64());
    }
    let fewest = rows.iter().map(|r| r.2).min().unwrap_or_default();
    let most = rows.iter().map(|r| r.2).max().unwrap_or_default();
    assert!(most - fewest <= 2, "requests grew with the migration's duration: {rows:?}");
}

/// 200 migration tests at once (`-j 200`) against one simulator, 100 ms per
/// pipeline step. Ignored by default (about 10 s):
/// `cargo test -p mtv-host --test runner_api_requests -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark; run with --ignored"]
async fn two_hundred_concurrent_migrations() {
    let plan: String =
        (0..200).map(|i| format!("[[tests]]\nname = \"cold-{i:03}\"\nvirtual_machines = [{{ name = \"mtv-rhel8-sanity\" }}]\n")).collect();
    let (sim, cluster) = simulator(SimConfig::default().step_delay(Duration::from_millis(100))).await;
    let ws = Workspace::new(&plan, "jobs = 200", "");
    let started = Instant::now();
    let output = run_against(&ws, &sim, &["--skip-data-collector"]).await;
    let elapsed = started.elapsed();
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("200 passed"), "{stdout}");
    assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES);
    let stats = sim.stats();
    println!("| tests at once | wall time | API requests | per test | of which watches |");
    println!("|---:|---:|---:|---:|---:|");
    println!("| 200 | {:.2} s | {} | {:.1} | {} |", elapsed.as_secs_f64(), stats.total, stats.total as f64 / 200.0, stats.watch);
}
