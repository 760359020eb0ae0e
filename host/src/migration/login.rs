//! `--cluster login`: log in to an OpenShift cluster with a username and
//! password, as `oc login -u USER -p PASSWORD` does, and talk to it with the
//! bearer token that hands out. The credentials come from `CLUSTER_HOST`,
//! `CLUSTER_USERNAME` and `CLUSTER_PASSWORD`, or from the `cluster_*` keys
//! of a mounted secrets directory (the original suite's two ways).
//!
//! The login: read the OAuth server's address from
//! `/.well-known/oauth-authorization-server`, then ask its
//! `authorize` endpoint for a token as `openshift-challenging-client` with
//! HTTP Basic credentials. The answer is a redirect whose fragment carries
//! `access_token`; the redirect is read, never followed. The password and
//! the token are `SecretValue`s, so the redactor knows both.

use std::path::PathBuf;
use std::time::Duration;

use kube::{Client, Config};
use serde::Deserialize;

use super::cluster::ClusterError;
use crate::integrations::cluster;
use crate::secrets::{SecretBroker, SecretValue, register_url_credentials};

/// How long each login request may take.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the credentials were looked for, for error messages.
const WHERE_FROM: &str = "CLUSTER_USERNAME / CLUSTER_PASSWORD (or cluster_username / cluster_password in the secrets directory)";

/// What a username/password login needs. (No `Debug`: it holds the password.)
pub struct ClusterLogin {
    /// The API server, e.g. `https://api.cluster.example.com:6443`.
    pub host: String,
    pub username: String,
    pub password: SecretValue,
    pub tls: ClusterTls,
}

/// How the API and OAuth servers' certificates are checked.
#[derive(Debug, Clone, Default)]
pub struct ClusterTls {
    /// Accept any certificate (`[run] cluster_skip_tls_verify`), like
    /// `oc login --insecure-skip-tls-verify`.
    pub skip_verify: bool,
    /// Trust this PEM bundle instead of the system roots (`[run]
    /// cluster_ca_file`), like `oc login --certificate-authority`.
    pub ca_file: Option<PathBuf>,
}

impl ClusterLogin {
    /// The credentials from the run's secret sources; every missing one is
    /// named at once.
    pub fn from_broker(broker: &SecretBroker, tls: ClusterTls) -> Result<ClusterLogin, String> {
        let (host, username, password) =
            (cluster::setting(broker, "host"), cluster::setting(broker, "username"), cluster::password(broker));
        let missing: Vec<&str> =
            [("CLUSTER_HOST", host.is_none()), ("CLUSTER_USERNAME", username.is_none()), ("CLUSTER_PASSWORD", password.is_none())]
                .into_iter()
                .filter_map(|(name, absent)| absent.then_some(name))
                .collect();
        match (host, username, password) {
            // The host is printed ("… as <user>") and logged; a password in
            // it would travel with it. Credentials have their own variables.
            (Some(host), Some(_), Some(_)) if register_url_credentials(&host) => {
                Err("CLUSTER_HOST (or cluster_host in the secrets directory) carries credentials (user:password@); remove them \
                 from the URL and set CLUSTER_USERNAME and CLUSTER_PASSWORD instead"
                    .to_owned())
            }
            (Some(host), Some(username), Some(password)) => Ok(ClusterLogin { host, username, password, tls }),
            _ => Err(format!(
                "--cluster login needs {}: set the environment variables, or pass --secrets-dir with a Secret holding {}",
                missing.join(", "),
                missing.iter().map(|name| name.to_ascii_lowercase()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

#[derive(Deserialize)]
struct OAuthMetadata {
    authorization_endpoint: String,
}

/// Log in and return a client that uses the token.
pub async fn client_from_login(login: &ClusterLogin) -> Result<Client, ClusterError> {
    let token = request_token(login).await?;
    let uri = login.host.parse().map_err(|e| ClusterError::Connect(format!("CLUSTER_HOST {} is not a URL: {e}", login.host)))?;
    let mut config = Config::new(uri);
    config.auth_info.token = Some(token.expose().to_owned().into());
    config.accept_invalid_certs = login.tls.skip_verify;
    config.root_cert_file = login.tls.ca_file.clone();
    Client::try_from(config).map_err(|e| ClusterError::Connect(e.to_string()))
}

async fn request_token(login: &ClusterLogin) -> Result<SecretValue, ClusterError> {
    crate::tls::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(LOGIN_TIMEOUT)
        .danger_accept_invalid_certs(login.tls.skip_verify);
    if let Some(file) = &login.tls.ca_file {
        for certificate in ca_bundle(file)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    let http = builder.build().map_err(|e| ClusterError::Connect(format!("cannot create the HTTP client for the login: {e}")))?;
    let host = login.host.trim_end_matches('/');
    let discovery = format!("{host}/.well-known/oauth-authorization-server");
    let unreachable = |e: reqwest::Error| {
        ClusterError::Connect(format!(
            "cannot reach {host} to log in: {:#} (check CLUSTER_HOST; for a certificate from the cluster's own CA set [run] cluster_ca_file)",
            anyhow::Error::new(e)
        ))
    };
    let response = http.get(&discovery).send().await.map_err(unreachable)?;
    if !response.status().is_success() {
        return Err(ClusterError::Connect(format!(
            "{host} serves no OpenShift OAuth login ({} for {discovery}); log in with `oc login` and use --cluster kubeconfig",
            response.status()
        )));
    }
    let metadata: OAuthMetadata = serde_json::from_slice(&response.bytes().await.map_err(unreachable)?)
        .map_err(|e| ClusterError::Connect(format!("{discovery} is not OAuth server metadata: {e}")))?;
    let mut authorize = url::Url::parse(&metadata.authorization_endpoint).map_err(|e| {
        ClusterError::Connect(format!("{discovery}: authorization_endpoint {} is not a URL: {e}", metadata.authorization_endpoint))
    })?;
    authorize.query_pairs_mut().append_pair("response_type", "token").append_pair("client_id", "openshift-challenging-client");
    let response = http
        .get(authorize)
        .basic_auth(&login.username, Some(login.password.expose()))
        .header("X-CSRF-Token", "1")
        .send()
        .await
        .map_err(|e| {
            ClusterError::Connect(format!("cannot reach the OAuth server {}: {:#}", metadata.authorization_endpoint, anyhow::Error::new(e)))
        })?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(ClusterError::Connect(format!("{host} rejected the login of '{}': check {WHERE_FROM}", login.username)));
    }
    let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    token_from_redirect(location).ok_or_else(|| {
        ClusterError::Connect(format!(
            "the OAuth server answered the login of '{}' with {status} and no token; check {WHERE_FROM}",
            login.username
        ))
    })
}

/// The certificates of `[run] cluster_ca_file`.
fn ca_bundle(file: &std::path::Path) -> Result<Vec<reqwest::Certificate>, ClusterError> {
    let problem = |why: String| ClusterError::Connect(format!("[run] cluster_ca_file {}: {why}", file.display()));
    let pem = std::fs::read(file).map_err(|e| problem(format!("cannot read it: {e}")))?;
    let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| problem(format!("not a PEM certificate bundle: {e}")))?;
    if certificates.is_empty() {
        return Err(problem("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(certificates)
}

/// `…/oauth/token/implicit#access_token=sha256~abc&expires_in=86400…` → the token.
fn token_from_redirect(location: &str) -> Option<SecretValue> {
    let (_, fragment) = location.split_once('#')?;
    url::form_urlencoded::parse(fragment.as_bytes())
        .find(|(key, value)| key == "access_token" && !value.is_empty())
        .map(|(_, token)| SecretValue::new(token.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_redirect_fragment_only() {
        let location = "https://oauth.example.com/oauth/token/implicit#access_token=sha256~AbC-1_2&expires_in=86400&token_type=Bearer";
        assert_eq!(token_from_redirect(location).map(|t| t.expose().to_owned()), Some("sha256~AbC-1_2".to_owned()));
        assert!(token_from_redirect("https://oauth.example.com/oauth/token/implicit?access_token=leaked").is_none());
        assert!(token_from_redirect("https://oauth.example.com/#error=access_denied").is_none());
        assert!(token_from_redirect("").is_none());
    }
}
