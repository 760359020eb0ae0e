//! A run against a cluster: connect (the embedded simulator, the kubeconfig
//! cluster or a logged-in one), dispatch the units, write `resources.json`.
//! Also the run that never reached a cluster: stopped while plugins loaded
//! or gates decided, it still reports every selected test, as not run.

use std::sync::Arc;

use mtv_sim::{Sim, SimConfig};

use super::dispatch::{DispatchOptions, run_all};
use super::event::{EventKind, RunTotals, StopReason};
use super::output_dir::OutputDir;
use super::reporting::Reporting;
use super::resources::{RESOURCES_FILE, write_resources};
use super::settings::{ClusterMode, RunSettings};
use super::stop::Stop;
use super::unit::{TestUnit, UnitContext, skip_unit};
use crate::migration::{
    Cluster, ClusterLogin, Ledger, Leftover, check_mtv_installed, client_for_url, client_from_kubeconfig, client_from_login,
    cluster_version,
};
use crate::report::Counts;

/// What the run needs besides the units.
pub struct Execution<'a> {
    pub settings: &'a RunSettings,
    /// The credentials when `cluster = login`.
    pub login: Option<ClusterLogin>,
    pub options: DispatchOptions,
    pub skip_teardown: bool,
    /// Where `resources.json` and, with `collect_data`, failed tests'
    /// objects go.
    pub output: OutputDir,
    pub collect_data: bool,
    pub warnings: Vec<String>,
    pub deselected: usize,
    pub stop: Stop,
}

/// The embedded simulator, the kubeconfig cluster, or a logged-in one; the
/// `Sim` must live as long as the run.
async fn connect(settings: &RunSettings, login: Option<&ClusterLogin>) -> Result<(kube::Client, Option<Sim>, String), String> {
    match settings.cluster {
        ClusterMode::Sim => {
            let mut config = match &settings.sim_inventory {
                Some(path) => SimConfig::from_inventory_file(path).map_err(|e| format!("{e:#} (set sim_inventory under [run])"))?,
                None => SimConfig::default(),
            };
            if let Some(delay) = settings.sim_step_delay {
                config = config.step_delay(delay);
            }
            let sim = Sim::start(config).await.map_err(|e| format!("cannot start the embedded simulator: {e:#}"))?;
            let client = client_for_url(&sim.url()).map_err(|e| e.to_string())?;
            let name = format!("the embedded simulator at {}", sim.url());
            Ok((client, Some(sim), name))
        }
        ClusterMode::Kubeconfig => {
            let client = client_from_kubeconfig().await.map_err(|e| e.to_string())?;
            Ok((client, None, "the kubeconfig cluster".to_owned()))
        }
        ClusterMode::Login => {
            let login = login.ok_or("--cluster login: no credentials were resolved")?;
            let client = client_from_login(login).await.map_err(|e| e.to_string())?;
            Ok((client, None, format!("{} as {}", login.host, login.username)))
        }
    }
}

/// Runs `units` against the cluster and reports them. `Err` when the run
/// could not start (no cluster): nothing was reported then.
pub async fn execute(units: Vec<TestUnit>, run: Execution<'_>, reporting: Reporting) -> Result<RunTotals, String> {
    let connected = run.stop.unless_stopped(connect(run.settings, run.login.as_ref())).await;
    let (client, sim, cluster_name) = match connected {
        Some(connected) => connected?,
        None => return Ok(report_unstarted(units, "connecting to the cluster", run.deselected, reporting).await),
    };
    check_mtv_installed(&client).await?;
    // Not every cluster is OpenShift: without a ClusterVersion the checks accept either serial form.
    let openshift_version = cluster_version(&client).await.unwrap_or_default();
    let ledger = Ledger::default();
    let events = reporting.events().clone();
    let steps = units.iter().map(|u| u.test.spec.steps().len()).sum();
    events.send(EventKind::RunStarted {
        tests: units.iter().map(|u| u.test.id.clone()).collect(),
        steps,
        deselected: run.deselected,
        jobs: run.options.jobs,
        cluster: cluster_name,
    });
    for warning in run.warnings {
        events.send(EventKind::Warning(warning));
    }
    let output = Arc::new(run.output);
    let ctx = Arc::new(UnitContext {
        cluster: Cluster::new(client, ledger.clone()),
        timeouts: run.settings.timeouts,
        skip_teardown: run.skip_teardown,
        xfail_strict: run.settings.xfail_strict,
        openshift_version,
        data_collector: run.collect_data.then(|| Arc::clone(&output)),
        stop: run.stop.clone(),
        events,
    });
    let mut totals = run_all(units, Arc::clone(&ctx), run.options).await;
    drop(ctx);
    if run.stop.is_aborted() {
        totals.leftovers = ledger.remaining().into_iter().map(Leftover::not_torn_down).collect();
    }
    let torn_down = !run.skip_teardown && !run.stop.is_aborted();
    let resources = output.claim(RESOURCES_FILE).and_then(|path| write_resources(&path, &ledger.all(), &totals.leftovers, torn_down));
    if let Err(problem) = resources {
        eprintln!("warning: {problem}");
    }
    reporting.finish().await;
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    if let Some(reason @ StopReason::ReporterFailed { .. }) = run.stop.reason() {
        totals.stopped = Some(reason.clone());
    }
    Ok(totals)
}

/// Reports every unit as not run, because the run was stopped `while`
/// doing something before any test could start.
pub async fn report_unstarted(units: Vec<TestUnit>, during: &str, deselected: usize, reporting: Reporting) -> RunTotals {
    let events = reporting.events().clone();
    events.send(EventKind::RunStarted {
        tests: units.iter().map(|u| u.test.id.clone()).collect(),
        steps: units.iter().map(|u| u.test.spec.steps().len()).sum(),
        deselected,
        jobs: 0,
        cluster: "no cluster (stopped before connecting)".to_owned(),
    });
    let reason = format!("run interrupted while {during}; the test did not start");
    let mut cases = Counts::default();
    let mut tests = Vec::new();
    for unit in &units {
        let record = skip_unit(&events, unit, &reason);
        cases.merge(&record.cases);
        tests.push((record.test, record.status));
    }
    let totals = RunTotals { tests, stopped: Some(StopReason::Interrupted), cases, ..RunTotals::default() };
    events.send(EventKind::RunFinished(totals.clone()));
    drop(events);
    reporting.finish().await;
    totals
}
