//! `mtv-host secrets explain`: where each secret would come from.

use super::Cli;
use super::exit::Exit;
use super::sources::SourceArgs;
use mtv_host::secrets::{Env, explain_table};

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
    let broker = match sources.broker(&config, Env::from_process(), false) {
        Ok(broker) => broker,
        Err(message) => {
            eprintln!("error: {}", mtv_host::secrets::redactor().redact(&message));
            return Ok(Exit::Usage);
        }
    };
    print!("{}", explain_table(&broker.describe()));
    for warning in broker.warnings() {
        println!("warning: {warning}");
    }
    Ok(Exit::Ok)
}
