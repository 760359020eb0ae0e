//! `TestPlugin`: a loaded component and what it did — hook results,
//! requests, audit entries and log lines.

use super::canned::CannedTransport;
use super::logs::{LogCapture, LogLine};
use super::observed::{ObservingTransport, SentRequest};
use crate::secrets::{AuditEntry, AuditLog};
use crate::{GateOutcome, HookError, LoadedPlugin, PluginRuntime, Problem, ReportFacts, ReportResult, RunFacts, TestItem, VendorInfo};
use std::sync::Arc;

/// A component loaded by [`FakeHost::load`](super::FakeHost::load).
pub struct TestPlugin {
    pub(super) runtime: PluginRuntime,
    pub(super) plugin: LoadedPlugin,
    pub(super) requests: Arc<ObservingTransport>,
    pub(super) canned: Arc<CannedTransport>,
    pub(super) audit: Arc<AuditLog>,
    pub(super) logs: LogCapture,
}

impl TestPlugin {
    /// The loaded component: name, world, contract version, shape.
    pub fn loaded(&self) -> &LoadedPlugin {
        &self.plugin
    }

    /// Gate: decide for `tests`.
    pub fn decide(&self, facts: &RunFacts, tests: &[TestItem]) -> Result<Result<GateOutcome, String>, HookError> {
        self.logs.during(|| self.runtime.gate_decide(&self.plugin, facts, tests))
    }

    /// Reporter: look at a JUnit report.
    pub fn report(&self, facts: ReportFacts, junit_xml: &str) -> Result<ReportResult, HookError> {
        self.logs.during(|| self.runtime.report(&self.plugin, facts, junit_xml))
    }

    /// Storage vendor: the fields it declares.
    pub fn describe(&self) -> Result<VendorInfo, HookError> {
        self.logs.during(|| self.runtime.vendor_describe(&self.plugin))
    }

    /// Storage vendor: check non-sensitive values (config key, value).
    pub fn validate(&self, values: &[(&str, &str)]) -> Result<Vec<Problem>, HookError> {
        let values: Vec<(String, String)> = values.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.logs.during(|| self.runtime.vendor_validate(&self.plugin, &values))
    }

    /// Every request the plugin asked the host to send (granted ones only;
    /// denied ones are in `audit()`), without credentials.
    pub fn requests(&self) -> Vec<SentRequest> {
        self.requests.sent()
    }

    /// `METHOD URL` of each request that had no canned answer.
    pub fn unexpected_requests(&self) -> Vec<String> {
        self.canned.misses()
    }

    /// Panic listing every request that had no canned answer.
    #[track_caller]
    pub fn assert_no_unexpected_requests(&self) {
        let misses = self.unexpected_requests();
        assert!(
            misses.is_empty(),
            "plugin '{}' sent requests with no canned answer (add FakeHost::respond for each):\n  {}",
            self.plugin.name,
            misses.join("\n  ")
        );
    }

    /// Every secret and HTTP request the plugin made, allowed or denied.
    pub fn audit(&self) -> Vec<AuditEntry> {
        // An in-memory log cannot fail to read.
        self.audit.entries().unwrap_or_default()
    }

    /// What the plugin logged or printed during hook calls, without the
    /// `[name] ` prefix the host adds to log lines.
    pub fn logs(&self) -> Vec<LogLine> {
        let prefix = format!("[{}] ", self.plugin.name);
        self.logs
            .lines()
            .into_iter()
            .map(|line| LogLine { message: line.message.strip_prefix(&prefix).map(str::to_string).unwrap_or(line.message), ..line })
            .collect()
    }
}
