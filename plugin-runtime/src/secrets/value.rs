//! The type every secret value lives in.

use std::fmt;

use super::redactor::{REDACTED, redactor};

/// A secret value. It never prints: `Debug` and `Display` show
/// `[REDACTED]`, and it has no `Serialize`. Creating one registers the value
/// with the process-wide redactor, so the value is masked wherever it later
/// appears in text the host writes.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        redactor().register(&value);
        Self(value)
    }

    /// The value itself, for the few places that must send it somewhere
    /// (an HTTP header, a Kubernetes Secret). Never format it into text.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// Whether a setting's name says it holds a secret (`cluster_password`,
/// `JJI_API_TOKEN`, `client_secret`). Used for sources whose keys are not
/// known in advance: a mounted Secret directory, `.env`, provider profiles.
pub fn is_sensitive_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "passwd", "token", "secret", "credential"].iter().any(|word| name.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = SecretValue::new("canary-pw-7f3a91");
        assert_eq!(format!("{secret}"), "[REDACTED]");
        assert_eq!(format!("{secret:?}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([REDACTED])");
        assert_eq!(secret.expose(), "canary-pw-7f3a91");
    }

    #[test]
    fn creating_one_registers_it() {
        let secret = SecretValue::new("canary-registered-0b1c2d");
        let line = format!("connecting with {}", secret.expose());
        assert_eq!(redactor().redact(&line), "connecting with [REDACTED]");
    }

    #[test]
    fn sensitive_names() {
        for name in ["cluster_password", "PYTEST_JIRA_TOKEN", "client_secret", "guest_vm_linux_passwd"] {
            assert!(is_sensitive_name(name), "{name}");
        }
        for name in ["cluster_host", "cluster_username", "api_url"] {
            assert!(!is_sensitive_name(name), "{name}");
        }
    }
}
