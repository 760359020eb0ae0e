//! The one input loader every command uses: the environment (with `.env`
//! beneath it for `--analyze-with-ai`), the mounted secrets directory, the
//! providers file and its source profile, and the JIRA settings, turned
//! into one [`SecretBroker`] and the facts collection needs. `[run]` comes
//! in as [`RunSettings`], so `--set` applies to every command alike.
//!
//! A real run stops at a problem with the source profile, naming the file
//! and key; a dry run and the inspecting commands (`secrets explain`,
//! `copyoffload check`) carry on and report it as a warning.

use std::path::Path;

use super::BrokerSources;
use super::copyoffload::PRODUCT_KEY;
use super::jira::{JiraFacts, jira_cfg_paths, load_jira_settings};
use super::providers::{ProvidersError, load_providers, locate_providers_json};
use crate::migration::SourceEndpoint;
use crate::plan::RunFacts;
use crate::runner::RunSettings;
use crate::secrets::{DOTENV_FILE, Env, SecretBroker, load_dotenv, load_secrets_dir};

/// What a command asks of the loader, besides `[run]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputRequest<'a> {
    /// `--providers-json`.
    pub providers_json: Option<&'a Path>,
    /// `--secrets-dir`.
    pub secrets_dir: Option<&'a Path>,
    /// `--analyze-with-ai`: `.env` is read beneath the environment.
    pub analyze_with_ai: bool,
    /// A real run: a problem with the source profile is an error.
    pub strict: bool,
    /// The providers file must exist (`copyoffload check`).
    pub require_providers: bool,
}

/// What the loader found.
pub struct Inputs {
    pub broker: SecretBroker,
    pub facts: RunFacts,
    /// The source profile as a Forklift endpoint; `None` when there is no
    /// usable profile (a dry run or an inspecting command).
    pub source: Option<SourceEndpoint>,
    pub jira: JiraFacts,
    pub env: Env,
    pub warnings: Vec<String>,
}

/// A source the run cannot use, with the message naming the file, key or
/// variable to fix.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    /// The source exists but is broken (a `jira.cfg` that does not parse,
    /// a `--secrets-dir` that is no directory): a usage error. Otherwise
    /// something the run needs is missing or incomplete.
    pub unusable: bool,
    pub message: String,
}

impl InputError {
    fn missing(message: impl ToString) -> Self {
        Self { unusable: false, message: message.to_string() }
    }

    fn unusable(message: impl ToString) -> Self {
        Self { unusable: true, message: message.to_string() }
    }
}

/// Reads every source from `env` and the working directory `cwd`.
pub fn load_inputs(request: &InputRequest<'_>, settings: &RunSettings, env: Env, cwd: &Path) -> Result<Inputs, InputError> {
    let mut warnings = Vec::new();
    let dotenv = load_dotenv(&cwd.join(DOTENV_FILE), request.analyze_with_ai).map_err(InputError::missing)?;
    let env = env.with_overlay(dotenv);
    let secrets_dir = request.secrets_dir.map(load_secrets_dir).transpose().map_err(InputError::unusable)?;
    let mut tolerate = |problem: String| {
        if request.strict {
            Err(InputError::missing(problem))
        } else {
            warnings.push(problem);
            Ok(())
        }
    };
    let mut facts = RunFacts {
        source_provider: settings.source_provider.clone(),
        storage_class: settings.storage_class.clone(),
        ..RunFacts::default()
    };
    let location =
        locate_providers_json(request.providers_json, &env, settings.providers_json.as_deref(), secrets_dir.as_ref().map(|d| d.dir()));
    let providers = match load_providers(&location) {
        Ok(providers) => Some(providers),
        Err(problem) if request.require_providers => return Err(InputError::missing(problem)),
        Err(problem @ ProvidersError::NotFound { .. }) if settings.source_provider.is_some() => {
            tolerate(problem.to_string())?;
            None
        }
        // Nobody asked for a profile: a missing file is no problem.
        Err(ProvidersError::NotFound { .. }) => None,
        Err(problem) => {
            tolerate(problem.to_string())?;
            None
        }
    };
    let mut source = None;
    if let (Some(providers), Some(profile_name)) = (&providers, &settings.source_provider) {
        match providers.profile(profile_name) {
            Ok(profile) => {
                facts.source_provider_type = Some(profile.provider_type().to_owned());
                facts.source_provider_version = profile.version();
                facts.storage_vendor_product =
                    profile.copyoffload().and_then(|section| section.get(PRODUCT_KEY)).and_then(|value| value.as_str()).map(str::to_owned);
                match SourceEndpoint::from_profile(&profile) {
                    Ok(endpoint) => source = Some(endpoint),
                    Err(problem) => tolerate(problem)?,
                }
            }
            Err(problem) => tolerate(problem.to_string())?,
        }
    }
    // A jira.cfg that exists but cannot be used stops everything: ignoring
    // it would turn gating off and run tests the gate exists to hold back.
    // (`error_strategy` covers an unreachable JIRA, not a broken file.)
    let jira_settings = load_jira_settings(&jira_cfg_paths(cwd), &env)
        .map_err(|problem| InputError::unusable(format!("{problem}\n(fix jira.cfg, or move it away to run without JIRA gating)")))?;
    let jira = JiraFacts::of(&jira_settings);
    let broker = SecretBroker::new(BrokerSources {
        providers,
        source_profile: settings.source_provider.clone(),
        jira: Some(jira_settings),
        env: env.clone(),
        secrets_dir,
    });
    warnings.extend(broker.warnings());
    Ok(Inputs { broker, facts, source, jira, env, warnings })
}
