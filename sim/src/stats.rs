//! Request counters, to show how many API calls a client makes.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A snapshot of the Kubernetes API requests a simulator has answered (the
/// `/sim/v1/*` endpoints are not counted). Served at `/sim/v1/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimStats {
    pub total: u64,
    pub get: u64,
    pub list: u64,
    pub watch: u64,
    pub create: u64,
    pub update: u64,
    pub patch: u64,
    /// Deletes of one object or a collection.
    pub delete: u64,
    /// Discovery and `/version` requests.
    pub discovery: u64,
    /// Resource requests per plural resource name (e.g. `plans`), every verb.
    pub by_resource: BTreeMap<String, u64>,
}

/// The verb a request was counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    List,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    total: AtomicU64,
    verbs: [AtomicU64; 7],
    discovery: AtomicU64,
    by_resource: Mutex<BTreeMap<String, u64>>,
}

impl Counters {
    pub fn count_resource(&self, verb: Verb, resource: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.verbs[verb as usize].fetch_add(1, Ordering::Relaxed);
        let mut by_resource = self.by_resource.lock().unwrap_or_else(|p| p.into_inner());
        *by_resource.entry(resource.to_string()).or_default() += 1;
    }

    pub fn count_discovery(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.discovery.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> SimStats {
        let verb = |v: Verb| self.verbs[v as usize].load(Ordering::Relaxed);
        SimStats {
            total: self.total.load(Ordering::Relaxed),
            get: verb(Verb::Get),
            list: verb(Verb::List),
            watch: verb(Verb::Watch),
            create: verb(Verb::Create),
            update: verb(Verb::Update),
            patch: verb(Verb::Patch),
            delete: verb(Verb::Delete),
            discovery: self.discovery.load(Ordering::Relaxed),
            by_resource: self.by_resource.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }
}
