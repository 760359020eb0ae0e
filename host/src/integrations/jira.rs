//! JIRA: gating tests on the state of JIRA issues, as pytest-jira does.
//!
//! Reads: `jira.cfg` (system, user and project files, later winning; see
//! [`jira_cfg_paths`]) and the `PYTEST_JIRA_*` variables, which win.
//! Provides: `jira.token`, `jira.password` (variable, else file).
//! Attaches: the JIRA credentials (`Bearer` token, or HTTP Basic with a
//! username) to requests to the origin of `url`.
//! Checks: each test's `jira` table (keys present, one word each). Whether
//! a key matches the issue pattern is the gate's to say: it knows
//! `issue_regex`.

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
            for key in jira.keys.iter().filter(|key| !is_one_word(key)) {
                problems.push(
                    Problem::new(ProblemKind::InvalidJiraKey, format!("jira key \"{key}\" is not one issue key"))
                        .hint("list each key on its own, as JIRA shows it: keys = [\"MTV-2846\", \"MTV-2847\"]"),
                );
            }
        }
        problems
    }
}

/// Not empty, and nothing a key list or a query would split on. The issue
/// pattern itself (`issue_regex`, `[A-Z]+-[0-9]+` by default) is checked by
/// the JIRA gate, which reads it from jira.cfg.
fn is_one_word(key: &str) -> bool {
    !key.is_empty() && !key.chars().any(|c| c.is_whitespace() || c.is_control() || ",;\"'()".contains(c))
}

/// JIRA settings the plugin may see: the URL and the non-secret keys.
#[derive(Debug, Clone, Default)]
pub struct JiraFacts {
    pub url: Option<String>,
    pub origin: Option<String>,
    pub settings: Vec<(String, String)>,
    /// How the host checks `origin`'s certificate (`ssl_verification`).
    pub tls: Option<crate::plugins::OriginTls>,
}

impl JiraFacts {
    pub fn of(jira: &JiraSettings) -> Self {
        let mut settings: Vec<(String, String)> = jira.other.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some(url) = &jira.url {
            settings.push(("url".to_owned(), url.clone()));
        }
        JiraFacts { url: jira.url.clone(), origin: jira.origin(), settings, tls: jira.origin_tls.clone() }
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
    fn jira_keys_are_one_word_and_the_pattern_is_left_to_the_gate() {
        assert!(is_one_word("MTV-2846"));
        assert!(is_one_word("mtv-1"), "a custom issue_regex may accept it");
        assert!(!is_one_word(""));
        assert!(!is_one_word("MTV-1 MTV-2"));
        assert!(!is_one_word("MTV-1,MTV-2"));
        assert!(!is_one_word("MTV-1\")"));
    }
}
