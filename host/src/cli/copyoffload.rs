//! `mtv-host copyoffload check`: validate a profile's copy-offload section
//! through its vendor plugin and show what a test would create.

use super::Cli;
use super::exit::Exit;
use super::sources::SourceArgs;
use mtv_host::copyoffload::{CopyOffloadError, VendorRegistry, plan_copyoffload};
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
    let broker = match sources.broker(&config, Env::from_process(), true) {
        Ok(broker) => broker,
        Err(message) => {
            eprintln!("error: {}", mtv_host::secrets::redactor().redact(&message));
            return Ok(Exit::Usage);
        }
    };
    let services = HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) };
    let runtime = PluginRuntime::new(services, cli.cache_dir())?;
    let mut loaded = Vec::new();
    for entry in config.selected_plugins(&[], &[]).map_err(anyhow::Error::msg)? {
        loaded.push(runtime.load(&entry.spec())?);
    }
    let (vendors, failures) = VendorRegistry::describe_all(&runtime, loaded);
    for failure in &failures {
        eprintln!("warning: {failure}");
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
    println!("\nSecret data (type Opaque):");
    let shown = |value: &ResolvedValue| match value {
        ResolvedValue::Plain(text) => mtv_host::secrets::redactor().redact(text).into_owned(),
        ResolvedValue::Secret(_) => REDACTED.to_string(),
    };
    let key_width = plan.secret.iter().map(|e| e.key.len()).max().unwrap_or(0);
    let value_width = plan.secret.iter().map(|e| shown(&e.value).len()).max().unwrap_or(0);
    for entry in &plan.secret {
        println!("  {:key_width$}  {:value_width$}  from {}", entry.key, shown(&entry.value), entry.from);
    }
    let entries = plan.storagemap_entries("<copyoffload-secret>", &storage_class, true, true);
    println!("\nStorageMap spec.map entries:\n{}", indent(&serde_yaml_ng::to_string(&entries)?));
    match &plan.provider_patch {
        Some(patch) => println!("vSphere Provider patch (merge):\n{}", indent(&serde_yaml_ng::to_string(patch)?)),
        None => println!("vSphere Provider patch: none (esxi_clone_method vib)"),
    }
    for warning in &plan.warnings {
        println!("warning: {warning}");
    }
    println!("\nok: {} keys, all required values present and valid", plan.secret.len());
    Ok(Exit::Ok)
}

/// `yaml` indented, with registered secrets masked: plain values can
/// still hold one (a URL's password).
fn indent(yaml: &str) -> String {
    mtv_host::secrets::redactor().redact(yaml).lines().map(|l| format!("  {l}\n")).collect()
}
