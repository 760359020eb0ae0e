//! `mtv-host plugins …`: what the config loads, what a wasm file is, a
//! review of a component before trusting it, and a new plugin crate.

mod check;
mod new;

use super::Cli;
use super::exit::Exit;
use super::sources::SourceArgs;
use clap::Subcommand;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use mtv_host::config::RunConfig;
use mtv_host::copyoffload::{PRODUCT_KEY, resolution};
use mtv_host::discovery::{DefaultPlugin, SearchPath, choose};
use mtv_host::enrich::JjiSettings;
use mtv_host::integrations::defaults::{self as default_plugins, ALWAYS_KNOWN};
use mtv_host::plugins::{HostServices, NoAudit, NoSecrets, PluginRuntime, ReqwestTransport};
use mtv_host::scaffold::{Kind, PluginName};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub(crate) enum PluginsCommand {
    /// Load every plugin the config selects and every default component a
    /// run would add (found on the plugin search path), and show where each
    /// came from, its world, contract version and grants.
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
    /// Review a component before trusting it: check its world and contract
    /// version, call its hooks with sample input on a fake host with nothing
    /// granted, and list the secrets, origins and imports it asks for.
    /// Exit status 1 unless it loads and its hooks run.
    Check {
        /// The .wasm file.
        file: PathBuf,
        /// One entry of the plugin's `settings` table (repeatable).
        #[arg(long = "setting", value_name = "KEY=VALUE", value_parser = check::parse_setting)]
        settings: Vec<(String, String)>,
    },
    /// Create a plugin crate that builds with one command and has a passing
    /// test on the plugin runtime's test harness.
    New {
        /// The world the plugin implements.
        #[arg(long, value_name = "KIND", value_parser = PossibleValuesParser::new(Kind::NAMES).try_map(|name| Kind::from_name(&name).ok_or("unknown kind")))]
        kind: Kind,
        /// Crate name, e.g. acme-array (lowercase letters, digits, '-').
        name: PluginName,
        /// Where to create it [default: ./NAME]; must not exist or be empty.
        dir: Option<PathBuf>,
        /// The mtv-plugin-sdk crate to depend on [default: this repository's guest-sdk/]
        #[arg(long, value_name = "DIR")]
        sdk_path: Option<PathBuf>,
        /// The mtv-plugin-runtime crate the tests use [default: this repository's plugin-runtime/]
        #[arg(long, value_name = "DIR")]
        runtime_path: Option<PathBuf>,
        /// Replaced by --runtime-path: the tests depend on the plugin runtime, not the host.
        #[arg(long, value_name = "DIR", hide = true)]
        host_path: Option<PathBuf>,
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
        PluginsCommand::Check { file, settings } => check::run(cli, file, settings),
        PluginsCommand::New { kind, name, dir, sdk_path, runtime_path, host_path } => {
            new::run(*kind, name, dir.as_deref(), sdk_path.as_deref(), runtime_path.as_deref(), host_path.as_deref())
        }
    }
}

fn list(cli: &Cli, only: &[String], without: &[String]) -> anyhow::Result<Exit> {
    let config = cli.run_config()?;
    let (defaults, notes) = list_defaults(&config)?;
    let search = SearchPath::from_process(config.path.as_deref());
    let choice = choose(&config, defaults, &ALWAYS_KNOWN, only, without, &search).map_err(anyhow::Error::msg)?;
    for note in &notes {
        println!("note: {note}");
    }
    if choice.plugins.is_empty() && choice.missing.is_empty() {
        println!("no plugins selected (add [[plugins]] entries to mtv-host.toml, or pass --config FILE)");
        return Ok(Exit::Ok);
    }
    let runtime = inspection_runtime(cli)?;
    let mut failed = false;
    for chosen in &choice.plugins {
        println!("{}", chosen.spec.name);
        match runtime.load(&chosen.spec) {
            Ok(plugin) => {
                let grants = plugin.grants();
                println!("  world     {}", plugin.shape.world_summary());
                println!("  path      {}", plugin.path.display());
                println!("  from      {}", chosen.origin);
                println!("  sha256    {}{}", plugin.sha256, if chosen.spec.sha256.is_some() { " (pinned)" } else { "" });
                println!("  http      {}", list_or_none(&grants.http));
                println!("  secrets   {}", list_or_none(&grants.secrets));
                let limits = plugin.limits();
                println!(
                    "  limits    {} ms guest time, {} ms wall-clock, {} MiB memory",
                    limits.deadline_ms, limits.wall_ms, limits.memory_mib
                );
            }
            Err(e) => {
                failed = true;
                println!("  from      {}\n  error     {e}", chosen.origin);
            }
        }
    }
    for (default, not_found) in &choice.missing {
        failed = true;
        println!("{}\n  from      default ({})\n  error     {not_found}", default.spec.name, default.why);
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}

/// The defaults a run with this config would want: the JIRA gate when
/// jira.cfg names a server, JJI when JJI_SERVER_URL is set (a run loads it
/// only with --analyze-with-ai), the vendor of the profile's
/// storage_vendor_product. A source that cannot be read is a note.
fn list_defaults(config: &RunConfig) -> anyhow::Result<(Vec<DefaultPlugin>, Vec<String>)> {
    let sources = SourceArgs::default();
    let inputs = sources.inputs(&sources.settings(config)?, false).map_err(anyhow::Error::msg)?;
    let mut defaults: Vec<DefaultPlugin> = inputs.jira.origin.as_deref().map(default_plugins::jira).into_iter().collect();
    match JjiSettings::from_env(&inputs.env) {
        JjiSettings::Enabled { config, .. } => defaults.push(default_plugins::jji(&config)),
        JjiSettings::Disabled { .. } => {}
    }
    let product = resolution(&inputs.broker).and_then(|resolution| resolution.plain(PRODUCT_KEY));
    defaults.extend(product.map(default_plugins::vendor));
    Ok((defaults, inputs.warnings))
}

/// `a, b` or `none`.
pub(crate) fn list_or_none<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() { "none".into() } else { items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", ") }
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
    println!("  world     {}", shape.world_summary());
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
