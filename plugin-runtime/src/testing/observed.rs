//! Every request the plugin asked the host to send, kept for assertions
//! with the credentials the host attached taken out.

use crate::capabilities::HOST_ONLY_HEADERS;
use crate::{HttpTransport, InboundResponse, OutboundRequest, TransportError};
use std::sync::{Arc, Mutex};

/// Headers that carry credentials: the ones only the host may send, and the
/// cookies servers set. Never kept in memory or written to a file.
fn is_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "set-cookie" || HOST_ONLY_HEADERS.contains(&name.as_str())
}

/// `headers` without the credential-carrying ones.
pub(super) fn without_credentials(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers.iter().filter(|(name, _)| !is_credential(name)).cloned().collect()
}

/// One request as the host would have sent it, minus credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SentRequest {
    /// The body as text (lossy), for assertions on JSON or form bodies.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Records each request, then hands it to the transport that answers it.
pub(super) struct ObservingTransport {
    inner: Arc<dyn HttpTransport>,
    sent: Mutex<Vec<SentRequest>>,
}

impl ObservingTransport {
    pub(super) fn new(inner: Arc<dyn HttpTransport>) -> Self {
        ObservingTransport { inner, sent: Mutex::new(Vec::new()) }
    }

    pub(super) fn sent(&self) -> Vec<SentRequest> {
        self.sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

impl HttpTransport for ObservingTransport {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let seen = SentRequest {
            method: request.method.clone(),
            url: request.url.clone(),
            headers: without_credentials(&request.headers),
            body: request.body.clone(),
        };
        self.sent.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(seen);
        self.inner.send(request)
    }
}
