//! An immutable snapshot of environment variables. Resolution code reads
//! this, never `std::env`, so a run sees one consistent environment and
//! tests never mutate the process environment.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Default)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// The current process environment. Variables whose name or value is
    /// not valid Unicode are left out: no setting this host reads can hold
    /// such a value.
    pub fn from_process() -> Self {
        let vars = std::env::vars_os().filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?))).collect();
        Self { vars }
    }

    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars = pairs.into_iter().map(|(name, value)| (name.into(), value.into())).collect();
        Self { vars }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Every variable name, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// The value of `name` unless it is unset or empty. An empty variable
    /// (`FOO=` in a CI template) means "not given" for every override rule.
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|value| !value.is_empty())
    }

    /// Adds `overlay` (values from a `.env` file) beneath the snapshot: a
    /// variable already present keeps its value, as dotenv does. Within the
    /// overlay the first occurrence of a name wins.
    pub fn with_overlay<K, V>(mut self, overlay: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        for (name, value) in overlay {
            self.vars.entry(name.into()).or_insert_with(|| value.into());
        }
        self
    }
}

/// Lists names only: environment values include secrets.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.vars.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_never_overrides_the_snapshot() {
        let env = Env::from_pairs([("JJI_SERVER_URL", "https://real.example")]).with_overlay([
            ("JJI_SERVER_URL", "https://dotenv.example"),
            ("JJI_AI_MODEL", "first"),
            ("JJI_AI_MODEL", "second"),
        ]);
        assert_eq!(env.get("JJI_SERVER_URL"), Some("https://real.example"));
        assert_eq!(env.get("JJI_AI_MODEL"), Some("first"));
    }

    #[test]
    fn empty_values_are_not_given() {
        let env = Env::from_pairs([("A", ""), ("B", "b")]);
        assert_eq!(env.get("A"), Some(""));
        assert_eq!(env.non_empty("A"), None);
        assert_eq!(env.non_empty("B"), Some("b"));
        assert_eq!(env.non_empty("C"), None);
    }

    #[test]
    fn debug_shows_names_not_values() {
        let env = Env::from_pairs([("CLUSTER_PASSWORD", "canary-env-9a8b7c")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("CLUSTER_PASSWORD"));
        assert!(!shown.contains("canary-env-9a8b7c"));
    }
}
