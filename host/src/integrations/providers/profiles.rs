//! `.providers.json`: where it is, and its profiles.
//!
//! The file is strict JSON keyed by profile name; each profile is an object
//! with `type`, `api_url`, `username`, `password`, `version`, guest
//! credentials and, for vSphere copy-offload, a `copyoffload` object.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::secrets::{
    BoundedReadError, Env, MAX_PROVIDERS_JSON_BYTES, MAX_SECRET_BYTES, SECRETS_DIR_PROVIDERS_JSON, SecretValue, is_sensitive_name,
    read_text, redactor, register_url_credentials, size_text,
};

pub const PROVIDERS_JSON_FLAG: &str = "--providers-json";
pub const PROVIDERS_JSON_ENV: &str = "PROVIDERS_JSON_PATH";
pub const DEFAULT_PROVIDERS_JSON: &str = ".providers.json";

/// Which rule picked the providers file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChosenBy {
    Flag,
    EnvVar,
    Config,
    SecretsDir,
    Default,
}

impl fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChosenBy::Flag => write!(f, "given by {PROVIDERS_JSON_FLAG}"),
            ChosenBy::EnvVar => write!(f, "given by {PROVIDERS_JSON_ENV}"),
            ChosenBy::Config => f.write_str("given by [run] providers_json in the run config"),
            ChosenBy::SecretsDir => f.write_str("in the mounted secrets directory"),
            ChosenBy::Default => f.write_str("the default location"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvidersPath {
    pub path: PathBuf,
    pub chosen_by: ChosenBy,
}

/// Picks the providers file: `--providers-json`, else `PROVIDERS_JSON_PATH`,
/// else `[run] providers_json` of the run config (`configured`), else
/// `providers.json` in the secrets directory when one is given, else
/// `./.providers.json`.
pub fn locate_providers_json(flag: Option<&Path>, env: &Env, configured: Option<&Path>, secrets_dir: Option<&Path>) -> ProvidersPath {
    if let Some(path) = flag {
        return ProvidersPath { path: path.to_path_buf(), chosen_by: ChosenBy::Flag };
    }
    if let Some(path) = env.non_empty(PROVIDERS_JSON_ENV) {
        return ProvidersPath { path: PathBuf::from(path), chosen_by: ChosenBy::EnvVar };
    }
    if let Some(path) = configured {
        return ProvidersPath { path: path.to_path_buf(), chosen_by: ChosenBy::Config };
    }
    if let Some(dir) = secrets_dir {
        return ProvidersPath { path: dir.join(SECRETS_DIR_PROVIDERS_JSON), chosen_by: ChosenBy::SecretsDir };
    }
    ProvidersPath { path: Path::new(".").join(DEFAULT_PROVIDERS_JSON), chosen_by: ChosenBy::Default }
}

#[derive(Debug, thiserror::Error)]
pub enum ProvidersError {
    #[error(
        "providers file {} not found ({chosen_by}). Set its path with {PROVIDERS_JSON_FLAG} <path> \
         or the {PROVIDERS_JSON_ENV} environment variable, or create ./{DEFAULT_PROVIDERS_JSON} (the default)",
        .path.display()
    )]
    NotFound { path: PathBuf, chosen_by: ChosenBy },
    #[error("cannot read providers file {}: {source}", .path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error(
        "providers file {} is larger than {}, more than any set of provider profiles needs; \
         check that {PROVIDERS_JSON_FLAG} or {PROVIDERS_JSON_ENV} names the right file",
        .path.display(),
        size_text(MAX_PROVIDERS_JSON_BYTES)
    )]
    TooLarge { path: PathBuf },
    #[error(
        "{}: {key_path} is longer than {}; a password or token that long is not one: check the value",
        .path.display(),
        size_text(MAX_SECRET_BYTES as u64)
    )]
    SecretTooLong { path: PathBuf, key_path: String },
    #[error("{}:{line}:{column}: invalid JSON: {message}{}", .path.display(), comment_hint(*.line_has_comment))]
    InvalidJson { path: PathBuf, line: usize, column: usize, message: String, line_has_comment: bool },
    #[error("{}: the top level must be a JSON object keyed by profile name", .path.display())]
    NotAnObject { path: PathBuf },
    #[error(
        "{}: profile \"{name}\" not found; profiles in this file: {}. Set source_provider to one of them",
        .path.display(),
        list_or_none(.available)
    )]
    MissingProfile { path: PathBuf, name: String, available: Vec<String> },
    #[error(
        "{}: {key_path} is missing; every profile needs a \"type\" \
         (vsphere, ovirt, openstack, openshift, ova or hyperv)",
        .path.display()
    )]
    MissingType { path: PathBuf, key_path: String },
    #[error("{}: {key_path} must be {expected}", .path.display())]
    WrongShape { path: PathBuf, key_path: String, expected: &'static str },
}

fn comment_hint(line_has_comment: bool) -> &'static str {
    if line_has_comment { ". This line has a # comment: comments from .providers.json.example are not JSON; remove them" } else { "" }
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

/// A parsed providers file.
#[derive(Clone)]
pub struct Providers {
    path: PathBuf,
    profiles: Map<String, Value>,
}

/// Reads and parses the located providers file.
pub fn load_providers(location: &ProvidersPath) -> Result<Providers, ProvidersError> {
    let path = &location.path;
    let text = read_text(path, MAX_PROVIDERS_JSON_BYTES).map_err(|error| match error {
        BoundedReadError::TooLarge => ProvidersError::TooLarge { path: path.clone() },
        BoundedReadError::Io(source) if source.kind() == io::ErrorKind::NotFound => {
            ProvidersError::NotFound { path: path.clone(), chosen_by: location.chosen_by }
        }
        BoundedReadError::Io(source) => ProvidersError::Unreadable { path: path.clone(), source },
    })?;
    Providers::parse(path, &text)
}

impl Providers {
    /// Parses `text` as the content of the providers file at `path`. Every
    /// value under a sensitive-looking key (`password`, `storage_token`,
    /// `storage_secret_extra`, …) is registered with the redactor right away,
    /// in every profile, before anything can print it, and so is the
    /// password of any URL that carries one. A key that appears twice in one
    /// object is an error: JSON parsers keep the last one silently. A
    /// leading byte-order mark (Windows editors write one) is skipped.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProvidersError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let document = parse_unique_keys(text).map_err(|error| {
            let (line, column) = (error.line(), error.column());
            let full = error.to_string();
            let suffix = format!(" at line {line} column {column}");
            ProvidersError::InvalidJson {
                path: path.to_path_buf(),
                line,
                column,
                message: full.strip_suffix(&suffix).unwrap_or(&full).to_owned(),
                line_has_comment: text.lines().nth(line.saturating_sub(1)).is_some_and(has_hash_comment),
            }
        })?;
        let Value::Object(profiles) = document else {
            return Err(ProvidersError::NotAnObject { path: path.to_path_buf() });
        };
        for (name, value) in &profiles {
            register_sensitive_values(value, false, name)
                .map_err(|key_path| ProvidersError::SecretTooLong { path: path.to_path_buf(), key_path })?;
        }
        Ok(Self { path: path.to_path_buf(), profiles })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    /// The profile `name`, checked: it must be an object with a string
    /// `type`, and `copyoffload`, when present, must be an object.
    pub fn profile(&self, name: &str) -> Result<ProviderProfile, ProvidersError> {
        let Some(entry) = self.profiles.get(name) else {
            return Err(ProvidersError::MissingProfile { path: self.path.clone(), name: name.to_owned(), available: self.profile_names() });
        };
        let wrong_shape = |key_path: String, expected| ProvidersError::WrongShape { path: self.path.clone(), key_path, expected };
        let Value::Object(fields) = entry else {
            return Err(wrong_shape(name.to_owned(), "a JSON object (a provider profile)"));
        };
        let provider_type = match fields.get("type") {
            Some(Value::String(provider_type)) => provider_type.clone(),
            Some(_) => return Err(wrong_shape(format!("{name}.type"), "a string")),
            None => {
                return Err(ProvidersError::MissingType { path: self.path.clone(), key_path: format!("{name}.type") });
            }
        };
        let copyoffload = match fields.get("copyoffload") {
            Some(Value::Object(section)) => Some(section.clone()),
            Some(Value::Null) | None => None,
            Some(_) => return Err(wrong_shape(format!("{name}.copyoffload"), "a JSON object")),
        };
        let mut settings = Map::new();
        let mut secrets = BTreeMap::new();
        for (key, value) in fields {
            if key == "copyoffload" {
                continue;
            }
            if is_sensitive_name(key) {
                if let Some(text) = scalar_text(value) {
                    secrets.insert(key.clone(), SecretValue::new(text));
                }
            } else {
                settings.insert(key.clone(), value.clone());
            }
        }
        Ok(ProviderProfile { name: name.to_owned(), file: self.path.clone(), provider_type, settings, secrets, copyoffload })
    }
}

/// Strings and numbers as text; other JSON values have no text form here.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Registers every string under a sensitive key, and URL credentials
/// anywhere; `Err` is the key path of a sensitive value past
/// [`MAX_SECRET_BYTES`].
fn register_sensitive_values(value: &Value, sensitive: bool, key_path: &str) -> Result<(), String> {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                register_sensitive_values(value, sensitive || is_sensitive_name(key), &format!("{key_path}.{key}"))?;
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                register_sensitive_values(item, sensitive, &format!("{key_path}[{index}]"))?;
            }
        }
        Value::String(text) if sensitive && text.len() > MAX_SECRET_BYTES => return Err(key_path.to_owned()),
        Value::String(text) if sensitive => redactor().register(text),
        Value::String(text) => {
            register_url_credentials(text);
        }
        _ => {}
    }
    Ok(())
}

/// `text` as a JSON value, refusing a key that appears twice in one object.
fn parse_unique_keys(text: &str) -> Result<Value, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = UniqueKeys { path: "" }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Builds a [`Value`] as serde_json does, but fails on a duplicate key with
/// its key path (`vsphere-8.type`).
struct UniqueKeys<'a> {
    path: &'a str,
}

impl UniqueKeys<'_> {
    fn child(&self, key: &str) -> String {
        if self.path.is_empty() { key.to_owned() } else { format!("{}.{key}", self.path) }
    }
}

impl<'de> DeserializeSeed<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeys<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(UniqueKeys { path: &format!("{}[{}]", self.path, items.len()) })? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.child(&key);
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format!("\"{path}\" is set twice; keep one (a JSON reader would silently take the last)")));
            }
            let value = map.next_value_seed(UniqueKeys { path: &path })?;
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

/// True when `line` has a `#` outside a JSON string: a comment copied from
/// `.providers.json.example`.
fn has_hash_comment(line: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for c in line.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return true,
            _ => {}
        }
    }
    false
}

/// One provider profile. Sensitive keys (any key whose name says password,
/// token or secret) are held as [`SecretValue`] and are not among the plain
/// settings.
pub struct ProviderProfile {
    name: String,
    file: PathBuf,
    provider_type: String,
    settings: Map<String, Value>,
    secrets: BTreeMap<String, SecretValue>,
    copyoffload: Option<Map<String, Value>>,
}

impl ProviderProfile {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The providers file this profile was read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn provider_type(&self) -> &str {
        &self.provider_type
    }

    pub fn api_url(&self) -> Option<&str> {
        self.settings.get("api_url").and_then(Value::as_str)
    }

    pub fn username(&self) -> Option<&str> {
        self.settings.get("username").and_then(Value::as_str)
    }

    /// `"8.0.1"` or `4.4`: versions are written both ways.
    pub fn version(&self) -> Option<String> {
        self.settings.get("version").and_then(scalar_text)
    }

    pub fn password(&self) -> Option<&SecretValue> {
        self.secrets.get("password")
    }

    /// A sensitive key of the profile (`password`, `guest_vm_linux_password`, …).
    pub fn secret(&self, key: &str) -> Option<&SecretValue> {
        self.secrets.get(key)
    }

    /// A non-sensitive key of the profile, as written in the file.
    pub fn setting(&self, key: &str) -> Option<&Value> {
        self.settings.get(key)
    }

    /// The raw `copyoffload` object; resolve it with
    /// [`crate::integrations::copyoffload::resolve`], which applies the env overrides.
    pub fn copyoffload(&self) -> Option<&Map<String, Value>> {
        self.copyoffload.as_ref()
    }
}

/// Shows key names only: the copy-offload section holds passwords.
impl fmt::Debug for ProviderProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderProfile")
            .field("name", &self.name)
            .field("type", &self.provider_type)
            .field("settings", &self.settings.keys().collect::<Vec<_>>())
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("copyoffload", &self.copyoffload.as_ref().map(|section| section.keys().collect::<Vec<_>>()))
            .finish()
    }
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Providers").field("path", &self.path).field("profiles", &self.profile_names()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_inside_strings_is_not_a_comment() {
        assert!(has_hash_comment(r#"  "storage_password": "x", # pragma: allowlist secret"#));
        assert!(has_hash_comment("    # Supported storage_vendor_product values:"));
        assert!(!has_hash_comment(r#"  "api_url": "https://host/#/fragment","#));
        assert!(!has_hash_comment(r#"  "note": "quote \" then # inside","#));
    }
}
