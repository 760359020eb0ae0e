//! Where a command finds the storage-vendor plugins: the config's
//! `[[plugins]]` entries (or the components given on the command line),
//! loaded and asked to describe themselves. The one lookup every
//! copy-offload-aware command uses.

use super::Cli;
use super::plugins::list_or_none;
use mtv_host::config::RunConfig;
use mtv_host::copyoffload::{PRODUCT_KEY, VendorRegistry, declare_vendor, resolution};
use mtv_host::plugins::{HookError, HostServices, NoAudit, NoSecrets, PluginRuntime, PluginSpec, ReqwestTransport};
use mtv_host::secrets::SecretBroker;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) struct Vendors {
    pub runtime: PluginRuntime,
    pub registry: VendorRegistry,
    /// Plugins that failed to describe themselves.
    pub failures: Vec<HookError>,
}

/// Loads `components` when given, else every plugin `config` selects, and
/// keeps the storage vendors. The runtime holds no secret: vendor plugins
/// never see one.
pub(crate) fn load(cli: &Cli, config: &RunConfig, components: &[PathBuf]) -> anyhow::Result<Vendors> {
    let services = HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) };
    let runtime = PluginRuntime::new(services, cli.cache_dir())?;
    let specs: Vec<PluginSpec> = if components.is_empty() {
        config.selected_plugins(&[], &[]).map_err(anyhow::Error::msg)?.into_iter().map(|entry| entry.spec()).collect()
    } else {
        components.iter().map(|path| PluginSpec { name: component_name(path), path: path.clone(), ..PluginSpec::default() }).collect()
    };
    let mut loaded = Vec::new();
    for spec in &specs {
        loaded.push(runtime.load(spec)?);
    }
    let (registry, failures) = VendorRegistry::describe_all(&runtime, loaded);
    Ok(Vendors { runtime, registry, failures })
}

/// `…/acme.wasm` → `acme`.
fn component_name(path: &std::path::Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |stem| stem.to_string_lossy().into_owned())
}

/// Declares the keys of the vendor the source profile's
/// `storage_vendor_product` names, so the broker knows them; a product no
/// loaded plugin describes is a warning.
pub(crate) fn declare_profile_vendor(cli: &Cli, config: &RunConfig, broker: &mut SecretBroker) -> anyhow::Result<Vec<String>> {
    let Some(product) = resolution(broker).and_then(|resolution| resolution.plain(PRODUCT_KEY)).map(str::to_owned) else {
        return Ok(Vec::new());
    };
    let vendors = load(cli, config, &[])?;
    let mut warnings: Vec<String> = vendors.failures.iter().map(ToString::to_string).collect();
    match vendors.registry.find(&product) {
        Some(vendor) => declare_vendor(broker, &vendor.info),
        None => warnings.push(format!(
            "{PRODUCT_KEY} '{product}' has no vendor plugin (loaded: {}): its keys are not listed; add its [[plugins]] entry to mtv-host.toml",
            list_or_none(&vendors.registry.products())
        )),
    }
    Ok(warnings)
}
