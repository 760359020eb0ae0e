//! `mtv-host report html`: the report page from a JUnit report alone.

use std::path::PathBuf;

use super::exit::Exit;
use mtv_host::report::page::{default_page_path, write_page};

#[derive(clap::Subcommand, Debug)]
pub(crate) enum ReportCommand {
    /// Build the report page (report.html) from a JUnit report written by
    /// `mtv-host run`, or merged from shards with `mtv-host junit merge`.
    Html {
        /// The JUnit report
        junit: PathBuf,
        /// The page to write (atomically) [default: report.html beside the report]
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
    },
}

pub(crate) fn run(command: &ReportCommand) -> anyhow::Result<Exit> {
    let ReportCommand::Html { junit, output } = command;
    let page = output.clone().unwrap_or_else(|| default_page_path(junit));
    let redact = |text: &str| mtv_host::secrets::redactor().redact(text).into_owned();
    match write_page(junit, &page, &redact) {
        Ok(summary) => {
            println!("report page: {} ({} tests, {} failed)", page.display(), summary.tests, summary.failed);
            Ok(Exit::Ok)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(Exit::Failed)
        }
    }
}
