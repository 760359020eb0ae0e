//! The JJI plugin's `[[plugins]]` entry, built from the `JJI_*` settings.

use super::settings::JjiConfig;
use crate::plugins::{Grants, Limits, PluginSpec};
use std::path::PathBuf;

pub const JJI_PLUGIN_NAME: &str = "jji";

/// Room for a 50 MB report: the plugin holds the report, the escaped
/// request body, the answer and the decoded enriched report at once.
/// Neither time limit counts waiting for JJI (minutes): `JJI_TIMEOUT` does.
pub const LIMITS: Limits = Limits { deadline_ms: 60_000, memory_mib: 1024, wall_ms: 120_000 };

/// The plugin may reach the JJI server's origin and nothing else; it gets
/// no secrets (credentials for the origin, if any, are attached by the host).
pub fn plugin_spec(config: &JjiConfig, wasm_path: impl Into<PathBuf>) -> PluginSpec {
    let settings = [
        ("server_url", config.server_url.clone()),
        ("ai_provider", config.ai_provider.clone()),
        ("ai_model", config.ai_model.clone()),
        ("timeout_secs", config.timeout_secs.to_string()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value))
    .collect();
    PluginSpec {
        name: JJI_PLUGIN_NAME.to_string(),
        path: wasm_path.into(),
        sha256: None,
        grants: Grants { http: vec![config.origin.clone()], secrets: Vec::new() },
        settings,
        limits: LIMITS,
    }
}
