//! `mtv:plugin/http`: the host sends requests for a plugin, only to origins
//! in its `grants.http`, and attaches credentials itself so the plugin
//! never holds them.

use super::State;
use crate::bindings::interfaces::http::{self, Error, Header, Request, Response};
use crate::origin::http_origin;
use crate::secrets::{AuditEvent, AuditKind};
use crate::services::{OutboundRequest, TransportError};
use crate::state::PluginState;
use std::time::Duration;
use wasmtime::component::Linker;

/// Headers that carry credentials: only the host sets them.
pub(crate) const HOST_ONLY_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn add_to_linker(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    http::add_to_linker::<_, State>(linker, |state| state)
}

impl http::Host for PluginState {
    fn send(&mut self, req: Request) -> Result<Response, Error> {
        let Some(origin) = http_origin(&req.url) else {
            return Err(Error::Invalid(format!("'{}' is not an absolute http(s) URL", req.url)));
        };
        let plugin = std::sync::Arc::clone(&self.plugin);
        let audit = |allowed: bool, reason: Option<&str>| {
            plugin.services.audit.record(AuditEvent { plugin: &plugin.name, kind: AuditKind::Http, target: &origin, allowed, reason })
        };
        // `user:password@` becomes an Authorization header of its own, next
        // to the one the host attaches: a credential the plugin chose.
        if url::Url::parse(&req.url).is_ok_and(|url| !url.username().is_empty() || url.password().is_some()) {
            audit(false, Some("credentials in the URL"));
            return Err(Error::Denied(
                "plugins may not put credentials in a URL (user:password@): the host attaches credentials for granted origins".into(),
            ));
        }
        let granted = plugin.grants.http.iter().any(|g| http_origin(g).as_deref() == Some(origin.as_str()));
        if !granted {
            audit(false, Some("origin not granted"));
            return Err(Error::Denied(format!(
                "origin {origin} is not granted to plugin '{}': add \"{origin}\" to `grants.http` of its [[plugins]] entry in mtv-host.toml",
                plugin.name
            )));
        }
        if let Some(header) = req.headers.iter().find(|h| HOST_ONLY_HEADERS.contains(&h.name.to_ascii_lowercase().as_str())) {
            audit(false, Some("sets a credential header"));
            return Err(Error::Denied(format!(
                "plugins may not set the '{}' header: the host attaches credentials for granted origins",
                header.name
            )));
        }
        let mut headers: Vec<(String, String)> = req.headers.into_iter().map(|h| (h.name, h.value)).collect();
        if let Some(credential) = plugin.services.secrets.origin_credential(&origin) {
            headers.push(("authorization".into(), credential));
        }
        let outbound = OutboundRequest {
            method: req.method,
            url: req.url,
            headers,
            body: req.body,
            timeout: req.timeout_ms.map(|ms| Duration::from_millis(ms.into())).unwrap_or(DEFAULT_TIMEOUT),
        };
        audit(true, None);
        let sending = std::time::Instant::now();
        let answer = plugin.services.transport.send(outbound);
        self.http_time += sending.elapsed();
        answer
            .map(|r| Response {
                status: r.status,
                headers: r.headers.into_iter().map(|(name, value)| Header { name, value }).collect(),
                body: r.body,
            })
            .map_err(|e| match e {
                TransportError::Timeout => Error::Timeout,
                TransportError::Connection(why) => Error::Connection(why),
                TransportError::Invalid(why) => Error::Invalid(why),
            })
    }
}
