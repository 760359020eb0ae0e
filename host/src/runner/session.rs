//! One `mtv-host run`, start to end, as a library call: settings → plan,
//! `-k`/`-m`, shard → inputs and secrets → plugins → gates → copy-offload
//! plans → units → (dry run | execute) → reporter plugins. The caller
//! parses flags into a [`RunRequest`] and renders the [`Ran`] it gets
//! back; everything else happens here.

use std::path::PathBuf;
use std::sync::Arc;

use super::execute::{Execution, execute, report_unstarted};
use super::gate::{self, Gating};
use super::narrator::Narrator;
use super::output_dir::{OutputDir, Protected};
use super::plugins;
use super::prepare::{CopyOffloadPlans, prepare_units};
use super::reporter_plugins::{run_reporters, write_page};
use super::reporting::{ReportOutputs, Reporting};
use super::settings::{ClusterMode, RunSettings};
use super::stop::Stop;
use super::unit::TestUnit;
use super::{DispatchOptions, EventKind, RunTotals};
use crate::config::RunConfig;
use crate::integrations::copyoffload::plan_products;
use crate::integrations::defaults::{PluginRequest, Selected, select};
use crate::integrations::{InputRequest, load_inputs};
use crate::migration::{ClusterLogin, ClusterTls, RunInputs};
use crate::plan::{RunFacts, Selection, Shard, TestFilter, TestPlan, collect};
use crate::plugins::{HostServices, PluginRuntime, ReqwestTransport};
use crate::secrets::{AuditLog, Env};

/// What to do with the selected tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Run them against the cluster.
    Execute,
    /// `--collect-only`: list them with their collection and gate decisions.
    CollectOnly,
    /// `--setup-plan`: prepare every object a run would create.
    SetupPlan,
}

/// A run, as the user asked for it.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub config: RunConfig,
    /// `--set` pairs and the dedicated flags, in the order they apply.
    pub overrides: Vec<(String, String)>,
    pub keyword: Option<String>,
    pub marker: Option<String>,
    pub mode: Mode,
    pub shard: Option<Shard>,
    /// Stop starting tests after this many failed; `None` is no limit.
    pub maxfail: Option<usize>,
    pub skip_teardown: bool,
    /// Dump failed tests' objects (`--skip-data-collector` turns it off).
    pub collect_data: bool,
    pub data_collector_path: PathBuf,
    pub providers_json: Option<PathBuf>,
    pub secrets_dir: Option<PathBuf>,
    pub plugins: PluginRequest,
    /// Where compiled plugins are cached.
    pub cache_dir: Option<PathBuf>,
}

/// How a run ended, for the caller to render.
#[derive(Debug)]
pub enum Ran {
    /// Nothing matched the selection.
    NoTests { deselected: usize },
    /// This shard got no test (more shards than tests): not an error.
    EmptyShard,
    /// A dry run: the units, prepared (`SetupPlan`) or only gated (`CollectOnly`).
    Dry { units: Vec<TestUnit>, selection: Selection },
    /// The tests ran (or were reported as not run, when stopped early).
    Executed(RunTotals),
    /// Stopped before the outputs were opened: nothing was written.
    Interrupted,
}

/// Why a run could not be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunErrorKind {
    /// A flag, the config, the plan or an expression is wrong.
    Usage,
    /// Something to fix outside the host: a missing setting, a source, the cluster.
    Setup,
    /// The host itself failed.
    Internal,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct RunError {
    pub kind: RunErrorKind,
    pub message: String,
}

fn usage(message: impl ToString) -> RunError {
    RunError { kind: RunErrorKind::Usage, message: message.to_string() }
}

fn setup(message: impl ToString) -> RunError {
    RunError { kind: RunErrorKind::Setup, message: message.to_string() }
}

fn internal(error: anyhow::Error) -> RunError {
    RunError { kind: RunErrorKind::Internal, message: format!("{error:#}") }
}

/// Carries out `request`. `stop` is watched from the start: every phase
/// can be stopped, and once the outputs are open a stopped run still
/// reports every selected test.
pub async fn run(request: &RunRequest, stop: &Stop, narrator: &dyn Narrator) -> Result<Ran, RunError> {
    let dry_run = request.mode != Mode::Execute;
    let config = &request.config;
    let settings = RunSettings::resolve(config, &request.overrides).map_err(usage)?;
    if !dry_run {
        settings.required().map_err(setup)?;
    }
    let plan = settings.test_plan().map_err(usage)?;
    let plan = TestPlan::load(plan).map_err(usage)?;
    let filter = TestFilter::new(request.keyword.as_deref(), request.marker.as_deref()).map_err(usage)?;
    let input_request = InputRequest {
        providers_json: request.providers_json.as_deref(),
        secrets_dir: request.secrets_dir.as_deref(),
        analyze_with_ai: request.plugins.analyze_with_ai,
        strict: !dry_run,
        require_providers: false,
    };
    let cwd = std::env::current_dir().map_err(|e| setup(format!("cannot read the working directory: {e}")))?;
    let loaded = load_inputs(&input_request, &settings, Env::from_process(), &cwd)
        .map_err(|error| if error.unusable { usage(error) } else { setup(error) })?;
    let login = match settings.cluster {
        ClusterMode::Login if !dry_run => {
            let tls = ClusterTls { skip_verify: settings.cluster_skip_tls_verify, ca_file: settings.cluster_ca_file.clone() };
            Some(ClusterLogin::from_broker(&loaded.broker, tls).map_err(setup)?)
        }
        _ => None,
    };
    let mut selection = filter.select(collect(&plan, &loaded.facts));
    if let Some(shard) = request.shard {
        selection = selection.in_shard(shard);
        if selection.tests.is_empty() {
            narrator.say(&format!("shard {shard} has no tests ({} deselected)", selection.deselected));
            return Ok(Ran::EmptyShard);
        }
        narrator.say(&format!("shard {shard}: {} tests", selection.tests.len()));
    }
    if selection.tests.is_empty() {
        return Ok(Ran::NoTests { deselected: selection.deselected });
    }
    if stop.is_requested() {
        return Ok(Ran::Interrupted);
    }
    // Outputs are claimed before anything slow, so a run stopped from here
    // on still writes its report and never leaves an earlier one standing.
    let opened = if dry_run {
        None
    } else {
        let output = OutputDir::prepare(&request.data_collector_path, &Protected::new(config.dir())).map_err(usage)?;
        let outputs = ReportOutputs {
            junit_xml: settings.junit_xml.clone(),
            log_file: settings.log_file.clone(),
            suite_properties: suite_properties(&settings, &loaded.facts),
        };
        Some((output, Reporting::standard(&outputs, stop).map_err(setup)?))
    };
    let deselected = selection.deselected;
    // Stopped before any test could start: every selected test is reported as not run.
    let unstarted = |during: &'static str, opened: Option<(OutputDir, Reporting)>| {
        let tests = selection.tests.clone();
        async move {
            let Some((_, reporting)) = opened else { return Ok(Ran::Interrupted) };
            let units = prepare_units(tests, &Gating::default(), None, &CopyOffloadPlans::new());
            Ok(Ran::Executed(report_unstarted(units, during, deselected, reporting).await))
        }
    };
    let Selected { specs, jji, missing_vendors, notes } =
        select(config, &request.plugins, &loaded.jira, &loaded.env, &selection.tests).map_err(usage)?;
    for note in &notes {
        narrator.note(note);
    }
    let mut warnings = loaded.warnings;
    let broker = Arc::new(loaded.broker);
    let audit =
        if dry_run { AuditLog::in_memory() } else { AuditLog::open(&AuditLog::default_path(&settings.junit_xml)).map_err(setup)? };
    // JIRA's origin may have its own certificate rule (jira.cfg's ssl_verification).
    let transport = ReqwestTransport::with_origin_tls(loaded.jira.origin.clone().zip(loaded.jira.tls.clone()));
    let services = HostServices { secrets: broker.clone(), transport: Arc::new(transport), audit: Arc::new(audit) };
    let runtime = Arc::new(PluginRuntime::new(services, request.cache_dir.clone()).map_err(internal)?);
    let loaded_plugins = match stop.unless_stopped(plugins::load(Arc::clone(&runtime), specs)).await {
        Some(found) => found.map_err(usage)?,
        None => return unstarted("loading plugins", opened).await,
    };
    if let Some((_, reporting)) = &opened {
        for value in loaded_plugins.identities() {
            reporting.events().send(EventKind::RunFact { key: "plugin".to_owned(), value });
        }
    }
    // `--collect-only` asks the gates, as `pytest --collect-only --jira` does; `--setup-plan` stays offline.
    let gate_facts = loaded.facts.gate_facts(request.mode == Mode::SetupPlan);
    let gating = gate::decide(Arc::clone(&runtime), Arc::new(loaded_plugins.gates), gate_facts, &selection.tests);
    let gating = match stop.unless_stopped(gating).await {
        Some(gating) => gating.map_err(setup)?,
        None => return unstarted("asking the gate plugins", opened).await,
    };
    warnings.extend(gating.warnings.iter().cloned());

    let copyoffload = if request.mode == Mode::CollectOnly || loaded.source.is_none() {
        CopyOffloadPlans::new()
    } else {
        let products = selection
            .tests
            .iter()
            .filter(|t| t.spec.copyoffload && t.skip_reason().is_none())
            .filter_map(|t| t.storage_vendor_product.clone())
            .collect();
        let planning =
            plan_products(Arc::clone(&runtime), Arc::clone(&broker), loaded_plugins.vendors, products, missing_vendors, &mut warnings);
        match stop.unless_stopped(planning).await {
            Some(plans) => plans.map_err(internal)?,
            None => return unstarted("asking the vendor plugins", opened).await,
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
    let Some((output, reporting)) = opened else {
        // A real run reports its warnings; a dry run says what it tolerated.
        for warning in &warnings {
            narrator.note(&format!("warning: {warning}"));
        }
        return Ok(Ran::Dry { units, selection });
    };
    let execution = Execution {
        settings: &settings,
        login,
        options: DispatchOptions { jobs: settings.jobs, maxfail: request.maxfail },
        skip_teardown: request.skip_teardown,
        output,
        collect_data: request.collect_data,
        warnings,
        deselected,
        stop: stop.clone(),
    };
    // `Err`: the run could not start (no cluster), a problem to fix, not a host bug.
    let totals = execute(units, execution, reporting).await.map_err(setup)?;
    if !stop.is_requested() {
        let reporters = run_reporters(narrator, &runtime, loaded_plugins.reporters, jji, &settings, totals.cases);
        if stop.unless_stopped(reporters).await.is_none() {
            narrator.note(&format!("reporter plugins interrupted; {} stays as written", settings.junit_xml.display()));
        }
    }
    write_page(narrator, &settings);
    Ok(Ran::Executed(totals))
}

fn suite_properties(settings: &RunSettings, facts: &RunFacts) -> Vec<(String, String)> {
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
