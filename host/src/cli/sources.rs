//! The flags every secret-reading command shares, turned into the one
//! input loader's request (`integrations::load_inputs`).

use mtv_host::config::RunConfig;
use mtv_host::integrations::{InputRequest, Inputs, load_inputs};
use mtv_host::runner::{RunSettings, parse_set};
use mtv_host::secrets::Env;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct SourceArgs {
    /// Override a [run] setting of the config (repeatable), e.g. --set source_provider=vsphere-8
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    /// The providers file [default: $PROVIDERS_JSON_PATH, else [run] providers_json, else ./.providers.json]
    #[arg(long, value_name = "FILE")]
    pub providers_json: Option<PathBuf>,
    /// Source provider profile in the providers file [default: [run] source_provider]
    #[arg(long, value_name = "PROFILE")]
    pub source_provider: Option<String>,
    /// Directory of a mounted Kubernetes Secret (in-cluster runs): its providers.json and settings such as cluster_password
    #[arg(long, value_name = "DIR")]
    pub secrets_dir: Option<PathBuf>,
}

impl SourceArgs {
    /// `[run]` with `--set`, and `--source-provider` last.
    pub(crate) fn settings(&self, config: &RunConfig) -> anyhow::Result<RunSettings> {
        let mut overrides = self.set.clone();
        overrides.extend(self.source_provider.iter().map(|profile| ("source_provider".to_owned(), profile.clone())));
        Ok(RunSettings::resolve(config, &overrides)?)
    }

    /// Read every source. A missing providers file is an error only when
    /// `require_providers` is set. An error is a source the user must fix
    /// (exit 4), with the message to print.
    pub(crate) fn inputs(&self, settings: &RunSettings, require_providers: bool) -> Result<Inputs, String> {
        let request = InputRequest {
            providers_json: self.providers_json.as_deref(),
            secrets_dir: self.secrets_dir.as_deref(),
            require_providers,
            ..InputRequest::default()
        };
        let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
        load_inputs(&request, settings, Env::from_process(), &cwd).map_err(|error| error.message)
    }
}

/// Prints an input the user must fix and returns exit status 4.
pub(crate) fn unusable_input(message: &str) -> anyhow::Result<super::exit::Exit> {
    eprintln!("error: {}", mtv_host::secrets::redactor().redact(message));
    Ok(super::exit::Exit::Usage)
}
