//! `mtv-host plugins …`: what the config loads, and what a wasm file is.

use super::Cli;
use super::exit::Exit;
use clap::Subcommand;
use mtv_host::plugins::{HostServices, NoAudit, NoSecrets, PluginRuntime, ReqwestTransport};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub(crate) enum PluginsCommand {
    /// Load every plugin the config selects and show its world, contract
    /// version and grants.
    List {
        /// Only these plugins (repeatable).
        #[arg(long = "plugin", value_name = "NAME")]
        only: Vec<String>,
        /// Not these plugins (repeatable).
        #[arg(long = "no-plugin", value_name = "NAME")]
        without: Vec<String>,
    },
    /// Show a component's world, contract version, imports, exports, size
    /// and sha256 (for a `sha256` pin in mtv-host.toml).
    Inspect {
        /// The .wasm file.
        file: PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// A runtime for commands that only load and look: no secrets, no audit.
fn inspection_runtime(cli: &Cli) -> anyhow::Result<PluginRuntime> {
    let services = HostServices { secrets: Arc::new(NoSecrets), transport: Arc::new(ReqwestTransport::new()), audit: Arc::new(NoAudit) };
    PluginRuntime::new(services, cli.cache_dir())
}

pub(crate) fn run(cli: &Cli, command: &PluginsCommand) -> anyhow::Result<Exit> {
    match command {
        PluginsCommand::List { only, without } => list(cli, only, without),
        PluginsCommand::Inspect { file, json } => inspect(cli, file, *json),
    }
}

fn list(cli: &Cli, only: &[String], without: &[String]) -> anyhow::Result<Exit> {
    let config = cli.run_config()?;
    let selected = config.selected_plugins(only, without).map_err(anyhow::Error::msg)?;
    if selected.is_empty() {
        println!("no plugins selected (add [[plugins]] entries to mtv-host.toml, or pass --config FILE)");
        return Ok(Exit::Ok);
    }
    let runtime = inspection_runtime(cli)?;
    let mut failed = false;
    for entry in selected {
        match runtime.load(&entry.spec()) {
            Ok(plugin) => {
                let grants = plugin.grants();
                println!("{}", plugin.name);
                println!("  world     {} (mtv:plugin@{})", plugin.world, plugin.contract_version);
                println!("  path      {}", plugin.path.display());
                println!("  sha256    {}{}", plugin.sha256, if entry.sha256.is_some() { " (pinned)" } else { "" });
                println!("  http      {}", list_or_none(&grants.http));
                println!("  secrets   {}", list_or_none(&grants.secrets));
                println!("  limits    {} ms guest time, {} MiB memory", plugin.limits().deadline_ms, plugin.limits().memory_mib);
            }
            Err(e) => {
                failed = true;
                println!("{}\n  error     {e}", entry.name);
            }
        }
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() { "none".into() } else { items.join(", ") }
}

fn inspect(cli: &Cli, file: &std::path::Path, json: bool) -> anyhow::Result<Exit> {
    let runtime = inspection_runtime(cli)?;
    let (shape, sha256, size) = match runtime.inspect(file) {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::Failed);
        }
    };
    if json {
        let value = serde_json::json!({
            "path": file, "size": size, "sha256": sha256,
            "world": shape.world, "contract_version": shape.contract_version,
            "imports": shape.imports, "exports": shape.exports,
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(Exit::Ok);
    }
    println!("{}", file.display());
    match (shape.world, &shape.contract_version) {
        (Some(world), Some(version)) => println!("  world     {world} (mtv:plugin@{version})"),
        _ => println!("  world     none: exports no mtv:plugin hooks interface"),
    }
    println!("  size      {size} bytes");
    println!("  sha256    {sha256}");
    println!("  imports");
    for import in &shape.imports {
        println!("    {import}");
    }
    println!("  exports");
    for export in &shape.exports {
        println!("    {export}");
    }
    Ok(Exit::Ok)
}
