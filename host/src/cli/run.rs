//! `mtv-host run`: collect the test plan, gate it, run it against the
//! cluster, report.
//!
//! config + --set ─► settings ─► plan, -k/-m ─► secrets, profile ─► plugins
//! ─► gates ─► units ─► (--collect-only | --setup-plan | execute) ─► report
//! plugins ─► exit status.

mod dry;

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mtv_host::integrations::defaults::PluginRequest;
use mtv_host::plan::Shard;
use mtv_host::runner::session::{self, Mode, Ran, RunError, RunErrorKind, RunRequest};
use mtv_host::runner::{JOBS, Narrator, RUN_KEYS, RunTotals, Stop, StopReason, parse_set, signals};
use mtv_host::secrets::redactor;

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
    /// Report page path [default: [run] html, else report.html beside the JUnit report]
    #[arg(long, value_name = "PATH", conflicts_with = "no_html")]
    html: Option<PathBuf>,
    /// Write no report page
    #[arg(long)]
    no_html: bool,
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
    eprintln!("error: {}", redactor().redact(&message.to_string()));
    Ok(exit)
}

/// The run's own lines on stdout, notes on stderr, redacted.
struct Console;

impl Narrator for Console {
    fn say(&self, line: &str) {
        println!("{}", redactor().redact(line));
    }

    fn note(&self, line: &str) {
        eprintln!("{}", redactor().redact(line));
    }
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
    // Signals are handled from the first moment: every phase can be stopped.
    let stop = Stop::default();
    signals::watch(stop.clone());
    let config = match cli.run_config() {
        Ok(config) => config,
        Err(error) => return stop_with(Exit::Usage, format!("{error:#}")),
    };
    let request = RunRequest {
        config,
        overrides: overrides(args),
        keyword: args.keyword.clone(),
        marker: args.marker.clone(),
        mode: match (args.collect_only, args.setup_plan) {
            (true, _) => Mode::CollectOnly,
            (_, true) => Mode::SetupPlan,
            _ => Mode::Execute,
        },
        shard: args.shard,
        // pytest's rule: --maxfail 0 means no limit.
        maxfail: if args.exitfirst { Some(1) } else { args.maxfail.filter(|n| *n > 0) },
        skip_teardown: args.skip_teardown,
        collect_data: !args.skip_data_collector,
        data_collector_path: args.data_collector_path.clone(),
        providers_json: args.providers_json.clone(),
        secrets_dir: args.secrets_dir.clone(),
        plugins: PluginRequest {
            only: args.only.clone(),
            without: args.without.clone(),
            jira_force_run: args.jira_force_run.clone(),
            analyze_with_ai: args.analyze_with_ai,
        },
        cache_dir: cli.cache_dir(),
    };
    let ran = match session::run(&request, &stop, &Console).await {
        Ok(ran) => ran,
        Err(RunError { kind, message }) => {
            let exit = match kind {
                RunErrorKind::Usage => Exit::Usage,
                RunErrorKind::Setup => Exit::Failed,
                RunErrorKind::Internal => Exit::Internal,
            };
            return stop_with(exit, message);
        }
    };
    Ok(match ran {
        Ran::NoTests { deselected } => {
            println!("no tests collected ({deselected} deselected)");
            Exit::NoTests
        }
        Ran::EmptyShard => Exit::Ok,
        Ran::Interrupted => {
            eprintln!("interrupted before any test started; no report written");
            Exit::Interrupted
        }
        Ran::Dry { units, selection } if request.mode == Mode::CollectOnly => {
            dry::collect_only(&units, &selection);
            Exit::Ok
        }
        Ran::Dry { units, .. } => match dry::setup_plan(&units) {
            Ok(()) => Exit::Ok,
            Err(message) => return stop_with(Exit::Internal, message),
        },
        Ran::Executed(totals) => exit_status(&totals),
    })
}

/// pytest's order: interrupted, failed, then the host's own leftovers.
fn exit_status(totals: &RunTotals) -> Exit {
    if let Some(reason @ StopReason::ReporterFailed { .. }) = &totals.stopped {
        eprintln!("error: {}", redactor().redact(&reason.to_string()));
        return Exit::Internal;
    }
    if totals.interrupted() {
        Exit::Interrupted
    } else if totals.failed() {
        Exit::Failed
    } else if !totals.leftovers.is_empty() {
        Exit::Leftovers
    } else {
        Exit::Ok
    }
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
    match (&args.html, args.no_html) {
        (_, true) => pairs.push(("html".into(), "none".into())),
        (Some(path), false) => pairs.push(("html".into(), path.display().to_string())),
        (None, false) => {}
    }
    pairs
}
