//! The host-level copy-offload keys, and the resolution of a profile's
//! `copyoffload` object by their rules and by the fields a vendor plugin
//! declares.
//!
//! The host knows only the keys every vendor shares ([`HOST_KEYS`]); a
//! vendor's own keys, their sensitivity and their Secret names come from
//! the vendor plugin's `describe`. Every overridable key, and every key a
//! vendor declares, takes `COPYOFFLOAD_<KEY>` from the environment: a
//! non-empty variable wins over the file, an empty one falls back to it. The
//! file-only keys describe the vSphere inventory and the test setup rather
//! than credentials, and are read from `.providers.json` only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::plugins::Field;
use crate::secrets::{Env, SecretValue, Source, did_you_mean, is_sensitive_name};

/// How one host-level `copyoffload` key is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRule {
    /// The key in the profile's `copyoffload` object.
    pub key: &'static str,
    /// Whether `COPYOFFLOAD_<KEY>` overrides the file.
    pub overridable: bool,
    /// Held as a [`SecretValue`] and never given to plugins.
    pub sensitive: bool,
    /// The value used when neither the file nor the environment sets one.
    pub default: Option<&'static str>,
    pub description: &'static str,
}

const fn overridable(key: &'static str, sensitive: bool, description: &'static str) -> KeyRule {
    KeyRule { key, overridable: true, sensitive, default: None, description }
}

const fn file_only(key: &'static str, default: Option<&'static str>, description: &'static str) -> KeyRule {
    KeyRule { key, overridable: false, sensitive: false, default, description }
}

/// The keys every vendor shares. Vendor-specific keys are declared by the
/// vendor plugins and never listed here.
pub const HOST_KEYS: &[KeyRule] = &[
    file_only("storage_vendor_product", None, "Storage product: the `storageVendorProduct` a loaded vendor plugin declares."),
    file_only("datastore_id", None, "vSphere datastore ID where the test VMs reside (`datastore-12345`)."),
    file_only("secondary_datastore_id", None, "Second datastore, for VMs with disks on two datastores."),
    file_only("non_xcopy_datastore_id", None, "A datastore without XCOPY/VAAI, for mixed-datastore tests."),
    file_only("rdm_lun_uuid", None, "LUN (`naa.…`) for raw device mapping tests."),
    file_only("esxi_clone_method", Some("vib"), "`vib` or `ssh`; `ssh` patches the vSphere Provider's esxiCloneMethod."),
    file_only("default_vm_name", None, "Template VM the copy-offload tests clone."),
    overridable("storage_hostname", false, "Storage array management address."),
    overridable("storage_username", false, "Storage array user."),
    overridable("storage_password", true, "Storage array password."),
    overridable("storage_token", true, "API token replacing user and password, for vendors that accept one."),
    overridable(
        "storage_skip_ssl_verification",
        false,
        "`true` to skip the array's certificate check (each vendor plugin says whether its populator honours it).",
    ),
    overridable("storage_secret_extra", true, "JSON object of extra Secret keys, merged last; every value is treated as sensitive."),
    overridable("esxi_host", false, "ESXi host for SSH cloning."),
    overridable("esxi_user", false, "ESXi SSH user."),
    overridable("esxi_password", true, "ESXi SSH password."),
];

/// A key's rule after a vendor's declarations are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    key: String,
    env_override: Option<String>,
    sensitive: bool,
    default: Option<&'static str>,
}

const COPYOFFLOAD_ENV_PREFIX: &str = "COPYOFFLOAD_";

impl Rule {
    fn host(rule: &KeyRule) -> Self {
        Rule {
            key: rule.key.to_owned(),
            env_override: rule.overridable.then(|| env_name(rule.key)),
            sensitive: rule.sensitive,
            default: rule.default,
        }
    }
}

/// The host rules, with each declared field added (a vendor's own key) or
/// merged (a host key the vendor also declares: sensitive if either says
/// so). A file-only host key stays file-only whatever a vendor declares.
fn rules(declared: &[Field]) -> Vec<Rule> {
    let mut rules: Vec<Rule> = HOST_KEYS.iter().map(Rule::host).collect();
    for field in declared {
        match rules.iter_mut().find(|rule| rule.key == field.config_key) {
            Some(rule) => rule.sensitive |= field.sensitive,
            None => rules.push(Rule {
                key: field.config_key.clone(),
                env_override: Some(env_name(&field.config_key)),
                sensitive: field.sensitive,
                default: None,
            }),
        }
    }
    rules
}

/// The variable of `key`: `COPYOFFLOAD_<KEY>`.
pub fn env_name(key: &str) -> String {
    format!("{COPYOFFLOAD_ENV_PREFIX}{}", key.to_ascii_uppercase())
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

/// The copy-offload settings of one profile after applying the rules.
#[derive(Clone, Debug)]
pub struct CopyOffloadResolution {
    profile: String,
    file: PathBuf,
    /// What it was resolved from, to resolve again with a vendor's fields.
    section: Map<String, Value>,
    env: Env,
    rules: Vec<Rule>,
    values: BTreeMap<String, ResolvedKey>,
    /// Keys in the file that no rule covers and no vendor declared; the
    /// copy-offload planner warns about them.
    unlisted: Vec<String>,
    secret_extra: BTreeMap<String, SecretValue>,
    warnings: Vec<String>,
    errors: Vec<String>,
}

/// Applies the [`HOST_KEYS`] rules to the `copyoffload` object of
/// `profile_name` read from `file`.
pub fn resolve(profile_name: &str, section: &Map<String, Value>, env: &Env, file: &Path) -> CopyOffloadResolution {
    resolve_declared(profile_name, section, env, file, &[])
}

fn resolve_declared(profile_name: &str, section: &Map<String, Value>, env: &Env, file: &Path, declared: &[Field]) -> CopyOffloadResolution {
    let mut resolution = CopyOffloadResolution {
        profile: profile_name.to_owned(),
        file: file.to_path_buf(),
        section: section.clone(),
        env: env.clone(),
        rules: rules(declared),
        values: BTreeMap::new(),
        unlisted: Vec::new(),
        secret_extra: BTreeMap::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    for (key, value) in section {
        if resolution.rule(key).is_some() {
            continue;
        }
        let Some(text) = file_text(value) else { continue };
        // Never used (the planner warns about it), so the name is the only
        // hint there is; a password-looking one stays masked regardless.
        let value = if is_sensitive_name(key) { ResolvedValue::Secret(SecretValue::new(text)) } else { ResolvedValue::Plain(text) };
        let source = Source::File { path: file.to_path_buf(), key_path: resolution.key_path(key), line: None };
        resolution.values.insert(key.clone(), ResolvedKey { value, source });
        resolution.unlisted.push(key.clone());
    }
    for rule in resolution.rules.clone() {
        if let Some(resolved) = resolution.resolve_key(&rule, section, env) {
            resolution.values.insert(rule.key.clone(), resolved);
        }
    }
    resolution.parse_secret_extra();
    // Only once a vendor has declared its keys is every variable known.
    if !declared.is_empty() {
        resolution.warn_unknown_variables(env);
    }
    resolution
}

impl CopyOffloadResolution {
    /// The same profile resolved again with the fields a vendor plugin
    /// declares: each gets its `COPYOFFLOAD_<KEY>` override, and is
    /// sensitive exactly when the vendor says so.
    pub fn with_declared(&self, declared: &[Field]) -> CopyOffloadResolution {
        resolve_declared(&self.profile, &self.section, &self.env, &self.file, declared)
    }

    fn rule(&self, key: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.key == key)
    }

    /// Whether `key` is a copy-offload key: `Some(sensitive)`, or `None`.
    pub fn is_sensitive(&self, key: &str) -> Option<bool> {
        self.rule(key).map(|rule| rule.sensitive)
    }

    /// The sensitive keys, host keys first, then the vendor's in its order.
    pub fn sensitive_keys(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().filter(|rule| rule.sensitive).map(|rule| rule.key.as_str())
    }

    fn key_path(&self, key: &str) -> String {
        format!("{}.copyoffload.{key}", self.profile)
    }

    fn resolve_key(&mut self, rule: &Rule, section: &Map<String, Value>, env: &Env) -> Option<ResolvedKey> {
        let wrap = |text: String| {
            if rule.sensitive { ResolvedValue::Secret(SecretValue::new(text)) } else { ResolvedValue::Plain(text) }
        };
        match &rule.env_override {
            Some(var) => {
                if let Some(text) = env.non_empty(var) {
                    return Some(ResolvedKey { value: wrap(text.to_owned()), source: Source::Env { var: var.clone() } });
                }
            }
            None => {
                let var = env_name(&rule.key);
                if env.non_empty(&var).is_some() {
                    self.warnings.push(format!(
                        "{var} is set but ignored: {key} is read from .providers.json only \
                         ({key_path} in {file}) because it describes the test setup, not a credential; \
                         unset {var} and edit the file instead",
                        key = rule.key,
                        key_path = self.key_path(&rule.key),
                        file = self.file.display(),
                    ));
                }
            }
        }
        if let Some(text) = section.get(&rule.key).and_then(file_text) {
            return Some(ResolvedKey {
                value: wrap(text),
                source: Source::File { path: self.file.clone(), key_path: self.key_path(&rule.key), line: None },
            });
        }
        rule.default.map(|default| ResolvedKey { value: wrap(default.to_owned()), source: Source::Default })
    }

    /// A `COPYOFFLOAD_*` variable that no rule reads is most likely a typo
    /// (`COPYOFFLOAD_STORAGE_PASSWD`); without a warning the value from the
    /// file would be used as if the override had worked.
    fn warn_unknown_variables(&mut self, env: &Env) {
        // Keys read from the file only have their own warning.
        let known: Vec<String> = self.rules.iter().map(|rule| env_name(&rule.key)).collect();
        for var in env.names().filter(|var| var.starts_with(COPYOFFLOAD_ENV_PREFIX) && !known.iter().any(|known| known == var)) {
            let overrides = self.rules.iter().filter_map(|rule| rule.env_override.as_deref());
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

    /// A warning for an unlisted key.
    pub fn unknown_key_warning(&self, key: &str) -> String {
        format!(
            "{} in {} is not a copy-offload key and is ignored; known keys: {}",
            self.key_path(key),
            self.file.display(),
            self.rules.iter().map(|rule| rule.key.as_str()).collect::<Vec<_>>().join(", ")
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

    /// Says where a missing key could come from: its key path in the
    /// providers file and, for overridable keys, its environment variable.
    pub fn missing_error(&self, key: &str) -> String {
        let key_path = self.key_path(key);
        let file = self.file.display();
        match self.rule(key).and_then(|rule| rule.env_override.as_deref()) {
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
        match self.rule(key).and_then(|rule| rule.env_override.as_deref()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_are_unique() {
        let mut keys: Vec<_> = HOST_KEYS.iter().map(|rule| rule.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), HOST_KEYS.len());
    }

    #[test]
    fn sensitive_host_keys() {
        let sensitive: Vec<_> = HOST_KEYS.iter().filter(|rule| rule.sensitive).map(|rule| rule.key).collect();
        assert_eq!(sensitive, ["storage_password", "storage_token", "storage_secret_extra", "esxi_password"]);
    }

    #[test]
    fn the_file_only_keys_are_the_documented_six_and_the_template_vm() {
        let file_only: Vec<_> = HOST_KEYS.iter().filter(|rule| !rule.overridable).map(|rule| rule.key).collect();
        assert_eq!(
            file_only,
            [
                "storage_vendor_product",
                "datastore_id",
                "secondary_datastore_id",
                "non_xcopy_datastore_id",
                "rdm_lun_uuid",
                "esxi_clone_method",
                "default_vm_name"
            ]
        );
    }
}
