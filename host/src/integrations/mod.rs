//! Integrations: one module per optional integration, each behind the
//! small [`Integration`] trait, in the spirit of Spin's factors. A module
//! says what it reads (files, environment variables), registers the secret
//! providers it owns (names, precedence, and the credentials it attaches to
//! which origins) and checks the tests of a plan that use it. The layer
//! modules (`secrets`, `plugins`, `plan`) stay generic and ask the list.
//!
//! ```text
//!                 INTEGRATIONS (one registration list, in order)
//!   ┌─────────┬──────────┬─────────┬─────────────┬──────────────┐
//!   │ jira    │ cluster  │ jji     │ providers   │ copyoffload  │
//!   │jira.cfg │CLUSTER_* │JJI_*    │.providers.  │COPYOFFLOAD_* │
//!   │PYTEST_  │secrets   │.env     │json         │+ the vendor  │
//!   │JIRA_*   │dir       │         │             │plugin's keys │
//!   └────┬────┴────┬─────┴────┬────┴──────┬──────┴──────┬───────┘
//!        │ secrets(&BrokerSources) → Vec<Box<dyn SecretProvider>>
//!        ▼
//!   secrets::SecretBroker (ordered, then env.<NAME>)
//!        get · check · describe (`secrets explain`) · origin_credential
//!
//!   plan::load ── check_test(test) ──► each integration's plan checks
//! ```
//!
//! Adding an integration: one new module here and one line in
//! [`INTEGRATIONS`].

pub mod cluster;
pub mod copyoffload;
pub mod defaults;
mod inputs;
pub mod jira;
pub mod jji;
pub mod providers;

pub use inputs::{InputError, InputRequest, Inputs, load_inputs};

use crate::plan::{Problem, TestSpec};
use crate::secrets::{Env, SecretBroker, SecretError, SecretProvider, SecretsDirSettings};

/// The integrations, in the order their secrets are asked and listed.
pub const INTEGRATIONS: &[&dyn Integration] =
    &[&jira::Jira, &cluster::Cluster, &jji::Jji, &providers::SourceProviders, &copyoffload::CopyOffload];

/// What an integration reads, for `--help`-style listings and docs.
#[derive(Clone, Copy, Debug)]
pub struct Reads {
    pub files: &'static [&'static str],
    pub env: &'static [&'static str],
}

/// One optional integration.
pub trait Integration: Sync {
    fn name(&self) -> &'static str;
    /// The files and environment variables it reads.
    fn reads(&self) -> Reads;
    /// Its secret providers, built from what the host loaded, in the
    /// order its names are listed.
    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>>;
    /// Problems with one test of a plan that uses this integration.
    fn check_test(&self, _test: &TestSpec) -> Vec<Problem> {
        Vec::new()
    }
}

/// What the broker is built from: whatever the host loaded for this run.
#[derive(Debug, Default)]
pub struct BrokerSources {
    pub providers: Option<providers::Providers>,
    /// The `source_provider` profile, whose copy-offload keys are resolved.
    pub source_profile: Option<String>,
    pub jira: Option<jira::JiraSettings>,
    /// The environment, with `.env` beneath it when that was loaded.
    pub env: Env,
    pub secrets_dir: Option<SecretsDirSettings>,
}

impl SecretBroker {
    /// The broker of every registered integration's secrets.
    pub fn new(sources: BrokerSources) -> Self {
        let providers = INTEGRATIONS.iter().flat_map(|integration| integration.secrets(&sources)).collect();
        SecretBroker::from_providers(providers, sources.env)
    }
}

/// Checks the form of a secret name (for grants in the run config) without
/// any source loaded: the same providers answer, built empty.
pub fn check_secret_name(name: &str) -> Result<(), SecretError> {
    SecretBroker::new(BrokerSources::default()).check(name).map(|_| ())
}

/// Every integration's problems with `test`, in registration order.
pub fn check_test(test: &TestSpec) -> Vec<Problem> {
    INTEGRATIONS.iter().flat_map(|integration| integration.check_test(test)).collect()
}
