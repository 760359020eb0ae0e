//! The plugins of one run, loaded and sorted by world. Which plugins a run
//! wants is the integrations' business (`integrations::defaults::select`).

use std::sync::Arc;

use crate::plugins::{LoadedPlugin, PluginRuntime, PluginSpec, World};

/// Loaded plugins by world.
#[derive(Default)]
pub struct RunPlugins {
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

/// Loads every spec on a blocking thread; the first failure stops the run.
pub async fn load(runtime: Arc<PluginRuntime>, specs: Vec<PluginSpec>) -> Result<RunPlugins, String> {
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
