//! The cluster connection of `--cluster login`: host, user and password,
//! as the OpenShift Job guidance passes them.
//!
//! Reads: `CLUSTER_HOST`, `CLUSTER_USERNAME`, `CLUSTER_PASSWORD`, else the
//! `cluster_host`, `cluster_username`, `cluster_password` keys of the
//! mounted secrets directory (`--secrets-dir`).
//! Provides: `cluster.password` (variable, else the secrets directory).
//! Attaches: nothing to plugin requests; the login itself uses it.

use super::{BrokerSources, Integration, Reads};
use crate::secrets::{Claim, Env, SecretBroker, SecretOrigin, SecretProvider, SecretValue, SecretsDirSettings, Unresolved};

const PASSWORD_ENV: &str = "CLUSTER_PASSWORD";
const ENV_PREFIX: &str = "CLUSTER_";
const KEY_PREFIX: &str = "cluster_";
const PASSWORD_KEY: &str = "cluster_password";
const SECRET_NAME: &str = "cluster.password";

pub struct Cluster;

impl Integration for Cluster {
    fn name(&self) -> &'static str {
        "cluster"
    }

    fn reads(&self) -> Reads {
        Reads {
            files: &["<secrets dir>/cluster_host", "<secrets dir>/cluster_username", "<secrets dir>/cluster_password"],
            env: &["CLUSTER_HOST", "CLUSTER_USERNAME", PASSWORD_ENV],
        }
    }

    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>> {
        vec![Box::new(ClusterSecrets { env: sources.env.clone(), secrets_dir: sources.secrets_dir.clone() })]
    }
}

/// A non-secret setting of `--cluster login` (`host`, `username`):
/// `CLUSTER_HOST`, else `cluster_host` of the secrets directory.
pub fn setting(broker: &SecretBroker, name: &str) -> Option<String> {
    broker.provider::<ClusterSecrets>()?.setting(name)
}

/// `cluster.password`: `CLUSTER_PASSWORD`, else `cluster_password` of the
/// secrets directory.
pub fn password(broker: &SecretBroker) -> Option<SecretValue> {
    broker.provider::<ClusterSecrets>()?.password()
}

pub struct ClusterSecrets {
    env: Env,
    secrets_dir: Option<SecretsDirSettings>,
}

impl ClusterSecrets {
    fn setting(&self, name: &str) -> Option<String> {
        let env = format!("{ENV_PREFIX}{}", name.to_ascii_uppercase());
        match self.env.non_empty(&env) {
            Some(value) => Some(value.to_owned()),
            None => self.secrets_dir.as_ref()?.plain(&format!("{KEY_PREFIX}{name}")).map(str::to_owned),
        }
    }

    fn password(&self) -> Option<SecretValue> {
        match self.env.non_empty(PASSWORD_ENV) {
            Some(value) => Some(SecretValue::new(value)),
            None => self.secrets_dir.as_ref()?.secret(PASSWORD_KEY).cloned(),
        }
    }

    fn source(&self) -> Option<String> {
        if self.env.non_empty(PASSWORD_ENV).is_some() {
            return Some(format!("environment variable {PASSWORD_ENV}"));
        }
        let dir = self.secrets_dir.as_ref()?;
        dir.secret(PASSWORD_KEY)?;
        Some(dir.source(PASSWORD_KEY).to_string())
    }

    fn where_from(&self) -> String {
        match &self.secrets_dir {
            Some(dir) => format!("{PASSWORD_ENV} or the {PASSWORD_KEY} key of the secrets directory {}", dir.dir().display()),
            None => format!("{PASSWORD_ENV} or {PASSWORD_KEY} in a mounted secrets directory"),
        }
    }
}

impl SecretProvider for ClusterSecrets {
    fn forms(&self) -> Vec<String> {
        vec![SECRET_NAME.to_owned()]
    }

    fn claim(&self, name: &str) -> Claim {
        if name == SECRET_NAME { Claim::Mine } else { Claim::NotMine }
    }

    fn get(&self, _name: &str) -> Result<SecretValue, Unresolved> {
        self.password().ok_or_else(|| Unresolved::Missing(self.where_from()))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        vec![SecretOrigin {
            name: SECRET_NAME.to_owned(),
            from: self.source().unwrap_or_else(|| self.where_from()),
            set: self.password().is_some(),
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_login_settings_come_from_the_environment() {
        let env = Env::from_pairs([("CLUSTER_HOST", "https://api.example.com:6443"), ("CLUSTER_USERNAME", "kubeadmin")]);
        let broker = SecretBroker::new(BrokerSources { env, ..BrokerSources::default() });
        assert_eq!(setting(&broker, "host").as_deref(), Some("https://api.example.com:6443"));
        assert_eq!(setting(&broker, "username").as_deref(), Some("kubeadmin"));
        assert!(password(&broker).is_none());
    }
}
