//! What the host interfaces reach outside the sandbox: secrets, the
//! network, and the audit trail. The runtime depends on these seams only, so
//! a run wires in the secret broker and a real HTTP client while plugin
//! tests wire in fakes.

use crate::secrets::{AuditEvent, AuditLog};
use std::sync::Arc;
use std::time::Duration;

/// Where granted secrets and per-origin credentials come from.
pub trait SecretSource: Send + Sync {
    /// The value of a named secret, or a sentence saying where it would
    /// come from.
    fn secret(&self, name: &str) -> Result<String, String>;

    /// A full `Authorization` header value the host attaches to requests
    /// for `origin` (`https://issues.example.com`), if one is configured.
    fn origin_credential(&self, origin: &str) -> Option<String>;
}

/// Sends plugin HTTP requests after the grant check.
pub trait HttpTransport: Send + Sync {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError>;
}

/// Receives one record per secret read and per HTTP request, allowed or not.
pub trait AuditSink: Send + Sync {
    fn record(&self, event: AuditEvent<'_>);
}

/// A request the host sends for a plugin, credentials already attached.
#[derive(Debug, Clone)]
pub struct OutboundRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct InboundResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    #[error("timed out")]
    Timeout,
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// The seams a runtime is built with.
#[derive(Clone)]
pub struct HostServices {
    pub secrets: Arc<dyn SecretSource>,
    pub transport: Arc<dyn HttpTransport>,
    pub audit: Arc<dyn AuditSink>,
}

/// A source with no secrets: every lookup is missing.
pub struct NoSecrets;

impl SecretSource for NoSecrets {
    fn secret(&self, name: &str) -> Result<String, String> {
        Err(format!("no source provides secret '{name}'"))
    }

    fn origin_credential(&self, _origin: &str) -> Option<String> {
        None
    }
}

/// An audit sink that drops events (dry runs, `plugins inspect`).
pub struct NoAudit;

impl AuditSink for NoAudit {
    fn record(&self, _event: AuditEvent<'_>) {}
}

/// A run's audit trail is the audit log file.
impl AuditSink for AuditLog {
    fn record(&self, event: AuditEvent<'_>) {
        if let Err(e) = AuditLog::record(self, event) {
            tracing::warn!("{e}");
        }
    }
}

/// The most a response's Content-Length makes the host reserve in advance.
#[cfg(feature = "network")]
const MAX_PREALLOCATED_BODY: usize = 64 << 20;

/// How the host checks one origin's certificate, when not against the
/// system roots (jira.cfg's `ssl_verification`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginTls {
    /// Any certificate is accepted (`ssl_verification = False`).
    SkipVerify,
    /// Certificates must chain to this PEM bundle's CAs.
    CaBundle(std::path::PathBuf),
}

#[cfg(feature = "network")]
type LazyClient = std::sync::OnceLock<Result<reqwest::blocking::Client, String>>;

/// The real network, through a blocking reqwest client. Hooks run on
/// blocking threads, never on the async runtime. (Feature `network`.)
#[cfg(feature = "network")]
pub struct ReqwestTransport {
    client: LazyClient,
    /// Origins with their own certificate rule, each with its own client.
    origins: std::collections::BTreeMap<String, (OriginTls, LazyClient)>,
}

#[cfg(feature = "network")]
impl ReqwestTransport {
    pub fn new() -> Self {
        ReqwestTransport { client: LazyClient::new(), origins: Default::default() }
    }

    /// A transport that checks the certificates of the given origins by
    /// their own rule; every other origin against the system roots.
    pub fn with_origin_tls(rules: impl IntoIterator<Item = (String, OriginTls)>) -> Self {
        let origins =
            rules.into_iter().map(|(origin, tls)| (crate::origin_of(&origin).unwrap_or(origin), (tls, LazyClient::new()))).collect();
        ReqwestTransport { client: LazyClient::new(), origins }
    }

    fn client(&self, url: &str) -> Result<&reqwest::blocking::Client, TransportError> {
        let rule = crate::origin_of(url).and_then(|origin| self.origins.get(&origin));
        let (tls, lazy) = match rule {
            Some((tls, lazy)) => (Some(tls), lazy),
            None => (None, &self.client),
        };
        // Built on first use: building it on an async worker thread panics.
        lazy.get_or_init(|| build_client(tls))
            .as_ref()
            .map_err(|e| TransportError::Connection(format!("cannot create the HTTP client: {e}")))
    }
}

#[cfg(feature = "network")]
/// Redirects are not followed: a redirect could carry the request (and the
/// credentials the host attached) to an origin the plugin was never
/// granted. The plugin sees the 3xx and decides.
fn build_client(tls: Option<&OriginTls>) -> Result<reqwest::blocking::Client, String> {
    crate::tls::install_crypto_provider();
    let mut builder = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none());
    match tls {
        None => {}
        Some(OriginTls::SkipVerify) => builder = builder.danger_accept_invalid_certs(true),
        Some(OriginTls::CaBundle(file)) => {
            let pem = std::fs::read(file).map_err(|e| format!("CA bundle {}: cannot read it: {e}", file.display()))?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("CA bundle {}: not a PEM certificate bundle: {e}", file.display()))?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
    }
    builder.build().map_err(|e| e.to_string())
}

#[cfg(feature = "network")]
impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "network")]
impl HttpTransport for ReqwestTransport {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Invalid(format!("unknown method '{}'", request.method)))?;
        let mut builder = self.client(&request.url)?.request(method, &request.url).timeout(request.timeout).body(request.body);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let response = builder.send().map_err(|e| {
            if e.is_timeout() {
                TransportError::Timeout
            } else if e.is_builder() {
                TransportError::Invalid(e.to_string())
            } else {
                TransportError::Connection(e.to_string())
            }
        })?;
        let status = response.status().as_u16();
        let headers =
            response.headers().iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        // Read straight into one buffer: reports can be tens of megabytes.
        // The server's Content-Length is only a hint, capped so a bogus one
        // cannot make the host allocate (or abort on) a huge buffer up front.
        let mut response = response;
        let hint = response.content_length().map_or(0, |n| usize::try_from(n).unwrap_or(0)).min(MAX_PREALLOCATED_BODY);
        let mut body = Vec::with_capacity(hint);
        std::io::Read::read_to_end(&mut response, &mut body).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut { TransportError::Timeout } else { TransportError::Connection(e.to_string()) }
        })?;
        Ok(InboundResponse { status, headers, body })
    }
}
