//! The plugins of one run: the config's selection and the default
//! components found on the plugin search path (the JIRA gate when
//! `jira.cfg` names a server, JJI with `--analyze-with-ai`, the vendor of
//! each copy-offload product), loaded and sorted by world.

use std::collections::BTreeSet;
use std::sync::Arc;

use mtv_host::config::RunConfig;
use mtv_host::discovery::{Origin, SearchPath, choose};
use mtv_host::enrich::{JJI_PLUGIN_NAME, JjiSettings};
use mtv_host::plan::{CollectedTest, JIRA_MARKER};
use mtv_host::plugins::{LoadedPlugin, PluginRuntime, PluginSpec, World};
use mtv_host::secrets::Env;

use super::RunArgs;
use crate::cli::default_plugins::{self, ALWAYS_KNOWN, JIRA};
use mtv_host::integrations::jira::JiraFacts;

/// Loaded plugins by world.
#[derive(Default)]
pub(crate) struct RunPlugins {
    pub gates: Vec<LoadedPlugin>,
    pub vendors: Vec<LoadedPlugin>,
    pub reporters: Vec<LoadedPlugin>,
}

impl RunPlugins {
    /// Each plugin as the report names it: `name (world) sha256:…`.
    pub fn identities(&self) -> Vec<String> {
        let all = self.gates.iter().chain(&self.vendors).chain(&self.reporters);
        all.map(|p| format!("{} ({:?}, contract {}) sha256:{}", p.name, p.world, p.contract_version, p.sha256)).collect()
    }
}

/// What to load, and what to tell the user about it.
pub(crate) struct Selected {
    pub specs: Vec<PluginSpec>,
    /// The JJI reporter, loaded after the report is written.
    pub jji: Option<PluginSpec>,
    /// Copy-offload products whose vendor plugin was found nowhere, with
    /// the message naming the directories searched.
    pub missing_vendors: Vec<(String, String)>,
    pub notes: Vec<String>,
}

/// Specs to load: the selected `[[plugins]]` and the defaults this run
/// wants, narrowed by `--plugin`/`--no-plugin`; JIRA settings and
/// `--jira-force-run` merged into the jira gate's settings. `Err` is a
/// usage problem (an unknown plugin name, a JIRA gate that cannot load).
pub(crate) fn specs(config: &RunConfig, args: &RunArgs, jira: &JiraFacts, env: &Env, tests: &[CollectedTest]) -> Result<Selected, String> {
    let has_jira_markers = tests.iter().any(|t| t.has_marker(JIRA_MARKER));
    let products: BTreeSet<&str> = tests
        .iter()
        .filter(|t| t.spec.copyoffload && t.skip_reason().is_none())
        .filter_map(|t| t.storage_vendor_product.as_deref())
        .collect();
    let jji = args.analyze_with_ai.then(|| JjiSettings::from_env(env));
    let mut defaults: Vec<_> = products.iter().map(|product| default_plugins::vendor(product)).collect();
    if let (Some(_), Some(origin)) = (&jira.url, &jira.origin) {
        defaults.push(default_plugins::jira(origin));
    }
    if let Some(JjiSettings::Enabled { config: jji_config, .. }) = &jji {
        defaults.push(default_plugins::jji(jji_config));
    }
    let search = SearchPath::from_process(config.path.as_deref());
    let mut choice = choose(config, defaults, &ALWAYS_KNOWN, &args.only, &args.without, &search)?;
    let mut notes = Vec::new();

    let jira_gate = choice.plugins.iter().find(|c| c.spec.name == JIRA);
    match (jira_gate, choice.missing(JIRA), &jira.origin) {
        (Some(chosen), _, Some(origin)) if matches!(chosen.origin, Origin::Default { .. }) => notes.push(format!(
            "JIRA gating on: jira.cfg names {origin}; the jira plugin ({}) may reach that origin only",
            chosen.spec.path.display()
        )),
        (Some(_), _, _) => {}
        (None, Some(not_found), Some(origin)) if has_jira_markers => {
            return Err(format!(
                "JIRA gating needs the jira plugin: jira.cfg names {origin}, but {not_found}. To run the jira-marked tests ungated instead, pass --no-plugin jira"
            ));
        }
        (None, _, _) if has_jira_markers && (jira.origin.is_some() || config.plugins.iter().any(|p| p.name == JIRA)) => notes.push(
            "JIRA gating is off: the jira plugin is not selected (--plugin/--no-plugin, or enabled = false); jira markers run as plain tests"
                .to_owned(),
        ),
        (None, _, None) if has_jira_markers => notes.push(
            "JIRA gating is off: jira markers run as plain tests. To turn it on, set url in jira.cfg (or PYTEST_JIRA_URL), or add a [[plugins]] entry named jira".to_owned(),
        ),
        _ => {}
    }
    for spec in choice.plugins.iter_mut().map(|c| &mut c.spec).filter(|s| s.name == JIRA) {
        for (key, value) in &jira.settings {
            spec.settings.entry(key.clone()).or_insert_with(|| value.clone());
        }
        if !args.jira_force_run.is_empty() {
            spec.settings.insert("force_run".to_owned(), args.jira_force_run.join(","));
        }
    }

    let chosen_jji = choice.take(JJI_PLUGIN_NAME);
    let jji = match (jji, chosen_jji) {
        (None, _) => None,
        (Some(JjiSettings::Disabled { warning }), _) => {
            notes.push(warning);
            None
        }
        (Some(JjiSettings::Enabled { config: jji_config, warnings }), chosen) => {
            notes.extend(warnings.into_iter().map(|w| format!("warning: {w}")));
            match chosen {
                Some(chosen) if matches!(chosen.origin, Origin::Entry(_)) => {
                    Some(default_plugins::jji_from_entry(&jji_config, chosen.spec))
                }
                Some(chosen) => Some(chosen.spec),
                None => {
                    notes.push(match choice.missing(JJI_PLUGIN_NAME) {
                        Some(not_found) => format!("AI analysis will be skipped: {not_found}"),
                        None => "AI analysis will be skipped: --plugin/--no-plugin leave out the jji plugin".to_owned(),
                    });
                    None
                }
            }
        }
    };
    let missing_vendors = choice
        .missing
        .iter()
        .filter(|(default, _)| products.contains(default.spec.name.as_str()))
        .map(|(default, not_found)| (default.spec.name.clone(), not_found.to_string()))
        .collect();
    for chosen in choice.plugins.iter().filter(|c| matches!(c.origin, Origin::Default { .. })) {
        tracing::debug!("plugin {}: {}", chosen.spec.name, chosen.origin);
    }
    Ok(Selected { specs: choice.plugins.into_iter().map(|c| c.spec).collect(), jji, missing_vendors, notes })
}

/// Loads every spec on a blocking thread; the first failure stops the run.
pub(crate) async fn load(runtime: Arc<PluginRuntime>, specs: Vec<PluginSpec>) -> Result<RunPlugins, String> {
    tokio::task::spawn_blocking(move || {
        let mut plugins = RunPlugins::default();
        for spec in &specs {
            let plugin = runtime.load(spec).map_err(|e| e.to_string())?;
            match plugin.world {
                World::Gate => plugins.gates.push(plugin),
                World::StorageVendor => plugins.vendors.push(plugin),
                World::Reporter => plugins.reporters.push(plugin),
            }
        }
        Ok(plugins)
    })
    .await
    .map_err(|e| format!("loading plugins stopped unexpectedly: {e}"))?
}
