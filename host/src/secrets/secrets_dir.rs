//! A mounted Kubernetes Secret directory, for in-cluster runs:
//!
//! ```text
//! oc create secret generic mtv-test-config \
//!   --from-file=providers.json=.providers.json \
//!   --from-literal=cluster_host=… --from-literal=cluster_username=… \
//!   --from-literal=cluster_password=…
//! ```
//!
//! Mounted, each key is a file. `providers.json` is the providers file;
//! every other file is one setting. Kubernetes also writes `..data` and
//! timestamped `..2024_…` directories behind symlinks; those and other
//! dotfiles are skipped.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::limits::{BoundedReadError, MAX_SECRET_BYTES, MAX_SETTING_FILE_BYTES, read_text, size_text};
use super::source::Source;
use super::value::{SecretValue, is_sensitive_name};

/// The file name inside a mounted Secret directory
/// (`--from-file=providers.json=.providers.json`).
pub const SECRETS_DIR_PROVIDERS_JSON: &str = "providers.json";

#[derive(Debug, thiserror::Error)]
pub enum SecretsDirError {
    #[error("cannot read secrets directory {}: {source}", .path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{}: {problem}", .path.display())]
    BadFile { path: PathBuf, problem: String },
    #[error(
        "--secrets-dir {} is not a directory; pass the directory where the Secret is mounted (each key a file), \
         or give a providers file with --providers-json",
        .path.display()
    )]
    NotADirectory { path: PathBuf },
}

#[derive(Clone, Debug)]
pub enum SettingValue {
    Plain(String),
    Secret(SecretValue),
}

/// The settings of a mounted Secret directory.
#[derive(Clone, Debug, Default)]
pub struct SecretsDirSettings {
    dir: PathBuf,
    providers_json: Option<PathBuf>,
    settings: BTreeMap<String, SettingValue>,
}

impl SecretsDirSettings {
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `providers.json` in the directory, when the Secret has one.
    pub fn providers_json(&self) -> Option<&Path> {
        self.providers_json.as_deref()
    }

    pub fn get(&self, key: &str) -> Option<&SettingValue> {
        self.settings.get(key)
    }

    /// A non-sensitive setting (`cluster_host`, `cluster_username`).
    pub fn plain(&self, key: &str) -> Option<&str> {
        match self.settings.get(key)? {
            SettingValue::Plain(text) => Some(text),
            SettingValue::Secret(_) => None,
        }
    }

    /// A sensitive setting: its key contains password, token, secret, ….
    pub fn secret(&self, key: &str) -> Option<&SecretValue> {
        match self.settings.get(key)? {
            SettingValue::Secret(secret) => Some(secret),
            SettingValue::Plain(_) => None,
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.settings.keys().map(String::as_str)
    }

    /// Where the setting `key` is read from.
    pub fn source(&self, key: &str) -> Source {
        Source::File { path: self.dir.join(key), key_path: key.to_owned(), line: None }
    }
}

pub fn load_secrets_dir(dir: &Path) -> Result<SecretsDirSettings, SecretsDirError> {
    let unreadable = |source| SecretsDirError::Unreadable { path: dir.to_path_buf(), source };
    if std::fs::metadata(dir).is_ok_and(|meta| !meta.is_dir()) {
        return Err(SecretsDirError::NotADirectory { path: dir.to_path_buf() });
    }
    let mut loaded = SecretsDirSettings { dir: dir.to_path_buf(), ..SecretsDirSettings::default() };
    for entry in std::fs::read_dir(dir).map_err(unreadable)? {
        let entry = entry.map_err(unreadable)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follows symlinks: mounted keys are links into `..data/`.
        let is_file = std::fs::metadata(&path).map(|meta| meta.is_file()).unwrap_or(false);
        if !is_file {
            continue;
        }
        if name == SECRETS_DIR_PROVIDERS_JSON {
            loaded.providers_json = Some(path);
            continue;
        }
        let text = read_text(&path, MAX_SETTING_FILE_BYTES).map_err(|error| SecretsDirError::BadFile {
            path: path.clone(),
            problem: match error {
                BoundedReadError::Io(error) if error.kind() == io::ErrorKind::InvalidData => {
                    "not UTF-8 text; settings must be text".to_owned()
                }
                BoundedReadError::Io(error) => format!("cannot read it: {error}"),
                BoundedReadError::TooLarge => {
                    format!("larger than {}, the most a Kubernetes Secret holds", size_text(MAX_SETTING_FILE_BYTES))
                }
            },
        })?;
        let text = text.trim_end_matches(['\n', '\r']).to_owned();
        if is_sensitive_name(&name) && text.len() > MAX_SECRET_BYTES {
            return Err(SecretsDirError::BadFile {
                path,
                problem: format!(
                    "longer than {}; a password or token that long is not one: check the value",
                    size_text(MAX_SECRET_BYTES as u64)
                ),
            });
        }
        let value = if is_sensitive_name(&name) { SettingValue::Secret(SecretValue::new(text)) } else { SettingValue::Plain(text) };
        loaded.settings.insert(name, value);
    }
    Ok(loaded)
}
