//! Record mode's transport (feature `network`): the real network, with
//! every exchange saved for `FakeHost::replay`.

use super::observed::without_credentials;
use super::record::{Exchange, Recording};
use crate::{HttpTransport, InboundResponse, OutboundRequest, ReqwestTransport, TransportError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::path::PathBuf;
use std::sync::Mutex;

impl Exchange {
    fn of(request: &OutboundRequest, response: &InboundResponse) -> Exchange {
        let (body, body_base64) = match String::from_utf8(response.body.clone()) {
            Ok(text) => (Some(text), None),
            Err(_) => (None, Some(BASE64.encode(&response.body))),
        };
        Exchange {
            method: request.method.to_ascii_uppercase(),
            url: request.url.clone(),
            status: response.status,
            headers: without_credentials(&response.headers),
            body,
            body_base64,
        }
    }
}

/// Sends through the real network and saves every exchange to `file`,
/// rewriting it after each one so a failing test still leaves it complete.
/// Requests that get no answer (timeouts, refused connections) are not saved.
pub struct RecordingTransport {
    network: ReqwestTransport,
    file: PathBuf,
    exchanges: Mutex<Vec<Exchange>>,
}

impl RecordingTransport {
    pub fn new(file: impl Into<PathBuf>) -> Self {
        RecordingTransport { network: ReqwestTransport::new(), file: file.into(), exchanges: Mutex::new(Vec::new()) }
    }

    fn save(&self, exchanges: &[Exchange]) -> Result<(), String> {
        let recording = Recording { exchanges: exchanges.to_vec() };
        let json = serde_json::to_string_pretty(&recording).map_err(|e| e.to_string())?;
        if let Some(dir) = self.file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&self.file, json).map_err(|e| format!("cannot write recording {}: {e}", self.file.display()))
    }
}

impl HttpTransport for RecordingTransport {
    fn send(&self, request: OutboundRequest) -> Result<InboundResponse, TransportError> {
        let response = self.network.send(request.clone())?;
        let mut exchanges = self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        exchanges.push(Exchange::of(&request, &response));
        // A recording that silently misses an exchange would make replays
        // fail later for no visible reason: fail this request instead.
        self.save(&exchanges).map_err(TransportError::Connection)?;
        Ok(response)
    }
}
