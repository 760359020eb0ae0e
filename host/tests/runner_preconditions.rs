//! The session preconditions: before any test starts, the MTV operator's
//! Subscription and ClusterServiceVersion must have succeeded and the forklift
//! pods run; otherwise the run says what is wrong and starts nothing.

mod runner_common;

use mtv_host::migration::{check_mtv_installed, client_for_url, cluster_version};
use mtv_sim::{Scenario, SimConfig};
use runner_common::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_mtv_install_stops_the_run_before_any_test_with_what_is_wrong() {
    let failed = Scenario { operator_failed: true, step_delay_ms: 5, ..Scenario::default() };
    let (sim, cluster) = simulator(SimConfig::default().scenario(failed)).await;
    let ws = Workspace::new(PLAN, "", "");
    let output = run_against(&ws, &sim, &[]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(code(&output), 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("MTV is not ready on the cluster, so no test was started"), "{stderr}");
    assert!(
        stderr.contains("the ClusterServiceVersion openshift-mtv/mtv-operator.v2.10.0 is \"Failed\", not Succeeded (InstallCheckFailed"),
        "{stderr}"
    );
    assert!(stderr.contains("is \"Pending\", not Running (CrashLoopBackOff)"), "{stderr}");
    assert!(!stdout.contains("passed") && !stdout.contains("failed"), "no test ran:\n{stdout}");
    assert_eq!(namespaces(&cluster).await, SEEDED_NAMESPACES, "nothing was created");
    assert_eq!(sim.stats().by_resource.get("plans"), None, "no Plan was touched");
}

/// Checks until the result is `Ok` (`healthy`) or `Err`: the controller
/// applies a scenario change on its own task.
async fn check_until(client: &kube::Client, healthy: bool) -> Result<(), String> {
    let mut result = check_mtv_installed(client).await;
    for _ in 0..200 {
        if result.is_ok() == healthy {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        result = check_mtv_installed(client).await;
    }
    result
}

#[tokio::test]
async fn the_check_follows_the_install_and_the_cluster_version_is_read() {
    let (sim, _cluster) = simulator(SimConfig::default()).await;
    let client = client_for_url(&sim.url()).unwrap();
    check_mtv_installed(&client).await.unwrap();
    assert_eq!(cluster_version(&client).await.unwrap().as_deref(), Some("4.20.0"));
    sim.scenario().update(|s| s.operator_failed = true);
    let problem = check_until(&client, false).await.unwrap_err();
    assert!(problem.contains("forklift-controller-") && problem.contains("CrashLoopBackOff"), "{problem}");
    sim.scenario().update(|s| s.operator_failed = false);
    check_until(&client, true).await.unwrap();
}
