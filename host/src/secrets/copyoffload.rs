//! The copy-offload key rules, in one table, and their resolution.
//!
//! Every key of a profile's `copyoffload` object is listed in
//! [`COPYOFFLOAD_KEYS`] with its `COPYOFFLOAD_*` override (if any) and whether
//! it is sensitive. Overridable keys: a non-empty environment variable wins
//! over the file; an empty one falls back to the file. The other keys
//! describe the vSphere inventory and the test setup rather than
//! credentials, and are read from `.providers.json` only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::env::Env;
use super::source::Source;
use super::suggest::did_you_mean;
use super::value::{SecretValue, is_sensitive_name};

/// How one `copyoffload` key is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRule {
    /// The key in the profile's `copyoffload` object.
    pub key: &'static str,
    /// The variable that overrides the file, if the key has one.
    pub env_override: Option<&'static str>,
    /// Held as a [`SecretValue`] and never given to plugins.
    pub sensitive: bool,
    /// The value used when neither the file nor the environment sets one.
    pub default: Option<&'static str>,
    pub description: &'static str,
}

const fn overridable(key: &'static str, env: &'static str, sensitive: bool, description: &'static str) -> KeyRule {
    KeyRule { key, env_override: Some(env), sensitive, default: None, description }
}

const fn file_only(key: &'static str, default: Option<&'static str>, description: &'static str) -> KeyRule {
    KeyRule { key, env_override: None, sensitive: false, default, description }
}

pub const COPYOFFLOAD_KEYS: &[KeyRule] = &[
    file_only(
        "storage_vendor_product",
        None,
        "Storage product: ontap, vantara, primera3par, pureFlashArray, powerflex, powermax, powerstore, infinibox or flashsystem.",
    ),
    file_only("datastore_id", None, "vSphere datastore ID where the test VMs reside (`datastore-12345`)."),
    file_only("secondary_datastore_id", None, "Second datastore, for VMs with disks on two datastores."),
    file_only("non_xcopy_datastore_id", None, "A datastore without XCOPY/VAAI, for mixed-datastore tests."),
    file_only("rdm_lun_uuid", None, "LUN (`naa.…`) for raw device mapping tests."),
    file_only("esxi_clone_method", Some("vib"), "`vib` or `ssh`; `ssh` patches the vSphere Provider's esxiCloneMethod."),
    file_only("default_vm_name", None, "Template VM the copy-offload tests clone."),
    overridable("storage_hostname", "COPYOFFLOAD_STORAGE_HOSTNAME", false, "Storage array management address."),
    overridable("storage_username", "COPYOFFLOAD_STORAGE_USERNAME", false, "Storage array user."),
    overridable("storage_password", "COPYOFFLOAD_STORAGE_PASSWORD", true, "Storage array password."),
    overridable("storage_token", "COPYOFFLOAD_STORAGE_TOKEN", true, "API token replacing user and password (pureFlashArray)."),
    overridable(
        "storage_skip_ssl_verification",
        "COPYOFFLOAD_STORAGE_SKIP_SSL_VERIFICATION",
        false,
        "`true` to skip the array's certificate check (ignored by ontap, vantara, infinibox).",
    ),
    overridable(
        "storage_secret_extra",
        "COPYOFFLOAD_STORAGE_SECRET_EXTRA",
        true,
        "JSON object of extra Secret keys, merged last; every value is treated as sensitive.",
    ),
    overridable("ontap_svm", "COPYOFFLOAD_ONTAP_SVM", false, "ONTAP storage virtual machine."),
    overridable("vantara_storage_id", "COPYOFFLOAD_VANTARA_STORAGE_ID", false, "Hitachi Vantara storage ID."),
    overridable("vantara_storage_port", "COPYOFFLOAD_VANTARA_STORAGE_PORT", false, "Hitachi Vantara storage port."),
    overridable(
        "vantara_hostgroup_id_list",
        "COPYOFFLOAD_VANTARA_HOSTGROUP_ID_LIST",
        false,
        "Hitachi Vantara host groups (`CL1-A,1:CL2-B,2`).",
    ),
    overridable("pure_cluster_prefix", "COPYOFFLOAD_PURE_CLUSTER_PREFIX", false, "Pure FlashArray cluster prefix."),
    overridable("powerflex_system_id", "COPYOFFLOAD_POWERFLEX_SYSTEM_ID", false, "Dell PowerFlex system ID."),
    overridable("powermax_symmetrix_id", "COPYOFFLOAD_POWERMAX_SYMMETRIX_ID", false, "Dell PowerMax Symmetrix ID."),
    overridable(
        "powermax_port_group_name",
        "COPYOFFLOAD_POWERMAX_PORT_GROUP_NAME",
        false,
        "Dell PowerMax port group (the populator requires it).",
    ),
    overridable("esxi_host", "COPYOFFLOAD_ESXI_HOST", false, "ESXi host for SSH cloning."),
    overridable("esxi_user", "COPYOFFLOAD_ESXI_USER", false, "ESXi SSH user."),
    overridable("esxi_password", "COPYOFFLOAD_ESXI_PASSWORD", true, "ESXi SSH password."),
];

/// The rule for `key`, if it is a copy-offload key.
pub fn rule(key: &str) -> Option<&'static KeyRule> {
    COPYOFFLOAD_KEYS.iter().find(|rule| rule.key == key)
}

const COPYOFFLOAD_ENV_PREFIX: &str = "COPYOFFLOAD_";

/// The variable a user might try for `key`: `COPYOFFLOAD_<KEY>`.
fn conventional_env_name(key: &str) -> String {
    format!("COPYOFFLOAD_{}", key.to_ascii_uppercase())
}

#[derive(Clone, Debug)]
pub enum ResolvedValue {
    Plain(String),
    Secret(SecretValue),
}

impl ResolvedValue {
    /// The value as text, for the host code that builds the Kubernetes
    /// Secret. Plugins only ever get [`ResolvedValue::Plain`] values.
    pub fn expose(&self) -> &str {
        match self {
            ResolvedValue::Plain(text) => text,
            ResolvedValue::Secret(secret) => secret.expose(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ResolvedKey {
    pub value: ResolvedValue,
    pub source: Source,
}

/// A required copy-offload key that no source sets.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MissingKey(String);

/// The copy-offload settings of one profile after applying the rules.
#[derive(Debug)]
pub struct CopyOffloadResolution {
    profile: String,
    file: PathBuf,
    values: BTreeMap<String, ResolvedKey>,
    /// Keys in the file that no rule covers: a vendor plugin may declare
    /// them (read from the file only), else the caller warns about them.
    unlisted: Vec<String>,
    secret_extra: BTreeMap<String, SecretValue>,
    warnings: Vec<String>,
    errors: Vec<String>,
}

/// Applies [`COPYOFFLOAD_KEYS`] to the `copyoffload` object of
/// `profile_name` read from `file`.
pub fn resolve(profile_name: &str, section: &Map<String, Value>, env: &Env, file: &Path) -> CopyOffloadResolution {
    let mut resolution = CopyOffloadResolution {
        profile: profile_name.to_owned(),
        file: file.to_path_buf(),
        values: BTreeMap::new(),
        unlisted: Vec::new(),
        secret_extra: BTreeMap::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    for (key, value) in section.iter().filter(|(key, _)| rule(key).is_none()) {
        let Some(text) = file_text(value) else { continue };
        let value = if is_sensitive_name(key) { ResolvedValue::Secret(SecretValue::new(text)) } else { ResolvedValue::Plain(text) };
        let source = Source::File { path: file.to_path_buf(), key_path: resolution.key_path(key), line: None };
        resolution.values.insert(key.clone(), ResolvedKey { value, source });
        resolution.unlisted.push(key.clone());
    }
    for rule in COPYOFFLOAD_KEYS {
        if let Some(resolved) = resolution.resolve_key(rule, section, env) {
            resolution.values.insert(rule.key.to_string(), resolved);
        }
    }
    resolution.parse_secret_extra();
    resolution.warn_unknown_variables(env);
    resolution
}

impl CopyOffloadResolution {
    fn key_path(&self, key: &str) -> String {
        format!("{}.copyoffload.{key}", self.profile)
    }

    fn resolve_key(&mut self, rule: &KeyRule, section: &Map<String, Value>, env: &Env) -> Option<ResolvedKey> {
        let wrap = |text: String| {
            if rule.sensitive { ResolvedValue::Secret(SecretValue::new(text)) } else { ResolvedValue::Plain(text) }
        };
        match rule.env_override {
            Some(var) => {
                if let Some(text) = env.non_empty(var) {
                    return Some(ResolvedKey { value: wrap(text.to_owned()), source: Source::Env { var: var.to_owned() } });
                }
            }
            None => {
                let var = conventional_env_name(rule.key);
                if env.non_empty(&var).is_some() {
                    self.warnings.push(format!(
                        "{var} is set but ignored: {key} is read from .providers.json only \
                         ({key_path} in {file}) because it describes the test setup, not a credential; \
                         unset {var} and edit the file instead",
                        key = rule.key,
                        key_path = self.key_path(rule.key),
                        file = self.file.display(),
                    ));
                }
            }
        }
        if let Some(text) = section.get(rule.key).and_then(file_text) {
            return Some(ResolvedKey {
                value: wrap(text),
                source: Source::File { path: self.file.clone(), key_path: self.key_path(rule.key), line: None },
            });
        }
        rule.default.map(|default| ResolvedKey { value: wrap(default.to_owned()), source: Source::Default })
    }

    /// A `COPYOFFLOAD_*` variable that no rule reads is most likely a typo
    /// (`COPYOFFLOAD_STORAGE_PASSWD`); without a warning the value from the
    /// file would be used as if the override had worked.
    fn warn_unknown_variables(&mut self, env: &Env) {
        // Keys read from the file only have their own warning.
        let known: Vec<String> = COPYOFFLOAD_KEYS.iter().map(|rule| conventional_env_name(rule.key)).collect();
        for var in env.names().filter(|var| var.starts_with(COPYOFFLOAD_ENV_PREFIX) && !known.iter().any(|known| known == var)) {
            let overrides = COPYOFFLOAD_KEYS.iter().filter_map(|rule| rule.env_override);
            self.warnings.push(format!(
                "{var} is set but is not a copy-offload variable, so it is ignored{}; the variables are listed in docs/copyoffload-keys.md",
                did_you_mean(var, overrides)
            ));
        }
    }

    /// `storage_secret_extra` must be a JSON object of scalar values; each
    /// value becomes a secret of its own so that it is masked on its own.
    fn parse_secret_extra(&mut self) {
        let Some(resolved) = self.values.get("storage_secret_extra") else {
            return;
        };
        let source = resolved.source.clone();
        let parsed: Result<Map<String, Value>, _> = serde_json::from_str(resolved.value.expose());
        let Ok(fields) = parsed else {
            self.errors.push(format!("storage_secret_extra from {source} must be a JSON object such as {{\"COPY_SPEED\": \"faster\"}}"));
            self.values.remove("storage_secret_extra");
            return;
        };
        for (key, value) in fields {
            let text = match value {
                Value::String(text) => text,
                Value::Number(_) | Value::Bool(_) => value.to_string(),
                _ => {
                    self.errors.push(format!("storage_secret_extra from {source}: {key} must be a string, number or boolean"));
                    continue;
                }
            };
            self.secret_extra.insert(key, SecretValue::new(text));
        }
    }

    pub fn get(&self, key: &str) -> Option<&ResolvedKey> {
        self.values.get(key)
    }

    /// A non-sensitive value.
    pub fn plain(&self, key: &str) -> Option<&str> {
        match &self.values.get(key)?.value {
            ResolvedValue::Plain(text) => Some(text),
            ResolvedValue::Secret(_) => None,
        }
    }

    /// A sensitive value.
    pub fn secret(&self, key: &str) -> Option<&SecretValue> {
        match &self.values.get(key)?.value {
            ResolvedValue::Secret(secret) => Some(secret),
            ResolvedValue::Plain(_) => None,
        }
    }

    /// The keys of `storage_secret_extra`, each value a secret.
    pub fn secret_extra(&self) -> &BTreeMap<String, SecretValue> {
        &self.secret_extra
    }

    /// Keys in the file that no rule covers, in file order.
    pub fn unlisted_keys(&self) -> &[String] {
        &self.unlisted
    }

    /// A warning for an unlisted key that no loaded vendor declares.
    pub fn unknown_key_warning(&self, key: &str) -> String {
        format!(
            "{} in {} is not a copy-offload key and is ignored; known keys: {}",
            self.key_path(key),
            self.file.display(),
            COPYOFFLOAD_KEYS.iter().map(|rule| rule.key).collect::<Vec<_>>().join(", ")
        )
    }

    /// Env values that were ignored.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Values present but unusable (a `storage_secret_extra` that is not a
    /// JSON object).
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// `key`, or the error [`Self::missing_error`] describes.
    pub fn require(&self, key: &str) -> Result<&ResolvedKey, MissingKey> {
        self.values.get(key).ok_or_else(|| MissingKey(self.missing_error(key)))
    }

    /// Says where a missing key could come from: its key path in the
    /// providers file and, for overridable keys, its environment variable.
    pub fn missing_error(&self, key: &str) -> String {
        let key_path = self.key_path(key);
        let file = self.file.display();
        match rule(key).and_then(|rule| rule.env_override) {
            Some(var) => format!(
                "copy-offload setting {key} is missing: set {key_path} in {file} \
                 or the {var} environment variable"
            ),
            None => format!(
                "copy-offload setting {key} is missing: set {key_path} in {file} \
                 (it has no environment override)"
            ),
        }
    }

    /// Where `key` would come from, for `secrets explain`.
    pub fn where_from(&self, key: &str) -> String {
        let key_path = self.key_path(key);
        match rule(key).and_then(|rule| rule.env_override) {
            Some(var) => format!("{var} or {key_path} in {}", self.file.display()),
            None => format!("{key_path} in {}", self.file.display()),
        }
    }
}

/// The text of a value in the file: strings as they are, numbers and
/// booleans as written, `storage_secret_extra`'s object as compact JSON.
fn file_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// The rules as a Markdown table; `docs/copyoffload-keys.md` is this text,
/// checked by a test so the docs cannot drift from the code.
pub fn rules_markdown() -> String {
    let mut out = String::from(
        "# Copy-offload keys\n\n\
         Generated from `COPYOFFLOAD_KEYS` in `host/src/secrets/copyoffload.rs`; do not edit by hand.\n\n\
         Keys of the `copyoffload` object of a vSphere profile in `.providers.json`. \
         Where an environment override exists, a non-empty variable wins over the file and an \
         empty one falls back to it. Keys without an override are read from the file only; \
         setting `COPYOFFLOAD_<KEY>` for them produces a warning. Sensitive values are never \
         passed to plugins and are masked in every output.\n\n\
         | key | environment override | sensitive | default | description |\n\
         |---|---|---|---|---|\n",
    );
    for rule in COPYOFFLOAD_KEYS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.key,
            rule.env_override.map_or("—".to_owned(), |var| format!("`{var}`")),
            if rule.sensitive { "yes" } else { "no" },
            rule.default.map_or("—".to_owned(), |default| format!("`{default}`")),
            rule.description,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_override_is_the_conventional_name() {
        for rule in COPYOFFLOAD_KEYS {
            if let Some(var) = rule.env_override {
                assert_eq!(var, conventional_env_name(rule.key));
            }
        }
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = COPYOFFLOAD_KEYS.iter().map(|rule| rule.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), COPYOFFLOAD_KEYS.len());
    }

    #[test]
    fn sensitive_keys() {
        let sensitive: Vec<_> = COPYOFFLOAD_KEYS.iter().filter(|rule| rule.sensitive).map(|rule| rule.key).collect();
        assert_eq!(sensitive, ["storage_password", "storage_token", "storage_secret_extra", "esxi_password"]);
    }
}
