//! Where a command finds its secrets: the flags every secret-reading
//! command shares, turned into one `SecretBroker`.

use mtv_host::config::RunConfig;
use mtv_host::secrets::{
    BrokerSources, Env, SecretBroker, jira_cfg_paths, load_jira_settings, load_providers, load_secrets_dir, locate_providers_json,
};
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct SourceArgs {
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
    /// The profile: the flag, else `[run] source_provider`.
    pub(crate) fn profile(&self, config: &RunConfig) -> Option<String> {
        self.source_provider.clone().or_else(|| config.run.get("source_provider").and_then(|v| v.as_str()).map(str::to_string))
    }

    /// Read every source. A missing providers file is an error only when
    /// `require_providers` is set. An error is a source the user must fix
    /// (exit 4), with the message to print.
    pub(crate) fn broker(&self, config: &RunConfig, env: Env, require_providers: bool) -> Result<SecretBroker, String> {
        self.read_sources(config, env, require_providers).map_err(|error| format!("{error:#}"))
    }

    fn read_sources(&self, config: &RunConfig, env: Env, require_providers: bool) -> anyhow::Result<SecretBroker> {
        let secrets_dir = self.secrets_dir.as_deref().map(load_secrets_dir).transpose()?;
        let configured = config.run.get("providers_json").and_then(|v| v.as_str()).map(|path| config.resolve_path(path));
        let location = locate_providers_json(self.providers_json.as_deref(), &env, configured.as_deref(), self.secrets_dir.as_deref());
        let providers = match load_providers(&location) {
            Ok(providers) => Some(providers),
            Err(e) if require_providers || location.path.exists() => return Err(e.into()),
            Err(_) => None,
        };
        let jira = load_jira_settings(&jira_cfg_paths(&std::env::current_dir()?), &env)?;
        Ok(SecretBroker::new(BrokerSources { providers, source_profile: self.profile(config), jira: Some(jira), env, secrets_dir }))
    }
}
