//! `mtv-host copyoffload check`: validate a profile's copy-offload section
//! through its vendor plugin and show what a test would create.

use super::Cli;
use super::exit::Exit;
use super::sources::{SourceArgs, unusable_input};
use super::vendors;
use mtv_host::copyoffload::{CopyOffloadError, HOST_KEYS, PRODUCT_KEY, env_name, keys_markdown, plan_copyoffload, resolution};
use mtv_host::secrets::{REDACTED, ResolvedValue};
use std::path::PathBuf;

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
    /// List the copy-offload keys: the host's, and those each vendor plugin
    /// declares, with their COPYOFFLOAD_* variables and sensitivity.
    Keys {
        /// Print the Markdown page `docs/copyoffload-keys.md` is.
        #[arg(long)]
        markdown: bool,
        /// Vendor components to describe [default: the config's [[plugins]]
        /// entries]
        #[arg(value_name = "COMPONENT")]
        components: Vec<PathBuf>,
    },
}

pub(crate) fn run(cli: &Cli, command: &CopyOffloadCommand) -> anyhow::Result<Exit> {
    match command {
        CopyOffloadCommand::Check { sources, product, storage_class } => check(cli, sources, product.as_deref(), storage_class.as_deref()),
        CopyOffloadCommand::Keys { markdown, components } => keys(cli, *markdown, components),
    }
}

fn keys(cli: &Cli, markdown: bool, components: &[PathBuf]) -> anyhow::Result<Exit> {
    let config = cli.run_config()?;
    let vendors = vendors::load(cli, &config, components, None)?;
    for failure in &vendors.failures {
        eprintln!("warning: {failure}");
    }
    let infos = vendors.registry.infos();
    if markdown {
        print!("{}", keys_markdown(&infos));
        return Ok(Exit::Ok);
    }
    for rule in HOST_KEYS {
        let var = if rule.overridable { env_name(rule.key) } else { "(file only)".to_owned() };
        println!("host  {}  {var}  sensitive={}", rule.key, rule.sensitive);
    }
    for info in &infos {
        for field in &info.fields {
            println!("{}  {}  {}  sensitive={}", info.product, field.config_key, env_name(&field.config_key), field.sensitive);
        }
    }
    Ok(Exit::Ok)
}

fn check(cli: &Cli, sources: &SourceArgs, product: Option<&str>, storage_class: Option<&str>) -> anyhow::Result<Exit> {
    let config = cli.run_config()?;
    let settings = sources.settings(&config)?;
    let Some(profile) = settings.source_provider.clone() else {
        eprintln!("error: no source provider: pass --source-provider PROFILE or set [run] source_provider in mtv-host.toml");
        return Ok(Exit::Failed);
    };
    let broker = match sources.inputs(&settings, true) {
        Ok(inputs) => inputs.broker,
        Err(message) => return unusable_input(&message),
    };
    let resolution = resolution(&broker).ok_or_else(|| anyhow::anyhow!("the copy-offload integration is not registered"))?;
    // The product's vendor plugin: an entry of that name, else
    // `<product>.wasm` on the plugin search path.
    let wanted = product.or(resolution.plain(PRODUCT_KEY));
    let vendors::Vendors { runtime, registry: vendors, failures, origins, missing } = vendors::load(cli, &config, &[], wanted)?;
    for failure in &failures {
        eprintln!("warning: {failure}");
    }
    if let Some(not_found) = missing {
        eprintln!("error: profile {profile}: {not_found}");
        return Ok(Exit::Failed);
    }
    let plan = match plan_copyoffload(&runtime, &vendors, resolution, product) {
        Ok(plan) => plan,
        Err(e @ (CopyOffloadError::Invalid { .. } | CopyOffloadError::UnknownProduct { .. })) => {
            eprintln!("error: profile {profile}: {e}");
            return Ok(Exit::Failed);
        }
        Err(e) => return Err(e.into()),
    };
    let storage_class = storage_class.map(str::to_owned).or(settings.storage_class).unwrap_or_else(|| "<storage_class>".into());

    println!("profile {profile}: copy-offload with {} ({}), plugin '{}'", plan.product, plan.display_name, plan.plugin);
    if let Some((_, origin)) = origins.iter().find(|(name, _)| *name == plan.plugin) {
        println!("  from {origin}");
    }
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

/// `yaml` indented, with registered secrets masked: plain values can
/// still hold one (a URL's password).
fn indent(yaml: &str) -> String {
    mtv_host::secrets::redactor().redact(yaml).lines().map(|l| format!("  {l}\n")).collect()
}
