//! The plugins of one run: the config's selection, the JIRA gate added
//! when `jira.cfg` names a server and the component is built, loaded and
//! sorted by world.

use std::path::PathBuf;
use std::sync::Arc;

use mtv_host::config::RunConfig;
use mtv_host::enrich::JJI_PLUGIN_NAME;
use mtv_host::plugins::{Grants, LoadedPlugin, PluginRuntime, PluginSpec, World};

use super::RunArgs;
use mtv_host::integrations::jira::JiraFacts;

const JIRA_PLUGIN: &str = "jira";

/// Loaded plugins by world.
#[derive(Default)]
pub(crate) struct RunPlugins {
    pub gates: Vec<LoadedPlugin>,
    pub vendors: Vec<LoadedPlugin>,
    pub reporters: Vec<LoadedPlugin>,
}

/// What the config asks to load, and what to tell the user about it.
pub(crate) struct Selected {
    pub specs: Vec<PluginSpec>,
    /// The `jji` entry's path, for `--analyze-with-ai`.
    pub jji_path: Option<PathBuf>,
    pub notes: Vec<String>,
}

/// Specs to load: the selected `[[plugins]]` (the JJI reporter is loaded
/// only for `--analyze-with-ai`), JIRA settings and `--jira-force-run`
/// merged into the jira gate's settings.
pub(crate) fn specs(config: &RunConfig, args: &RunArgs, jira: &JiraFacts, has_jira_markers: bool) -> Result<Selected, String> {
    let selected = config.selected_plugins(&args.only, &args.without)?;
    let jji_path = config.plugins.iter().find(|p| p.name == JJI_PLUGIN_NAME).map(|p| p.path.clone());
    let mut notes = Vec::new();
    let mut specs: Vec<PluginSpec> = selected.iter().filter(|p| p.name != JJI_PLUGIN_NAME).map(|p| p.spec()).collect();
    let configured = config.plugins.iter().any(|p| p.name == JIRA_PLUGIN);
    let jira_component = built_component("jira.wasm");
    match (configured, &jira.url, &jira.origin, jira_component) {
        (false, Some(_), Some(origin), Some(path)) if !args.without.iter().any(|n| n == JIRA_PLUGIN) => {
            specs.push(PluginSpec {
                name: JIRA_PLUGIN.to_owned(),
                path,
                grants: Grants { http: vec![origin.clone()], secrets: Vec::new() },
                ..PluginSpec::default()
            });
            notes.push(format!("JIRA gating on: jira.cfg names {origin}; the jira plugin may reach that origin only"));
        }
        (false, _, _, _) if has_jira_markers => notes.push(
            "JIRA gating is off: jira markers run as plain tests. To turn it on, set url in jira.cfg (or PYTEST_JIRA_URL) and build the plugin (cargo xtask plugins), or add a [[plugins]] entry named jira".to_owned(),
        ),
        _ => {}
    }
    for spec in specs.iter_mut().filter(|s| s.name == JIRA_PLUGIN) {
        for (key, value) in &jira.settings {
            spec.settings.entry(key.clone()).or_insert_with(|| value.clone());
        }
        if !args.jira_force_run.is_empty() {
            spec.settings.insert("force_run".to_owned(), args.jira_force_run.join(","));
        }
    }
    Ok(Selected { specs, jji_path, notes })
}

/// A component `cargo xtask plugins` built next to this binary's target
/// directory (`target/plugins/<file>`).
fn built_component(file: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let target = exe.parent()?.parent()?;
    Some(target.join("plugins").join(file)).filter(|path| path.is_file())
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
