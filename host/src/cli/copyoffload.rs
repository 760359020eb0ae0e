//! `mtv-host copyoffload check`: validate a profile's copy-offload section
//! through its vendor plugin and show what a test would create.

use super::Cli;
use super::default_plugins;
use super::exit::Exit;
use super::sources::SourceArgs;
use mtv_host::copyoffload::{CopyOffloadError, VendorRegistry, plan_copyoffload};
use mtv_host::discovery::{SearchPath, choose};
use mtv_host::plugins::{HostServices, NoAudit, NoSecrets, PluginRuntime, ReqwestTransport};
use mtv_host::secrets::{Env, REDACTED, ResolvedValue};
use std::sync::Arc;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum CopyOffloadCommand {
    /// Check the source profile's `copyoffload` section with its vendor
    /// plugin and print the Secret (sensitive values redacted, with where
    /// each came from), the StorageMap entries and any Provider patch.
    /// Touches no cluster. Exit status 1 on problems.
    Check {
        #[command(flatten)]
        sources: SourceArgs,
        /// Check as this storage vendor product instead of the profile's.
        #[arg(long, value_name = "PRODUCT")]
        product: Option<String>,
        /// Storage class for the StorageMap entries [default: [run] storage_class]
        #[arg(long, value_name = "NAME")]
        storage_class: Option<String>,
    },
}

pub(crate) fn run(cli: &Cli, command: &CopyOffloadCommand) -> anyhow::Result<Exit> {
    let CopyOffloadCommand::Check { sources, product, storage_class } = command;
    let config = cli.run_config()?;
    let Some(profile) = sources.profile(&config) else {
        eprintln!("error: no source provider: pass --source-provider PROFILE or set [run] source_provider in mtv-host.toml");
        return Ok(Exit::Failed);
    };
    let broker = sources.broker(&config, Env::from_process(), true)?;
    let services = HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) };
    let runtime = PluginRuntime::new(services, cli.cache_dir())?;
    // The product's vendor plugin: an entry of that name, else
    // `<product>.wasm` on the plugin search path.
    let wanted = product.as_deref().or(broker.copyoffload().plain("storage_vendor_product")).map(str::to_owned);
    let defaults: Vec<_> = wanted.iter().map(|p| default_plugins::vendor(p)).collect();
    let search = SearchPath::from_process(config.path.as_deref());
    let choice = choose(&config, defaults, &[], &[], &[], &search).map_err(anyhow::Error::msg)?;
    let mut loaded = Vec::new();
    for chosen in &choice.plugins {
        loaded.push(runtime.load(&chosen.spec)?);
    }
    let (vendors, failures) = VendorRegistry::describe_all(&runtime, loaded);
    for failure in &failures {
        eprintln!("warning: {failure}");
    }
    if let Some((default, not_found)) = choice.missing.first().filter(|(d, _)| vendors.find(&d.spec.name).is_err()) {
        eprintln!("error: profile {profile}: storage_vendor_product '{}' has no vendor plugin: {not_found}", default.spec.name);
        return Ok(Exit::Failed);
    }
    let plan = match plan_copyoffload(&runtime, &vendors, broker.copyoffload(), product.as_deref()) {
        Ok(plan) => plan,
        Err(e @ (CopyOffloadError::Invalid { .. } | CopyOffloadError::UnknownProduct { .. })) => {
            eprintln!("error: profile {profile}: {e}");
            return Ok(Exit::Failed);
        }
        Err(e) => return Err(e.into()),
    };
    let storage_class = storage_class
        .clone()
        .or_else(|| config.run.get("storage_class").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "<storage_class>".into());

    println!("profile {profile}: copy-offload with {} ({}), plugin '{}'", plan.product, plan.display_name, plan.plugin);
    if let Some(chosen) = choice.plugins.iter().find(|c| c.spec.name == plan.plugin) {
        println!("  from {}", chosen.origin);
    }
    println!("\nSecret data (type Opaque):");
    let shown = |value: &ResolvedValue| match value {
        ResolvedValue::Plain(text) => text.clone(),
        ResolvedValue::Secret(_) => REDACTED.to_string(),
    };
    let key_width = plan.secret.iter().map(|e| e.key.len()).max().unwrap_or(0);
    let value_width = plan.secret.iter().map(|e| shown(&e.value).len()).max().unwrap_or(0);
    for entry in &plan.secret {
        println!("  {:key_width$}  {:value_width$}  from {}", entry.key, shown(&entry.value), entry.from);
    }
    let entries = plan.storagemap_entries("<copyoffload-secret>", &storage_class, true, true);
    println!("\nStorageMap spec.map entries:\n{}", indent(&mtv_host::yaml::to_string(&entries)?));
    match &plan.provider_patch {
        Some(patch) => println!("vSphere Provider patch (merge):\n{}", indent(&mtv_host::yaml::to_string(patch)?)),
        None => println!("vSphere Provider patch: none (esxi_clone_method vib)"),
    }
    for warning in &plan.warnings {
        println!("warning: {warning}");
    }
    println!("\nok: {} keys, all required values present and valid", plan.secret.len());
    Ok(Exit::Ok)
}

fn indent(yaml: &str) -> String {
    yaml.lines().map(|l| format!("  {l}\n")).collect()
}
