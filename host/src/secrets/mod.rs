//! Secrets: the host owns every secret. This module finds them, resolves
//! them by the documented rules, hands them out by name, and keeps them out
//! of every output.
//!
//! ```text
//!  sources                      resolution                 use
//!  ───────                      ──────────                 ───
//!  process env ──► Env ◄── .env (dotenv, only with --analyze-with-ai,
//!                   │            never overriding the real env)
//!  .providers.json ─┼─► providers ──► copyoffload::resolve ─┐
//!   (flag/env/dir)  │   (profiles)    (COPYOFFLOAD_* rules) │
//!  jira.cfg files ──┼─► jira_cfg (PYTEST_JIRA_* win) ───────┤
//!  secrets dir ─────┴─► secrets_dir (in-cluster Secret) ────┤
//!                                                           ▼
//!                                                     SecretBroker
//!                                         get("jira.token"), origin_credential,
//!                                         describe() ─► `secrets explain`
//!                                                           │
//!                  grants (plugins module) decide who may ask
//!                                                           │
//!   every resolved value ─► SecretValue::new ─► redactor ◄──┴── audit log,
//!   (Debug/Display print [REDACTED])            masks logs, plugin output,
//!                                               errors, JUnit, panics
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
mod copyoffload;
mod dotenv;
mod env;
mod jira_cfg;
mod plugin_source;
mod providers;
mod secrets_dir;
mod source;

pub use audit::{AUDIT_FILE_NAME, AuditEntry, AuditError, AuditEvent, AuditKind, AuditLog};
pub use broker::{BrokerSources, SecretBroker, SecretError, SecretOrigin, check_secret_name, explain_table};
pub use copyoffload::{COPYOFFLOAD_KEYS, CopyOffloadResolution, KeyRule, MissingKey, ResolvedKey, ResolvedValue, rules_markdown};
pub use dotenv::{DOTENV_FILE, DotenvError, load_dotenv};
pub use env::Env;
pub use jira_cfg::{JIRA_CFG, JIRA_ENV_OVERRIDES, JIRA_KEYS, JiraCfgError, JiraSettings, jira_cfg_paths, load_jira_settings};
pub use providers::{
    ChosenBy, DEFAULT_PROVIDERS_JSON, PROVIDERS_JSON_ENV, PROVIDERS_JSON_FLAG, ProviderProfile, Providers, ProvidersError, ProvidersPath,
    load_providers, locate_providers_json,
};
pub use redactor::{MIN_SECRET_LEN, REDACTED, Redactor, install_panic_hook};
pub use secrets_dir::{SecretsDirError, SecretsDirSettings, SettingValue, load_secrets_dir};
pub use source::Source;
pub use value::{SecretValue, is_sensitive_name};

/// Resolves the copy-offload keys of one profile; see [`COPYOFFLOAD_KEYS`].
pub use copyoffload::resolve as resolve_copyoffload;
