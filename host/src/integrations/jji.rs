//! JJI: AI analysis of a failed run's JUnit report by a Jenkins Job
//! Insight server, opt-in with `--analyze-with-ai` (the request itself is
//! built in `crate::enrich`).
//!
//! Reads: `JJI_SERVER_URL`, `JJI_TOKEN`, `JJI_AI_PROVIDER`, `JJI_AI_MODEL`,
//! `JJI_TIMEOUT`, from the environment or, with `--analyze-with-ai`, `.env`.
//! Provides: `jji.token` (`JJI_TOKEN`).
//! Attaches: `Authorization: Bearer <JJI_TOKEN>` to requests to the origin
//! of `JJI_SERVER_URL`, and to no other.

use super::{BrokerSources, Integration, Reads};
use crate::secrets::{Claim, DOTENV_FILE, SecretOrigin, SecretProvider, SecretValue, Unresolved, normalize_origin};

const SERVER_URL_ENV: &str = "JJI_SERVER_URL";
const TOKEN_ENV: &str = "JJI_TOKEN";
const SECRET_NAME: &str = "jji.token";

pub struct Jji;

impl Integration for Jji {
    fn name(&self) -> &'static str {
        "jji"
    }

    fn reads(&self) -> Reads {
        Reads { files: &[DOTENV_FILE], env: &[SERVER_URL_ENV, TOKEN_ENV, "JJI_AI_PROVIDER", "JJI_AI_MODEL", "JJI_TIMEOUT"] }
    }

    fn secrets(&self, sources: &BrokerSources) -> Vec<Box<dyn SecretProvider>> {
        let env = &sources.env;
        let token = env.non_empty(TOKEN_ENV).map(SecretValue::new);
        vec![Box::new(JjiSecrets { origin: env.non_empty(SERVER_URL_ENV).map(normalize_origin), token })]
    }
}

struct JjiSecrets {
    /// The origin of `JJI_SERVER_URL`, where `JJI_TOKEN` goes.
    origin: Option<String>,
    token: Option<SecretValue>,
}

fn where_from() -> String {
    format!("{TOKEN_ENV} (the environment, or .env with --analyze-with-ai), for a JJI server that wants a bearer token")
}

impl SecretProvider for JjiSecrets {
    fn forms(&self) -> Vec<String> {
        vec![SECRET_NAME.to_owned()]
    }

    fn claim(&self, name: &str) -> Claim {
        if name == SECRET_NAME { Claim::Mine } else { Claim::NotMine }
    }

    fn get(&self, _name: &str) -> Result<SecretValue, Unresolved> {
        self.token.clone().ok_or_else(|| Unresolved::Missing(where_from()))
    }

    fn describe(&self) -> Vec<SecretOrigin> {
        let set = self.token.is_some();
        vec![SecretOrigin {
            name: SECRET_NAME.to_owned(),
            from: if set { format!("environment variable {TOKEN_ENV}") } else { where_from() },
            set,
        }]
    }

    fn origin_credential(&self, origin: &str) -> Option<SecretValue> {
        (self.origin.as_deref() == Some(origin))
            .then(|| self.token.as_ref().map(|token| SecretValue::new(format!("Bearer {}", token.expose()))))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{Env, SecretBroker};

    fn broker(env: &[(&str, &str)]) -> SecretBroker {
        SecretBroker::new(BrokerSources { env: Env::from_pairs(env.iter().copied()), ..BrokerSources::default() })
    }

    #[test]
    fn jji_token_is_attached_only_to_the_jji_servers_origin() {
        let broker = broker(&[("JJI_SERVER_URL", "https://jji.example.com:8443/base"), ("JJI_TOKEN", "canary-jji-unit-5c1e")]);
        let credential = |origin: &str| broker.origin_credential(origin).map(|v| v.expose().to_owned());
        assert_eq!(credential("https://jji.example.com:8443"), Some("Bearer canary-jji-unit-5c1e".to_owned()));
        assert_eq!(credential("https://jji.example.com"), None);
        assert_eq!(credential("http://jji.example.com:8443"), None);
        assert_eq!(broker.get("jji.token").map(|v| v.expose().to_owned()).ok(), Some("canary-jji-unit-5c1e".to_owned()));
        assert_eq!(
            self::broker(&[("JJI_SERVER_URL", "https://jji.example.com:8443")]).origin_credential("https://jji.example.com:8443"),
            None
        );
    }
}
