//! Fault and timing knobs that tests change while the simulator runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::inventory::VmBehavior;

/// The run-time knobs. Served as JSON at `/sim/v1/scenario` (GET, PUT replaces,
/// PATCH merges) and changed from Rust through [`ScenarioHandle`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Time each migration pipeline step takes.
    pub step_delay_ms: u64,
    /// Delay added before every Kubernetes API request is answered.
    pub api_latency_ms: u64,
    /// Provider URLs whose connection test fails (besides any host `unreachable.invalid`).
    pub unreachable_urls: Vec<String>,
    /// Requests to fail, first match wins; each rule is used up after `count` requests.
    pub request_faults: Vec<RequestFault>,
    /// End every watch stream after it has sent this many events (bookmarks excluded).
    pub watch_drop_after_events: Option<u64>,
    /// End every watch stream this long after it started.
    pub watch_drop_after_ms: Option<u64>,
    /// Per-VM behaviour, keyed by source VM name or id; overrides the inventory's knobs.
    pub vms: BTreeMap<String, VmBehavior>,
    /// Providers (`name` or `namespace/name`) the caller's token may not `get`: the
    /// inventory answers 403 under them, as Forklift does after a denied SubjectAccessReview.
    pub inventory_forbidden_providers: Vec<String>,
    /// The MTV operator's install failed: its ClusterServiceVersion is `Failed`
    /// and the `forklift-controller` pod is in CrashLoopBackOff.
    pub operator_failed: bool,
    /// The OpenShift release the cluster reports (ClusterVersion `version`);
    /// `None` is 4.20.0. It decides the serial of a migrated VM.
    pub openshift_version: Option<String>,
}

/// "Fail the next `count` requests matching `verb` and `resource` with `code`."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestFault {
    /// `get`, `list`, `watch`, `create`, `update`, `patch` or `delete`; absent = any verb.
    #[serde(default)]
    pub verb: Option<String>,
    /// Plural resource name, e.g. `plans`; absent = any resource.
    #[serde(default)]
    pub resource: Option<String>,
    /// How many matching requests fail.
    pub count: u32,
    /// HTTP status of the failure (the `Status.reason` follows it: 409 Conflict, 500 InternalError, …).
    #[serde(default = "internal_error")]
    pub code: u16,
    #[serde(default)]
    pub message: Option<String>,
}

fn internal_error() -> u16 {
    500
}

impl RequestFault {
    /// Fails the next `count` requests with `verb` on `resource` with HTTP `code`.
    pub fn new(verb: &str, resource: &str, count: u32, code: u16) -> Self {
        RequestFault { verb: Some(verb.to_string()), resource: Some(resource.to_string()), count, code, message: None }
    }

    fn matches(&self, verb: &str, resource: &str) -> bool {
        self.count > 0 && self.verb.as_deref().is_none_or(|v| v == verb) && self.resource.as_deref().is_none_or(|r| r == resource)
    }
}

/// Shared, live access to a running simulator's [`Scenario`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ScenarioHandle {
    scenario: Arc<Mutex<Scenario>>,
    changes: watch::Sender<u64>,
}

impl ScenarioHandle {
    pub(crate) fn new(initial: Scenario) -> Self {
        ScenarioHandle { scenario: Arc::new(Mutex::new(initial)), changes: watch::Sender::new(0) }
    }

    fn lock(&self) -> MutexGuard<'_, Scenario> {
        self.scenario.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the current knobs.
    pub fn get(&self) -> Scenario {
        self.lock().clone()
    }

    /// Replaces every knob.
    pub fn set(&self, scenario: Scenario) {
        *self.lock() = scenario;
        self.changes.send_modify(|n| *n += 1);
    }

    /// Changes some knobs in place.
    pub fn update(&self, change: impl FnOnce(&mut Scenario)) {
        change(&mut self.lock());
        self.changes.send_modify(|n| *n += 1);
    }

    /// Adds a request fault (see [`RequestFault::new`]).
    pub fn fail_requests(&self, fault: RequestFault) {
        self.update(|s| s.request_faults.push(fault));
    }

    /// Sets the behaviour knobs of one source VM (by name or id).
    pub fn set_vm(&self, vm: &str, behavior: VmBehavior) {
        self.update(|s| {
            s.vms.insert(vm.to_string(), behavior);
        });
    }

    /// Ends every watch after `events` events (`None`: never).
    pub fn drop_watches_after_events(&self, events: Option<u64>) {
        self.update(|s| s.watch_drop_after_events = events);
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Uses up one matching request fault, if any: the status code and message to answer with.
    pub(crate) fn take_fault(&self, verb: &str, resource: &str) -> Option<(u16, Option<String>)> {
        let mut scenario = self.lock();
        let fault = scenario.request_faults.iter_mut().find(|f| f.matches(verb, resource))?;
        fault.count -= 1;
        let answer = (fault.code, fault.message.clone());
        scenario.request_faults.retain(|f| f.count > 0);
        Some(answer)
    }

    pub(crate) fn step_delay(&self) -> Duration {
        Duration::from_millis(self.lock().step_delay_ms)
    }

    pub(crate) fn api_latency(&self) -> Duration {
        Duration::from_millis(self.lock().api_latency_ms)
    }

    pub(crate) fn watch_limits(&self) -> (Option<u64>, Option<Duration>) {
        let s = self.lock();
        (s.watch_drop_after_events, s.watch_drop_after_ms.map(Duration::from_millis))
    }

    pub(crate) fn is_unreachable(&self, url: &str) -> bool {
        let listed = self.lock().unreachable_urls.iter().any(|u| u.trim_end_matches('/') == url.trim_end_matches('/'));
        listed || url_host(url) == Some("unreachable.invalid")
    }

    /// The run-time knobs for a VM, looked up by id then name.
    pub(crate) fn vm_behavior(&self, id: &str, name: &str) -> Option<VmBehavior> {
        let s = self.lock();
        s.vms.get(id).or_else(|| s.vms.get(name)).cloned()
    }
}

/// The host part of a URL (`https://host:443/sdk` → `host`), for the unreachable check.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => host_port.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_used_up_in_order() {
        let handle = ScenarioHandle::new(Scenario::default());
        handle.fail_requests(RequestFault::new("get", "plans", 2, 500));
        handle.fail_requests(RequestFault { verb: None, resource: None, count: 1, code: 409, message: Some("boom".into()) });
        assert_eq!(handle.take_fault("get", "plans"), Some((500, None)));
        assert_eq!(handle.take_fault("list", "secrets"), Some((409, Some("boom".into()))));
        assert_eq!(handle.take_fault("get", "plans"), Some((500, None)));
        assert_eq!(handle.take_fault("get", "plans"), None);
        assert!(handle.get().request_faults.is_empty());
    }

    #[test]
    fn unreachable_urls() {
        let handle = ScenarioHandle::new(Scenario { unreachable_urls: vec!["https://vc.example/sdk".into()], ..Scenario::default() });
        assert!(handle.is_unreachable("https://vc.example/sdk/"));
        assert!(handle.is_unreachable("https://user@unreachable.invalid:443/sdk"));
        assert!(!handle.is_unreachable("https://vc2.example/sdk"));
    }

    #[test]
    fn scenario_json_uses_snake_case_and_defaults() {
        let s: Scenario = serde_json::from_str(r#"{"step_delay_ms": 5, "request_faults": [{"verb": "get", "count": 1}]}"#).unwrap();
        assert_eq!(s.request_faults[0].code, 500);
        assert!(serde_json::from_str::<Scenario>(r#"{"stepDelayMs": 5}"#).is_err());
    }
}
