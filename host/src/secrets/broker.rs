//! The secret broker: an ordered registry of secret providers. Each
//! integration registers the providers it owns (`crate::integrations`);
//! the broker knows no secret name of its own except `env.<NAME>`, which it
//! always answers last.
//!
//! A name is asked of each provider in registration order; the first that
//! claims it answers. `get`, `describe` (`secrets explain`), `check` (grant
//! names in the run config) and `origin_credential` all walk the same list,
//! so a provider registered once shows everywhere.

use std::any::Any;
use std::fmt::Write as _;

use super::env::Env;
use super::redactor::redactor;
use super::value::SecretValue;
use mtv_plugin_runtime::normalize_origin;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("unknown secret name \"{name}\"{hint}; secret names are: {forms}")]
    Unknown { name: String, hint: String, forms: String },
    #[error("secret \"{name}\" is not set; set {from}")]
    Missing { name: String, from: String },
    #[error("secret \"{name}\" cannot be read: {problem}")]
    Unavailable { name: String, problem: String },
}

/// One row of `mtv-host secrets explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretOrigin {
    pub name: String,
    /// Where the value came from when set; where it would come from otherwise.
    pub from: String,
    pub set: bool,
}

/// Whether a provider answers for a name.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// Not one of this provider's names.
    NotMine,
    /// One of this provider's names.
    Mine,
    /// In this provider's namespace but not a secret; the text says why.
    Rejected(String),
}

/// Why a claimed secret has no value.
#[derive(Debug)]
pub enum Unresolved {
    /// Not set; the text says where it would come from.
    Missing(String),
    /// A source exists but cannot be read.
    Unavailable(String),
}

/// One source of named secrets. Providers never print values: `describe`
/// says where a value comes from, and the redactor masks every output.
pub trait SecretProvider: Any + Send + Sync {
    /// The name forms this provider answers, for the unknown-name error
    /// (`jira.token`, `provider.<profile>.password`).
    fn forms(&self) -> Vec<String>;
    /// Whether `name` is this provider's, from its form alone.
    fn claim(&self, name: &str) -> Claim;
    /// The value of a name this provider claimed.
    fn get(&self, name: &str) -> Result<SecretValue, Unresolved>;
    /// Every secret it knows, set or not, in a stable order.
    fn describe(&self) -> Vec<SecretOrigin>;
    /// The `Authorization` value the host attaches to a request to
    /// `origin` (already normalised), when this provider holds its credentials.
    fn origin_credential(&self, _origin: &str) -> Option<SecretValue> {
        None
    }
    /// Problems worth showing once at start-up.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

pub struct SecretBroker {
    providers: Vec<Box<dyn SecretProvider>>,
}

impl SecretBroker {
    /// A broker answering from `providers`, in this order, then from the
    /// environment as `env.<NAME>`.
    pub fn from_providers(mut providers: Vec<Box<dyn SecretProvider>>, env: Env) -> Self {
        providers.push(Box::new(EnvSecrets { env }));
        Self { providers }
    }

    /// The registered provider of type `T`, for the integration that owns
    /// it and needs its typed state.
    pub fn provider<T: SecretProvider>(&self) -> Option<&T> {
        self.providers.iter().find_map(|provider| (provider.as_ref() as &dyn Any).downcast_ref::<T>())
    }

    pub fn provider_mut<T: SecretProvider>(&mut self) -> Option<&mut T> {
        self.providers.iter_mut().find_map(|provider| (provider.as_mut() as &mut dyn Any).downcast_mut::<T>())
    }

    /// Checks the form of a secret name (for grants in the run config)
    /// without resolving it.
    pub fn check(&self, name: &str) -> Result<&dyn SecretProvider, SecretError> {
        for provider in &self.providers {
            match provider.claim(name) {
                Claim::NotMine => continue,
                Claim::Mine => return Ok(provider.as_ref()),
                Claim::Rejected(hint) => return Err(self.unknown(name, format!(" ({hint})"))),
            }
        }
        Err(self.unknown(name, String::new()))
    }

    fn unknown(&self, name: &str, hint: String) -> SecretError {
        let forms = self.providers.iter().flat_map(|provider| provider.forms()).collect::<Vec<_>>().join(", ");
        SecretError::Unknown { name: name.to_owned(), hint, forms }
    }

    /// The secret called `name`.
    pub fn get(&self, name: &str) -> Result<SecretValue, SecretError> {
        self.check(name)?.get(name).map_err(|unresolved| match unresolved {
            Unresolved::Missing(from) => SecretError::Missing { name: name.to_owned(), from },
            Unresolved::Unavailable(problem) => SecretError::Unavailable { name: name.to_owned(), problem },
        })
    }

    /// The `Authorization` header value the host attaches to a request to
    /// `origin`, when a provider holds that origin's credentials. Plugins
    /// never see it.
    pub fn origin_credential(&self, origin: &str) -> Option<SecretValue> {
        let origin = normalize_origin(origin);
        self.providers.iter().find_map(|provider| provider.origin_credential(&origin))
    }

    /// Every named secret the providers know (except `env.<NAME>`), whether
    /// it is set, and where it came or would come from. Never a value.
    pub fn describe(&self) -> Vec<SecretOrigin> {
        self.providers.iter().flat_map(|provider| provider.describe()).collect()
    }

    /// Problems worth showing once at start-up: ignored variables, unknown
    /// keys, unusable values.
    pub fn warnings(&self) -> Vec<String> {
        self.providers.iter().flat_map(|provider| provider.warnings()).collect()
    }
}

/// `env.<NAME>`: any environment variable, by name.
struct EnvSecrets {
    env: Env,
}

impl SecretProvider for EnvSecrets {
    fn forms(&self) -> Vec<String> {
        vec!["env.<NAME>".to_owned()]
    }

    fn claim(&self, name: &str) -> Claim {
        match name.strip_prefix("env.") {
            Some(var) if !var.is_empty() => Claim::Mine,
            _ => Claim::NotMine,
        }
    }

    fn get(&self, name: &str) -> Result<SecretValue, Unresolved> {
        let var = name.strip_prefix("env.").unwrap_or(name);
        self.env.non_empty(var).map(SecretValue::new).ok_or_else(|| Unresolved::Missing(format!("the environment variable {var}")))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        Vec::new()
    }
}

/// `secrets explain` output: one row per secret with whether it is set and
/// its source. Values never appear; the redactor runs over it regardless.
pub fn explain_table(rows: &[SecretOrigin]) -> String {
    let name_width = rows.iter().map(|row| row.name.len()).chain([6]).max().unwrap_or(6);
    let mut out = format!("{:<name_width$}  SET  SOURCE\n", "SECRET");
    for row in rows {
        let set = if row.set { "yes" } else { "no " };
        let _ = writeln!(out, "{:<name_width$}  {set}  {}", row.name, row.from);
    }
    out.push_str("\nAny environment variable can also be granted as env.<NAME>.\n");
    redactor().redact(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider of one name, `test.key`, holding `value` when set.
    struct OneKey {
        value: Option<&'static str>,
    }

    impl SecretProvider for OneKey {
        fn forms(&self) -> Vec<String> {
            vec!["test.key".to_owned()]
        }
        fn claim(&self, name: &str) -> Claim {
            match name {
                "test.key" => Claim::Mine,
                "test.url" => Claim::Rejected("test.url is not sensitive".to_owned()),
                _ => Claim::NotMine,
            }
        }
        fn get(&self, _name: &str) -> Result<SecretValue, Unresolved> {
            self.value.map(SecretValue::new).ok_or_else(|| Unresolved::Missing("TEST_KEY".to_owned()))
        }
        fn describe(&self) -> Vec<SecretOrigin> {
            vec![SecretOrigin { name: "test.key".to_owned(), from: "TEST_KEY".to_owned(), set: self.value.is_some() }]
        }
        fn origin_credential(&self, origin: &str) -> Option<SecretValue> {
            (origin == "https://test.example").then(|| SecretValue::new("Bearer registry-canary-7f1d"))
        }
    }

    fn broker(value: Option<&'static str>) -> SecretBroker {
        SecretBroker::from_providers(vec![Box::new(OneKey { value })], Env::from_pairs([("SOME_VAR", "x")]))
    }

    #[test]
    fn a_provider_registered_once_answers_get_describe_check_and_origins() {
        let broker = broker(Some("registry-canary-2b9a"));
        assert_eq!(broker.get("test.key").expect("set").expose(), "registry-canary-2b9a");
        assert_eq!(broker.describe(), [SecretOrigin { name: "test.key".into(), from: "TEST_KEY".into(), set: true }]);
        assert!(broker.check("test.key").is_ok());
        assert!(broker.provider::<OneKey>().is_some());
        let credential = broker.origin_credential("https://TEST.example:443/path").expect("its origin");
        assert_eq!(credential.expose(), "Bearer registry-canary-7f1d");
        assert!(broker.origin_credential("https://other.example").is_none());
    }

    #[test]
    fn names_no_provider_claims_are_unknown_and_list_every_form() {
        let broker = broker(None);
        let message = broker.get("test.nope").expect_err("unknown").to_string();
        assert!(message.contains("test.key, env.<NAME>"), "{message}");
        let message = broker.check("test.url").err().expect("rejected").to_string();
        assert!(message.contains("(test.url is not sensitive)"), "{message}");
        let message = broker.get("test.key").expect_err("unset").to_string();
        assert!(message.contains("not set; set TEST_KEY"), "{message}");
        assert_eq!(broker.get("env.SOME_VAR").expect("env").expose(), "x");
        assert!(broker.check("env.").is_err());
    }
}
