//! `mtv-host junit merge`: put shard reports back together.

use super::exit::Exit;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum JunitCommand {
    /// Merge JUnit reports (e.g. one per shard) into one testsuite,
    /// recomputing the totals and keeping properties and system-out.
    Merge {
        /// The merged report to write (atomically)
        out: PathBuf,
        /// Reports to merge
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

pub(crate) fn run(command: &JunitCommand) -> anyhow::Result<Exit> {
    let JunitCommand::Merge { out, inputs } = command;
    match mtv_host::report::merge(inputs, out) {
        Ok(counts) => {
            println!(
                "{}: {} tests, {} failures, {} errors, {} skipped (from {} reports)",
                out.display(),
                counts.tests,
                counts.failures,
                counts.errors,
                counts.skipped,
                inputs.len()
            );
            Ok(Exit::Ok)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(Exit::Failed)
        }
    }
}
