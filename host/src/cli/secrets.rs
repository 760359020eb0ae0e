//! `mtv-host secrets explain`: where each secret would come from.

use super::Cli;
use super::exit::Exit;
use super::sources::{SourceArgs, unusable_input};
use super::vendors;
use mtv_host::integrations::INTEGRATIONS;
use mtv_host::secrets::explain_table;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum SecretsCommand {
    /// For the current config and environment, print where each secret
    /// comes from (file key path or env var) and whether it is set. Never
    /// prints a value.
    Explain {
        #[command(flatten)]
        sources: SourceArgs,
    },
}

pub(crate) fn run(cli: &Cli, command: &SecretsCommand) -> anyhow::Result<Exit> {
    let SecretsCommand::Explain { sources } = command;
    let config = cli.run_config()?;
    let mut inputs = match sources.inputs(&sources.settings(&config)?, false) {
        Ok(inputs) => inputs,
        Err(message) => return unusable_input(&message),
    };
    let vendor_warnings = vendors::declare_profile_vendor(cli, &config, &mut inputs.broker)?;
    print!("{}", explain_table(&inputs.broker.describe()));
    println!("\nWhat each integration reads:");
    for integration in INTEGRATIONS {
        let reads = integration.reads();
        println!("  {:<12} {}", integration.name(), reads.files.iter().chain(reads.env).copied().collect::<Vec<_>>().join(", "));
    }
    for warning in inputs.warnings.into_iter().chain(vendor_warnings) {
        println!("warning: {warning}");
    }
    Ok(Exit::Ok)
}
