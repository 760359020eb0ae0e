//! The cluster as the runner uses it: typed-by-kind CRUD over `kube`'s
//! dynamic API, with every create recorded in a [`Ledger`] for teardown and
//! `resources.json`.

use std::sync::{Arc, Mutex};

use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, Config};
use serde::Serialize;
use serde_json::Value;

use super::kinds::Kind;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("{action} {kind} {name}: {}", describe(source))]
    Api {
        action: &'static str,
        kind: Kind,
        name: String,
        #[source]
        source: kube::Error,
    },
    #[error("{kind} {name}: the object is not valid JSON for the API: {source}")]
    Shape {
        kind: Kind,
        name: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot connect to the cluster: {0}")]
    Connect(String),
}

/// The API's own message for API errors (`namespaces "x" already exists
/// (AlreadyExists, 409)`), the client's otherwise.
pub(crate) fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} ({}, {})", status.message, status.reason, status.code),
        other => other.to_string(),
    }
}

/// One object the run created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedResource {
    /// The test that created it.
    pub test: String,
    pub kind: Kind,
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

/// Everything created during a run, in creation order, and which of it a
/// delete has since removed. Shared by the tests running concurrently.
#[derive(Debug, Clone, Default)]
pub struct Ledger(Arc<Mutex<Entries>>);

#[derive(Debug, Default)]
struct Entries {
    created: Vec<CreatedResource>,
    /// For each entry of `created`: whether a delete of it was accepted.
    removed: Vec<bool>,
}

impl Ledger {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn push(&self, resource: CreatedResource) {
        let mut entries = self.entries();
        entries.created.push(resource);
        entries.removed.push(false);
    }

    /// Marks `kind`/`name` removed; a removed Namespace takes everything in it along.
    fn removed(&self, kind: Kind, namespace: Option<&str>, name: &str) {
        let mut entries = self.entries();
        let Entries { created, removed } = &mut *entries;
        for (resource, gone) in created.iter().zip(removed.iter_mut()) {
            let same = resource.kind == kind && resource.name == name && resource.namespace.as_deref() == namespace;
            let inside = kind == Kind::Namespace && resource.namespace.as_deref() == Some(name);
            *gone |= same || inside;
        }
    }

    pub fn all(&self) -> Vec<CreatedResource> {
        self.entries().created.clone()
    }

    /// What was created and not removed: what is left if the run stops now.
    pub fn remaining(&self) -> Vec<CreatedResource> {
        let entries = self.entries();
        entries.created.iter().zip(&entries.removed).filter(|(_, gone)| !**gone).map(|(resource, _)| resource.clone()).collect()
    }

    pub fn of_test(&self, test: &str) -> Vec<CreatedResource> {
        self.all().into_iter().filter(|r| r.test == test).collect()
    }
}

#[derive(Clone)]
pub struct Cluster {
    client: Client,
    ledger: Ledger,
}

/// A client for a cluster at `url` without credentials (the embedded simulator).
pub fn client_for_url(url: &str) -> Result<Client, ClusterError> {
    crate::tls::install_crypto_provider();
    let uri = url.parse().map_err(|e| ClusterError::Connect(format!("{url} is not a URL: {e}")))?;
    Client::try_from(Config::new(uri)).map_err(|e| ClusterError::Connect(e.to_string()))
}

/// A client from the usual kubeconfig inference: `KUBECONFIG`,
/// `~/.kube/config`, or the in-cluster service account.
pub async fn client_from_kubeconfig() -> Result<Client, ClusterError> {
    crate::tls::install_crypto_provider();
    Client::try_default()
        .await
        .map_err(|e| ClusterError::Connect(format!("{e} (set KUBECONFIG, log in with `oc login`, or run with --cluster sim)")))
}

impl Cluster {
    pub fn new(client: Client, ledger: Ledger) -> Self {
        Self { client, ledger }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn api(&self, kind: Kind, namespace: Option<&str>) -> Api<DynamicObject> {
        let resource = kind.api_resource();
        match namespace {
            Some(ns) if kind.namespaced() => Api::namespaced_with(self.client.clone(), ns, &resource),
            _ => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// Creates `object` (a full manifest) and records it for `test`.
    pub async fn create(&self, test: &str, kind: Kind, object: &Value) -> Result<Value, ClusterError> {
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_owned();
        let namespace = object["metadata"]["namespace"].as_str().map(str::to_owned);
        let dynamic: DynamicObject =
            serde_json::from_value(object.clone()).map_err(|source| ClusterError::Shape { kind, name: name.clone(), source })?;
        let created = self
            .api(kind, namespace.as_deref())
            .create(&PostParams::default(), &dynamic)
            .await
            .map_err(|source| ClusterError::Api { action: "create", kind, name: name.clone(), source })?;
        self.ledger.push(CreatedResource { test: test.to_owned(), kind, api_version: kind.api_version(), namespace, name });
        to_json(kind, &created)
    }

    pub async fn get(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Result<Option<Value>, ClusterError> {
        let found = self.api(kind, namespace).get_opt(name).await.map_err(|source| ClusterError::Api {
            action: "get",
            kind,
            name: name.to_owned(),
            source,
        })?;
        found.map(|object| to_json(kind, &object)).transpose()
    }

    pub async fn list(&self, kind: Kind, namespace: Option<&str>) -> Result<Vec<Value>, ClusterError> {
        let listed = self.api(kind, namespace).list(&ListParams::default()).await.map_err(|source| ClusterError::Api {
            action: "list",
            kind,
            name: "(all)".into(),
            source,
        })?;
        listed.items.iter().map(|object| to_json(kind, object)).collect()
    }

    /// A JSON merge patch.
    pub async fn patch(&self, kind: Kind, namespace: Option<&str>, name: &str, patch: &Value) -> Result<Value, ClusterError> {
        let patched = self
            .api(kind, namespace)
            .patch(name, &PatchParams::default(), &Patch::Merge(patch))
            .await
            .map_err(|source| ClusterError::Api { action: "patch", kind, name: name.to_owned(), source })?;
        to_json(kind, &patched)
    }

    /// Deletes one object; `Ok(false)` when it was already gone.
    pub async fn delete(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Result<bool, ClusterError> {
        let deleted = match self.api(kind, namespace).delete(name, &DeleteParams::background()).await {
            Ok(_) => true,
            Err(kube::Error::Api(status)) if status.code == 404 => false,
            Err(source) => return Err(ClusterError::Api { action: "delete", kind, name: name.to_owned(), source }),
        };
        self.ledger.removed(kind, namespace, name);
        Ok(deleted)
    }
}

fn to_json(kind: Kind, object: &DynamicObject) -> Result<Value, ClusterError> {
    serde_json::to_value(object).map_err(|source| ClusterError::Shape {
        kind,
        name: object.metadata.name.clone().unwrap_or_default(),
        source,
    })
}
