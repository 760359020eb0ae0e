//! The source provider profiles of `.providers.json`: where the file is,
//! what each profile says, and its passwords.
//!
//! Reads: `--providers-json`, else `PROVIDERS_JSON_PATH`, else `[run]
//! providers_json`, else `providers.json` of the secrets directory, else
//! `./.providers.json` (see [`locate_providers_json`]).
//! Provides: `provider.<profile>.password` for each profile in the file.
//! Attaches: nothing to plugin requests; the source Provider's Secret uses it.

mod profiles;

pub use profiles::{
    ChosenBy, DEFAULT_PROVIDERS_JSON, PROVIDERS_JSON_ENV, PROVIDERS_JSON_FLAG, ProviderProfile, Providers, ProvidersError, ProvidersPath,
    load_providers, locate_providers_json,
};

use super::{BrokerSources, Integration, Reads};
use crate::secrets::{Claim, SecretOrigin, SecretProvider, SecretValue, Unresolved};

pub struct SourceProviders;

impl Integration for SourceProviders {
    fn name(&self) -> &'static str {
        "providers"
    }

    fn reads(&self) -> Reads {
        Reads { files: &[DEFAULT_PROVIDERS_JSON], env: &[PROVIDERS_JSON_ENV] }
    }

    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>> {
        vec![Box::new(ProviderSecrets { providers: sources.providers.clone() })]
    }
}

struct ProviderSecrets {
    providers: Option<Providers>,
}

/// `provider.<profile>.password` → `<profile>`.
fn profile_of(name: &str) -> Option<&str> {
    name.strip_prefix("provider.")?.strip_suffix(".password").filter(|profile| !profile.is_empty())
}

impl SecretProvider for ProviderSecrets {
    fn forms(&self) -> Vec<String> {
        vec!["provider.<profile>.password".to_owned()]
    }

    fn claim(&self, name: &str) -> Claim {
        if profile_of(name).is_some() { Claim::Mine } else { Claim::NotMine }
    }

    fn get(&self, name: &str) -> Result<SecretValue, Unresolved> {
        let profile = profile_of(name).unwrap_or(name);
        let Some(providers) = &self.providers else {
            return Err(Unresolved::Missing(format!("{profile}.password in ./{DEFAULT_PROVIDERS_JSON}")));
        };
        let entry = providers.profile(profile).map_err(|error| Unresolved::Unavailable(error.to_string()))?;
        entry.password().cloned().ok_or_else(|| Unresolved::Missing(format!("{profile}.password in {}", providers.path().display())))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        let Some(providers) = &self.providers else { return Vec::new() };
        providers
            .profile_names()
            .into_iter()
            .map(|profile| {
                let (set, from) = match providers.profile(&profile) {
                    Ok(entry) => (entry.password().is_some(), format!("{profile}.password in {}", providers.path().display())),
                    Err(error) => (false, error.to_string()),
                };
                SecretOrigin { name: format!("provider.{profile}.password"), from, set }
            })
            .collect()
    }
}
