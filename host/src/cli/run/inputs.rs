//! What a run reads before anything runs: secrets sources, the source
//! provider profile and the JIRA settings. Dry runs tolerate what is
//! missing; real runs stop with the file and key to fix.

use std::path::Path;

use mtv_host::migration::SourceEndpoint;
use mtv_host::plan::RunFacts;
use mtv_host::runner::RunSettings;
use mtv_host::secrets::{
    BrokerSources, DOTENV_FILE, Env, JiraSettings, SecretBroker, jira_cfg_paths, load_dotenv, load_jira_settings, load_providers,
    load_secrets_dir, locate_providers_json,
};

use super::RunArgs;
use crate::cli::exit::Exit;

/// JIRA settings the plugin may see: the URL and the non-secret keys.
#[derive(Debug, Clone, Default)]
pub(crate) struct JiraFacts {
    pub url: Option<String>,
    pub origin: Option<String>,
    pub settings: Vec<(String, String)>,
}

pub(crate) struct Loaded {
    pub broker: SecretBroker,
    pub facts: RunFacts,
    /// `None` in a dry run without a usable profile.
    pub source: Option<SourceEndpoint>,
    pub jira: JiraFacts,
    pub env: Env,
    pub warnings: Vec<String>,
}

/// Reads the sources; `Err` is a message for the user with its exit status:
/// 4 for a `--secrets-dir` or `jira.cfg` that cannot be used, else 1.
pub(crate) fn load(args: &RunArgs, settings: &RunSettings, dry_run: bool) -> Result<Loaded, (Exit, String)> {
    let mut warnings = Vec::new();
    let env = Env::from_process();
    let dotenv = load_dotenv(Path::new(DOTENV_FILE), args.analyze_with_ai).map_err(|e| (Exit::Failed, e.to_string()))?;
    let env = env.with_overlay(dotenv);
    let secrets_dir = args.secrets_dir.as_deref().map(load_secrets_dir).transpose().map_err(|e| (Exit::Usage, e.to_string()))?;
    let mut tolerate = |problem: String| {
        if dry_run {
            warnings.push(problem);
            Ok(())
        } else {
            Err((Exit::Failed, problem))
        }
    };
    let mut providers = None;
    let mut source = None;
    let mut facts = RunFacts {
        source_provider: settings.source_provider.clone(),
        storage_class: settings.storage_class.clone(),
        ..RunFacts::default()
    };
    if let Some(profile_name) = &settings.source_provider {
        let location = locate_providers_json(
            args.providers_json.as_deref(),
            &env,
            settings.providers_json.as_deref(),
            secrets_dir.as_ref().map(|d| d.dir()),
        );
        match load_providers(&location) {
            Ok(loaded) => {
                match loaded.profile(profile_name) {
                    Ok(profile) => {
                        facts.source_provider_type = Some(profile.provider_type().to_owned());
                        facts.source_provider_version = profile.version();
                        facts.storage_vendor_product = profile
                            .copyoffload()
                            .and_then(|section| section.get("storage_vendor_product"))
                            .and_then(|value| value.as_str())
                            .map(str::to_owned);
                        match SourceEndpoint::from_profile(&profile) {
                            Ok(endpoint) => source = Some(endpoint),
                            Err(problem) => tolerate(problem)?,
                        }
                    }
                    Err(problem) => tolerate(problem.to_string())?,
                }
                providers = Some(loaded);
            }
            Err(problem) => tolerate(problem.to_string())?,
        }
    }
    // A jira.cfg that exists but cannot be used stops the run: ignoring it
    // would turn gating off and run tests the gate exists to hold back.
    // (`error_strategy` covers an unreachable JIRA, not a broken file.)
    let jira_settings = match std::env::current_dir().map(|cwd| load_jira_settings(&jira_cfg_paths(&cwd), &env)) {
        Ok(Ok(jira)) => Some(jira),
        Ok(Err(problem)) => {
            return Err((Exit::Usage, format!("{problem}\n(fix jira.cfg, or move it away to run without JIRA gating)")));
        }
        Err(problem) => {
            warnings.push(format!("JIRA settings ignored: cannot read the working directory: {problem}"));
            None
        }
    };
    let jira = jira_settings.as_ref().map(jira_facts).unwrap_or_default();
    let broker = SecretBroker::new(BrokerSources {
        providers,
        source_profile: settings.source_provider.clone(),
        jira: jira_settings,
        env: env.clone(),
        secrets_dir,
    });
    warnings.extend(broker.warnings());
    Ok(Loaded { broker, facts, source, jira, env, warnings })
}

fn jira_facts(jira: &JiraSettings) -> JiraFacts {
    let mut settings: Vec<(String, String)> = jira.other.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    if let Some(url) = &jira.url {
        settings.push(("url".to_owned(), url.clone()));
    }
    JiraFacts { url: jira.url.clone(), origin: jira.origin(), settings }
}
