//! `mtv-host run`: collect the test plan, gate it, run it against the
//! cluster, report.
//!
//! config + --set ─► settings ─► plan, -k/-m ─► secrets, profile ─► plugins
//! ─► gates ─► units ─► (--collect-only | --setup-plan | execute) ─► report
//! plugins ─► exit status.

mod copyoffload;
mod dry;
mod plugins;
mod report;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use mtv_host::integrations::{InputRequest, load_inputs};
use mtv_host::migration::{ClusterLogin, ClusterTls, RunInputs};
use mtv_host::plan::{Shard, TestFilter, TestPlan, collect};
use mtv_host::plugins::{HostServices, PluginRuntime, ReqwestTransport};
use mtv_host::runner::{
    ClusterMode, CopyOffloadPlans, DispatchOptions, Execution, Gating, JOBS, OutputDir, Protected, RUN_KEYS, ReportOutputs, Reporting,
    RunSettings, Stop, StopReason, execute, gate, parse_set, prepare_units, report_unstarted, signals,
};
use mtv_host::secrets::{AuditLog, Env};

use super::Cli;
use super::exit::Exit;

#[derive(Args, Debug)]
pub(crate) struct RunArgs {
    /// Override a [run] setting of the config (repeatable), e.g. --set storage_class=standard
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    set: Vec<(String, String)>,
    /// Only tests whose id matches the keyword expression ("copyoffload and not warm")
    #[arg(short = 'k', value_name = "EXPR")]
    keyword: Option<String>,
    /// Only tests whose markers match the expression ("tier0 or warm")
    #[arg(short = 'm', value_name = "EXPR")]
    marker: Option<String>,
    /// List the tests, their collection skips and gate decisions; touch no cluster
    #[arg(long, conflicts_with = "setup_plan")]
    collect_only: bool,
    /// Print every object a run would create, as YAML (Secret data redacted); touch no cluster
    #[arg(long)]
    setup_plan: bool,
    /// Run only slice INDEX of COUNT (1-based, e.g. 2/4): a stable split by
    /// test id, for running one suite across several runners or Job pods
    #[arg(long, value_name = "INDEX/COUNT")]
    shard: Option<Shard>,
    /// Tests run at once, 1 to 256 [default: [run] jobs, else 1]
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = clap::value_parser!(u64).range(JOBS))]
    jobs: Option<u64>,
    /// Stop starting tests after the first failed test (--maxfail 1)
    #[arg(short = 'x', long = "exitfirst")]
    exitfirst: bool,
    /// Stop starting tests after N failed tests (0: no limit, as in pytest)
    #[arg(long, value_name = "N")]
    maxfail: Option<usize>,
    /// JUnit report path [default: [run] junit_xml, else junit-report.xml]
    #[arg(long, value_name = "PATH")]
    junit_xml: Option<PathBuf>,
    /// Keep every created object (resources.json lists them)
    #[arg(long)]
    skip_teardown: bool,
    /// Do not dump Plans, Migrations, Providers and Events of failed tests
    #[arg(long)]
    skip_data_collector: bool,
    /// Where failed tests' objects and resources.json go; emptied at start
    #[arg(long, value_name = "DIR", default_value = ".data-collector")]
    data_collector_path: PathBuf,
    /// The providers file [default: $PROVIDERS_JSON_PATH, else ./.providers.json]
    #[arg(long, value_name = "FILE")]
    providers_json: Option<PathBuf>,
    /// A mounted Secret directory (in-cluster runs): providers.json, cluster_* keys
    #[arg(long, value_name = "DIR")]
    secrets_dir: Option<PathBuf>,
    /// Cluster to run against [default: [run] cluster, else sim]
    #[arg(long, value_enum)]
    cluster: Option<ClusterArg>,
    /// Load only these plugins (repeatable)
    #[arg(long = "plugin", value_name = "NAME")]
    only: Vec<String>,
    /// Do not load these plugins (repeatable)
    #[arg(long = "no-plugin", value_name = "NAME")]
    without: Vec<String>,
    /// After the report is written, send it to a Jenkins Job Insight server
    /// for AI failure analysis and write the enriched report back. Only then
    /// is .env loaded. Needs JJI_SERVER_URL; JJI_AI_PROVIDER (default
    /// claude), JJI_AI_MODEL (default claude-opus-4-6[1m]) and JJI_TIMEOUT
    /// (default 600 s) tune it; JJI_TOKEN is sent as a bearer token to a
    /// server that wants one. Only runs with failures send anything.
    /// WARNING: the whole JUnit XML — test names, failure messages, resource
    /// names, captured logs (secrets redacted) — goes to JJI_SERVER_URL and
    /// nowhere else; enable it only against a service you trust.
    #[arg(long)]
    analyze_with_ai: bool,
    /// Run tests gated on this JIRA issue without asking JIRA (repeatable)
    #[arg(long = "jira-force-run", value_name = "KEY")]
    jira_force_run: Vec<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ClusterArg {
    /// The embedded simulator, started in-process
    Sim,
    /// KUBECONFIG, ~/.kube/config or the in-cluster service account
    Kubeconfig,
    /// Log in to OpenShift with CLUSTER_HOST, CLUSTER_USERNAME and CLUSTER_PASSWORD
    /// (or the cluster_* keys of --secrets-dir)
    Login,
}

/// The `[run]` settings and the exit statuses, for `run --help`.
pub(crate) fn after_help() -> String {
    let width = RUN_KEYS.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let keys: Vec<String> = RUN_KEYS.iter().map(|(key, what)| format!("  {key:width$}  {what}")).collect();
    format!(
        "Run settings: [run] in mtv-host.toml, each overridable with --set key=value\n(input paths from the file are relative to it; outputs go to the working directory):\n{}\n\n{}",
        keys.join("\n"),
        super::exit::EXIT_CODES_HELP
    )
}

/// Prints `message` as an error and returns `exit`.
fn stop_with(exit: Exit, message: impl std::fmt::Display) -> anyhow::Result<Exit> {
    eprintln!("error: {}", mtv_host::secrets::redactor().redact(&message.to_string()));
    Ok(exit)
}

pub(crate) fn run(cli: &Cli, args: &RunArgs) -> anyhow::Result<Exit> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(run_async(cli, args));
    // A stopped run may leave a plugin call behind on a blocking thread
    // (a slow server); it must not hold the process open.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

async fn run_async(cli: &Cli, args: &RunArgs) -> anyhow::Result<Exit> {
    // Signals are handled from the first moment: every phase below can be stopped.
    let stop = Stop::default();
    signals::watch(stop.clone());
    let dry_run = args.collect_only || args.setup_plan;
    let config = match cli.run_config() {
        Ok(config) => config,
        Err(error) => return stop_with(Exit::Usage, format!("{error:#}")),
    };
    let settings = match RunSettings::resolve(&config, &overrides(args)) {
        Ok(settings) => settings,
        Err(error) => return stop_with(Exit::Usage, error),
    };
    if !dry_run && let Err(message) = settings.required() {
        return stop_with(Exit::Failed, message);
    }
    let plan = match settings.test_plan().map(TestPlan::load) {
        Ok(Ok(plan)) => plan,
        Ok(Err(error)) => return stop_with(Exit::Usage, error),
        Err(message) => return stop_with(Exit::Usage, message),
    };
    let filter = match TestFilter::new(args.keyword.as_deref(), args.marker.as_deref()) {
        Ok(filter) => filter,
        Err(error) => return stop_with(Exit::Usage, error),
    };
    let request = InputRequest {
        providers_json: args.providers_json.as_deref(),
        secrets_dir: args.secrets_dir.as_deref(),
        analyze_with_ai: args.analyze_with_ai,
        strict: !dry_run,
        require_providers: false,
    };
    let loaded = match std::env::current_dir()
        .map_err(|e| format!("cannot read the working directory: {e}"))
        .and_then(|cwd| load_inputs(&request, &settings, Env::from_process(), &cwd))
    {
        Ok(loaded) => loaded,
        Err(message) => return stop_with(Exit::Failed, message),
    };
    let login = match settings.cluster {
        ClusterMode::Login if !dry_run => {
            let tls = ClusterTls { skip_verify: settings.cluster_skip_tls_verify, ca_file: settings.cluster_ca_file.clone() };
            match ClusterLogin::from_broker(&loaded.broker, tls) {
                Ok(login) => Some(login),
                Err(message) => return stop_with(Exit::Failed, message),
            }
        }
        _ => None,
    };
    let selection = filter.select(collect(&plan, &loaded.facts));
    let selection = match args.shard {
        Some(shard) => {
            let sharded = selection.in_shard(shard);
            if sharded.tests.is_empty() {
                // More shards than tests is normal for a Job; not an error.
                println!("shard {shard} has no tests ({} deselected)", sharded.deselected);
                return Ok(Exit::Ok);
            }
            println!("shard {shard}: {} tests", sharded.tests.len());
            sharded
        }
        None => selection,
    };
    if selection.tests.is_empty() {
        println!("no tests collected ({} deselected)", selection.deselected);
        return Ok(Exit::NoTests);
    }
    if stop.is_requested() {
        eprintln!("interrupted before any test started; no report written");
        return Ok(Exit::Interrupted);
    }
    let deselected = selection.deselected;
    // Outputs are claimed before anything slow, so a run stopped from here
    // on still writes its report and never leaves an earlier one standing.
    let (output, reporting) = if dry_run {
        (None, None)
    } else {
        let output = match OutputDir::prepare(&args.data_collector_path, &Protected::new(config.dir())) {
            Ok(output) => output,
            Err(message) => return stop_with(Exit::Usage, message),
        };
        let outputs = ReportOutputs {
            junit_xml: settings.junit_xml.clone(),
            log_file: settings.log_file.clone(),
            suite_properties: suite_properties(&settings, &loaded.facts),
        };
        match Reporting::standard(&outputs, &stop) {
            Ok(reporting) => (Some(output), Some(reporting)),
            Err(message) => return stop_with(Exit::Failed, message),
        }
    };
    // Stopped before any test could start: every selected test is reported as not run.
    let unstarted = |during: &'static str, reporting: Option<Reporting>| {
        let tests = selection.tests.clone();
        async move {
            match reporting {
                Some(reporting) => {
                    let units = prepare_units(tests, &Gating::default(), None, &CopyOffloadPlans::new());
                    report_unstarted(units, during, deselected, reporting).await;
                }
                None => eprintln!("interrupted while {during}"),
            }
            Ok(Exit::Interrupted)
        }
    };
    let plugins::Selected { specs, jji, missing_vendors, notes } =
        match plugins::specs(&config, args, &loaded.jira, &loaded.env, &selection.tests) {
            Ok(found) => found,
            Err(message) => return stop_with(Exit::Usage, message),
        };
    for note in &notes {
        eprintln!("{note}");
    }
    let mut warnings = loaded.warnings;
    let broker = Arc::new(loaded.broker);
    let audit = if dry_run {
        AuditLog::in_memory()
    } else {
        match AuditLog::open(&AuditLog::default_path(&settings.junit_xml)) {
            Ok(audit) => audit,
            Err(error) => return stop_with(Exit::Failed, error),
        }
    };
    let services = HostServices { secrets: broker.clone(), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(audit) };
    let runtime = Arc::new(PluginRuntime::new(services, cli.cache_dir())?);
    let loaded_plugins = match stop.unless_stopped(plugins::load(Arc::clone(&runtime), specs)).await {
        Some(Ok(found)) => found,
        Some(Err(message)) => return stop_with(Exit::Usage, message),
        None => return unstarted("loading plugins", reporting).await,
    };
    let gate_facts = loaded.facts.gate_facts(dry_run);
    let gating = gate::decide(Arc::clone(&runtime), Arc::new(loaded_plugins.gates), gate_facts, &selection.tests);
    let gating = match stop.unless_stopped(gating).await {
        Some(Ok(gating)) => gating,
        Some(Err(message)) => return stop_with(Exit::Failed, message),
        None => return unstarted("asking the gate plugins", reporting).await,
    };
    warnings.extend(gating.warnings.iter().cloned());

    let copyoffload = if args.collect_only || loaded.source.is_none() {
        CopyOffloadPlans::new()
    } else {
        let products: BTreeSet<String> = selection
            .tests
            .iter()
            .filter(|t| t.spec.copyoffload && t.skip_reason().is_none())
            .filter_map(|t| t.storage_vendor_product.clone())
            .collect();
        let planning =
            copyoffload::plans(Arc::clone(&runtime), Arc::clone(&broker), loaded_plugins.vendors, products, missing_vendors, &mut warnings);
        match stop.unless_stopped(planning).await {
            Some(plans) => plans?,
            None => return unstarted("asking the vendor plugins", reporting).await,
        }
    };
    let storage_class = settings.storage_class.clone().unwrap_or_else(|| "<storage_class>".to_owned());
    let inputs = loaded.source.as_ref().map(|source| RunInputs {
        storage_class: &storage_class,
        source,
        source_storages: &settings.source_storages,
        source_networks: &settings.source_networks,
    });
    let units = prepare_units(selection.tests.clone(), &gating, inputs.as_ref(), &copyoffload);
    let (Some(output), Some(reporting)) = (output, reporting) else {
        return if args.collect_only {
            dry::collect_only(&units, &selection);
            Ok(Exit::Ok)
        } else {
            match dry::setup_plan(&units) {
                Ok(()) => Ok(Exit::Ok),
                Err(message) => stop_with(Exit::Internal, message),
            }
        };
    };
    let execution = Execution {
        settings: &settings,
        login,
        options: DispatchOptions { jobs: settings.jobs, maxfail: if args.exitfirst { Some(1) } else { args.maxfail.filter(|n| *n > 0) } },
        skip_teardown: args.skip_teardown,
        output,
        collect_data: !args.skip_data_collector,
        warnings,
        deselected,
        stop: stop.clone(),
    };
    let totals = match execute(units, execution, reporting).await {
        Ok(totals) => totals,
        // The run could not start (no cluster): a problem to fix, not a host bug.
        Err(message) => return stop_with(Exit::Failed, message),
    };
    if let Some(reason @ StopReason::ReporterFailed { .. }) = &totals.stopped {
        return stop_with(Exit::Internal, reason);
    }
    if !stop.is_requested() {
        let reporting = report::run_reporters(&runtime, loaded_plugins.reporters, jji, &settings, totals.cases);
        if stop.unless_stopped(reporting).await.is_none() {
            eprintln!("reporter plugins interrupted; {} stays as written", settings.junit_xml.display());
        }
    }
    Ok(if totals.interrupted() {
        Exit::Interrupted
    } else if totals.failed() {
        Exit::Failed
    } else if !totals.leftovers.is_empty() {
        Exit::Leftovers
    } else {
        Exit::Ok
    })
}

/// `--set` pairs, then the dedicated flags (which win).
fn overrides(args: &RunArgs) -> Vec<(String, String)> {
    let mut pairs = args.set.clone();
    if let Some(cluster) = args.cluster {
        pairs.push((
            "cluster".into(),
            match cluster {
                ClusterArg::Sim => "sim".into(),
                ClusterArg::Kubeconfig => "kubeconfig".into(),
                ClusterArg::Login => "login".into(),
            },
        ));
    }
    if let Some(jobs) = args.jobs {
        pairs.push(("jobs".into(), jobs.to_string()));
    }
    if let Some(path) = &args.junit_xml {
        pairs.push(("junit_xml".into(), path.display().to_string()));
    }
    pairs
}

fn suite_properties(settings: &RunSettings, facts: &mtv_host::plan::RunFacts) -> Vec<(String, String)> {
    let mut properties = Vec::new();
    for (key, value) in [
        ("source_provider", &facts.source_provider),
        ("source_provider_type", &facts.source_provider_type),
        ("source_provider_version", &facts.source_provider_version),
        ("storage_class", &facts.storage_class),
    ] {
        if let Some(value) = value {
            properties.push((key.to_owned(), value.clone()));
        }
    }
    properties.push(("jobs".to_owned(), settings.jobs.to_string()));
    properties
}
