//! Record mode: send a plugin's requests to the real network and save each
//! exchange to a JSON file, which `FakeHost::replay` serves later as canned
//! answers. Credentials never reach the file: the host-attached
//! `authorization`, and `cookie` / `set-cookie`, are dropped. This module
//! owns the file; the recording transport is in `recording` (feature
//! `network`).

use crate::InboundResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use std::path::Path;

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
pub(super) struct Recording {
    pub(super) exchanges: Vec<Exchange>,
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
