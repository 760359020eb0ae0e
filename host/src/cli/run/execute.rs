//! A real run: the cluster (embedded simulator or kubeconfig), signals,
//! reporters, the dispatcher, `resources.json`, then reporter plugins.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mtv_host::migration::{Cluster, ClusterLogin, Ledger, client_for_url, client_from_kubeconfig, client_from_login};
use mtv_host::report::Counts;
use mtv_host::runner::reporters::{self, ConsoleReporter, JunitReporter, LogFileReporter, Reporter};
use mtv_host::runner::{
    ClusterMode, DispatchOptions, Event, RESOURCES_FILE, RunSettings, RunTotals, TestUnit, UnitContext, run_all, write_resources,
};
use mtv_sim::{Sim, SimConfig};
use tokio_util::sync::CancellationToken;

/// What the run needs besides the units.
pub(crate) struct Execution<'a> {
    pub settings: &'a RunSettings,
    /// The credentials when `cluster = login`.
    pub login: Option<ClusterLogin>,
    pub options: DispatchOptions,
    pub skip_teardown: bool,
    /// `None` with `--skip-data-collector`.
    pub data_collector: Option<PathBuf>,
    /// Where `resources.json` goes.
    pub resources_dir: PathBuf,
    pub suite_properties: Vec<(String, String)>,
    pub warnings: Vec<String>,
    pub deselected: usize,
}

pub(crate) struct Finished {
    pub totals: RunTotals,
    pub report: Option<Result<Counts, String>>,
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

/// Ctrl-C or SIGTERM.
async fn signal() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// The first signal cancels `token`: the run stops starting tests and tears
/// down. A second one exits at once, leaving objects in place and listing
/// them in `resources.json` for a separate cleanup.
fn watch_signals(token: CancellationToken, ledger: Ledger, resources: PathBuf) {
    tokio::spawn(async move {
        signal().await;
        eprintln!("interrupted: starting no more tests; canceling running migrations and tearing down (again to exit at once)");
        token.cancel();
        signal().await;
        let _ = write_resources(&resources, &ledger.all(), &[], false);
        eprintln!("interrupted twice: exiting without teardown; {} lists what is left", resources.display());
        std::process::exit(crate::cli::exit::Exit::Interrupted as i32);
    });
}

fn prepare_data_collector(dir: &Path) -> Result<(), String> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot empty the data collector directory {}: {e} (pass --data-collector-path DIR)", dir.display())),
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e} (pass --data-collector-path DIR)", dir.display()))
}

pub(crate) async fn execute(units: Vec<TestUnit>, run: Execution<'_>) -> Result<Finished, String> {
    // Emptied even with --skip-data-collector: resources.json goes there,
    // and stale dumps of an earlier run would mislead.
    prepare_data_collector(&run.resources_dir)?;
    let (client, sim, cluster_name) = connect(run.settings, run.login.as_ref()).await?;
    let ledger = Ledger::default();
    let cancel = CancellationToken::new();
    let resources = run.resources_dir.join(RESOURCES_FILE);
    watch_signals(cancel.clone(), ledger.clone(), resources.clone());
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let (junit, report) = JunitReporter::new(run.settings.junit_xml.clone(), run.suite_properties.clone());
    let mut sinks: Vec<Box<dyn Reporter>> = vec![Box::new(junit)];
    sinks.push(Box::new(LogFileReporter::create(&run.settings.log_file)?));
    sinks.push(Box::new(ConsoleReporter::new(run.settings.junit_xml.clone(), run.settings.log_file.clone())));
    let reporting = tokio::spawn(reporters::dispatch(receiver, sinks));
    let steps = units.iter().map(|u| u.test.spec.steps().len()).sum();
    let _ = sender.send(Event::RunStarted {
        tests: units.iter().map(|u| u.test.id.clone()).collect(),
        steps,
        deselected: run.deselected,
        jobs: run.options.jobs,
        cluster: cluster_name,
    });
    for warning in run.warnings {
        let _ = sender.send(Event::Warning(warning));
    }
    let ctx = Arc::new(UnitContext {
        cluster: Cluster::new(client, ledger.clone()),
        timeouts: run.settings.timeouts,
        skip_teardown: run.skip_teardown,
        data_collector: run.data_collector.clone(),
        cancel,
        events: sender,
    });
    let totals = run_all(units, Arc::clone(&ctx), run.options).await;
    drop(ctx);
    let _ = reporting.await;
    if let Err(problem) = write_resources(&resources, &ledger.all(), &totals.leftovers, !run.skip_teardown) {
        eprintln!("warning: {problem}");
    }
    if let Some(sim) = sim {
        sim.shutdown().await;
    }
    let report = report.lock().unwrap_or_else(|p| p.into_inner()).take();
    Ok(Finished { totals, report })
}
