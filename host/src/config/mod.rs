//! The run config, `mtv-host.toml`: run settings and the plugins to load.
//!
//! Relative paths are resolved against the config file's directory, so a
//! config works from any working directory.

use crate::plugins::{Grants, Limits, PluginSpec};
use crate::secrets::{check_secret_name, is_sensitive_name, register_url_credentials};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name looked up in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG: &str = "mtv-host.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The cause is in the message, so it is not also a `source`: printing
    // the chain would repeat it.
    #[error("cannot read {}: {error} (pass --config FILE, or create {DEFAULT_CONFIG} in the working directory)", path.display())]
    Read { path: PathBuf, error: std::io::Error },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// The whole file.
#[derive(Debug, Clone, Default)]
pub struct RunConfig {
    /// The file this came from (`None` when no file exists and defaults apply).
    pub path: Option<PathBuf>,
    /// `[run]` settings as key → value, overridable with `--set key=value`.
    pub run: BTreeMap<String, toml::Value>,
    pub plugins: Vec<PluginEntry>,
}

/// One `[[plugins]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    pub name: String,
    pub path: PathBuf,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub grants: Grants,
    #[serde(default)]
    pub settings: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub limits: Limits,
    /// Load it unless the command line says otherwise (`--no-plugin`).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    run: BTreeMap<String, toml::Value>,
    #[serde(default)]
    plugins: Vec<PluginEntry>,
}

impl RunConfig {
    pub fn load(path: &Path) -> Result<RunConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read { path: path.to_path_buf(), error })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<RunConfig, ConfigError> {
        let file: ConfigFile =
            toml::from_str(text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: toml_message(text, &e) })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut seen = std::collections::BTreeSet::new();
        let mut plugins = file.plugins;
        for plugin in &mut plugins {
            if !seen.insert(plugin.name.clone()) {
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    message: format!("two [[plugins]] entries are named '{}'; give each a unique `name`", plugin.name),
                });
            }
            if plugin.path.is_relative() {
                plugin.path = base.join(&plugin.path);
            }
            check_plugin(plugin).map_err(|message| ConfigError::Invalid { path: path.to_path_buf(), message })?;
        }
        Ok(RunConfig { path: Some(path.to_path_buf()), run: file.run, plugins })
    }

    /// Resolve a path setting from `[run]` against the config's directory.
    /// The directory of the config file, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.path.as_deref().map(|path| path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new(".")))
    }

    pub fn resolve_path(&self, value: &str) -> PathBuf {
        let path = PathBuf::from(value);
        match (&self.path, path.is_relative()) {
            (Some(_), true) => self.dir().unwrap_or(Path::new(".")).join(path),
            _ => path,
        }
    }
}

impl PluginEntry {
    /// What the runtime needs; settings become strings (TOML numbers and
    /// booleans are written as TOML writes them).
    pub fn spec(&self) -> PluginSpec {
        PluginSpec {
            name: self.name.clone(),
            path: self.path.clone(),
            sha256: self.sha256.clone(),
            grants: self.grants.clone(),
            settings: self.settings.iter().map(|(k, v)| (k.clone(), setting_text(v))).collect(),
            limits: self.limits,
        }
    }
}

/// What the runtime would accept but must not: a secret among the
/// settings (a plugin's settings are plain text it may echo), and grants
/// that name no origin or no secret.
fn check_plugin(plugin: &PluginEntry) -> Result<(), String> {
    let name = &plugin.name;
    for (key, value) in &plugin.settings {
        if is_sensitive_name(key) {
            return Err(format!(
                "[[plugins]] '{name}': settings.{key} looks like a secret, and settings are not secrets (the plugin may \
                 echo them); remove it, keep the value in the environment or another secret source, and grant it with \
                 `grants = {{ secrets = [\"env.<NAME>\"] }}`"
            ));
        }
        if let toml::Value::String(text) = value
            && register_url_credentials(text)
        {
            return Err(format!(
                "[[plugins]] '{name}': settings.{key} is a URL with credentials (user:password@); remove them: the host \
                 attaches credentials for the origins in `grants.http`"
            ));
        }
    }
    for origin in &plugin.grants.http {
        if !is_origin(origin) {
            return Err(format!(
                "[[plugins]] '{name}': grants.http entry \"{}\" is not an origin; write scheme://host[:port] only, \
                 such as \"https://issues.example.com\"",
                if register_url_credentials(origin) { "<a URL with credentials>" } else { origin }
            ));
        }
    }
    for secret in &plugin.grants.secrets {
        check_secret_name(secret).map_err(|error| format!("[[plugins]] '{name}': grants.secrets: {error}"))?;
    }
    Ok(())
}

/// `https://host[:port]`, optionally with a trailing `/`: no credentials,
/// path, query or fragment.
fn is_origin(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|host| !host.is_empty())
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
    })
}

fn setting_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(setting_text).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// toml's message with the line and column of its span.
fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        // toml says "duplicate key" without saying which.
        Some(span) if message == "duplicate key" => {
            let key = text.get(span.clone()).unwrap_or_default().trim();
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            format!("line {line}: `{key}` is set twice in one table; keep one")
        }
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_paths_are_relative_to_the_config() {
        let config =
            RunConfig::parse(Path::new("/etc/mtv/mtv-host.toml"), "[[plugins]]\nname = \"jira\"\npath = \"plugins/jira.wasm\"\n").unwrap();
        assert_eq!(config.plugins[0].path, Path::new("/etc/mtv/plugins/jira.wasm"));
    }

    #[test]
    fn unknown_keys_are_errors_with_line_numbers() {
        let err = RunConfig::parse(Path::new("c.toml"), "[[plugins]]\nname = \"a\"\npath = \"a.wasm\"\ngrant = {}\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("c.toml: line 4"), "{text}");
        assert!(text.contains("grant"), "{text}");
    }

    fn plugin_error(entry: &str) -> String {
        let text = format!("[[plugins]]\nname = \"p\"\npath = \"p.wasm\"\n{entry}\n");
        match RunConfig::parse(Path::new("c.toml"), &text) {
            Ok(_) => panic!("accepted: {entry}"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_secret_among_plugin_settings_is_refused_naming_grants_secrets() {
        for key in ["password", "api_token", "client_secret"] {
            let message = plugin_error(&format!("settings = {{ {key} = \"canary-setting-pw-61d0\" }}"));
            assert!(message.starts_with("c.toml: [[plugins]] 'p': settings."), "{message}");
            assert!(message.contains(key) && message.contains("grants = { secrets"), "{message}");
            assert!(!message.contains("canary-setting-pw-61d0"), "{message}");
        }
        let message = plugin_error("settings = { url = \"https://bot:canary-setting-url-61d0@jira.example.com\" }");
        assert!(message.contains("settings.url") && message.contains("credentials"), "{message}");
        assert!(!message.contains("canary-setting-url-61d0"), "{message}");
        assert!(
            RunConfig::parse(
                Path::new("c.toml"),
                "[[plugins]]\nname = \"p\"\npath = \"p.wasm\"\nsettings = { url = \"https://jira.example.com\", components = \"a\" }\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn grants_that_name_no_origin_or_no_secret_are_refused() {
        for (entry, needle) in [
            ("grants = { http = [\"issues.example.com\"] }", "\"issues.example.com\" is not an origin"),
            ("grants = { http = [\"https://issues.example.com/rest/api\"] }", "is not an origin"),
            ("grants = { http = [\"ftp://issues.example.com\"] }", "is not an origin"),
            ("grants = { http = [\"https://u:canary-grant-pw-61d0@issues.example.com\"] }", "<a URL with credentials>"),
            ("grants = { secrets = [\"jira.tokn\"] }", "unknown secret name \"jira.tokn\""),
            ("grants = { secrets = [\"copyoffload.storage_hostname\"] }", "not sensitive"),
        ] {
            let message = plugin_error(entry);
            assert!(message.contains(needle) && message.contains("[[plugins]] 'p'"), "{entry}: {message}");
            assert!(!message.contains("canary-grant-pw-61d0"), "{message}");
        }
        let ok = "grants = { http = [\"https://issues.example.com\", \"http://127.0.0.1:9/\"], secrets = [\"jira.token\", \"env.X\"] }";
        assert!(RunConfig::parse(Path::new("c.toml"), &format!("[[plugins]]\nname = \"p\"\npath = \"p.wasm\"\n{ok}\n")).is_ok());
    }

    #[test]
    fn a_duplicate_key_is_named() {
        let err = RunConfig::parse(Path::new("c.toml"), "[run]\njobs = 2\nstorage_class = \"a\"\njobs = 3\n").unwrap_err();
        assert_eq!(err.to_string(), "c.toml: line 4: `jobs` is set twice in one table; keep one");
    }

    #[test]
    fn duplicate_names_are_rejected() {
        let err = RunConfig::parse(
            Path::new("c.toml"),
            "[[plugins]]\nname = \"a\"\npath = \"a.wasm\"\n[[plugins]]\nname = \"a\"\npath = \"b.wasm\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("two [[plugins]] entries are named 'a'"));
    }
}
