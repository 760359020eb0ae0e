//! The secret broker: every secret a plugin may be granted, by name, resolved
//! from the sources the host loaded. Grants decide who may ask; the broker
//! answers what the value is, or where it would come from.
//!
//! Names:
//! - `jira.token`, `jira.password` — `PYTEST_JIRA_*` or `jira.cfg`
//! - `cluster.password` — `CLUSTER_PASSWORD`, else `cluster_password` of
//!   the mounted secrets directory
//! - `jji.token` — `JJI_TOKEN` (the environment, or `.env` with
//!   `--analyze-with-ai`); the host sends it as `Authorization: Bearer` to
//!   `JJI_SERVER_URL`'s origin
//! - `provider.<profile>.password` — `.providers.json`
//! - `copyoffload.<key>` — the sensitive copy-offload keys of the source
//!   profile, with their `COPYOFFLOAD_*` overrides
//! - `env.<NAME>` — any environment variable

use std::fmt::Write as _;
use std::path::Path;

use mtv_plugin_runtime::normalize_origin;
use serde_json::Map;

use super::copyoffload::{self, COPYOFFLOAD_KEYS, CopyOffloadResolution};
use super::env::Env;
use super::jira_cfg::{JiraSettings, env_override};
use super::providers::{DEFAULT_PROVIDERS_JSON, Providers};
use super::redactor::redactor;
use super::secrets_dir::SecretsDirSettings;
use super::value::SecretValue;

const CLUSTER_PASSWORD_ENV: &str = "CLUSTER_PASSWORD";
const CLUSTER_ENV_PREFIX: &str = "CLUSTER_";
const CLUSTER_KEY_PREFIX: &str = "cluster_";
const CLUSTER_PASSWORD_KEY: &str = "cluster_password";

const JJI_SERVER_URL_ENV: &str = "JJI_SERVER_URL";
const JJI_TOKEN_ENV: &str = "JJI_TOKEN";

const NAME_FORMS: &str = "jira.token, jira.password, cluster.password, jji.token, provider.<profile>.password, \
                          copyoffload.<key> for a sensitive copy-offload key, env.<NAME>";

/// What the broker is built from: whatever the host loaded for this run.
#[derive(Debug, Default)]
pub struct BrokerSources {
    pub providers: Option<Providers>,
    /// The `source_provider` profile, whose copy-offload keys are resolved.
    pub source_profile: Option<String>,
    pub jira: Option<JiraSettings>,
    /// The environment, with `.env` beneath it when that was loaded.
    pub env: Env,
    pub secrets_dir: Option<SecretsDirSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("unknown secret name \"{name}\"{hint}; secret names are: {NAME_FORMS}")]
    Unknown { name: String, hint: String },
    #[error("secret \"{name}\" is not set; set {from}")]
    Missing { name: String, from: String },
    #[error("secret \"{name}\" cannot be read: {problem}")]
    Unavailable { name: String, problem: String },
}

/// One row of `mtv-host secrets explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretOrigin {
    pub name: String,
    /// Where the value came from when set; where it would come from otherwise.
    pub from: String,
    pub set: bool,
}

/// Checks the form of a secret name (for grants in the run config) without
/// resolving it.
pub fn check_secret_name(name: &str) -> Result<(), SecretError> {
    let unknown = |hint: String| Err(SecretError::Unknown { name: name.to_owned(), hint });
    match parse_name(name) {
        Some(SecretName::CopyOffload(key)) => match copyoffload::rule(key) {
            Some(rule) if rule.sensitive => Ok(()),
            Some(_) => unknown(format!(" ({key} is not sensitive: vendor plugins receive it in validate, no grant needed)")),
            None => unknown(format!(" ({key} is not a copy-offload key)")),
        },
        Some(_) => Ok(()),
        None => unknown(String::new()),
    }
}

enum SecretName<'a> {
    Jira(&'static str),
    ClusterPassword,
    JjiToken,
    ProviderPassword(&'a str),
    CopyOffload(&'a str),
    Env(&'a str),
}

fn parse_name(name: &str) -> Option<SecretName<'_>> {
    match name {
        "jira.token" => return Some(SecretName::Jira("token")),
        "jira.password" => return Some(SecretName::Jira("password")),
        "cluster.password" => return Some(SecretName::ClusterPassword),
        "jji.token" => return Some(SecretName::JjiToken),
        _ => {}
    }
    if let Some(profile) = name.strip_prefix("provider.").and_then(|rest| rest.strip_suffix(".password")) {
        return (!profile.is_empty()).then_some(SecretName::ProviderPassword(profile));
    }
    if let Some(key) = name.strip_prefix("copyoffload.") {
        return Some(SecretName::CopyOffload(key));
    }
    if let Some(var) = name.strip_prefix("env.") {
        return (!var.is_empty()).then_some(SecretName::Env(var));
    }
    None
}

pub struct SecretBroker {
    env: Env,
    providers: Option<Providers>,
    jira: Option<JiraSettings>,
    secrets_dir: Option<SecretsDirSettings>,
    copyoffload: CopyOffloadResolution,
    /// The origin of `JJI_SERVER_URL`, where `JJI_TOKEN` goes.
    jji_origin: Option<String>,
}

impl SecretBroker {
    pub fn new(sources: BrokerSources) -> Self {
        let copyoffload = resolve_copyoffload(&sources);
        let BrokerSources { providers, jira, env, secrets_dir, .. } = sources;
        let jji_origin = env.non_empty(JJI_SERVER_URL_ENV).map(normalize_origin);
        Self { env, providers, jira, secrets_dir, copyoffload, jji_origin }
    }

    /// The copy-offload settings of the source profile, for the host code
    /// that validates vendor fields and builds the Kubernetes Secret.
    pub fn copyoffload(&self) -> &CopyOffloadResolution {
        &self.copyoffload
    }

    /// Problems worth showing once at start-up: ignored variables, unknown
    /// keys, unusable values.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.copyoffload.warnings().to_vec();
        warnings.extend_from_slice(self.copyoffload.errors());
        if let Some(jira) = &self.jira {
            warnings.extend_from_slice(&jira.warnings);
        }
        warnings
    }

    /// The secret called `name`.
    pub fn get(&self, name: &str) -> Result<SecretValue, SecretError> {
        check_secret_name(name)?;
        let missing = |from: String| SecretError::Missing { name: name.to_owned(), from };
        match parse_name(name) {
            Some(SecretName::Jira(key)) => self.jira_secret(key).ok_or_else(|| missing(self.jira_where_from(key))),
            Some(SecretName::ClusterPassword) => self.cluster_password().ok_or_else(|| missing(self.cluster_where_from())),
            Some(SecretName::JjiToken) => self.jji_token().ok_or_else(|| missing(jji_where_from())),
            Some(SecretName::ProviderPassword(profile)) => {
                let Some(providers) = &self.providers else {
                    return Err(missing(format!("{profile}.password in ./{DEFAULT_PROVIDERS_JSON}")));
                };
                let profile_entry = providers
                    .profile(profile)
                    .map_err(|error| SecretError::Unavailable { name: name.to_owned(), problem: error.to_string() })?;
                profile_entry.password().cloned().ok_or_else(|| missing(format!("{profile}.password in {}", providers.path().display())))
            }
            Some(SecretName::CopyOffload(key)) => {
                self.copyoffload.secret(key).cloned().ok_or_else(|| missing(self.copyoffload.where_from(key)))
            }
            Some(SecretName::Env(var)) => {
                self.env.non_empty(var).map(SecretValue::new).ok_or_else(|| missing(format!("the environment variable {var}")))
            }
            None => Err(SecretError::Unknown { name: name.to_owned(), hint: String::new() }),
        }
    }

    /// The `Authorization` header value the host attaches to a request to
    /// `origin`, when the origin is one whose credentials the host holds
    /// (JIRA's `url`, `JJI_SERVER_URL`). Plugins never see it.
    pub fn origin_credential(&self, origin: &str) -> Option<SecretValue> {
        let origin = normalize_origin(origin);
        if let Some(jira) = &self.jira
            && jira.origin().as_deref() == Some(origin.as_str())
        {
            return jira.authorization();
        }
        (self.jji_origin.as_ref() == Some(&origin))
            .then(|| self.jji_token().map(|token| SecretValue::new(format!("Bearer {}", token.expose()))))?
    }

    fn jji_token(&self) -> Option<SecretValue> {
        self.env.non_empty(JJI_TOKEN_ENV).map(SecretValue::new)
    }

    /// Every named secret the broker knows (except `env.<NAME>`), whether it
    /// is set, and where it came or would come from. Never a value.
    pub fn describe(&self) -> Vec<SecretOrigin> {
        let mut rows = Vec::new();
        for key in ["token", "password"] {
            let set = self.jira_secret(key).is_some();
            let source = self.jira.as_ref().and_then(|jira| jira.sources.get(key)).filter(|_| set);
            rows.push(SecretOrigin {
                name: format!("jira.{key}"),
                from: source.map_or_else(|| self.jira_where_from(key), ToString::to_string),
                set,
            });
        }
        rows.push(SecretOrigin {
            name: "cluster.password".to_owned(),
            from: self.cluster_source().unwrap_or_else(|| self.cluster_where_from()),
            set: self.cluster_password().is_some(),
        });
        let jji_set = self.jji_token().is_some();
        rows.push(SecretOrigin {
            name: "jji.token".to_owned(),
            from: if jji_set { format!("environment variable {JJI_TOKEN_ENV}") } else { jji_where_from() },
            set: jji_set,
        });
        if let Some(providers) = &self.providers {
            for profile in providers.profile_names() {
                let (set, from) = match providers.profile(&profile) {
                    Ok(entry) => (entry.password().is_some(), format!("{profile}.password in {}", providers.path().display())),
                    Err(error) => (false, error.to_string()),
                };
                rows.push(SecretOrigin { name: format!("provider.{profile}.password"), from, set });
            }
        }
        for rule in COPYOFFLOAD_KEYS.iter().filter(|rule| rule.sensitive) {
            let resolved = self.copyoffload.get(rule.key);
            rows.push(SecretOrigin {
                name: format!("copyoffload.{}", rule.key),
                from: resolved.map_or_else(|| self.copyoffload.where_from(rule.key), |key| key.source.to_string()),
                set: resolved.is_some(),
            });
        }
        rows
    }

    fn jira_secret(&self, key: &str) -> Option<SecretValue> {
        let jira = self.jira.as_ref()?;
        match key {
            "token" => jira.token.clone(),
            _ => jira.password.clone(),
        }
    }

    fn jira_where_from(&self, key: &str) -> String {
        match &self.jira {
            Some(jira) => jira.where_from(key),
            None => format!("{} or `{key}` in [DEFAULT] of jira.cfg", env_override(key).unwrap_or("PYTEST_JIRA_*")),
        }
    }

    /// A non-secret setting of `--cluster login` (`host`, `username`):
    /// `CLUSTER_HOST`, else `cluster_host` of the secrets directory.
    pub fn cluster_setting(&self, name: &str) -> Option<String> {
        let env = format!("{CLUSTER_ENV_PREFIX}{}", name.to_ascii_uppercase());
        match self.env.non_empty(&env) {
            Some(value) => Some(value.to_owned()),
            None => self.secrets_dir.as_ref()?.plain(&format!("{CLUSTER_KEY_PREFIX}{name}")).map(str::to_owned),
        }
    }

    /// `cluster.password`: `CLUSTER_PASSWORD`, else `cluster_password` of
    /// the secrets directory.
    pub fn cluster_password(&self) -> Option<SecretValue> {
        match self.env.non_empty(CLUSTER_PASSWORD_ENV) {
            Some(value) => Some(SecretValue::new(value)),
            None => self.secrets_dir.as_ref()?.secret(CLUSTER_PASSWORD_KEY).cloned(),
        }
    }

    fn cluster_source(&self) -> Option<String> {
        if self.env.non_empty(CLUSTER_PASSWORD_ENV).is_some() {
            return Some(format!("environment variable {CLUSTER_PASSWORD_ENV}"));
        }
        let dir = self.secrets_dir.as_ref()?;
        dir.secret(CLUSTER_PASSWORD_KEY)?;
        Some(dir.source(CLUSTER_PASSWORD_KEY).to_string())
    }

    fn cluster_where_from(&self) -> String {
        match &self.secrets_dir {
            Some(dir) => {
                format!("{CLUSTER_PASSWORD_ENV} or the {CLUSTER_PASSWORD_KEY} key of the secrets directory {}", dir.dir().display())
            }
            None => format!("{CLUSTER_PASSWORD_ENV} or {CLUSTER_PASSWORD_KEY} in a mounted secrets directory"),
        }
    }
}

/// Resolves the copy-offload keys of the source profile. Without a providers
/// file, a profile or a `copyoffload` object, the section is empty and only
/// `COPYOFFLOAD_*` variables can supply values.
fn resolve_copyoffload(sources: &BrokerSources) -> CopyOffloadResolution {
    let profile_name = sources.source_profile.as_deref().unwrap_or("<source_provider>");
    let empty = Map::new();
    let Some(providers) = &sources.providers else {
        return copyoffload::resolve(profile_name, &empty, &sources.env, Path::new(DEFAULT_PROVIDERS_JSON));
    };
    let profile = providers.profile(profile_name).ok();
    let section = profile.as_ref().and_then(|profile| profile.copyoffload()).unwrap_or(&empty);
    copyoffload::resolve(profile_name, section, &sources.env, providers.path())
}

fn jji_where_from() -> String {
    format!("{JJI_TOKEN_ENV} (the environment, or .env with --analyze-with-ai), for a JJI server that wants a bearer token")
}

/// `secrets explain` output: one row per secret with whether it is set and
/// its source. Values never appear; the redactor runs over it regardless.
pub fn explain_table(rows: &[SecretOrigin]) -> String {
    let name_width = rows.iter().map(|row| row.name.len()).chain([6]).max().unwrap_or(6);
    let mut out = format!("{:<name_width$}  SET  SOURCE\n", "SECRET");
    for row in rows {
        let set = if row.set { "yes" } else { "no " };
        let _ = writeln!(out, "{:<name_width$}  {set}  {}", row.name, row.from);
    }
    out.push_str("\nAny environment variable can also be granted as env.<NAME>.\n");
    redactor().redact(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(env: &[(&str, &str)]) -> SecretBroker {
        SecretBroker::new(BrokerSources { env: Env::from_pairs(env.iter().copied()), ..BrokerSources::default() })
    }

    #[test]
    fn jji_token_is_attached_only_to_the_jji_servers_origin() {
        let broker = broker(&[("JJI_SERVER_URL", "https://jji.example.com:8443/base"), ("JJI_TOKEN", "canary-jji-unit-5c1e")]);
        let credential = |origin: &str| broker.origin_credential(origin).map(|v| v.expose().to_owned());
        assert_eq!(credential("https://jji.example.com:8443"), Some("Bearer canary-jji-unit-5c1e".to_owned()));
        assert_eq!(credential("https://jji.example.com"), None);
        assert_eq!(credential("http://jji.example.com:8443"), None);
        assert_eq!(broker.get("jji.token").map(|v| v.expose().to_owned()).ok(), Some("canary-jji-unit-5c1e".to_owned()));
        assert_eq!(
            self::broker(&[("JJI_SERVER_URL", "https://jji.example.com:8443")]).origin_credential("https://jji.example.com:8443"),
            None
        );
    }

    #[test]
    fn cluster_login_settings_come_from_the_environment() {
        let broker = broker(&[("CLUSTER_HOST", "https://api.example.com:6443"), ("CLUSTER_USERNAME", "kubeadmin")]);
        assert_eq!(broker.cluster_setting("host").as_deref(), Some("https://api.example.com:6443"));
        assert_eq!(broker.cluster_setting("username").as_deref(), Some("kubeadmin"));
        assert!(broker.cluster_password().is_none());
    }
}
