//! Where a command finds the storage-vendor plugins: the components given
//! on the command line, else the config's `[[plugins]]` entries and the
//! wanted product's `<product>.wasm` on the plugin search path, loaded and
//! asked to describe themselves. The one lookup every copy-offload-aware
//! command uses.

use super::Cli;
use super::plugins::list_or_none;
use mtv_host::config::RunConfig;
use mtv_host::copyoffload::{PRODUCT_KEY, VendorRegistry, declare_vendor, resolution};
use mtv_host::discovery::{Origin, SearchPath, choose};
use mtv_host::integrations::defaults as default_plugins;
use mtv_host::plugins::{HookError, HostServices, NoAudit, NoSecrets, PluginRuntime, PluginSpec, ReqwestTransport};
use mtv_host::secrets::SecretBroker;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) struct Vendors {
    pub runtime: PluginRuntime,
    pub registry: VendorRegistry,
    /// Plugins that failed to describe themselves.
    pub failures: Vec<HookError>,
    /// Where each loaded plugin came from, by name.
    pub origins: Vec<(String, Origin)>,
    /// The wanted product's plugin, when it is found nowhere: what was searched.
    pub missing: Option<String>,
}

/// Loads `components` when given, else every plugin `config` selects plus
/// the `wanted` product's plugin from the search path, and keeps the
/// storage vendors. The runtime holds no secret: vendor plugins never see
/// one.
pub(crate) fn load(cli: &Cli, config: &RunConfig, components: &[PathBuf], wanted: Option<&str>) -> anyhow::Result<Vendors> {
    let services = HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) };
    let runtime = PluginRuntime::new(services, cli.cache_dir())?;
    let (chosen, mut missing): (Vec<(PluginSpec, Option<Origin>)>, _) = if components.is_empty() {
        let defaults = wanted.map(default_plugins::vendor).into_iter().collect();
        let search = SearchPath::from_process(config.path.as_deref());
        let choice = choose(config, defaults, &[], &[], &[], &search).map_err(anyhow::Error::msg)?;
        let missing = choice.missing.into_iter().next().map(|(default, not_found)| (default.spec.name, not_found.to_string()));
        (choice.plugins.into_iter().map(|c| (c.spec, Some(c.origin))).collect(), missing)
    } else {
        let given =
            components.iter().map(|path| (PluginSpec { name: component_name(path), path: path.clone(), ..PluginSpec::default() }, None));
        (given.collect(), None)
    };
    let mut loaded = Vec::new();
    let mut origins = Vec::new();
    for (spec, origin) in chosen {
        loaded.push(runtime.load(&spec)?);
        origins.extend(origin.map(|origin| (spec.name.clone(), origin)));
    }
    let (registry, failures) = VendorRegistry::describe_all(&runtime, loaded);
    // An entry that describes the wanted product under another name covers it.
    missing.take_if(|(name, _)| registry.find(name).is_some());
    let missing = missing.map(|(name, not_found)| format!("storage_vendor_product '{name}' has no vendor plugin: {not_found}"));
    Ok(Vendors { runtime, registry, failures, origins, missing })
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
    let vendors = load(cli, config, &[], Some(&product))?;
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
