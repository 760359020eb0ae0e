//! `FakeHost`: the settings, secrets, grants, limits and canned HTTP answers
//! a plugin is loaded with in a test.

use super::canned::CannedTransport;
use super::logs::LogCapture;
use super::observed::ObservingTransport;
use super::record::load_exchanges;
#[cfg(feature = "network")]
use super::recording::RecordingTransport;
use super::test_plugin::TestPlugin;
use crate::normalize_origin;
use crate::secrets::AuditLog;
use crate::{Grants, HostServices, HttpTransport, InboundResponse, Limits, PluginRuntime, PluginSpec, SecretSource};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Builds the host a plugin runs in during a test. Nothing is granted and
/// no request reaches the network unless the builder says so. (No `Debug`:
/// it holds secret values.)
#[derive(Clone, Default)]
pub struct FakeHost {
    settings: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    credentials: BTreeMap<String, String>,
    grants: Grants,
    limits: Limits,
    answers: Vec<(String, String, InboundResponse)>,
    #[cfg(feature = "network")]
    record_to: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
}

impl FakeHost {
    pub fn new() -> Self {
        Self::default()
    }

    /// A host whose canned answers are the exchanges saved in record mode.
    pub fn replay(file: impl AsRef<Path>) -> anyhow::Result<Self> {
        let file = file.as_ref();
        let mut host = Self::new();
        for exchange in load_exchanges(file)? {
            let response = exchange.response(file)?;
            host.answers.push((exchange.method, exchange.url, response));
        }
        Ok(host)
    }

    /// One entry of the plugin's `settings` table.
    pub fn setting(mut self, key: &str, value: &str) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// A secret the plugin may read, granted to it (`grants.secrets`).
    pub fn secret(mut self, name: &str, value: &str) -> Self {
        self.secrets.insert(name.into(), value.into());
        if !self.grants.secrets.iter().any(|granted| granted == name) {
            self.grants.secrets.push(name.into());
        }
        self
    }

    /// An origin the plugin may send requests to (`grants.http`).
    pub fn grant_origin(mut self, origin: &str) -> Self {
        self.grants.http.push(origin.into());
        self
    }

    /// The `Authorization` value the host attaches to requests for
    /// `origin`, as it does for JIRA's token. Plugins never see it, and
    /// `requests()` and recordings leave it out.
    pub fn credential(mut self, origin: &str, authorization: &str) -> Self {
        self.credentials.insert(normalize_origin(origin), authorization.into());
        self
    }

    /// Answer `method url` with `status` and `body`. Several answers for the
    /// same request are served in order; the last one repeats.
    pub fn respond(mut self, method: &str, url: &str, status: u16, body: impl Into<Vec<u8>>) -> Self {
        let response = InboundResponse { status, headers: Vec::new(), body: body.into() };
        self.answers.push((method.into(), url.into(), response));
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Record mode: send every request to the real network (granted origins
    /// only) and save the exchanges to `file` for `FakeHost::replay`.
    /// Canned answers are not used. Needs the `network` feature.
    #[cfg(feature = "network")]
    pub fn record(mut self, file: impl Into<PathBuf>) -> Self {
        self.record_to = Some(file.into());
        self
    }

    /// Cache compiled components here instead of compiling on every load.
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = dir;
        self
    }

    /// Load the component at `path` (named after its file stem) into a real
    /// runtime wired to this host's fakes.
    pub fn load(&self, path: impl AsRef<Path>) -> anyhow::Result<TestPlugin> {
        let path = path.as_ref();
        let audit = Arc::new(AuditLog::in_memory());
        let canned = Arc::new(CannedTransport::new(&self.answers));
        #[cfg(feature = "network")]
        let network: Arc<dyn HttpTransport> = match &self.record_to {
            Some(file) => Arc::new(RecordingTransport::new(file.clone())),
            None => canned.clone(),
        };
        #[cfg(not(feature = "network"))]
        let network: Arc<dyn HttpTransport> = canned.clone();
        let requests = Arc::new(ObservingTransport::new(network));
        let secrets = FakeSecrets { secrets: self.secrets.clone(), credentials: self.credentials.clone() };
        let services = HostServices { secrets: Arc::new(secrets), transport: requests.clone(), audit: audit.clone() };
        let runtime = PluginRuntime::new(services, self.cache_dir.clone())?;
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "plugin".into());
        let spec = PluginSpec {
            name,
            path: path.to_path_buf(),
            sha256: None,
            grants: self.grants.clone(),
            settings: self.settings.clone(),
            limits: self.limits,
        };
        let plugin = runtime.load(&spec)?;
        Ok(TestPlugin { runtime, plugin, requests, canned, audit, logs: LogCapture::default() })
    }
}

struct FakeSecrets {
    secrets: BTreeMap<String, String>,
    credentials: BTreeMap<String, String>,
}

impl SecretSource for FakeSecrets {
    fn secret(&self, name: &str) -> Result<String, String> {
        self.secrets.get(name).cloned().ok_or_else(|| format!("the fake host has no secret '{name}': add .secret(\"{name}\", value)"))
    }

    fn origin_credential(&self, origin: &str) -> Option<String> {
        self.credentials.get(origin).cloned()
    }
}
