//! JIRA: gating tests on the state of JIRA issues, as pytest-jira does.
//!
//! Reads: `jira.cfg` (system, user and project files, later winning; see
//! [`jira_cfg_paths`]) and the `PYTEST_JIRA_*` variables, which win.
//! Provides: `jira.token`, `jira.password` (variable, else file).
//! Attaches: the JIRA credentials (`Bearer` token, or HTTP Basic with a
//! username) to requests to the origin of `url`.
//! Checks: each test's `jira` table (keys present and shaped `MTV-123`).

mod cfg;

pub use cfg::{JIRA_CFG, JIRA_ENV_OVERRIDES, JIRA_KEYS, JiraCfgError, JiraSettings, jira_cfg_paths, load_jira_settings};

use super::{BrokerSources, Integration, Reads};
use crate::plan::{Problem, ProblemKind, TestSpec};
use crate::secrets::{Claim, SecretOrigin, SecretProvider, SecretValue, Unresolved};

pub struct Jira;

impl Integration for Jira {
    fn name(&self) -> &'static str {
        "jira"
    }

    fn reads(&self) -> Reads {
        Reads { files: &[JIRA_CFG], env: &["PYTEST_JIRA_URL", "PYTEST_JIRA_USERNAME", "PYTEST_JIRA_PASSWORD", "PYTEST_JIRA_TOKEN"] }
    }

    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>> {
        vec![Box::new(JiraSecrets { settings: sources.jira.clone() })]
    }

    fn check_test(&self, test: &TestSpec) -> Vec<Problem> {
        let mut problems = Vec::new();
        for jira in &test.jira {
            if jira.keys.is_empty() {
                problems.push(
                    Problem::new(ProblemKind::InvalidJiraKey, "a jira marker has no issue keys")
                        .hint("list at least one key: jira = [{ keys = [\"MTV-123\"] }]"),
                );
            }
            for key in jira.keys.iter().filter(|key| !is_valid_jira_key(key)) {
                problems.push(
                    Problem::new(ProblemKind::InvalidJiraKey, format!("jira key \"{key}\" does not match [A-Z]+-[0-9]+"))
                        .hint("write the issue key as JIRA shows it, e.g. \"MTV-2846\""),
                );
            }
        }
        problems
    }
}

/// `[A-Z]+-[0-9]+`, the default JIRA issue key pattern.
fn is_valid_jira_key(key: &str) -> bool {
    let Some((project, number)) = key.split_once('-') else {
        return false;
    };
    !project.is_empty()
        && project.chars().all(|c| c.is_ascii_uppercase())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// JIRA settings the plugin may see: the URL and the non-secret keys.
#[derive(Debug, Clone, Default)]
pub struct JiraFacts {
    pub url: Option<String>,
    pub origin: Option<String>,
    pub settings: Vec<(String, String)>,
}

impl JiraFacts {
    pub fn of(jira: &JiraSettings) -> Self {
        let mut settings: Vec<(String, String)> = jira.other.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some(url) = &jira.url {
            settings.push(("url".to_owned(), url.clone()));
        }
        JiraFacts { url: jira.url.clone(), origin: jira.origin(), settings }
    }
}

const SECRET_KEYS: [&str; 2] = ["token", "password"];

struct JiraSecrets {
    settings: Option<JiraSettings>,
}

impl JiraSecrets {
    fn value(&self, key: &str) -> Option<SecretValue> {
        let jira = self.settings.as_ref()?;
        match key {
            "token" => jira.token.clone(),
            _ => jira.password.clone(),
        }
    }

    fn where_from(&self, key: &str) -> String {
        match &self.settings {
            Some(jira) => jira.where_from(key),
            None => format!("{} or `{key}` in [DEFAULT] of {JIRA_CFG}", cfg::env_override(key).unwrap_or("PYTEST_JIRA_*")),
        }
    }
}

impl SecretProvider for JiraSecrets {
    fn forms(&self) -> Vec<String> {
        SECRET_KEYS.iter().map(|key| format!("jira.{key}")).collect()
    }

    fn claim(&self, name: &str) -> Claim {
        match name.strip_prefix("jira.") {
            Some(key) if SECRET_KEYS.contains(&key) => Claim::Mine,
            _ => Claim::NotMine,
        }
    }

    fn get(&self, name: &str) -> Result<SecretValue, Unresolved> {
        let key = name.trim_start_matches("jira.");
        self.value(key).ok_or_else(|| Unresolved::Missing(self.where_from(key)))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        SECRET_KEYS
            .iter()
            .map(|key| {
                let set = self.value(key).is_some();
                let source = self.settings.as_ref().and_then(|jira| jira.sources.get(*key)).filter(|_| set);
                SecretOrigin { name: format!("jira.{key}"), from: source.map_or_else(|| self.where_from(key), ToString::to_string), set }
            })
            .collect()
    }

    fn origin_credential(&self, origin: &str) -> Option<SecretValue> {
        let jira = self.settings.as_ref()?;
        (jira.origin().as_deref() == Some(origin)).then(|| jira.authorization())?
    }

    fn warnings(&self) -> Vec<String> {
        self.settings.as_ref().map(|jira| jira.warnings.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_keys_follow_the_default_pattern() {
        assert!(is_valid_jira_key("MTV-2846"));
        assert!(!is_valid_jira_key("mtv-1"));
        assert!(!is_valid_jira_key("MTV-"));
        assert!(!is_valid_jira_key("MTV2846"));
        assert!(!is_valid_jira_key("MTV-12-3"));
        assert!(!is_valid_jira_key("M1-3"));
    }
}
