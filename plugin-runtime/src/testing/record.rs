//! Record mode: send a plugin's requests to the real network and save each
//! exchange to a JSON file, which `FakeHost::replay` serves later as canned
//! answers. Credentials never reach the file: the host-attached
//! `authorization`, and `cookie` / `set-cookie`, are dropped.

use super::observed::without_credentials;
use crate::{HttpTransport, InboundResponse, OutboundRequest, ReqwestTransport, TransportError};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One request and the answer it got.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub status: u16,
    /// Response headers, credentials removed.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The response body when it is UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The response body otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
}

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

    /// The answer to serve for this exchange.
    pub(super) fn response(&self, file: &Path) -> anyhow::Result<InboundResponse> {
        let body = match (&self.body, &self.body_base64) {
            (_, Some(encoded)) => BASE64.decode(encoded).map_err(|e| {
                anyhow::anyhow!(
                    "{}: exchange {} {} has a body_base64 that is not base64 ({e}); record it again",
                    file.display(),
                    self.method,
                    self.url
                )
            })?,
            (Some(text), None) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        };
        Ok(InboundResponse { status: self.status, headers: self.headers.clone(), body })
    }
}

/// The file format: `{ "exchanges": [ … ] }`.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Recording {
    exchanges: Vec<Exchange>,
}

/// The exchanges saved in a recording file.
pub fn load_exchanges(file: &Path) -> anyhow::Result<Vec<Exchange>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read recording {}: {e}; record it first with FakeHost::record", file.display()))?;
    let recording: Recording = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{} is not a recording ({e}); expected {{\"exchanges\": [{{\"method\", \"url\", \"status\", \"headers\", \"body\"}}]}}",
            file.display()
        )
    })?;
    Ok(recording.exchanges)
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
