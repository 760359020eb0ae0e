//! Enrichment: after the JUnit report is written, a reporter plugin may
//! replace it with an annotated one. Today that is AI failure analysis
//! through Jenkins Job Insight (JJI), opt-in with `--analyze-with-ai`.
//!
//! ```text
//!  Env (+ .env overlay, caller's job) ─► JjiSettings::from_env
//!                                          │ Disabled { warning } → run goes on
//!                                          ▼
//!                                     plugin_spec ─► PluginRuntime::load
//!                                     (grant: the JJI origin only)
//!                                          ▼
//!  report file + ReportFacts ─► enrich_report ─► reporter hook (plugin posts
//!                                  │              the report to JJI)
//!                                  │ replaced: redact, vet as JUnit, write
//!                                  │           atomically
//!                                  ▼ otherwise: file untouched, reason
//!                               EnrichOutcome (messages for the console)
//! ```
//!
//! Enrichment never changes the run's exit status: every failure becomes an
//! `Unchanged` outcome with its reason.

mod outcome;
mod settings;
mod spec;

pub use outcome::{EnrichOutcome, enrich_report};
pub use settings::{DEFAULT_AI_MODEL, DEFAULT_AI_PROVIDER, DEFAULT_TIMEOUT_SECS, JjiConfig, JjiSettings, SERVER_URL_UNSET};
pub use spec::{JJI_PLUGIN_NAME, LIMITS, plugin_spec};
