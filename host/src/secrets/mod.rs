//! Secrets: the host owns every secret. This module holds what every
//! integration shares: the value type that never prints, the redactor, the
//! audit log, the environment snapshot (with `.env` and a mounted Secret
//! directory as generic sources) and the broker, an ordered registry of
//! secret providers. Which secrets exist, and where each comes from, is the
//! business of the integration that owns it (`crate::integrations`).
//!
//! ```text
//!  process env ──► Env ◄── .env (dotenv, only with --analyze-with-ai,
//!                   │           never overriding the real env)
//!  secrets dir ─────┤
//!                   ▼
//!  integrations::{jira, cluster, jji, providers, copyoffload}
//!        each reads its own files, resolves its own rules and
//!        registers SecretProviders, in the order of INTEGRATIONS
//!                   ▼
//!  SecretBroker ─ walks the providers in order (then env.<NAME>):
//!        get("jira.token"), check(name) for grants,
//!        origin_credential(origin), describe() ─► `secrets explain`
//!                   │
//!  grants (plugins module) decide who may ask
//!                   │
//!  every resolved value ─► SecretValue::new ─► redactor ◄── audit log;
//!  (Debug/Display print [REDACTED])            masks logs, plugin output,
//!                                              errors, JUnit, panics
//! ```
//!
//! Resolution code reads an [`Env`] snapshot, never `std::env`, and takes
//! file paths as parameters, so every rule is testable without touching the
//! process.

// The value type, the redactor and the audit log belong to the plugin
// runtime crate, which uses them and must not depend on the host; they are
// re-exported here unchanged. (`redactor` is both the module and the
// process-wide instance.)
pub use mtv_plugin_runtime::secrets::redactor;
use mtv_plugin_runtime::secrets::{audit, value};

mod broker;
mod dotenv;
mod env;
mod limits;
mod plugin_source;
mod secrets_dir;
mod source;
mod suggest;
mod url_credentials;

pub use audit::{AUDIT_FILE_NAME, AuditEntry, AuditError, AuditEvent, AuditKind, AuditLog};
pub use broker::{Claim, SecretBroker, SecretError, SecretOrigin, SecretProvider, Unresolved, explain_table};
pub use dotenv::{DOTENV_FILE, DotenvError, load_dotenv};
pub use env::Env;
pub use limits::{
    BoundedReadError, MAX_JIRA_CFG_BYTES, MAX_PROVIDERS_JSON_BYTES, MAX_SECRET_BYTES, MAX_SETTING_FILE_BYTES, read_text, size_text,
};
pub use mtv_plugin_runtime::{normalize_origin, origin_of};
pub use redactor::{MIN_SECRET_LEN, REDACTED, Redactor, install_panic_hook};
pub use secrets_dir::{SECRETS_DIR_PROVIDERS_JSON, SecretsDirError, SecretsDirSettings, SettingValue, load_secrets_dir};
pub use source::Source;
pub use suggest::did_you_mean;
pub use url_credentials::{register_url_credentials, userinfo};
pub use value::{SecretValue, is_sensitive_name};

// The integrations' secret sources, re-exported so that code reading
// secrets has one import path; each is defined in its integration module.
pub use crate::integrations::copyoffload::{CopyOffloadResolution, ResolvedKey, ResolvedValue, resolve as resolve_copyoffload};
pub use crate::integrations::jira::{
    JIRA_CFG, JIRA_ENV_OVERRIDES, JIRA_KEYS, JiraCfgError, JiraSettings, jira_cfg_paths, load_jira_settings,
};
pub use crate::integrations::providers::{
    ChosenBy, DEFAULT_PROVIDERS_JSON, PROVIDERS_JSON_ENV, PROVIDERS_JSON_FLAG, ProviderProfile, Providers, ProvidersError, ProvidersPath,
    load_providers, locate_providers_json,
};
pub use crate::integrations::{BrokerSources, check_secret_name};
