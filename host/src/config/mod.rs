//! The run config, `mtv-host.toml`: run settings and the plugins to load.
//!
//! Relative paths are resolved against the config file's directory, so a
//! config works from any working directory.

use crate::plugins::{Grants, Limits, PluginSpec};
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
