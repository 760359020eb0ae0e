//! mtv-host: a test host for MTV/Forklift VM migrations whose optional
//! integrations are WebAssembly components.
//!
//! Data flows one way: config → collection → gating → execution → report →
//! enrichment. Each module owns one of those jobs; each optional
//! integration (JIRA, JJI, copy-offload, the cluster connection, the source
//! providers) owns one module under `integrations`.

pub mod config;
pub mod discovery;
pub mod enrich;
pub mod integrations;
pub mod job;
pub mod migration;
pub mod plan;
pub mod report;
pub mod runner;
pub mod scaffold;
pub mod secrets;
pub mod yaml;

/// Copy-offload lives with its integration; this path is kept for callers.
pub use integrations::copyoffload;
/// The plugin runtime and its test harness live in their own crate, so a
/// plugin's tests compile without the host; these keep the host's paths.
pub use mtv_plugin_runtime as plugins;
pub use mtv_plugin_runtime::tls;
