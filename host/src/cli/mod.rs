//! Command-line interface: parsing, exit codes, and one module per
//! subcommand family.

mod copyoffload;
mod exit;
mod job;
mod junit;
mod logging;
mod plugins;
mod report;
mod run;
mod secrets;
mod sim;
mod sources;
mod vendors;

use clap::{Parser, Subcommand};
use exit::Exit;
use std::path::PathBuf;
use std::process::ExitCode;

/// Test host for MTV/Forklift VM migrations. Optional integrations (JIRA
/// gating, AI failure analysis, storage vendors' copy-offload
/// requirements) are WebAssembly plugins that see only what the config
/// grants them.
#[derive(Parser, Debug)]
#[command(name = "mtv-host", version, max_term_width = 100, after_help = exit::EXIT_CODES_HELP)]
pub(crate) struct Cli {
    /// Run config (TOML). Relative paths inside it are resolved against its directory.
    #[arg(long, global = true, value_name = "FILE", env = "MTV_HOST_CONFIG")]
    config: Option<PathBuf>,

    /// Where compiled plugins are cached [default: the user cache dir, mtv-host/components]
    #[arg(long, global = true, value_name = "DIR", env = "MTV_HOST_CACHE_DIR")]
    cache_dir: Option<PathBuf>,

    /// More log output (-v debug, -vv trace); RUST_LOG overrides. The compiler's
    /// own logs only when RUST_LOG names them (RUST_LOG=cranelift=trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,

    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the test plan: collect, gate, migrate, check, tear down, report.
    #[command(after_help = run::after_help())]
    Run(Box<run::RunArgs>),
    /// List, inspect and check plugins.
    #[command(subcommand)]
    Plugins(plugins::PluginsCommand),
    /// Where secrets come from (never their values).
    #[command(subcommand)]
    Secrets(secrets::SecretsCommand),
    /// Check copy-offload configuration through the vendor plugins.
    #[command(subcommand)]
    Copyoffload(copyoffload::CopyOffloadCommand),
    /// Run in a cluster: render the Indexed Job manifests.
    #[command(subcommand)]
    Job(job::JobCommand),
    /// Work with JUnit reports.
    #[command(subcommand)]
    Junit(junit::JunitCommand),
    /// Build the report page from a JUnit report.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The embedded Forklift cluster simulator.
    #[command(subcommand)]
    Sim(sim::SimCommand),
}

pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return exit::usage(e),
    };
    mtv_host::secrets::install_panic_hook();
    logging::init(cli.verbose, cli.quiet);
    let result = match &cli.command {
        Command::Run(args) => run::run(&cli, args),
        Command::Plugins(cmd) => plugins::run(&cli, cmd),
        Command::Secrets(cmd) => secrets::run(&cli, cmd),
        Command::Copyoffload(cmd) => copyoffload::run(&cli, cmd),
        Command::Job(cmd) => job::run(cmd),
        Command::Junit(cmd) => junit::run(cmd),
        Command::Report(cmd) => report::run(cmd),
        Command::Sim(cmd) => sim::run(cmd),
    };
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            tracing::error!("{e:#}");
            Exit::Internal.into()
        }
    }
}

impl Cli {
    /// The cache directory: `--cache-dir`, else the user cache dir.
    fn cache_dir(&self) -> Option<PathBuf> {
        self.cache_dir.clone().or_else(mtv_host::plugins::default_cache_dir)
    }

    /// The run config: `--config`, else `./mtv-host.toml` if it exists,
    /// else an empty config.
    fn run_config(&self) -> anyhow::Result<mtv_host::config::RunConfig> {
        use mtv_host::config::{DEFAULT_CONFIG, RunConfig};
        match &self.config {
            Some(path) => Ok(RunConfig::load(path)?),
            None if std::path::Path::new(DEFAULT_CONFIG).is_file() => Ok(RunConfig::load(std::path::Path::new(DEFAULT_CONFIG))?),
            None => Ok(RunConfig::default()),
        }
    }
}
